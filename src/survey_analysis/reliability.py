"""Reliability of the direction scales: Cronbach's alpha and item checks.

This module owns internal-consistency statistics computed the way R's
``psych::alpha`` computes them (from the pairwise-complete covariance
matrix), the Feldt confidence interval, item-level statistics (alpha if item
deleted, corrected item-total correlation) and a construct check that flags
items which fit another direction better than their own.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .arguments import (
    check_choice,
    check_columns,
    check_directions,
    check_frame,
    check_probability,
    check_reverse,
    check_scale_points,
    numeric_items,
    reverse_keyed,
)
from .errors import AnalysisInputError

__all__ = [
    "cronbach_alpha",
    "item_reliability",
    "direction_reliability",
    "construct_check",
]

_MISSING = ("pairwise", "listwise", "median")


def _covariance(values: pd.DataFrame, missing: str) -> tuple[pd.DataFrame, int, int]:
    """Covariance matrix, respondents with any answer, respondents with all answers."""
    answered_any = values.dropna(how="all")
    complete = values.dropna()
    if missing == "listwise":
        used = complete
    elif missing == "median":
        # psych::scoreItems' default (impute = "median")
        used = answered_any.fillna(answered_any.median())
    else:
        used = answered_any
    cov = used.cov()  # pandas: pairwise-complete observations
    if len(used) < 2 or cov.isna().to_numpy().any():
        bad = [c for c in cov.columns if cov[c].isna().any()]
        raise AnalysisInputError(
            "too few respondents answered these items together to compute a covariance.",
            column=str(bad[0]) if bad else None,
            value=len(used),
            hint="Each pair of items needs at least two respondents who answered both.",
        )
    return cov, len(answered_any), len(complete)


def _alpha_parts(cov: np.ndarray) -> dict[str, float]:
    k = cov.shape[0]
    total = cov.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = (1 - np.trace(cov) / total) * k / (k - 1)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant item has no correlation
        corr = cov / np.outer(sd, sd)  # cov2cor
        sum_r = corr.sum()
        std = (1 - k / sum_r) * k / (k - 1)
    average_r = (sum_r - k) / (k * (k - 1))
    return {"raw_alpha": float(raw), "std_alpha": float(std), "average_r": float(average_r)}


def _feldt(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    df1 = n - 1
    df2 = df1 * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf((1 - confidence) / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf((1 + confidence) / 2, df1, df2)
    return float(low), float(high)


def _items_frame(data: Any, items: Any, reverse: Any, scale_points: Any
                 ) -> pd.DataFrame:
    data = check_frame(data)
    items = check_columns(data, "items", list(data.columns) if items is None else items)
    if len(items) < 2:
        raise AnalysisInputError(
            f"reliability needs at least 2 items; got {len(items)} ({items!r}).",
            value=items, hint="Pass items= with two or more item columns.",
        )
    values = numeric_items(data, items)
    reverse = check_reverse(data, reverse)
    extra = [r for r in reverse if r not in items]
    if extra:
        raise AnalysisInputError(
            f"option 'reverse' names columns that are not among the items: {extra!r}.",
            column=str(extra[0]), value=extra[0],
            hint="List in reverse= only items that are being analysed.",
        )
    if reverse:
        if scale_points is None:
            raise AnalysisInputError(
                "option 'scale_points' is needed to reverse-key items (k + 1 - x); got None.",
                value=None, hint="Pass scale_points= with the number of answer levels.",
            )
        points = check_scale_points(values, scale_points, reverse)
        values = reverse_keyed(values, reverse, points)
    return values


def cronbach_alpha(
    data: pd.DataFrame,
    *,
    items: Sequence[Hashable] | None = None,
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] | None = None,
    missing: str = "pairwise",
    confidence: float = 0.95,
    feldt_n: str | None = None,
) -> pd.DataFrame:
    """Cronbach's alpha of a set of items, as R ``psych::alpha`` reports it.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, numeric item columns (NaN = not answered).
    items : list of column names, optional
        Default: all columns.
    reverse : list of column names, optional
        Items to reverse-key as ``k + 1 - x`` first (needs ``scale_points``).
    scale_points : int or mapping item -> int, optional
        Number of answer levels ``k`` (only used for ``reverse``).
    missing : {"pairwise", "listwise", "median"}, default "pairwise"
        ``"pairwise"`` uses every pair of answers (``psych::alpha``'s
        default); ``"listwise"`` keeps only respondents who answered every
        item; ``"median"`` replaces an unanswered item by that item's median
        among respondents who answered it (``psych::scoreItems``' default,
        ``impute = "median"``).
    confidence : float, default 0.95
        Coverage of the Feldt interval.
    feldt_n : {"respondents", "complete"}, optional
        Sample size of the Feldt interval: every respondent who answered at
        least one item (as ``psych::alpha``) or only the respondents who
        answered every item (as pingouin >= 0.5.5 does after listwise
        deletion).  Default: the respondents alpha was computed from --
        ``"complete"`` under listwise deletion, else ``"respondents"`` -- so
        an interval never claims more respondents than its alpha used.  The
        two agree when nobody skipped an item.

    Returns
    -------
    DataFrame
        One row with ``n`` (respondents with at least one answer),
        ``n_complete`` (respondents who answered every item), ``n_items``,
        ``raw_alpha``, ``std_alpha``, ``average_r``, ``ci_low``, ``ci_high``.

    Notes
    -----
    With :math:`C` the covariance matrix of the :math:`k` items (pairwise
    complete, as ``pandas.DataFrame.cov``) and :math:`R` the correlation
    matrix obtained from it (``cov2cor``: :math:`R_{ij}=C_{ij}/\\sqrt{C_{ii}C_{jj}}`):

    .. math::

        \\alpha_{raw} = \\frac{k}{k-1}\\Big(1 - \\frac{\\operatorname{tr} C}{\\sum C}\\Big),\\quad
        \\alpha_{std} = \\frac{k}{k-1}\\Big(1 - \\frac{k}{\\sum R}\\Big),\\quad
        \\bar r = \\frac{\\sum R - k}{k(k-1)}

    The Feldt interval is
    :math:`1 - (1-\\alpha) F_{1-q}(n-1, (n-1)(k-1))` with :math:`q` the lower
    and upper tail probabilities (as in pingouin).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. Psychometrika 16, 297-334.
    Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference
    for coefficient alpha. Applied Psychological Measurement 11, 93-103.
    Revelle, W. psych: Procedures for Psychological, Psychometric, and
    Personality Research (``alpha``).
    """
    missing = check_choice("missing", missing, _MISSING)
    confidence = check_probability("confidence", confidence)
    if feldt_n is None:
        feldt_n = "complete" if missing == "listwise" else "respondents"
    feldt_n = check_choice("feldt_n", feldt_n, ("respondents", "complete"))
    values = _items_frame(data, items, reverse, scale_points)
    cov, n, n_complete = _covariance(values, missing)
    parts = _alpha_parts(cov.to_numpy())
    k = cov.shape[0]
    low, high = _feldt(parts["raw_alpha"], n if feldt_n == "respondents" else n_complete,
                       k, confidence)
    out = pd.DataFrame([{"n": n, "n_complete": n_complete, "n_items": k, **parts,
                         "ci_low": low, "ci_high": high}])
    out.attrs.update({"missing": missing, "confidence": confidence, "interval": "Feldt",
                      "feldt_n": feldt_n})
    return out


def item_reliability(
    data: pd.DataFrame,
    *,
    items: Sequence[Hashable] | None = None,
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] | None = None,
    missing: str = "pairwise",
) -> pd.DataFrame:
    """Item statistics of a scale: alpha if item deleted and corrected item-total r.

    Parameters
    ----------
    data, items, reverse, scale_points, missing
        As in :func:`cronbach_alpha`.

    Returns
    -------
    DataFrame
        One row per item (index ``item``) with ``n`` (answers), ``mean``,
        ``sd`` (after reverse keying), ``reversed`` (bool),
        ``alpha_if_deleted`` (raw alpha of the other items),
        ``std_alpha_if_deleted`` and ``r_drop`` (correlation of the item with
        the sum of the other items).

    Notes
    -----
    As ``psych::alpha``, everything comes from the covariance matrix
    :math:`C`:
    :math:`r_{drop,i} = (\\sum_j C_{ij} - C_{ii}) / \\sqrt{C_{ii}\\,\\sum_{j,l\\ne i} C_{jl}}`.
    """
    missing = check_choice("missing", missing, _MISSING)
    values = _items_frame(data, items, reverse, scale_points)
    if values.shape[1] < 3:
        raise AnalysisInputError(
            f"alpha if item deleted needs at least 3 items; got {values.shape[1]}.",
            value=list(values.columns), hint="Pass three or more items.",
        )
    cov, _, _ = _covariance(values, missing)
    c = cov.to_numpy()
    used = values.dropna() if missing == "listwise" else values.dropna(how="all")
    if missing == "median":
        used = used.fillna(used.median())
    reversed_items = set(check_reverse(data, reverse)) if reverse is not None else set()
    rows = []
    for i, item in enumerate(cov.columns):
        keep = [j for j in range(c.shape[0]) if j != i]
        rest = c[np.ix_(keep, keep)]
        parts = _alpha_parts(rest)
        with np.errstate(divide="ignore", invalid="ignore"):
            r_drop = (c[:, i].sum() - c[i, i]) / np.sqrt(c[i, i] * rest.sum())
        rows.append({"item": item, "n": int(used[item].notna().sum()),
                     "mean": float(used[item].mean()), "sd": float(used[item].std()),
                     "reversed": item in reversed_items,
                     "alpha_if_deleted": parts["raw_alpha"],
                     "std_alpha_if_deleted": parts["std_alpha"], "r_drop": float(r_drop)})
    return pd.DataFrame(rows).set_index("item")


def direction_reliability(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, Sequence[Hashable]],
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
    missing: str = "pairwise",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's alpha of each direction's items.

    Parameters
    ----------
    directions : mapping direction -> list of item columns
    reverse, scale_points, missing, confidence
        As in :func:`cronbach_alpha`; ``reverse`` may list items of any
        direction.

    Returns
    -------
    DataFrame
        One row per direction (index ``direction``) with the columns of
        :func:`cronbach_alpha` and ``note``.  A direction with fewer than 2
        items, or whose items were too rarely answered together for a
        covariance, gets NaN statistics and a ``note`` saying why (never
        dropped).
    """
    data = check_frame(data)
    directions = check_directions(data, directions)
    reverse = check_reverse(data, reverse)
    rows = []
    for code, items in directions.items():
        if len(items) < 2:
            answered = data[items].notna()
            rows.append({"direction": code, "n": int(answered.any(axis=1).sum()),
                         "n_complete": int(answered.all(axis=1).sum()), "n_items": len(items),
                         "raw_alpha": np.nan, "std_alpha": np.nan,
                         "average_r": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "note": "alpha needs at least 2 items"})
            continue
        try:
            res = cronbach_alpha(data, items=items, reverse=[r for r in reverse if r in items],
                                 scale_points=scale_points, missing=missing,
                                 confidence=confidence).iloc[0].to_dict()
        except AnalysisInputError as err:
            if "covariance" not in err.message:
                raise
            answered = data[items].notna()
            res = {"n": int(answered.any(axis=1).sum()),
                   "n_complete": int(answered.all(axis=1).sum()), "n_items": len(items),
                   "raw_alpha": np.nan, "std_alpha": np.nan, "average_r": np.nan,
                   "ci_low": np.nan, "ci_high": np.nan}
            rows.append({"direction": code, **res, "note": err.message})
            continue
        rows.append({"direction": code, **res, "note": ""})
    out = pd.DataFrame(rows).set_index("direction")
    out["n"] = out["n"].astype("int64")
    out["n_complete"] = out["n_complete"].astype("int64")
    out["n_items"] = out["n_items"].astype("int64")
    return out


def construct_check(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, Sequence[Hashable]],
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
) -> pd.DataFrame:
    """Flag items that correlate more with another direction than with their own.

    Parameters
    ----------
    directions : mapping direction -> list of item columns
    reverse, scale_points
        Reverse-keyed items and number of answer levels.

    Returns
    -------
    DataFrame
        One row per item (index ``item``) with ``direction``, ``r_own``
        (Pearson correlation with the mean of the *other* items of its own
        direction), ``closest_other`` (the other direction whose score
        correlates most with the item), ``r_other`` (that correlation),
        ``n_own``, ``n_other`` (respondents in each correlation) and
        ``flagged`` (``r_other > r_own``).

    Notes
    -----
    Direction scores here are the mean of the answered items (reverse-keyed),
    correlations use the respondents who have both values.  An item that is
    the only item of its direction has ``r_own`` NaN and is not flagged, with
    a ``note``.
    """
    data = check_frame(data)
    directions = check_directions(data, directions)
    reverse = check_reverse(data, reverse)
    all_items = list(dict.fromkeys(i for its in directions.values() for i in its))
    values = numeric_items(data, list(dict.fromkeys(all_items + reverse)))
    if reverse:
        points = check_scale_points(values, scale_points, reverse)
        values = reverse_keyed(values, reverse, points)
    scores = {code: values[items].mean(axis=1) for code, items in directions.items()}
    rows = []
    for code, items in directions.items():
        for item in items:
            x = values[item]
            others = [i for i in items if i != item]
            note = ""
            if others:
                own = values[others].mean(axis=1)
                both = x.notna() & own.notna()
                r_own = float(x[both].corr(own[both])) if both.sum() > 2 else np.nan
                n_own = int(both.sum())
            else:
                r_own, n_own, note = np.nan, 0, "only item of its direction"
            best, r_best, n_best = None, -np.inf, 0
            for other, score in scores.items():
                if other == code:
                    continue
                both = x.notna() & score.notna()
                r = float(x[both].corr(score[both])) if both.sum() > 2 else np.nan
                if np.isfinite(r) and r > r_best:
                    best, r_best, n_best = other, r, int(both.sum())
            r_other = r_best if best is not None else np.nan
            flagged = bool(np.isfinite(r_own) and np.isfinite(r_other) and r_other > r_own)
            rows.append({"item": item, "direction": code, "r_own": r_own, "n_own": n_own,
                         "closest_other": best, "r_other": r_other, "n_other": n_best,
                         "flagged": flagged, "note": note})
    return pd.DataFrame(rows).set_index("item")
