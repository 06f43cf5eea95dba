"""Benchmark: reading a large Google Forms-shaped xlsx export.

Builds (once, cached in ``benchmarks/.cache/``) a workbook of 20,000 respondents
x 55 columns shaped like a Google Forms responses sheet (``Timestamp``,
``Email Address``, then one column per question or grid row, answered with the
codebook's English or Romanian labels) and measures, in the same run and each
in its own subprocess so that peak memory is per measurement:

(a) python-calamine alone: open the workbook and turn the sheet into Python
    lists;
(b) ``pandas.read_excel(path, engine="openpyxl")``;
(c) ``survey_analysis.load_responses(path, "data/codebook.yml")`` when the
    loader exists, otherwise ``survey_analysis.read_raw`` (said so in the
    output);
(d) ``survey_analysis.read_raw`` alone.

(a), (c) and (d) are run in turn, ``--repeat`` rounds (openpyxl runs once).
It prints the median wall time of each, the peak resident memory of each
subprocess, and the ratios (c)/(a) (target <= 1.5; the median of the ratios
within each round, which holds when a shared machine's speed drifts) and
(b)/(c) (target >= 4).

Run from the project root::

    .venv/bin/python benchmarks/bench_load.py            # 20,000 x 55
    .venv/bin/python benchmarks/bench_load.py --rows 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path
from statistics import median

__all__ = ["build_workbook", "main"]

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
CODEBOOK = ROOT / "data" / "codebook.yml"
N_COLUMNS = 55

_TEXT_ANSWERS = {
    "en": [
        "A joint project on AI tools for reading MRI scans with two hospitals.",
        "Training sessions for radiographers on new CT protocols.",
        "Lobby the ministry for reimbursement of PET-CT examinations.",
        "A common stand at the medical fairs and a better website.",
        "Networking meetings between companies and university labs.",
        "Shared access to the imaging infrastructure of the members.",
        "",
    ],
    "ro": [
        "Un proiect comun de cercetare privind algoritmi pentru imagistică.",
        "Cursuri de instruire pentru personalul tehnic și rezidenți.",
        "Advocacy la Ministerul Sănătății pentru decontarea investigațiilor.",
        "Promovare la târguri și prezență pe rețele sociale.",
        "Întâlniri de relaționare între membri și atragerea de membri noi.",
        "Acces comun la echipamente și infrastructură.",
        "",
    ],
}


def _columns(codebook: dict) -> list[tuple[str, object]]:
    """(header, answer-maker) pairs for one Google Forms-shaped sheet."""
    scales = codebook["scales"]
    columns: list[tuple[str, object]] = [("Timestamp", "timestamp"), ("Email Address", "email")]
    for question in codebook["questions"]:
        qtype = question["type"]
        text = question["text"]["en"]
        if question["id"] == "A2":
            continue  # the e-mail column above plays A2
        if qtype == "identifier":
            columns.append((text, "organisation"))
        elif qtype == "single":
            columns.append((text, ("single", question["options"])))
        elif qtype == "numeric":
            columns.append((text, ("numeric", question.get("min", 0), question.get("max", 10))))
        elif qtype == "likert":
            grid = question["grid"]["en"]
            columns.append((f"{grid} [{text}]", ("likert", scales[question["scale"]])))
        elif qtype == "ranking":
            for option in question["options"]:
                columns.append((f"{text} [{option['en']}]", ("rank", len(question["options"]))))
        elif qtype == "multi":
            columns.append((text, ("multi", question["options"])))
        elif qtype == "text":
            columns.append((text, "text"))
    # Pad to the benchmark's width with further agreement-grid rows, as a
    # longer questionnaire would have.
    k = 1
    while len(columns) < N_COLUMNS:
        columns.append(
            (f"How much do you agree with these statements? [Additional statement {k}]",
             ("likert", scales["agreement5"]))
        )
        k += 1
    return columns[:N_COLUMNS]


def _answer(kind, rng: random.Random, language: str, respondent: int, start: dt.datetime):
    if kind == "timestamp":
        return start + dt.timedelta(minutes=7 * respondent, seconds=rng.randrange(60))
    if kind == "email":
        return f"member{respondent:05d}@example.org"
    if kind == "organisation":
        return f"Organisation {respondent % 4000:04d}"
    if kind == "text":
        return rng.choice(_TEXT_ANSWERS[language]) or None
    name = kind[0]
    if name == "single":
        return rng.choice(kind[1])[language]
    if name == "numeric":
        return rng.randint(kind[1], kind[2])
    if name == "likert":
        if rng.random() < 0.03:
            return None
        return rng.choice(kind[1])[language]
    if name == "rank":
        # The rank columns of one respondent are filled together in build_workbook.
        return None
    if name == "multi":
        chosen = [o[language] for o in kind[1] if rng.random() < 0.35]
        return ", ".join(chosen) or None
    raise ValueError(f"unknown answer kind {kind!r}")


def build_codebook(path: Path) -> Path:
    """The questionnaire's codebook plus the extra agreement statements that pad the sheet to 55 columns."""
    import yaml

    codebook = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    grid = next(q["grid"] for q in codebook["questions"] if q.get("scale") == "agreement5")
    extra = [header for header, _ in _columns(codebook) if "[Additional statement" in header]
    directions = list(codebook["directions"])
    for k, header in enumerate(extra, start=1):
        codebook["questions"].append({
            "id": f"X{k}", "type": "likert", "scale": "agreement5", "direction": directions[(k - 1) % 5],
            "grid": grid, "text": {"en": f"Additional statement {k}", "ro": f"Afirmație suplimentară {k}"},
        })
    path.write_text(yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_workbook(path: Path, *, rows: int = 20_000, seed: int = 2019) -> Path:
    """Write the benchmark workbook to ``path`` (openpyxl, write-only mode)."""
    import openpyxl
    import yaml

    codebook = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    columns = _columns(codebook)
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 7, 9, 0, 0)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Form Responses 1")
    sheet.append([header for header, _ in columns])
    rank_positions = [i for i, (_, kind) in enumerate(columns) if isinstance(kind, tuple) and kind[0] == "rank"]
    for respondent in range(rows):
        language = "ro" if rng.random() < 0.5 else "en"
        row = [_answer(kind, rng, language, respondent, start) for _, kind in columns]
        order = list(range(1, len(rank_positions) + 1))
        rng.shuffle(order)
        for position, rank in zip(rank_positions, order):
            row[position] = str(rank)
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    workbook.save(tmp)
    tmp.replace(path)
    return path


_MEASURE = r"""
import json, resource, sys, time
def vmhwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
kind, path, codebook = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == 'calamine':
    import python_calamine
    def run():
        workbook = python_calamine.load_workbook(path)
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        return len(rows), len(rows[0])
elif kind == 'openpyxl':
    import pandas
    def run():
        frame = pandas.read_excel(path, engine='openpyxl')
        return frame.shape[0] + 1, frame.shape[1]
elif kind == 'load_responses':
    import survey_analysis
    def run():
        survey = survey_analysis.load_responses(path, codebook)
        return survey.responses.shape
else:
    from survey_analysis import read_raw
    def run():
        raw = read_raw(path)
        return len(raw.rows), len(raw.rows[0])
baseline = vmhwm()
t0 = time.perf_counter()
shape = run()
seconds = time.perf_counter() - t0
print(json.dumps({'seconds': seconds, 'peak_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  'baseline_kb': baseline, 'shape': list(shape)}))
"""


def _measure_once(kind: str, path: Path, codebook: Path = CODEBOOK) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, kind, str(path), str(codebook)],
        capture_output=True, text=True, check=False,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")},
    )
    if result.returncode != 0:
        raise RuntimeError(f"measurement {kind!r} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _measure_rounds(kinds: dict[str, tuple[str, Path]], path: Path, repeat: int) -> dict[str, list[dict]]:
    """Every measurement once per round, in turn, for ``repeat`` rounds.

    Interleaving keeps the measurements of one round under the same load of a
    shared machine, so that their ratio holds when its speed drifts.
    """
    runs: dict[str, list[dict]] = {name: [] for name in kinds}
    for _ in range(repeat):
        for name, (kind, codebook) in kinds.items():
            runs[name].append(_measure_once(kind, path, codebook))
    return runs


def _loader_available() -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import survey_analysis; survey_analysis.load_responses"],
        capture_output=True, env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return probe.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of (a), (c), (d), run in turn")
    parser.add_argument("--skip-openpyxl", action="store_true")
    args = parser.parse_args(argv)

    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    path = CACHE / f"google_forms_{args.rows}x{N_COLUMNS}.xlsx"
    if not path.exists():
        print(f"building {path.name} (once) ...", flush=True)
        build_workbook(path, rows=args.rows)
    print(f"workbook: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    codebook = build_codebook(CACHE / f"codebook_{N_COLUMNS}.yml")

    have_loader = _loader_available()
    kind_c = "load_responses" if have_loader else "read_raw"
    name_c = f"(c) {kind_c}" + ("" if have_loader else " [load_responses not available yet]")
    kinds = {"(a) calamine alone": ("calamine", CODEBOOK), name_c: (kind_c, codebook)}
    if have_loader:
        kinds["(d) read_raw"] = ("read_raw", CODEBOOK)
    runs = _measure_rounds(kinds, path, max(1, args.repeat))
    if not args.skip_openpyxl:
        runs["(b) pandas.read_excel(openpyxl)"] = [_measure_once("openpyxl", path)]
    for name in sorted(runs):
        figures = runs[name]
        seconds = [f["seconds"] for f in figures]
        print(f"{name:<62} median {median(seconds):6.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}, "
              f"{len(seconds)} runs)   peak {max(f['peak_kb'] for f in figures) / 1024:5.0f} MiB (after imports "
              f"{figures[0]['baseline_kb'] / 1024:.0f} MiB)  shape {figures[0]['shape']}")

    def ratio(top: str, bottom: str) -> str:
        pairs = [t["seconds"] / b["seconds"] for t, b in zip(runs[top], runs[bottom])]
        return f"median {median(pairs):.2f} of {len(pairs)} rounds (min {min(pairs):.2f}, max {max(pairs):.2f})"

    print(f"(c)/(a) = {ratio(name_c, '(a) calamine alone')}  (target <= 1.5)")
    if have_loader:
        print(f"(d)/(a) = {ratio('(d) read_raw', '(a) calamine alone')}  (read_raw's share of the budget)")
    if not args.skip_openpyxl:
        b = runs["(b) pandas.read_excel(openpyxl)"][0]["seconds"]
        c = median([f["seconds"] for f in runs[name_c]])
        print(f"(b)/(c) = {b / c:.2f}  (target >= 4; openpyxl runs once)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
