"""Themes of the answers outside the five directions.

The answers that none of the directions serves (parking, salaries, energy...)
are grouped into themes, each with its top terms and representative quotes.
Concern words are read as one concept in either language ("parcare" and
"parking" are the same theme) and words nearly every answer of a hospital's
staff contains are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from ..errors import AnalysisInputError
from .language import fold_text, stem, without_masks, word_analyzer

__all__ = ["THEME_COLUMNS", "merge_by_concern", "theme_text", "outside_themes", "theme_labels"]

#: Columns of the table :func:`outside_themes` returns.
THEME_COLUMNS = ["theme", "n", "top_terms", "quotes", "answers"]

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


def theme_text(folded: str) -> str:
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


def outside_themes(
    outside: pd.Series,
    *,
    n_themes: int | None = None,
    n_terms: int = 5,
    n_quotes: int = 3,
    random_state: int = 0,
) -> pd.DataFrame:
    """Group answers outside the five directions into themes.

    Parameters
    ----------
    outside : Series of str
        The answers outside the directions (no empty ones), indexed as the
        caller wants them named in ``answers``.
    n_themes : int, optional
        Number of themes; None chooses 2..8 by the silhouette (cosine), or
        one theme when there are fewer than 6 answers, then merges the themes
        of one concern (:func:`merge_by_concern`).
    n_terms, n_quotes : int
        Top terms and representative quotes per theme.
    random_state : int, default 0
        Seed of the k-means runs.

    Returns
    -------
    DataFrame
        One row per theme, columns :data:`THEME_COLUMNS`: ``theme`` (1 =
        largest), ``n``, ``top_terms`` (the words with the highest mean TF-IDF
        weight), ``quotes`` (list of the answers closest to the theme centre,
        original wording), ``answers`` (index labels of the answers in the
        theme).  Top terms are word stems shown as the word they most often
        stand for; near-identical answers are quoted once.
    """
    if outside.empty:
        return pd.DataFrame(columns=THEME_COLUMNS)
    # masked contact details ("[e-mail]", "[phone]") and digit runs (phone
    # numbers, years, amounts) are no theme: they stay out of the terms
    folded = [" ".join(w for w in fold_text(without_masks(t)).split() if not w.isdigit()) for t in outside]
    # the same concern in either language becomes the same words (parcare ->
    # parking), and words every answer shares (hospital, patients) are dropped
    themed = [theme_text(t) for t in folded]
    words = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True).fit(themed)
    content = [" ".join(word_analyzer(t)[: len(t.split())]) for t in themed]
    # character n-grams of the content words let the remaining cognates
    # (audit/audit energetic, renovation/renovarea) fall into one theme
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True).fit(content)
    W = normalize(words.transform(themed))
    X = normalize(sparse.hstack([W, normalize(chars.transform(content))]).tocsr())
    with threadpool_limits(limits=1):
        labels = theme_labels(X, n_themes, random_state=random_state)
    if n_themes is None:
        labels = merge_by_concern(labels, themed)
    vocabulary = np.array(words.get_feature_names_out())
    # show each stem as the word it most often stands for in these answers
    spelled: dict[str, dict[str, int]] = {}
    for text in themed:
        for token in text.split():
            counts = spelled.setdefault(stem(token), {})
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
            gist = " ".join(sorted(set(word_analyzer(folded[members[i]]))))
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
    return table[THEME_COLUMNS]


def merge_by_concern(labels: np.ndarray, themed: list[str]) -> np.ndarray:
    """One theme per concern: themes most of whose answers name the same concern are merged.

    The silhouette may split one concern into several small themes by its
    wordings ("visitors, parking", "vizitatori, parking", "near, places,
    parking"); a reader counts them as one.  A theme belongs to a concern
    (a key of the concern vocabulary) when more than half of its answers name
    it; themes of the same concern become one, numbered as the first.
    """
    labels = np.asarray(labels).copy()
    concepts = set(_THEME_CONCEPTS)
    named = [set(text.split()) & concepts for text in themed]
    owner: dict[str, int] = {}
    for j in sorted(np.unique(labels)):
        members = np.flatnonzero(labels == j)
        counts: dict[str, int] = {}
        for i in members:
            for concern in named[i]:
                counts[concern] = counts.get(concern, 0) + 1
        if not counts:
            continue
        concern, count = max(sorted(counts.items()), key=lambda kv: kv[1])
        if count * 2 <= len(members):
            continue
        if concern in owner:
            labels[members] = owner[concern]
        else:
            owner[concern] = j
    return labels


def theme_labels(X: sparse.csr_matrix, n_themes: int | None, *, random_state: int = 0) -> np.ndarray:
    """Theme of each row of ``X``: k-means with ``n_themes``, or k in 2..8 chosen by the silhouette."""
    from sklearn.metrics import silhouette_score

    n = X.shape[0]
    # Identical answers make identical rows: no more themes than distinct rows can be formed.
    distinct = len({(tuple(row.indices), tuple(np.round(row.data, 12))) for row in X}) if n else 0
    if n_themes is not None:
        if not isinstance(n_themes, (int, np.integer)) or n_themes < 1:
            raise AnalysisInputError(
                f"n_themes must be a whole number of at least 1, got {n_themes!r}",
                value=n_themes,
                hint="pass n_themes=None to choose it from the answers.",
            )
        k = min(int(n_themes), distinct)
        if k <= 1:
            return np.zeros(n, dtype=int)
        return KMeans(n_clusters=k, n_init=4, random_state=random_state).fit_predict(X)
    if n < 6 or distinct < 2:
        return np.zeros(n, dtype=int)
    best, best_labels = -2.0, np.zeros(n, dtype=int)
    for k in range(2, min(8, n - 1, distinct) + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit_predict(X)
        if len(np.unique(labels)) < 2:
            continue
        score = silhouette_score(X, labels, metric="cosine")
        if score > best + 1e-9:
            best, best_labels = score, labels
    return best_labels
