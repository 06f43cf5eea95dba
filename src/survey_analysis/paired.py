"""Paired comparisons of directions: is one direction really above another?

Two directions' support intervals can overlap while nearly every member rates
one above the other, and they can be apart while the members disagree.  The
question "is SD2 above SD3?" is answered by each member's own difference
between the two directions.  This module owns those paired comparisons,
the basis of every "above" in the reports, and the certainty of each step of
the headline order:

- for two directions a and b, the per-member difference ``score_a -
  score_b`` over the members with both scores, its mean and a t interval;
- the steps between neighbours of the headline order (SD1 > SD3, SD3 > SD2,
  ...) form one family: each interval is Bonferroni-corrected over the steps
  (98.75 % each for four steps), and a step is *settled* when its corrected
  interval excludes 0; the other pairs form a second family, corrected the
  same way over their number.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .scores import MIN_N, finite_population_correction, mean_interval

__all__ = ["paired_differences"]


def paired_differences(
    scores: pd.DataFrame,
    *,
    order: Sequence[str],
    weights: pd.Series | None = None,
    population: int | None = None,
    confidence: float = 0.95,
    min_n: int = MIN_N,
    scale: tuple[float, float] = (1.0, 5.0),
) -> pd.DataFrame:
    """Each pair of directions compared through the members' own differences.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one column per direction (the member's
        direction score; NaN when none).
    order : list of direction codes
        The headline order, highest first; ``direction_a`` is always the
        higher of a pair in it.
    weights : Series, optional
        Respondent weights (raking weights); the differences are then
        weighted and the interval uses Kish's effective n.
    population : int, optional
        Members in the register, for the finite population correction.
    confidence : float, default 0.95
        Family-wise coverage of each family of intervals.
    min_n : int, default 10
        Fewer members with both scores: "too few answers", no interval.
    scale : (low, high), default (1, 5)
        The scores' scale (a difference lies within +-(high - low)).

    Returns
    -------
    DataFrame
        One row per pair: ``direction_a``, ``direction_b``, ``n``,
        ``difference`` (mean of a - b), ``low``, ``high``, ``family``
        (``"step"`` for neighbours in ``order``, else ``"other"``),
        ``family_size``, ``confidence`` (each interval's level after the
        correction), ``settled`` (boolean: the interval excludes 0; <NA> with
        too few answers), ``too_few_answers``, ``weighted``.

    Notes
    -----
    With :math:`d_i` the differences, :math:`w_i` the weights (1 when
    unweighted), :math:`\\bar d` their weighted mean,
    :math:`n_{eff} = (\\sum w)^2/\\sum w^2` and
    :math:`s^2 = \\frac{n_{eff}}{n_{eff}-1}\\frac{\\sum w_i (d_i - \\bar d)^2}{\\sum w_i}`,
    the interval is :math:`\\bar d \\pm t_{n_{eff}-1,\\,1-\\alpha/(2m)}\\, s/\\sqrt{n_{eff}}`
    times the finite population correction, with :math:`m` the family size
    (Bonferroni).  Unweighted, this is the paired t interval.  When every
    member gives the same difference (:math:`s = 0`) the interval of
    :func:`~survey_analysis.scores.mean_interval` on :math:`\\pm`(high - low)
    is used, so that no interval has zero width.
    """
    order = [str(c) for c in order]
    pairs = list(combinations(order, 2))
    steps = {(order[i], order[i + 1]) for i in range(len(order) - 1)}
    n_steps, n_other = len(steps), len(pairs) - len(steps)
    span = scale[1] - scale[0]
    rows = []
    for a, b in pairs:
        both = scores[a].notna() & scores[b].notna()
        d = (scores.loc[both, a] - scores.loc[both, b]).to_numpy(dtype=float)
        w = np.ones_like(d) if weights is None else weights.reindex(scores.index[both]).to_numpy()
        if weights is not None:
            keep = ~np.isnan(w)
            d, w = d[keep], w[keep]
        family = "step" if (a, b) in steps else "other"
        size = n_steps if family == "step" else n_other
        level = 1 - (1 - confidence) / size
        too_few = d.size < min_n
        mean = float(np.average(d, weights=w)) if d.size else np.nan
        low = high = np.nan
        if not too_few:
            n_eff = float(w.sum() ** 2 / np.sum(w**2))
            spread = float(np.sqrt(np.sum(w * (d - mean) ** 2) / w.sum() * n_eff / (n_eff - 1)))
            fpc = finite_population_correction(d.size, population)
            if spread > 0:
                half = stats.t.ppf(0.5 + level / 2, n_eff - 1) * spread / np.sqrt(n_eff) * fpc
                low, high = mean - half, mean + half
            else:
                low, high = mean_interval(d, low=-span, high=span, weights=w, confidence=level,
                                          population=population)
        rows.append({"direction_a": a, "direction_b": b, "n": int(d.size), "difference": mean,
                     "low": low, "high": high, "family": family, "family_size": size,
                     "confidence": level,
                     "settled": pd.NA if too_few else bool(low > 0 or high < 0),
                     "too_few_answers": bool(too_few), "weighted": weights is not None})
    out = pd.DataFrame(rows, columns=["direction_a", "direction_b", "n", "difference", "low",
                                      "high", "family", "family_size", "confidence", "settled",
                                      "too_few_answers", "weighted"])
    out["settled"] = out["settled"].astype("boolean")
    out.attrs.update({"order": order, "confidence": confidence, "min_n": min_n,
                      "correction": "Bonferroni within each family (neighbouring steps; "
                                    "other pairs)"})
    return out
