"""Tables behind the score stage's charts: direction support and stacked Likert answers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .arguments import bad_option
from .inputs import ScoreInputs
from .scores import MIN_N, direction_scores
from .summary import likert_counts
from .survey.fit import ANALYSIS_NEEDS, check_fit

__all__ = ["direction_support_table", "item_likert_table"]


def direction_support_table(
    survey: Any,
    *,
    min_items: int | None = None,
    min_n: int = MIN_N,
    confidence: float = 0.95,
    language: str = "en",
    allow_partial: bool = False,
) -> pd.DataFrame:
    """Table behind the direction-support chart: mean score with its interval.

    Refuses an export that matches the codebook only in part unless
    ``allow_partial`` (see :func:`survey_analysis.evidence.direction_evidence`);
    ``attrs["fit"]`` says how it fits.

    Returns
    -------
    DataFrame
        One row per direction in codebook order: ``direction``, ``name``,
        ``n``, ``mean``, ``ci_low``, ``ci_high`` (NaN below ``min_n``:
        too few answers), ``scale_min`` (1) and ``scale_max`` (k), ready for
        a point-and-interval plot.  Plain (unweighted) means.
    """
    if language not in ("en", "ro"):
        raise bad_option("language", "'en' or 'ro'", language)
    fit = check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
    parts = ScoreInputs(survey)
    scores = direction_scores(parts.values, directions=parts.directions,
                              reverse=parts.reverse, scale_points=parts.scale_points,
                              min_items=min_items, min_n=min_n, confidence=confidence)
    out = scores.reset_index()[["direction", "n", "mean", "ci_low", "ci_high"]]
    out.insert(1, "name", [parts.name(c, language) for c in out["direction"]])
    out["scale_min"] = 1
    out["scale_max"] = [max(parts.scale_points[i] for i in parts.directions[c])
                        for c in out["direction"]]
    out.attrs["fit"] = fit.to_dict()
    return out


def item_likert_table(survey: Any, *, language: str = "en") -> pd.DataFrame:
    """Table behind the stacked Likert chart: answer counts per item and level.

    Returns
    -------
    DataFrame
        The columns of :func:`survey_analysis.summary.likert_counts`
        (``item``, ``level``, ``label``, ``count``, ``percent``, ``n``) plus
        ``direction``, ``item_text``, ``reversed`` and ``scale`` (the
        codebook's scale name, so items on different scales can be drawn
        apart) — raw answers, not reverse-keyed, so the labels read as the
        respondents saw them.
    """
    if language not in ("en", "ro"):
        raise bad_option("language", "'en' or 'ro'", language)
    parts = ScoreInputs(survey)
    cb = parts.codebook
    labels = {i: [getattr(level, language) for level in cb.scales[cb.questions[i].scale]]
              for i in parts.items}
    table = likert_counts(parts.values, items=parts.items, scale_points=parts.scale_points,
                          labels=labels)
    direction_of = {i: code for code, items in parts.directions.items() for i in items}
    table["direction"] = table["item"].map(direction_of)
    table["item_text"] = [cb.questions[i].text.get(language, "") for i in table["item"]]
    table["reversed"] = table["item"].isin(parts.reverse)
    table["scale"] = [cb.questions[i].scale for i in table["item"]]
    return table
