"""The figures the reports' wording rests on, read from the statistics stage in one place.

The brief states one headline figure per direction and says, for each step
of the order of the directions, whether it is settled.  Both come from
:func:`survey_analysis.direction_evidence`: the headline support (weighted to
the membership when a register is given, with its interval) and, for each
direction, the paired comparison with the next one down in the headline order
(:func:`survey_analysis.paired.paired_differences`: each member's own
difference, the intervals Bonferroni-corrected over the steps).  The pages
and the wording rules read them through these two functions only, so that a
change in the statistics tables' layout is absorbed here:

- :func:`headline_support` -> one row per direction: ``support``, ``low``,
  ``high``, ``n``, ``weighted`` (bool), ``too_few`` (bool);
- :func:`order_steps` -> one row per step of the order: ``upper``, ``lower``,
  ``difference``, ``low``, ``high``, ``n``, ``settled`` (bool, <NA> when there
  are too few answers to say).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["headline_support", "order_steps", "respondent_direction_scores"]


def _flag(value: Any) -> bool:
    return False if value is None or value is pd.NA or value != value else bool(value)


def headline_support(evidence: pd.DataFrame) -> pd.DataFrame:
    """The headline support of each direction, from :func:`survey_analysis.direction_evidence`.

    Returns
    -------
    DataFrame
        Index ``direction`` (evidence order): ``support``, ``low``, ``high``,
        ``n``, ``weighted`` (the figure is weighted to the membership),
        ``too_few`` (fewer answers than the statistics stage's minimum: the
        interval is missing and the pages say "too few answers").
    """
    out = evidence[["support", "support_low", "support_high", "n"]].rename(
        columns={"support_low": "low", "support_high": "high"})
    weighted = evidence["weighted"] if "weighted" in evidence else pd.Series(False, index=evidence.index)
    too_few = evidence["too_few_answers"] if "too_few_answers" in evidence else pd.Series(False, index=evidence.index)
    return out.assign(weighted=[_flag(v) for v in weighted], too_few=[_flag(v) for v in too_few])


def order_steps(evidence: pd.DataFrame) -> pd.DataFrame:
    """Each step of the headline order, best first, and whether it is settled.

    Parameters
    ----------
    evidence : DataFrame
        From :func:`survey_analysis.direction_evidence`: ``position`` (the
        headline order), ``step_to_next``, ``step_low``, ``step_high``,
        ``step_settled`` (the paired comparison with the next direction).

    Returns
    -------
    DataFrame
        ``upper``, ``lower`` (direction codes), ``difference`` (mean
        per-member difference upper - lower), ``low``, ``high`` (its corrected
        interval), ``n`` (members with both scores), ``settled``.
    """
    columns = ["upper", "lower", "difference", "low", "high", "n", "settled"]
    ranked = evidence[evidence["position"].notna()].sort_values("position", kind="stable")
    codes = list(ranked.index)
    paired = evidence.attrs.get("paired")
    n_of = {}
    if isinstance(paired, pd.DataFrame) and {"direction_a", "direction_b", "n"} <= set(paired.columns):
        n_of = {(a, b): n for a, b, n in zip(paired["direction_a"], paired["direction_b"], paired["n"])}
    rows = []
    for upper, lower in zip(codes, codes[1:]):
        step = ranked.loc[upper]
        settled = step["step_settled"]
        rows.append({"upper": upper, "lower": lower, "difference": step["step_to_next"], "low": step["step_low"],
                     "high": step["step_high"], "n": n_of.get((upper, lower), pd.NA),
                     "settled": pd.NA if settled is pd.NA or settled != settled else bool(settled)})
    return pd.DataFrame(rows, columns=columns)


def respondent_direction_scores(survey: Any) -> pd.DataFrame:
    """Each respondent's score per direction (reverse-keyed items reversed), as the evidence computes it."""
    from ..scores import respondent_scores

    directions = {code: items for code, items in survey.items_by_direction().items() if items}
    items = [i for its in directions.values() for i in its]
    codebook = survey.codebook
    points = {i: len(codebook.scales[codebook.questions[i].scale]) for i in items}
    reverse = [i for i in items if codebook.questions[i].reverse]
    scores = respondent_scores(survey.numeric(items), directions=directions, reverse=reverse,
                               scale_points=points)
    return scores[list(directions)]
