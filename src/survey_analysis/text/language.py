"""The form every text feature is computed on, and the language of an answer.

Folding (lower case, no diacritics, no punctuation), the English and Romanian
function words, the words that frame a proposal rather than say what it is
about, and the word-stem analyser the mapping and the themes share.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import fold_diacritics
from ..errors import AnalysisInputError

__all__ = [
    "STOP_EN",
    "STOP_RO",
    "FRAMING",
    "fold_text",
    "detect_language",
    "stem",
    "word_analyzer",
    "as_text_series",
    "MASKED",
    "without_masks",
]

TOKEN = re.compile(r"[a-z0-9]+")

# Function words, folded (no diacritics); used for language detection and
# removed from the word features.
STOP_EN = frozenset(
    """a an and are as at be by can could do for from has have how i in into is it its
    more most must need not of on or our should so than that the their them there
    these they this to too up us was we what when which who will with would you your
    also all any each every other some only very such same new now out own just""".split()
)
STOP_RO = frozenset(
    """a al ale am ar au ca care cat ce cei cele cu cum da daca de despre din dintre
    doar e este eu fi fie fost iar il in intre isi la le lor lui mai mult ne nici noi
    nostri noastre nostru nu o ori pe pentru prin sa sau se si sunt ta te tot toate
    toti un una unei unor unui va vor acum acest aceasta aceste acesta atunci avem
    are fiecare cand unde asa deja ii le""".split()
)
# Words that frame a proposal rather than say what it is about.
FRAMING = frozenset(
    """suggest suggests propose proposal perhaps could consider would useful like want
    should cluster clusters many propunem propun sugerez sugeram util ar putea avea
    vedere multe multor clusterul clusterului clusterele dori dorim""".split()
)


def fold_text(text: Any) -> str:
    """Lower case, no diacritics, no punctuation: the form every feature uses.

    ``ș ş s``, ``ț ţ t``, ``ă â a`` and ``î i`` become the same letter; HTML,
    non-breaking spaces and newlines become single spaces.
    """
    if text is None or (not isinstance(text, str) and np.ndim(text) == 0 and pd.isna(text)):
        return ""
    folded = fold_diacritics(str(text))
    return " ".join(TOKEN.findall(folded))


#: Masked contact details (``[e-mail]``, ``[phone]``, ``[IP address]``, as
#: :func:`survey_analysis.mask_contacts` writes them) and any marker of that form.
MASKED = re.compile(r"\[[A-Za-z][A-Za-z \-]{0,30}\]")


def without_masks(text: Any) -> Any:
    """The text with masked contact details removed (other values returned as they are)."""
    return MASKED.sub(" ", text) if isinstance(text, str) else text


def detect_language(text: Any) -> str:
    """``"en"``, ``"ro"`` or ``"unknown"`` by counting function words."""
    tokens = fold_text(text).split()
    en = sum(t in STOP_EN for t in tokens)
    ro = sum(t in STOP_RO for t in tokens)
    if en == ro:
        return "unknown"
    return "en" if en > ro else "ro"


def stem(token: str) -> str:
    # Truncation stemming: cheap, language-neutral, good enough for features.
    return token[:6]


def word_analyzer(text: str) -> list[str]:
    tokens = [
        t for t in text.split() if t not in STOP_EN and t not in STOP_RO and t not in FRAMING and len(t) > 1
    ]
    stems = [stem(t) for t in tokens]
    return stems + [f"{a}_{b}" for a, b in zip(stems, stems[1:])]


def as_text_series(texts: Any) -> pd.Series:
    if isinstance(texts, pd.Series):
        series = texts
    elif isinstance(texts, (list, tuple, np.ndarray, pd.Index)):
        series = pd.Series(list(texts))
    else:
        raise AnalysisInputError(
            f"texts must be a Series or list of answers, got {type(texts).__name__}",
            hint="pass one column of free-text answers, e.g. survey.responses['G1'].",
        )
    return series.astype("object").where(series.notna(), None)

