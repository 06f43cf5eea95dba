"""The concepts a proposal names, in either language: the field glossary and the EU priorities.

A proposal written in Romanian and the same idea written in English share few
words; they share concepts.  :class:`ConceptMatcher` finds the concepts of the
bundled English-Romanian field glossary (``vocabulary/glossary.yml``), of the
EU-presidency priorities (``vocabulary/eu_priorities.yml``) or of the
codebook's direction keywords in a text, with inflection handled by the
Snowball stemmers of both languages (PyStemmer): "spitalele mici" and "small
hospitals" both name ``small_hospital``.

Matching rules (also written at the top of the glossary):

* text is folded (lower case, no diacritics, no punctuation; "e-health" is
  one word); masked contact details (``[e-mail]``, ``[phone]``) and digit runs
  are dropped;
* each word is reduced to its English and its Romanian stem; a term's words
  are stemmed in the term's language (both for ``any`` terms); a word of the
  text matches a word of a term when their stems are equal, or when the term's
  stem has five letters or more and the text's stem begins with it;
* a term's words must follow each other in the text (function words
  included: "la distanță" needs its "la"); at each place the longest term wins;
* words of three letters or fewer in the ``en`` or ``ro`` lists count only in
  answers of that language (or of unknown language): "ai" is a Romanian verb,
  "POC" a Romanian funding programme and an English abbreviation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import Stemmer
import yaml

from ..codebook import read_codebook
from ..errors import CodebookError, FileProblemError
from ..text.language import STOP_EN, STOP_RO, detect_language, fold_text, without_masks

__all__ = [
    "VOCABULARY",
    "DEFAULT_GLOSSARY",
    "DEFAULT_EU_PRIORITIES",
    "Concept",
    "ConceptMatcher",
    "read_glossary",
    "read_eu_priorities",
    "direction_concepts",
    "strip_masks",
    "content_tokens",
]

#: The folder of the bundled vocabularies (package data).
VOCABULARY = Path(__file__).resolve().parents[1] / "vocabulary"
#: The English-Romanian field glossary.
DEFAULT_GLOSSARY = VOCABULARY / "glossary.yml"
#: The bilingual lexicon of the five EU-presidency health priorities.
DEFAULT_EU_PRIORITIES = VOCABULARY / "eu_priorities.yml"

_LANGUAGES = ("en", "ro", "any")
_SHORT = 3
_PREFIX_MATCH = 5

_STEMMERS = {"en": Stemmer.Stemmer("english"), "ro": Stemmer.Stemmer("romanian")}


@lru_cache(maxsize=200_000)
def _stems(word: str) -> tuple[str, str]:
    return _STEMMERS["en"].stemWord(word), _STEMMERS["ro"].stemWord(word)


def strip_masks(text: Any) -> str:
    """The text with masked contact details (``[e-mail]``, ``[phone]``, ...) removed."""
    if not isinstance(text, str):
        return "" if text is None else str(text)
    return without_masks(text)


_E_PREFIX = re.compile(r"\b([eE])-(?=[^\W\d_])")


def content_tokens(text: Any) -> list[str]:
    """Folded words of a text, without masked contact details and digit runs.

    "e-health", "e-sănătate" become one word ("ehealth", "esanatate").
    """
    words = fold_text(_E_PREFIX.sub(r"\1", strip_masks(text))).split()
    return [w for w in words if not w.isdigit()]


def _is_function_word(word: str) -> bool:
    return word in STOP_EN or word in STOP_RO


@dataclass(frozen=True)
class Concept:
    """One concept of a vocabulary: its id, its terms by language, the wider concepts it belongs to."""

    id: str
    terms: dict[str, list[str]]
    broader: tuple[str, ...] = ()
    name: dict[str, str] = field(default_factory=dict)

    def label(self, language: str = "en") -> str:
        """The concept's name in ``language``: its name, else its first term there, else its id."""
        if self.name.get(language):
            return self.name[language]
        for lang in (language, "any", "en", "ro"):
            if self.terms.get(lang):
                return self.terms[lang][0]
        return self.id.replace("_", " ")


def _stem_match(term: str, word: str) -> bool:
    return word == term or (len(term) >= _PREFIX_MATCH and word.startswith(term))


def _key(stem: str) -> str:
    return stem[:_PREFIX_MATCH]


@dataclass
class _Pattern:
    concept: str
    language: str  # en / ro: stems of that language; short words count only in its answers
    stems: tuple[str, ...]
    short: tuple[bool, ...]
    neutral: bool  # from the "any" list: no language restriction


class ConceptMatcher:
    """Find the concepts of a vocabulary named in texts.

    Parameters
    ----------
    concepts : iterable of Concept
        The vocabulary (see :func:`read_glossary`, :func:`read_eu_priorities`,
        :func:`direction_concepts`).
    generic : mapping of language to words, optional
        Words that say nothing about which idea a text is (``generic`` in the
        glossary); :meth:`analyse` leaves them out of the content words.

    Examples
    --------
    >>> from survey_analysis.portfolio.vocabulary import ConceptMatcher, read_glossary
    >>> concepts, generic = read_glossary()
    >>> matcher = ConceptMatcher(concepts, generic=generic)
    >>> matcher.concepts_of("O rețea de teleradiologie pentru spitalele mici")
    ['teleradiology', 'small_hospital']
    >>> matcher.concepts_of("Teleradiology for small hospitals")
    ['teleradiology', 'small_hospital']
    """

    def __init__(self, concepts: Iterable[Concept], *, generic: Mapping[str, Iterable[str]] | None = None) -> None:
        self.concepts = {c.id: c for c in concepts}
        self._index: dict[str, list[_Pattern]] = {}
        for concept in self.concepts.values():
            for language, terms in concept.terms.items():
                for term in terms:
                    for pattern in self._patterns(concept.id, language, term):
                        self._index.setdefault(_key(pattern.stems[0]), []).append(pattern)
        for patterns in self._index.values():
            patterns.sort(key=lambda p: -len(p.stems))
        self._generic_en: set[str] = set()
        self._generic_ro: set[str] = set()
        for language, words in (generic or {}).items():
            for word in words:
                for token in fold_text(word).split():
                    en, ro = _stems(token)
                    if language in ("en", "any"):
                        self._generic_en.add(en)
                    if language in ("ro", "any"):
                        self._generic_ro.add(ro)

    @staticmethod
    def _patterns(concept: str, language: str, term: str) -> list[_Pattern]:
        words = content_tokens(term)
        if not words:
            return []
        short = tuple(len(w) <= _SHORT for w in words)
        if language == "any":
            return [
                _Pattern(concept, lang, tuple(_stems(w)[k] for w in words), short, True)
                for k, lang in enumerate(("en", "ro"))
            ]
        k = 0 if language == "en" else 1
        return [_Pattern(concept, language, tuple(_stems(w)[k] for w in words), short, False)]

    def analyse(self, text: Any, *, language: str | None = None) -> tuple[list[str], list[str], str]:
        """The concepts a text names, its other content words, and its language.

        Returns
        -------
        concepts : list of str
            Concept ids in the order they appear (a concept named twice appears twice).
        words : list of str
            Stems (in the text's language; English when unknown) of the words
            no concept covers, without generic words and words of one or two letters.
        language : str
            ``"en"``, ``"ro"`` or ``"unknown"`` (:func:`survey_analysis.text.detect_language`).
        """
        tokens = content_tokens(text)
        if language is None:
            language = detect_language(" ".join(tokens)) if tokens else "unknown"
        # a word of the text is found by the first five letters of its stems
        stems = [_stems(t) for t in tokens]
        found: list[tuple[int, int, str]] = []
        for i, (en, ro) in enumerate(stems):
            candidates = self._index.get(_key(en), [])
            if _key(ro) != _key(en):
                candidates = candidates + self._index.get(_key(ro), [])
            for pattern in candidates:
                end = i + len(pattern.stems)
                if end > len(tokens):
                    continue
                k = 0 if pattern.language == "en" else 1
                ok = True
                for offset, (stem, short) in enumerate(zip(pattern.stems, pattern.short)):
                    if short and not pattern.neutral and language not in (pattern.language, "unknown"):
                        ok = False
                        break
                    if not _stem_match(stem, stems[i + offset][k]):
                        ok = False
                        break
                if ok:
                    found.append((i, end, pattern.concept))
        # the longest term wins where terms overlap, then the earliest
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        covered = [False] * len(tokens)
        accepted = []
        for start, end, concept in found:
            if any(covered[start:end]):
                continue
            covered[start:end] = [True] * (end - start)
            accepted.append((start, concept))
        concepts = [c for _, c in sorted(accepted)]
        k = 1 if language == "ro" else 0
        words = []
        for token, (en, ro), hit in zip(tokens, stems, covered):
            if hit or len(token) < 3 or _is_function_word(token) or en in self._generic_en or ro in self._generic_ro:
                continue
            words.append((en, ro)[k])
        return concepts, words, language

    def concepts_of(self, text: Any, *, language: str | None = None) -> list[str]:
        """The distinct concept ids a text names, in the order they first appear."""
        concepts, _, _ = self.analyse(text, language=language)
        return list(dict.fromkeys(concepts))


# ---- reading the vocabularies -------------------------------------------------------------------

def _read_yaml(path: str | Path, what: str) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileProblemError(f"the {what} file does not exist", path=path,
                               hint=f"give the path of a {what} YAML file, or leave the default.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FileProblemError(f"the {what} file cannot be read ({exc})", path=path,
                               hint="save it as UTF-8 text and check its permissions.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CodebookError(f"the {what} file is not valid YAML ({getattr(exc, 'problem', exc)})", path=path,
                            row=None if mark is None else mark.line + 1,
                            hint="fix the indentation or quoting near that line.") from None
    if not isinstance(data, dict):
        raise CodebookError(f"the {what} file must be a mapping", path=path,
                            hint=f"see {DEFAULT_GLOSSARY.name} for the layout.")
    return data


def _terms(entry: Any, *, cid: str, path: Path | None, what: str) -> dict[str, list[str]]:
    if not isinstance(entry, dict):
        raise CodebookError(f"{what} '{cid}' must map languages (en, ro, any) to lists of terms", path=path,
                            value=entry, hint="write 'id: {en: [term, ...], ro: [termen, ...]}'.")
    terms: dict[str, list[str]] = {}
    for language in _LANGUAGES:
        values = entry.get(language) or []
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            raise CodebookError(f"{what} '{cid}': '{language}' must be a list of terms", path=path, value=values,
                                hint="write the terms as a list: [term, other term].")
        terms[language] = [str(v) for v in values if str(v).strip()]
    if not any(terms.values()):
        raise CodebookError(f"{what} '{cid}' lists no terms", path=path,
                            hint="give at least one term in en, ro or any.")
    return terms


def read_glossary(source: str | Path | Mapping | None = None) -> tuple[list[Concept], dict[str, list[str]]]:
    """Read the field glossary: its concepts and its generic words.

    Parameters
    ----------
    source : path or mapping, optional
        A glossary YAML file (default :data:`DEFAULT_GLOSSARY`) or its parsed content:
        ``{"generic": {"en": [...], "ro": [...]}, "concepts": {id: {"en": [...],
        "ro": [...], "any": [...], "broader": [...]}}, "names": {id: {"ro": ...}}}``
        (``names``, optional: how a concept is named in a label, where its first
        term is not the name, for instance Romanian with its diacritics).

    Returns
    -------
    concepts : list of Concept
    generic : dict of language -> list of words
    """
    path = None
    if source is None or isinstance(source, (str, Path)):
        path = Path(source or DEFAULT_GLOSSARY)
        data = _read_yaml(path, "glossary")
    else:
        data = dict(source)
    raw = data.get("concepts")
    if not isinstance(raw, dict) or not raw:
        raise CodebookError("the glossary has no 'concepts' mapping", path=path,
                            hint="list the concepts under 'concepts:' (see the bundled glossary.yml).")
    names = data.get("names") or {}
    if not isinstance(names, dict) or not all(isinstance(v, dict) for v in names.values()):
        raise CodebookError("the glossary's 'names' must map concept ids to {language: name}", path=path,
                            value=names, hint="write 'names: {ct: {ro: tomografie computerizată}}'.")
    unknown = sorted(set(map(str, names)) - set(map(str, raw)))
    if unknown:
        raise CodebookError(f"the glossary names concepts it does not list: {', '.join(unknown)}", path=path,
                            value=unknown[0], hint="correct the id under 'names:', or add the concept.")
    concepts = []
    for cid, entry in raw.items():
        terms = _terms(entry, cid=str(cid), path=path, what="glossary concept")
        broader = entry.get("broader") or []
        if isinstance(broader, str):
            broader = [broader]
        name = {str(k): str(v) for k, v in (names.get(cid) or {}).items() if v}
        concepts.append(Concept(id=str(cid), terms=terms, broader=tuple(str(b) for b in broader), name=name))
    generic = data.get("generic") or {}
    if not isinstance(generic, dict):
        raise CodebookError("the glossary's 'generic' must map languages to lists of words", path=path,
                            value=generic, hint="write 'generic: {en: [word, ...], ro: [cuvant, ...]}'.")
    return concepts, {str(k): [str(w) for w in (v or [])] for k, v in generic.items()}


def read_eu_priorities(source: str | Path | Mapping | None = None) -> list[Concept]:
    """Read the lexicon of the EU-presidency health priorities (default :data:`DEFAULT_EU_PRIORITIES`).

    Returns
    -------
    list of Concept
        One per priority, in the file's order, with its ``name`` in English and Romanian.
    """
    path = None
    if source is None or isinstance(source, (str, Path)):
        path = Path(source or DEFAULT_EU_PRIORITIES)
        data = _read_yaml(path, "EU-priority lexicon")
    else:
        data = dict(source)
    raw = data.get("priorities")
    if not isinstance(raw, dict) or not raw:
        raise CodebookError("the EU-priority lexicon has no 'priorities' mapping", path=path,
                            hint="list the priorities under 'priorities:' (see the bundled eu_priorities.yml).")
    out = []
    for pid, entry in raw.items():
        terms = _terms(entry, cid=str(pid), path=path, what="EU priority")
        name = entry.get("name") or {}
        name = {"en": str(name), "ro": str(name)} if isinstance(name, str) else {str(k): str(v) for k, v in name.items()}
        out.append(Concept(id=str(pid), terms=terms, name=name))
    return out


def direction_concepts(codebook: Any = None) -> list[Concept]:
    """The codebook's directions as concepts: their bilingual keywords, one concept per direction.

    A weak, broad link between the two languages that every codebook brings
    ("training" and "instruire" both name SD3).
    """
    book = read_codebook(codebook)
    concepts = []
    for code, direction in book.directions.items():
        terms = {lang: list(direction.keywords.get(lang, [])) for lang in ("en", "ro")}
        terms["any"] = [w for lang, words in direction.keywords.items() if lang not in ("en", "ro") for w in words]
        if any(terms.values()):
            concepts.append(Concept(id=str(code), terms=terms, name=dict(direction.name)))
    return concepts
