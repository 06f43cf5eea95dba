"""Aligning a codebook to an export of the same questionnaire in other words.

The same questionnaire reaches the workbench typed into another tool, by
another translator, with XLSForm names or LimeSurvey codes instead of texts.
:func:`align_codebook` proposes, for every column of such an export, the
codebook question it holds (and for per-option columns the option or rank
slot), and for every answer label the scale level or option it stands for;
:mod:`.alignfile` writes the codebook back with these as aliases.

How a column is placed, in order:

1. Columns are grouped into units as the tools lay them out: a grid
   (``Title [Row]``, ``Q1[SQ001]``, ``Q7_1``, ``group/imp_01``, or a run of
   columns answered on the same scale), the per-option columns of a
   multi-select or a ranking, rank slots (``Q3[1]``..), or a single column.
2. Each unit is scored against each unit of the codebook (a grid of Likert
   items, or one question): the texts (character n-grams and shared words,
   in either language), the answers (how many fit the question's scale or
   options, through the vocabulary of scale wordings), the structure (grid
   size, number of options, kind of answers: e-mails, numbers, free text,
   joined lists) and the order of the questionnaire.  Units are paired by
   the assignment of highest total score (Hungarian algorithm).
3. Inside a paired grid or option set, rows go to items (or options) by text,
   by the number in a code (``imp_07``, ``SQ007`` -> the 7th item), or by
   position.
4. Answer labels go to levels by the codebook's labels, the vocabulary and
   answer codes, then by elimination within a scale; to options by
   similarity of labels (words, numbers, abbreviations, ids).

Every proposal carries a confidence (0-1); those below :data:`UNSURE` are
listed for the analyst.  The procedure is deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..codebook import Codebook, Question, read_codebook
from .answers import LabelCoder, answer_key, family_wordings, option_vocabulary, scale_family, scale_vocabulary
from .draft import draft_from_columns
from .exportunits import (TICKED, UNTICKED, CodebookUnit, ExportColumn, ExportUnit, codebook_units, export_units,
                          read_export_columns)
from .similarity import TextSimilarity, label_similarity

__all__ = ["UNSURE", "Placement", "AnswerAlias", "Alignment", "align_codebook"]

#: Proposals less sure than this are listed for the analyst to check.
UNSURE = 0.6
# Unit pairs scoring less than this are not proposed at all.
_MIN_UNIT_SCORE = 0.3
# Answers that mark a ticked option in a per-option column.
_TICKED = {"y", "1", "yes", "x", "true", "checked", "da"}
_UNTICKED = {"0", "n", "no", "false", "nu"}
_CODE_LIKE = re.compile(r"^[A-Za-z_]*\d+$")


# ---- what is proposed ---------------------------------------------------------------------

@dataclass
class Placement:
    """One export column placed on a codebook question.

    ``alias`` is the header text the codebook should list for the question
    (the whole header for a column of its own, the common title for the
    per-option columns of a multi-select or ranking); ``option_alias`` the
    text naming the option in a per-option column's header.
    """

    column: int
    header: str
    question: str
    confidence: float
    how: str
    alias: str
    option: str | None = None
    option_alias: str | None = None
    rank_slot: int | None = None


@dataclass
class AnswerAlias:
    """An answer label proposed as another wording of a scale level or an option."""

    label: str
    question: str
    confidence: float
    how: str
    count: int
    scale: str | None = None
    level: int | None = None
    option: str | None = None


@dataclass
class Alignment:
    """What :func:`align_codebook` proposes for one export."""

    path: str
    source: str
    codebook: Codebook
    placements: list[Placement] = field(default_factory=list)
    answers: list[AnswerAlias] = field(default_factory=list)
    unplaced: list[tuple[int, str]] = field(default_factory=list)
    unplaced_answers: list[tuple[str, str, int]] = field(default_factory=list)
    new_questions: list[Question] = field(default_factory=list)
    n_columns: int = 0

    def unsure(self) -> list[str]:
        """The proposals less sure than :data:`UNSURE`, one line each."""
        lines = [f"column {p.header[:70]!r} -> {p.question}{'[' + p.option + ']' if p.option else ''} "
                 f"({p.how}, {p.confidence:.2f})" for p in self.placements if p.confidence < UNSURE]
        lines += [f"answer {a.label!r} of {a.question} -> "
                  f"{'level ' + str(a.level) if a.level else 'option ' + str(a.option)} ({a.how}, {a.confidence:.2f})"
                  for a in self.answers if a.confidence < UNSURE]
        return lines

    def questions_placed(self) -> set[str]:
        return {p.question for p in self.placements}



# ---- scoring -------------------------------------------------------------------------------

_CODE_LIKE = re.compile(r"^[A-Za-z_]*\d+$")
_TRAILING_NUMBER = re.compile(r"(\d+)\D*$")
_KIND_FITS = {
    # export column kind -> codebook question types it can hold, with how well
    "email": {"identifier": 1.0},
    "text": {"text": 1.0, "identifier": 0.8},
    "number": {"numeric": 1.0, "likert": 0.4, "single": 0.3},
    "date": {"date": 1.0},
    "choice": {"single": 1.0, "likert": 1.0, "identifier": 0.3, "text": 0.3},
    "joined": {"multi": 1.0, "ranking": 1.0},
}


def _number_of(text: str) -> int | None:
    match = _TRAILING_NUMBER.search(text or "")
    return int(match.group(1)) if match else None


class _Aligner:
    """Scores and pairs the units of one export with the units of one codebook."""

    def __init__(self, cb: Codebook, columns: list[ExportColumn]) -> None:
        self.cb = cb
        self.columns = columns
        scale_words = {key for name in _family_names() for key in family_wordings(name)}
        scale_words |= {answer_key(label) for levels in cb.scales.values() for lv in levels for label in lv.labels()}
        self.units = export_units(columns, scale_words)
        self.cb_units = codebook_units(cb)
        corpus: list[str] = []
        for q in cb.questions.values():
            corpus += [*q.text.values(), *q.grid.values(), *q.aliases]
            for o in q.options:
                corpus += list(o.labels())
        for unit in self.units:
            corpus += [unit.title, *unit.subs]
        for column in columns:
            corpus += list(column.answers)[:40]
        self.sim = TextSimilarity(corpus)
        self.scale_coders = {name: LabelCoder([(lv.value, lv.labels()) for lv in levels], vocabulary=scale_vocabulary,
                                              by_position=True, numbers=True)
                             for name, levels in cb.scales.items()}

    # -- answers -------------------------------------------------------------------------
    def scale_fit(self, answers: Counter, scale: str) -> float:
        """Share of answers the scale codes: its labels, their vocabulary (1.0); codes and numbers (0.5)."""
        total = sum(answers.values())
        if not total or scale not in self.scale_coders:
            return 0.0
        coder = self.scale_coders[scale]
        codes = coder.codes_consistent(answers)
        got = 0.0
        for label, count in answers.items():
            code, how = coder.code(label, codes=codes)
            if code is not None:
                got += count * (0.5 if how in ("answer code", "number") else 1.0)
        # Answers of another family of scale (agreement for importance) speak against the pair.
        family = scale_family([lv.labels() for lv in self.cb.scales[scale]])
        if family is not None and got < total:
            for other in ("agreement", "importance", "satisfaction", "frequency", "likelihood", "quality"):
                if other != family and other in _family_names():
                    wordings = family_wordings(other)
                    foreign = sum(c for a, c in answers.items() if answer_key(a) in wordings
                                  and coder.code(a)[0] is None)
                    got -= 0.5 * foreign
        return max(0.0, got / total)

    def option_scores(self, labels: list[str], q: Question) -> np.ndarray:
        """Similarity of each label to each option of ``q`` (labels x options)."""
        forms = [list(o.labels()) for o in q.options]
        out = np.zeros((len(labels), len(q.options)))
        if not labels:
            return out
        flat = [f for fs in forms for f in fs]
        text = self.sim.matrix(labels, flat)
        k = 0
        for j, (o, fs) in enumerate(zip(q.options, forms)):
            block = text[:, k:k + len(fs)].max(axis=1)
            k += len(fs)
            short = np.array([max(label_similarity(lb, f, option_id=o.id) for f in fs) for lb in labels])
            out[:, j] = np.maximum(block, short)
        return out

    def options_fit(self, labels: Counter, q: Question) -> float:
        """How well a set of answer labels (with counts) names the options of ``q``, 0..1."""
        total = sum(labels.values())
        if not total or not q.options:
            return 0.0
        coder = LabelCoder([(o.id, o.labels()) for o in q.options], vocabulary=option_vocabulary, by_position=True)
        names = list(labels)
        codes = coder.codes_consistent(names)
        got = np.zeros(len(names))
        rest = []
        for i, label in enumerate(names):
            code, how = coder.code(label, codes=codes)
            if code is not None:
                got[i] = 0.5 if how == "answer code" else 1.0
            else:
                rest.append(i)
        if rest:
            scores = self.option_scores([names[i] for i in rest], q)
            got[rest] = scores.max(axis=1)
        counts = np.array([labels[n] for n in names], dtype=float)
        fit = float((got * counts).sum() / total)
        # More distinct labels than options (twice over) cannot be this question's options.
        if len(names) > 2 * len(q.options) + 2:
            fit *= 0.3
        return fit

    # -- units ---------------------------------------------------------------------------
    def unit_answers(self, unit: ExportUnit) -> Counter:
        total: Counter = Counter()
        for column in unit.columns:
            total.update(column.answers)
        return total

    def tokens(self, unit: ExportUnit) -> Counter:
        """The choices named in a unit's answers: joined parts, rank-slot answers, per-option headers."""
        out: Counter = Counter()
        for column in unit.columns:
            if column.joined is not None:
                for parts, count in zip(column.joined, column.answers.values()):
                    for part in parts:
                        out[part] += count
            elif unit.kind == "rank_slots":
                out.update(column.answers)
        if unit.kind in ("multi_options", "rank_options"):
            out.update({sub: 1 for sub in unit.subs})
        return out

    def title_similarity(self, unit: ExportUnit, forms: list[str]) -> float:
        if not unit.title or not forms:
            return 0.0
        return self.sim.best(unit.title, forms)

    def grid_text(self, unit: ExportUnit, cb_unit: CodebookUnit) -> float:
        title = self.title_similarity(unit, cb_unit.forms)
        subs = [s for s in unit.subs if s and not _CODE_LIKE.match(s)]
        if not subs:
            return title
        items = [list(q.text.values()) + list(q.aliases) for q in cb_unit.questions]
        flat = [t for ts in items for t in ts]
        rows = self.sim.matrix(subs, flat).max(axis=1).mean()
        return max(title, float(rows)) if unit.title else float(rows)

    def score(self, unit: ExportUnit, cb_unit: CodebookUnit) -> float:
        order = 1.0 - abs(unit.position - cb_unit.position)
        q = cb_unit.questions[0]
        if cb_unit.kind == "grid":
            if unit.kind != "grid" and not (unit.kind == "single" and unit.columns[0].kind in ("choice", "number")):
                return 0.0
            answers = self.scale_fit(self.unit_answers(unit), q.scale)
            if answers <= 0.05:
                return 0.0
            size = min(len(unit.columns), len(cb_unit.questions)) / max(len(unit.columns), len(cb_unit.questions))
            text = self.grid_text(unit, cb_unit)
            return 0.35 * answers + 0.3 * text + 0.2 * size + 0.15 * order
        text = self.title_similarity(unit, cb_unit.forms)
        if q.type in ("multi", "ranking"):
            fits_kind = {"multi": ("multi_options", "single"), "ranking": ("rank_options", "rank_slots", "single")}
            if unit.kind not in fits_kind[q.type]:
                return 0.0
            if unit.kind == "single":
                column = unit.columns[0]
                if column.kind != "joined" or self._looks_ranked(column) != (q.type == "ranking"):
                    return 0.0
            answers = self.options_fit(self.tokens(unit), q)
            size = 1.0
            if unit.kind != "single":
                size = min(len(unit.columns), len(q.options)) / max(len(unit.columns), len(q.options))
            return 0.4 * answers + 0.3 * text + 0.15 * size + 0.15 * order
        if unit.kind != "single":
            return 0.0
        column = unit.columns[0]
        fit = _KIND_FITS.get(column.kind, {}).get(q.type, 0.0)
        if fit == 0.0:
            return 0.0
        if q.type == "single":
            fit *= self.options_fit(column.answers, q)
        elif q.type == "likert":
            fit *= self.scale_fit(column.answers, q.scale)
        elif q.type == "numeric":
            fit *= self._in_range(column, q)
        elif q.type == "identifier":
            mail = any("mail" in answer_key(t) for t in [*q.text.values(), *q.aliases])
            fit *= 1.0 if (column.kind == "email") == mail else 0.2
        return 0.45 * fit + 0.4 * text + 0.15 * order

    @staticmethod
    def _looks_ranked(column: ExportColumn) -> bool:
        """Joined answers that list the same number of distinct choices every time: a ranking."""
        lengths = [len(parts) for parts in column.joined or []]
        distinct = all(len(set(parts)) == len(parts) for parts in column.joined or [])
        return bool(lengths) and distinct and len(set(lengths)) == 1 and lengths[0] >= 3

    @staticmethod
    def _in_range(column: ExportColumn, q: Question) -> float:
        values = [float(a.replace(",", ".")) for a in column.answers if a.replace(",", ".").replace(".", "", 1)
                  .lstrip("-").isdigit()]
        if not values:
            return 0.0
        inside = [v for v in values if (q.minimum is None or v >= q.minimum) and (q.maximum is None or v <= q.maximum)]
        return len(inside) / len(values)

    # -- pairing -------------------------------------------------------------------------
    def pair_units(self) -> list[tuple[ExportUnit, CodebookUnit, float]]:
        n, m = len(self.units), len(self.cb_units)
        scores = np.zeros((n, m))
        for i, unit in enumerate(self.units):
            for j, cb_unit in enumerate(self.cb_units):
                scores[i, j] = self.score(unit, cb_unit)
        cost = np.where(scores >= _MIN_UNIT_SCORE, -scores, 1.0)
        rows, cols = linear_sum_assignment(cost)
        pairs = [(self.units[i], self.cb_units[j], float(scores[i, j])) for i, j in zip(rows, cols)
                 if scores[i, j] >= _MIN_UNIT_SCORE]
        # A multi-select or ranking may come twice (KoboToolbox: one joined column and one column per option).
        taken = {id(u) for u, _, _ in pairs}
        for i, unit in enumerate(self.units):
            if id(unit) in taken or unit.kind not in ("multi_options", "rank_options", "single"):
                continue
            j = int(scores[i].argmax())
            if scores[i, j] >= 0.5 and self.cb_units[j].questions[0].type in ("multi", "ranking"):
                pairs.append((unit, self.cb_units[j], float(scores[i, j])))
        return sorted(pairs, key=lambda p: p[0].columns[0].index)


_FAMILIES: tuple[str, ...] | None = None


def _family_names() -> tuple[str, ...]:
    from ..vocabulary import read_vocabulary

    global _FAMILIES
    if _FAMILIES is None:
        _FAMILIES = tuple(read_vocabulary("scales")["families"])
    return _FAMILIES


# ---- placing columns inside paired units --------------------------------------------------

def _assign(scores: np.ndarray) -> list[tuple[int, int]]:
    if scores.size == 0:
        return []
    rows, cols = linear_sum_assignment(-scores)
    return list(zip(rows.tolist(), cols.tolist()))


def _position_prior(n: int, m: int) -> np.ndarray:
    i = np.arange(n)[:, None] / max(1, n - 1)
    j = np.arange(m)[None, :] / max(1, m - 1)
    return 1.0 - np.abs(i - j)


def _place_grid(aligner: _Aligner, unit: ExportUnit, cb_unit: CodebookUnit, score: float) -> list[Placement]:
    items = cb_unit.questions
    subs = unit.subs
    coded = all(s and _CODE_LIKE.match(s) for s in subs)
    if coded:
        numbers = [_number_of(s) for s in subs]
        within = [k + 1 for k in range(len(items))]
        own = [_number_of(q.id) for q in items]
        match = np.array([[1.0 if n is not None and (n == within[j] or n == own[j]) else 0.0
                           for j in range(len(items))] for n in numbers])
        total = 0.7 * match + 0.3 * _position_prior(len(subs), len(items))
        how = "grid row by its code"
    else:
        forms = [list(q.text.values()) + list(q.aliases) for q in items]
        flat = [t for ts in forms for t in ts]
        text = aligner.sim.matrix(subs, flat)
        match = np.zeros((len(subs), len(items)))
        k = 0
        for j, ts in enumerate(forms):
            match[:, j] = text[:, k:k + len(ts)].max(axis=1)
            k += len(ts)
        total = 0.85 * match + 0.15 * _position_prior(len(subs), len(items))
        how = "grid row by its text"
    placements = []
    for i, j in _assign(total):
        column = unit.columns[i]
        confidence = round(min(1.0, 0.5 * score + 0.5 * float(match[i, j])), 2)
        if coded and match[i, j] == 0:
            confidence, row_how = round(0.5 * score, 2), "grid row by position"
        else:
            row_how = how
        placements.append(Placement(column=column.index, header=column.header, question=items[j].id,
                                    confidence=confidence, how=row_how, alias=column.header))
    return placements


def _place_options(aligner: _Aligner, unit: ExportUnit, q: Question, score: float) -> list[Placement]:
    scores = aligner.option_scores(unit.subs, q)
    for i, column in enumerate(unit.columns):
        # SurveyMonkey writes the option's label in the ticked cells too.
        for label in column.answers:
            if answer_key(label) not in TICKED | UNTICKED:
                scores[i] = np.maximum(scores[i], aligner.option_scores([label], q)[0])
    total = 0.9 * scores + 0.1 * _position_prior(len(unit.subs), len(q.options))
    placements = []
    for i, j in _assign(total):
        column = unit.columns[i]
        option = q.options[j]
        confidence = round(min(1.0, 0.4 * score + 0.6 * float(scores[i, j])), 2)
        placements.append(Placement(column=column.index, header=column.header, question=q.id,
                                    confidence=confidence, how="option column", alias=unit.title,
                                    option=option.id, option_alias=unit.subs[i]))
    return placements


def _place_pair(aligner: _Aligner, unit: ExportUnit, cb_unit: CodebookUnit, score: float) -> list[Placement]:
    q = cb_unit.questions[0]
    if cb_unit.kind == "grid":
        if unit.kind == "single":
            column = unit.columns[0]
            return [Placement(column=column.index, header=column.header, question=q.id, confidence=round(score, 2),
                              how="text and answers", alias=column.header)]
        return _place_grid(aligner, unit, cb_unit, score)
    if unit.kind in ("multi_options", "rank_options"):
        return _place_options(aligner, unit, q, score)
    if unit.kind == "rank_slots":
        return [Placement(column=c.index, header=c.header, question=q.id, confidence=round(score, 2),
                          how="rank slot", alias=unit.title, rank_slot=int(s))
                for c, s in zip(unit.columns, unit.subs)]
    column = unit.columns[0]
    how = "text and answers" if aligner.title_similarity(unit, cb_unit.forms) >= 0.3 else "answers and order"
    return [Placement(column=column.index, header=column.header, question=q.id, confidence=round(score, 2),
                      how=how, alias=column.header)]


# ---- answers -----------------------------------------------------------------------------

def _scale_answers(aligner: _Aligner, placements: list[Placement], by_index: dict[int, ExportColumn],
                   out: Alignment) -> None:
    """Answer labels of the Likert columns, scale by scale, as aliases of the levels."""
    cb = aligner.cb
    pooled: dict[str, Counter] = {}
    owner: dict[str, str] = {}
    for p in placements:
        q = cb.questions[p.question]
        if q.type == "likert" and q.scale:
            pooled.setdefault(q.scale, Counter()).update(by_index[p.column].answers)
            owner.setdefault(q.scale, q.id)
    for scale, answers in pooled.items():
        levels = cb.scales[scale]
        coder = LabelCoder([(lv.value, lv.labels()) for lv in levels], vocabulary=scale_vocabulary,
                           by_position=True, numbers=True)
        covered: set[int] = set()
        unknown: list[tuple[str, int]] = []
        codes = coder.codes_consistent(answers)
        for label, count in sorted(answers.items(), key=lambda kv: (-kv[1], kv[0])):
            level, how = coder.code(label, codes=codes)
            if level is None:
                unknown.append((label, count))
                continue
            covered.add(level)
            if how in ("name", "vocabulary", "answer code"):
                confidence = {"name": 1.0, "vocabulary": 0.95, "answer code": 0.7}[how]
                out.answers.append(AnswerAlias(label=label, question=owner[scale], scale=scale, level=level,
                                               confidence=confidence, how=how, count=count))
        missing = [lv.value for lv in levels if lv.value not in covered]
        if len(unknown) == 1 and len(missing) == 1 and unknown[0][1] >= 2:
            label, count = unknown[0]
            out.answers.append(AnswerAlias(label=label, question=owner[scale], scale=scale, level=missing[0],
                                           confidence=0.6, how="the one level left", count=count))
            continue
        family = scale_family([lv.labels() for lv in levels])
        wordings = family_wordings(family) if family else {}
        forms = {lv.value: list(lv.labels()) + [w for w, k in wordings.items() if k == lv.value] for lv in levels}
        for label, count in unknown:
            scores = {value: aligner.sim.best(label, fs) for value, fs in forms.items()}
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])
            best, second = ranked[0], (ranked[1] if len(ranked) > 1 else (None, 0.0))
            if best[1] >= 0.55 and best[1] - second[1] >= 0.1:
                out.answers.append(AnswerAlias(label=label, question=owner[scale], scale=scale, level=best[0],
                                               confidence=round(0.8 * best[1], 2), how="similar wording",
                                               count=count))
            else:
                out.unplaced_answers.append((owner[scale], label, count))


def _option_answers(aligner: _Aligner, placements: list[Placement], by_index: dict[int, ExportColumn],
                    out: Alignment) -> None:
    """Answer labels (and per-option headers) of single, multi and ranking questions, as option aliases."""
    cb = aligner.cb
    labels: dict[str, Counter] = {}
    fixed: dict[str, dict[str, tuple[str, float]]] = {}
    for p in placements:
        q = cb.questions[p.question]
        if q.type not in ("single", "multi", "ranking"):
            continue
        column = by_index[p.column]
        bucket = labels.setdefault(q.id, Counter())
        if p.option is not None:
            fixed.setdefault(q.id, {})[p.option_alias] = (p.option, p.confidence)
            for label, count in column.answers.items():
                if answer_key(label) not in TICKED | UNTICKED and not label.strip().isdigit():
                    fixed[q.id].setdefault(label, (p.option, p.confidence))
        elif column.joined is not None:
            for parts, count in zip(column.joined, column.answers.values()):
                for part in parts:
                    bucket[part] += count
        elif q.type == "ranking" and p.rank_slot is None:
            continue
        else:
            bucket.update(column.answers)
    for qid in sorted(set(labels) | set(fixed), key=list(cb.questions).index):
        q = cb.questions[qid]
        coder = LabelCoder([(o.id, o.labels()) for o in q.options], vocabulary=option_vocabulary, by_position=True)
        for label, (option, confidence) in (fixed.get(qid) or {}).items():
            if coder.code(label)[1] == "":
                continue
            out.answers.append(AnswerAlias(label=label, question=qid, option=option, confidence=confidence,
                                           how="option column", count=1))
        rest: list[tuple[str, int]] = []
        covered: set[str] = set()
        codes = coder.codes_consistent(labels.get(qid, Counter()))
        for label, count in sorted(labels.get(qid, Counter()).items(), key=lambda kv: (-kv[1], kv[0])):
            if label in (fixed.get(qid) or {}):
                continue
            option, how = coder.code(label, codes=codes)
            if option is None:
                rest.append((label, count))
                continue
            covered.add(option)
            if how in ("name", "vocabulary", "answer code"):
                confidence = {"name": 1.0, "vocabulary": 0.95, "answer code": 0.65}[how]
                out.answers.append(AnswerAlias(label=label, question=qid, option=option, confidence=confidence,
                                               how=how, count=count))
        if not rest:
            continue
        scores = aligner.option_scores([label for label, _ in rest], q)
        # An option not yet named by any answer is the likelier meaning of an unknown label.
        bonus = np.array([0.0 if o.id in covered else 0.05 for o in q.options])
        total = scores + bonus
        pairs = _assign(total) if len(rest) <= len(q.options) else [(i, int(total[i].argmax())) for i in range(len(rest))]
        placed = set()
        for i, j in pairs:
            label, count = rest[i]
            if scores[i, j] >= 0.4:
                out.answers.append(AnswerAlias(label=label, question=qid, option=q.options[j].id,
                                               confidence=round(float(min(1.0, scores[i, j])), 2),
                                               how="similar label", count=count))
                placed.add(i)
                covered.add(q.options[j].id)
        left = [i for i in range(len(rest)) if i not in placed]
        uncovered = [o.id for o in q.options if o.id not in covered]
        if len(left) == 1 and len(uncovered) == 1 and rest[left[0]][1] >= 2:
            label, count = rest[left[0]]
            out.answers.append(AnswerAlias(label=label, question=qid, option=uncovered[0], confidence=0.55,
                                           how="the one option left", count=count))
            left = []
        for i in left:
            label, count = rest[i]
            out.unplaced_answers.append((qid, label, count))


# ---- the whole alignment -------------------------------------------------------------------

def align_codebook(path: str | Path, codebook: str | Path | Codebook | dict | None = None, *,
                   sheet: str | int | None = None) -> Alignment:
    """Propose how every column and answer label of an export maps onto a codebook.

    Parameters
    ----------
    path : path
        The export, as the survey tool wrote it.
    codebook : path or Codebook
        The questionnaire (the bundled one by default).
    sheet : str or int, optional
        The sheet to read (default: the one holding the responses).

    Returns
    -------
    Alignment
        The placements of the columns, the answer labels proposed as aliases
        of levels and options, the columns and answers that could not be
        placed, and the columns new to this export drafted as questions.
        Write it with :func:`survey_analysis.survey.alignfile.write_aligned_codebook`.

    Notes
    -----
    See the module docstring for the procedure; it is deterministic (the same
    export and codebook always give the same proposal).
    """
    cb = read_codebook(codebook)
    layout, columns, read_path = read_export_columns(path, sheet)
    aligner = _Aligner(cb, [c for c in columns if c.kind != "empty"])
    out = Alignment(path=read_path, source=layout.source, codebook=cb, n_columns=len(layout.headers))
    pairs = aligner.pair_units()
    for unit, cb_unit, score in pairs:
        out.placements.extend(_place_pair(aligner, unit, cb_unit, score))
    by_index = {c.index: c for c in columns}
    _scale_answers(aligner, out.placements, by_index, out)
    _option_answers(aligner, out.placements, by_index, out)
    placed = {p.column for p in out.placements}
    leftover = [c for c in columns if c.index not in placed and c.kind != "empty"]
    out.unplaced = [(c.index, c.header) for c in leftover]
    if leftover:
        out.new_questions = _draft_new(leftover, cb, layout.source, read_path)
    out.placements.sort(key=lambda p: p.column)
    return out


def _draft_new(columns: list[ExportColumn], cb: Codebook, source: str, path: str) -> list[Question]:
    """Questions for the columns that fit no question of the codebook, drafted from their answers."""
    body = [list(row) for row in zip(*(c.cells for c in columns))]
    drafted = draft_from_columns([c.header for c in columns], [c.field_id for c in columns], body, source, path)
    out = []
    for q in drafted.questions.values():
        qid = q.id if q.id not in cb.questions else f"{q.id}_new"
        q.id = qid
        if q.type == "likert" and q.scale not in cb.scales:
            q.type, q.scale = "text", None  # a scale the codebook does not have: the analyst decides
        out.append(q)
    return out
