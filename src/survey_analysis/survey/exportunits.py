"""The units of an export and of a codebook, as :mod:`.align` pairs them.

An export's columns are read with their answers (distinct answers and their
counts) and the kind of answers they hold (e-mails, numbers, dates, free
text, a few choices, joined choices, ticks, ranks), then grouped as the
tools lay them out: a grid (``Title [Row]``, ``Q1[SQ001]``, ``Q7_1``,
``group/imp_01``, or consecutive columns answered on the same labels), the
per-option columns of a multi-select or a ranking, rank slots, or a single
column.  A codebook's questions are grouped likewise: the Likert items of one
grid, or one question.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..codebook import Codebook, Question, normalise_text
from ..errors import EmptyFileError
from ..readers import read_raw
from .answers import answer_key, rank_of
from .coding import MISSING_ANSWERS, as_number, cell_text
from .plan import BRACKET
from .privacy import EMAIL
from .tools import TOOL_METADATA, is_tool_extra, read_header_layout

__all__ = ["ExportColumn", "ExportUnit", "CodebookUnit", "read_export_columns", "export_units", "codebook_units",
           "split_joined", "TICKED", "UNTICKED"]

# Answers that mark a ticked (or unticked) option in a per-option column.
TICKED = {"y", "1", "yes", "x", "true", "checked", "da"}
UNTICKED = {"0", "n", "no", "false", "nu"}


# ---- the export's columns ---------------------------------------------------------------

@dataclass
class ExportColumn:
    index: int
    header: str
    field_id: str
    answers: Counter
    cells: list
    kind: str = "text"
    stem: str | None = None
    sub: str | None = None
    joined: list[list[str]] | None = None  # each answer split into its parts (joined columns)


def split_joined(text: str, delimiter: str) -> list[str]:
    """An answer split at ``delimiter``; a comma inside parentheses does not split."""
    if delimiter == " ":
        return text.split()
    pieces = [p.strip() for p in text.split(delimiter)]
    merged: list[str] = []
    for piece in pieces:
        if merged and merged[-1].count("(") > merged[-1].count(")"):
            merged[-1] = f"{merged[-1]}{delimiter} {piece}" if delimiter == "," else f"{merged[-1]}{delimiter}{piece}"
        elif piece:
            merged.append(piece)
    return merged


_NAME = re.compile(r"^[a-z0-9_.\-]+$")


def _joined_parts(answers: Counter) -> list[list[str]] | None:
    """The answers split into recurring parts, when the column holds joined choices; else None."""
    total = sum(answers.values())
    for delimiter in (";", ",", " "):
        with_delimiter = sum(c for a, c in answers.items() if delimiter in a)
        if with_delimiter < 0.2 * total:
            continue
        split = {a: split_joined(a, delimiter) for a in answers}
        pieces: Counter = Counter()
        for a, c in answers.items():
            for p in split[a]:
                pieces[p] += c
        if not pieces or len(pieces) > 40:
            continue
        recurring = sum(c for c in pieces.values() if c >= 2)
        if recurring < 0.8 * sum(pieces.values()):
            continue
        if len(answers) <= len(pieces):
            continue  # fewer answers than pieces: labels that contain the delimiter, not combinations
        if delimiter == " " and not all(_NAME.match(p) for p in pieces):
            continue  # space-joined lists are of choice names (KoboToolbox), not words of a label
        return [split[a] for a in answers]
    return None


def _column_kind(column: ExportColumn) -> str:
    answers = column.answers
    if not answers:
        return "empty"
    total = sum(answers.values())
    if sum(c for a, c in answers.items() if EMAIL.match(a)) > 0.5 * total:
        return "email"
    raw = [v for v in column.cells if v is not None]
    if raw and all(hasattr(v, "year") for v in raw):
        return "date"
    keys = {answer_key(a) for a in answers}
    # Ticks in a column that may be one option of a multi-select (it shares a stem with others).
    if column.stem is not None and (keys <= (TICKED | UNTICKED)
                                    or (column.sub and keys <= {answer_key(column.sub)} | TICKED | UNTICKED)):
        return "flag"
    if all(as_number(a) is not None for a in answers):
        return "number"
    if all(rank_of(a, 20) is not None for a in answers) and len(answers) >= 2:
        return "rank"
    parts = _joined_parts(answers)
    if parts is not None:
        column.joined = parts
        return "joined"
    # Choices are short labels; sentences are free text even when members repeat one another.
    mean_words = sum(len(a.split()) * c for a, c in answers.items()) / total
    if mean_words <= 7 and (len(answers) <= 15 or len(answers) <= 0.2 * total):
        return "choice"
    return "text"


def read_export_columns(path, sheet) -> tuple[Any, list[ExportColumn], str]:
    raw = read_raw(path, sheet=sheet)
    if not raw.rows:
        raise EmptyFileError("the file holds no rows", path=str(raw.path), sheet=raw.sheet,
                             hint="check that this is the responses export.")
    layout = read_header_layout(raw)
    meta = TOOL_METADATA.get(layout.source, set())
    body = [r for r in raw.rows[layout.header_rows:] if any(v is not None and str(v).strip() for v in r)]
    columns = []
    for i, (header, fid) in enumerate(zip(layout.headers, layout.field_ids)):
        norm, nid = normalise_text(header), normalise_text(fid)
        if norm in meta or nid in meta or is_tool_extra(norm, layout.source):
            continue
        cells = [row[i] if i < len(row) else None for row in body]
        answers: Counter = Counter()
        for v in cells:
            if v is None:
                continue
            text = cell_text(v).strip()
            if text and normalise_text(text) not in MISSING_ANSWERS:
                answers[text] += 1
        column = ExportColumn(index=i, header=header, field_id=fid, answers=answers, cells=cells)
        column.stem, column.sub = _stem_and_sub(header, fid, layout.source)
        column.kind = _column_kind(column)
        columns.append(column)
    return layout, columns, str(raw.path)


_QUALTRICS_ID = re.compile(r"^(?P<stem>[A-Za-z][A-Za-z0-9]*)_(?P<sub>\d+)$")


def _stem_and_sub(header: str, field_id: str, source: str) -> tuple[str | None, str | None]:
    m = BRACKET.match(header or "")
    if m:
        return m.group("stem").strip(), m.group("sub").strip()
    m = _QUALTRICS_ID.match(field_id or "")
    if m and field_id != header:
        return f"#{m.group('stem')}", None  # the row text is found from the group's headers
    if "/" in header and " " not in header:
        stem, sub = header.rsplit("/", 1)
        return stem, sub
    return None, None


# ---- units: how the export groups its columns, and how the codebook groups its questions --

@dataclass
class ExportUnit:
    kind: str                      # grid | multi_options | rank_options | rank_slots | single
    columns: list[ExportColumn]
    title: str
    subs: list[str]
    position: float = 0.0


@dataclass
class CodebookUnit:
    kind: str                      # grid | question
    questions: list[Question]
    forms: list[str]
    position: float = 0.0


def _common_title(headers: list[str]) -> tuple[str, list[str]]:
    """The shared beginning of headers such as 'Title - Row' and what follows it in each."""
    prefix = headers[0]
    for h in headers[1:]:
        while not h.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind(" - "), prefix.rfind(" – "))
    if cut <= 0:
        return prefix.strip(), [h[len(prefix):].strip() for h in headers]
    return prefix[:cut].strip(), [h[cut + 3:].strip() for h in headers]


def _answer_sets_alike(a: ExportColumn, b: ExportColumn) -> bool:
    sa, sb = {answer_key(x) for x in a.answers}, {answer_key(x) for x in b.answers}
    if not sa or not sb or len(sa) > 11 or len(sb) > 11:
        return False
    return len(sa & sb) / len(sa | sb) >= 0.5


def _is_ranking_run(columns: list[ExportColumn]) -> bool:
    """Per-option rank columns: each respondent's values across them are distinct ranks."""
    m = len(columns)
    if m < 2 or not all(c.kind in ("number", "rank") for c in columns):
        return False
    rows = zip(*(c.cells for c in columns))
    answered = distinct = 0
    for row in rows:
        ranks = [rank_of(cell_text(v).strip(), m) for v in row if v is not None and cell_text(v).strip()]
        if not ranks:
            continue
        answered += 1
        if None not in ranks and len(set(ranks)) == len(ranks):
            distinct += 1
    return answered > 0 and distinct >= 0.8 * answered


def export_units(columns: list[ExportColumn], scale_words: set[str] | frozenset = frozenset()) -> list[ExportUnit]:
    units: list[ExportUnit] = []
    i = 0
    singles: list[ExportColumn] = []
    while i < len(columns):
        column = columns[i]
        j = i + 1
        if column.stem is not None:
            while j < len(columns) and columns[j].stem == column.stem:
                j += 1
        run = columns[i:j]
        unit = _group_unit(run) if len(run) >= 2 else None
        if unit is None:
            singles.extend(run)
        else:
            units.extend(_grids_of_singles(singles, scale_words))
            singles = []
            units.append(unit)
        i = j
    units.extend(_grids_of_singles(singles, scale_words))
    for k, unit in enumerate(units):
        unit.position = k / max(1, len(units) - 1)
    return units


def _group_unit(run: list[ExportColumn]) -> ExportUnit | None:
    """A run of columns sharing a stem: a grid, per-option columns, rank slots; None for unrelated columns."""
    stem = run[0].stem or ""
    subs = [c.sub for c in run]
    headers = [c.header for c in run]
    if stem.startswith("#") or None in subs:
        title, subs = _common_title(headers)
    else:
        title = stem
    kinds = {c.kind for c in run}
    if kinds <= {"flag", "empty"} and "flag" in kinds:
        return ExportUnit("multi_options", run, title, subs)
    if all(s.strip().isdigit() for s in subs) and kinds <= {"choice", "empty", "text"}:
        return ExportUnit("rank_slots", run, title, subs)
    if _is_ranking_run(run):
        return ExportUnit("rank_options", run, title, subs)
    if kinds <= {"choice", "number", "empty"} and all(
            _answer_sets_alike(a, b) for a, b in zip(run, run[1:]) if a.answers and b.answers):
        return ExportUnit("grid", run, title, subs)
    return None


def _scale_like(column: ExportColumn, scale_words: set[str] | frozenset) -> bool:
    """Most of the column's answers are wordings of a scale level."""
    total = sum(column.answers.values())
    return bool(total) and sum(c for a, c in column.answers.items() if answer_key(a) in scale_words) >= 0.5 * total


def _grids_of_singles(singles: list[ExportColumn], scale_words: set[str] | frozenset) -> list[ExportUnit]:
    """Single columns; consecutive ones answered on the same scale wordings taken as a grid."""
    units: list[ExportUnit] = []
    run: list[ExportColumn] = []

    def flush():
        if len(run) >= 2:
            units.append(ExportUnit("grid", list(run), "", [c.header for c in run]))
        else:
            for c in run:
                if c.kind == "flag":
                    c.kind = "choice"  # ticks in a column of its own: a yes/no question
                units.append(ExportUnit("single", [c], c.header, [c.header]))
        run.clear()

    for column in singles:
        if (run and column.kind == "choice" and run[-1].kind == "choice" and _answer_sets_alike(run[-1], column)
                and _scale_like(column, scale_words) and _scale_like(run[-1], scale_words)):
            run.append(column)
            continue
        flush()
        run.append(column)
    flush()
    return units


def codebook_units(cb: Codebook) -> list[CodebookUnit]:
    units: list[CodebookUnit] = []
    for q in cb.questions.values():
        last = units[-1] if units else None
        if (q.type == "likert" and last is not None and last.kind == "grid"
                and last.questions[-1].scale == q.scale and last.questions[-1].grid == q.grid):
            last.questions.append(q)
            continue
        if q.type == "likert":
            forms = list(q.grid.values()) if q.grid else []
            units.append(CodebookUnit("grid", [q], forms))
        else:
            units.append(CodebookUnit("question", [q], [*q.text.values(), *q.aliases]))
    for k, unit in enumerate(units):
        if unit.kind == "grid" and not unit.forms:
            unit.forms = [t for q in unit.questions for t in q.text.values()]
        unit.position = k / max(1, len(units) - 1)
    return units
