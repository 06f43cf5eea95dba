"""The ``survey-analysis`` command.

Subcommands
-----------
sample     write the bundled sample (Google Forms and Microsoft Forms xlsx, truth.csv)
inspect    what the loader makes of an export: tool, sheet, rows, questions, problems
codebook   ``codebook draft FILE``: draft a codebook from an export;
           ``codebook align FILE --codebook CB -o NEW.yml``: align a codebook to an export
evidence   one record per strategic direction
segments   segments of members by priority profile
map-text   map free-text answers onto the directions
portfolio  members' project ideas grouped across languages, ordered for the workshops
report     the one-page brief and the notebooks' HTML reports, in English or Romanian (--lang)

Exit status: 0 when the command did its work; 2 when it could not, with a
message on the error output naming the file (sheet, row, column, value) and
what to do -- bad input, a bad argument, a file that cannot be written, any
unexpected failure; 130 when interrupted (Ctrl-C).  ``--debug`` shows the
traceback as well.  ``--limits NAME=VALUE,...`` raises the readers' limits
for a trusted file (the refusal names the limit to raise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from .errors import SurveyError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse, with a hint on its error: the usage line of the subcommand and where to read more."""

    def error(self, message):  # noqa: D401 - argparse's hook
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\nWhat to do: run '{self.prog} --help' for the options.\n")


def _limits(text: str) -> dict[str, int]:
    from .readers import limits

    try:
        return limits.parse_assignments(text)
    except SurveyError as error:
        raise argparse.ArgumentTypeError(f"{error.message} ({error.hint})") from None


def _add_common(p: argparse.ArgumentParser, *, codebook: bool = True, json_flag: bool = True, sheet: bool = True,
                inferred: bool = False):
    if codebook:
        p.add_argument("--codebook", metavar="CB",
                       help="codebook YAML (default: " + ("drafted from the export itself)" if inferred else
                                                          "the bundled questionnaire, data/codebook.yml)"))
    if sheet:
        p.add_argument("--sheet", help="sheet name to read (default: the sheet that holds the responses)")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _add_general(p: argparse.ArgumentParser, *, top: bool) -> None:
    """--debug and --limits, accepted before and after the subcommand."""
    default = False if top else argparse.SUPPRESS
    p.add_argument("--debug", action="store_true", default=default, help="show the traceback of an error")
    p.add_argument("--limits", type=_limits, default={} if top else argparse.SUPPRESS, metavar="NAME=VALUE,...",
                   help="raise reading limits for a trusted file, e.g. MAX_SHEET_CELLS=40000000 "
                        "(the names are in survey_analysis/readers/limits.py; a refusal names the one to raise)")


def _add_allow_partial(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-partial", action="store_true",
                   help="run even when the export matches the codebook only in part (the output then says what "
                        "is missing; without it the command refuses and names the fix)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="survey-analysis",
        description="Turn member questionnaire exports into evidence for a strategic agenda.",
        epilog="Exit status: 0 done, 2 could not be done (the message says why and what to do), 130 interrupted.",
    )
    _add_general(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("sample", help="write the bundled sample survey")
    p.add_argument("--out", default="data/sample", help="folder to write to (default: data/sample)")
    p.add_argument("--members", type=int, default=150, help="number of member organisations (default: 150)")
    p.add_argument("--seed", type=int, default=2018, help="random seed (default: 2018)")
    p.add_argument("--force", action="store_true", help="replace sample files already in the folder")

    p = sub.add_parser("inspect", help="show what the loader reads from an export")
    p.add_argument("file")
    _add_common(p, inferred=True)
    p.add_argument("--cells", action="store_true",
                   help="with --json, also list every problem cell by cell ('problem_cells')")

    p = sub.add_parser("codebook", help="codebook tools")
    csub = p.add_subparsers(dest="codebook_command", required=True)
    d = csub.add_parser("draft", help="draft a codebook from an export")
    d.add_argument("file")
    d.add_argument("-o", "--output", help="write the draft here (default: print it)")
    d.add_argument("--sheet", help="sheet name to read")
    d.add_argument("--force", action="store_true", help="replace the file given to -o if it exists")
    _add_general(d, top=False)
    a = csub.add_parser("align", help="align a codebook to an export of the same questionnaire in other words")
    a.add_argument("file")
    a.add_argument("--codebook", metavar="CB", help="the codebook to align (default: the bundled questionnaire)")
    a.add_argument("-o", "--output", required=True, help="write the aligned codebook here (a new .yml file)")
    a.add_argument("--force", action="store_true", help="replace the output file if it exists")
    a.add_argument("--sheet", help="sheet name to read")
    _add_general(a, top=False)

    p = sub.add_parser("evidence", help="evidence per strategic direction")
    p.add_argument("file")
    _add_common(p)
    p.add_argument("--register", help="membership register (CSV/xlsx) for coverage and weights")
    _add_allow_partial(p)

    p = sub.add_parser("segments", help="segments of members by their priority profile")
    p.add_argument("file")
    _add_common(p)
    p.add_argument("--method", choices=["kmeans", "ward", "gmm"], default="kmeans")
    p.add_argument("--k", type=int, default=None,
                   help="number of segments, 1 for none (default: chosen against profiles without structure)")
    p.add_argument("--rows", action="store_true",
                   help="with --json, add each respondent's segment (for the analyst; never for hidden segments)")
    _add_allow_partial(p)

    p = sub.add_parser("map-text", help="map free-text answers onto the strategic directions")
    p.add_argument("input", help="an export, or any CSV/xlsx with a text column")
    _add_common(p, sheet=False)
    p.add_argument("--column", help="the text column (default: every free-text question of the codebook)")
    p.add_argument("--out", help="also write the mapping to this .csv or .xlsx file (contact details masked)")
    p.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    p.add_argument("--unmasked", action="store_true",
                   help="write the answers in --out as typed, contact details included (analysts only)")
    _add_allow_partial(p)

    p = sub.add_parser("portfolio", help="members' project ideas grouped and ordered for the workshops")
    p.add_argument("file")
    _add_common(p)
    p.add_argument("--rows", action="store_true",
                   help="with --json: where each answer is in the file (for the analyst only, never for a report)")
    p.add_argument("--language", choices=["en", "ro"], default="en", help="language of the labels (default: en)")
    p.add_argument("--allow-partial", action="store_true",
                   help="go on when the export covers the codebook only in part")

    p = sub.add_parser("report", help="run the notebooks and write the HTML reports")
    p.add_argument("file")
    p.add_argument("--codebook", metavar="CB", help="codebook YAML (default: the bundled questionnaire)")
    p.add_argument("--register", help="membership register (CSV/xlsx with member category and size) for coverage")
    p.add_argument("--out", default=None, help="folder for the reports (default: reports/)")
    p.add_argument("--notebooks", default=None, help="folder of notebooks to run (default: notebooks/)")
    p.add_argument("--lang", choices=["en", "ro"], default="en",
                   help="language of the reports: en (English, the default) or ro (Romanian)")
    p.add_argument("--sheet", help="sheet name to read (default: the sheet that holds the responses)")
    p.add_argument("--force", action="store_true",
                   help="write into a non-empty folder that no previous run of the reports wrote")
    _add_allow_partial(p)
    for subparser in sub.choices.values():
        if subparser.prog.split()[-1] != "codebook":
            _add_general(subparser, top=False)
    return parser


def _codebook(args) -> str:
    """The codebook named on the command line, else the bundled questionnaire's."""
    from .codebook import DEFAULT_CODEBOOK

    return args.codebook or str(DEFAULT_CODEBOOK)


def _align_command(export: str, codebook) -> str:
    source = getattr(codebook, "path", None) or "CB.yml"
    return f"survey-analysis codebook align {export} --codebook {source} -o {Path(export).stem}_codebook.yml"


def _print_missing(fit: dict | None) -> None:
    """What a partial match leaves out, before the figures (on stderr, so JSON stays clean)."""
    if not fit:
        return
    for line in fit.get("missing", []) + fit.get("left_out", []):
        print(f"MISSING: {line}", file=sys.stderr)


def _print_table(frame) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", 200, "display.max_columns", 30, "display.width", 160,
                           "display.max_colwidth", 60):
        print(frame.to_string())


def _cmd_inspect(args) -> int:
    from .survey import load_responses

    survey = load_responses(args.file, args.codebook, sheet=args.sheet)
    if args.json:
        print(survey.to_json(cells=args.cells))
        return 0
    report = survey.report
    print(f"File: {report.path}")
    print(f"Tool: {report.source}   sheet: {report.sheet or '(text file)'}   header rows: {report.header_rows}")
    _print_table(report.summary_frame())
    if report.dropped:
        print("\nRows dropped:")
        _print_table(report.dropped_frame())
    print("\nQuestions:")
    _print_table(survey.questions_table()[["id", "type", "direction", "answered", "text", "options"]])
    if report.problems:
        groups = report.problem_groups_frame()
        print(f"\nProblems: {len(report.problems)} value(s) in {len(groups)} group(s) by column and kind:")
        _print_table(groups.drop(columns=["message"]).head(50))
        if len(groups) > 50:
            print(f"... {len(groups) - 50} more groups (use --json for all, --json --cells for every cell)")
    if report.recoded:
        print(f"\nColumns coded by other wordings than the codebook's ({len(report.recoded)}):")
    for entry in report.recoded[:30]:
        shown = ", ".join(f"{k!r} -> {v!r}" for k, v in list(entry["mapping"].items())[:6])
        more = " ..." if len(entry["mapping"]) > 6 else ""
        print(f"coded by {'/'.join(entry['how'])}: column {entry['column'][:60]!r} ({entry['question']}): "
              f"{shown}{more}")
    if len(report.recoded) > 30:
        print(f"... {len(report.recoded) - 30} more (use --json for all)")
    fit = survey.fit
    if fit is not None and (fit.partial or fit.left_out):
        print("\nThe export matches the codebook only in part:")
        for line in fit.missing + fit.left_out:
            print(f"  - {line}")
        print(f"Fix: {fit.fix}")
    for note in report.notes:
        print(f"note: {note}")
    return 0


def _cmd_codebook(args) -> int:
    from collections import Counter

    import yaml

    from .survey import draft_codebook

    if args.codebook_command == "align":
        return _cmd_codebook_align(args)

    from .outputs import write_file

    if args.output:  # refuse a file that would be overwritten before the (slower) drafting
        _refuse_overwrite(args.output, args.force, "the codebook draft")
    cb = draft_codebook(args.file, sheet=args.sheet)
    types = Counter(q.type for q in cb.questions.values())
    summary = ", ".join(f"{n} {kind}" for kind, n in types.most_common())
    text = "# Draft codebook: check each question's type, options and scale; add directions and reverse keys.\n"
    text += f"# Drafted: {summary}.\n"
    proposed = [f"{q.id}: {', '.join(q.missing)}" for q in cb.questions.values() if q.missing]
    if proposed:
        text += ("# Proposed as missing-value codes (they lie outside the other answers; check each): "
                 + "; ".join(proposed) + ".\n")
    text += yaml.safe_dump(cb.to_dict(), allow_unicode=True, sort_keys=False, width=110)
    if args.output:
        write_file(args.output, lambda target: target.write_text(text, encoding="utf-8"), force=args.force,
                   what="the codebook draft")
        print(f"wrote {args.output} ({len(cb.questions)} questions: {summary})")
        if proposed:
            print(f"missing-value codes proposed for {len(proposed)} question(s): {'; '.join(proposed)}")
    else:
        print(text)
    return 0


def _refuse_overwrite(path: str, force: bool, what: str) -> None:
    from .errors import FileProblemError

    if Path(path).exists() and not force:
        raise FileProblemError(f"{what} already exists and would be overwritten", path=path,
                               hint="Give another file name, or add --force to replace it.")


def _cmd_codebook_align(args) -> int:
    from .survey import load_responses
    from .survey.align import align_codebook
    from .survey.alignfile import write_aligned_codebook

    _refuse_overwrite(args.output, args.force, "the aligned codebook")
    codebook = _codebook(args)
    alignment = align_codebook(args.file, codebook, sheet=args.sheet)
    placed = alignment.questions_placed()
    print(f"{alignment.path} ({alignment.source} export, {alignment.n_columns} columns) against {codebook}:")
    print(f"  {len(alignment.placements)} columns placed on {len(placed)} of {len(alignment.codebook.questions)} "
          f"questions; {len(alignment.answers)} answer labels given to scale levels and options")
    unsure = alignment.unsure()
    if unsure:
        print(f"\nUnsure ({len(unsure)}), check these in the written file:")
        for line in unsure:
            print(f"  - {line}")
    missing = [q for q in alignment.codebook.questions if q not in placed]
    if missing:
        print(f"\nQuestions of the codebook not found in the export: {', '.join(missing)}")
    if alignment.unplaced:
        print(f"\nColumns not placed ({len(alignment.unplaced)}); added as new questions without a direction:")
        for _, header in alignment.unplaced:
            print(f"  - {header[:100]}")
    if alignment.unplaced_answers:
        print("\nAnswers no level or option fits (they stay uncoded):")
        for qid, label, count in alignment.unplaced_answers:
            print(f"  - {qid}: {label!r} ({count} answers)")
    out = write_aligned_codebook(alignment, args.output, source=codebook, force=args.force)
    survey = load_responses(args.file, out, sheet=args.sheet)
    fit = survey.fit
    matched = sum(1 for info in fit.questions.values() if info["matched"])
    uncoded = sum(info["uncoded"] for info in fit.uncoded.values())
    print(f"\nwrote {out}. With it: {matched} of {len(fit.questions)} questions matched, "
          f"{uncoded} answers uncoded" + (f"; still missing: {' '.join(fit.missing)}" if fit.partial else "."))
    return 0


def _cmd_evidence(args) -> int:
    from .evidence import evidence_command

    print(evidence_command(args.file, codebook=_codebook(args), as_json=args.json, sheet=args.sheet,
                           register=args.register, allow_partial=args.allow_partial))
    return 0


def _cmd_segments(args) -> int:
    from .survey import load_responses
    from .segment import segments_result

    survey = load_responses(args.file, _codebook(args), sheet=args.sheet)
    result = segments_result(survey, method=args.method, n_segments=args.k, rows=args.rows and args.json,
                             allow_partial=args.allow_partial)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    _print_missing(result.get("fit"))
    print(f"Segments: k = {result.get('k')} ({args.method})")
    print(result["k_rule"])
    for row in result["choice"]:
        print(json.dumps(row, ensure_ascii=False))
    for seg in result.get("segments", []):
        print(json.dumps(seg, ensure_ascii=False))
    return 0


def _cmd_map_text(args) -> int:
    import pandas as pd

    from .codebook import normalise_text, read_codebook
    from .text import map_text_result, read_text_column

    from .errors import HeaderProblemError
    from .survey import check_fit, load_responses
    from .survey.privacy import IDENTIFYING_HEADER

    if args.out:  # refused before the mapping, which takes a while
        from .outputs import check_output_folder

        _refuse_overwrite(args.out, args.force, "the mapping file")
        check_output_folder(Path(args.out).absolute().parent, what="the mapping file", allow_foreign=True)
    codebook = read_codebook(args.codebook)
    fit = None
    if args.column is None:
        # Without --column, only the codebook's own free-text questions are mapped: never a column
        # guessed from its content, which could be an identifying one.
        try:
            survey = load_responses(args.input, codebook)
        except HeaderProblemError:
            raise HeaderProblemError(
                "this file does not match the codebook's questionnaire", path=args.input,
                hint="name the column of free text with --column NAME, or, if it is the same questionnaire in "
                     f"other words, align the codebook to it: {_align_command(args.input, codebook)}.") from None
        parts = []
        for qid in survey.codebook.text_questions():
            if qid in survey.responses:
                col = survey.responses[qid].dropna()
                col.index = [f"{rid}:{qid}" for rid in col.index]
                parts.append(col)
        if not parts:
            wanted = ", ".join(survey.codebook.text_questions()) or "none"
            raise HeaderProblemError(
                f"the codebook's free-text questions ({wanted}) are not in this export", path=args.input,
                hint="name the column of free text with --column NAME, or, if it is the same questionnaire in "
                     f"other words, align the codebook to it: {_align_command(args.input, codebook)}.")
        texts = pd.concat(parts)
        fit = check_fit(survey, allow_partial=args.allow_partial, needs=("text",)).to_dict()
    else:
        if IDENTIFYING_HEADER.search(normalise_text(args.column)):
            raise HeaderProblemError(
                "this column looks like it identifies people or organisations, not like proposals",
                path=args.input, column=args.column, hint="name the column holding the members' proposals.")
        texts = read_text_column(args.input, args.column)
    result = map_text_result(texts, codebook)
    if fit is not None:
        result["fit"] = fit
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    frame = pd.DataFrame(result.get("answers", []))
    if args.out:
        from .export import write_table

        frame = frame.assign(text=[str(texts.get(r, "")) if hasattr(texts, "get") else "" for r in frame["row"]]) \
            if "row" in frame else frame
        if "text" in frame and not args.unmasked:
            from .survey import mask_contacts

            frame = frame.assign(text=mask_contacts(frame["text"].astype("string")))
        elif "text" in frame:
            print("warning: --unmasked: the answers in the file keep the e-mail addresses, phone numbers and IP "
                  "addresses members typed; keep the file to analysts and do not share it.", file=sys.stderr)
        write_table(frame, args.out, index=False)  # written whole: a temporary file, then renamed
        print(f"wrote {args.out}", file=sys.stderr)
    if not args.json:
        _print_missing(fit)
        _print_table(frame.drop(columns=["text"], errors="ignore"))
    return 0


def _cmd_portfolio(args) -> int:
    from .portfolio import portfolio_records, project_portfolio
    from .survey import load_responses

    survey = load_responses(args.file, _codebook(args), sheet=args.sheet)
    table = project_portfolio(survey, language=args.language, allow_partial=args.allow_partial)
    if args.json:
        print(json.dumps(portfolio_records(table, rows=args.rows), ensure_ascii=False, indent=2))
        return 0
    attrs = table.attrs
    print(f"Project ideas from {attrs['n_answers']} answers of {attrs['n_proposers']} members "
          f"({', '.join(attrs['sources'])}); ideas of fewer than {attrs['threshold']} members are counted only "
          "in the last line.")
    if attrs["note"]:
        print(attrs["note"])
    for record in table.itertuples():
        interval = (f" ({record.willing_low:.0%}-{record.willing_high:.0%})" if record.n_participation else "")
        print(f"\n{record.rank}. {record.label}: {record.n} members, {record.n_willing} of "
              f"{record.n_participation} willing{interval}; directions {', '.join(record.directions) or '-'}; "
              f"EU priorities {', '.join(record.eu_priorities) or '-'}")
        for quote in record.quotes:
            print(f"   \"{quote}\"")
        if record.order_note:
            print(f"   ({record.order_note})")
    small = attrs["small_ideas"]
    print(f"\n{small['ideas']} further ideas, each of fewer than {attrs['threshold']} members "
          f"({small['members']} members, {small['answers']} answers); {attrs['ungrouped']} answers in no idea.")
    if args.rows:
        print("(--rows lists where each answer is in the file with --json)", file=sys.stderr)
    return 0


def _cmd_report(args) -> int:
    from .report import build_reports

    build_reports(args.file, codebook=args.codebook, register=args.register, out=args.out, notebooks=args.notebooks,
                  lang=args.lang, sheet=args.sheet, allow_partial=args.allow_partial, force=args.force)
    return 0


def _cmd_sample(args) -> int:
    from .sample import write_sample

    if args.members < 30:
        raise SurveyError("the sample needs at least 30 member organisations", value=args.members,
                          hint="pass --members 30 or more (default 150).")
    for path in write_sample(args.out, n_members=args.members, seed=args.seed, force=args.force):
        print(f"wrote {path}")
    return 0


_COMMANDS = {
    "inspect": _cmd_inspect,
    "codebook": _cmd_codebook,
    "evidence": _cmd_evidence,
    "segments": _cmd_segments,
    "map-text": _cmd_map_text,
    "portfolio": _cmd_portfolio,
    "report": _cmd_report,
    "sample": _cmd_sample,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status: 0 done, 2 not done (the message says why), 130 interrupted."""
    import warnings

    from .errors import PartialMatchWarning

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a bad argument (2, already explained)
        return EXIT_OK if not exit_.code else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return _interrupted()
    from .readers import limits

    try:
        with limits.using(args.limits), warnings.catch_warnings():
            # With --allow-partial the commands print what is missing themselves (and JSON carries "fit").
            warnings.simplefilter("ignore", PartialMatchWarning)
            return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        return _interrupted()
    except SurveyError as err:
        if args.debug:
            raise
        if getattr(args, "json", False):
            print(json.dumps(err.to_dict(), ensure_ascii=False, indent=2))
        print(f"survey-analysis {args.command}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the output was cut by the reader (``| head``): the command's own work is done
        _quiet_stdout()
        return EXIT_OK
    except MemoryError:
        if args.debug:
            raise
        print(f"survey-analysis {args.command}: the computer ran out of memory. What to do: close other programs, "
              "or split the export (for example by date) and run each part.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        if args.debug:
            raise
        where = f" '{exc.filename}'" if getattr(exc, "filename", None) else ""
        print(f"survey-analysis {args.command}: a file{where} could not be read or written "
              f"({exc.strerror or exc}). What to do: check the path, the free disk space and your permissions.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # anything unforeseen still ends in one line and exit 2, never a traceback
        if args.debug:
            raise
        print(f"survey-analysis {args.command}: an unexpected error stopped the command ({type(exc).__name__}: "
              f"{str(exc)[:200]}). What to do: run it again with --debug to see where, and report it with the "
              "file if you can share it.", file=sys.stderr)
        return EXIT_BAD_INPUT


def _interrupted() -> int:
    print("survey-analysis: interrupted; nothing half-written was left (reports are swapped in whole).",
          file=sys.stderr)
    return EXIT_INTERRUPTED


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at nothing so that Python's exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
