"""Free-text answers mapped to the strategic directions.

Every answer (in English or Romanian, with or without diacritics) is mapped to
one of the five strategic directions SD1-SD5 or to ``"outside"`` (none of the
five), with a score and the runner-up direction.

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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from ..codebook import read_codebook
from ..errors import AnalysisInputError
from .language import as_text_series, detect_language, fold_text, word_analyzer
from .lexicon import (
    BLANK,
    DEFAULT_EXTRA_KEYWORDS,
    OUTSIDE,
    Keyword,
    direction_documents,
    direction_lexicon,
)
from .themes import outside_themes
from .training import DEFAULT_TRAINING, DEFAULT_TRAINING_FILES, read_training_proposals

__all__ = ["DEFAULT_THRESHOLD", "TextMapper"]

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
        by_head: dict[str, list[Keyword]] = {}
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
        series = as_text_series(texts)
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
            kw = Keyword(row.keyword, row.direction, row.language)
            kw.weight = float(row.weight)
            self._keywords.append(kw)
        documents = direction_documents(book, self.lexicon_)
        if training is not None:
            train_series = training["text"]
            train_folded = [fold_text(t) for t in train_series]
            corpus = train_folded + list(documents.values())
        else:
            corpus = [t for t in folded if t] + list(documents.values())
        self.word_vectorizer_ = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, min_df=1)
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
        series = as_text_series(texts)
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
        series = as_text_series(texts)
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
            See :func:`survey_analysis.text.themes.outside_themes`.
        """
        self._check_fitted()
        series = as_text_series(texts)
        if mapped is None:
            mapped = self.transform(series)
        outside = series[(mapped["direction"] == OUTSIDE).to_numpy()]
        return outside_themes(
            outside, n_themes=n_themes, n_terms=n_terms, n_quotes=n_quotes, random_state=self.random_state
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "mode_"):
            raise AnalysisInputError(
                "this TextMapper is not fitted yet",
                hint="call .fit(texts) (or .fit(texts, labels)) first.",
            )
