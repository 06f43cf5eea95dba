"""Benchmark: writing the report set (brief, notebooks' pages, index) on the sample and on 20,000 members.

Measures, each run in a fresh process from start to exit (as a user waits for
it), the wall time of

(a) ``survey-analysis report`` on the bundled sample with its register, as
    ``make report`` runs it (target: at most 20 s);
(b) the same on a sample of 20,000 member organisations made by
    ``survey-analysis sample --members 20000`` (built once, cached in
    ``benchmarks/.cache/``; target: at most 60 s).

It prints the best of ``--repeat`` runs of each and its ratio to the target
(at most 1.0 meets it).  The machine's other load moves these figures: run it
on a quiet machine, or through ``farm-bench`` for a median of several runs.

Run from the project root::

    .venv/bin/python benchmarks/bench_report.py             # both
    .venv/bin/python benchmarks/bench_report.py --only sample --repeat 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
CLI = Path(sys.executable).with_name("survey-analysis")
TARGETS = {"sample": 20.0, "members_20000": 60.0}


def _large_sample() -> Path:
    folder = CACHE / "sample_20000"
    if not (folder / "google_forms.xlsx").is_file():
        print(f"building a sample of 20,000 members in {folder} (once)", flush=True)
        subprocess.run([str(CLI), "sample", "--members", "20000", "--out", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def _run(export: Path, register: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([str(CLI), "report", str(export), "--codebook", str(ROOT / "data" / "codebook.yml"),
                        "--register", str(register), "--out", out], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (best is kept)")
    parser.add_argument("--only", choices=sorted(TARGETS), help="measure one case only")
    args = parser.parse_args(argv)
    if not CLI.exists():
        print(f"{CLI} not found: run `make .venv/.installed` first", file=sys.stderr)
        return 2
    cases = {"sample": (ROOT / "data" / "sample" / "google_forms.xlsx", ROOT / "data" / "sample" / "members.csv")}
    if args.only in (None, "members_20000"):
        large = _large_sample()
        cases["members_20000"] = (large / "google_forms.xlsx", large / "members.csv")
    if args.only:
        cases = {args.only: cases[args.only]}
    print(f"report benchmark ({os.cpu_count()} processors), best of {args.repeat}")
    for name, (export, register) in cases.items():
        best = min(_run(export, register) for _ in range(max(1, args.repeat)))
        ratio = best / TARGETS[name]
        print(f"  {name:<14} {best:6.1f} s   target {TARGETS[name]:4.0f} s   ratio {ratio:.2f}"
              f"   {'meets the target' if ratio <= 1 else 'OVER the target'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
