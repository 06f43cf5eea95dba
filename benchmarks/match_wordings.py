"""Benchmark: how well exports in other hands' wording are matched, with and without `codebook align`.

Usage (from the project root)::

    .venv/bin/python benchmarks/match_wordings.py tests/data/wordings/author_a
    .venv/bin/python benchmarks/match_wordings.py WORDINGS_DIR [--respondents 120] [--seed 20190114]

Every ``*.yml`` file of WORDINGS_DIR is a wording of the bundled
questionnaire for one survey tool (the layout of ``tests/data/wordings/``).
For each, the planted answers of ``tests/wordings.py`` (a known order of the
directions by support) are written as that tool's export, which is then read

* without align: with the bundled codebook as it is;
* with align: after ``codebook align`` against the bundled codebook.

Printed per variant and way: questions matched correctly (of 32: a column
placed on the question and at least 95% of its planted answers read back
equal), questions matched wrongly, the share of all planted answers read back
equal ("coded"), whether the fit guard refuses the evidence, whether the
evidence's order of the directions is the planted one, and the largest support
error against the support the answers hold.  When the guard refuses, the
evidence is computed with ``allow_partial=True`` to show what a forced run
would give (marked in brackets).  A run the guard lets through with a wrong
order is flagged WRONG: that must never happen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

import survey_analysis as sa  # noqa: E402
from survey_analysis.survey.align import align_codebook  # noqa: E402
from survey_analysis.survey.alignfile import write_aligned_codebook  # noqa: E402
from survey_analysis.survey.fit import ANALYSIS_NEEDS  # noqa: E402
from wordings import CODEBOOK, build_export, compare, evidence_check, plant_answers, variant_files  # noqa: E402


def _measure(export: Path, codebook: Path, planted) -> dict:
    try:
        survey = sa.load_responses(export, codebook)
    except sa.SurveyError as err:
        return {"matched": 0, "wrongly_matched": 0, "coded": 0.0, "refused": True, "order_equal": None,
                "max_error": None, "error": type(err).__name__}
    result = compare(survey, planted)
    refused = bool(survey.fit.gaps_for(ANALYSIS_NEEDS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            table = sa.direction_evidence(survey, n_boot=50, allow_partial=True)
            check = evidence_check(table, planted)
        except sa.SurveyError:
            check = {"order_equal": None, "max_error": None}
    result.update(refused=refused, order_equal=check["order_equal"], max_error=check["max_error"])
    return result


def _line(name: str, way: str, r: dict) -> str:
    def forced(text: str) -> str:
        return f"[{text}]" if r["refused"] else text

    order = "-" if r["order_equal"] is None else forced("yes" if r["order_equal"] else "no")
    error = "-" if r["max_error"] in (None, float("inf")) else forced(f"{r['max_error']:.3f}")
    flag = "  WRONG" if (not r["refused"] and r["order_equal"] is False) else ""
    note = f"  ({r['error']})" if r.get("error") else ""
    return (f"{name:<34} {way:<8} {r['matched']:>3}/32 {r['wrongly_matched']:>5} {r['coded']:>7.1%} "
            f"{'yes' if r['refused'] else 'no':>8} {order:>7} {error:>9}{flag}{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wordings", type=Path, help="folder of wording files (*.yml)")
    parser.add_argument("--respondents", type=int, default=120)
    parser.add_argument("--seed", type=int, default=20190114)
    args = parser.parse_args(argv)
    variants = variant_files(args.wordings)
    if not variants:
        parser.error(f"no *.yml wording files in {args.wordings}")
    planted = plant_answers(args.respondents, seed=args.seed)
    print(f"{'variant':<34} {'way':<8} {'matched':>6} {'wrong':>5} {'coded':>7} {'refused':>8} {'order':>7} "
          f"{'max err':>9}")
    totals = {"without": [], "align": []}
    with tempfile.TemporaryDirectory() as folder:
        for path in variants:
            export = build_export(path, planted, Path(folder))
            without = _measure(export, CODEBOOK, planted)
            print(_line(path.stem, "without", without), flush=True)
            aligned = Path(folder) / f"{path.stem}_codebook.yml"
            write_aligned_codebook(align_codebook(export, CODEBOOK), aligned, force=True)
            with_align = _measure(export, aligned, planted)
            print(_line(path.stem, "align", with_align), flush=True)
            totals["without"].append(without)
            totals["align"].append(with_align)
    n = len(variants)
    for way, results in totals.items():
        matched = sum(r["matched"] for r in results)
        wrong = sum(r["wrongly_matched"] for r in results)
        coded = sum(r["coded"] for r in results) / n
        refused = sum(r["refused"] for r in results)
        order = sum(bool(r["order_equal"]) and not r["refused"] for r in results)
        errors = [r["max_error"] for r in results if not r["refused"] and r["max_error"] not in (None, float("inf"))]
        silent_wrong = sum(1 for r in results if not r["refused"] and r["order_equal"] is False)
        print(f"total {way:<8}: {matched}/{32 * n} questions matched ({matched / (32 * n):.1%}), {wrong} wrongly; "
              f"answers coded {coded:.1%}; refused {refused}/{n}; right order (not refused) {order}/{n}; "
              f"largest support error (not refused) {max(errors) if errors else float('nan'):.3f}; "
              f"wrong without a refusal: {silent_wrong}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
