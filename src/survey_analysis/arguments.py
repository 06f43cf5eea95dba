"""Checks of the arguments of the analysis functions, shared by every scoring module.

Every analysis function validates its keyword options here, once, at its
boundary, so that a wrong option always raises :class:`AnalysisInputError`
naming the parameter, the allowed values and the value received.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import AnalysisInputError

__all__: list[str] = []


def bad_option(name: str, allowed: str, got: Any) -> AnalysisInputError:
    return AnalysisInputError(
        f"option {name!r} must be {allowed}; got {got!r}.",
        value=got,
        hint=f"Pass {name}= as {allowed}.",
    )


def check_frame(data: Any, name: str = "data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise AnalysisInputError(
            f"{name!r} must be a pandas DataFrame; got {type(data).__name__}.",
            hint="Pass the responses as a DataFrame with one row per respondent.",
        )
    return data


def check_choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    if value not in allowed:
        raise bad_option(name, "one of " + ", ".join(repr(a) for a in allowed), value)
    return value


def check_probability(name: str, value: Any, *, open_interval: bool = True) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = (0.0 < value < 1.0) if open_interval else (0.0 <= value <= 1.0)
    if not ok:
        span = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise bad_option(name, f"a number {span}", value)
    return value


def check_int(name: str, value: Any, *, minimum: int = 0, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= minimum
    if not ok:
        allowed = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise bad_option(name, allowed, value)
    return int(value)


def check_random_state(value: Any) -> np.random.Generator:
    if isinstance(value, np.random.Generator):
        return value
    if value is None or (
        isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0
    ):
        return np.random.default_rng(value)
    raise bad_option("random_state", "None, a non-negative integer or a numpy Generator", value)


def check_columns(data: pd.DataFrame, name: str, columns: Any) -> list[Hashable]:
    """Return ``columns`` as a list after checking each one is in ``data``."""
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
        raise bad_option(name, "a list of column names", columns)
    columns = list(columns)
    if not columns:
        raise bad_option(name, "a non-empty list of column names", columns)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AnalysisInputError(
            f"option {name!r} names columns that are not in the data: {missing!r}.",
            column=str(missing[0]),
            value=missing[0],
            hint="Allowed values are the data's columns: "
            + ", ".join(map(str, list(data.columns)[:30])),
        )
    if len(set(columns)) != len(columns):
        raise bad_option(name, "a list of distinct column names", columns)
    return columns


def check_column(data: pd.DataFrame, name: str, column: Any) -> Hashable:
    if not isinstance(column, Hashable) or column not in data.columns:
        raise AnalysisInputError(
            f"option {name!r} must name a column of the data; got {column!r}.",
            column=str(column),
            value=column,
            hint="Allowed values are the data's columns: "
            + ", ".join(map(str, list(data.columns)[:30])),
        )
    return column


def check_directions(data: pd.DataFrame, directions: Any) -> dict[str, list[Hashable]]:
    """``directions`` maps a direction code to its item columns."""
    if not isinstance(directions, Mapping) or not directions:
        raise bad_option(
            "directions", "a non-empty mapping of direction -> list of item columns", directions
        )
    return {str(code): check_columns(data, f"directions[{code!r}]", items)
            for code, items in directions.items()}


def check_reverse(data: pd.DataFrame, reverse: Any) -> list[Hashable]:
    if reverse is None:
        return []
    if isinstance(reverse, (str, bytes)) or not isinstance(reverse, Iterable):
        raise bad_option("reverse", "a list of item columns to reverse-key (or None)", reverse)
    reverse = list(reverse)
    if not reverse:
        return []
    return check_columns(data, "reverse", reverse)


def numeric_items(data: pd.DataFrame, items: Sequence[Hashable], name: str = "items"
                  ) -> pd.DataFrame:
    """The item columns as a float frame (ordered categoricals -> 1..k codes).

    Raises when a column holds values that are not numbers.
    """
    out = {}
    for item in items:
        col = data[item]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.astype("float64")
            out[item] = codes.where(codes >= 0) + 1.0
            continue
        if pd.api.types.is_bool_dtype(col.dtype):
            out[item] = col.astype("Float64").astype("float64")
            continue
        converted = pd.to_numeric(col, errors="coerce")
        bad = converted.isna() & col.notna()
        if bad.any():
            where = bad.idxmax()
            raise AnalysisInputError(
                f"item column {item!r} holds a value that is not a number.",
                column=str(item),
                value=col.loc[where],
                hint=f"Code the answers as numbers (e.g. with survey.numeric()) before "
                f"passing them as {name}.",
            )
        out[item] = converted.astype("float64")
    return pd.DataFrame(out, index=data.index)


def check_scale_points(
    values: pd.DataFrame, scale_points: Any, items: Sequence[Hashable]
) -> dict[Hashable, int]:
    """Resolve ``scale_points`` (int or mapping item -> int) for each item and check values."""
    if isinstance(scale_points, Mapping):
        missing = [i for i in items if i not in scale_points]
        if missing:
            raise bad_option("scale_points", f"a mapping covering every item (missing {missing!r})",
                             dict(scale_points))
        points = {i: scale_points[i] for i in items}
    else:
        points = dict.fromkeys(items, scale_points)
    for item, k in points.items():
        if not (isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 2):
            raise bad_option("scale_points", "an integer >= 2 (or a mapping item -> integer)", k)
        col = values[item]
        outside = col.notna() & ((col < 1) | (col > k) | (col != np.round(col)))
        if outside.any():
            where = outside.idxmax()
            raise AnalysisInputError(
                f"item {item!r} holds a value outside the scale 1..{k}.",
                column=str(item),
                value=col.loc[where],
                hint="Check scale_points= (the number of answer levels) and the item coding.",
            )
    return {i: int(k) for i, k in points.items()}


def reverse_keyed(values: pd.DataFrame, reverse: Iterable[Hashable],
                  points: Mapping[Hashable, int]) -> pd.DataFrame:
    """Copy of ``values`` with the ``reverse`` items recoded as k + 1 - x."""
    out = values.copy()
    for item in reverse:
        if item in out.columns:
            out[item] = points[item] + 1 - out[item]
    return out


def resolve_weights(data: pd.DataFrame, weights: Any) -> pd.Series | None:
    """A weight column name or a Series aligned on ``data.index``; None means unweighted."""
    if weights is None:
        return None
    if isinstance(weights, pd.Series):
        if not weights.index.equals(data.index):
            missing = data.index.difference(weights.index)
            if len(missing):
                raise AnalysisInputError(
                    "the weights Series has no weight for some respondents.",
                    value=missing[0],
                    hint="Pass weights indexed like the data (one weight per respondent).",
                )
            weights = weights.reindex(data.index)
        w = pd.to_numeric(weights, errors="coerce").astype("float64")
        label = "weights"
    elif isinstance(weights, Hashable) and weights in data.columns:
        w = pd.to_numeric(data[weights], errors="coerce").astype("float64")
        label = str(weights)
    else:
        raise bad_option("weights", "None, a column name of the data or a Series of weights",
                         weights)
    bad = w.isna() | (w < 0) | ~np.isfinite(w)
    if bad.any():
        where = bad.idxmax()
        raise AnalysisInputError(
            "weights must be finite non-negative numbers for every respondent.",
            column=label,
            value=None if pd.isna(w.loc[where]) else w.loc[where],
            row=None,
            hint=f"Fix the weight of respondent {where!r}.",
        )
    return w
