"""Drafting a codebook from an export, as a person would, for the analyst to review.

Each column that is not the tool's own becomes a question whose type is read
from its answers, as someone reading the export would read them:

* identifying (an e-mail or name column), date, number;
* a Likert item when its answers are levels of a familiar ordered scale
  (English, Romanian and the tools' default wordings, see :mod:`.scales`),
  numbered labels ("4. Slightly disagree"), answer codes whose order is plain
  (LimeSurvey's ``D4`` ... ``N0`` ... ``A4``), or small whole numbers shared by
  a run of items (a 1-6 inventory);
* the rows of a grid (``Title [Row]``, LimeSurvey's ``Q[SQ001]``) share one
  scale; per-option checkbox columns of one question become one multi-select;
* multiple choice when answers are joined from options that recur, single
  choice otherwise; a comma inside an answer is a delimiter only when its
  pieces recur on their own ("Yes, usually if..." given whole by several
  members is one option);
* missing-value codes (999, -99, or 99 far outside the other answers) are
  proposed as ``missing`` and left out of the inference.

The draft passes the same validation as a codebook read from a file, so any
inconsistency is a :class:`~survey_analysis.errors.CodebookError`, never a
failure further down.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import Codebook, Level, Option, Question, fold_diacritics, normalise_text, read_codebook
from ..errors import CodebookError, EmptyFileError, HeaderProblemError
from ..readers import read_raw
from .coding import MISSING_ANSWERS, as_number, cell_text
from .plan import BRACKET
from .privacy import EMAIL, IDENTIFYING_HEADER
from .scales import KNOWN_SCALES, MAX_SCALE_LABELS, fit_codes, fit_scale, numbered_levels, scale_levels
from .tools import TOOL_METADATA, is_tool_extra, read_header_layout

__all__ = ["KNOWN_SCALES", "MISSING_CODES", "draft_codebook", "draft_from_columns"]

#: Numbers that survey and statistics packages use for "no answer" (SPSS and Stata habits):
#: proposed as missing when they lie outside the column's other answers (see _missing_codes).
MISSING_CODES = frozenset({9, 99, 999, 9999, 98, 998, 97, 997, 88, 888, 77, 777,
                           -1, -7, -8, -9, -97, -98, -99, -999, -9999})
# Answers that mark an option as chosen in a per-option checkbox column.
_CHOSEN_MARKS = {"1", "y", "yes", "x", "true", "da", "checked", "selected"}
# Single choice: at most this many distinct answers (more when they recur, see _single).
_MAX_OPTIONS = 12
_MAX_OPTIONS_RECURRING = 40
# Whole numbers given as answer codes of a single choice: at most this many distinct codes.
_MAX_CODES = 7


# Answers repeat across rows and columns: their folded forms are computed once.
_norm = functools.lru_cache(maxsize=1 << 17)(normalise_text)
_fold = functools.lru_cache(maxsize=1 << 17)(fold_diacritics)


@dataclass
class _Column:
    """One question column of the export, as the drafting reads it."""

    index: int
    header: str
    field_id: str
    values: Counter              # each distinct answer -> how many gave it (blanks and 'N/A' left out)
    missing: list[str] = field(default_factory=list)   # proposed missing-value codes
    stem: str | None = None      # the grid it belongs to (normalised), if any
    stem_text: str = ""          # the grid's title as written
    sub: str = ""                # the row (or option) label within the grid
    sub_id: str = ""             # the row's code (LimeSurvey SQ001, Y1_X1), if any


def draft_from_columns(headers: list[str], field_ids: list[str], body: list[list], source: str,
                       path: str) -> Codebook:
    """Draft a codebook from an export's flattened header and data rows (see the module docstring)."""
    columns = _question_columns(headers, field_ids, body, source)
    if not columns:
        raise HeaderProblemError("no question columns were found in the export", path=path,
                                 hint="check that the first rows hold the column headers.")
    drafting = _Drafting()
    grids: dict[str, list[_Column]] = {}
    for column in columns:
        if column.stem is not None:
            grids.setdefault(column.stem, []).append(column)
    checkbox_grids = {stem: members for stem, members in grids.items() if _is_checkbox_grid(members)}
    done: set[int] = set()
    for column in columns:
        if column.index in done:
            continue
        if column.stem in checkbox_grids:
            members = checkbox_grids[column.stem]
            drafting.add_checkbox_grid(members)
            done.update(m.index for m in members)
            continue
        drafting.add_column(column)
    for stem, members in grids.items():
        if stem not in checkbox_grids and len(members) >= 2:
            drafting.unify_grid(members)
    drafting.numeric_runs(columns)
    drafting.coded_choices()
    cb = Codebook(title=f"Draft codebook for {Path(path).name}", scales=drafting.used_scales(), directions={},
                  questions=drafting.questions, path=None)
    try:
        # The same checks as a codebook read from a file: a draft the loader cannot use is refused here.
        return read_codebook(cb.to_dict())
    except CodebookError as err:
        raise CodebookError(f"the codebook drafted from the export is inconsistent ({err.args[0]})", path=path,
                            hint="name the sheet or columns to draft from, or write the codebook by hand; "
                                 "please report the export with this message.") from None


def _question_columns(headers: list[str], field_ids: list[str], body: list[list], source: str) -> list[_Column]:
    """Every column that is not the tool's own, with its answers and its place in a grid."""
    meta = TOOL_METADATA.get(source, set())
    cells = list(zip(*body)) if body else [() for _ in headers]
    out = []
    for i, (header, fid) in enumerate(zip(headers, field_ids)):
        norm, nid = _norm(header), _norm(fid)
        if norm in meta or nid in meta or is_tool_extra(norm, source) or is_tool_extra(nid, source):
            continue
        # Distinct answers with their counts: a column of 20,000 answers is read as a few.
        values = Counter(cells[i])
        for v in list(values):
            if (v.__class__ is float and v == v) or v.__class__ is int:  # a number is no placeholder (NaN is)
                continue
            if v is None or (isinstance(v, str) and not v.strip()) or (_may_be_placeholder(v)
                                                                       and _norm(cell_text(v)) in MISSING_ANSWERS):
                del values[v]
        column = _Column(index=i, header=header, field_id=fid, values=values)
        column.missing, column.values = _missing_codes(values)
        _place_in_grid(column)
        out.append(column)
    return out


def _may_be_placeholder(value) -> bool:
    """Whether a cell could read as a placeholder such as 'N/A' once normalised.

    Placeholders are short; a longer text shortens on normalising only by
    markup, entities or runs of spaces.  Free-text answers, which are most of
    the distinct answers of a wide export, are not normalised for nothing.
    """
    text = cell_text(value)
    return len(text) <= 16 or "<" in text or "&" in text or "  " in text or "\u00a0" in text


def _place_in_grid(column: _Column) -> None:
    """A grid row: 'Title [Row]' by its text, or LimeSurvey's 'Q2[SQ001]' by its code."""
    by_code = BRACKET.match(column.field_id) if column.field_id != column.header else None
    by_text = BRACKET.match(column.header)
    if by_code and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", by_code.group("stem").strip()):
        column.stem = "code:" + by_code.group("stem").strip()
        column.sub_id = by_code.group("sub").strip()
        text = column.header
        labels = re.findall(r"\[([^\[\]]*)\]", text)
        column.stem_text = re.sub(r"\s*\[[^\[\]]*\]", "", text).strip() or by_code.group("stem")
        column.sub = " / ".join(label.strip() for label in labels) or column.sub_id
    elif by_text:
        column.stem = "text:" + _norm(by_text.group("stem"))
        column.stem_text = by_text.group("stem").strip()
        column.sub = by_text.group("sub").strip()


def _missing_codes(values: Counter) -> tuple[list[str], Counter]:
    """Propose the answers that are missing-value codes; return ``(codes, the other answers)``.

    A code from :data:`MISSING_CODES` counts as missing when it lies outside
    the other answers: negative where they are all zero or more, or more than
    twice the largest of them (99 beside 1-5, 999 beside ages); beside answers
    that are words, 97 and above, or -1 and below.
    """
    numbers = {v: as_number(v) for v in values}
    codes = {v for v, n in numbers.items() if n in MISSING_CODES}  # 99.0 == 99: whole numbers only
    if not codes:
        return [], values
    others = [n for v, n in numbers.items() if v not in codes and n is not None]
    words = any(n is None for n in numbers.values())
    missing = set()
    for v in codes:
        n = numbers[v]
        if others:
            if (n < 0 <= min(others)) or (n > 0 and n > 2 * max(max(others), 1)):
                missing.add(v)
        elif words and (n <= -1 or n >= 97):
            missing.add(v)
    if not missing or len(missing) == len(numbers):
        return [], values
    texts = sorted({cell_text(v).strip() for v in missing}, key=lambda t: float(t))
    return texts, Counter({v: n for v, n in values.items() if v not in missing})


def _is_checkbox_grid(members: list[_Column]) -> bool:
    """Per-option columns of one multi-select: each holds one mark ('1', 'Y', its option's text) or nothing."""
    if len(members) < 2:
        return False
    marked = 0
    for column in members:
        distinct = {_norm(cell_text(v)) for v in column.values}
        if len(distinct) > 1:
            return False
        if distinct:
            mark = next(iter(distinct))
            if mark not in _CHOSEN_MARKS and mark != _norm(column.sub):
                return False
            marked += 1
    return marked > 0


class _Drafting:
    """The questions and scales drafted so far."""

    def __init__(self):
        self.questions: dict[str, Question] = {}
        self.scales: dict[str, list[Level]] = {}
        self.columns: dict[str, _Column] = {}
        self.by_index: dict[int, str] = {}  # export column -> its question id

    # ---- ids and scales -------------------------------------------------------------------
    def new_id(self, text: str, index: int) -> str:
        candidate = text.strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{0,30}(\[[A-Za-z0-9_]+\])?", candidate) and \
                candidate not in self.questions:
            return candidate
        base = f"Q{index + 1}"
        return base if base not in self.questions else f"Q{index + 1}_{len(self.questions)}"

    def scale(self, name: str, levels: list[Level]) -> str:
        """Register a scale under ``name``; a different scale already so named gets a new name."""
        labels = [_norm(lv.en) for lv in levels]
        candidate, k = name, 1
        while candidate in self.scales and [_norm(lv.en) for lv in self.scales[candidate]] != labels:
            k += 1
            candidate = f"{name}_{k}"
        self.scales.setdefault(candidate, levels)
        return candidate

    def used_scales(self) -> dict[str, list[Level]]:
        used = {q.scale for q in self.questions.values() if q.scale}
        return {name: levels for name, levels in self.scales.items() if name in used}

    # ---- one column -----------------------------------------------------------------------
    def add_column(self, column: _Column) -> None:
        qid = self.new_id(column.field_id if column.field_id != column.header else column.header, column.index)
        question = self._infer(qid, column)
        question.missing = list(column.missing)
        self.questions[qid] = question
        self.columns[qid] = column
        self.by_index[column.index] = qid

    def _infer(self, qid: str, column: _Column) -> Question:
        text = {"en": column.header, "ro": column.header}
        values = column.values
        total = sum(values.values())
        if IDENTIFYING_HEADER.search(_norm(column.header)) or _mostly_emails(values, total):
            return Question(id=qid, type="identifier", text=text, identifying=True)
        if not values:
            return Question(id=qid, type="text", text=text)
        if all(isinstance(v, (dt.datetime, dt.date)) for v in values):
            return Question(id=qid, type="date", text=text)
        # numbers, unless written with leading zeros (codes such as '007'); the test of numbers stops
        # at the first answer that is not one, so it comes first
        if all(as_number(v) is not None for v in values) and not any(
                isinstance(v, str) and _LEADING_ZERO.fullmatch(v.strip()) for v in values):
            return Question(id=qid, type="numeric", text=text)
        # More distinct answers than any scale has levels (free text, most often): no scale or code set
        # can fit them, so the rest of the answers need not be read as labels.
        labels = _labels(values, most=_MAX_OPTIONS_RECURRING)
        several = len(labels) > MAX_SCALE_LABELS
        fitted = None if several else fit_scale(labels)
        if fitted:
            name = self.scale(fitted[0], scale_levels(*fitted))
            return Question(id=qid, type="likert", text=text, scale=name)
        numbered = numbered_levels(labels)
        if numbered and several:  # the first answers are numbered levels: look at them all
            numbered = numbered_levels(_labels(values))
        if numbered:
            return Question(id=qid, type="likert", text=text, scale=self._numbered_scale(numbered))
        codes = None if several else fit_codes(labels)  # a code set has at most 21 codes
        if codes:
            return Question(id=qid, type="likert", text=text, scale=self._code_scale(codes))
        options = _multi_options(values)
        if options:
            return Question(id=qid, type="multi", text=text, options=options)
        options = _single_options(values, labels=labels)
        if options:
            return Question(id=qid, type="single", text=text, options=options)
        return Question(id=qid, type="text", text=text)

    def _numbered_scale(self, numbered: dict[int, str]) -> str:
        ordered = sorted(numbered)
        levels = [Level(k, numbered[n], numbered[n]) for k, n in enumerate(ordered, start=1)]
        name = "scale_" + "_".join(re.sub(r"[^a-z0-9]", "", _fold(numbered[n]))[:6] for n in ordered[:2])
        return self.scale(name, levels)

    def _code_scale(self, codes: list[str]) -> str:
        levels = [Level(k, code, code) for k, code in enumerate(codes, start=1)]
        return self.scale("codes_" + "_".join(codes[:1] + codes[-1:]).lower(), levels)

    def _numeric_scale(self, low: int, high: int) -> str:
        levels = [Level(k, str(n), str(n)) for k, n in enumerate(range(low, high + 1), start=1)]
        return self.scale(f"points_{low}_{high}", levels)

    # ---- grids ----------------------------------------------------------------------------
    def add_checkbox_grid(self, members: list[_Column]) -> None:
        """Per-option checkbox columns -> one multi-select question, one option per column."""
        first = members[0]
        code = first.stem[len("code:"):] if first.stem.startswith("code:") else ""
        qid = self.new_id(code or first.stem_text, first.index)
        options, seen = [], set()
        for column in members:
            option_id = column.sub_id or _option_id(column.sub, len(options))
            if option_id in seen:
                option_id = f"{option_id}_{len(options) + 1}"
            seen.add(option_id)
            options.append(Option(id=option_id, en=column.sub or option_id, ro=column.sub or option_id))
        text = first.stem_text or qid
        self.questions[qid] = Question(id=qid, type="multi", text={"en": text, "ro": text}, options=options)

    def unify_grid(self, members: list[_Column]) -> None:
        """The rows of one grid share one scale: the one that takes every answer of every row."""
        scored = [self.questions[self.by_index[c.index]] for c in members if c.index in self.by_index]
        scored = [q for q in scored if q.type in ("likert", "single", "numeric")]
        if len(scored) < 2:
            return
        labels = set()
        for q in scored:
            labels |= set(_labels(self.columns[q.id].values))
        name = None
        fitted = fit_scale(labels)
        if fitted:
            name = self.scale(fitted[0], scale_levels(*fitted))
        elif numbered_levels(labels):
            name = self._numbered_scale(numbered_levels(labels))
        elif fit_codes(labels, generic=True):
            name = self._code_scale(fit_codes(labels, generic=True))
        else:
            numbers = _small_integers(labels)
            if numbers is not None and len(numbers) >= 3:
                name = self._numeric_scale(min(numbers), max(numbers))
        if name is None:
            return
        for q in scored:
            q.type, q.scale, q.options = "likert", name, []

    def numeric_runs(self, columns: list[_Column]) -> None:
        """Runs of three or more adjacent items answered in the same small whole numbers are Likert items."""
        run: list[str] = []
        union: set[int] = set()
        ordered = [(qid, self.columns[qid]) for qid in self.questions if qid in self.columns]

        def close() -> None:
            if len(run) >= 3:
                name = self._numeric_scale(min(union), max(union))
                for qid in run:
                    self.questions[qid].type, self.questions[qid].scale = "likert", name
            run.clear()
            union.clear()

        for qid, column in ordered:
            q = self.questions[qid]
            # The answers themselves, not their labels: the first that is no small whole number ends it.
            numbers = _small_integers(column.values) if q.type == "numeric" else None
            if numbers is None or len(numbers) < 2:
                close()
                continue
            if run:
                span = max(union | numbers) - min(union | numbers) + 1
                if len(numbers) < 0.5 * span or len(union) < 0.5 * span:
                    close()
            run.append(qid)
            union |= numbers
        close()


    def coded_choices(self) -> None:
        """Numbers that are answer codes: few whole numbers, each given by many, make a single choice.

        (Gender coded 1/2 in a statistics package's export; the analyst gives the
        options their labels.)  Runs of items on one rating scale were taken as
        Likert items before this pass.
        """
        for qid, q in self.questions.items():
            column = self.columns.get(qid)
            if q.type != "numeric" or column is None or not column.values:
                continue
            numbers = Counter()
            for v, count in column.values.items():
                n = as_number(v)
                if n is None or not float(n).is_integer():
                    break
                numbers[int(n)] += count
            else:
                if 2 <= len(numbers) <= _MAX_CODES and sum(numbers.values()) >= 10 * len(numbers):
                    q.type = "single"
                    q.options = [Option(id=str(n), en=str(n), ro=str(n)) for n in sorted(numbers)]


def _mostly_emails(values: Counter, total: int) -> bool:
    """Whether more than half of the answers are e-mail addresses (read until the answer is known)."""
    emails = others = 0
    for v, n in values.items():
        text = v if v.__class__ is str else ""  # only text can be an e-mail address
        if "@" in text and EMAIL.match(text.strip()):
            emails += n
            if emails > 0.5 * total:
                return True
        else:
            others += n
            if others >= 0.5 * total:
                return False
    return False


def _labels(values, *, most: int | None = None) -> list[str]:
    """The distinct answers of a column as text, first form of each (case and spacing ignored).

    With ``most``, the reading stops at the first ``most + 1`` distinct answers.
    """
    seen: dict[str, str] = {}
    for v in values:
        text = cell_text(v).strip()
        seen.setdefault(_norm(text), text)
        if most is not None and len(seen) > most:
            break
    return list(seen.values())


def _small_integers(labels) -> set[int] | None:
    """The answers (labels, or the cells' values) as whole numbers from 0 to 10 (a rating scale), else ``None``."""
    numbers = set()
    for label in labels:
        n = as_number(label)
        if n is None or not float(n).is_integer() or not 0 <= n <= 10:
            return None
        numbers.add(int(n))
    return numbers


def _multi_options(values: Counter) -> list[Option] | None:
    """The options of a multi-select whose answers are options joined by ';', ', ' or ',' (else None)."""
    texts = [cell_text(v).strip() for v in values]
    weights = list(values.values())
    answers = sum(weights)
    for delimiter, splitter in _DELIMITERS:
        # Only answers holding the delimiter can split: skip the splitting when too few do.
        if sum(w for t, w in zip(texts, weights) if delimiter in t) < 2:
            continue
        cells = [[p.strip() for p in splitter.split(t)] for t in texts]
        cells = [[p for p in pieces if p] for pieces in cells]
        if sum(w for pieces, w in zip(cells, weights) if len(pieces) >= 2) < 2:
            continue
        cells = _glue_continuations(cells, weights, delimiter)
        joined = sum(w for atoms, w in zip(cells, weights) if len(atoms) >= 2)
        if joined < max(2, 0.1 * answers):
            continue
        # Options that differ only in case, spacing or accents are one option, in their most frequent form.
        counts: Counter = Counter()
        forms: dict[str, Counter] = {}
        for atoms, w in zip(cells, weights):
            for atom in atoms:
                key = _fold(atom)
                counts[key] += w
                forms.setdefault(key, Counter())[atom] += w
        recurring = sum(n for n in counts.values() if n >= 2)
        if len(counts) > _MAX_OPTIONS_RECURRING or recurring < 0.8 * sum(counts.values()):
            continue
        return _options_from_counts(Counter({forms[key].most_common(1)[0][0]: n for key, n in counts.items()}))
    return None


_LEADING_ZERO = re.compile(r"0\d+")

# The delimiters of joined multi-select answers; a comma between digits separates thousands.
_DELIMITERS = [(";", re.compile(r";")), (", ", re.compile(r"(?<!\d), |, (?!\d)")),
               (",", re.compile(r"(?<!\d),|,(?!\d)"))]


def _glue_continuations(cells: list[list[str]], weights: list[int], delimiter: str) -> list[list[str]]:
    """Join pieces cut at a comma that belongs to an option's own text.

    A piece is a continuation of the one before it when it never occurs
    anywhere else (never alone, never after another piece) and either starts
    in lower case ("Yes, usually if...") or the whole answer recurs as it is.
    """
    # Pieces are compared as options are: case, spacing and accents aside.
    while True:
        alone: Counter = Counter()
        pairs: Counter = Counter()
        whole: Counter = Counter()
        for pieces, w in zip(cells, weights):
            for piece in pieces:
                alone[_fold(piece)] += w
            for a, b in zip(pieces, pieces[1:]):
                pairs[(_fold(a), _fold(b))] += w
            whole[_fold(delimiter.join(pieces))] += w
        glue = set()
        for pieces in cells:
            for a, b in zip(pieces, pieces[1:]):
                key = (_fold(a), _fold(b))
                if pairs[key] == alone[key[1]] and (
                        b[:1].islower() or whole[_fold(f"{a}{delimiter}{b}")] >= 2):
                    glue.add((a, b))
        if not glue:
            return cells
        merged = []
        for pieces in cells:
            out = [pieces[0]] if pieces else []
            for piece in pieces[1:]:
                if (out[-1], piece) in glue:
                    out[-1] = f"{out[-1]}{delimiter}{piece}"
                else:
                    out.append(piece)
            merged.append(out)
        cells = merged


def _single_options(values: Counter, *, labels: list[str] | None = None) -> list[Option] | None:
    """Options of a single-choice question: few distinct answers, or answers that recur (else None).

    Answers that differ only in case, spacing, accents or ș/ş form are one
    option, labelled by their most frequent form.
    """
    if labels is not None and len(labels) > _MAX_OPTIONS_RECURRING and all(t.isascii() and "&" not in t for t in labels):
        # ``labels`` (from :func:`_labels`) are distinct once normalised, and plain ASCII without entities
        # folds as it normalises: more distinct answers than any single choice has, without folding again
        return None
    if len(values) > _MAX_OPTIONS_RECURRING:
        folded: set[str] = set()
        for v in values:
            folded.add(_fold(cell_text(v).strip()))
            if len(folded) > _MAX_OPTIONS_RECURRING:
                return None  # more distinct answers than any single choice has (free text): no need to count them
    counts: Counter = Counter()
    forms: dict[str, Counter] = {}
    for v, count in values.items():
        text = cell_text(v).strip()
        key = _fold(text)
        counts[key] += count
        forms.setdefault(key, Counter())[text] += count
    n = sum(counts.values())
    few = len(counts) <= _MAX_OPTIONS and len(counts) <= max(2, 0.5 * n)
    recurring = len(counts) <= _MAX_OPTIONS_RECURRING and min(counts.values()) >= 2 and len(counts) <= 0.2 * n
    if not counts or not (few or recurring):
        return None
    labelled = Counter({forms[key].most_common(1)[0][0]: count for key, count in counts.items()})
    return _options_from_counts(labelled)


def _options_from_counts(counts: Counter) -> list[Option]:
    """Options by frequency, numbered labels ('1-9 employees', '2. Rarely') in their numbers' order."""
    labels = [label for label, _ in counts.most_common()]
    numbers = [re.match(r"^\s*(\d+)", label) for label in labels]
    if all(numbers):
        labels.sort(key=lambda label: int(re.match(r"^\s*(\d+)", label).group(1)))
    options, ids = [], set()
    for k, label in enumerate(labels):
        option_id = _option_id(label, k)
        while option_id in ids:
            option_id = f"{option_id}_{k + 1}"
        ids.add(option_id)
        options.append(Option(id=option_id, en=label, ro=label))
    return options


def _option_id(label: str, index: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", _fold(label)).strip("_")[:30]
    return slug or f"option_{index + 1}"


def draft_codebook(path: str | Path, *, sheet: str | int | None = None) -> Codebook:
    """Draft a codebook from an export: question types, options, scales and missing codes inferred.

    The draft is a starting point for the analyst to edit: add directions,
    mark reverse-keyed items, give Romanian labels, check each proposed
    ``missing`` code.  Write it with
    :func:`survey_analysis.codebook.write_codebook` or
    ``survey-analysis codebook draft FILE -o CB.yml``.
    """
    raw = read_raw(path, sheet=sheet)
    if not raw.rows:
        raise EmptyFileError("the file holds no rows", path=str(raw.path), sheet=raw.sheet,
                             hint="check that this is the responses export.")
    layout = read_header_layout(raw)
    body = [r for r in raw.rows[layout.header_rows:] if any(v is not None and str(v).strip() for v in r)]
    cb = draft_from_columns(layout.headers, layout.field_ids, body, layout.source, str(raw.path))
    cb.title = f"Draft codebook for {Path(raw.path).name} ({layout.source} export)"
    return cb
