"""Keywords of the strategic directions: the codebook's, the extra file's and learned ones.

Each keyword is matched on folded text by word prefix (inflected Romanian forms
match), short words only with an inflection ending; :func:`direction_lexicon`
gives every keyword with its weight, :func:`learn_keywords` selects words that
mark one direction in labelled answers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import yaml

from ..codebook import project_file, read_codebook
from ..errors import AnalysisInputError, CodebookError, FileProblemError
from .language import FRAMING, STOP_EN, STOP_RO, as_text_series, fold_text

__all__ = [
    "OUTSIDE",
    "BLANK",
    "DEFAULT_EXTRA_KEYWORDS",
    "Keyword",
    "load_extra_keywords",
    "direction_lexicon",
    "learn_keywords",
    "direction_documents",
]

#: Label of answers outside the five directions.
OUTSIDE = "outside"
#: Label of empty answers (kept as rows, never dropped).
BLANK = "(blank)"

#: Extra keywords shipped with the project (EN and RO per direction), used in
#: addition to the codebook's when present.
DEFAULT_EXTRA_KEYWORDS = project_file("data", "proposals", "extra_keywords.yml")

# English and Romanian inflection endings a short keyword may take (plural,
# article, case): "curs" matches "cursuri", "cursurile"; "site" "siteul".
ENDINGS = (
    r"(?:s|es|ed|ing|ings|er|ers|e|a|i|ii|ei|ul|ului|le|lor|ile|ilor|uri|urile|urilor|"
    r"ele|elor|ea|ia|iei|ri|rile|rilor)?\b"
)


def _prefix(token: str) -> str:
    """How much of a keyword token must begin a word of the answer."""
    if len(token) <= 5:
        return token
    if len(token) <= 8:
        return token[: max(5, len(token) - 2)]
    return token[: len(token) - 3]


class Keyword:
    __slots__ = ("text", "direction", "language", "pattern", "key", "weight", "short", "head")

    def __init__(self, text: str, direction: str, language: str) -> None:
        folded = fold_text(text)
        tokens = folded.split()
        self.text = text
        self.direction = direction
        self.language = language
        parts = []
        for tok in tokens:
            if len(tok) <= 3:
                parts.append(re.escape(tok) + r"\b")
            elif len(tok) <= 5:
                # a short word takes only an inflection ending, so that "stand"
                # does not match "standards" nor "radio" "radiology"
                parts.append(re.escape(tok) + ENDINGS)
            else:
                parts.append(re.escape(_prefix(tok)) + r"[a-z0-9]*")
        # consecutive words, allowing one short linking word between them
        self.pattern = re.compile(r"\b" + r"(?:\s+[a-z]{1,3})?\s+".join(parts)) if parts else None
        self.key = " ".join(_prefix(t) for t in tokens)
        self.weight = 1.0
        self.short = len(tokens) == 1 and len(tokens[0]) <= 3
        # first letters of the first word: an answer with no word starting so
        # cannot contain the keyword (lets the matcher skip most patterns)
        self.head = tokens[0][:3] if tokens else ""


def load_extra_keywords(source: Any) -> dict[str, dict[str, list[str]]]:
    if source is None:
        return {}
    if isinstance(source, Mapping):
        raw = source
        path = None
    else:
        path = Path(source)
        if not path.is_file():
            raise FileProblemError(
                "the extra keyword file does not exist",
                path=path,
                hint="give a YAML file 'SD1: {en: [...], ro: [...]}' or extra_keywords=None.",
            )
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise CodebookError(
                f"the extra keyword file is not valid YAML: {exc}",
                path=path,
                hint="write it as 'SD1: {en: [word, ...], ro: [cuvant, ...]}'.",
            ) from exc
    if not isinstance(raw, Mapping):
        raise CodebookError(
            "extra keywords must map direction codes to {en: [...], ro: [...]}",
            path=path,
            value=type(raw).__name__,
            hint="write it as 'SD1: {en: [word, ...], ro: [cuvant, ...]}'.",
        )
    out: dict[str, dict[str, list[str]]] = {}
    for code, by_lang in raw.items():
        if code == "learned":
            if not isinstance(by_lang, Mapping):
                raise CodebookError(
                    "'learned' must map direction codes (or 'outside') to lists of keywords",
                    path=path,
                    value=by_lang,
                    hint="write it as 'learned: {SD1: [word, ...], outside: [word, ...]}'.",
                )
            out["learned"] = {str(c): [str(w) for w in (words or [])] for c, words in by_lang.items()}
            continue
        if code == "exclude":
            if not isinstance(by_lang, Mapping):
                raise CodebookError(
                    "'exclude' must map direction codes to lists of codebook keywords",
                    path=path,
                    value=by_lang,
                    hint="write it as 'exclude: {SD3: [staff, personal]}'.",
                )
            out["exclude"] = {str(c): [str(w) for w in (words or [])] for c, words in by_lang.items()}
            continue
        if isinstance(by_lang, list):
            by_lang = {"any": by_lang}
        if not isinstance(by_lang, Mapping):
            raise CodebookError(
                f"extra keywords of {code} must be a list or a mapping of languages to lists",
                path=path,
                value=by_lang,
                hint="write it as 'SD1: {en: [word, ...], ro: [cuvant, ...]}'.",
            )
        out[str(code)] = {str(lang): [str(w) for w in (words or [])] for lang, words in by_lang.items()}
    return out


def direction_lexicon(codebook: Any = None, *, extra_keywords: Any = None, learned: bool = True) -> pd.DataFrame:
    """Every keyword of every direction, with its weight.

    Parameters
    ----------
    codebook : Codebook, path, mapping or None
        Anything :func:`survey_analysis.codebook.read_codebook` reads (None: the
        bundled codebook).
    extra_keywords : path or mapping, optional
        ``{"SD1": {"en": [...], "ro": [...]}, ...}`` added to the codebook's;
        an ``exclude: {"SD3": ["staff"]}`` entry drops codebook keywords that
        are too generic to count as evidence; a ``learned: {"SD1": [...],
        "outside": [...]}`` entry holds keywords selected from labelled
        answers by :func:`learn_keywords` (either language).
    learned : bool, default True
        Include the ``learned`` keywords (the supervised mode leaves them out:
        its classifier learns word weights from the same labelled answers).

    Returns
    -------
    DataFrame
        Columns ``direction``, ``language``, ``keyword``, ``key`` (the folded,
        prefix form that is matched), ``weight``, ``source``
        (codebook/extra/learned).

    Notes
    -----
    A keyword whose matched form appears in :math:`m` directions gets weight
    :math:`1/m`, so words shared by several directions count less.
    """
    book = read_codebook(codebook)
    extra = load_extra_keywords(extra_keywords)
    rows = []
    excluded = extra.pop("exclude", {})
    learned_words = extra.pop("learned", {})
    if learned:
        for code, words in learned_words.items():
            rows += [(code, "any", w, "learned") for w in words if code == OUTSIDE]
    for lang, words in extra.get(OUTSIDE, {}).items():
        rows += [(OUTSIDE, lang, w, "extra") for w in words]
    for code, direction in book.directions.items():
        dropped = {fold_text(w) for w in excluded.get(code, [])}
        for lang, words in direction.keywords.items():
            rows += [(code, lang, w, "codebook") for w in words if fold_text(w) not in dropped]
        for lang, words in extra.get(code, {}).items():
            rows += [(code, lang, w, "extra") for w in words]
        if learned:
            rows += [(code, "any", w, "learned") for w in learned_words.get(code, [])]
    unknown = sorted((set(extra) - {OUTSIDE} | set(excluded) | set(learned_words) - {OUTSIDE}) - set(book.directions))
    if unknown:
        raise CodebookError(
            f"extra keywords name directions not in the codebook: {', '.join(unknown)}",
            value=unknown[0],
            hint=f"use the codebook's direction codes: {', '.join(book.directions)}.",
        )
    table = pd.DataFrame(rows, columns=["direction", "language", "keyword", "source"])
    table["key"] = [Keyword(k, d, lang).key for k, d, lang in zip(table.keyword, table.direction, table.language)]
    # the same word listed in both languages (media, logo, lobby) is one keyword
    table["folded"] = [fold_text(k) for k in table.keyword]
    both = table.groupby(["direction", "folded"])["language"].transform("nunique") > 1
    table.loc[both, "language"] = "any"
    # a learned keyword the codebook or the extra file already lists counts once
    table = table[~((table["source"] == "learned") & table.duplicated(["direction", "key"]))]
    table = table[table["key"] != ""].drop_duplicates(["direction", "language", "key"]).reset_index(drop=True)
    spread = table.groupby("key")["direction"].nunique()
    table["weight"] = 1.0 / table["key"].map(spread).astype(float)
    return table[["direction", "language", "keyword", "key", "weight", "source"]]


def learn_keywords(
    texts: Any, labels: Any, *, min_count: int = 3, min_share: float = 0.8
) -> pd.DataFrame:
    """Words and word pairs that mark one direction in labelled answers.

    Parameters
    ----------
    texts : Series or list of str
        Labelled answers (either language).
    labels : Series or list
        Direction code or ``"outside"`` per answer.
    min_count : int, default 3
        Fewest answers of one direction that must contain the term.
    min_share : float, default 0.8
        Least share of the answers containing the term that belong to that
        direction.

    Returns
    -------
    DataFrame
        One row per selected term: ``direction``, ``keyword`` (folded text),
        ``n`` (answers of that direction containing it), ``share``; sorted by
        direction, then ``n`` descending, then keyword.

    Notes
    -----
    Terms are the folded words of four letters or more, and the pairs of
    adjacent words of three letters or more, that are not function words (EN/RO)
    nor framing words ("propose", "cluster"); each is counted once per answer.
    A term is kept for direction :math:`d` when :math:`n_d \\ge` ``min_count`` and
    :math:`n_d / n \\ge` ``min_share``, with :math:`n` the answers containing it.
    The defaults were chosen by leaving out each of the three files of labelled
    proposals in turn (``data/proposals/README.md``).
    """
    series = as_text_series(texts)
    label_list = list(labels)
    if len(label_list) != len(series):
        raise AnalysisInputError(
            f"labels has {len(label_list)} entries but texts has {len(series)}",
            hint="give one label per answer.",
        )
    if not isinstance(min_count, (int, np.integer)) or min_count < 1 or not 0 < float(min_share) <= 1:
        raise AnalysisInputError(
            f"min_count must be a whole number >= 1 and min_share in (0, 1], got {min_count!r}, {min_share!r}",
            hint="use the defaults min_count=3, min_share=0.8.",
        )
    skip = STOP_EN | STOP_RO | FRAMING
    counts: dict[str, dict[str, int]] = {}
    for text, label in zip(series, label_list):
        if text is None or label is None or (not isinstance(label, str) and pd.isna(label)):
            continue
        tokens = fold_text(text).split()
        terms = {t for t in tokens if t not in skip and len(t) >= 4 and not t.isdigit()}
        terms |= {
            f"{a} {b}" for a, b in zip(tokens, tokens[1:])
            if a not in skip and b not in skip and len(a) >= 3 and len(b) >= 3
        }
        for term in terms:
            by_label = counts.setdefault(term, {})
            by_label[str(label)] = by_label.get(str(label), 0) + 1
    rows = []
    for term, by_label in counts.items():
        total = sum(by_label.values())
        label, n = max(by_label.items(), key=lambda kv: (kv[1], kv[0]))
        if n >= min_count and n / total >= min_share:
            rows.append({"direction": label, "keyword": term, "n": n, "share": n / total})
    table = pd.DataFrame(rows, columns=["direction", "keyword", "n", "share"])
    return table.sort_values(["direction", "n", "keyword"], ascending=[True, False, True], kind="stable").reset_index(
        drop=True
    )


def direction_documents(book: Any, lexicon: pd.DataFrame) -> dict[str, str]:
    docs = {}
    for code, direction in book.directions.items():
        parts = list(direction.name.values()) + list(direction.description.values())
        parts += lexicon.loc[lexicon.direction == code, "keyword"].tolist()
        docs[code] = fold_text(" ".join(parts))
    return docs

