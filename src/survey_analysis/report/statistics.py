"""The figures the reports' wording rests on, read from the statistics stage.

The brief states one headline figure per direction (support, weighted to the
membership when a register is given) and says for each step of the order of
the directions whether it is settled, from the paired comparison of the two
neighbouring directions.  This module reads those figures from the score
stage in one place, so that the pages and the wording rules never depend on
the layout of the statistics tables:

- :func:`headline_support` -> one row per direction: ``support``, ``low``,
  ``high``, ``n``, ``weighted`` (bool);
- :func:`order_steps` -> one row per step of the order: ``upper``, ``lower``,
  ``difference``, ``low``, ``high``, ``settled`` (bool, <NA> when there are
  too few answers to say).

When the statistics stage provides the columns ``weighted`` and
``step_settled`` in :func:`survey_analysis.direction_evidence` and the
function :func:`survey_analysis.paired_comparisons`, those are used as they
are.  Otherwise these figures are computed here from the stage's building
blocks (respondent scores, raking weights): the weighted mean with its
linearised (normal-approximation) interval, and the per-member difference
between the two neighbouring directions with the same kind of interval at a
Bonferroni-corrected level over the steps (so that "settled" holds for all
steps together at 95%).  Without a register the headline is the plain support
and interval of :func:`survey_analysis.direction_evidence`.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["headline_support", "order_steps", "respondent_direction_scores", "membership_weights"]

_CONFIDENCE = 0.95


def _statistics_stage(name: str) -> Any:
    """A public function of the statistics stage, or None while the stage does not have it."""
    return getattr(sys.modules[__package__.rpartition(".")[0]], name, None)


def respondent_direction_scores(survey: Any) -> pd.DataFrame:
    """Each respondent's score per direction (reverse-keyed items reversed)."""
    from ..scores import respondent_scores

    directions = {code: items for code, items in survey.items_by_direction().items() if items}
    items = [i for its in directions.values() for i in its]
    codebook = survey.codebook
    points = {i: len(codebook.scales[codebook.questions[i].scale]) for i in items}
    reverse = [i for i in items if codebook.questions[i].reverse]
    scores = respondent_scores(survey.numeric(items), directions=directions, reverse=reverse,
                               scale_points=points)
    return scores[list(directions)]


def membership_weights(survey: Any, register: pd.DataFrame | None) -> pd.Series | None:
    """Raking weights to the register's member category and size (mean 1), or None.

    Respondents without a member category or size get no weight (they are left
    out of the weighted figures, as the raking cannot place them).
    """
    from ..coverage import rake_weights, register_margins

    if register is None:
        return None
    by = {}
    for role in ("member_category", "size"):
        column = survey.codebook.column_for_role(role)
        if column is not None and column in survey.responses and role in register.columns:
            by[column] = role
    if not by:
        return None
    groups = survey.responses[list(by)].astype(object).astype("string")
    complete = groups.notna().all(axis=1)
    margins = register_margins(register, columns=list(by.values()))
    weights = rake_weights(groups[complete], margins={col: margins[role] for col, role in by.items()})
    return weights["weight"]


def _mean_interval(values: np.ndarray, weights: np.ndarray | None, *, confidence: float) -> tuple[float, float, float]:
    """A (weighted) mean and its normal-approximation interval.

    The variance of the weighted mean is the linearised (sandwich) estimate
    sum w_i^2 (y_i - m)^2 / (sum w_i)^2, times n / (n - 1); without weights it
    is the usual s^2 / n.
    """
    from scipy.stats import norm

    n = values.size
    if n == 0:
        return (np.nan, np.nan, np.nan)
    w = np.ones(n) if weights is None else weights
    mean = float((values * w).sum() / w.sum())
    if n < 2:
        return (mean, np.nan, np.nan)
    variance = float((w ** 2 * (values - mean) ** 2).sum() / w.sum() ** 2) * n / (n - 1)
    half = float(norm.ppf(0.5 + confidence / 2)) * variance ** 0.5
    return (mean, mean - half, mean + half)


def headline_support(evidence: pd.DataFrame, survey: Any, register: pd.DataFrame | None = None, *,
                     random_state: int | None = 0) -> pd.DataFrame:
    """The headline support of each direction: weighted to the membership when a register is given.

    Parameters
    ----------
    evidence : DataFrame
        :func:`survey_analysis.direction_evidence` of the same survey and register.
    survey : loaded survey
    register : DataFrame, optional
        The membership register (as read by :func:`survey_analysis.read_register`).
    random_state : int, optional
        Unused (the intervals computed here are not random); kept so that the
        statistics stage's seeded figures can replace them unchanged.

    Returns
    -------
    DataFrame
        Index ``direction`` (evidence order): ``support``, ``low``, ``high``,
        ``n``, ``weighted`` (bool: the figure is weighted to the membership).
    """
    if "weighted" in evidence.columns:  # the statistics stage gives the headline itself
        out = evidence[["support", "support_low", "support_high", "n", "weighted"]].rename(
            columns={"support_low": "low", "support_high": "high"})
        return out.assign(weighted=out["weighted"].fillna(False).astype(bool))
    weights = membership_weights(survey, register)
    if weights is None:
        out = evidence[["support", "support_low", "support_high", "n"]].rename(
            columns={"support_low": "low", "support_high": "high"})
        return out.assign(weighted=False)
    scores = respondent_direction_scores(survey)
    rows = []
    for code in evidence.index:
        x = scores.loc[weights.index, code]
        keep = x.notna().to_numpy()
        values, w = x.to_numpy(dtype=float)[keep], weights.to_numpy(dtype=float)[keep]
        mean, low, high = _mean_interval(values, w, confidence=_CONFIDENCE)
        rows.append({"direction": code, "support": mean, "low": low, "high": high,
                     "n": int(values.size), "weighted": True})
    return pd.DataFrame(rows).set_index("direction")


def order_steps(headline: pd.DataFrame, survey: Any, register: pd.DataFrame | None = None, *,
                min_n: int = 10, random_state: int | None = 0) -> pd.DataFrame:
    """Each step of the order of the directions, and whether it is settled.

    Parameters
    ----------
    headline : DataFrame
        From :func:`headline_support`; the order is by its ``support``.
    survey, register
        As for :func:`headline_support`.
    min_n : int, default 10
        Fewer members with both scores than this: the step is left undecided.

    Returns
    -------
    DataFrame
        One row per step, best first: ``upper``, ``lower`` (direction codes),
        ``difference`` (mean per-member difference upper - lower, weighted like
        the headline), ``low``, ``high`` (its interval, Bonferroni-corrected
        over the steps), ``n``, ``settled`` (the interval lies above zero;
        <NA> when fewer than ``min_n`` members answered both).
    """
    order = headline["support"].dropna().sort_values(ascending=False, kind="stable").index.tolist()
    if len(order) < 2:
        return pd.DataFrame(columns=["upper", "lower", "difference", "low", "high", "n", "settled"])
    paired = _statistics_stage("paired_comparisons")
    if paired is not None:
        table = paired(survey, register=register)
        steps = table[table["family"] == "step"]
        rows = [{"upper": r["direction_a"], "lower": r["direction_b"], "difference": r["difference"],
                 "low": r["low"], "high": r["high"], "n": r["n"],
                 "settled": pd.NA if bool(r.get("too_few_answers", False)) else bool(r["settled"])}
                for _, r in steps.iterrows()]
        return pd.DataFrame(rows, columns=["upper", "lower", "difference", "low", "high", "n", "settled"])
    scores = respondent_direction_scores(survey)
    weights = membership_weights(survey, register) if bool(headline["weighted"].any()) else None
    if weights is not None:
        scores = scores.loc[weights.index]
    confidence = 1 - (1 - _CONFIDENCE) / (len(order) - 1)
    rows = []
    for upper, lower in zip(order, order[1:]):
        diff = (scores[upper] - scores[lower]).dropna()
        values = diff.to_numpy(dtype=float)
        w = None if weights is None else weights.loc[diff.index].to_numpy(dtype=float)
        mean, low, high = _mean_interval(values, w, confidence=confidence)
        settled: Any = pd.NA if values.size < min_n or np.isnan(low) else bool(low > 0)
        rows.append({"upper": upper, "lower": lower, "difference": mean, "low": low, "high": high,
                     "n": int(values.size), "settled": settled})
    return pd.DataFrame(rows)
