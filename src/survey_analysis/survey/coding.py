"""Coding answers: each cell of a question's column -> a level, an option, a number, a date or text.

:class:`AnswerCoder` codes one column at a time and records every value it
could not code (left missing, ``severity: error``) or coded with a
correction (``warning``) in the load report.  Labels are matched in either
language, in any case, spacing or diacritic form (``ş`` and ``ș`` are the
same letter); placeholders such as ``N/A`` or ``-`` are missing answers.
Distinct answers are coded once and spread by position, so a column of
20,000 answers costs a few look-ups.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..codebook import Level, Question, fold_diacritics, normalise_text
from ..errors import CodebookError
from .answers import LabelCoder, answer_key, option_vocabulary, scale_vocabulary
from .dates import parse_dates
from .loadreport import LoadReport, jsonable


#: Answers that mean "no answer" (compared after normalisation).
MISSING_ANSWERS = frozenset({"", "na", "n/a", "n.a.", "none", "null", "nan", "-", "--", "—", "#n/a", "nu este cazul"})
NUMBER_PREFIX = re.compile(r"^\s*(\d{1,2})\s*[.):=-]\s*(.+)$")


UNCODED = object()


def declared_missing(q: Question):
    """A test for the answers the codebook declares as "no answer" for ``q`` (its ``missing`` list)."""
    if not q.missing:
        return None
    texts = {normalise_text(m) for m in q.missing}
    numbers = {n for n in (as_number(m) for m in q.missing) if n is not None}

    def test(raw: Any, text: str) -> bool:
        if normalise_text(text) in texts:
            return True
        number = as_number(raw)
        return number is not None and number in numbers

    return test



def cell_text(value: Any) -> str:
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)



def label_lookup(pairs: Iterable[tuple[Any, Iterable[str]]]) -> dict[str, Any]:
    """Map every normalised and diacritic-folded label to its code."""
    lookup: dict[str, Any] = {}
    for code, labels in pairs:
        for label in labels:
            if label is None or label == "":
                continue
            lookup.setdefault(normalise_text(label), code)
            lookup.setdefault(fold_diacritics(label), code)
    return lookup


def lookup_label(lookup: dict[str, Any], value: str) -> Any:
    norm = normalise_text(value)
    if norm in lookup:
        return lookup[norm]
    folded = fold_diacritics(value)
    if folded in lookup:
        return lookup[folded]
    match = NUMBER_PREFIX.match(norm)
    if match:
        rest = match.group(2)
        if rest in lookup:
            return lookup[rest]
        if fold_diacritics(rest) in lookup:
            return lookup[fold_diacritics(rest)]
    return None


class AnswerCoder:
    """Codes the answers of one column, recording every problem."""

    def __init__(self, report: LoadReport, sheet: str | None, *, date1904: bool = False):
        self.report = report
        self.sheet = sheet
        self.date1904 = date1904
        # Set by the loader: the cells of the columns coded by their labels (by column index), each
        # as a position into the distinct values of all those columns.
        self.sheet_codes: dict[int, np.ndarray] | None = None
        self.sheet_distinct: np.ndarray | None = None
        self._coders: dict[tuple, LabelCoder] = {}
        # Per scale: whether its answer codes, over all its columns, can be read by position (see
        # LabelCoder.codes_consistent), judged when an answer code is first met; code_columns lists
        # each scale's columns in scale_answers so that the judgement covers all of them.
        self.codes_ok: dict[str, bool] = {}
        self.scale_answers: dict[str, list] = {}
        self._dtypes: dict[tuple, pd.CategoricalDtype] = {}

    def problem(self, row: int, column: str, question: str, value: Any, kind: str, severity: str, message: str):
        self.report.problems.append({
            "sheet": self.sheet, "row": row, "column": column, "question": question,
            "value": jsonable(value), "kind": kind, "severity": severity, "message": message,
        })

    @staticmethod
    def uniques(values) -> dict[Any, str]:
        """Distinct raw values (hashable) -> their text form; coding works on these only."""
        out = {}
        for v in set(values):
            if v is None:
                continue
            out[v] = cell_text(v) if not isinstance(v, (dt.datetime, dt.date, dt.time)) else v.isoformat()
        return out

    def scale_coder(self, scale: str, levels: list[Level]) -> LabelCoder:
        """The coder of a scale's answers (built once per scale): labels, aliases, vocabulary, codes, numbers."""
        key = ("scale", scale)
        if key not in self._coders:
            self._coders[key] = LabelCoder([(lv.en, lv.labels()) for lv in levels], vocabulary=scale_vocabulary,
                                           by_position=True, numbers=True)
        return self._coders[key]

    def option_coder(self, q: Question) -> LabelCoder:
        """The coder of a question's options (built once per question): labels, ids, aliases, codes."""
        # Keyed by the options themselves: questions sharing their options (yes/no) share a coder.
        key = ("options", tuple((o.en, o.labels()) for o in q.options))
        if key not in self._coders:
            self._coders[key] = LabelCoder([(o.en, o.labels()) for o in q.options], vocabulary=option_vocabulary,
                                           by_position=True)
        return self._coders[key]

    def dtype_of(self, key: tuple, categories: list[str], ordered: bool, *, q: Question,
                 column: str) -> pd.CategoricalDtype:
        """A categorical dtype built once per scale or option set (its validation costs on wide exports)."""
        if key not in self._dtypes:
            self._dtypes[key] = self._categories(categories, q, column, ordered=ordered)
        return self._dtypes[key]

    def code_scale(self, values: list, rows: list[int], column: str, q: Question, levels: list[Level], *,
                   column_index: int | None = None) -> pd.Series:
        scale = q.scale or q.id
        coder = self.scale_coder(scale, levels)

        def codes() -> bool:
            if scale not in self.codes_ok:
                # Judged once per scale over all its columns (see code_columns), else over this one.
                answers = self.scale_answers.get(scale) or [values]
                self.codes_ok[scale] = coder.codes_consistent(
                    text for column in answers for text in self.uniques(column).values())
            return self.codes_ok[scale]

        def code(raw: Any, text: str) -> tuple[Any, str | None]:
            label, how = coder.code(text, raw, codes=codes)
            return (UNCODED, None) if label is None else (label, how)

        return self._code_labels(values, rows, column, q, code, column_index=column_index,
                                 allowed=", ".join(f"'{lv.en}'" for lv in levels),
                                 dtype=self.dtype_of(("scale", q.scale or q.id), [lv.en for lv in levels], True,
                                                     q=q, column=column))

    def code_single(self, values: list, rows: list[int], column: str, q: Question, *,
                    column_index: int | None = None) -> pd.Series:
        coder = self.option_coder(q)
        judged: list[bool] = []

        def codes() -> bool:
            if not judged:
                judged.append(coder.codes_consistent(self.uniques(values).values()))
            return judged[0]

        def code(raw: Any, text: str) -> tuple[Any, str | None]:
            label, how = coder.code(text, raw, codes=codes)
            return (UNCODED, None) if label is None else (label, how)

        return self._code_labels(values, rows, column, q, code, column_index=column_index,
                                 allowed=", ".join(f"'{o.en}'" for o in q.options),
                                 dtype=self.dtype_of(("options", tuple(o.en for o in q.options), q.ordered),
                                                     [o.en for o in q.options], q.ordered, q=q, column=column))

    def _categories(self, labels: list[str], q: Question, column: str, *, ordered: bool) -> pd.CategoricalDtype:
        """The answer categories of a question; two levels or options under one label are a codebook error."""
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise CodebookError(
                f"question {q.id}: two {'levels' if q.type == 'likert' else 'options'} have the same label "
                f"'{repeated[0]}', so its answers cannot be told apart", path=self.report.path, sheet=self.sheet,
                column=column, value=repeated,
                hint="give every level and option of the question a label of its own in the codebook.")
        return pd.CategoricalDtype(labels, ordered=ordered)

    def shared_codes(self, column_index: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """This column's answers as positions into the distinct answers of the whole sheet, if known."""
        if column_index is None or self.sheet_codes is None or column_index not in self.sheet_codes:
            return None
        return self.sheet_codes[column_index], self.sheet_distinct

    def recoded(self, column: str, question: str, mapping: dict[str, Any], hows: dict[str, str],
                cells: int) -> None:
        """Record once for the column that some answers were coded other than by their exact label."""
        self.report.recoded.append({
            "column": column, "question": question, "how": sorted(set(hows.values())),
            "mapping": {text: jsonable(code) for text, code in mapping.items()},
            "by": dict(hows), "cells": int(cells),
        })

    def _code_labels(self, values, rows, column, q, code, *, allowed, dtype, column_index=None) -> pd.Series:
        """Code a column of labels: each distinct answer is coded once, then spread by its position.

        Distinct answers are found with pandas' hash-based factorize, so a column of
        20,000 answers costs a few distinct look-ups rather than 20,000.  Answers
        coded other than by their exact label are reported once for the column,
        with the mapping used.
        """
        shared = self.shared_codes(column_index)
        if shared is not None:
            positions, distinct = shared
            # Only the distinct answers that occur in this column are coded (np.unique: a cost in
            # proportion to the column, not to the whole sheet's distinct answers).
            present = np.unique(positions[positions >= 0])
        else:
            positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
            present = range(len(distinct))
        category = {label: i for i, label in enumerate(dtype.categories)}
        target = np.full(len(distinct) + 1, -1, dtype=np.int16)  # the last slot serves the missing answers
        bad: list[int] = []
        mapping: dict[str, Any] = {}
        hows: dict[str, str] = {}
        recoded_positions: list[int] = []
        missing = declared_missing(q)
        for k in present:
            raw = distinct[k]
            text = cell_text(raw) if not isinstance(raw, (dt.datetime, dt.date, dt.time)) else raw.isoformat()
            if missing is not None and missing(raw, text):
                continue  # a code the codebook declares as "no answer" (99, -99, ...)
            label, how = code(raw, text)
            if label is UNCODED and normalise_text(text) in MISSING_ANSWERS:
                continue  # a placeholder such as "N/A", unless the question has it as an option
            if label is UNCODED:
                target[k] = -2
                bad.append(k)
            else:
                target[k] = category[label]
                if how:
                    mapping[text.strip()] = label
                    hows[text.strip()] = how
                    recoded_positions.append(int(k))
        codes = target[positions]
        if bad:
            for i in np.flatnonzero(codes == -2):
                self.problem(rows[i], column, q.id, values[i], "not_in_scale", "error",
                             f"answer is not one of the question's labels ({allowed}); left missing. "
                             "Add the label to the codebook if it is a valid answer, or run "
                             "'survey-analysis codebook align'.")
            codes[codes == -2] = -1
        if mapping:
            self.recoded(column, q.id, mapping, hows, int(np.isin(positions, recoded_positions).sum()))
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))

    def code_numeric(self, values: list, rows: list[int], column: str, q: Question) -> pd.Series:
        parsed: dict[Any, Any] = {}
        missing = declared_missing(q)

        def within_range(number: float):
            if (q.minimum is not None and number < q.minimum) or (q.maximum is not None and number > q.maximum):
                return "out_of_range", f"number outside the allowed range {q.minimum}-{q.maximum}; left missing."
            return number

        distinct = set(values)
        if missing is None:  # numbers read as numbers need no look at their text
            for raw in [v for v in distinct if v.__class__ is float or v.__class__ is int]:
                parsed[raw] = within_range(float(raw))
                distinct.discard(raw)
        for raw, text in self.uniques(distinct).items():
            if normalise_text(text) in MISSING_ANSWERS or (missing is not None and missing(raw, text)):
                parsed[raw] = np.nan
                continue
            number = as_number(raw)
            if isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,3}[.,]\d{3}", raw.strip()):
                parsed[raw] = ("ambiguous_number", "the separator may mark thousands or decimals; left missing. "
                                                   "Correct the answer in a copy of the export.")
            elif number is None:
                parsed[raw] = ("not_a_number", "answer is not a number; left missing.")
            else:
                parsed[raw] = within_range(number)
        parsed[None] = np.nan
        out = list(map(parsed.__getitem__, values))
        if any(value.__class__ is tuple for value in parsed.values()):
            for i, value in enumerate(out):
                if isinstance(value, tuple):
                    self.problem(rows[i], column, q.id, values[i], value[0], "error", value[1])
                    out[i] = np.nan
        numbers = np.array(out, dtype=float)
        # A masked float array built directly: far cheaper than pandas parsing a list per column.
        return pd.Series(pd.arrays.FloatingArray(numbers, np.isnan(numbers)))

    def code_text(self, values: list) -> pd.Series:
        out = [(v.strip() or None) if v.__class__ is str else (None if v is None else text_of(v)) for v in values]
        return pd.Series(out, dtype="string")

    def code_date(self, values: list, rows: list[int], column: str, q: Question) -> pd.Series:
        parsed = parse_dates(values, date1904=self.date1904, notes=self.report.notes, column=column)
        for raw, value, row in zip(values, parsed, rows):
            if raw is not None and pd.isna(value) and normalise_text(cell_text(raw)) not in MISSING_ANSWERS:
                self.problem(row, column, q.id, raw, "not_a_date", "error", "answer is not a date; left missing.")
        return parsed

    def code_multi(self, values: list, rows: list[int], column: str, q: Question) -> tuple[pd.DataFrame, pd.Series]:
        """Split joined multi-select answers against the known options."""
        forms = option_forms(q)
        max_span = 1 + max((len(re.findall(r"[,;\n]", label)) for o in q.options for label in o.labels()),
                           default=0)
        # Each distinct answer is split once; the rows then take their answer's split by position.
        positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        option_ids = [o.id for o in q.options]
        chosen = np.zeros((len(distinct) + 1, len(option_ids)), dtype=bool)
        blank = np.zeros(len(distinct) + 1, dtype=bool)
        blank[-1] = True  # the slot of missing answers
        leftovers: list[str | None] = [None] * (len(distinct) + 1)
        missing = declared_missing(q)
        for k, raw in enumerate(distinct):
            text = cell_text(raw)
            if not text.strip() or (missing is not None and missing(raw, text)):
                blank[k] = True
                continue
            found, leftover = split_multi(text, forms, max_span)
            if leftover:
                # KoboToolbox joins the chosen option names with spaces.
                tokens = [find_option(forms, token) for token in text.split()]
                if all(tokens):
                    found, leftover = set(tokens), ""
            chosen[k] = [oid in found for oid in option_ids]
            if leftover and normalise_text(leftover) not in MISSING_ANSWERS:
                leftovers[k] = leftover
        for i in np.flatnonzero([leftovers[k] is not None for k in positions]) if any(leftovers) else []:
            self.problem(rows[i], column, q.id, values[i], "unknown_option", "warning",
                         f"part of the answer matches no option: '{leftovers[positions[i]]}'; kept as other text.")
        unanswered = blank[positions]
        frame = pd.DataFrame({f"{q.id}[{oid}]": pd.array(np.where(unanswered, False, chosen[positions, j]),
                                                             dtype="boolean")
                              for j, oid in enumerate(option_ids)})
        # Unanswered questions are missing, not "none chosen".
        if unanswered.any():
            frame.loc[unanswered, :] = pd.NA
        other = pd.Series([leftovers[k] for k in positions], dtype="string")
        return frame, other


def text_of(value: Any) -> str | None:
    """Text of a non-string cell (numbers without a spurious '.0', dates in ISO form)."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return cell_text(value).strip() or None


def as_number(value: Any) -> float | None:
    if value.__class__ is float or value.__class__ is int:  # most cells of a numeric column
        return float(value)
    if value.__class__ is str:
        text = value.strip().replace("\u00a0", "")
        # Most answers are words: the first character rules them out before the pattern runs.
        return float(text.replace(",", ".")) if text[:1] in _NUMBER_START and _NUMBER.fullmatch(text) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "")
        # Most answers are words: the first character rules them out before the pattern runs.
        if text[:1] in _NUMBER_START and _NUMBER.fullmatch(text):
            return float(text.replace(",", "."))
    return None


_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")
_NUMBER_START = frozenset("+-0123456789")


def option_forms(q: Question) -> dict[str, str]:
    """Every form an option of ``q`` may be written in (labels, id, aliases; folded and loose) -> its id."""
    forms: dict[str, str] = {}
    for o in q.options:
        for label in o.labels():
            if label:
                forms.setdefault(fold_diacritics(label), o.id)
    for o in q.options:
        for label in o.labels():
            if label:
                forms.setdefault("~" + answer_key(label), o.id)
    return forms


def find_option(forms: dict[str, str], text: str) -> str | None:
    """The option id ``text`` names in ``forms`` (see :func:`option_forms`), or None."""
    oid = forms.get(fold_diacritics(text))
    return oid if oid is not None else forms.get("~" + answer_key(text))


def split_multi(text: str, forms: dict[str, str], max_span: int) -> tuple[set, str]:
    """Split a joined multi-select answer against the known option labels.

    The answer is cut at the delimiters (``,``, ``;``, line breaks); runs of
    up to ``max_span`` consecutive pieces are tried first, longest first, so an
    option whose label itself contains a comma is recognised whole.  Pieces that
    match no option are returned as the leftover ("other") text, as typed.
    """
    parts = re.split(r"([,;\n])", text)
    pieces = parts[0::2]
    chosen: set = set()
    leftover: list[str] = []
    i = 0
    while i < len(pieces):
        if not pieces[i].strip():
            i += 1
            continue
        for span in range(min(max_span, len(pieces) - i), 0, -1):
            candidate = "".join(parts[2 * i: 2 * (i + span) - 1])
            oid = find_option(forms, candidate)
            if oid is not None:
                chosen.add(oid)
                i += span
                break
        else:
            leftover.append(pieces[i].strip())
            i += 1
    return chosen, "; ".join(leftover)
