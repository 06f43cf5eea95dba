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
        # Set by the loader: every cell of the sheet as a position into its distinct values.
        self.sheet_codes: np.ndarray | None = None
        self.sheet_distinct: np.ndarray | None = None

    def problem(self, row: int, column: str, question: str, value: Any, kind: str, severity: str, message: str):
        self.report.problems.append({
            "sheet": self.sheet, "row": row, "column": column, "question": question,
            "value": jsonable(value), "kind": kind, "severity": severity, "message": message,
        })

    @staticmethod
    def uniques(values: list) -> dict[Any, str]:
        """Distinct raw values (hashable) -> their text form; coding works on these only."""
        out = {}
        for v in set(values):
            if v is None:
                continue
            out[v] = cell_text(v) if not isinstance(v, (dt.datetime, dt.date, dt.time)) else v.isoformat()
        return out

    def code_scale(self, values: list, rows: list[int], column: str, q: Question, levels: list[Level], *,
                   column_index: int | None = None) -> pd.Series:
        lookup = label_lookup((lv.en, (lv.en, lv.ro)) for lv in levels)
        by_value = {lv.value: lv.en for lv in levels}

        def code(raw: Any, text: str) -> tuple[Any, str | None]:
            label = lookup_label(lookup, text)
            if label is not None:
                return label, None  # other-language and other-form labels are coded silently
            number = as_number(raw)
            if number is not None and float(number).is_integer() and int(number) in by_value:
                label = by_value[int(number)]
                return label, f"a number where a label was expected; coded as '{label}' (scale value {int(number)})"
            return UNCODED, None

        return self._code_labels(values, rows, column, q, code, column_index=column_index,
                                 allowed=", ".join(f"'{lv.en}'" for lv in levels),
                                 dtype=self._categories([lv.en for lv in levels], q, column, ordered=True))

    def code_single(self, values: list, rows: list[int], column: str, q: Question, *,
                    column_index: int | None = None) -> pd.Series:
        lookup = label_lookup((o.en, (o.en, o.ro, o.id)) for o in q.options)

        def code(raw: Any, text: str) -> tuple[Any, str | None]:
            label = lookup_label(lookup, text)
            return (UNCODED if label is None else label), None

        return self._code_labels(values, rows, column, q, code, column_index=column_index,
                                 allowed=", ".join(f"'{o.en}'" for o in q.options),
                                 dtype=self._categories([o.en for o in q.options], q, column, ordered=q.ordered))

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
        if column_index is None or self.sheet_codes is None:
            return None
        return self.sheet_codes[:, column_index], self.sheet_distinct

    def _code_labels(self, values, rows, column, q, code, *, allowed, dtype, column_index=None) -> pd.Series:
        """Code a column of labels: each distinct answer is coded once, then spread by its position.

        Distinct answers are found with pandas' hash-based factorize, so a column of
        20,000 answers costs a few distinct look-ups rather than 20,000.
        """
        shared = self.shared_codes(column_index)
        if shared is not None:
            positions, distinct = shared
            # Only the distinct answers that occur in this column are coded.
            present = np.flatnonzero(np.bincount(positions + 1, minlength=len(distinct) + 1)[1:])
        else:
            positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
            present = range(len(distinct))
        category = {label: i for i, label in enumerate(dtype.categories)}
        target = np.full(len(distinct) + 1, -1, dtype=np.int16)  # the last slot serves the missing answers
        bad: list[int] = []
        warned: dict[int, str] = {}
        missing = declared_missing(q)
        for k in present:
            raw = distinct[k]
            text = cell_text(raw) if not isinstance(raw, (dt.datetime, dt.date, dt.time)) else raw.isoformat()
            if missing is not None and missing(raw, text):
                continue  # a code the codebook declares as "no answer" (99, -99, ...)
            label, warning = code(raw, text)
            if label is UNCODED and normalise_text(text) in MISSING_ANSWERS:
                continue  # a placeholder such as "N/A", unless the question has it as an option
            if label is UNCODED:
                target[k] = -2
                bad.append(k)
            else:
                target[k] = category[label]
                if warning:
                    warned[k] = warning
        codes = target[positions]
        if bad:
            for i in np.flatnonzero(codes == -2):
                self.problem(rows[i], column, q.id, values[i], "not_in_scale", "error",
                             f"answer is not one of the question's labels ({allowed}); left missing. "
                             "Add the label to the codebook if it is a valid answer.")
            codes[codes == -2] = -1
        if warned:
            for i in np.flatnonzero(np.isin(positions, list(warned))):
                self.problem(rows[i], column, q.id, values[i], "recoded", "warning", warned[int(positions[i])])
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))

    def code_numeric(self, values: list, rows: list[int], column: str, q: Question) -> pd.Series:
        parsed: dict[Any, Any] = {}
        missing = declared_missing(q)
        for raw, text in self.uniques(values).items():
            if normalise_text(text) in MISSING_ANSWERS or (missing is not None and missing(raw, text)):
                parsed[raw] = np.nan
                continue
            number = as_number(raw)
            if isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,3}[.,]\d{3}", raw.strip()):
                parsed[raw] = ("ambiguous_number", "the separator may mark thousands or decimals; left missing. "
                                                   "Correct the answer in a copy of the export.")
            elif number is None:
                parsed[raw] = ("not_a_number", "answer is not a number; left missing.")
            elif (q.minimum is not None and number < q.minimum) or (q.maximum is not None and number > q.maximum):
                parsed[raw] = ("out_of_range", f"number outside the allowed range {q.minimum}-{q.maximum}; left missing.")
            else:
                parsed[raw] = number
        parsed[None] = np.nan
        out = list(map(parsed.__getitem__, values))
        for i, value in enumerate(out):
            if isinstance(value, tuple):
                self.problem(rows[i], column, q.id, values[i], value[0], "error", value[1])
                out[i] = np.nan
        return pd.Series(out, dtype="Float64")

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
        forms: dict[str, str] = {}
        for o in q.options:
            for label in (o.en, o.ro, o.id):
                if label:
                    forms.setdefault(fold_diacritics(label), o.id)
        max_span = 1 + max((len(re.findall(r"[,;\n]", label)) for o in q.options for label in (o.en, o.ro)),
                           default=0)
        # Each distinct answer is split once; the rows then take their answer's split by position.
        positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        option_ids = [o.id for o in q.options]
        ids = set(option_ids)
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
            if leftover and all(token in ids for token in text.split()):
                # KoboToolbox joins the chosen option names with spaces.
                found, leftover = set(text.split()), ""
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
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "")
        if re.fullmatch(r"[+-]?\d+([.,]\d+)?", text):
            return float(text.replace(",", "."))
    return None


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
            oid = forms.get(fold_diacritics(candidate))
            if oid is not None:
                chosen.add(oid)
                i += span
                break
        else:
            leftover.append(pieces[i].strip())
            i += 1
    return chosen, "; ".join(leftover)
