"""Benchmark: loading a very wide export without a codebook (header matching, drafting, coding).

A wide export (many questions, or a tool that writes one column per option of
every grid) must load in time proportional to its number of columns.  This
builds (once, cached in ``benchmarks/.cache/``) two CSV exports of the same
shape, 100 respondents x 10,000 columns and 100 respondents x 1,000 columns
(a Google Forms ``Timestamp`` column, then questions cycling through a Likert
item, a number, a yes/no choice and a free-text answer), and times
``survey_analysis.load_responses(path)`` without a codebook on each, every
run in a fresh process, best of ``--repeat``.

It prints the wall time and the CPU time of each, the 10,000-column time
against the 5 s target, and the ratio of the two times: linear growth gives
about 10 (ten times the columns), quadratic growth about 100.

Run from the project root::

    .venv/bin/python benchmarks/bench_header_matching.py
    .venv/bin/python benchmarks/bench_header_matching.py --repeat 1
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

__all__ = ["build_wide_export", "main"]

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
TARGET_SECONDS = 5.0
ROWS = 100
_SCALE = ["Not important", "Slightly important", "Moderately important", "Very important", "Extremely important"]


def build_wide_export(path: Path, *, columns: int, rows: int = ROWS, seed: int = 10_000) -> Path:
    """Write a Google Forms-shaped CSV with ``columns`` columns (seeded, deterministic)."""
    rng = random.Random(seed)
    header = ["Timestamp"] + [f"Question {i}: how does topic {i % 37} matter to your organisation?"
                              for i in range(1, columns)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for r in range(rows):
            row = [f"2019-01-{1 + r % 28:02d} 10:{r % 60:02d}:00"]
            for i in range(1, columns):
                kind = i % 4
                if kind == 0:
                    row.append(rng.choice(_SCALE))
                elif kind == 1:
                    row.append(str(rng.randint(0, 10)))
                elif kind == 2:
                    row.append(rng.choice(["Yes", "No"]))
                else:
                    row.append(f"Answer {rng.random():.6f} in the member's own words")
            writer.writerow(row)
    tmp.replace(path)
    return path


_MEASURE = r"""
import json, sys, time
import survey_analysis
path = sys.argv[1]
wall, cpu = time.perf_counter(), time.process_time()
survey = survey_analysis.load_responses(path)
print(json.dumps({"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu,
                  "shape": list(survey.responses.shape)}))
"""


def _measure(path: Path, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        result = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"loading {path.name} failed:\n{result.stderr}")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        if best is None or figures["seconds"] < best["seconds"]:
            best = figures
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each load; the best is kept")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    results = {}
    for columns in (1_000, 10_000):
        path = CACHE / f"wide_{ROWS}x{columns}.csv"
        if not path.exists():
            print(f"building {path.name} (once) ...", flush=True)
            build_wide_export(path, columns=columns)
        results[columns] = _measure(path, args.repeat)
        figures = results[columns]
        print(f"load_responses, {ROWS} rows x {columns:>6,} columns, no codebook: {figures['seconds']:7.2f} s "
              f"(CPU {figures['cpu_seconds']:.2f} s)  responses {figures['shape']}")
    wide, narrow = results[10_000]["seconds"], results[1_000]["seconds"]
    print(f"10,000 columns: {wide:.2f} s against the {TARGET_SECONDS:.0f} s target "
          f"({'met' if wide <= TARGET_SECONDS else 'NOT met'}; {wide / TARGET_SECONDS:.2f} of the budget)")
    print(f"10,000 / 1,000 columns: {wide / narrow:.1f} x the time for 10 x the columns "
          "(linear ~10, quadratic ~100)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
