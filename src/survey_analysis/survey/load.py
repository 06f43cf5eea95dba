"""Load a survey export into the questionnaire model, accounting for every row.

This is the validate stage of the pipeline.  :func:`load_responses` takes the
raw rows that :mod:`survey_analysis.readers` got out of the file, recognises
the survey tool from its header layout, maps each column onto a question of
the codebook (or of a codebook drafted from the export itself), codes every
answer, sets identifying answers apart, and sets aside preview/test,
incomplete, blank and duplicate submissions, each with its reason and source
row.  What comes out is a :class:`~survey_analysis.survey.model.Survey`:

``responses``
    one row per kept respondent (index ``respondent_id``), one column per
    question: ordered categoricals for scales, categoricals for single choice,
    one boolean column ``Q[option]`` per option of a multi-select, one rank
    column ``Q[option]`` per option of a ranking, Float64 numbers, strings.
``identifiers``
    e-mails, names, organisation names, IP addresses; never passed to an output.
``report``
    the load report: rows read = rows kept + rows dropped, every value that
    could not be coded with its sheet, row, column and value.
``fit``
    how the export fits the codebook (:mod:`.fit`): questions matched,
    answers uncoded, what the analyses would miss.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook, normalise_text, read_codebook
from ..errors import EmptyFileError, HeaderProblemError
from ..readers import RawTable, column_letter, read_raw
from .coding import AnswerCoder, cell_text
from .privacy import IdentityTerms, withhold_identifying
from .columns import code_columns
from .draft import draft_from_columns
from .fit import assess_fit
from .loadreport import LoadReport, jsonable
from .model import Survey
from .plan import ColumnPlan, plan_columns
from .setaside import detail, mark_duplicates, mark_incomplete, mark_tool_status
from .tools import ID_COLUMNS, HeaderLayout, link_repeat_groups, read_header_layout


# From this many cells on, the sheet's distinct answers are found in one pass (see _columns_of).
_SHEET_FACTORIZE_MIN_CELLS = 50_000


def load_responses(path: str | Path, codebook: str | Path | Codebook | dict | None = None, *,
                   sheet: str | int | None = None, min_answered: float = 0.5,
                   keep_duplicates: bool = False, limits: Mapping[str, int | str] | None = None) -> Survey:
    """Read a survey export into the questionnaire model.

    Parameters
    ----------
    path : path
        The export (.xlsx, .xls, .xlsb, .ods, .csv, .tsv), as the tool wrote it.
    codebook : path, Codebook or None
        The questionnaire.  Without one, a codebook is drafted from the export
        (types, options and scales inferred; see :func:`~survey_analysis.survey.draft.draft_codebook`).
    sheet : str or int, optional
        The sheet to read; by default the sheet whose content looks like
        responses is chosen and named in the report.
    min_answered : float
        A response that answers fewer than this share of the codebook's Likert
        items is set aside as incomplete (only when the codebook has Likert
        items).  Tools that mark incomplete responses themselves (LimeSurvey's
        blank ``submitdate``, Qualtrics' ``Finished``) are followed as well.
    keep_duplicates : bool
        Keep repeated submissions of the same respondent (by e-mail, or
        organisation name when there is no e-mail) instead of keeping the latest.
    limits : mapping, optional
        Reading limits to raise for a trusted file that exceeds one, by name
        (``{"MAX_SHEET_CELLS": 40_000_000}``); see
        :mod:`survey_analysis.readers.limits`.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyError
        A subclass naming the file (and sheet, row, column, value) for input that
        cannot be read; see README "When a file will not load".
    """
    raw = read_raw(path, sheet=sheet, limits=limits)
    # Coding creates many short-lived containers that cannot form cycles; pausing the cyclic
    # garbage collector meanwhile saves its repeated full passes on large exports.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_raw(raw, codebook, min_answered=min_answered, keep_duplicates=keep_duplicates)
    finally:
        if collecting:
            gc.enable()


def _load_raw(raw: RawTable, codebook, *, min_answered: float, keep_duplicates: bool) -> Survey:
    """The loader's steps, in order, on rows already read from the file."""
    if not raw.rows:
        raise EmptyFileError("the file holds no rows", path=str(raw.path), sheet=raw.sheet,
                             hint="check that this is the responses export and that it is not empty.")
    layout = read_header_layout(raw)
    report = _start_report(raw, layout)
    body = _data_rows(raw, layout, report)
    cb = _codebook_for(codebook, layout, body, report)
    plans = plan_columns(layout.headers, layout.field_ids, layout.source, cb, report.notes)
    _record_plan(report, plans, cb, layout, raw, codebook_given=codebook is not None)
    body = _without_blank_rows(body, report)
    coder = AnswerCoder(report, raw.sheet, date1904=bool(raw.date1904))
    labelled = [p.index for p in plans
                if p.role == "question" and cb.questions[p.question].type in ("likert", "single")]
    columns = _columns_of(body, len(layout.headers), coder, labelled)
    coded = code_columns(plans, columns, cb, coder, body.row_numbers, date1904=bool(raw.date1904),
                         notes=report.notes)
    fit = assess_fit(cb, plans, report.problems, columns, path=report.path, recoded=report.recoded,
                     drafted=codebook is None)
    responses, ident, meta, extra = coded.frames(len(body.rows))
    ids = _respondent_ids(meta, body, report)
    if layout.source == "kobo":
        index_column = next((c for c in meta.columns if normalise_text(c) == "_index"), None)
        report.notes += link_repeat_groups(report.sheets, None if index_column is None else list(meta[index_column]),
                                           ids)
    for frame in (responses, ident, meta, extra):
        frame.index = pd.Index(ids, name="respondent_id", dtype="string")
    kept, dropped_ids = _set_aside(responses, ident, meta, cb, layout.source, dict(zip(ids, body.row_numbers)),
                                   report, min_answered=min_answered, keep_duplicates=keep_duplicates)
    if raw.line_numbers is not None:
        _add_lines(report, raw)
    # Problem tables end up in reports: values that may identify someone are withheld there.
    if report.problems:
        withhold_identifying(report.problems, IdentityTerms().add_identifiers(ident, cb))
    questions = {qid: q for qid, q in cb.questions.items() if qid in coded.question_columns or q.identifying}
    row_numbers = pd.Series(body.row_numbers, index=responses.index, name="row")
    if dropped_ids:
        responses, dropped, ident, meta, extra = (responses.loc[kept], responses.loc[dropped_ids], ident.loc[kept],
                                                  meta.loc[kept], extra.loc[kept])
        row_numbers = row_numbers.loc[kept]
    else:
        # Nothing set aside: the frames are kept as built (selecting rows copies every column).
        dropped = responses.iloc[:0]
    return Survey(responses=responses, questions=questions, codebook=cb, identifiers=ident, metadata=meta,
                  report=report, columns=coded.question_columns, dropped_responses=dropped, extra=extra,
                  row_numbers=row_numbers, fit=fit)


@dataclass
class _Body:
    """The data rows under the header: the cells, each row's spreadsheet row, its 0-based position."""

    rows: list[list]
    row_numbers: list[int]
    positions: list[int]


def _start_report(raw: RawTable, layout: HeaderLayout) -> LoadReport:
    """A load report holding the reader's notes and cell problems."""
    report = LoadReport(path=str(raw.path), source=layout.source, sheet=raw.sheet, header_rows=layout.header_rows,
                        notes=list(raw.notes) + layout.notes, sheets=list(raw.sheets or []), encoding=raw.encoding)
    for p in raw.problems or []:
        problem = {
            "sheet": p.get("sheet", raw.sheet), "row": p.get("row"), "column": p.get("column"), "question": None,
            "value": jsonable(p.get("value")), "kind": p.get("kind", "cell"), "severity": "error",
            "message": p.get("message", ""),
        }
        if "line" in p:
            problem["line"] = p["line"]
        report.problems.append(problem)
    return report


def _add_lines(report: LoadReport, raw: RawTable) -> None:
    """Text files: every row the report names also gets the line where its record starts."""
    line_of = dict(zip(raw.row_numbers, raw.line_numbers))
    last = raw.row_numbers[-1] if raw.row_numbers else 0
    line_of.update({last + k + 1: line for k, line in enumerate(raw.trailing_blank_lines)})
    report.add_lines(line_of)


def _data_rows(raw: RawTable, layout: HeaderLayout, report: LoadReport) -> _Body:
    """The rows under the header; the blank rows the reader removed from the end are counted as dropped."""
    rows = raw.rows[layout.header_rows:]
    trailing = int(raw.trailing_blank_rows or 0)
    report.rows_read = len(rows) + trailing
    last_row = raw.row_numbers[-1] if raw.row_numbers else layout.header_rows
    for k in range(trailing):
        report.dropped.append({"row": last_row + k + 1, "reason": "blank row", **detail("trailing_blank")})
    if not rows:
        report.notes.append("The export has a header but no responses.")
    return _Body(rows=rows, row_numbers=list(raw.row_numbers[layout.header_rows:]), positions=list(range(len(rows))))


def _codebook_for(codebook, layout: HeaderLayout, body: _Body, report: LoadReport) -> Codebook:
    """The codebook given, or one drafted from the export when none is."""
    if codebook is not None:
        return read_codebook(codebook)
    report.notes.append("No codebook given: question types, options and scales were inferred from the answers "
                        "(run 'survey-analysis codebook draft' to review them).")
    return draft_from_columns(layout.headers, layout.field_ids, body.rows, layout.source, report.path)


def _record_plan(report: LoadReport, plans: list[ColumnPlan], cb: Codebook, layout: HeaderLayout, raw: RawTable,
                 *, codebook_given: bool) -> None:
    """Put the column plan in the report; refuse an export that matches no question at all."""
    for plan in plans:
        report.columns.append({"column": column_letter(plan.index), "header": plan.header, "role": plan.role,
                               "question": plan.question, "option": plan.option, "match": plan.how})
        if plan.how.startswith("fuzzy"):
            report.notes.append(f"Column '{plan.header}' matched question {plan.question} by similar wording "
                                f"{plan.how.split(' ', 1)[1]}; check it is the same question.")
    # Cell problems in identifying columns must not carry the identifying value.
    withheld = {column_letter(p.index) for p in plans if p.role == "identifier"}
    for problem in report.problems:
        letter = str(problem.get("column") or "").split(" ", 1)[0]
        if problem.get("question") is None and letter in withheld:
            problem["value"] = "(withheld: identifying column)"
            problem["message"] = f"{problem['kind'].replace('_', ' ')} in an identifying column; value withheld."
    if not codebook_given:
        return
    unmatched = [p.header for p in plans if p.role == "unmatched"]
    if unmatched:
        report.notes.append(f"{len(unmatched)} column(s) match no question of the codebook and are kept as extra "
                            f"columns: {', '.join(repr(u[:60]) for u in unmatched[:10])}"
                            + (" ..." if len(unmatched) > 10 else ""))
    matched_questions = {p.question for p in plans if p.question}
    missing = [q.id for q in cb.questions.values() if q.id not in matched_questions]
    if missing:
        report.notes.append(f"Questions of the codebook not found in the export: {', '.join(missing)}.")
    if not matched_questions - {q.id for q in cb.questions.values() if q.identifying}:
        raise HeaderProblemError(
            "no column of the export matches a question of the codebook",
            path=report.path, sheet=raw.sheet, row=layout.header_rows,
            value=layout.headers[:5],
            hint="if this is the same questionnaire in another tool's or translator's wording, align the "
                 f"codebook to it: 'survey-analysis codebook align {report.path} --codebook "
                 f"{cb.path or 'CB.yml'} -o aligned.yml'; otherwise draft one with "
                 "'survey-analysis codebook draft FILE'.")


def _without_blank_rows(body: _Body, report: LoadReport) -> _Body:
    """The rows that hold something; blank rows inside the data are counted as dropped."""
    keep = []
    for i, row in enumerate(body.rows):
        for v in row:  # a row holds something once one cell is neither empty nor blank text
            if v is not None and (not isinstance(v, str) or v.strip()):
                keep.append(i)
                break
        else:
            report.dropped.append({"row": body.row_numbers[i], "reason": "blank row", **detail("no_answers")})
    if len(keep) == len(body.rows):
        return body
    return _Body(rows=[body.rows[i] for i in keep], row_numbers=[body.row_numbers[i] for i in keep],
                 positions=[body.positions[i] for i in keep])


def _columns_of(body: _Body, width: int, coder: AnswerCoder, labelled: list[int]) -> list:
    """The cells column by column; on large sheets the distinct answers of the ``labelled`` columns
    (the columns coded by their labels: scales and single choices) are found in one pass for the coder."""
    if body.rows and len(body.rows) * width >= _SHEET_FACTORIZE_MIN_CELLS:
        sheet = np.array(body.rows, dtype=object)
        if sheet.ndim == 2 and sheet.shape[1] == width:
            if labelled:
                # One factorize over all of them, row by row (the order the cells were created in, so
                # memory is read in order), is about twice as fast as one per column on large exports;
                # text, e-mail and time columns are left out, as hashing them is wasted.
                chosen = sorted(set(labelled))
                codes, distinct = pd.factorize(sheet[:, chosen].ravel(), use_na_sentinel=True)
                codes = codes.reshape(len(sheet), len(chosen))
                coder.sheet_codes = {index: codes[:, k] for k, index in enumerate(chosen)}
                coder.sheet_distinct = distinct
            return list(sheet.T)
    # Whitespace-only cells count as blank; each coder treats them so.
    return list(zip(*body.rows)) if body.rows else [() for _ in range(width)]


def _respondent_ids(meta: pd.DataFrame, body: _Body, report: LoadReport) -> list[str]:
    """The tool's own respondent ids when they are present and unique, else each response's position."""
    ids = None
    for name in ID_COLUMNS:
        column = next((c for c in meta.columns if normalise_text(c) == name), None)
        if column is not None:
            ids = [(cell_text(v) if v is not None else "") for v in meta[column]]
            break
    if ids is not None and (len(set(ids)) != len(ids) or "" in ids):
        report.notes.append("The tool's respondent ids are blank or repeat; respondents are numbered by their "
                            "position in the export instead.")
        ids = None
    return ids if ids is not None else [str(position + 1) for position in body.positions]


def _set_aside(responses: pd.DataFrame, ident: pd.DataFrame, meta: pd.DataFrame, cb: Codebook, source: str,
               row_of: dict[str, int], report: LoadReport, *, min_answered: float,
               keep_duplicates: bool) -> tuple[list[str], list[str]]:
    """Apply the set-aside rules; record each dropped response with its row; return (kept, dropped) ids."""
    drop_reasons: dict[str, tuple[str, str]] = {}
    mark_tool_status(meta, source, drop_reasons)
    mark_incomplete(responses, cb, min_answered, drop_reasons)
    if not keep_duplicates:
        mark_duplicates(ident, meta, responses, drop_reasons, row_of, cb)
    ids = list(row_of)  # the respondent ids in the order of the rows (the frames' index)
    dropped_ids = [i for i in ids if i in drop_reasons]
    for rid in dropped_ids:
        reason, said = drop_reasons[rid]
        report.dropped.append({"row": row_of[rid], "reason": reason, **said, "respondent_id": rid})
    kept = [i for i in ids if i not in drop_reasons]
    report.respondents = len(kept)
    report.dropped.sort(key=lambda d: d["row"])
    report.check()
    return kept, dropped_ids
