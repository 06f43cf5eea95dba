"""The short label of a project idea: the phrase of its most representative answer.

A working group reads "Shared booth at trade fairs abroad" more easily than
the concepts the grouping found ("trade fair, internationalisation").  The
label is the answer closest to the idea's centre among those written in the
report's language and lying in the closer half of the idea (one that names
it in a single short sentence first), with the
openings members put before the idea itself ("We suggest", "Clusterul ar
putea avea în vedere", from ``vocabulary/lead_ins.yml``) and a leading
article cut, shortened at a word boundary.  Where no such answer gives a
phrase, the names of the idea's concepts in the report's language are used,
and where it names no concept, its most central answer in any language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from ..text.language import fold_text

__all__ = ["LEAD_INS", "MAX_LABEL", "idea_label", "shorten", "without_lead_in"]

#: The openings of a proposal, in both languages (edit the file to add one).
LEAD_INS = Path(__file__).resolve().parents[1] / "vocabulary" / "lead_ins.yml"
#: Labels longer than this many characters are cut at a word boundary, with an ellipsis.
MAX_LABEL = 60
_WORD = re.compile(r"\S+")


@lru_cache(maxsize=4)
def _openings(path: Path = LEAD_INS) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """The openings and the articles, each as folded words, the longest first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    openings = {tuple(fold_text(o).split()) for lang in ("en", "ro") for o in data.get(lang, []) or []}
    articles = {tuple(fold_text(a).split()) for words in (data.get("articles") or {}).values() for a in words}
    return _longest_first(openings), _longest_first(articles)


def _longest_first(items: set[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted((i for i in items if i), key=lambda i: (-len(i), i)))


def _cut(words: list[re.Match], opening: tuple[str, ...]) -> int | None:
    """How many leading words spell ``opening`` (None: they do not)."""
    seen: list[str] = []
    for k, word in enumerate(words):
        seen.extend(fold_text(word.group()).split())
        if tuple(seen) == opening:
            return k + 1
        if len(seen) >= len(opening) or tuple(seen) != opening[:len(seen)]:
            return None
    return None


def without_lead_in(text: str) -> str:
    """``text`` without the openings and the article before the idea it names.

    >>> without_lead_in("Perhaps the cluster could consider a shared booth at trade fairs abroad")
    'shared booth at trade fairs abroad'
    >>> without_lead_in("Propunem un stand comun la târgul MEDICA")
    'stand comun la târgul MEDICA'
    """
    openings, articles = _openings()
    text = str(text).strip()
    while True:
        words = list(_WORD.finditer(text))
        cut = next((n for n in (_cut(words, o) for o in openings) if n), None)
        if cut is None or cut >= len(words):
            break
        text = text[words[cut].start():]
    words = list(_WORD.finditer(text))
    cut = next((n for n in (_cut(words, a) for a in articles) if n), None)
    if cut is not None and cut < len(words):
        text = text[words[cut].start():]
    return text.rstrip(" .;,!")


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, with an ellipsis (as it is when short)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-(")
    return cut + "\u2026"


def idea_label(texts: list[str], centrality: list[float], languages: list[str], language: str,
               fallback: str, *, last_resort: str | None = None) -> str:
    """The label of one idea.

    Parameters
    ----------
    texts, centrality, languages :
        The idea's answers (masked), how close each is to the idea's centre,
        and the language each is written in (``en``, ``ro`` or ``unknown``).
    language :
        The report's language: an answer in it is preferred.
    fallback :
        The label when no answer in the report's language speaks for the idea:
        the names of its concepts in that language ('' when it names none).
    last_resort :
        The label when there is neither such an answer nor a concept (the
        idea's shared words); before it, the idea's most central answer in any
        language is used.
    """
    order = sorted(range(len(texts)), key=lambda k: -centrality[k])
    # Only an answer among the closer half speaks for the idea; when none of those is in the report's
    # language, the concepts' names (which are in it) label the idea instead.
    middle = sorted(centrality)[(len(centrality) - 1) // 2] if centrality else 0.0
    closer = [k for k in order if languages[k] == language and centrality[k] >= middle]
    # An answer that names the idea in one short sentence first: a longer one often opens with the
    # member's own circumstances ("We bought a 1.5T MRI for our clinic and ...").
    for k in [k for k in closer if _names_it_briefly(texts[k])] + closer:
        phrase = _phrase(texts[k])
        if phrase:
            return phrase
    if fallback:
        return fallback
    for k in order:
        phrase = _phrase(texts[k])
        if phrase:
            return phrase
    return last_resort or ""


#: An answer of at most this many words in one sentence names its idea briefly.
BRIEF_WORDS = 14
_SENTENCE_END = re.compile(r"[.!?;](\s|$)")


def _names_it_briefly(text: str) -> bool:
    phrase = without_lead_in(text)
    return len(phrase.split()) <= BRIEF_WORDS and not _SENTENCE_END.search(phrase)


def _phrase(text: str) -> str | None:
    """An answer as a label: its opening cut, shortened, capitalised; None when it gives none."""
    phrase = without_lead_in(text)
    if len(fold_text(phrase).split()) < 2 or "[" in phrase:  # no masked contact in a label
        return None
    phrase = shorten(phrase)
    return phrase[:1].upper() + phrase[1:]
