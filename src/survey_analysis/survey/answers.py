"""Answers matched beyond the codebook's exact labels.

The same answer reaches the workbench in many words: another tool's default
scale ("Neither agree nor disagree" for "Neutral"), a translator's wording
("Nici acord, nici dezacord"), an XLSForm choice name (``very_important``),
an answer code (LimeSurvey's ``A1``..``A5``, by position), a number on a
five-level scale, a rank written "Locul 1" or "1st".  :class:`LabelCoder`
codes one question's answers against its levels or options in that order:
exact labels (and the codebook's aliases) first, then the same text without
case, punctuation or underscores, then the wordings of the vocabulary
(:mod:`survey_analysis.vocabulary`, ``scales.yml``), then answer codes and
numbers.  Every way but the exact one is named, so that the load report can
say once per column how its answers were coded.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Sequence

from ..codebook import fold_diacritics, normalise_text
from ..vocabulary import read_vocabulary

__all__ = [
    "EXACT",
    "answer_key",
    "scale_family",
    "family_wordings",
    "rank_of",
    "position_code",
    "LabelCoder",
    "scale_vocabulary",
    "option_vocabulary",
]

#: ``how`` of an answer coded by the codebook's own labels or aliases.
EXACT = ""

_NOT_WORD = re.compile(r"[\W_]+")
_POSITION_CODE = re.compile(r"^([a-z]{1,4})[ _.\-]?0*(\d{1,3})$")


def answer_key(text: Any) -> str:
    """An answer in its loosest comparable form.

    Case, diacritics, punctuation, underscores and spacing removed:
    ``very_important``, ``Very important.`` and ``VERY-IMPORTANT`` give the
    same key.  Both sides of a comparison go through it.
    """
    folded = fold_diacritics(text)
    key = " ".join(_NOT_WORD.sub(" ", folded).split())
    return key or folded


def position_code(text: Any) -> tuple[str, int] | None:
    """``("a", 3)`` for an answer code such as ``A3``, ``A03``, ``AO03`` or ``AG_3``; else None."""
    match = _POSITION_CODE.match(normalise_text(text))
    if not match:
        return None
    return match.group(1), int(match.group(2))


# ---- the vocabulary of scale wordings --------------------------------------------------

@lru_cache(maxsize=None)
def _families() -> dict[str, dict[str, int]]:
    """Each family: answer key -> level, wordings that name two levels of a family left out."""
    out: dict[str, dict[str, int]] = {}
    for name, family in read_vocabulary("scales")["families"].items():
        levels_of: dict[str, set[int]] = {}
        for level, languages in family["wordings"].items():
            for wordings in languages.values():
                for wording in wordings:
                    levels_of.setdefault(answer_key(wording), set()).add(int(level))
        out[name] = {key: next(iter(levels)) for key, levels in levels_of.items() if len(levels) == 1}
    return out


def family_wordings(name: str) -> dict[str, int]:
    """The answer keys of a vocabulary family and the level each stands for."""
    return _families()[name]


def scale_family(labels_by_level: Sequence[Iterable[str]]) -> str | None:
    """The vocabulary family a codebook scale belongs to, or None.

    ``labels_by_level`` holds, for levels 1..k in order, the labels of each
    level (English, Romanian, aliases).  The family must have k levels and
    hold the labels of most levels (more than half) at the same level; the
    family holding the most wins.
    """
    k = len(labels_by_level)
    sizes = {name: int(family["levels"]) for name, family in read_vocabulary("scales")["families"].items()}
    best, best_hits = None, 0
    for name, wordings in _families().items():
        if sizes[name] != k:
            continue
        hits = sum(any(wordings.get(answer_key(label)) == level for label in labels)
                   for level, labels in enumerate(labels_by_level, start=1))
        if hits * 2 > k and hits > best_hits:
            best, best_hits = name, hits
    return best


def scale_vocabulary(entries: Sequence[tuple[Any, Iterable[str]]]) -> dict[str, Any]:
    """The vocabulary's wordings of a scale's levels: answer key -> the level's code.

    ``entries`` are the scale's levels in order (level 1 first), each as
    ``(code, labels)``; the scale must be recognised as a family of the
    vocabulary (:func:`scale_family`), else the result is empty.
    """
    family = scale_family([labels for _, labels in entries])
    if family is None:
        return {}
    codes = [code for code, _ in entries]
    return {key: codes[level - 1] for key, level in family_wordings(family).items() if 1 <= level <= len(codes)}


def option_vocabulary(entries: Sequence[tuple[Any, Iterable[str]]]) -> dict[str, Any]:
    """The vocabulary's wordings of a question's options, when its options are a scale's levels.

    Each option is placed at the level its own labels name in one family
    (options need not be in the family's order: "Yes" before "No"); every
    option must land on a distinct level of the same family, else the
    result is empty.
    """
    for name, wordings in _families().items():
        level_of = {}
        for code, labels in entries:
            levels = {wordings.get(answer_key(label)) for label in labels} - {None}
            if len(levels) != 1:
                break
            level_of[code] = levels.pop()
        else:
            if len(set(level_of.values())) == len(level_of) == len(entries):
                code_at = {level: code for code, level in level_of.items()}
                return {key: code_at[level] for key, level in wordings.items() if level in code_at}
    return {}


# ---- rank forms ------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _rank_forms() -> tuple[frozenset, tuple, frozenset, dict[str, int]]:
    ranks = read_vocabulary("ranks")
    words = frozenset(answer_key(w) for w in ranks["words"]) | {"al", "a"}
    notes = tuple(sorted((answer_key(n) for n in ranks["notes"]), key=len, reverse=True))
    endings = frozenset(answer_key(e) for e in ranks["ordinal_endings"] if answer_key(e))
    ordinals = {answer_key(w): int(rank) for rank, forms in ranks["ordinals"].items() for w in forms}
    return words, notes, endings, ordinals


def rank_of(text: Any, k: int) -> int | None:
    """The rank (1..k) an answer such as ``3``, ``"Locul 3"``, ``"3rd"``, ``"Rank 3"`` or
    ``"3 (lowest)"`` stands for, else None."""
    raw = normalise_text(text)
    if raw.isdigit():
        value = int(raw)
        return value if 1 <= value <= k else None
    words, notes, endings, ordinals = _rank_forms()
    key = f" {answer_key(text)} "
    for note in notes:
        key = key.replace(f" {note} ", " ")
    # "1st", "2nd", "2-lea": split a number from an ending written onto it.
    tokens = []
    for token in key.split():
        match = re.fullmatch(r"(\d+)([a-z]+)", token)
        tokens.extend(match.groups() if match else [token])
    tokens = [t for t in tokens if t not in words]
    numbers = [t for t in tokens if t.isdigit()]
    rest = [t for t in tokens if not t.isdigit() and t not in endings]
    if len(numbers) == 1 and not rest:
        value = int(numbers[0])
    elif not numbers and len(rest) == 1 and rest[0] in ordinals:
        value = ordinals[rest[0]]
    else:
        return None
    return value if 1 <= value <= k else None


# ---- coding one question's answers ------------------------------------------------------

class LabelCoder:
    """Codes the answers of one question against its levels or options.

    Parameters
    ----------
    entries : list of (code, labels)
        Each level or option: the code it is coded to (a level's English
        label, an option's id or label) and every label the codebook gives it
        (English, Romanian, id, aliases).
    vocabulary : callable, optional
        Given ``entries``, the vocabulary's other wordings of them (answer key
        -> code): :func:`scale_vocabulary` or :func:`option_vocabulary`.
        Called when an answer first misses the exact labels.
    by_position : bool
        Answer codes with a letter prefix (``A1``, ``AO02``, ``AG3``) code the
        entry at that position (LimeSurvey's default answer codes).
    numbers : bool
        Whole numbers 1..k code the entry at that position (a scale exported
        as its values).

    ``code(text)`` returns ``(code, how)``: ``how`` is :data:`EXACT` for the
    codebook's own labels and aliases, ``"name"`` for the same label written
    otherwise (case, punctuation, underscores: XLSForm names), ``"vocabulary"``,
    ``"answer code"`` or ``"number"``; ``(None, None)`` when nothing fits.
    """

    def __init__(self, entries: Sequence[tuple[Any, Iterable[str]]], *, vocabulary=None,
                 by_position: bool = False, numbers: bool = False) -> None:
        self.codes = [code for code, _ in entries]
        self.entries = [(code, tuple(labels)) for code, labels in entries]
        self.exact: dict[str, Any] = {}
        for code, labels in self.entries:
            for label in labels:
                if label is None or label == "":
                    continue
                self.exact.setdefault(normalise_text(label), code)
                self.exact.setdefault(fold_diacritics(label), code)
        self.find_vocabulary = vocabulary
        self.by_position = by_position
        self.numbers = numbers
        # The looser look-ups are built on the first answer the exact labels miss.
        self._loose: dict[str, Any] | None = None
        self._vocabulary: dict[str, Any] = {}

    def _build_loose(self) -> dict[str, Any]:
        loose: dict[str, set] = {}
        for code, labels in self.entries:
            for label in labels:
                if label:
                    loose.setdefault(answer_key(label), set()).add(code)
        self._loose = {key: next(iter(codes)) for key, codes in loose.items() if len(codes) == 1}
        if self.find_vocabulary is not None:
            self._vocabulary = {key: code for key, code in self.find_vocabulary(self.entries).items()
                                if key not in loose}
        return self._loose

    def codes_consistent(self, answers: Iterable[str]) -> bool:
        """Whether the answer codes among ``answers`` form one scheme that can be read by position.

        LimeSurvey numbers its default answer codes in order (``A1``..``A5``);
        codes with several prefixes (``D4``, ``N0``, ``A1``: disagree 4 ...
        neutral ... agree 1) or numbers beyond the levels follow another
        scheme, and reading them by position would code them wrongly.
        """
        prefixes = set()
        for text in answers:
            if self._exact(str(text)) is not None:
                continue
            position = position_code(text)
            if position is not None:
                if not 1 <= position[1] <= len(self.codes):
                    return False
                prefixes.add(position[0])
        return len(prefixes) <= 1

    def _exact(self, text: str) -> Any:
        norm = normalise_text(text)
        code = self.exact.get(norm)
        if code is None:
            code = self.exact.get(fold_diacritics(text))
        return code

    def code(self, text: str, raw: Any = None, *, codes=True) -> tuple[Any, str | None]:
        """``(code, how)`` of one answer (see the class docstring).

        ``codes`` says whether answer codes may be read by position: a bool, or
        a callable asked only when an answer looks like a code (so that the
        check of the whole scheme runs only where there are codes).
        """
        norm = normalise_text(text)
        code = self.exact.get(norm)
        if code is None:
            code = self.exact.get(fold_diacritics(text))
        if code is not None:
            return code, EXACT
        match = _NUMBER_PREFIX.match(norm)
        if match:
            code = self.exact.get(match.group(2)) or self.exact.get(fold_diacritics(match.group(2)))
            if code is not None:
                return code, EXACT
        loose = self._loose if self._loose is not None else self._build_loose()
        key = answer_key(text)
        if key in loose:
            return loose[key], "name"
        if key in self._vocabulary:
            return self._vocabulary[key], "vocabulary"
        if self.by_position and codes:
            position = position_code(text)
            if position is not None and 1 <= position[1] <= len(self.codes) and (codes() if callable(codes)
                                                                                else codes):
                return self.codes[position[1] - 1], "answer code"
        if self.numbers:
            number = _whole_number(raw if raw is not None else text)
            if number is not None and 1 <= number <= len(self.codes):
                return self.codes[number - 1], "number"
        return None, None


_NUMBER_PREFIX = re.compile(r"^\s*(\d{1,2})\s*[.):=-]\s*(.+)$")


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if re.fullmatch(r"[+]?\d{1,3}([.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    return None
