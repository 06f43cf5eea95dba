"""How alike two labels or question texts are, for aligning a codebook to an export.

Question texts are compared by character n-grams (TF-IDF, cosine), which
holds across spelling variants (organisation/organization), inflection
(webinar/webinarii) and missing diacritics, and by shared words (a common
prefix of five letters counts as the same word).  Short answer labels are
compared as well by what short labels share: the numbers they contain
("10 to 49" and "10-49"), an abbreviation ("NE" for "North-East", "Y" for
"Yes"), a word or id they start with ("univ_research", "sd1_rdi").
Everything here is deterministic.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np

from .answers import answer_key

__all__ = ["TextSimilarity", "word_overlap", "label_similarity", "numbers_in"]

_DIGITS = re.compile(r"\d+")
# Words too common in questionnaires to say two texts are about the same thing.
_STOP = frozenset("""a an and are as at be by de do for from how in is it la le of on or pe per s si the this to
what which with your you our my din ale al ai cu ce sa să în si și la ar va este sunt dvs dumneavoastra please
organisation organization organizatia organizatiei cluster clusterul clusterului""".split())


def _words(text: str) -> list[str]:
    return [w for w in answer_key(text).split() if w not in _STOP and not w.isdigit()]


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if shortest < 4:
        return False
    n = min(5, shortest)
    return a[:n] == b[:n]


def word_overlap(a: str, b: str) -> float:
    """Share of words two texts have in common (Dice coefficient; words alike by their first 5 letters)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    used: set[int] = set()
    common = 0
    for w in wa:
        for j, v in enumerate(wb):
            if j not in used and _same_word(w, v):
                used.add(j)
                common += 1
                break
    return 2 * common / (len(wa) + len(wb))


def numbers_in(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _DIGITS.findall(str(text)))


def _initials(text: str) -> str:
    return "".join(w[0] for w in answer_key(text).split() if w and not w.isdigit())


def label_similarity(answer: str, label: str, *, option_id: str | None = None) -> float:
    """How alike a short answer and an option (or level) label are, 0..1.

    The best of: the words they share; the numbers they hold (equal numbers
    count strongly, different ones rule the pair out); an abbreviation of
    the label's words ("NE" for "North-East"); the label's first word or the
    option's id beginning the answer ("univ_research" for "University ...",
    "sd1_rdi" for SD1).
    """
    a, b = answer_key(answer), answer_key(label)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    score = word_overlap(answer, label)
    na, nb = numbers_in(answer), numbers_in(label)
    if na and nb:
        if set(na) == set(nb):
            score = max(score, 0.9)
        elif not set(na) & set(nb):
            return min(score, 0.1)
        else:
            score = max(score, 0.5 * len(set(na) & set(nb)) / len(set(na) | set(nb)))
    compact = a.replace(" ", "")
    if 1 <= len(compact) <= 4 and compact.isalpha():
        initials = _initials(label)
        first = b.split()[0]
        if initials.startswith(compact) and len(compact) >= 2:
            score = max(score, 0.8)
        elif first.startswith(compact):
            score = max(score, 0.75 if len(compact) >= 3 else 0.6)
    tokens = a.split()
    if option_id:
        key = answer_key(option_id)
        if key and (key in tokens or compact == key.replace(" ", "")):
            score = max(score, 0.9)
    first_label = [w for w in _words(label)][:1]
    if tokens and first_label and len(tokens[0]) >= 4 and first_label[0].startswith(tokens[0]):
        score = max(score, 0.7)
    return score


class TextSimilarity:
    """Character n-gram TF-IDF over a fixed set of texts, plus shared words.

    Parameters
    ----------
    corpus : iterable of str
        Every text that will be compared (both sides), so that words common
        to all of them weigh little.
    """

    def __init__(self, corpus: Iterable[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = sorted({answer_key(t) for t in corpus if t and answer_key(t)})
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self.vectorizer.fit(texts or ["empty"])
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, texts: Sequence[str]):
        return self.vectorizer.transform([answer_key(t) for t in texts])

    def matrix(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Similarity of every text of ``left`` to every text of ``right``, 0..1."""
        if not left or not right:
            return np.zeros((len(left), len(right)))
        char = (self._vectors(left) @ self._vectors(right).T).toarray()
        words = np.array([[word_overlap(a, b) for b in right] for a in left])
        return 0.6 * char + 0.4 * words

    def best(self, text: str, candidates: Sequence[str]) -> float:
        """The similarity of ``text`` to the most similar of ``candidates``."""
        if not text or not candidates:
            return 0.0
        return float(self.matrix([text], list(candidates)).max())
