"""Proposals grouped into project ideas, across languages and wordings.

Each proposal becomes a weighted bag of what it is about: the concepts of the
field glossary it names (the same in English and Romanian), the wider concepts
they belong to, the codebook directions whose keywords it uses, and its other
content words by stem.  Proposals are then grouped by average-linkage
agglomerative clustering on the cosine distance between these bags, cut at a
fixed distance; proposals left alone are joined to the nearest idea when they
are close enough, else left ungrouped.

On a large set (more distinct proposals than ``max_direct``) the linkage runs
on a seeded sample of the distinct proposals, every other proposal is joined to
the nearest idea found there, and the proposals still left are grouped the same
way in further rounds, so that time and memory grow about linearly.

See :class:`ProposalGrouper`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ..errors import AnalysisInputError
from ..text.language import as_text_series
from .vocabulary import (
    DEFAULT_GLOSSARY,
    Concept,
    ConceptMatcher,
    direction_concepts,
    read_glossary,
)

__all__ = ["UNGROUPED", "ProposalGrouper", "group_proposals"]

#: Idea number of a proposal that joins no idea.
UNGROUPED = -1

_CONCEPT, _BROADER, _DIRECTION, _WORD = "c:", "b:", "d:", "w:"


class ProposalGrouper:
    r"""Group free-text proposals into project ideas.

    Parameters
    ----------
    codebook : Codebook, path, mapping or None
        Its directions' bilingual keywords are a weak cross-language link
        (None: the bundled codebook).
    glossary : path or mapping, default :data:`~survey_analysis.portfolio.vocabulary.DEFAULT_GLOSSARY`
        The field glossary (see :func:`~survey_analysis.portfolio.vocabulary.read_glossary`).
    cut : float, default 0.90
        Cosine distance at which the linkage tree is cut: two groups closer
        than this (on average over their pairs of proposals) are one idea.
    attach : float, default 0.25
        Least cosine similarity to an idea's centre for a proposal left alone
        (or outside the sample) to join it.
    min_size : int, default 2
        Fewest proposals an idea holds; smaller groups are ungrouped.
    broader_weight, direction_weight, word_weight : float
        Weight of the wider concepts, of the direction keywords and of the
        other words, relative to the glossary concepts (1).
    max_direct : int, default 2000
        Most distinct proposals clustered at once (see the module notes).
    random_state : int, default 0
        Seed of the sample drawn on large sets.

    Attributes
    ----------
    labels_ : ndarray of int
        Idea number of each proposal (0 = the idea with most proposals), or
        :data:`UNGROUPED`.
    ideas_ : DataFrame
        One row per idea: ``idea``, ``n`` (proposals), ``concepts`` (glossary
        concept ids named by at least a third of its proposals, most shared
        first), ``words`` (its most shared other words), ``centrality`` (list:
        each proposal's cosine similarity to the idea's centre, in the order of
        ``members``), ``members`` (positions of its proposals).
    languages_ : list of str
        Language of each proposal (en / ro / unknown).
    features_ : sparse matrix
        The L2-normalised weighted TF-IDF bags, one row per proposal.

    Notes
    -----
    A proposal's bag holds ``c:<concept>`` for each glossary concept it names
    (the longest term wins where terms overlap), ``b:<concept>`` for each
    wider concept of those, ``d:<direction>`` for each codebook direction whose
    keywords it uses, and ``w:<stem>`` for each content word no concept covers
    (generic words such as "cluster", "propose", "hospital" left out).  The
    bag is weighted by TF-IDF over the proposals grouped (sublinear term
    frequency, smoothed IDF), each block multiplied by its weight, and
    L2-normalised.  Average linkage on the cosine distance (UPGMA, [1]_) is cut
    at ``cut``; then each proposal in a group smaller than ``min_size`` joins
    the idea whose centre (mean bag) is most similar, when that similarity is
    at least ``attach``.  The defaults were chosen on the development set
    described in ``data/portfolio/README.md``.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P., & Schütze, H. (2008). *Introduction to
       Information Retrieval*, ch. 17 (hierarchical agglomerative clustering).
    """

    def __init__(
        self,
        codebook: Any = None,
        *,
        glossary: Any = DEFAULT_GLOSSARY,
        cut: float = 0.90,
        attach: float = 0.25,
        min_size: int = 2,
        broader_weight: float = 0.8,
        direction_weight: float = 0.2,
        word_weight: float = 0.5,
        max_direct: int = 2000,
        random_state: int = 0,
    ) -> None:
        self.codebook = codebook
        self.glossary = glossary
        self.cut = cut
        self.attach = attach
        self.min_size = min_size
        self.broader_weight = broader_weight
        self.direction_weight = direction_weight
        self.word_weight = word_weight
        self.max_direct = max_direct
        self.random_state = random_state

    # ---- features --------------------------------------------------------------------------
    def _check(self) -> None:
        for name in ("cut", "attach"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise AnalysisInputError(f"{name} must lie in 0..1, got {value!r}", value=value,
                                         hint=f"pass {name} as a number such as the default.")
        for name in ("broader_weight", "direction_weight", "word_weight"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value >= 0:
                raise AnalysisInputError(f"{name} must be a non-negative number, got {value!r}", value=value,
                                         hint=f"pass {name} as a number such as the default.")
        for name, least in (("min_size", 1), ("max_direct", 10)):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < least:
                raise AnalysisInputError(f"{name} must be a whole number of at least {least}, got {value!r}",
                                         value=value, hint=f"pass {name} as a whole number such as the default.")

    def _bags(self, texts: list[str]) -> tuple[list[list[str]], list[str], list[list[str]]]:
        concepts, generic = read_glossary(self.glossary)
        self.glossary_ = ConceptMatcher(concepts, generic=generic)
        self.direction_matcher_ = ConceptMatcher(direction_concepts(self.codebook))
        broader = {c.id: c.broader for c in concepts}
        bags, languages, named = [], [], []
        for text in texts:
            found, words, language = self.glossary_.analyse(text)
            directions = self.direction_matcher_.concepts_of(text, language=language)
            bag = [_CONCEPT + c for c in found]
            bag += [_BROADER + b for c in dict.fromkeys(found) for b in broader.get(c, ())]
            bag += [_DIRECTION + d for d in directions]
            bag += [_WORD + w for w in words]
            bags.append(bag)
            languages.append(language)
            named.append(list(dict.fromkeys(found)))
        return bags, languages, named

    def _features(self, bags: list[list[str]]) -> sparse.csr_matrix:
        vectorizer = TfidfVectorizer(analyzer=lambda bag: bag, sublinear_tf=True, lowercase=False)
        X = vectorizer.fit_transform(bags) if any(bags) else sparse.csr_matrix((len(bags), 1))
        if any(bags):
            names = vectorizer.get_feature_names_out()
            block = {_CONCEPT: 1.0, _BROADER: self.broader_weight, _DIRECTION: self.direction_weight,
                     _WORD: self.word_weight}
            weights = np.array([block[name[:2]] for name in names])
            X = X @ sparse.diags(weights)
        return normalize(sparse.csr_matrix(X))

    # ---- grouping -------------------------------------------------------------------------
    def _linkage_groups(self, X: sparse.csr_matrix) -> np.ndarray:
        """Average-linkage groups of the rows of X (0-based numbers)."""
        n = X.shape[0]
        if n == 1:
            return np.zeros(1, dtype=int)
        similarity = (X @ X.T).toarray()
        distance = np.clip(1.0 - similarity, 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), method="average")
        return fcluster(tree, t=self.cut, criterion="distance") - 1

    def _group_distinct(self, X: sparse.csr_matrix, weight: np.ndarray) -> np.ndarray:
        """Idea of each distinct proposal (rows of X), -1 when ungrouped; weight = copies of each."""
        n = X.shape[0]
        labels = np.full(n, UNGROUPED)
        empty = np.asarray(X.getnnz(axis=1)) == 0
        pending = np.flatnonzero(~empty)
        rng = np.random.default_rng(self.random_state)
        next_idea = 0
        for _ in range(8):
            if len(pending) == 0:
                break
            if len(pending) > self.max_direct:
                # the linkage runs on a sample, more copies more likely drawn
                p = weight[pending] / weight[pending].sum()
                sample = np.sort(rng.choice(pending, size=self.max_direct, replace=False, p=p))
            else:
                sample = pending
            groups = self._linkage_groups(X[sample])
            sizes = np.bincount(groups, weights=weight[sample])
            kept = np.flatnonzero(sizes >= self.min_size)
            if len(kept) == 0:
                break
            centres = normalize(sparse.vstack([
                sparse.csr_matrix(X[sample[groups == g]].multiply(weight[sample[groups == g]][:, None]).sum(axis=0))
                for g in kept
            ]).tocsr())
            new = {g: next_idea + k for k, g in enumerate(kept)}
            in_kept = np.isin(groups, kept)
            labels[sample[in_kept]] = [new[g] for g in groups[in_kept]]
            rest = np.setdiff1d(pending, sample[in_kept])
            if len(rest):
                closeness = (X[rest] @ centres.T).toarray()
                best = closeness.argmax(axis=1)
                close = closeness[np.arange(len(rest)), best] >= self.attach
                labels[rest[close]] = next_idea + best[close]
                rest = rest[~close]
            next_idea += len(kept)
            if len(pending) <= self.max_direct:
                break
            pending = rest
        return labels

    def fit(self, texts: Any) -> "ProposalGrouper":
        """Group the proposals.

        Parameters
        ----------
        texts : Series or list of str
            The proposals, in either language; empty ones are ungrouped.

        Returns
        -------
        self
        """
        self._check()
        series = as_text_series(texts)
        values = ["" if v is None else str(v) for v in series]
        bags, self.languages_, named = self._bags(values)
        # identical bags are one distinct proposal, weighted by its copies
        keys = ["\x1f".join(sorted(bag)) for bag in bags]
        distinct: dict[str, int] = {}
        position = np.array([distinct.setdefault(k, len(distinct)) for k in keys])
        first = np.zeros(len(distinct), dtype=int)
        first[position[::-1]] = np.arange(len(keys))[::-1]
        weight = np.bincount(position, minlength=len(distinct)).astype(float)
        self.features_ = self._features(bags)
        distinct_labels = self._group_distinct(self.features_[first], weight)
        labels = distinct_labels[position]
        # ideas numbered by size, the largest first
        sizes = Counter(int(v) for v in labels if v != UNGROUPED)
        order = {idea: k for k, (idea, _) in enumerate(sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])))}
        self.labels_ = np.array([order.get(int(v), UNGROUPED) for v in labels])
        self.ideas_ = self._describe(bags, named)
        return self

    def _describe(self, bags: list[list[str]], named: list[list[str]]) -> pd.DataFrame:
        rows = []
        for idea in range(int(self.labels_.max()) + 1 if len(self.labels_) else 0):
            members = np.flatnonzero(self.labels_ == idea)
            block = self.features_[members]
            centre = normalize(sparse.csr_matrix(block.mean(axis=0)))
            centrality = np.asarray((block @ centre.T).todense()).ravel()
            shared = Counter(c for i in members for c in named[i])
            concepts = [c for c, k in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))
                        if k >= max(1, len(members) / 3)]
            words = Counter(w[2:] for i in members for w in dict.fromkeys(bags[i]) if w.startswith(_WORD))
            rows.append({
                "idea": idea,
                "n": len(members),
                "concepts": concepts,
                "words": [w for w, k in words.most_common(5) if k >= 2],
                "centrality": centrality.tolist(),
                "members": members.tolist(),
            })
        return pd.DataFrame(rows, columns=["idea", "n", "concepts", "words", "centrality", "members"])

    def concept(self, concept_id: str) -> Concept:
        """A glossary concept by id (after :meth:`fit`)."""
        return self.glossary_.concepts[concept_id]


def group_proposals(texts: Any, **options: Any) -> pd.Series:
    """Idea number of each proposal (see :class:`ProposalGrouper`; -1: ungrouped).

    Returns
    -------
    Series of int
        Same index as ``texts`` (a list gets 0..n-1), named ``idea``.
    """
    series = as_text_series(texts)
    grouper = ProposalGrouper(**options).fit(series)
    return pd.Series(grouper.labels_, index=series.index, name="idea")
