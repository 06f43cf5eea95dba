"""Comparisons between groups of members (member category, size, region).

This module owns the group tests: Kruskal-Wallis with epsilon squared,
pairwise Mann-Whitney U with the rank-biserial correlation and Holm's
correction, and the comparison of every direction across every grouping used
by the evidence table.  Crosstabs of two groupings and their association
tests live in :mod:`survey_analysis.crosstabs` (re-exported here).  Every breakdown goes
through :mod:`survey_analysis.disclosure`: groups with fewer respondents
than the threshold are suppressed in the descriptive tables and left out of
the tests (listed, never dropped silently).

One suppression mask per grouping is computed from the group sizes (every
respondent with an answer to the grouping question, whatever the value
compared) with :func:`survey_analysis.disclosure.suppression_mask` (one-way
rules: a single small group hides the next smallest with it, and the hidden
groups together hold at least ``threshold`` respondents) and shared by
:func:`group_summary`, :func:`kruskal_wallis`, :func:`pairwise_mann_whitney`
and :func:`compare_groups` for every direction alike, so that a member who
skipped one direction's items cannot reveal which group they are in.  A
hidden group -- below the threshold or hidden with one -- has no count shown
anywhere, is left out of every test, and no published total lets its size be
worked out: the ``n`` of a test is the sum of the groups tested, and a
total from which the hidden groups' respondents follow (``n_total``,
``n_missing``, ``n_below_threshold``) is only published when those
respondents number zero or at least ``threshold``.

Multiple comparisons: :func:`compare_groups` treats every omnibus test it
runs (every direction x every grouping) as one family and controls the
family-wise error with Holm's procedure; pairs of groups are compared only
after a significant omnibus test, and those follow-up pairs form a second
family, again corrected with Holm's procedure.  Holm rather than
Benjamini-Hochberg: the working group reads every "differs" as a finding,
so the chance of even one false finding is what must stay below ``alpha``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .arguments import (
    check_column,
    check_columns,
    check_frame,
    check_int,
    check_probability,
)
from .crosstabs import association_test, crosstab
from .disclosure import DEFAULT_THRESHOLD, suppression_mask
from .errors import AnalysisInputError

__all__ = [
    "holm_adjust",
    "group_summary",
    "kruskal_wallis",
    "pairwise_mann_whitney",
    "crosstab",
    "association_test",
    "compare_groups",
    "compare_directions_by_group",
]


def holm_adjust(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values.

    Notes
    -----
    With the ``m`` p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,
    the adjusted value is
    :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`.
    NaN values are left as NaN and not counted in ``m``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6, 65-70.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    idx = np.flatnonzero(ok)
    order = idx[np.argsort(p[idx], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def _numeric(data: pd.DataFrame, value: Any) -> pd.Series:
    if data[value].dtype == np.float64:
        return data[value]
    x = pd.to_numeric(data[value], errors="coerce").astype("float64")
    bad = x.isna() & data[value].notna()
    if bad.any():
        raise AnalysisInputError(
            f"column {value!r} holds a value that is not a number.",
            column=str(value), value=data[value][bad].iloc[0],
            hint="Compare numeric scores (e.g. direction scores) between groups.",
        )
    return x


def _grouped(data: pd.DataFrame, value: Any, group: Any
             ) -> tuple[dict[str, np.ndarray], int, int, list[str]]:
    data = check_frame(data)
    check_column(data, "value", value)
    check_column(data, "group", group)
    x = _numeric(data, value)
    g = data[group]
    if isinstance(g.dtype, pd.CategoricalDtype):
        order = [str(c) for c in g.cat.categories]
    else:
        order = sorted({str(v) for v in g.dropna()})
    labels = g.astype(object).where(g.notna(), None)
    missing_group = int(g.isna().sum())
    missing_value = int((x.isna() & g.notna()).sum())
    groups = {}
    for name in order:
        sel = (labels.astype(str) == name) & g.notna() & x.notna()
        groups[name] = x[sel].to_numpy()
    return groups, missing_group, missing_value, order


class _Hidden:
    """The disclosure mask of one grouping: which groups are hidden, and why.

    ``sizes`` are the grouping's group sizes (every respondent with a group),
    so one mask serves every value compared across the grouping.
    """

    def __init__(self, sizes: pd.Series, threshold: int) -> None:
        sizes = sizes.astype("int64")
        mask = suppression_mask(sizes.reset_index(drop=True), threshold=threshold)["count"]
        flags = mask.to_numpy()
        self.threshold = threshold
        self.sizes = sizes
        self.hidden = [name for name, f in zip(sizes.index, flags[:-1]) if f]
        self.total_hidden = bool(flags[-1])
        self.small = [name for name in self.hidden if 0 < sizes[name] < threshold]

    @classmethod
    def of(cls, data: pd.DataFrame, group: Hashable, order: list[str], threshold: int
           ) -> "_Hidden":
        labels = data[group].astype(object).where(data[group].notna(), None)
        counts = labels.dropna().astype(str).value_counts()
        return cls(pd.Series({name: int(counts.get(name, 0)) for name in order}, dtype="int64"),
                   threshold)

    def is_hidden(self, name: str) -> bool:
        return name in self.hidden

    def tested(self, groups: dict[str, np.ndarray]) -> list[str]:
        """Shown groups with at least ``threshold`` values."""
        return [name for name, v in groups.items()
                if name not in self.hidden and v.size >= self.threshold]

    def safe(self, hidden_respondents: int) -> bool:
        """Whether a total from which ``hidden_respondents`` follows may be published."""
        return hidden_respondents == 0 or hidden_respondents >= self.threshold

    def hidden_count(self, groups: dict[str, np.ndarray]) -> int:
        return int(sum(groups[name].size for name in self.hidden))

    def n_below_threshold(self, groups: dict[str, np.ndarray]) -> Any:
        """Respondents (with a value) in groups below the threshold, when that reveals no group."""
        if not self.small:
            return 0
        below = int(sum(groups[name].size for name in self.small))
        if (len(self.small) >= 2 and set(self.small) == set(self.hidden)
                and not self.total_hidden and self.safe(below)):
            return below
        return pd.NA


def group_summary(
    data: pd.DataFrame,
    *,
    value: Hashable,
    group: Hashable,
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Respondents, mean, median and SD of ``value`` per group, with suppression.

    Returns
    -------
    DataFrame
        One row per group (index ``group``, in category order) with ``n``,
        ``mean``, ``median``, ``sd`` and ``suppressed``; suppressed groups
        show ``<NA>``/NaN (see :mod:`survey_analysis.disclosure`).
        ``attrs``: ``n_total`` (respondents with a value and a group;
        ``<NA>`` when that total is itself below the threshold),
        ``n_missing_group``, ``n_missing_value``, ``threshold``.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    groups, miss_g, miss_v, order = _grouped(data, value, group)
    hidden = _Hidden.of(data, group, order, threshold)
    rows = [{"group": name, "n": int(v.size),
             "mean": float(v.mean()) if v.size else np.nan,
             "median": float(np.median(v)) if v.size else np.nan,
             "sd": float(v.std(ddof=1)) if v.size > 1 else np.nan} for name, v in groups.items()]
    out = pd.DataFrame(rows, columns=["group", "n", "mean", "median", "sd"]).set_index("group")
    hide = np.array([hidden.is_hidden(name) for name in out.index], dtype=bool)
    out["n"] = out["n"].astype("Int64").mask(hide)
    for c in ("mean", "median", "sd"):
        out[c] = out[c].mask(hide)
    out["suppressed"] = hide
    unsafe = hidden.total_hidden or not hidden.safe(hidden.hidden_count(groups))
    out.attrs.update({"n_total": pd.NA if unsafe
                      else int(sum(v.size for v in groups.values())),
                      "n_missing_group": miss_g, "n_missing_value": miss_v,
                      "threshold": threshold})
    return out


def kruskal_wallis(
    data: pd.DataFrame,
    *,
    value: Hashable,
    group: Hashable,
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Kruskal-Wallis H test of ``value`` across the groups, with epsilon squared.

    Parameters
    ----------
    data : DataFrame
    value : column name
        A numeric column (e.g. a direction score).
    group : column name
        The grouping (e.g. member category).
    threshold : int, default 5
        Groups with fewer respondents are left out of the test, and so is a
        group hidden with them by the disclosure rule (see the module notes);
        all of them are listed alike, so the list does not tell which one is
        small.

    Returns
    -------
    DataFrame
        One row: ``value``, ``group_by``, ``n`` (respondents in the groups
        tested, the sum of their shown sizes), ``n_groups`` (groups tested),
        ``groups_below_threshold`` and ``groups_suppressed`` (both: every
        group left out by disclosure control, those below the threshold and
        any hidden with them, ";"-joined),
        ``n_below_threshold`` (``Int64``: respondents in the groups below the
        threshold; ``<NA>`` unless at least two groups are hidden and all of
        them are below the threshold, since otherwise it would give a hidden
        group's size away), ``n_missing`` (no value or no group), ``H``,
        ``df`` (``Int64``, ``<NA>`` when fewer than two groups are tested),
        ``p_value``, ``epsilon_squared``, ``note``.

    Notes
    -----
    ``H`` and the p-value are those of :func:`scipy.stats.kruskal` (tie
    corrected; computed here directly, the tests compare the two).  Effect size :math:`\\varepsilon^2 = H / ((n^2-1)/(n+1)) = H/(n-1)`.

    References
    ----------
    Tomczak, M. & Tomczak, E. (2014). The need to report effect size
    estimates revisited. Trends in Sport Sciences 21(1), 19-25.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    groups, miss_g, miss_v, order = _grouped(data, value, group)
    hidden = _Hidden.of(data, group, order, threshold)
    out = pd.DataFrame([_kruskal_row(groups, hidden, miss_g + miss_v, value, group)])
    for column in ("n_below_threshold", "n_missing", "df"):
        out[column] = out[column].astype("Int64")
    return out


def _kruskal(samples: list[np.ndarray]) -> tuple[float, float]:
    """Tie-corrected Kruskal-Wallis H and its chi-square p-value (as scipy.stats.kruskal).

    Written out because the group comparisons run it for every direction x
    grouping, where scipy's per-call overhead dominated.
    """
    pooled = np.concatenate(samples)
    n = pooled.size
    distinct, inverse, counts = np.unique(pooled, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    average_rank = upper - (counts - 1) / 2.0  # mean of the ranks a tied run occupies
    ranks = average_rank[inverse.ravel()]
    h, start = 0.0, 0
    for sample in samples:
        stop = start + sample.size
        h += ranks[start:stop].sum() ** 2 / sample.size
        start = stop
    h = 12.0 / (n * (n + 1)) * h - 3.0 * (n + 1)
    h /= 1.0 - float(np.sum(counts**3 - counts)) / (n**3 - n)
    return float(h), float(special.chdtrc(len(samples) - 1, h))


def _kruskal_row(groups: dict[str, np.ndarray], hidden: _Hidden, n_missing: int, value: Any,
                 group: Any) -> dict[str, Any]:
    threshold = hidden.threshold
    kept = {name: groups[name] for name in hidden.tested(groups)}
    n = int(sum(v.size for v in kept.values()))
    row = {"value": str(value), "group_by": str(group), "n": n, "n_groups": len(kept),
           # Naming only the small groups would tell which hidden group is small: all are listed.
           "groups_below_threshold": ";".join(hidden.hidden),
           "groups_suppressed": ";".join(hidden.hidden),
           "n_below_threshold": hidden.n_below_threshold(groups),
           # with the total of respondents known, n_missing would give the hidden groups away
           "n_missing": n_missing if hidden.safe(hidden.hidden_count(groups)) else pd.NA,
           "H": np.nan,
           "df": len(kept) - 1 if len(kept) >= 2 else pd.NA,
           "p_value": np.nan, "epsilon_squared": np.nan, "note": ""}
    pooled = np.concatenate(list(kept.values())) if kept else np.array([])
    if len(kept) < 2:
        row["note"] = f"fewer than 2 groups with at least {threshold} respondents"
    elif np.unique(pooled).size < 2:
        row["note"] = "all values are equal"
        row.update({"H": 0.0, "p_value": 1.0, "epsilon_squared": 0.0})
    else:
        h, p = _kruskal(list(kept.values()))
        row.update({"H": float(h), "p_value": float(p), "epsilon_squared": float(h / (n - 1))})
    return row


def pairwise_mann_whitney(
    data: pd.DataFrame,
    *,
    value: Hashable,
    group: Hashable,
    threshold: int = DEFAULT_THRESHOLD,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Two-sided Mann-Whitney U test for every pair of groups, Holm-adjusted.

    Parameters
    ----------
    data, value, group, threshold
        As in :func:`kruskal_wallis`.
    alpha : float, default 0.05
        Level for ``significant`` (on the Holm-adjusted p-value).

    Returns
    -------
    DataFrame
        One row per pair of groups: ``group_a``, ``group_b``, ``n_a``,
        ``n_b``, ``U`` (statistic of ``group_a``), ``p_value``, ``p_holm``,
        ``rank_biserial``, ``significant``, ``tested`` and ``note``.  Pairs
        with a suppressed group (below the threshold, or hidden with one; see
        the module notes) are listed with ``tested`` False and blank
        statistics, the suppressed group's count is blank (``<NA>``), and
        they do not count in Holm's ``m``.  Groups with no respondents are
        not tested either (their count, 0, is shown).

    Notes
    -----
    p-values are those of :func:`scipy.stats.mannwhitneyu` (two-sided,
    ``method="auto"``).  The rank-biserial correlation is
    :math:`r = 2U_a/(n_a n_b) - 1`, i.e. P(a > b) - P(b > a); positive when
    ``group_a`` tends to have higher values.

    References
    ----------
    Kerby, D. S. (2014). The simple difference formula: an approach to
    teaching nonparametric correlation. Comprehensive Psychology 3, 1.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    alpha = check_probability("alpha", alpha)
    groups, _, _, order = _grouped(data, value, group)
    hidden = _Hidden.of(data, group, order, threshold)
    out = _pairwise_rows(groups, order, hidden)
    out["p_holm"] = holm_adjust(out["p_value"].to_numpy(dtype=float))
    out["significant"] = out["tested"] & (out["p_holm"] < alpha)
    out.attrs.update({"value": str(value), "group_by": str(group), "alpha": alpha,
                      "threshold": threshold, "correction": "Holm"})
    return out[_PAIR_COLUMNS]


_PAIR_COLUMNS = ["group_a", "group_b", "n_a", "n_b", "U", "p_value", "p_holm", "rank_biserial",
                 "significant", "tested", "note"]


def _pairwise_rows(groups: dict[str, np.ndarray], order: list[str], hidden: _Hidden
                   ) -> pd.DataFrame:
    threshold = hidden.threshold
    rows = []
    for a, b in combinations(order, 2):
        xa, xb = groups[a], groups[b]
        row = {"group_a": a, "group_b": b,
               "n_a": pd.NA if hidden.is_hidden(a) else xa.size,
               "n_b": pd.NA if hidden.is_hidden(b) else xb.size, "U": np.nan,
               "p_value": np.nan, "rank_biserial": np.nan, "tested": False, "note": ""}
        if hidden.is_hidden(a) or hidden.is_hidden(b):
            row["note"] = "a group is suppressed (too few respondents, or hidden with one)"
        elif xa.size < threshold or xb.size < threshold:
            row["note"] = f"a group has fewer than {threshold} respondents"
        elif np.unique(np.concatenate([xa, xb])).size < 2:
            row.update({"U": xa.size * xb.size / 2, "p_value": 1.0, "rank_biserial": 0.0,
                        "tested": True, "note": "all values are equal"})
        else:
            res = stats.mannwhitneyu(xa, xb, alternative="two-sided")
            u = float(res.statistic)
            row.update({"U": u, "p_value": float(res.pvalue),
                        "rank_biserial": 2 * u / (xa.size * xb.size) - 1, "tested": True})
        rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in _PAIR_COLUMNS
                                      if c not in ("p_holm", "significant")])
    out["n_a"] = out["n_a"].astype("Int64")
    out["n_b"] = out["n_b"].astype("Int64")
    return out


def compare_groups(
    scores: pd.DataFrame,
    *,
    directions: Sequence[Hashable],
    groupings: Sequence[Hashable],
    threshold: int = DEFAULT_THRESHOLD,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Every direction compared across every grouping, with the family-wise error controlled.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent with a score column per direction (e.g. from
        :func:`survey_analysis.scores.respondent_scores`) and the grouping
        columns.
    directions : list of column names
    groupings : list of column names
        E.g. member category, size, region.
    threshold : int, default 5
        Disclosure threshold (see the module notes).
    alpha : float, default 0.05
        Family-wise error rate of each of the two families below.

    Returns
    -------
    DataFrame
        One row per grouping and direction (columns ``grouping`` and
        ``direction`` first) with the columns of :func:`kruskal_wallis`, then
        ``p_holm`` (Holm-adjusted over every omnibus test of the table),
        ``differ`` (``p_holm < alpha``), ``significant_pairs`` ("a > b"
        texts of the pairs that differ, the higher group first,
        ";"-joined; only when ``differ``), ``n_significant_pairs`` and
        ``groups_differing``.  ``attrs["correction"]`` names the method and
        the sizes of both families; ``attrs["pairs"]`` holds every follow-up
        pair with its ``p_holm``.

    Notes
    -----
    1. Kruskal-Wallis for each direction x grouping; the p-values of all of
       them are adjusted together with Holm's procedure (family 1), so that
       under no difference at all the chance of any "differ" is at most
       ``alpha``.
    2. Only where the adjusted omnibus test is significant, Mann-Whitney U
       for each pair of tested groups; the p-values of all these follow-up
       pairs (across directions and groupings) are adjusted together with
       Holm's procedure (family 2), and a pair is listed when its adjusted
       p-value is below ``alpha``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6, 65-70.
    """
    scores = check_frame(scores, "scores")
    threshold = check_int("threshold", threshold, minimum=1)
    alpha = check_probability("alpha", alpha)
    directions = check_columns(scores, "directions", directions)
    groupings = check_columns(scores, "groupings", groupings)
    values = {code: _numeric(scores, code).to_numpy(dtype=float) for code in directions}
    rows, follow_ups = [], []
    for grouping in groupings:
        column = scores[grouping]
        if isinstance(column.dtype, pd.CategoricalDtype):
            order = [str(c) for c in column.cat.categories]
        else:
            order = sorted({str(v) for v in column.dropna()})
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy()
        else:
            codes = pd.Categorical(column.astype(object).map(str, na_action="ignore"),
                                   categories=order).codes
        # decided once per grouping, from its group sizes, for every direction
        hidden = _Hidden(pd.Series(np.bincount(codes[codes >= 0], minlength=len(order)),
                                   index=order), threshold)
        for code in directions:
            x = values[code]
            answered = ~np.isnan(x)
            groups = {name: x[answered & (codes == j)] for j, name in enumerate(order)}
            n_missing = int((codes < 0).sum() + ((codes >= 0) & ~answered).sum())
            kw = _kruskal_row(groups, hidden, n_missing, code, grouping)
            rows.append({"grouping": str(grouping), "direction": str(code), **kw})
            follow_ups.append((groups, order, hidden))
    out = pd.DataFrame(rows)
    out["p_holm"] = holm_adjust(out["p_value"].to_numpy(dtype=float))
    out["differ"] = out["p_holm"] < alpha
    pair_frames = []
    for position, (groups, order, hidden) in enumerate(follow_ups):
        if not out.loc[position, "differ"]:
            continue
        pairs = _pairwise_rows(groups, order, hidden)
        pairs.insert(0, "direction", out.loc[position, "direction"])
        pairs.insert(0, "grouping", out.loc[position, "grouping"])
        pairs["row"] = position
        pair_frames.append(pairs)
    pairs = (pd.concat(pair_frames, ignore_index=True) if pair_frames
             else pd.DataFrame(columns=["grouping", "direction", *_PAIR_COLUMNS, "row"]))
    pairs["p_holm"] = holm_adjust(pairs["p_value"].to_numpy(dtype=float))
    pairs["significant"] = pairs["tested"].astype(bool) & (pairs["p_holm"] < alpha)
    texts: dict[int, list[str]] = {}
    members: dict[int, list[str]] = {}
    for _, pr in pairs[pairs["significant"]].iterrows():
        hi, lo = ((pr["group_a"], pr["group_b"]) if pr["rank_biserial"] > 0
                  else (pr["group_b"], pr["group_a"]))
        texts.setdefault(int(pr["row"]), []).append(f"{hi} > {lo}")
        members.setdefault(int(pr["row"]), []).extend([hi, lo])
    out["significant_pairs"] = ["; ".join(texts.get(i, [])) for i in range(len(out))]
    out["n_significant_pairs"] = [len(texts.get(i, [])) for i in range(len(out))]
    out["groups_differing"] = ["; ".join(dict.fromkeys(members.get(i, [])))
                               for i in range(len(out))]
    out = out.drop(columns=["value", "group_by"])
    for c in ("n_below_threshold", "n_missing", "df"):
        out[c] = out[c].astype("Int64")
    n_pairs = int(pairs["tested"].astype(bool).sum())
    out.attrs.update({
        "alpha": alpha, "threshold": threshold,
        "correction": (f"Holm over the {int(out['p_value'].notna().sum())} omnibus tests "
                       f"(Kruskal-Wallis, every direction x grouping); pairs compared only after "
                       f"a significant omnibus test, Holm over those {n_pairs} pairs"),
        "pairs": pairs.drop(columns=["row"]),
    })
    return out


def compare_directions_by_group(
    scores: pd.DataFrame,
    *,
    directions: Sequence[Hashable],
    group: Hashable,
    threshold: int = DEFAULT_THRESHOLD,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each direction compared across the groups of one grouping.

    :func:`compare_groups` with a single grouping (the family is then that
    grouping's directions), indexed by ``direction``.
    """
    out = compare_groups(scores, directions=directions, groupings=[group],
                         threshold=threshold, alpha=alpha)
    attrs = dict(out.attrs)
    out = out.drop(columns=["grouping"]).set_index("direction")
    out.attrs.update(attrs)
    return out
