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


def _k_rule(model: Segmentation, requested: bool) -> str:
    if requested:
        return f"{model.n_segments_} segment(s) as requested."
    if model.no_distinct_segments_:
        return ("No k from 2 to 8 qualified: the members form no distinct groups (a k qualifies "
                "when its silhouette exceeds the 95th percentile of the same fit on profiles "
                "without structure and its stability is at least 0.75).")
    text = (f"k = {model.n_segments_}: its silhouette exceeds that of profiles without structure "
            "the most among the k that qualify (stability at least 0.75).")
    if model.near_tie_ is not None:
        k, other, margin = model.near_tie_
        text += (f" A near tie: k = {other} fits almost as well (margin {margin:.3f}), so read "
                 f"the {k} segments as one reading among two.")
    return text


def segments_result(
    survey: Any,
    *,
    method: str = "kmeans",
    n_segments: int | None = None,
    weights: Mapping[str, float] | None = None,
    centre: bool = True,
    threshold: int = 5,
    n_bootstrap: int = 50,
    n_reference: int = 20,
    rows: bool = False,
    random_state: int = 0,
    allow_partial: bool = False,
) -> dict[str, Any]:
    """Segments of a loaded survey as plain data (for ``survey-analysis segments``).

    Refuses an export that matches the codebook only in part unless
    ``allow_partial`` (see :func:`survey_analysis.check_fit`); the result's
    ``"fit"`` says how the export fits.

    Parameters
    ----------
    survey : loaded survey
    method, n_segments, n_bootstrap, n_reference, random_state
        As in :class:`Segmentation` (``n_segments=1``: one segment).
    weights, centre
        As in :func:`survey_analysis.profiles.priority_profiles`.
    threshold : int, default 5
        Disclosure threshold.
    rows : bool, default False
        Add ``respondents``, the segment of each respondent, for the analyst
        (``segments --json --rows``); respondents of hidden segments get
        ``None``.  Never put it in a report.

    Returns
    -------
    dict
        ``method``, ``k`` (1 = no distinct segments), ``no_distinct_segments``,
        ``k_rule`` (how k was chosen, one sentence), ``near_tie`` (``None`` or
        ``{"k": [chosen, runner_up], "margin": x}``), ``choice`` (per k:
        ``k``, ``silhouette``, ``reference_p95``, ``excess``, ``stability``,
        ``qualifies``, ``chosen``), ``silhouette`` and ``stability`` (lists
        of ``{"k", value}``), ``segments`` (segment, name, n, share,
        below_threshold, profile per direction, suppressed), ``breakdowns``
        (segment x member category and segment x size counts, small cells
        suppressed as ``None``), ``excluded`` (respondents without a complete
        profile and so not segmented), ``threshold``, ``n_respondents``, and
        with ``rows`` ``respondents``.  Every value is JSON-serialisable.

    Notes
    -----
    Segments follow the rule of :meth:`Segmentation.summary`: a segment
    smaller than ``threshold`` (and others hidden with it so that no total
    gives it away) has ``name``, ``n``, ``share``, ``below_threshold`` and
    every profile value ``None`` and ``suppressed`` true.
    """
    from ..profiles import priority_profiles

    profiles = priority_profiles(survey, weights=weights, centre=centre, allow_partial=allow_partial)
    fit = profiles.attrs.get("fit")
    complete = profiles.notna().all(axis=1)
    excluded = [str(r) for r in profiles.index[~complete]]
    names = {code: d.name.get("en", code) for code, d in survey.codebook.directions.items()}
    model = Segmentation(
        method=method,
        n_segments=n_segments,
        n_bootstrap=n_bootstrap,
        n_reference=n_reference,
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
    hidden = {int(r["segment"]) for _, r in summary.iterrows() if r["suppressed"]}
    result = {
        "method": method,
        "k": model.n_segments_,
        "no_distinct_segments": bool(model.no_distinct_segments_),
        "k_rule": _k_rule(model, n_segments is not None),
        "near_tie": (None if model.near_tie_ is None else
                     {"k": [model.near_tie_[0], model.near_tie_[1]],
                      "margin": _json_float(model.near_tie_[2])}),
        "n_respondents": int(complete.sum()),
        "threshold": threshold,
        "choice": [
            {"k": int(r.k), "silhouette": _json_float(r.silhouette),
             "reference_p95": _json_float(r.reference_p95), "excess": _json_float(r.excess),
             "stability": _json_float(r.stability), "qualifies": bool(r.qualifies),
             "chosen": bool(r.chosen)}
            for r in model.choice_.itertuples()
        ],
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
        "excluded": excluded,
        "fit": fit,
    }
    if rows:
        result["respondents"] = {str(r): (None if int(s) in hidden else int(s))
                                 for r, s in zip(model.index_, model.labels_)}
    return result
