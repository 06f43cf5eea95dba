"""Free-text answers mapped to the strategic directions.

This module owns what members proposed in their own words: every answer (in
English or Romanian, with or without diacritics) is mapped to one of the five
strategic directions SD1-SD5 or to ``"outside"`` (none of the five), with a
score and the runner-up direction; the answers outside all five are grouped
into themes with their top terms and representative quotes.

Two modes:

* **supervised**: a logistic regression on character n-grams of the folded
  text plus the lexicon scores below.  It is trained on the analyst's labels
  when given, otherwise (the default) on the 740 labelled proposals shipped in
  ``data/proposals/`` (:data:`DEFAULT_TRAINING`), provided the codebook's
  directions are the bundled SD1-SD5.
* **lexicon** (``training=None``, or a codebook with other directions): each
  direction is described by the codebook (name, description and keywords in
  both languages, plus the extra and learned keywords of
  ``data/proposals/extra_keywords.yml``); an answer's score for a direction
  combines its keyword evidence with the TF-IDF similarity to the direction's
  text, smoothed towards the mean score of its cluster of similar answers
  (k-means on the answers' TF-IDF).

Figures of both modes on data they were not tuned on are in
``data/proposals/README.md``.

See :class:`TextMapper`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import yaml
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from .codebook import fold_diacritics, project_file, read_codebook
from .errors import (
    AnalysisInputError,
    CodebookError,
    EmptyFileError,
    FileProblemError,
    HeaderProblemError,
)

__all__ = [
    "OUTSIDE",
    "BLANK",
    "DEFAULT_THRESHOLD",
    "DEFAULT_EXTRA_KEYWORDS",
    "fold_text",
    "detect_language",
    "direction_lexicon",
    "learn_keywords",
    "DEFAULT_TRAINING",
    "read_training_proposals",
    "TextMapper",
    "direction_counts",
    "choose_threshold",
    "read_text_column",
    "map_text_result",
]

#: Label of answers outside the five directions.
OUTSIDE = "outside"
#: Label of empty answers (kept as rows, never dropped).
BLANK = "(blank)"

#: Default lexicon score below which an answer is "outside".  Chosen on the
#: 260 labelled development proposals (``data/proposals/labelled_proposals.csv``)
#: with the default weights and keyword file: macro-F1 of the lexicon mode,
#: computed for thresholds 0.05-0.60 (step 0.01, :func:`choose_threshold`), is
#: at its highest (0.939-0.943) on the plateau 0.26-0.35 and falls below 0.93
#: under 0.20 and above 0.40; 0.30 is the middle of the plateau.  Answers with
#: no keyword of any direction score about 0.1-0.25 (character similarity
#: alone), one keyword near the start of an answer gives about 0.45 or more.
#: Rechecked with the learned keywords by leaving out each file of the 740
#: development proposals in turn (mean macro-F1 0.779 at 0.25, 0.783 at 0.30,
#: 0.771 at 0.35).
#: Choose it again on an analyst's own labels with :func:`choose_threshold`.
DEFAULT_THRESHOLD = 0.30

#: Extra keywords shipped with the project (EN and RO per direction), used in
#: addition to the codebook's when present.
DEFAULT_EXTRA_KEYWORDS = project_file("data", "proposals", "extra_keywords.yml")

#: Labelled proposals shipped with the project (``data/proposals/``): the
#: training data of the default mode when :meth:`TextMapper.fit` gets no labels.
DEFAULT_TRAINING = project_file("data", "proposals")
#: The files of :data:`DEFAULT_TRAINING` read as training data (columns ``text``
#: and ``direction``; 740 proposals in all).
DEFAULT_TRAINING_FILES = ("labelled_proposals.csv", "heldout_proposals.csv", "training_extra.csv")

_TOKEN = re.compile(r"[a-z0-9]+")

# Function words, folded (no diacritics); used for language detection and
# removed from the word features.
_STOP_EN = frozenset(
    """a an and are as at be by can could do for from has have how i in into is it its
    more most must need not of on or our should so than that the their them there
    these they this to too up us was we what when which who will with would you your
    also all any each every other some only very such same new now out own just""".split()
)
_STOP_RO = frozenset(
    """a al ale am ar au ca care cat ce cei cele cu cum da daca de despre din dintre
    doar e este eu fi fie fost iar il in intre isi la le lor lui mai mult ne nici noi
    nostri noastre nostru nu o ori pe pentru prin sa sau se si sunt ta te tot toate
    toti un una unei unor unui va vor acum acest aceasta aceste acesta atunci avem
    are fiecare cand unde asa deja ii le""".split()
)
# Words that frame a proposal rather than say what it is about.
_FRAMING = frozenset(
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
    return " ".join(_TOKEN.findall(folded))


def detect_language(text: Any) -> str:
    """``"en"``, ``"ro"`` or ``"unknown"`` by counting function words."""
    tokens = fold_text(text).split()
    en = sum(t in _STOP_EN for t in tokens)
    ro = sum(t in _STOP_RO for t in tokens)
    if en == ro:
        return "unknown"
    return "en" if en > ro else "ro"


def _stem(token: str) -> str:
    # Truncation stemming: cheap, language-neutral, good enough for features.
    return token[:6]


def _word_analyzer(text: str) -> list[str]:
    tokens = [
        t for t in text.split() if t not in _STOP_EN and t not in _STOP_RO and t not in _FRAMING and len(t) > 1
    ]
    stems = [_stem(t) for t in tokens]
    return stems + [f"{a}_{b}" for a, b in zip(stems, stems[1:])]


# English and Romanian inflection endings a short keyword may take (plural,
# article, case): "curs" matches "cursuri", "cursurile"; "site" "siteul".
_ENDINGS = (
    r"(?:s|es|ed|ing|ings|er|ers|e|a|i|ii|ei|ul|ului|le|lor|ile|ilor|uri|urile|urilor|"
    r"ele|elor|ea|ia|iei|ri|rile|rilor)?\b"
)


# Concerns outside the five directions, in English and Romanian: a folded word
# beginning with one of the prefixes is read as the concept (first item), so
# that answers on the same concern group together whatever their language.
_THEME_CONCEPTS = {
    "parking": ("parking", "parca", "car park"),
    "transport": ("transport", "bus", "buses", "autobuz", "tramv", "metro"),
    "salary": ("salar", "wage", "remuner", "sporur", "bonus"),
    "energy": ("energ", "electric", "solar", "panour", "panel"),
    "bill": ("bill", "factur"),
    "cooling": ("cool", "racir", "canicul", "heatwav", "conditioning", "conditionat"),
    "heating": ("heating", "incalzi"),
    "canteen": ("cantee", "cantin", "food", "mancar", "meal"),
    "kindergarten": ("kinderg", "gradinit", "nurser", "cresa", "childcare"),
    "waste": ("waste", "deseu", "dispos", "elimin", "recycl", "recicl"),
    "cleaning": ("clean", "curaten"),
    "accessibility": ("accessib", "accesib", "wheelch", "rotile", "ramp", "lift", "elevator"),
    "insurance": ("insur", "asigur", "malprac", "malprax"),
    "cyberattack": ("ransom", "cyber", "hacker", "informatic", "atac", "attack"),
    "leak": ("leak", "scurger", "breach"),
    "veterinary": ("veterin", "pets", "animal", "horse"),
    "violence": ("aggress", "agresi", "violen", "paza", "guard", "assault"),
    "renovation": ("renov", "waiting", "asteptar"),
    "paper": ("paper", "hartie", "print"),
    "bicycle": ("bicyc", "bicicl", "cycle", "shower", "dusur"),
    "chemicals": ("chemic", "chimic"),
    "server": ("server",),
}
# Words nearly every answer of a hospital's staff contains: no theme in them.
_THEME_GENERIC = (
    "hospital", "spital", "patient", "pacient", "staff", "personal", "angajat", "employee",
    "imaging", "imagistic", "radiolog", "department", "sectie", "sectia", "clinic", "doctor",
    "medic", "member", "membr",
)
_CONCEPT_PREFIXES = sorted(
    ((prefix, concept) for concept, prefixes in _THEME_CONCEPTS.items() for prefix in prefixes),
    key=lambda item: -len(item[0]),
)


def _theme_text(folded: str) -> str:
    """Folded answer with concern words read as their concept, generic words dropped."""
    text = folded
    for phrase, concept in ((p, c) for p, c in _CONCEPT_PREFIXES if " " in p):
        text = text.replace(phrase, concept)
    out = []
    for token in text.split():
        concept = next((c for p, c in _CONCEPT_PREFIXES if " " not in p and token.startswith(p)), None)
        if concept is not None:
            out.append(concept)
        elif not token.startswith(_THEME_GENERIC):
            out.append(token)
    return " ".join(out)


def _prefix(token: str) -> str:
    """How much of a keyword token must begin a word of the answer."""
    if len(token) <= 5:
        return token
    if len(token) <= 8:
        return token[: max(5, len(token) - 2)]
    return token[: len(token) - 3]


class _Keyword:
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
                parts.append(re.escape(tok) + _ENDINGS)
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


def _load_extra_keywords(source: Any) -> dict[str, dict[str, list[str]]]:
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
    extra = _load_extra_keywords(extra_keywords)
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
    table["key"] = [_Keyword(k, d, lang).key for k, d, lang in zip(table.keyword, table.direction, table.language)]
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
    series = _as_text_series(texts)
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
    skip = _STOP_EN | _STOP_RO | _FRAMING
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


def _direction_documents(book: Any, lexicon: pd.DataFrame) -> dict[str, str]:
    docs = {}
    for code, direction in book.directions.items():
        parts = list(direction.name.values()) + list(direction.description.values())
        parts += lexicon.loc[lexicon.direction == code, "keyword"].tolist()
        docs[code] = fold_text(" ".join(parts))
    return docs


def read_training_proposals(source: Any = DEFAULT_TRAINING) -> pd.DataFrame:
    """Labelled proposals to train the supervised mode on.

    Parameters
    ----------
    source : path or DataFrame, default :data:`DEFAULT_TRAINING`
        A directory (its files :data:`DEFAULT_TRAINING_FILES` that exist), a
        CSV file, or a DataFrame, with columns ``text`` and ``direction``.

    Returns
    -------
    DataFrame
        Columns ``text`` and ``direction`` (strings), rows with an empty text
        or direction left out (they carry no example), index ``0..n-1``.
    """
    if isinstance(source, pd.DataFrame):
        tables = [source]
        where = None
    else:
        where = Path(source)
        if where.is_dir():
            files = [where / name for name in DEFAULT_TRAINING_FILES if (where / name).is_file()]
        elif where.is_file():
            files = [where]
        else:
            files = []
        if not files:
            raise FileProblemError(
                "no labelled proposals found to train on",
                path=where,
                hint="give a CSV file with columns text and direction, or training=None for the lexicon mode.",
            )
        tables = [pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig") for f in files]
    for table in tables:
        missing = [c for c in ("text", "direction") if c not in table.columns]
        if missing:
            raise HeaderProblemError(
                f"the training proposals have no column {', '.join(missing)}",
                path=where,
                value=list(map(str, table.columns)),
                hint="name the columns text and direction.",
            )
    joined = pd.concat([t[["text", "direction"]] for t in tables], ignore_index=True).astype("object")
    keep = joined["text"].map(lambda v: bool(fold_text(v))) & joined["direction"].map(
        lambda v: isinstance(v, str) and bool(v.strip())
    )
    out = joined[keep].reset_index(drop=True)
    return pd.DataFrame({"text": out["text"].astype(str), "direction": out["direction"].astype(str).str.strip()})


def _as_text_series(texts: Any) -> pd.Series:
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


class TextMapper:
    r"""Map free-text answers to strategic directions (or ``"outside"``).

    Parameters
    ----------
    codebook : Codebook, path, mapping or None
        The directions with their names, descriptions and keywords (None: the
        bundled codebook).
    extra_keywords : path, mapping or None, default :data:`DEFAULT_EXTRA_KEYWORDS`
        Keywords added to the codebook's (``None`` for the codebook alone).
        The default file is used only when it exists.
    threshold : float, default :data:`DEFAULT_THRESHOLD`
        Lexicon mode: an answer whose best score is below it is ``"outside"``.
    keyword_weight, similarity_weight : float, default 1.0 and 1.5
        Lexicon score: ``keyword_weight * (1 - exp(-hits)) +
        similarity_weight * cosine``.
    cluster_weight : float, default 0.25
        Share of an answer's lexicon score taken from the mean score of its
        cluster of similar answers (0 turns the clustering off).
    outside_weight : float, default 1.0
        Strength of the ``outside`` keywords (parking, salaries, energy...):
        every direction's score is multiplied by ``exp(-outside_weight * h)``
        with ``h`` their position-weighted hits (0 ignores them).
    position_weight : float, default 3.0
        How much less a keyword counts the later it comes in the answer: a
        keyword at relative position ``p`` (0 = first character, 1 = last)
        counts ``1 / (1 + position_weight * p)``.
    n_clusters : int or None
        Clusters of answers; None: ``round(sqrt(n / 2))`` clamped to 2..30.
    C : float, default 100.0
        Inverse regularisation of the supervised logistic regression.
    lexicon_feature_weight : float, default 2.0
        Supervised mode: scale of the lexicon scores (one per direction, and
        their maximum) appended to the TF-IDF features.
    cv : int, default 5
        Folds of the cross-validated macro-F1 (supervised mode on the
        analyst's labels).
    training : path, DataFrame or None, default :data:`DEFAULT_TRAINING`
        Labelled proposals (columns ``text``, ``direction``; see
        :func:`read_training_proposals`) the supervised mode is trained on when
        :meth:`fit` gets no labels.  The default, the proposals shipped in
        ``data/proposals/``, is used only when its files exist and the
        codebook's direction codes are theirs (SD1-SD5); otherwise, and with
        ``None``, the lexicon mode maps the answers from the codebook alone.
    random_state : int, default 0

    Attributes
    ----------
    mode_ : {"lexicon", "supervised"}
    trained_on_ : {"labels", "training", "none"}
        What the supervised mode learned from: the labels passed to
        :meth:`fit`, the ``training`` proposals, or nothing (lexicon mode).
    training_note_ : str
        Why the default training proposals were not used (empty otherwise).
    directions_ : list of str
        Direction codes (and ``"outside"`` in supervised mode when labelled).
    lexicon_ : DataFrame
        See :func:`direction_lexicon`.
    cluster_table_ : DataFrame
        Lexicon mode: one row per answer cluster with ``cluster``, ``n``,
        ``direction`` (best mean score, or outside), ``score``, ``top_terms``.
    cv_macro_f1_ : float
        Supervised mode: cross-validated macro-F1 on the labelled answers
        (NaN when trained on the ``training`` proposals: not recomputed at
        every fit, see ``data/proposals/README.md``).
    cv_report_ : DataFrame
        Supervised mode: per-class precision, recall, F1 and support (cv).
    mapped_ : DataFrame
        The mapping of the answers passed to ``fit`` (see :meth:`transform`).

    Notes
    -----
    Lexicon score of answer :math:`a` for direction :math:`d`:

    .. math:: s_{ad} = e^{-w_o h_{ao}}\,\bigl[w_k\,(1 - e^{-h_{ad}}) + w_s\,\cos(x_a, x_d)\bigr]

    where :math:`h_{ad} = \sum_{\kappa} w_\kappa / (1 + w_p\,p_\kappa)` sums over the
    keywords :math:`\kappa` of :math:`d` found in :math:`a` their weight
    (:func:`direction_lexicon`) discounted by the relative position
    :math:`p_\kappa \in [0, 1]` of their first occurrence, since a proposal
    usually states its main intent first (:math:`w_p` = ``position_weight``;
    keywords are matched on folded text by word prefix, so inflected Romanian
    forms match, while a word of four or five letters takes only an inflection
    ending, so "stand" does not match "standards"; a keyword of three letters or fewer
    counts only in answers of its own language, as "AI" is the Romanian word
    "ai"), :math:`x` are TF-IDF vectors of
    character 3-5-grams within words and :math:`x_d` is built from the
    direction's names, descriptions and keywords in both languages;
    :math:`h_{ao}` is the same sum over the ``outside`` keywords of the extra
    keyword file (concerns none of the directions serves: parking, salaries,
    energy, incidents), and :math:`w_o` = ``outside_weight``.  With
    :math:`c(a)` the k-means cluster of :math:`a` (on word-stem and character
    TF-IDF of the answers), the final score is
    :math:`(1-\lambda) s_{ad} + \lambda\,\overline{s}_{c(a)d}`.  The answer
    goes to :math:`\arg\max_d`, or to ``"outside"`` when the maximum is below
    ``threshold``.

    The threshold is a property of the scores, not of the data: its default
    was chosen once on the labelled development proposals shipped with the
    project (highest macro-F1, see :data:`DEFAULT_THRESHOLD`), and an analyst
    with labelled answers of their own can choose it again with
    :func:`choose_threshold` (or use the supervised mode).

    Supervised mode: the features of an answer are the L2-normalised TF-IDF
    (sublinear term frequency) of the character 2-5-grams within words of its
    folded text, followed by ``lexicon_feature_weight`` times its lexicon
    scores :math:`s_{ad}` (computed without the ``learned`` keywords) and their
    maximum; a multinomial logistic regression with L2 penalty (``C``) and
    class weights inversely proportional to the class sizes gives the
    probability of each direction and of ``"outside"``; the answer goes to the
    most probable.  ``C``, the n-gram range and the weights were chosen by
    cross-validation on the 740 bundled proposals, leaving out each of their
    three files (three authors) in turn.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P., & Schütze, H. (2008). *Introduction to
       Information Retrieval*, ch. 6 (tf-idf, cosine) and ch. 16 (k-means).
    .. [2] McNamee, P., & Mayfield, J. (2004). Character n-gram tokenization for
       European language text retrieval. *Information Retrieval*, 7, 73-97.
    """

    def __init__(
        self,
        codebook: Any = None,
        *,
        extra_keywords: Any = DEFAULT_EXTRA_KEYWORDS,
        threshold: float = DEFAULT_THRESHOLD,
        keyword_weight: float = 1.0,
        similarity_weight: float = 1.5,
        cluster_weight: float = 0.25,
        outside_weight: float = 1.0,
        position_weight: float = 3.0,
        n_clusters: int | None = None,
        C: float = 100.0,
        lexicon_feature_weight: float = 2.0,
        cv: int = 5,
        training: Any = DEFAULT_TRAINING,
        random_state: int = 0,
    ) -> None:
        self.codebook = codebook
        self.extra_keywords = extra_keywords
        self.threshold = threshold
        self.keyword_weight = keyword_weight
        self.similarity_weight = similarity_weight
        self.cluster_weight = cluster_weight
        self.outside_weight = outside_weight
        self.position_weight = position_weight
        self.n_clusters = n_clusters
        self.C = C
        self.lexicon_feature_weight = lexicon_feature_weight
        self.cv = cv
        self.training = training
        self.random_state = random_state

    # ---- features ------------------------------------------------------------------------
    def _features(self, folded: list[str]) -> sparse.csr_matrix:
        words = self.word_vectorizer_.transform(folded)
        chars = self.char_vectorizer_.transform(folded)
        return normalize(sparse.hstack([words, chars]).tocsr())

    def _supervised_features(self, folded: list[str]) -> sparse.csr_matrix:
        # character 2-5-grams within words of the folded text plus the lexicon
        # evidence (one score per direction and the best score), so the
        # classifier starts from what the codebook says
        lexicon = self._lexicon_scores(folded, [detect_language(t) for t in folded])
        dense = np.hstack([lexicon, lexicon.max(axis=1, keepdims=True)]) * self.lexicon_feature_weight
        chars = normalize(self.supervised_vectorizer_.transform(folded))
        return sparse.hstack([chars, sparse.csr_matrix(dense)]).tocsr()

    def _keyword_hits(self, folded: list[str], languages: list[str]) -> np.ndarray:
        # one column per direction, then one for the "outside" keywords
        codes = self.direction_codes_ + [OUTSIDE]
        hits = np.zeros((len(folded), len(codes)))
        by_head: dict[str, list[_Keyword]] = {}
        for kw in self._keywords:
            by_head.setdefault(kw.head, []).append(kw)
        for i, (text, lang) in enumerate(zip(folded, languages)):
            if not text:
                continue
            heads = {w[:3] for w in text.split()}
            candidates = [kw for h in heads for kw in by_head.get(h, ())]
            for kw in candidates:
                # Short keywords ("AI") are words of another meaning in the other
                # language ("ai" in Romanian): they count only in their own
                # language.  Longer ones count in both, as loanwords (website,
                # brand, workshop) are common in Romanian answers.
                if kw.short and kw.language in ("en", "ro") and lang != kw.language:
                    continue
                found = kw.pattern.search(text) if kw.pattern is not None else None
                if found is not None:
                    # a proposal usually states its intent first: a keyword at the
                    # start counts fully, one at the very end half as much
                    position = found.start() / max(len(text), 1)
                    hits[i, codes.index(kw.direction)] += kw.weight / (1.0 + self.position_weight * position)
        return hits

    def _lexicon_scores(self, folded: list[str], languages: list[str]) -> np.ndarray:
        hits = self._keyword_hits(folded, languages)
        chars = normalize(self.char_vectorizer_.transform(folded))
        similarity = (chars @ self.direction_vectors_.T).toarray()
        # evidence of a concern outside the five directions (parking, salaries,
        # energy) scales every direction's score down
        damping = np.exp(-self.outside_weight * hits[:, -1:])
        return damping * (
            self.keyword_weight * (1.0 - np.exp(-hits[:, :-1])) + self.similarity_weight * similarity
        )

    # ---- fitting -------------------------------------------------------------------------
    def fit(self, texts: Any, labels: Any = None) -> "TextMapper":
        """Learn the mapping from the answers (and labels, when given).

        Parameters
        ----------
        texts : Series or list of str
            The free-text answers.
        labels : Series or list, optional
            Direction code or ``"outside"`` per answer; missing values mark
            unlabelled answers.  Given: supervised mode on the labelled ones.

        Returns
        -------
        self
        """
        for name in (
            "threshold", "keyword_weight", "similarity_weight", "cluster_weight", "C", "lexicon_feature_weight",
            "outside_weight", "position_weight",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise AnalysisInputError(
                    f"{name} must be a non-negative number, got {value!r}",
                    value=value,
                    hint=f"pass {name} as a number such as the default.",
                )
        if self.cluster_weight > 1:
            raise AnalysisInputError(
                f"cluster_weight must lie in 0..1, got {self.cluster_weight!r}",
                value=self.cluster_weight,
                hint="use a share such as 0.25, or 0 to turn the clustering off.",
            )
        series = _as_text_series(texts)
        folded = [fold_text(t) for t in series]
        with threadpool_limits(limits=1):
            return self._fit(series, folded, labels)

    def _training_proposals(self, book: Any) -> pd.DataFrame | None:
        """The training proposals for a fit without labels (None: lexicon mode)."""
        self.training_note_ = ""
        if self.training is None:
            return None
        default = isinstance(self.training, (str, Path)) and Path(self.training) == DEFAULT_TRAINING
        if default and not any((DEFAULT_TRAINING / name).is_file() for name in DEFAULT_TRAINING_FILES):
            self.training_note_ = "the bundled labelled proposals are absent: lexicon mode"
            return None
        table = read_training_proposals(self.training)
        if default and set(table["direction"]) - {OUTSIDE} != set(book.directions):
            # the bundled labels are SD1-SD5 of the bundled codebook; another
            # codebook's directions are mapped from its own keywords
            self.training_note_ = (
                "the codebook's directions are not those of the bundled labelled proposals: lexicon mode"
            )
            return None
        return table

    def _fit(self, series: pd.Series, folded: list[str], labels: Any) -> "TextMapper":
        book = read_codebook(self.codebook)
        extra = self.extra_keywords
        if isinstance(extra, (str, Path)) and Path(extra) == DEFAULT_EXTRA_KEYWORDS and not Path(extra).is_file():
            extra = None
        self.direction_codes_ = list(book.directions)
        training = self._training_proposals(book) if labels is None else None
        supervised = labels is not None or training is not None
        # the learned keywords come from the same labelled proposals a
        # classifier learns from: the lexicon mode only
        self.lexicon_ = direction_lexicon(book, extra_keywords=extra, learned=not supervised)
        self.direction_names_ = {c: d.name.get("en", c) for c, d in book.directions.items()}
        self._keywords = []
        for row in self.lexicon_.itertuples():
            kw = _Keyword(row.keyword, row.direction, row.language)
            kw.weight = float(row.weight)
            self._keywords.append(kw)
        documents = _direction_documents(book, self.lexicon_)
        if training is not None:
            train_series = training["text"]
            train_folded = [fold_text(t) for t in train_series]
            corpus = train_folded + list(documents.values())
        else:
            corpus = [t for t in folded if t] + list(documents.values())
        self.word_vectorizer_ = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, min_df=1)
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1
        )
        self.word_vectorizer_.fit(corpus)
        self.char_vectorizer_.fit(corpus)
        self.direction_vectors_ = normalize(
            self.char_vectorizer_.transform([documents[c] for c in self.direction_codes_])
        )

        if labels is not None:
            self._fit_supervised(series, folded, labels)
            self.trained_on_ = "labels"
        elif training is not None:
            self._fit_supervised(train_series, train_folded, training["direction"], cross_validate=False)
            self.trained_on_ = "training"
        else:
            self.trained_on_ = "none"
            self.mode_ = "lexicon"
            self.directions_ = list(self.direction_codes_)
            self._fit_clusters(folded)
        self.mapped_ = self._transform(series, folded)
        return self

    def _fit_clusters(self, folded: list[str]) -> None:
        answered = [i for i, t in enumerate(folded) if t]
        languages = [detect_language(t) for t in folded]
        scores = self._lexicon_scores(folded, languages)
        self._answer_clusters = np.full(len(folded), -1)
        self.cluster_centres_ = None
        self.cluster_scores_ = None
        n = len(answered)
        if n < 4 or self.cluster_weight == 0:
            self.cluster_table_ = pd.DataFrame(columns=["cluster", "n", "direction", "score", "top_terms"])
            return
        k = self.n_clusters or int(min(30, max(2, round(math.sqrt(n / 2)))))
        k = min(int(k), n - 1)
        features = self._features([folded[i] for i in answered])
        model = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(features)
        self._answer_clusters[answered] = model.labels_
        self.cluster_centres_ = model.cluster_centers_
        cluster_scores = np.vstack(
            [scores[answered][model.labels_ == j].mean(axis=0) for j in range(k)]
        )
        self.cluster_scores_ = cluster_scores
        vocabulary = np.array(self.word_vectorizer_.get_feature_names_out())
        n_words = len(vocabulary)
        rows = []
        for j in range(k):
            best = int(cluster_scores[j].argmax())
            top = cluster_scores[j, best]
            centre = model.cluster_centers_[j, :n_words]
            terms = [t for t in vocabulary[np.argsort(-centre)[:6]] if "_" not in t][:4]
            rows.append(
                {
                    "cluster": j,
                    "n": int((model.labels_ == j).sum()),
                    "direction": self.direction_codes_[best] if top >= self.threshold else OUTSIDE,
                    "score": float(top),
                    "top_terms": ", ".join(terms),
                }
            )
        self.cluster_table_ = pd.DataFrame(rows)

    def _fit_supervised(
        self, series: pd.Series, folded: list[str], labels: Any, *, cross_validate: bool = True
    ) -> None:
        label_series = pd.Series(list(labels) if not isinstance(labels, pd.Series) else labels.tolist())
        if len(label_series) != len(series):
            raise AnalysisInputError(
                f"labels has {len(label_series)} entries but texts has {len(series)}",
                hint="give one label per answer (missing for unlabelled ones).",
            )
        allowed = set(self.direction_codes_) | {OUTSIDE}
        known = label_series.notna() & pd.Series([bool(t) for t in folded])
        wrong = sorted({str(v) for v in label_series[known] if str(v) not in allowed})
        if wrong:
            raise AnalysisInputError(
                f"labels must be direction codes or '{OUTSIDE}', found {', '.join(wrong[:5])}",
                value=wrong[0],
                hint=f"use {', '.join(sorted(allowed))}.",
            )
        y = label_series[known].astype(str).to_numpy()
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise AnalysisInputError(
                "supervised mapping needs labelled answers of at least two directions",
                value=list(classes),
                hint="label more answers, or call fit(texts) without labels for the lexicon mode.",
            )
        train = [folded[i] for i in np.flatnonzero(known.to_numpy())]
        self.supervised_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
        ).fit(train)
        X = self._supervised_features(train)
        self.classifier_ = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)
        folds = int(min(self.cv, counts.min())) if cross_validate else 0
        if folds >= 2:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
            predicted = cross_val_predict(self.classifier_, X, y, cv=splitter)
            self.cv_macro_f1_ = float(f1_score(y, predicted, average="macro"))
            per_class = f1_score(y, predicted, average=None, labels=classes)
            self.cv_report_ = pd.DataFrame({"direction": classes, "f1": per_class, "support": counts})
        else:
            self.cv_macro_f1_ = float("nan")
            self.cv_report_ = pd.DataFrame({"direction": classes, "f1": np.nan, "support": counts})
        self.cv_folds_ = folds
        self.classifier_.fit(X, y)
        self.mode_ = "supervised"
        self.directions_ = [str(c) for c in self.classifier_.classes_]

    # ---- mapping -------------------------------------------------------------------------
    def transform(self, texts: Any) -> pd.DataFrame:
        """Map answers to directions.

        Returns
        -------
        DataFrame
            Same index as ``texts``; columns ``language`` (en/ro/unknown),
            ``direction`` (a direction code, ``"outside"``, or ``"(blank)"`` for
            an empty answer), ``score`` (lexicon score, from 0 up to
            ``keyword_weight + similarity_weight``, or the classifier's
            probability), ``runner_up`` and ``runner_up_score`` (the next best
            direction), ``cluster`` (lexicon mode: the answer's cluster; -1 when
            not clustered).
        """
        self._check_fitted()
        series = _as_text_series(texts)
        with threadpool_limits(limits=1):
            return self._transform(series, [fold_text(t) for t in series])

    def _transform(self, series: pd.Series, folded: list[str]) -> pd.DataFrame:
        languages = [detect_language(t) for t in folded]
        answered = np.array([bool(t) for t in folded])
        clusters = np.full(len(folded), -1)
        if self.mode_ == "supervised":
            codes = self.directions_
            scores = np.zeros((len(folded), len(codes)))
            if answered.any():
                X = self._supervised_features([t for t, a in zip(folded, answered) if a])
                scores[answered] = self.classifier_.predict_proba(X)
        else:
            codes = self.direction_codes_
            scores = self._lexicon_scores(folded, languages)
            if self.cluster_scores_ is not None and answered.any():
                X = self._features([t for t, a in zip(folded, answered) if a])
                centres = self.cluster_centres_
                d2 = (
                    np.asarray(X.multiply(X).sum(axis=1))
                    - 2 * np.asarray(X @ centres.T)
                    + (centres**2).sum(axis=1)[None, :]
                )
                nearest = d2.argmin(axis=1)
                clusters[answered] = nearest
                lam = self.cluster_weight
                scores[answered] = (1 - lam) * scores[answered] + lam * self.cluster_scores_[nearest]
        order = np.argsort(-scores, axis=1, kind="stable")
        rows = np.arange(len(folded))
        best, second = order[:, 0], order[:, 1] if scores.shape[1] > 1 else order[:, 0]
        best_score = scores[rows, best]
        direction = np.array([codes[i] for i in best], dtype=object)
        runner = np.array([codes[i] for i in second], dtype=object)
        runner_score = scores[rows, second]
        if self.mode_ == "lexicon":
            low = best_score < self.threshold
            # an outside answer's runner-up is its best direction
            runner = np.where(low, direction, runner)
            runner_score = np.where(low, best_score, runner_score)
            direction = np.where(low, OUTSIDE, direction)
        direction = np.where(answered, direction, BLANK)
        out = pd.DataFrame(
            {
                "language": np.where(answered, languages, "unknown"),
                "direction": direction,
                "score": np.where(answered, best_score, np.nan),
                "runner_up": np.where(answered, runner, None),
                "runner_up_score": np.where(answered, runner_score, np.nan),
                "cluster": clusters,
            },
            index=series.index,
        )
        out["runner_up"] = out["runner_up"].astype("object").where(answered, None)
        return out

    def fit_transform(self, texts: Any, labels: Any = None) -> pd.DataFrame:
        """Fit and return the mapping of ``texts`` (see :meth:`transform`)."""
        return self.fit(texts, labels).mapped_

    def direction_scores(self, texts: Any) -> pd.DataFrame:
        """Lexicon score of every answer for every direction (before clustering).

        Returns
        -------
        DataFrame
            Same index as ``texts``, one column per direction code.
        """
        self._check_fitted()
        series = _as_text_series(texts)
        folded = [fold_text(t) for t in series]
        with threadpool_limits(limits=1):
            scores = self._lexicon_scores(folded, [detect_language(t) for t in folded])
        return pd.DataFrame(scores, index=series.index, columns=self.direction_codes_)

    # ---- themes of outside answers ---------------------------------------------------------
    def themes(
        self,
        texts: Any,
        mapped: pd.DataFrame | None = None,
        *,
        n_themes: int | None = None,
        n_terms: int = 5,
        n_quotes: int = 3,
    ) -> pd.DataFrame:
        """Group the answers mapped ``"outside"`` into themes.

        Parameters
        ----------
        texts : Series or list of str
            The answers (as passed to :meth:`transform`).
        mapped : DataFrame, optional
            Their mapping; computed when not given.
        n_themes : int, optional
            Number of themes; None chooses 2..8 by the silhouette (cosine), or
            one theme when there are fewer than 6 outside answers.
        n_terms, n_quotes : int
            Top terms and representative quotes per theme.

        Returns
        -------
        DataFrame
            One row per theme: ``theme`` (1 = largest), ``n``, ``top_terms``
            (the words with the highest mean TF-IDF weight), ``quotes`` (list of
            the answers closest to the theme centre, original wording),
            ``answers`` (index labels of the answers in the theme).  Top terms
            are word stems shown as the word they most often stand for;
            near-identical answers are quoted once.
        """
        self._check_fitted()
        series = _as_text_series(texts)
        if mapped is None:
            mapped = self.transform(series)
        outside = series[(mapped["direction"] == OUTSIDE).to_numpy()]
        columns = ["theme", "n", "top_terms", "quotes", "answers"]
        if outside.empty:
            return pd.DataFrame(columns=columns)
        folded = [fold_text(t) for t in outside]
        # the same concern in either language becomes the same words (parcare ->
        # parking), and words every answer shares (hospital, patients) are dropped
        themed = [_theme_text(t) for t in folded]
        words = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True).fit(themed)
        content = [" ".join(_word_analyzer(t)[: len(t.split())]) for t in themed]
        # character n-grams of the content words let the remaining cognates
        # (audit/audit energetic, renovation/renovarea) fall into one theme
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True).fit(content)
        W = normalize(words.transform(themed))
        X = normalize(sparse.hstack([W, normalize(chars.transform(content))]).tocsr())
        n = X.shape[0]
        with threadpool_limits(limits=1):
            labels = self._theme_labels(X, n, n_themes)
        vocabulary = np.array(words.get_feature_names_out())
        # show each stem as the word it most often stands for in these answers
        spelled: dict[str, dict[str, int]] = {}
        for text in themed:
            for token in text.split():
                counts = spelled.setdefault(_stem(token), {})
                counts[token] = counts.get(token, 0) + 1
        rows = []
        for j in np.unique(labels):
            members = np.flatnonzero(labels == j)
            centre = np.asarray(W[members].mean(axis=0)).ravel()
            order = [i for i in np.argsort(-centre) if centre[i] > 0 and "_" not in vocabulary[i]]
            terms = [
                max(spelled[v].items(), key=lambda kv: (kv[1], -len(kv[0])))[0] if v in spelled else v
                for v in vocabulary[order[:n_terms]]
            ]
            closeness = np.asarray(W[members] @ centre).ravel()
            quotes, said = [], set()
            for i in np.argsort(-closeness, kind="stable"):
                # near-identical answers ("We suggest X" / "X") are quoted once
                gist = " ".join(sorted(set(_word_analyzer(folded[members[i]]))))
                if gist in said:
                    continue
                said.add(gist)
                quotes.append(str(outside.iloc[members[i]]))
                if len(quotes) == n_quotes:
                    break
            rows.append(
                {
                    "n": len(members),
                    "top_terms": ", ".join(terms),
                    "quotes": quotes,
                    "answers": [outside.index[i] for i in members],
                }
            )
        table = pd.DataFrame(rows).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)
        table.insert(0, "theme", range(1, len(table) + 1))
        return table[columns]

    def _theme_labels(self, X: sparse.csr_matrix, n: int, n_themes: int | None) -> np.ndarray:
        from sklearn.metrics import silhouette_score

        if n_themes is not None:
            if not isinstance(n_themes, (int, np.integer)) or n_themes < 1:
                raise AnalysisInputError(
                    f"n_themes must be a whole number of at least 1, got {n_themes!r}",
                    value=n_themes,
                    hint="pass n_themes=None to choose it from the answers.",
                )
            k = min(int(n_themes), n)
            if k == 1:
                return np.zeros(n, dtype=int)
            return KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit_predict(X)
        if n < 6:
            return np.zeros(n, dtype=int)
        best, best_labels = -2.0, np.zeros(n, dtype=int)
        for k in range(2, min(8, n - 1) + 1):
            labels = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit_predict(X)
            if len(np.unique(labels)) < 2:
                continue
            score = silhouette_score(X, labels, metric="cosine")
            if score > best + 1e-9:
                best, best_labels = score, labels
        return best_labels

    def _check_fitted(self) -> None:
        if not hasattr(self, "mode_"):
            raise AnalysisInputError(
                "this TextMapper is not fitted yet",
                hint="call .fit(texts) (or .fit(texts, labels)) first.",
            )


# ---- helpers ---------------------------------------------------------------------------------

def choose_threshold(
    scores: pd.Series,
    best: pd.Series,
    truth: pd.Series,
    *,
    grid: Iterable[float] | None = None,
) -> tuple[float, pd.DataFrame]:
    """Choose the "outside" threshold that maximises macro-F1 on labelled answers.

    Parameters
    ----------
    scores : Series
        Best lexicon score of each answer (``mapped["score"]`` for inside
        answers; use :meth:`TextMapper.direction_scores` ``.max(axis=1)`` to
        include all).
    best : Series
        Best direction of each answer ignoring the threshold.
    truth : Series
        True direction code or ``"outside"``.
    grid : iterable of float, optional
        Thresholds tried; default 0.05..0.60 by 0.01.

    Returns
    -------
    threshold : float
        The best threshold (the smallest one among ties).
    table : DataFrame
        ``threshold``, ``macro_f1``, ``outside_share`` for every value tried.
    """
    grid = np.round(np.arange(0.05, 0.605, 0.01), 2) if grid is None else list(grid)
    rows = []
    for t in grid:
        predicted = np.where(scores.to_numpy() < t, OUTSIDE, best.to_numpy())
        rows.append(
            {
                "threshold": float(t),
                "macro_f1": float(f1_score(truth.astype(str), predicted.astype(str), average="macro")),
                "outside_share": float((predicted == OUTSIDE).mean()),
            }
        )
    table = pd.DataFrame(rows)
    return float(table.loc[table["macro_f1"].idxmax(), "threshold"]), table


def direction_counts(mapped: pd.DataFrame, *, directions: Iterable[str] | None = None) -> pd.DataFrame:
    """The table behind the chart of mapped answers per direction.

    Parameters
    ----------
    mapped : DataFrame
        Output of :meth:`TextMapper.transform`.
    directions : iterable of str, optional
        Direction codes in chart order (default SD1..SD5 as found, sorted).

    Returns
    -------
    DataFrame
        Columns ``direction``, ``n``, ``share`` (of non-blank answers), rows
        the directions, then ``outside``, then ``(blank)`` when present.
    """
    counts = mapped["direction"].value_counts()
    codes = list(directions) if directions is not None else sorted(
        c for c in counts.index if c not in (OUTSIDE, BLANK)
    )
    order = codes + [OUTSIDE] + ([BLANK] if BLANK in counts.index else [])
    n = [int(counts.get(c, 0)) for c in order]
    answered = sum(v for c, v in zip(order, n) if c != BLANK)
    table = pd.DataFrame({"direction": order, "n": n})
    table["share"] = [v / answered if answered and c != BLANK else np.nan for c, v in zip(order, n)]
    return table


def read_text_column(path: str | Path, column: str | None = None, *, sheet: str | int | None = None) -> pd.Series:
    """Read one column of free-text answers from any CSV or spreadsheet.

    The file is read with the project's safe reader
    (:func:`survey_analysis.read_raw`: format from the content, zip bombs
    and XML attacks refused, encodings detected, the responses sheet chosen);
    its first row is taken as the header.

    Parameters
    ----------
    path : str or Path
        A .csv/.tsv or .xlsx/.xlsm/.xls/.xlsb/.ods file.
    column : str, optional
        The column's header; matched exactly, then ignoring case, spacing,
        punctuation and diacritics.  None: the only column whose answers are
        text of more than 20 characters on average.
    sheet : str or int, optional
        The sheet to read (default: the one that looks like responses).

    Returns
    -------
    Series
        The answers as text (empty cells missing; numbers written as text),
        named after the column, indexed by the spreadsheet row (or CSV line)
        the answer came from (index name ``row``).

    Raises
    ------
    FileProblemError, EmptyFileError, WrongFormatError, UnsafeFileError, ...
        From the reader: the file is missing, empty, unsafe or not a table.
    HeaderProblemError
        The column is not there (the message names the file and the column and
        lists the columns available), or ``column`` is None and no single text
        column stands out.
    """
    from .readers import read_raw

    raw = read_raw(path, sheet=sheet)
    where = {"path": raw.path, "sheet": raw.sheet}
    if not raw.rows or raw.n_columns == 0:
        raise EmptyFileError("the file holds no table", hint="check that the right file was given.", **where)
    headers = ["" if h is None else str(h).strip() for h in raw.rows[0]]
    body = raw.rows[1:]
    if not body:
        raise EmptyFileError(
            "the file has a header but no answers", hint="check that the right file was given.", **where
        )
    available = ", ".join(repr(h) for h in headers[:40] if h) + (" ..." if len(headers) > 40 else "")
    if column is None:
        texty = []
        for position, header in enumerate(headers):
            values = [v for v in (row[position] for row in body) if isinstance(v, str) and v.strip()]
            if values and np.mean([len(v) for v in values]) > 20:
                texty.append(position)
        if len(texty) != 1:
            raise HeaderProblemError(
                "no single free-text column stands out" if not texty
                else "several columns hold free text: " + ", ".join(repr(headers[p]) for p in texty),
                hint=f"name the column (--column NAME); available columns: {available}.",
                **where,
            )
        position = texty[0]
    else:
        wanted = str(column).strip()
        exact = [p for p, h in enumerate(headers) if h == wanted]
        loose = [p for p, h in enumerate(headers) if fold_text(h) == fold_text(wanted) and fold_text(h)]
        matches = exact or loose
        if len(matches) != 1:
            raise HeaderProblemError(
                "the column is not in the file" if not matches else "several columns have this header",
                column=wanted,
                hint=f"use one of the available columns: {available}.",
                **where,
            )
        position = matches[0]
    values = []
    for row in body:
        value = row[position]
        if value is None or (isinstance(value, str) and not value.strip()):
            values.append(pd.NA)
        else:
            values.append(str(value))
    answers = pd.Series(values, index=pd.Index(raw.row_numbers[1:], name="row"), dtype="string")
    answers.name = headers[position]
    return answers


def map_text_result(
    texts: pd.Series,
    codebook: Any = None,
    *,
    labels: Any = None,
    extra_keywords: Any = DEFAULT_EXTRA_KEYWORDS,
    threshold: float = DEFAULT_THRESHOLD,
    training: Any = DEFAULT_TRAINING,
    random_state: int = 0,
) -> dict[str, Any]:
    """Map answers as plain data (for ``survey-analysis map-text``).

    Without ``labels`` the answers are mapped by the supervised mode trained on
    the bundled labelled proposals (``training``; ``training=None``: the lexicon
    mode), see :class:`TextMapper`.

    Returns
    -------
    dict
        ``mode``, ``trained_on`` (labels/training/none), ``threshold`` (lexicon
        mode), ``answers`` (one record per row: ``row``,
        ``direction``, ``score``, ``runner_up``, ``runner_up_score``,
        ``language``), ``counts`` (direction -> n), ``themes`` (outside themes:
        theme, n, top_terms, quotes) and, in supervised mode, ``cv_macro_f1``.
        The answers' text is not repeated (the caller has it).
    """
    mapper = TextMapper(
        codebook, extra_keywords=extra_keywords, threshold=threshold, training=training, random_state=random_state
    ).fit(texts, labels)
    mapped = mapper.mapped_
    themes = mapper.themes(texts, mapped)

    def _num(v: Any) -> float | None:
        return None if v is None or not np.isfinite(float(v)) else round(float(v), 6)

    result: dict[str, Any] = {
        "mode": mapper.mode_,
        "trained_on": mapper.trained_on_,
        "threshold": threshold if mapper.mode_ == "lexicon" else None,
        "answers": [
            {
                "row": idx.item() if hasattr(idx, "item") else idx,
                "direction": str(r.direction),
                "score": _num(r.score),
                "runner_up": None if r.runner_up is None else str(r.runner_up),
                "runner_up_score": _num(r.runner_up_score),
                "language": str(r.language),
            }
            for idx, r in zip(mapped.index, mapped.itertuples(index=False))
        ],
        "counts": {str(r.direction): int(r.n) for r in direction_counts(mapped, directions=mapper.direction_codes_).itertuples()},
        "themes": [
            {"theme": int(r.theme), "n": int(r.n), "top_terms": str(r.top_terms), "quotes": list(r.quotes)}
            for r in themes.itertuples()
        ],
    }
    if mapper.mode_ == "supervised":
        # not computed (None) when trained on the bundled proposals: their
        # cross-validated figures are in data/proposals/README.md
        result["cv_macro_f1"] = _num(mapper.cv_macro_f1_)
    return result
