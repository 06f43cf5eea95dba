"""How many segments, if any: each k compared with profiles that have no segments.

A silhouette alone always finds segments, even in random answers: some k
always has the highest silhouette.  This module owns the rule that lets "no
distinct segments" be the answer:

- **reference without structure**: the profiles with each column permuted on
  its own keep every direction's spread but lose any link between directions,
  so they hold no segments.  Profiles centred on each member's mean are
  centred again after the permutation, so the reference lives in the same
  space as the profiles;
- a k **qualifies** when its silhouette exceeds the 95th percentile of the
  silhouettes of the same method with the same k on at least 20 reference
  data sets, and its stability (mean adjusted Rand index over at least 50
  resamples) is at least :data:`MIN_STABILITY`;
- among the qualifying k, the one whose silhouette exceeds its reference's
  95th percentile the most is chosen; when none qualifies, k = 1 (the
  members form no distinct groups);
- a **near tie**: the runner-up's excess is within :data:`NEAR_TIE` of the
  chosen k's, so the data do not tell the two apart.

The silhouette is computed from one distance matrix per data set, shared by
every k (the same value as :func:`sklearn.metrics.silhouette_score`).

References
----------
Tibshirani, R., Walther, G. & Hastie, T. (2001). Estimating the number of
clusters in a data set via the gap statistic. *JRSS B*, 63(2), 411-423
(a reference distribution without clusters).
Hennig, C. (2007). Cluster-wise assessment of cluster stability.
*Computational Statistics & Data Analysis*, 52, 258-271.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "MIN_STABILITY",
    "REFERENCE_QUANTILE",
    "NEAR_TIE",
    "NO_SEGMENTS_NAME",
    "pairwise_distances",
    "silhouette_from_distances",
    "is_centred",
    "reference_profiles",
    "choose_k",
    "QUICK_KMEANS_MAX",
    "quick_kmeans",
]

#: The many small k-means fits of the reference and the resamples run in
#: :func:`quick_kmeans` up to this many points (scikit-learn's per-call overhead
#: dominates there); larger ones use scikit-learn.
QUICK_KMEANS_MAX = 1000

#: Least stability (mean adjusted Rand index over resamples) for a k to qualify.
MIN_STABILITY = 0.75

#: Quantile of the reference silhouettes that a k's silhouette must exceed.
REFERENCE_QUANTILE = 0.95

#: Two qualifying k whose silhouette excesses differ by less than this are a near tie.
NEAR_TIE = 0.02

#: Name of the single segment when the members form no distinct groups.
NO_SEGMENTS_NAME = "all members (no distinct segments)"


def pairwise_distances(points: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix of the rows of ``points``."""
    sq = np.einsum("ij,ij->i", points, points)
    d2 = sq[:, None] + sq[None, :] - 2.0 * points @ points.T
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2, out=d2)


def silhouette_from_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width of ``labels`` given the distance matrix.

    Notes
    -----
    :math:`s_i = (b_i - a_i) / \\max(a_i, b_i)`, :math:`a_i` the mean distance
    to the other members of its segment, :math:`b_i` the smallest mean
    distance to another segment; :math:`s_i = 0` in a segment of one
    (Rousseeuw 1987, as scikit-learn).  NaN unless there are 2 to n - 1
    segments.
    """
    _, codes = np.unique(labels, return_inverse=True)
    codes = codes.ravel()
    k = int(codes.max()) + 1 if codes.size else 0
    n = codes.size
    if not 2 <= k <= n - 1:
        return float("nan")
    onehot = np.zeros((n, k))
    onehot[np.arange(n), codes] = 1.0
    sums = distances @ onehot
    sizes = onehot.sum(axis=0)
    own = sizes[codes]
    a = sums[np.arange(n), codes] / np.maximum(own - 1, 1)
    means = sums / sizes[None, :]
    means[np.arange(n), codes] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s = np.where((own > 1) & np.isfinite(s), s, 0.0)
    return float(s.mean())


def is_centred(values: np.ndarray) -> bool:
    """Whether every profile sums to zero over the directions (centred profiles)."""
    scale = max(float(np.abs(values).max()), 1.0)
    return bool(np.all(np.abs(values.sum(axis=1)) <= 1e-9 * scale * values.shape[1]))


def reference_profiles(values: np.ndarray, rng: np.random.RandomState, *, centred: bool
                       ) -> np.ndarray:
    """One reference data set: each column permuted on its own (centred again if need be)."""
    out = np.column_stack([values[rng.permutation(values.shape[0]), j]
                           for j in range(values.shape[1])])
    if centred:
        out = out - out.mean(axis=1, keepdims=True)
    return out


def choose_k(table: pd.DataFrame, *, min_stability: float = MIN_STABILITY,
             near_tie: float = NEAR_TIE) -> tuple[int, tuple[int, int, float] | None]:
    """The chosen k and the near tie, if any, from a table of candidates.

    Parameters
    ----------
    table : DataFrame
        One row per k with ``k``, ``silhouette``, ``reference_p95`` and
        ``stability``.

    Returns
    -------
    (k, near_tie)
        ``k`` is 1 when no k qualifies; ``near_tie`` is ``(k, runner_up,
        margin)`` when the runner-up's excess is within ``near_tie``.
    """
    excess = table["silhouette"] - table["reference_p95"]
    qualifies = (excess > 0) & (table["stability"] >= min_stability)
    if not qualifies.any():
        return 1, None
    ranked = table.assign(excess=excess)[qualifies].sort_values(
        ["excess", "k"], ascending=[False, True], kind="stable")
    best = ranked.iloc[0]
    if len(ranked) > 1:
        second = ranked.iloc[1]
        margin = float(best["excess"] - second["excess"])
        if margin < near_tie:
            return int(best["k"]), (int(best["k"]), int(second["k"]), margin)
    return int(best["k"]), None


def quick_kmeans(points: np.ndarray, k: int, rng: np.random.RandomState, *,
                 max_iter: int = 100) -> np.ndarray:
    """Labels 0..k-1 of one k-means fit: k-means++ start, then Lloyd's iterations.

    For the reference and resample fits on few points, where it gives the same
    partitions as :class:`sklearn.cluster.KMeans` with one start, in a
    fraction of the time.

    References
    ----------
    Arthur, D. & Vassilvitskii, S. (2007). k-means++: the advantages of
    careful seeding. *Proc. SODA*, 1027-1035.
    """
    n, dims = points.shape
    sq = np.einsum("ij,ij->i", points, points)
    centres = np.empty((k, dims))
    centres[0] = points[rng.randint(n)]
    closest = np.maximum(sq - 2 * points @ centres[0] + centres[0] @ centres[0], 0.0)
    for j in range(1, k):
        total = closest.sum()
        pick = rng.choice(n, p=closest / total) if total > 0 else rng.randint(n)
        centres[j] = points[pick]
        closest = np.minimum(closest, np.maximum(
            sq - 2 * points @ centres[j] + centres[j] @ centres[j], 0.0))
    labels = np.full(n, -1)
    for _ in range(max_iter):
        new = (np.einsum("ij,ij->i", centres, centres)[None, :] - 2 * points @ centres.T).argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=points[:, j], minlength=k)
                         for j in range(dims)], axis=1)
        keep = counts > 0
        centres[keep] = sums[keep] / counts[keep, None]
    return labels
