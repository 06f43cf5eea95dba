"""The headline figures: means over members, weighted to the membership when it is known.

This module owns the design side of the headline support figure.  With a
membership register the members are a known, finite population: respondents
are weighted to it by raking on the register's categories (weights trimmed at
:data:`~survey_analysis.coverage.WEIGHT_CAP`), every mean carries an interval
from a bootstrap that re-rakes each resample, with a finite population
correction, and Kish's effective n.  Without a register the means are plain,
with the interval of :func:`survey_analysis.scores.mean_interval` and no
population correction, and coverage is unknown.

The weighted figures rest on one assumption, stated with them: within each
weighting cell, members who answered are like those who did not
(:data:`ASSUMPTION`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .coverage import WEIGHT_CAP, rake_codes
from .errors import AnalysisInputError
from .scores import finite_population_correction, mean_interval

__all__ = ["ASSUMPTION", "Weighting", "register_weighting", "member_means"]

#: What the weighted figures assume about the members who did not answer.
ASSUMPTION = ("Within each weighting cell (member category and size), members who answered are "
              "assumed to be like the members who did not.")


@dataclass
class Weighting:
    """Raking weights of the respondents to a membership register.

    Attributes
    ----------
    weights : Series
        Weight (mean 1) of each respondent with every raking answer.
    codes, shares : list of arrays
        Per raking column, each weighted respondent's category code and the
        categories' target shares (for re-raking resamples).
    population : int
        Members in the register.
    respondents : int
        Respondents (all rows of the survey).
    cap : float
    notes : list of str
        What the analyst should know (categories without respondents, the
        margins the cap did not let the weights meet).
    """

    weights: pd.Series
    codes: list[np.ndarray]
    shares: list[np.ndarray]
    population: int
    respondents: int
    cap: float
    max_error: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def response_rate(self) -> float:
        return self.respondents / self.population

    @property
    def kish_effective_n(self) -> float:
        w = self.weights.to_numpy()
        return float(w.sum() ** 2 / np.sum(w**2))


def register_weighting(responses: pd.DataFrame, register: pd.DataFrame,
                       by: Mapping[str, str], *, cap: float = WEIGHT_CAP) -> Weighting:
    """Raking weights of the respondents to the register's categories.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent.
    register : DataFrame
        From :func:`survey_analysis.coverage.read_register`.
    by : mapping responses column -> register column
        The raking variables, e.g. ``{"A3": "member_category", "A4": "size"}``.
    cap : float, default 5
        Weights are trimmed at ``cap`` times the mean weight.

    Returns
    -------
    Weighting
        Respondents without an answer to a raking question get no weight (they
        are left out of the weighted figures and counted in ``notes``).  A
        register category without any respondent cannot be represented: it is
        left out of the margins, with a note naming it and its members.
    """
    labels = pd.DataFrame({col: responses[col].astype(object).map(str, na_action="ignore")
                           .astype("string").str.strip() for col in by})
    complete = labels.notna().all(axis=1)
    labels = labels[complete]
    notes = []
    if (~complete).any():
        notes.append(f"{int((~complete).sum())} respondent(s) without an answer to "
                     f"{', '.join(map(str, by))} are left out of the weighted figures.")
    codes, shares = [], []
    for col, role in by.items():
        members = register[role].astype("string").str.strip().value_counts()
        unknown = sorted(set(labels[col]) - set(members.index))
        if unknown:
            raise AnalysisInputError(
                f"respondents' group {unknown[0]!r} does not appear in the register.",
                column=str(col), value=unknown[0],
                hint=f"Use the same labels in register column {role!r} as in the survey.",
            )
        seen = set(labels[col])
        empty = [c for c in members.index if c not in seen]
        if empty:
            notes.append("No respondent in " + ", ".join(
                f"{c!r} ({int(members[c])} members)" for c in empty)
                + f" of {role}: those members are not represented in the weighted figures.")
        members = members[[c for c in members.index if c in seen]]
        position = {c: j for j, c in enumerate(members.index)}
        codes.append(labels[col].map(position).to_numpy(dtype=np.intp))
        shares.append((members / members.sum()).to_numpy(dtype=float))
    if not complete.any():
        raise AnalysisInputError(
            "no respondent answered every raking question, so nothing can be weighted.",
            value=list(by), hint="Check the member category and size answers.")
    w, _, error = rake_codes(codes, shares, cap=cap, tol=1e-10, max_iter=200)
    if error > 1e-6:
        notes.append(f"Trimming the weights at {cap:g} times the mean leaves the weighted shares "
                     f"up to {error:.3f} from the register's.")
    return Weighting(weights=pd.Series(w, index=labels.index, name="weight"), codes=codes,
                     shares=shares, population=int(len(register)),
                     respondents=int(len(responses)), cap=cap, max_error=float(error),
                     notes=notes)


def member_means(values: pd.DataFrame, *, bounds: Mapping[str, tuple[float, float]],
                 weighting: Weighting | None = None, confidence: float = 0.95,
                 min_n: int = 10, n_boot: int = 1000,
                 rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Mean over members of each column, with its interval, plain or weighted.

    Parameters
    ----------
    values : DataFrame
        One row per respondent, one column per figure (a member's direction
        score, sub-score or top-box share); NaN where the member has none.
    bounds : mapping column -> (low, high)
        The scale of each column (1-5 for scores, 0-1 for shares).
    weighting : Weighting, optional
        Without it the means are plain.
    confidence : float, default 0.95
    min_n : int, default 10
        Fewer respondents with a value: no interval (``too_few_answers``).
    n_boot : int, default 1000
        Bootstrap resamples (weighted means only).
    rng : Generator, optional

    Returns
    -------
    DataFrame
        One row per column (index ``figure``): ``mean``, ``low``, ``high``,
        ``n``, ``n_effective`` (Kish), ``fpc`` (1.0 when unweighted),
        ``too_few_answers`` and ``weighted``.

    Notes
    -----
    Plain: :func:`~survey_analysis.scores.mean_interval`.  Weighted: the
    respondents are resampled with replacement ``n_boot`` times, each
    resample is raked again to the register's margins (a resample missing a
    category is drawn again), and the weighted means of the resamples give a
    percentile interval whose half-widths are multiplied by the finite
    population correction :math:`\\sqrt{1 - n/N}`.  So that a few answers
    never give a zero-width interval, the interval reported is the union of
    that one and :func:`~survey_analysis.scores.mean_interval` with the
    weights and the same correction.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    columns = list(values.columns)
    rows = {}
    if weighting is None:
        for col in columns:
            x = values[col].dropna().to_numpy(dtype=float)
            too_few = x.size < min_n
            low, high = ((np.nan, np.nan) if too_few else
                         mean_interval(x, low=bounds[col][0], high=bounds[col][1],
                                       confidence=confidence))
            rows[col] = {"mean": float(x.mean()) if x.size else np.nan, "low": low, "high": high,
                         "n": int(x.size), "n_effective": float(x.size), "fpc": 1.0,
                         "too_few_answers": bool(too_few), "weighted": False}
        return _frame(rows)
    w = weighting.weights
    matrix = values.reindex(w.index).to_numpy(dtype=float)
    weight = w.to_numpy()
    boot = _bootstrap(matrix, weighting, n_boot, rng)
    alpha = 1 - confidence
    for j, col in enumerate(columns):
        has = ~np.isnan(matrix[:, j])
        x, wx = matrix[has, j], weight[has]
        n = int(x.size)
        too_few = n < min_n
        mean = float(np.average(x, weights=wx)) if n else np.nan
        fpc = finite_population_correction(n, weighting.population)
        low = high = np.nan
        if not too_few:
            q_low, q_high = np.nanquantile(boot[:, j], [alpha / 2, 1 - alpha / 2])
            low, high = mean - (mean - q_low) * fpc, mean + (q_high - mean) * fpc
            a_low, a_high = mean_interval(x, low=bounds[col][0], high=bounds[col][1], weights=wx,
                                         confidence=confidence, population=weighting.population)
            low, high = float(min(low, a_low)), float(max(high, a_high))
        rows[col] = {"mean": mean, "low": low, "high": high, "n": n,
                     "n_effective": float(wx.sum() ** 2 / np.sum(wx**2)) if n else 0.0,
                     "fpc": fpc, "too_few_answers": bool(too_few), "weighted": True}
    return _frame(rows)


def _frame(rows: dict) -> pd.DataFrame:
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "figure"
    return out


def _bootstrap(matrix: np.ndarray, weighting: Weighting, n_boot: int,
               rng: np.random.Generator) -> np.ndarray:
    """Weighted means of every column over resamples, each resample raked again."""
    n = matrix.shape[0]
    present = ~np.isnan(matrix)
    filled = np.where(present, matrix, 0.0)
    out = np.full((n_boot, matrix.shape[1]), np.nan)
    done = tries = 0
    while done < n_boot and tries < 3 * n_boot:
        tries += 1
        pick = rng.integers(0, n, size=n)
        codes = [code[pick] for code in weighting.codes]
        if any(np.bincount(code, minlength=share.size).min() == 0
               for code, share in zip(codes, weighting.shares)):
            continue  # a category absent from the resample cannot be raked to
        w, _, _ = rake_codes(codes, weighting.shares, cap=weighting.cap, tol=1e-8, max_iter=100)
        total = w @ present[pick]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[done] = (w @ filled[pick]) / total
        done += 1
    return out[:done]
