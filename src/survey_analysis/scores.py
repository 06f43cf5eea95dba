"""Direction scores: each respondent's support for each strategic direction.

This module owns reverse keying, the per-respondent direction score (mean of
the direction's items with a minimum-answered rule) and the per-direction
summary with a seeded bootstrap interval.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .arguments import (
    check_directions,
    check_frame,
    check_int,
    check_probability,
    check_random_state,
    check_reverse,
    check_scale_points,
    numeric_items,
    reverse_keyed,
)
from .errors import AnalysisInputError

__all__ = ["reverse_key", "respondent_scores", "direction_scores", "bootstrap_mean_interval"]


def reverse_key(
    data: pd.DataFrame,
    *,
    items: Sequence[Hashable],
    scale_points: int | Mapping[Hashable, int] = 5,
) -> pd.DataFrame:
    """Recode reverse-keyed items as ``k + 1 - x``.

    Parameters
    ----------
    data : DataFrame
        Items coded ``1..k`` (NaN = not answered).
    items : list of column names
        The items to reverse; the other columns are returned unchanged.
    scale_points : int or mapping item -> int, default 5
        Number of answer levels ``k``.

    Returns
    -------
    DataFrame
        A float copy of ``data`` with ``items`` reversed.
    """
    data = check_frame(data)
    items = check_reverse(data, items)
    values = numeric_items(data, list(data.columns))
    points = check_scale_points(values, scale_points, items)
    return reverse_keyed(values, items, points)


def _prepared(data: pd.DataFrame, directions: Any, reverse: Any, scale_points: Any
              ) -> tuple[dict[str, list[Hashable]], pd.DataFrame]:
    data = check_frame(data)
    directions = check_directions(data, directions)
    reverse = check_reverse(data, reverse)
    items = list(dict.fromkeys([i for its in directions.values() for i in its] + reverse))
    values = numeric_items(data, items)
    points = check_scale_points(values, scale_points, items)
    return directions, reverse_keyed(values, reverse, points)


def _min_answered(min_items: Any, n_items: int) -> int:
    if min_items is None:
        return max(1, math.ceil(n_items / 2))
    min_items = check_int("min_items", min_items, minimum=1)
    return min(min_items, n_items)


def respondent_scores(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, Sequence[Hashable]],
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
    min_items: int | None = None,
) -> pd.DataFrame:
    """Each respondent's score per direction.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; items coded ``1..k`` (or ordered categoricals),
        NaN = not answered, not yet reverse-keyed.
    directions : mapping direction -> list of item columns
        E.g. ``survey.codebook.items_by_direction()``.
    reverse : list of item columns, optional
        Reverse-keyed items (recoded ``k + 1 - x`` before averaging).
    scale_points : int or mapping item -> int, default 5
        Number of answer levels ``k``.
    min_items : int, optional
        Least number of answered items for a score; default: at least half
        of the direction's items (``ceil(m / 2)``).  A value above the number
        of items means "all items".

    Returns
    -------
    DataFrame
        Indexed like ``data``; one float column per direction (the score,
        NaN when fewer than ``min_items`` items were answered) and one
        integer column ``answered[<direction>]`` per direction with the number
        of items the respondent answered, so every missing score is accounted
        for.

    Notes
    -----
    score = mean of the answered items of the direction after reverse keying.
    """
    directions, values = _prepared(data, directions, reverse, scale_points)
    out: dict[str, pd.Series] = {}
    answered_cols: dict[str, pd.Series] = {}
    for code, items in directions.items():
        block = values[items]
        answered = block.notna().sum(axis=1)
        need = _min_answered(min_items, len(items))
        out[code] = block.mean(axis=1).where(answered >= need)
        answered_cols[f"answered[{code}]"] = answered.astype("int64")
    result = pd.DataFrame({**out, **answered_cols}, index=data.index)
    result.attrs["min_items"] = {code: _min_answered(min_items, len(items))
                                 for code, items in directions.items()}
    return result


def bootstrap_mean_interval(
    values: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap interval of a mean.

    Resamples the values with replacement ``n_boot`` times and returns the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the
    resampled means.

    Parameters
    ----------
    values : sequence of float
        The observations; missing (NaN) or infinite values raise
        :class:`AnalysisInputError` (drop them first and report how many).
    n_boot : int, default 2000
    confidence : float, default 0.95
    random_state : int, Generator or None

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` for fewer than two values, whose
        resamples all have the same mean and so say nothing about its
        uncertainty.  No random numbers are drawn in that case.

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    Chapman & Hall, ch. 13.
    """
    n_boot = check_int("n_boot", n_boot, minimum=1)
    confidence = check_probability("confidence", confidence)
    rng = check_random_state(random_state)
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise AnalysisInputError(
            "values must be numbers.", hint="Pass the observed values as a list of numbers.",
        ) from err
    if x.ndim != 1:
        x = x.ravel()
    bad = ~np.isfinite(x)
    if bad.any():
        raise AnalysisInputError(
            f"values hold {int(bad.sum())} missing or infinite value(s) of {x.size} "
            f"(first at position {int(np.flatnonzero(bad)[0])}).",
            value=float(x[bad][0]),
            hint="Drop the missing values first (e.g. values.dropna()) and report how many "
            "were left out.",
        )
    if x.size < 2:
        return (float("nan"), float("nan"))
    means = np.empty(n_boot)
    # in chunks, to bound memory for large surveys
    chunk = max(1, 2_000_000 // x.size)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, x.size, size=(stop - start, x.size))
        means[start:stop] = x[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
    return (float(lo), float(hi))


def direction_scores(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, Sequence[Hashable]],
    reverse: Sequence[Hashable] | None = None,
    scale_points: int | Mapping[Hashable, int] = 5,
    min_items: int | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Support for each direction: mean respondent score with a bootstrap interval.

    Parameters
    ----------
    data, directions, reverse, scale_points, min_items
        As in :func:`respondent_scores`.
    n_boot : int, default 2000
        Bootstrap resamples.
    confidence : float, default 0.95
        Coverage of the interval.
    random_state : int, Generator or None, default 0
        Seed of the bootstrap, so a report is reproducible.

    Returns
    -------
    DataFrame
        One row per direction (index ``direction``) with ``n_items``,
        ``min_items``, ``n`` (respondents with a score), ``n_too_few_items``
        (respondents left out by the minimum-items rule), ``mean``,
        ``ci_low``, ``ci_high`` (percentile bootstrap interval of the mean;
        NaN when ``n`` < 2, as one score gives no interval), ``sd`` (NaN when
        ``n`` < 2), ``median``.

    Notes
    -----
    Each direction's interval resamples respondents with a score
    independently; directions are processed in the order given, from one
    random generator seeded with ``random_state``.
    """
    n_boot = check_int("n_boot", n_boot, minimum=1)
    confidence = check_probability("confidence", confidence)
    rng = check_random_state(random_state)
    scores = respondent_scores(data, directions=directions, reverse=reverse,
                               scale_points=scale_points, min_items=min_items)
    rows = []
    for code, items in check_directions(data, directions).items():
        col = scores[code]
        x = col.dropna().to_numpy()
        low, high = bootstrap_mean_interval(x, n_boot=n_boot, confidence=confidence,
                                            random_state=rng)
        rows.append({
            "direction": code, "n_items": len(items), "min_items": scores.attrs["min_items"][code],
            "n": int(x.size), "n_too_few_items": int(col.isna().sum()),
            "mean": float(x.mean()) if x.size else np.nan, "ci_low": low, "ci_high": high,
            "sd": float(x.std(ddof=1)) if x.size > 1 else np.nan,
            "median": float(np.median(x)) if x.size else np.nan,
        })
    out = pd.DataFrame(rows).set_index("direction")
    out.attrs.update({"n_boot": n_boot, "confidence": confidence,
                      "interval": "percentile bootstrap of the mean"})
    return out

