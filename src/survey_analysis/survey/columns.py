"""From planned columns to coded answers: one pass over the export's columns.

Each column of the plan goes where its role says: identifying columns to the
identifiers (as text), the tool's own columns to the metadata (times parsed),
unmatched columns to the extras, and question columns through the answer
coder.  A question may arrive in several columns: per-option columns of a
multi-select or a ranking are gathered and assembled once all are seen, and
a question repeated in two columns keeps the earlier answer, fills its
blanks from the later one and reports every conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codebook import Codebook, Question, normalise_text
from .coding import MISSING_ANSWERS, AnswerCoder, cell_text
from .dates import parse_dates
from .plan import ColumnPlan
from .rankings import code_ranking
from .tools import TIME_COLUMNS

__all__ = ["CodedColumns", "code_columns"]

# Cell texts that mean "not chosen" in a per-option multi-select column (KoboToolbox 0/1, LimeSurvey Y/blank).
_NOT_CHOSEN = {"0", "n", "no", "nu", "false"}


@dataclass
class CodedColumns:
    """The coded columns, by destination, each a Series aligned with the data rows."""

    answers: dict[str, pd.Series] = field(default_factory=dict)
    question_columns: dict[str, list[str]] = field(default_factory=dict)
    identifiers: dict[str, pd.Series] = field(default_factory=dict)
    metadata: dict[str, pd.Series] = field(default_factory=dict)
    extras: dict[str, pd.Series] = field(default_factory=dict)

    def frames(self, n_rows: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """``(responses, identifiers, metadata, extra)`` as frames of ``n_rows`` rows."""
        def frame(columns: dict[str, pd.Series]) -> pd.DataFrame:
            if not columns:
                return pd.DataFrame(index=range(n_rows))
            # The columns' arrays, not the Series: pandas then skips aligning thousands of indexes on a
            # wide export (the Series built here carry the default index; others are re-indexed first).
            return pd.DataFrame({k: v.array if _default_index(v, n_rows) else v.reset_index(drop=True).array
                                 for k, v in columns.items()}, index=pd.RangeIndex(n_rows))
        return frame(self.answers), frame(self.identifiers), frame(self.metadata), frame(self.extras)


def _default_index(series: pd.Series, n_rows: int) -> bool:
    index = series.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and len(index) == n_rows


def code_columns(plans: list[ColumnPlan], columns: list, cb: Codebook, coder: AnswerCoder,
                 row_numbers: list[int], *, date1904: bool, notes: list[str]) -> CodedColumns:
    """Code every planned column; ``columns[plan.index]`` holds that column's cells."""
    out = CodedColumns()
    _judge_answer_codes(plans, columns, cb, coder)
    ranking_parts: dict[str, dict] = {}
    multi_parts: dict[str, list[pd.DataFrame]] = {}
    for plan in plans:
        values = columns[plan.index] if columns else []
        if plan.role == "identifier":
            out.identifiers[plan.question or plan.header] = coder.code_text(values)
        elif plan.role == "metadata":
            out.metadata[plan.header] = _metadata_column(plan, values, date1904=date1904, notes=notes)
        elif plan.role == "unmatched":
            out.extras[plan.header] = coder.code_text(values)
        else:
            q = cb.questions[plan.question]
            if q.type == "ranking":
                _gather_ranking_part(ranking_parts.setdefault(q.id, {"by_option": {}, "slots": {}, "joined": None,
                                                                      "plan": plan}), plan, values)
            elif q.type == "multi":
                _gather_multi_part(q, plan, values, coder, row_numbers, multi_parts, out)
            else:
                series = _code_single_column(q, plan, values, coder, row_numbers, cb)
                if q.id in out.answers:
                    series = _merge_repeated(out.answers[q.id], series, q, plan, coder, row_numbers, notes)
                out.answers[q.id] = series
                out.question_columns[q.id] = [q.id]
    for qid, parts in multi_parts.items():
        frame = _assemble_multi(qid, parts, notes)
        out.answers.update({c: frame[c] for c in frame.columns})
        out.question_columns[qid] = list(frame.columns)
    for qid, parts in ranking_parts.items():
        frame = code_ranking(cb.questions[qid], parts, row_numbers, coder)
        out.answers.update({c: frame[c] for c in frame.columns})
        out.question_columns[qid] = list(frame.columns)
    return out


def _judge_answer_codes(plans: list[ColumnPlan], columns: list, cb: Codebook, coder: AnswerCoder) -> None:
    """Give the coder each scale's columns: answer codes read by position only when one scheme runs
    through all of them (judged when a code is first met)."""
    for plan in plans:
        if plan.role == "question" and cb.questions[plan.question].type == "likert" and columns:
            coder.scale_answers.setdefault(cb.questions[plan.question].scale, []).append(columns[plan.index])


def _metadata_column(plan: ColumnPlan, values, *, date1904: bool, notes: list[str]) -> pd.Series:
    """A tool column: submission times parsed (unparseable ones counted), anything else as read."""
    if normalise_text(plan.header) not in TIME_COLUMNS:
        return pd.Series(list(values), dtype=object)
    parsed = parse_dates(list(values), date1904=date1904, notes=notes, column=plan.header)
    given = sum(1 for v in values if v is not None and not (v.__class__ is str and not v.strip()))
    unparsed = given - int(parsed.notna().sum())
    if unparsed:
        notes.append(f"{unparsed} value(s) of '{plan.header}' are not dates in a known form; "
                     "they are left missing in the metadata.")
    return parsed


def _gather_ranking_part(parts: dict, plan: ColumnPlan, values) -> None:
    """File a ranking column as a per-option rank column, a rank slot, or the joined list."""
    if plan.option is not None:
        parts["by_option"][plan.option] = (values, plan)
    elif plan.rank_slot is not None:
        parts["slots"][plan.rank_slot] = (values, plan)
    else:
        parts["joined"] = (values, plan)


def _gather_multi_part(q: Question, plan: ColumnPlan, values, coder: AnswerCoder, row_numbers: list[int],
                       multi_parts: dict[str, list[pd.DataFrame]], out: CodedColumns) -> None:
    """A per-option indicator column, or a joined answer split against the options."""
    if plan.option is not None:
        flags = []
        for v in values:
            text = "" if v is None else normalise_text(cell_text(v))
            # Blank and placeholder cells are "not chosen" once the row answered the question.
            flags.append(None if text in MISSING_ANSWERS else text not in _NOT_CHOSEN)
        multi_parts.setdefault(q.id, []).append(
            pd.DataFrame({f"{q.id}[{plan.option}]": pd.array(flags, dtype="boolean")}))
        return
    frame, other = coder.code_multi(values, row_numbers, plan.header, q)
    multi_parts.setdefault(q.id, []).append(frame)
    if other.notna().any():
        out.answers[f"{q.id}[other]"] = other


def _code_single_column(q: Question, plan: ColumnPlan, values, coder: AnswerCoder, row_numbers: list[int],
                        cb: Codebook) -> pd.Series:
    """A question held in one column: scale, single choice, number, date or text."""
    if q.type == "likert":
        return coder.code_scale(values, row_numbers, plan.header, q, cb.scales[q.scale], column_index=plan.index)
    if q.type == "single":
        return coder.code_single(values, row_numbers, plan.header, q, column_index=plan.index)
    if q.type == "numeric":
        return coder.code_numeric(values, row_numbers, plan.header, q)
    if q.type == "date":
        return coder.code_date(values, row_numbers, plan.header, q)
    return coder.code_text(values)


def _merge_repeated(earlier: pd.Series, series: pd.Series, q: Question, plan: ColumnPlan, coder: AnswerCoder,
                    row_numbers: list[int], notes: list[str]) -> pd.Series:
    """The same question in a later column: keep the earlier answers, fill their blanks, report conflicts."""
    both = (earlier.notna() & series.notna()).to_numpy()
    differ = np.array([bool(b) and str(x) != str(y) for b, x, y in
                       zip(both, earlier.astype(object), series.astype(object))], dtype=bool)
    for i in np.flatnonzero(differ):
        coder.problem(row_numbers[i], plan.header, q.id, series.iloc[i], "conflicting_duplicate", "warning",
                      f"the same question in an earlier column holds '{earlier.iloc[i]}'; "
                      "the earlier answer is kept.")
    notes.append(f"Question {q.id} appears in more than one column; the later column "
                 f"'{plan.header}' fills answers the earlier one left blank.")
    return earlier.where(earlier.notna(), series)


def _assemble_multi(qid: str, parts: list[pd.DataFrame], notes: list[str]) -> pd.DataFrame:
    """One boolean column per option: chosen, not chosen, or missing when the question was not answered."""
    frame = pd.concat(parts, axis=1)
    if frame.columns.duplicated().any():
        # The same question in several columns: an option counts as chosen when any column chose it.
        notes.append(f"Question {qid} appears in more than one column; an option counts as chosen "
                     "when any of them chose it.")
        merged = {}
        for name in dict.fromkeys(frame.columns):
            block = frame.loc[:, frame.columns == name]
            chosen = block.fillna(False).any(axis=1)
            merged[name] = chosen.astype("boolean").where(block.notna().any(axis=1), pd.NA)
        frame = pd.DataFrame(merged)
    # A respondent who chose any option did not choose the blank ones; one
    # who left every option blank did not answer the question.
    answered = frame.notna().any(axis=1)
    frame = frame.where(~answered.to_numpy()[:, None] | frame.notna(), pd.NA)
    return frame.mask(answered.to_numpy()[:, None] & frame.isna().to_numpy(), False).astype("boolean")
