"""Item summaries: how the respondents answered each Likert item.

This module owns the per-item description of answers — counts and
percentages per answer level, mean and median, the top-two-box share with a
Wilson interval — in unweighted and weighted form, and the long table of
answer counts behind a stacked Likert bar chart.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .arguments import (
    bad_option,
    check_columns,
    check_frame,
    check_int,
    check_probability,
    check_scale_points,
    numeric_items,
    resolve_weights,
)
from .errors import AnalysisInputError

__all__ = ["wilson_interval", "kish_effective_n", "item_summary", "likert_counts"]


def wilson_interval(successes: float, n: float, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion.

    Parameters
    ----------
    successes : float
        Number (or weighted share times ``n``) of "successes".
    n : float
        Number of trials; may be a non-integer effective sample size.
    confidence : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    (low, high) : tuple of float
        ``(nan, nan)`` when ``n`` is 0.

    Notes
    -----
    With :math:`\\hat p = x / n` and :math:`z` the normal quantile,

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22(158), 209-212.
    """
    confidence = check_probability("confidence", confidence)
    if not np.isfinite(n) or n < 0 or successes < 0 or successes > n + 1e-9:
        raise AnalysisInputError(
            f"wilson_interval needs 0 <= successes <= n; got successes={successes!r}, n={n!r}.",
            value=(successes, n),
        )
    if n == 0:
        return (float("nan"), float("nan"))
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def kish_effective_n(weights: Sequence[float] | pd.Series | np.ndarray) -> float:
    """Kish's effective sample size :math:`(\\sum w)^2 / \\sum w^2`.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*. Wiley.
    """
    w = np.asarray(weights, dtype=float)
    total_sq = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / total_sq) if total_sq > 0 else 0.0


def _levels_for(data: pd.DataFrame, items: Sequence[Hashable], scale_points: Any
                ) -> dict[Hashable, int]:
    points: dict[Hashable, int] = {}
    for item in items:
        col = data[item]
        if isinstance(scale_points, Mapping):
            k = scale_points.get(item)
        elif scale_points is not None:
            k = scale_points
        elif isinstance(col.dtype, pd.CategoricalDtype):
            k = len(col.cat.categories)
        else:
            raise AnalysisInputError(
                f"item {item!r} is numeric, so the number of answer levels is unknown.",
                column=str(item),
                hint="Pass scale_points= (e.g. 5 for a 5-point scale), or pass ordered "
                "categorical columns.",
            )
        if not (isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 2):
            raise bad_option("scale_points", "an integer >= 2 or a mapping item -> integer", k)
        points[item] = int(k)
    return points


def _coded(data: pd.DataFrame, items: Sequence[Hashable], points: Mapping[Hashable, int]
           ) -> pd.DataFrame:
    values = numeric_items(data, items)
    check_scale_points(values, points, items)
    return values


def _all_but_weights(data: pd.DataFrame, weights: Any) -> list[Hashable]:
    weight_column = None if weights is None or isinstance(weights, pd.Series) else weights
    return [c for c in data.columns if c != weight_column]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    total = w.sum()
    if total <= 0:
        return float("nan")
    cum = np.cumsum(w) / total
    return float(v[np.searchsorted(cum, 0.5 - 1e-12)])


def item_summary(
    data: pd.DataFrame,
    *,
    items: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] | None = None,
    weights: Hashable | pd.Series | None = None,
    top_box: int = 2,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Summarise each Likert item: counts, percentages, mean, median, top-box share.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.  Item columns are either ordered categoricals
        (level ``j`` of the categories is coded ``j``) or numbers ``1..k``;
        NaN means not answered.
    items : list of column names, optional
        The items to summarise; default every column except ``weights``.
    scale_points : int or mapping item -> int, optional
        Number of answer levels ``k``; needed for numeric columns.
    weights : column name or Series, optional
        Respondent weights (e.g. raking weights from
        :func:`survey_analysis.coverage.rake_weights`).  When given, counts,
        percentages, mean, median and the top-box share are weighted.
    top_box : int, default 2
        How many of the highest levels count as "top box".
    confidence : float, default 0.95
        Coverage of the Wilson interval.

    Returns
    -------
    DataFrame
        One row per item (index ``item``) with columns

        - ``n``: respondents who answered; ``n_missing``: who did not;
        - ``scale_points``: ``k``;
        - ``count_1`` .. ``count_k``: answers per level (weighted sums when
          weighted) and ``pct_1`` .. ``pct_k``: percentages of ``n`` (0-100);
        - ``mean``, ``median``;
        - ``top_box_share`` (0-1), ``top_box_low``, ``top_box_high``: the share
          answering one of the ``top_box`` highest levels and its Wilson interval;
        - ``n_effective``: Kish effective n (equals ``n`` when unweighted);
        - ``weighted``: whether weights were used.

    Notes
    -----
    The Wilson interval (:func:`wilson_interval`) uses ``n`` when
    unweighted.  When weighted it uses the weighted share and Kish's
    effective sample size :math:`n_{eff} = (\\sum w)^2 / \\sum w^2` over the
    respondents who answered the item, which widens the interval by the
    design effect of unequal weights.  The weighted median is the lowest level
    at which the cumulative weighted share reaches 50 %; the unweighted median
    is the ordinary median (the average of the two middle answers when ``n``
    is even).

    References
    ----------
    Wilson (1927); Kish, L. (1965). *Survey Sampling*. Wiley.
    """
    data = check_frame(data)
    top_box = check_int("top_box", top_box, minimum=1)
    confidence = check_probability("confidence", confidence)
    w_all = resolve_weights(data, weights)
    if items is None:
        items = _all_but_weights(data, weights)
    items = check_columns(data, "items", items)
    points = _levels_for(data, items, scale_points)
    values = _coded(data, items, points)
    kmax = max(points.values())
    rows = []
    for item in items:
        k = points[item]
        if top_box >= k:
            raise bad_option("top_box", f"an integer between 1 and {k - 1} for item {item!r}",
                             top_box)
        col = values[item]
        answered = col.notna()
        x = col[answered].to_numpy()
        w = np.ones_like(x) if w_all is None else w_all[answered].to_numpy()
        n = int(answered.sum())
        total_w = float(w.sum())
        row: dict[str, Any] = {"item": item, "n": n, "n_missing": int((~answered).sum()),
                               "scale_points": k}
        for level in range(1, kmax + 1):
            if level > k:
                row[f"count_{level}"] = np.nan
                continue
            row[f"count_{level}"] = float(w[x == level].sum()) if w_all is not None \
                else int((x == level).sum())
        for level in range(1, kmax + 1):
            row[f"pct_{level}"] = (100.0 * row[f"count_{level}"] / total_w
                                   if level <= k and total_w > 0 else np.nan)
        if n == 0 or total_w <= 0:
            mean = median = share = np.nan
            low = high = np.nan
            n_eff = 0.0
        else:
            mean = float(np.average(x, weights=w))
            median = float(np.median(x)) if w_all is None else _weighted_median(x, w)
            top = x > k - top_box
            share = float(w[top].sum() / total_w)
            n_eff = float(n) if w_all is None else kish_effective_n(w)
            low, high = wilson_interval(share * n_eff, n_eff, confidence=confidence)
        row.update({"mean": mean, "median": median, "top_box_share": share,
                    "top_box_low": low, "top_box_high": high, "n_effective": n_eff,
                    "weighted": w_all is not None})
        rows.append(row)
    out = pd.DataFrame(rows).set_index("item")
    out.attrs["top_box"] = top_box
    out.attrs["confidence"] = confidence
    out.attrs["interval"] = ("Wilson score interval" + (" with Kish effective n"
                                                        if w_all is not None else ""))
    return out


def likert_counts(
    data: pd.DataFrame,
    *,
    items: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] | None = None,
    labels: Sequence[str] | Mapping[Hashable, Sequence[str]] | None = None,
    weights: Hashable | pd.Series | None = None,
) -> pd.DataFrame:
    """Long table of answer counts per item and level, for a stacked Likert chart.

    Parameters
    ----------
    data : DataFrame
        Item columns as ordered categoricals or numbers ``1..k``.
    items, scale_points, weights
        As in :func:`item_summary`.
    labels : list of str, or mapping item -> list of str, optional
        Label of each level (lowest first).  Default: the categories of an
        ordered categorical column, else the level number as text.

    Returns
    -------
    DataFrame
        Columns ``item``, ``level`` (1..k), ``label``, ``count`` (weighted sum
        when weighted), ``percent`` (0-100 of the item's answers) and ``n``
        (respondents who answered the item).  Every level appears, including
        those nobody chose (count 0).
    """
    data = check_frame(data)
    if items is None:
        items = _all_but_weights(data, weights)
    items = check_columns(data, "items", items)
    points = _levels_for(data, items, scale_points)
    values = _coded(data, items, points)
    w_all = resolve_weights(data, weights)
    rows = []
    for item in items:
        k = points[item]
        if isinstance(labels, Mapping):
            item_labels = labels.get(item)
        elif labels is not None:
            item_labels = labels
        elif isinstance(data[item].dtype, pd.CategoricalDtype):
            item_labels = [str(c) for c in data[item].cat.categories]
        else:
            item_labels = [str(j) for j in range(1, k + 1)]
        if item_labels is None or len(item_labels) != k:
            raise bad_option("labels", f"{k} labels for item {item!r}", item_labels)
        col = values[item]
        answered = col.notna()
        x = col[answered].to_numpy()
        w = np.ones_like(x) if w_all is None else w_all[answered].to_numpy()
        total = float(w.sum())
        for level in range(1, k + 1):
            count = float(w[x == level].sum())
            rows.append({"item": item, "level": level, "label": item_labels[level - 1],
                         "count": count if w_all is not None else int(round(count)),
                         "percent": 100.0 * count / total if total > 0 else np.nan,
                         "n": int(answered.sum())})
    return pd.DataFrame(rows, columns=["item", "level", "label", "count", "percent", "n"])
