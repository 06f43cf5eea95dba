"""The segmentation estimator: priority profiles clustered into segments.

:class:`Segmentation` clusters the priority profiles of
:mod:`survey_analysis.profiles` (k-means, Ward or a Gaussian mixture), chooses
the number of segments, reports how stable each choice is under bootstrap
resampling, and names each segment by the directions that set it apart.
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from ..disclosure import suppress_group_rows
from ..errors import AnalysisInputError
from .choice import (
    MIN_STABILITY,
    NO_SEGMENTS_NAME,
    QUICK_KMEANS_MAX,
    REFERENCE_QUANTILE,
    choose_k,
    is_centred,
    pairwise_distances,
    quick_kmeans,
    reference_profiles,
    silhouette_from_distances,
)
from .tables import segment_sizes

__all__ = ["METHODS", "WARD_MAX", "BALANCED_MARGIN", "BALANCED_NAME", "Segmentation"]

#: Clustering methods :class:`Segmentation` understands.
METHODS = ("kmeans", "ward", "gmm")

#: Ward's linkage needs memory and time quadratic in n: it is never run on more
#: respondents than this; the others are assigned to the nearest segment centre.
WARD_MAX = 5000

#: A segment whose mean exceeds the overall mean by at most this much on every
#: direction (in profile units; profiles lie in 0-1, or -1..1 when centred) is
#: not named after a direction but called :data:`BALANCED_NAME`.
BALANCED_MARGIN = 0.01

#: Name of a segment that is not above the overall mean on any direction.
BALANCED_NAME = "balanced (no direction above average)"


def _as_matrix(X: Any) -> tuple[np.ndarray, pd.Index, list[str]]:
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        array = np.asarray(X, dtype=float)
        if array.ndim != 2:
            raise AnalysisInputError(
                f"profiles must be a 2-D table (respondents x directions), got {array.ndim} dimension(s)",
                hint="pass the DataFrame returned by priority_profiles().",
            )
        frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    try:
        values = frame.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(
            "profiles must be numeric",
            hint="pass the DataFrame returned by priority_profiles().",
        ) from exc
    missing = ~np.isfinite(values).all(axis=1)
    if missing.any():
        who = [str(v) for v in frame.index[missing][:5]]
        raise AnalysisInputError(
            f"{int(missing.sum())} respondent(s) have an incomplete profile (e.g. {', '.join(who)})",
            value=who[0],
            hint="drop them first (profiles.dropna()) and report them, or impute their answers.",
        )
    return values, frame.index, [str(c) for c in frame.columns]


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1..k, 1 being the largest segment (ties: first seen)."""
    uniques, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(uniques)), key=lambda i: (-counts[i], first[i]))
    mapping = {uniques[i]: rank + 1 for rank, i in enumerate(order)}
    return pd.Series(labels).map(mapping).to_numpy(dtype=int)


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1)


class Segmentation:
    """Cluster priority profiles into segments.

    Parameters
    ----------
    method : {"kmeans", "ward", "gmm"}, default "kmeans"
        k-means (Lloyd; mini-batch beyond ``max_exact`` respondents), Ward's
        hierarchical clustering, or a Gaussian mixture (full covariances).
    n_segments : int or None, default None
        Number of segments; 1 puts every member in one segment; ``None``
        chooses it in ``k_range`` against a reference without segments (see
        :mod:`survey_analysis.segment.choice`), and may choose 1: no distinct
        segments.
    k_range : tuple of int, default (2, 8)
        Smallest and largest k tried when ``n_segments`` is None.
    n_bootstrap : int, default 50
        Resamples for the stability of each k (at least 50 for the choice
        of k; 0 skips stability when ``n_segments`` is given).
    n_reference : int, default 20
        Reference data sets without structure per k (at least 20 for the
        choice of k; 0 skips the reference when ``n_segments`` is given).
    sample_size : int, default 1000
        Silhouettes are computed on a seeded random sample of at most this
        many respondents, reference data sets and resamples have this many
        points at most.
    max_exact : int, default 20000
        Above this many respondents, k-means switches to mini-batch k-means and
        Ward / the mixture are fitted on a seeded sample of this size (Ward:
        at most :data:`WARD_MAX` = 5000, as its cost is quadratic), the other
        respondents being assigned to the nearest segment centre
        (Ward) or most probable component (mixture).
    random_state : int, RandomState or None, default 0
        Seeds every random step (k-means starts, samples, resamples), so that
        the same profiles always give the same segments.  ``None`` draws a
        fresh seed on each fit (results then differ from run to run).

    Attributes
    ----------
    labels_ : ndarray of int
        Segment of each respondent, 1..k, 1 being the largest segment.
    n_segments_ : int
    index_ : Index
        The respondents (index of the profiles fitted).
    feature_names_in_ : list of str
        The profile columns (direction codes).
    silhouette_ : DataFrame
        One row per k tried: ``k``, ``silhouette`` (mean silhouette width on the
        sample), ``chosen``.
    stability_ : DataFrame
        One row per k: ``k``, ``stability`` (mean adjusted Rand index between
        the fit on each resample and the full fit, on the resampled points),
        ``stability_sd``, ``n_bootstrap``, ``chosen``.
    choice_ : DataFrame
        One row per k tried: ``k``, ``silhouette``, ``reference_mean``,
        ``reference_p95`` (95th percentile of the reference silhouettes),
        ``excess`` (silhouette - reference_p95), ``stability``, ``qualifies``
        and ``chosen``.
    no_distinct_segments_ : bool
        True when k = 1: no k qualified (or one segment was asked for).
    near_tie_ : tuple or None
        ``(k, runner_up, margin)`` when two qualifying k are a near tie.
    centres_ : DataFrame
        Segment x direction mean profile (index ``segment`` 1..k).
    profiles_ : DataFrame
        Same as ``centres_``.
    sizes_ : Series
        Respondents per segment.
    segment_names_ : dict
        Segment -> name built from the directions that distinguish it.

    Notes
    -----
    Silhouette of point :math:`i`: :math:`s_i = (b_i - a_i)/\\max(a_i, b_i)`
    with :math:`a_i` the mean distance to its own segment and :math:`b_i` the
    smallest mean distance to another segment [1]_.  Stability of k: for
    :math:`B` resamples :math:`I_b` drawn with replacement, the mean over
    :math:`b` of :math:`\\mathrm{ARI}(L(I_b), \\hat L_{I_b})`, where
    :math:`L(I_b)` are the labels of a fit on :math:`I_b` and :math:`\\hat L`
    the full-data labels [2]_, [3]_.  Values near 1 mean the segmentation is
    reproduced by resampling; below about 0.6 it should not be interpreted.
    The choice of k (and "no distinct segments") follows
    :mod:`survey_analysis.segment.choice`.

    Segment names list the directions whose segment mean exceeds the overall
    mean the most: the top one, plus any other whose excess is at least half
    of the top one's (at most three), in agenda order, followed by their
    names when ``direction_names`` is given, e.g. ``"SD1+SD3 (RDI & products,
    Competencies)"``.  A segment whose largest excess is at most
    :data:`BALANCED_MARGIN` (0.01 profile units) is above average on no
    direction and is named :data:`BALANCED_NAME`.  Repeated names get a
    suffix ``" [2]"``, ``" [3]"``...

    A requested ``n_segments`` larger than the number of distinct profiles
    cannot be formed and raises :class:`AnalysisInputError`; when
    ``n_segments`` is None, only the k of ``k_range`` that the distinct
    profiles allow are tried (``silhouette_`` lists them).

    References
    ----------
    .. [1] Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the
       interpretation and validation of cluster analysis. *J. Comput. Appl.
       Math.*, 20, 53-65.
    .. [2] Hubert, L., & Arabie, P. (1985). Comparing partitions. *Journal of
       Classification*, 2, 193-218.
    .. [3] Hennig, C. (2007). Cluster-wise assessment of cluster stability.
       *Computational Statistics & Data Analysis*, 52, 258-271.
    """

    def __init__(
        self,
        method: str = "kmeans",
        n_segments: int | None = None,
        *,
        k_range: tuple[int, int] = (2, 8),
        n_bootstrap: int = 50,
        n_reference: int = 20,
        sample_size: int = 1000,
        max_exact: int = 20000,
        direction_names: Mapping[str, str] | None = None,
        random_state: Any = 0,
    ) -> None:
        self.method = method
        self.n_segments = n_segments
        self.k_range = k_range
        self.n_bootstrap = n_bootstrap
        self.n_reference = n_reference
        self.sample_size = sample_size
        self.max_exact = max_exact
        self.direction_names = direction_names
        self.random_state = random_state

    # ---- parameter checks -------------------------------------------------------------
    def _check_params(self, n: int) -> list[int]:
        if self.method not in METHODS:
            raise AnalysisInputError(
                f"method must be one of {', '.join(METHODS)}, got {self.method!r}",
                value=self.method,
                hint="use method='kmeans', 'ward' or 'gmm'.",
            )
        least = {"n_bootstrap": 0, "n_reference": 0, "sample_size": 10, "max_exact": 10}
        if self.n_segments is None:
            least.update({"n_bootstrap": 50, "n_reference": 20})
        for name, minimum in least.items():
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < minimum:
                raise AnalysisInputError(
                    f"{name} must be an integer of at least {minimum}"
                    + (" to choose the number of segments" if minimum in (20, 50) else "")
                    + f", got {value!r}",
                    value=value,
                    hint=f"pass a whole number for {name}"
                    + (", or give n_segments." if minimum in (20, 50) else "."),
                )
        if n < 3:
            raise AnalysisInputError(
                f"at least 3 respondents are needed to form segments, got {n}",
                value=n,
                hint="segment a larger group of respondents.",
            )
        if self.n_segments is not None:
            k = self.n_segments
            if not isinstance(k, (int, np.integer)) or k < 1 or k > n - 1:
                raise AnalysisInputError(
                    f"n_segments must be a whole number from 1 to {n - 1} (respondents - 1), got {k!r}",
                    value=k,
                    hint="pass n_segments=None to choose it by the silhouette.",
                )
            return [int(k)]
        low, high = self.k_range
        if not (isinstance(low, (int, np.integer)) and isinstance(high, (int, np.integer))) or low < 2 or high < low:
            raise AnalysisInputError(
                f"k_range must be two whole numbers (low, high) with 2 <= low <= high, got {self.k_range!r}",
                value=self.k_range,
                hint="use k_range=(2, 8).",
            )
        ks = [k for k in range(int(low), int(high) + 1) if k <= n - 1]
        if not ks:
            raise AnalysisInputError(
                f"k_range {self.k_range!r} leaves no k below the number of respondents ({n})",
                value=self.k_range,
                hint="lower k_range or segment more respondents.",
            )
        return ks

    # ---- one clustering ----------------------------------------------------------------
    def _cluster(self, X: np.ndarray, k: int, rng: np.random.RandomState, *, full: bool) -> np.ndarray:
        """Labels 0..k-1 for X (any order)."""
        n = X.shape[0]
        seed = int(rng.randint(0, 2**31 - 1))
        if self.method == "kmeans":
            if not full and n <= QUICK_KMEANS_MAX:
                return quick_kmeans(X, k, rng)
            if n > self.max_exact:
                model = MiniBatchKMeans(
                    n_clusters=k, n_init=3, batch_size=4096, random_state=seed, max_no_improvement=10
                )
            else:
                model = KMeans(n_clusters=k, n_init=4 if full else 1, random_state=seed)
            return model.fit_predict(X)
        cap = min(self.max_exact, WARD_MAX) if self.method == "ward" else self.max_exact
        if n > cap:
            pick = rng.choice(n, size=cap, replace=False)
            fit_points = X[pick]
        else:
            fit_points = X
        if self.method == "ward":
            labels = fcluster(linkage(fit_points, method="ward"), t=k, criterion="maxclust") - 1
            if fit_points is X:
                return labels
            found = np.unique(labels)
            centres = np.vstack([fit_points[labels == j].mean(axis=0) for j in found])
            return found[_nearest(X, centres)]
        model = GaussianMixture(
            n_components=k, covariance_type="full", n_init=2 if full else 1, random_state=seed, reg_covar=1e-5
        )
        model.fit(fit_points)
        return model.predict(X)

    def _labels_all_k(self, X: np.ndarray, ks: list[int], rng: np.random.RandomState, *,
                      full: bool) -> dict[int, np.ndarray]:
        """Labels of X for every k (Ward: one tree cut at each k)."""
        if self.method != "ward":
            return {k: self._cluster(X, k, rng, full=full) for k in ks}
        n = X.shape[0]
        cap = min(self.max_exact, WARD_MAX)
        pick = rng.choice(n, size=cap, replace=False) if n > cap else None
        sub = X if pick is None else X[pick]
        tree = linkage(sub, method="ward")
        out = {}
        for k in ks:
            labels = fcluster(tree, t=k, criterion="maxclust") - 1
            if pick is not None:
                found = np.unique(labels)
                centres = np.vstack([sub[labels == j].mean(axis=0) for j in found])
                labels = found[_nearest(X, centres)]
            out[k] = labels
        return out

    def _reference(self, points: np.ndarray, ks: list[int], rng: np.random.RandomState
                   ) -> dict[int, np.ndarray]:
        """Silhouettes of each k on reference data sets without structure."""
        if not ks or self.n_reference == 0:
            return {}
        centred = is_centred(points)
        found: dict[int, list[float]] = {k: [] for k in ks}
        for _ in range(self.n_reference):
            ref = reference_profiles(points, rng, centred=centred)
            distances = pairwise_distances(ref)
            for k, labels in self._labels_all_k(ref, ks, rng, full=False).items():
                found[k].append(silhouette_from_distances(distances, labels))
        return {k: np.array([v for v in sil if np.isfinite(v)]) for k, sil in found.items()}

    def _stability(self, values: np.ndarray, labels: np.ndarray, k: int,
                   rng: np.random.RandomState) -> tuple[float, float, int]:
        """Mean and SD of the adjusted Rand index over resamples, and resamples used."""
        n = values.shape[0]
        size = min(n, self.sample_size)
        aris = []
        for _ in range(self.n_bootstrap):
            boot = rng.choice(n, size=size, replace=True)
            if len(np.unique(values[boot], axis=0)) < k:
                continue
            boot_labels = self._cluster(values[boot], k, rng, full=False)
            aris.append(adjusted_rand_score(labels[boot], boot_labels))
        return (float(np.mean(aris)) if aris else float("nan"),
                float(np.std(aris, ddof=1)) if len(aris) > 1 else float("nan"), len(aris))

    # ---- fitting ------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "Segmentation":
        """Segment the profiles.

        Parameters
        ----------
        X : DataFrame or array, shape (n_respondents, n_directions)
            Complete priority profiles (no NaN).
        y : ignored

        Returns
        -------
        self
        """
        values, index, names = _as_matrix(X)
        # Profiles have a handful of columns: threads cost more than they save
        # (and oversubscribe a shared machine), so every fit runs on one thread.
        with threadpool_limits(limits=1), warnings.catch_warnings():
            # A resample or a reference fit may hold fewer distinct profiles than k; the
            # clusters actually found are counted (n_found), so scikit-learn's warning is noise.
            warnings.filterwarnings("ignore", message="Number of distinct clusters", category=ConvergenceWarning)
            return self._fit(values, index, names)

    def _fit(self, values: np.ndarray, index: pd.Index, names: list[str]) -> "Segmentation":
        n = values.shape[0]
        ks = self._check_params(n)
        rng = check_random_state(self.random_state)
        distinct = len(np.unique(values, axis=0)) if n <= 200000 else n
        most = distinct - (0 if distinct < n else 1)
        ks_ok = [k for k in ks if k <= most]
        if not ks_ok and self.n_segments is None and distinct == 1:
            ks_ok = [1]  # identical profiles: no distinct segments
        if not ks_ok:
            if self.n_segments is not None:
                raise AnalysisInputError(
                    f"n_segments={int(self.n_segments)} segments cannot be formed: the "
                    f"{n} profiles hold only {distinct} distinct profile(s)",
                    value=int(self.n_segments),
                    hint=(f"ask for at most n_segments={most}, or pass n_segments=None to choose it."
                          if most >= 2 else "segment respondents whose profiles differ."),
                )
            raise AnalysisInputError(
                f"no k in k_range {tuple(self.k_range)!r} can be formed: the {n} profiles hold "
                f"only {distinct} distinct profile(s)",
                value=self.k_range,
                hint=(f"use k_range=(2, {most}): at most {most} segments can be formed."
                      if most >= 2 else "segment respondents whose profiles differ."),
            )

        sample = None
        if n > self.sample_size:
            sample = rng.choice(n, size=self.sample_size, replace=False)
        sil_points = values if sample is None else values[sample]
        sil_distances = pairwise_distances(sil_points)

        fits: dict[int, np.ndarray] = {1: np.zeros(n, dtype=int)}
        ks_tried = [k for k in ks_ok if k >= 2]
        fits.update(self._labels_all_k(values, ks_tried, rng, full=True))
        reference = self._reference(sil_points, ks_tried, rng)
        rows = []
        for k in ks_tried:
            labels = fits[k]
            sil_labels = labels if sample is None else labels[sample]
            ref = reference.get(k, np.array([]))
            stability, spread, used = self._stability(values, labels, k, rng)
            rows.append({
                "k": k,
                "silhouette": silhouette_from_distances(sil_distances, sil_labels),
                "n_found": int(len(np.unique(labels))),
                "reference_mean": float(ref.mean()) if ref.size else np.nan,
                "reference_p95": float(np.quantile(ref, REFERENCE_QUANTILE)) if ref.size else np.nan,
                "stability": stability, "stability_sd": spread, "n_bootstrap": used,
                "n_reference": int(ref.size),
            })
        table = pd.DataFrame(rows, columns=["k", "silhouette", "n_found", "reference_mean",
                                            "reference_p95", "stability", "stability_sd",
                                            "n_bootstrap", "n_reference"])
        table["excess"] = table["silhouette"] - table["reference_p95"]
        table["qualifies"] = (table["excess"] > 0) & (table["stability"] >= MIN_STABILITY)
        near_tie = None
        if self.n_segments is not None:
            chosen = int(self.n_segments)
        else:
            chosen, near_tie = choose_k(table)
        table["chosen"] = table["k"] == chosen
        silhouette = table[["k", "silhouette", "n_found", "chosen"]].copy()
        stability = table[["k", "stability", "stability_sd", "n_bootstrap", "chosen"]].copy()
        self.choice_ = table[["k", "silhouette", "reference_mean", "reference_p95", "excess",
                              "stability", "n_reference", "n_bootstrap", "qualifies",
                              "chosen"]].copy()
        self.no_distinct_segments_ = chosen == 1
        self.near_tie_ = near_tie

        labels = _relabel_by_size(fits[chosen])
        self.labels_ = labels
        self.n_segments_ = int(len(np.unique(labels)))
        self.index_ = index
        self.feature_names_in_ = names
        self.n_features_in_ = len(names)
        self.silhouette_ = silhouette
        self.stability_ = stability
        frame = pd.DataFrame(values, index=index, columns=names)
        centres = frame.groupby(labels).mean()
        centres.index.name = "segment"
        centres.columns.name = "direction"
        self.centres_ = centres
        self.profiles_ = centres
        sizes = pd.Series(np.bincount(labels)[1:], index=pd.Index(range(1, self.n_segments_ + 1), name="segment"))
        self.sizes_ = sizes.rename("n")
        self.overall_mean_ = frame.mean()
        self.segment_names_ = (self._names(centres, self.overall_mean_) if self.n_segments_ > 1
                               else {1: NO_SEGMENTS_NAME})
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(X).labels_

    def _names(self, centres: pd.DataFrame, overall: pd.Series) -> dict[int, str]:
        names: dict[int, str] = {}
        lookup = dict(self.direction_names or {})
        used: dict[str, int] = {}
        for segment, row in centres.iterrows():
            excess = (row - overall).sort_values(ascending=False, kind="stable")
            top = excess.iloc[0]
            if not top > BALANCED_MARGIN:
                text = BALANCED_NAME
            else:
                picked = [excess.index[0]]
                for code, value in excess.iloc[1:3].items():
                    if value > BALANCED_MARGIN and value >= 0.5 * top:
                        picked.append(code)
                # listed in agenda (column) order so that names read the same way
                picked = [c for c in centres.columns if c in picked]
                text = "+".join(picked)
                labels = [lookup[c] for c in picked if c in lookup]
                if labels and len(labels) == len(picked):
                    text += f" ({', '.join(labels)})"
            used[text] = used.get(text, 0) + 1
            if used[text] > 1:
                text += f" [{used[text]}]"
            names[int(segment)] = text
        return names

    # ---- tables -------------------------------------------------------------------------
    def segments(self) -> pd.Series:
        """Segment of each respondent as a Series named ``segment``."""
        self._check_fitted()
        return pd.Series(self.labels_, index=self.index_, name="segment")

    def summary(self, *, threshold: int = 5, suppress: bool = True) -> pd.DataFrame:
        """One row per segment: name, size, share, profile, with small segments hidden.

        Parameters
        ----------
        threshold : int, default 5
            Disclosure threshold.
        suppress : bool, default True
            Hide small segments (see :func:`segment_sizes`).  False shows
            every segment (for internal checks only, never for a report).

        Returns
        -------
        DataFrame
            Columns ``segment, name, n, share, below_threshold`` then one
            column per direction (segment mean profile), then ``suppressed``
            (when ``suppress``).  For a suppressed segment ``name``, ``n``,
            ``share``, ``below_threshold`` and the profile are missing: the
            name is built from the profile, so it would reveal it.
        """
        self._check_fitted()
        table = segment_sizes(self.segments(), threshold=threshold, suppress=False)
        table.insert(1, "name", table["segment"].map(self.segment_names_))
        table = table.merge(self.centres_.reset_index(), on="segment", how="left")
        if not suppress:
            return table
        hidden = ["name", "share", "below_threshold", *[str(c) for c in self.centres_.columns]]
        return suppress_group_rows(table, n_column="n", columns=hidden, threshold=threshold)

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise AnalysisInputError(
                "this Segmentation is not fitted yet",
                hint="call .fit(profiles) first.",
            )
