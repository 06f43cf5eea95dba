"""Consensus and polarisation of answers on ordinal scales.

This module owns the Tastle & Wierman consensus measure per item and per
direction, and a documented rule that flags polarised (two-camp) answer
distributions.  Consensus is about members: it asks whether members give the
same answers to each item, never whether a direction's items get the same
answer (items differ in what they ask), so ten identical members have
consensus 1 whatever their answers.  Below a minimum number of answers
(:data:`survey_analysis.scores.MIN_N`) there is no consensus to speak of:
the tables say "too few answers" instead of a number.
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
from .scores import MIN_N

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
    min_n: int = 1,
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
    min_n : int, default 1
        Fewest answers for a consensus; an item with fewer has
        ``too_few_answers`` True, ``consensus`` NaN and ``polarised`` <NA>.

    Returns
    -------
    DataFrame
        One row per item (index ``item``): ``n``, ``mean``, ``consensus``
        (:func:`consensus_measure`), ``share_low``, ``share_middle``,
        ``share_high``, ``polarised`` (boolean) and ``too_few_answers``.
    """
    data = check_frame(data)
    min_n = check_int("min_n", min_n, minimum=1)
    items = check_columns(data, "items", list(data.columns) if items is None else items)
    values = numeric_items(data, items)
    points = check_scale_points(values, scale_points, items)
    rows = []
    for item in items:
        counts = _counts(values[item], points[item])
        n = int(counts.sum())
        too_few = n < min_n
        shares = polarisation(counts, extreme_levels=extreme_levels, threshold=threshold)
        rows.append({"item": item, "n": n,
                     "mean": float(values[item].mean()) if n else np.nan,
                     "consensus": np.nan if too_few else consensus_measure(counts),
                     **shares, "polarised": pd.NA if too_few else shares["polarised"],
                     "too_few_answers": too_few})
    out = pd.DataFrame(rows).set_index("item")
    out["polarised"] = out["polarised"].astype("boolean")
    return out


def direction_consensus(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, Sequence[Hashable]],
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
    extreme_levels: int = 2,
    threshold: float = 0.3,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """How far members agree about each direction: consensus and polarisation.

    Parameters
    ----------
    directions : mapping direction -> list of item columns
    reverse : list of item columns, optional
        Reverse-keyed items (recoded ``k + 1 - x``; consensus and
        polarisation do not depend on it, the item means do).
    scale_points, extreme_levels, threshold
        As in :func:`item_consensus`.
    min_n : int, default :data:`~survey_analysis.scores.MIN_N` (10)
        Fewest members who answered an item for it to count; a direction
        none of whose items reaches it has no consensus ("too few answers").

    Returns
    -------
    DataFrame
        One row per direction (index ``direction``): ``n_respondents``
        (answered at least one item), ``n_items``, ``n_items_used`` (items
        with at least ``min_n`` answers), ``consensus`` (the mean of the
        items' consensus), ``min_item_consensus``, ``n_polarised_items``,
        ``polarised`` (boolean) and ``too_few_answers``; with too few answers
        ``consensus`` and ``min_item_consensus`` are NaN and ``polarised``
        <NA>.

    Notes
    -----
    The consensus of a direction is the Tastle-Wierman consensus
    (:func:`consensus_measure`) of the members' answers to each of its items,
    averaged over the items:

    .. math:: Cns_d = \\frac{1}{m} \\sum_{j=1}^{m} Cns(\\text{answers to item } j)

    It measures agreement between members.  Answers are never pooled across
    items, which would read a difference between items (members rating one
    item 5 and another 1) as disagreement between members: ten identical
    members answering 5, 1, 5, 1 to a direction's four items agree fully
    (consensus 1).  A direction is *polarised* when at least half of its
    items are polarised (:func:`polarisation`): the members split into two
    camps on most of what the direction asks.
    """
    data = check_frame(data)
    min_n = check_int("min_n", min_n, minimum=1)
    directions = check_directions(data, directions)
    reverse = check_reverse(data, reverse)
    all_items = list(dict.fromkeys([i for its in directions.values() for i in its] + reverse))
    values = numeric_items(data, all_items)
    points = check_scale_points(values, scale_points, all_items)
    keyed = reverse_keyed(values, reverse, points)
    rows = []
    for code, items in directions.items():
        per_item = item_consensus(keyed, items=items, scale_points=points,
                                  extreme_levels=extreme_levels, threshold=threshold,
                                  min_n=min_n)
        used = per_item[~per_item["too_few_answers"]]
        too_few = used.empty
        n_polarised = int(used["polarised"].sum()) if not too_few else 0
        rows.append({"direction": code,
                     "n_respondents": int(keyed[items].notna().any(axis=1).sum()),
                     "n_items": len(items), "n_items_used": int(len(used)),
                     "consensus": np.nan if too_few else float(used["consensus"].mean()),
                     "min_item_consensus": np.nan if too_few else float(used["consensus"].min()),
                     "n_polarised_items": n_polarised,
                     "polarised": pd.NA if too_few else bool(2 * n_polarised >= len(used)),
                     "too_few_answers": too_few})
    out = pd.DataFrame(rows).set_index("direction")
    out["polarised"] = out["polarised"].astype("boolean")
    out.attrs.update({"min_n": min_n, "definition": "Tastle-Wierman consensus of the members' "
                      "answers to each item, averaged over the direction's items"})
    return out
