"""Consensus and polarisation of answers on ordinal scales.

This module owns the Tastle & Wierman consensus measure per item and per
direction, and a documented rule that flags polarised (two-camp) answer
distributions.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .arguments import (
    bad_option,
    check_columns,
    check_directions,
    check_frame,
    check_int,
    check_probability,
    check_reverse,
    check_scale_points,
    numeric_items,
    reverse_keyed,
)
from .errors import AnalysisInputError

__all__ = ["consensus_measure", "polarisation", "item_consensus", "direction_consensus"]


def consensus_measure(
    frequencies: Sequence[float] | np.ndarray | pd.Series,
    *,
    values: Sequence[float] | None = None,
) -> float:
    """Tastle & Wierman's consensus of one ordinal distribution.

    Parameters
    ----------
    frequencies : sequence of float
        Counts or proportions of each level, lowest level first.  Levels
        nobody chose must be included (as 0): they define the scale width.
    values : sequence of float, optional
        The levels' values; default ``1..k``.

    Returns
    -------
    float
        1 when every answer is in one level, 0 when the answers are split
        evenly between the two extremes; NaN when there are no answers.

    Notes
    -----
    With :math:`p_i` the share of level :math:`X_i`, :math:`\\mu=\\sum p_i X_i`
    and :math:`d_X = X_{max} - X_{min}` the width of the scale,

    .. math:: Cns(X) = 1 + \\sum_i p_i \\log_2\\Big(1 - \\frac{|X_i - \\mu|}{d_X}\\Big)

    Terms with :math:`p_i = 0` contribute 0.

    References
    ----------
    Tastle, W. J. & Wierman, M. J. (2007). Consensus and dissention: A measure
    of ordinal dispersion. International Journal of Approximate Reasoning
    45(3), 531-545.
    """
    f = np.asarray(frequencies, dtype=float)
    if f.ndim != 1 or f.size < 2 or np.any(~np.isfinite(f)) or np.any(f < 0):
        raise AnalysisInputError(
            "frequencies must be a list of at least two non-negative numbers.",
            value=list(np.ravel(f))[:10],
            hint="Pass the count (or share) of every level, lowest level first.",
        )
    x = np.arange(1, f.size + 1, dtype=float) if values is None else np.asarray(values, float)
    if x.shape != f.shape or np.any(np.diff(x) <= 0):
        raise bad_option("values", f"{f.size} increasing numbers", values)
    total = f.sum()
    if total == 0:
        return float("nan")
    p = f / total
    mu = float(np.sum(p * x))
    width = x[-1] - x[0]
    used = p > 0
    inner = 1 - np.abs(x[used] - mu) / width
    return float(1 + np.sum(p[used] * np.log2(inner)))


def polarisation(
    frequencies: Sequence[float] | np.ndarray | pd.Series,
    *,
    extreme_levels: int = 2,
    threshold: float = 0.3,
) -> dict[str, Any]:
    """Shares at both ends and in the middle of a distribution, and the polarisation flag.

    Parameters
    ----------
    frequencies : sequence of float
        Counts or shares of each level, lowest level first (levels nobody
        chose included as 0).
    extreme_levels : int, default 2
        Number of levels at each end of the scale.
    threshold : float, default 0.3
        Least share of the answers each end must hold.

    Returns
    -------
    dict
        ``share_low``, ``share_middle``, ``share_high`` (shares of all answers;
        NaN when there are none) and ``polarised`` (bool).

    Notes
    -----
    The lowest ``extreme_levels`` levels form the low end, the highest
    ``extreme_levels`` the high end, the rest the middle.  Because the ends
    and the middle span different numbers of levels (on a 5-point scale two
    levels at each end, one in the middle), they are compared per level.
    With :math:`L`, :math:`H` and :math:`M` the shares of the low end, the
    high end and the middle, :math:`e` = ``extreme_levels`` and :math:`m`
    the number of middle levels, a distribution is *polarised* when

    .. math:: L \\ge t, \\quad H \\ge t, \\quad \\frac{M}{m} < \\frac{L}{e}
              \\quad\\text{and}\\quad \\frac{M}{m} < \\frac{H}{e}

    with :math:`t` = ``threshold``: both ends are large and the answers are
    thinner in the middle, per level, than at either end.  A scale without
    middle levels (:math:`m = 0`) needs only the first two conditions.  On a
    5-point scale with the defaults: at least 30 % in levels 1-2, at least
    30 % in levels 4-5, and level 3 chosen less often than the mean of levels
    1-2 and than the mean of levels 4-5.  A uniform distribution (20 % per
    level) is therefore not polarised, while ``[40, 5, 10, 5, 40]`` is.
    """
    f = np.asarray(frequencies, dtype=float)
    extreme_levels = check_int("extreme_levels", extreme_levels, minimum=1)
    threshold = check_probability("threshold", threshold)
    if f.ndim != 1 or np.any(~np.isfinite(f)) or np.any(f < 0):
        raise AnalysisInputError(
            "frequencies must be a list of non-negative numbers.",
            value=list(np.ravel(f))[:10],
            hint="Pass the count (or share) of every level, lowest level first.",
        )
    if 2 * extreme_levels > f.size:
        raise bad_option("extreme_levels", f"an integer between 1 and {f.size // 2}",
                         extreme_levels)
    total = f.sum()
    if total == 0:
        return {"share_low": np.nan, "share_middle": np.nan, "share_high": np.nan,
                "polarised": False}
    n_middle = f.size - 2 * extreme_levels
    f_low, f_high = f[:extreme_levels].sum(), f[-extreme_levels:].sum()
    f_middle = f[extreme_levels:f.size - extreme_levels].sum()
    low, high, middle = float(f_low / total), float(f_high / total), float(f_middle / total)
    flag = low >= threshold and high >= threshold
    if n_middle:
        # per level, compared on the counts cross-multiplied so that exact ties (a uniform
        # distribution) are not decided by rounding
        flag = (flag and f_middle * extreme_levels < f_low * n_middle
                and f_middle * extreme_levels < f_high * n_middle)
    return {"share_low": low, "share_middle": middle, "share_high": high, "polarised": bool(flag)}


def _counts(col: pd.Series, k: int) -> np.ndarray:
    x = col.dropna().to_numpy()
    return np.array([(x == level).sum() for level in range(1, k + 1)], dtype=float)


def item_consensus(
    data: pd.DataFrame,
    *,
    items: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
    extreme_levels: int = 2,
    threshold: float = 0.3,
) -> pd.DataFrame:
    """Consensus and polarisation of each item.

    Parameters
    ----------
    data : DataFrame
        Items coded ``1..k`` or ordered categoricals; NaN = not answered.
    items : list of column names, optional
        Default: all columns.
    scale_points : int or mapping item -> int, default 5
        Number of answer levels ``k``.
    extreme_levels, threshold
        The polarisation rule, see :func:`polarisation`.

    Returns
    -------
    DataFrame
        One row per item (index ``item``): ``n``, ``mean``, ``consensus``
        (:func:`consensus_measure`), ``share_low``, ``share_middle``,
        ``share_high``, ``polarised``.
    """
    data = check_frame(data)
    items = check_columns(data, "items", list(data.columns) if items is None else items)
    values = numeric_items(data, items)
    points = check_scale_points(values, scale_points, items)
    rows = []
    for item in items:
        counts = _counts(values[item], points[item])
        n = int(counts.sum())
        rows.append({"item": item, "n": n,
                     "mean": float(values[item].mean()) if n else np.nan,
                     "consensus": consensus_measure(counts),
                     **polarisation(counts, extreme_levels=extreme_levels,
                                    threshold=threshold)})
    return pd.DataFrame(rows).set_index("item")


def direction_consensus(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, Sequence[Hashable]],
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
    extreme_levels: int = 2,
    threshold: float = 0.3,
) -> pd.DataFrame:
    """Consensus and polarisation of each direction's answers.

    Parameters
    ----------
    directions : mapping direction -> list of item columns
    reverse : list of item columns, optional
        Reverse-keyed items, recoded ``k + 1 - x`` before pooling.
    scale_points, extreme_levels, threshold
        As in :func:`item_consensus`.

    Returns
    -------
    DataFrame
        One row per direction (index ``direction``): ``n_respondents``
        (answered at least one item), ``n_answers`` (item answers pooled),
        ``consensus`` (of the pooled distribution), ``mean_item_consensus``,
        ``share_low``, ``share_middle``, ``share_high``, ``polarised`` (of the
        pooled distribution) and ``n_polarised_items``.

    Notes
    -----
    The direction's distribution pools all answers to its items after
    reverse keying, so that "high" always means support for the direction.
    Its items must share one number of levels.
    """
    data = check_frame(data)
    directions = check_directions(data, directions)
    reverse = check_reverse(data, reverse)
    all_items = list(dict.fromkeys([i for its in directions.values() for i in its] + reverse))
    values = numeric_items(data, all_items)
    points = check_scale_points(values, scale_points, all_items)
    keyed = reverse_keyed(values, reverse, points)
    rows = []
    for code, items in directions.items():
        ks = {points[i] for i in items}
        if len(ks) != 1:
            raise AnalysisInputError(
                f"direction {code!r} mixes items with different numbers of levels {sorted(ks)}.",
                value=sorted(ks),
                hint="Pool only items on the same scale, or pass scale_points per item.",
            )
        k = ks.pop()
        pooled = sum(_counts(keyed[i], k) for i in items)
        per_item = item_consensus(keyed, items=items, scale_points=k,
                                  extreme_levels=extreme_levels, threshold=threshold)
        rows.append({"direction": code,
                     "n_respondents": int(keyed[items].notna().any(axis=1).sum()),
                     "n_answers": int(pooled.sum()),
                     "consensus": consensus_measure(pooled),
                     "mean_item_consensus": float(per_item["consensus"].mean()),
                     **polarisation(pooled, extreme_levels=extreme_levels, threshold=threshold),
                     "n_polarised_items": int(per_item["polarised"].sum())})
    return pd.DataFrame(rows).set_index("direction")
