"""Segments of a loaded survey as plain data, for the ``segments`` command."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from .model import Segmentation
from .tables import segment_crosstab

__all__ = ["segments_result"]


def _json_float(value: Any) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, 6)


def segments_result(
    survey: Any,
    *,
    method: str = "kmeans",
    n_segments: int | None = None,
    weights: Mapping[str, float] | None = None,
    centre: bool = True,
    threshold: int = 5,
    n_bootstrap: int = 20,
    random_state: int = 0,
) -> dict[str, Any]:
    """Segments of a loaded survey as plain data (for ``survey-analysis segments``).

    Returns
    -------
    dict
        ``method``, ``k``, ``silhouette`` and ``stability`` (lists of
        ``{"k", value}``), ``segments`` (segment, name, n, share,
        below_threshold, profile per direction, suppressed), ``breakdowns``
        (segment x member category and segment x size counts, small cells
        suppressed as ``None``), ``respondents`` (respondent id -> segment),
        ``excluded`` (respondents without a complete profile and so not
        segmented), ``threshold``.  Every value is JSON-serialisable.

    Notes
    -----
    Segments follow the rule of :meth:`Segmentation.summary`: a segment
    smaller than ``threshold`` (and the next smallest, when it alone would be
    hidden) has ``name``, ``n``, ``share``, ``below_threshold`` and every
    profile value ``None`` and ``suppressed`` true.
    """
    from ..profiles import priority_profiles

    profiles = priority_profiles(survey, weights=weights, centre=centre)
    complete = profiles.notna().all(axis=1)
    excluded = [str(r) for r in profiles.index[~complete]]
    names = {code: d.name.get("en", code) for code, d in survey.codebook.directions.items()}
    model = Segmentation(
        method=method,
        n_segments=n_segments,
        n_bootstrap=n_bootstrap,
        direction_names=names,
        random_state=random_state,
    ).fit(profiles[complete])
    summary = model.summary(threshold=threshold)
    directions = list(model.feature_names_in_)
    breakdowns = {}
    for role in ("member_category", "size"):
        column = survey.codebook.column_for_role(role)
        if column is None or column not in survey.responses.columns:
            continue
        table = segment_crosstab(
            model.segments(), survey.responses.loc[model.index_, column], threshold=threshold
        )
        breakdowns[role] = {
            "column": column,
            "counts": {
                str(seg): {str(g): (None if pd.isna(v) else int(v)) for g, v in row.items()}
                for seg, row in table.iterrows()
            },
            "suppressed_cells": int(table.attrs["suppressed"].to_numpy().sum()),
        }
    return {
        "method": method,
        "k": model.n_segments_,
        "n_respondents": int(complete.sum()),
        "threshold": threshold,
        "silhouette": [
            {"k": int(r.k), "silhouette": _json_float(r.silhouette), "chosen": bool(r.chosen)}
            for r in model.silhouette_.itertuples()
        ],
        "stability": [
            {"k": int(r.k), "stability": _json_float(r.stability), "n_bootstrap": int(r.n_bootstrap)}
            for r in model.stability_.itertuples()
        ],
        "segments": [
            {
                "segment": int(row["segment"]),
                "name": None if pd.isna(row["name"]) else str(row["name"]),
                "n": None if pd.isna(row["n"]) else int(row["n"]),
                "share": None if pd.isna(row["share"]) else _json_float(row["share"]),
                "below_threshold": None if pd.isna(row["below_threshold"]) else bool(row["below_threshold"]),
                "profile": {d: (None if pd.isna(row[d]) else _json_float(row[d])) for d in directions},
                "suppressed": bool(row["suppressed"]),
            }
            for _, row in summary.iterrows()
        ],
        "breakdowns": breakdowns,
        "respondents": {str(r): int(s) for r, s in zip(model.index_, model.labels_)},
        "excluded": excluded,
    }
