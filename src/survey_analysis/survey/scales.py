"""Ordered answer scales recognised in an export's answers, for drafting a codebook.

A person drafting a codebook recognises a Likert item from its answers: the
levels of a familiar scale ("Strongly disagree" ... "Strongly agree", "Deloc
important" ... "Extrem de important"), numbered labels ("4. Slightly
disagree"), answer codes whose order is plain (LimeSurvey's ``D4`` ... ``N0``
... ``A4``; ``SD D N A SA``) or small whole numbers shared by a run of
items (a 1-6 personality inventory).  This module holds those scales, in
English, Romanian and the survey tools' default wordings, and the tests that
fit a set of answers to one of them.

The wordings are kept here, in one list (:data:`SCALE_WORDINGS`), until the
shared vocabulary of scale wordings (``vocabulary/scales.yml``) takes them
over; :func:`scale_wordings` is the one function that reads them.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

from ..codebook import Level, fold_diacritics, normalise_text

__all__ = ["SCALE_WORDINGS", "KNOWN_SCALES", "scale_wordings", "label_key", "fit_scale", "fit_codes",
           "numbered_levels", "scale_levels"]

# Each scale: its levels from lowest to highest; each level: English, Romanian, then other wordings
# of the same level (other tools' defaults, other translators, Spanish, XLSForm names once
# underscores are read as spaces).  Sources: the tools' default answer scales (SurveyMonkey,
# Qualtrics, Microsoft Forms Likert, LimeSurvey arrays), the bundled questionnaire, and common
# usage in Romanian questionnaires.
SCALE_WORDINGS: dict[str, list[tuple[str, ...]]] = {
    "agreement4": [
        ("Strongly disagree", "Dezacord total", "Total dezacord", "Totalmente en desacuerdo"),
        ("Disagree", "Dezacord", "Nu sunt de acord", "En desacuerdo"),
        ("Agree", "De acord", "Sunt de acord", "Acord"),
        ("Strongly agree", "Acord total", "Total de acord", "Totalmente de acuerdo"),
    ],
    "agreement5": [
        ("Strongly disagree", "Dezacord total", "Total dezacord", "Dezacord puternic", "Completely disagree",
         "Totalmente en desacuerdo", "Muy en desacuerdo"),
        ("Disagree", "Dezacord", "Nu sunt de acord", "Somewhat disagree", "Dezacord parțial", "En desacuerdo"),
        ("Neither agree nor disagree", "Nici acord, nici dezacord", "Neutral", "Neutru", "Undecided", "Indecis",
         "Neither disagree nor agree", "Nici de acord, nici în dezacord", "Ni de acuerdo ni en desacuerdo"),
        ("Agree", "De acord", "Sunt de acord", "Acord", "Somewhat agree", "Acord parțial", "De acuerdo"),
        ("Strongly agree", "Acord total", "Total de acord", "Acord puternic", "Completely agree",
         "Totalmente de acuerdo", "Muy de acuerdo"),
    ],
    "agreement7": [
        ("Strongly disagree", "Dezacord total", "Total dezacord", "Completely disagree"),
        ("Disagree", "Dezacord", "Nu sunt de acord", "Moderately disagree"),
        ("Somewhat disagree", "Dezacord parțial", "Oarecum dezacord", "Slightly disagree"),
        ("Neither agree nor disagree", "Nici acord, nici dezacord", "Neutral", "Neutru", "Undecided"),
        ("Somewhat agree", "Acord parțial", "Oarecum de acord", "Slightly agree"),
        ("Agree", "De acord", "Sunt de acord", "Moderately agree"),
        ("Strongly agree", "Acord total", "Total de acord", "Completely agree"),
    ],
    "importance5": [
        ("Not at all important", "Deloc important", "Not important", "Neimportant", "Nada importante"),
        ("Slightly important", "Puțin important", "Of little importance", "Low importance", "Poco importante"),
        ("Moderately important", "Moderat de important", "Moderat important", "Somewhat important",
         "Important într-o oarecare măsură", "Moderadamente importante"),
        ("Very important", "Foarte important", "Important", "Muy importante"),
        ("Extremely important", "Extrem de important", "Esențial", "Essential", "Critical",
         "Sumamente importante"),
    ],
    "satisfaction5": [
        ("Very dissatisfied", "Foarte nemulțumit", "Very unsatisfied", "Muy insatisfecho"),
        ("Dissatisfied", "Nemulțumit", "Somewhat dissatisfied", "Oarecum nemulțumit", "Unsatisfied",
         "Insatisfecho"),
        ("Neither satisfied nor dissatisfied", "Nici mulțumit, nici nemulțumit", "Neutral", "Neutru",
         "Ni satisfecho ni insatisfecho"),
        ("Satisfied", "Mulțumit", "Somewhat satisfied", "Oarecum mulțumit", "Satisfecho"),
        ("Very satisfied", "Foarte mulțumit", "Muy satisfecho"),
    ],
    "frequency5": [
        ("Never", "Niciodată", "Nunca"),
        ("Rarely", "Rar", "Rareori", "Seldom", "Casi nunca"),
        ("Sometimes", "Uneori", "Câteodată", "Occasionally", "Ocazional", "A veces"),
        ("Often", "Des", "Adesea", "Frecvent", "Frequently", "Usually", "De obicei", "A menudo"),
        ("Always", "Întotdeauna", "Mereu", "Siempre"),
    ],
    "likelihood5": [
        ("Very unlikely", "Foarte puțin probabil", "Extremely unlikely", "Muy improbable"),
        ("Unlikely", "Puțin probabil", "Somewhat unlikely", "Improbabil", "Improbable"),
        ("Neither likely nor unlikely", "Nici probabil, nici improbabil", "Neutral", "Neutru", "Not sure",
         "Nesigur"),
        ("Likely", "Probabil", "Somewhat likely", "Probable"),
        ("Very likely", "Foarte probabil", "Extremely likely", "Muy probable"),
    ],
    "quality5": [
        ("Poor", "Slab", "Malo"),
        ("Fair", "Satisfăcător", "Acceptable", "Acceptabil", "Regular"),
        ("Good", "Bun", "Bine", "Bueno"),
        ("Very good", "Foarte bun", "Foarte bine", "Muy bueno"),
        ("Excellent", "Excelent", "Excelente"),
    ],
    "quality5_very_poor": [
        ("Very poor", "Foarte slab", "Very bad", "Foarte rău", "Muy malo"),
        ("Poor", "Slab", "Bad", "Rău", "Malo"),
        ("Average", "Mediu", "Fair", "Satisfăcător", "Acceptable", "Acceptabil", "Regular"),
        ("Good", "Bun", "Bine", "Bueno"),
        ("Very good", "Foarte bun", "Excellent", "Excelent", "Foarte bine", "Muy bueno"),
    ],
    "extent5": [
        ("Not at all", "Deloc", "În niciun fel", "En absoluto"),
        ("To a small extent", "Într-o mică măsură", "Slightly", "A little", "Puțin", "Un poco"),
        ("To a moderate extent", "Într-o oarecare măsură", "Moderately", "Somewhat", "Moderat", "Moderadamente"),
        ("To a large extent", "Într-o mare măsură", "Very", "Considerably", "Mult", "Mucho"),
        ("To a very large extent", "Într-o foarte mare măsură", "Extremely", "Completely", "Foarte mult",
         "Muchísimo"),
    ],
    "change3": [
        ("Decrease", "Scădere", "Decreased", "A scăzut"),
        ("Same", "La fel", "No change", "Unchanged", "Nicio schimbare", "Stayed the same"),
        ("Increase", "Creștere", "Increased", "A crescut"),
    ],
}


def scale_wordings() -> dict[str, list[tuple[str, ...]]]:
    """The ordered scales and every wording of each level (the one place that reads them)."""
    return SCALE_WORDINGS


#: Each known scale's levels as (English, Romanian) labels, lowest first.
KNOWN_SCALES: dict[str, list[tuple[str, str]]] = {
    name: [(level[0], level[1]) for level in levels] for name, levels in SCALE_WORDINGS.items()
}

# More distinct answers than this are not the levels of one scale, even in two languages.
MAX_SCALE_LABELS = 30
_NUMBER_PREFIX = re.compile(r"^\s*\(?(\d{1,2})\s*[.):=–-]\s*(.+)$")
_NUMBER_SUFFIX = re.compile(r"^(.+?)\s*[(\[](\d{1,2})[)\]]$")


@functools.lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """An answer label as compared with the scales' wordings.

    Case, spacing, diacritics and ș/ş forms ignored, XLSForm names read as words
    (``strongly_agree``), a numbered prefix or suffix dropped (``4. Agree``,
    ``Agree (4)``).
    """
    key = fold_diacritics(str(text).replace("_", " "))
    match = _NUMBER_PREFIX.match(key) or _NUMBER_SUFFIX.match(key)
    if match:
        key = match.group(2) if match.re is _NUMBER_PREFIX else match.group(1)
    return re.sub(r"\s+", " ", key).strip(" .")


@functools.cache
def _level_index() -> dict[str, list[tuple[str, int]]]:
    """label key -> [(scale, level 1..k)] for every wording of every scale."""
    index: dict[str, list[tuple[str, int]]] = {}
    for name, levels in scale_wordings().items():
        for value, wordings in enumerate(levels, start=1):
            for wording in wordings:
                entry = (name, value)
                bucket = index.setdefault(label_key(wording), [])
                if entry not in bucket:
                    bucket.append(entry)
    return index


def fit_scale(labels: Iterable[str]) -> tuple[str, dict[str, int]] | None:
    """The smallest known scale whose levels take every label.

    Returns ``(scale name, {label: level value})`` or ``None``.  A scale that
    gives each label its own level is preferred: "Agree" and "Somewhat agree"
    are two levels, so they fit the seven-level scale, not the five-level one
    where both are wordings of "Agree".  Labels that share a level on every
    scale that takes them are one level in two languages or wordings ("Very
    important" and "Foarte important").  Among scales of the same size the
    first listed wins.
    """
    labels = list(labels)
    if not labels or len(labels) > MAX_SCALE_LABELS:
        return None  # free text, not the levels of a scale
    keys = {label: label_key(label) for label in labels}
    index = _level_index()
    candidates = None
    for key in set(keys.values()):
        scales = {name for name, _ in index.get(key, [])}
        candidates = scales if candidates is None else candidates & scales
        if not candidates:
            return None
    order = list(scale_wordings())
    fits = []
    for name in candidates:
        levels = {label: min(v for n, v in index[key] if n == name) for label, key in keys.items()}
        by_key: dict[str, int] = {}
        for label, value in levels.items():
            by_key.setdefault(keys[label], value)
        separate = len(set(by_key.values())) == len(by_key)
        fits.append((not separate, len(scale_wordings()[name]), order.index(name), name, levels))
    fits.sort()
    return fits[0][3], fits[0][4]


def scale_levels(name: str, used: dict[str, int] | None = None) -> list[Level]:
    """The codebook levels of a known scale, in the export's own wording where it used a level.

    ``used`` maps the export's labels to their levels (as :func:`fit_scale`
    returns them).  A level the export wrote in other words than the scale's
    English or Romanian label takes the export's wording as its English label,
    so that those answers are coded as written; the Romanian labels, and the
    labels of levels nobody chose, are the scale's own.
    """
    by_level: dict[int, list[str]] = {}
    for label, value in sorted((used or {}).items()):
        by_level.setdefault(value, []).append(label)
    out = []
    for value, (en, ro) in enumerate(KNOWN_SCALES[name], start=1):
        own = {label_key(en), label_key(ro)}
        other = [label for label in by_level.get(value, []) if label_key(label) not in own]
        out.append(Level(value, other[0] if other else en, ro))
    return out


# Answer codes whose order a reader sees at once.
_BIPOLAR = re.compile(r"^(?P<side>[a-z]{1,2})(?P<step>\d)$")
_LETTER_SCALES = [
    ("sd", "d", "n", "a", "sa"),           # strongly disagree ... strongly agree
    ("sd", "d", "a", "sa"),
    ("vd", "d", "n", "s", "vs"),           # very dissatisfied ... very satisfied
]


def fit_codes(codes: Iterable[str], *, generic: bool = False) -> list[str] | None:
    """The order of a set of answer codes, lowest first, when the codes say it; else ``None``.

    * disagree/neutral/agree codes, as a LimeSurvey label set writes them:
      ``D4 D3 D2 D1 N0 A1 A2 A3 A4`` (the larger the number, the stronger);
    * letter codes ``SD D N A SA`` and their kin;
    * ``I S D`` (LimeSurvey's increase/same/decrease array): decrease, same, increase;
    * with ``generic``: LimeSurvey's default answer codes ``A1 A2 ... Ak`` (k >= 3), in
      the order of their numbers.  Only for arrays, where rows share the codes.
    """
    present = [str(c).strip() for c in codes]
    folded = {c.casefold(): c for c in present}
    if len(folded) < 2:
        return None
    keys = set(folded)
    neutral = [k for k in ("n0", "n") if k in keys]
    parsed = {k: _BIPOLAR.match(k) for k in keys if k not in neutral}
    if len(neutral) <= 1 and all(parsed.values()):
        sides = {m.group("side") for m in parsed.values()}
        if sides == {"d", "a"} or (sides and sides <= {"d", "a"} and neutral):
            disagree = sorted((k for k, m in parsed.items() if m.group("side") == "d"),
                              key=lambda k: -int(parsed[k].group("step")))
            agree = sorted((k for k, m in parsed.items() if m.group("side") == "a"),
                           key=lambda k: int(parsed[k].group("step")))
            return [folded[k] for k in disagree + neutral + agree]
    for order in _LETTER_SCALES:
        if keys <= set(order) and len(keys) >= 3:
            return [folded[k] for k in order if k in keys]
    if keys <= {"i", "s", "d"} and len(keys) >= 2 and "s" in keys:
        return [folded[k] for k in ("d", "s", "i") if k in keys]
    if generic and len(keys) >= 3 and all(re.fullmatch(r"a\d{1,2}", k) for k in keys):
        return [folded[k] for k in sorted(keys, key=lambda k: int(k[1:]))]
    return None


def numbered_levels(texts: Iterable[str]) -> dict[int, str] | None:
    """``{number: label}`` when every answer is a numbered label ("4. Slightly disagree") or a bare
    whole number beside numbered ones (a scale labelled at its ends), with at least three levels
    and one label per number; else ``None``."""
    levels: dict[int, str] = {}
    keys: dict[int, str] = {}
    labelled = False
    for text in texts:
        text = str(text).strip()
        match = _NUMBER_PREFIX.match(text)
        if match:
            number, label = int(match.group(1)), match.group(2).strip()
            labelled = True
        elif re.fullmatch(r"\d{1,2}", text):
            number, label = int(text), text
        else:
            return None
        key = fold_diacritics(label)
        if number in keys and keys[number] != key and keys[number] != str(number) and key != str(number):
            return None  # two different labels under one number
        if number not in levels or levels[number] == str(number):
            levels[number], keys[number] = label, key
    if not labelled or len(levels) < 3:
        return None
    if len({normalise_text(v) for v in levels.values()}) != len(levels):
        return None
    return dict(sorted(levels.items()))
