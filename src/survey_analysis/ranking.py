"""Ranking questions: which directions members put first, and how stable that is.

This module owns the cleaning of ranking answers (ties, gaps, partial and
empty rankings), mean ranks and Borda scores, the pairwise preference matrix,
the Schulze order and Condorcet winner, and bootstrap probabilities of each
direction ranking first or above another.

Ranking answers are read by these rules, never dropped silently:

- ranks must be whole numbers >= 1 (anything else raises
  :class:`~survey_analysis.errors.RankingError`);
- **gaps are compacted**: ranks 1, 3, 4 are read as 1, 2, 3;
- **ties share the average rank**: two options both marked 1 get 1.5 each;
- **partial rankings**: options left unranked tie below every ranked option
  (they share the average of the remaining places);
- **empty rankings**: a respondent who ranked nothing is excluded, and
  counted (``n_no_ranks``) in every output.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .arguments import (
    bad_option,
    check_frame,
    check_int,
    check_random_state,
)
from .errors import AnalysisInputError, RankingError

__all__ = [
    "clean_rankings",
    "rank_summary",
    "pairwise_preferences",
    "strongest_paths",
    "schulze_ranking",
    "condorcet_winner",
    "rank_first_probability",
    "rank_above_probability",
]

_BRACKET = re.compile(r"^.*\[(.+)\]$")


def _option_names(data: pd.DataFrame, options: Any) -> dict[Hashable, str]:
    if options is None:
        names = {}
        for col in data.columns:
            m = _BRACKET.match(str(col))
            names[col] = m.group(1) if m else str(col)
    elif isinstance(options, Mapping):
        missing = [c for c in options if c not in data.columns]
        if missing:
            raise bad_option("options", "a mapping from rank columns of the data to names",
                             missing[0])
        names = {c: str(v) for c, v in options.items()}
    else:
        raise bad_option("options", "None or a mapping rank column -> option name", options)
    if len(set(names.values())) != len(names):
        raise bad_option("options", "distinct option names", list(names.values()))
    if len(names) < 2:
        raise AnalysisInputError(
            f"a ranking needs at least 2 options; got {len(names)}.",
            value=list(names.values()),
            hint="Pass one rank column per option (e.g. D[SD1] .. D[SD5]).",
        )
    return names


def clean_rankings(data: pd.DataFrame, *, options: Mapping[Hashable, str] | None = None
                   ) -> pd.DataFrame:
    """Read ranking answers into clean average ranks.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per option holding the rank given
        (1 = first; NaN = not ranked).
    options : mapping column -> option name, optional
        Default: the text inside ``[...]`` of each column name (``D[SD1]`` ->
        ``SD1``), else the column name.

    Returns
    -------
    DataFrame
        Indexed like ``data``: one float column per option with the clean
        rank (1..k, ties averaged, NaN only for respondents who ranked
        nothing), then ``n_ranked`` (options the respondent ranked) and the
        booleans ``tied``, ``gaps``, ``partial``, ``no_ranks``.

    Raises
    ------
    RankingError
        A rank that is not a whole number >= 1 (names the respondent, column
        and value).
    """
    data = check_frame(data)
    names = _option_names(data, options)
    cols = list(names)
    k = len(cols)
    given = np.full((len(data), k), np.nan)
    for j, col in enumerate(cols):
        raw = data[col]
        num = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad = (num.isna() & raw.notna()) | (num.notna() & ((num < 1) | (num != np.round(num))))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise RankingError(
                "a rank must be a whole number from 1 (first) upwards.",
                row=None, column=str(col), value=raw.iloc[pos],
                hint=f"Fix the answer of respondent {data.index[pos]!r} or blank it.",
            )
        given[:, j] = num.to_numpy()
    # All respondents at once (a loop over respondents costs seconds on a large survey).
    ranked = ~np.isnan(given)
    n_ranked = ranked.sum(axis=1)
    answered = n_ranked > 0
    ordered = np.sort(given, axis=1)  # missing ranks sort last
    new_value = np.isfinite(ordered) & np.concatenate(
        [np.ones((len(data), 1), dtype=bool), ordered[:, 1:] != ordered[:, :-1]], axis=1)
    n_distinct = new_value.sum(axis=1)
    tied = answered & (n_distinct < n_ranked)
    largest = np.where(answered, np.nanmax(np.where(ranked, given, -np.inf), axis=1), np.nan)
    gaps = answered & (largest != n_distinct)
    clean = stats.rankdata(given, axis=1, method="average", nan_policy="omit") if len(data) else given.copy()
    # unranked options of a respondent who ranked some share the places after them
    unranked_rank = (n_ranked + 1 + k) / 2
    fill = ~ranked & answered[:, None]
    clean[fill] = np.broadcast_to(unranked_rank[:, None], clean.shape)[fill]
    clean[~answered] = np.nan
    out = pd.DataFrame(clean, index=data.index, columns=[names[c] for c in cols])
    out["n_ranked"] = n_ranked
    out["tied"] = tied
    out["gaps"] = gaps
    out["partial"] = (n_ranked > 0) & (n_ranked < k)
    out["no_ranks"] = n_ranked == 0
    out.attrs["options"] = [names[c] for c in cols]
    return out


def _ranks(data: pd.DataFrame, options: Any) -> tuple[np.ndarray, list[str], int]:
    clean = clean_rankings(data, options=options)
    opts = clean.attrs["options"]
    kept = ~clean["no_ranks"].to_numpy()
    return clean.loc[kept, opts].to_numpy(), opts, int((~kept).sum())


def _pairwise(ranks: np.ndarray) -> np.ndarray:
    # d[i, j] = respondents ranking i strictly above (smaller rank than) j
    return (ranks[:, :, None] < ranks[:, None, :]).sum(axis=0)


def pairwise_preferences(data: pd.DataFrame, *, options: Mapping[Hashable, str] | None = None
                         ) -> pd.DataFrame:
    """Pairwise preference matrix.

    Returns
    -------
    DataFrame
        Square, options x options: cell ``(i, j)`` is the number of
        respondents who ranked ``i`` strictly above ``j`` (tied pairs count
        for neither); the diagonal is 0.  ``attrs["n"]`` and
        ``attrs["n_no_ranks"]`` give the respondents used and excluded.
    """
    ranks, opts, n_empty = _ranks(data, options)
    out = pd.DataFrame(_pairwise(ranks), index=opts, columns=opts)
    out.index.name = "option"
    out.attrs.update({"n": int(ranks.shape[0]), "n_no_ranks": n_empty})
    return out


def _check_pairwise(pairwise: Any) -> pd.DataFrame:
    if (not isinstance(pairwise, pd.DataFrame) or list(pairwise.index) != list(pairwise.columns)
            or pairwise.shape[0] < 2):
        raise bad_option("pairwise", "a square DataFrame (options x options) as returned by "
                         "pairwise_preferences", type(pairwise).__name__)
    return pairwise


def strongest_paths(pairwise: pd.DataFrame) -> pd.DataFrame:
    """Strengths of the strongest (widest) paths of the Schulze method.

    Parameters
    ----------
    pairwise : DataFrame
        Output of :func:`pairwise_preferences`.

    Returns
    -------
    DataFrame
        Square, options x options: ``p[i, j]``, the strength of the strongest
        path from ``i`` to ``j`` (winning votes); 0 on the diagonal.

    Notes
    -----
    A link ``i -> j`` has strength ``d[i, j]`` when ``d[i, j] > d[j, i]``,
    else 0; a path's strength is its weakest link; ``p`` is computed with the
    Floyd-Warshall widest-path recursion.

    References
    ----------
    Schulze, M. (2011). A new monotonic, clone-independent, reversal
    symmetric, and Condorcet-consistent single-winner election method.
    Social Choice and Welfare 36, 267-303.
    """
    pairwise = _check_pairwise(pairwise)
    d = pairwise.to_numpy(dtype=float)
    p = np.where(d > d.T, d, 0.0)
    np.fill_diagonal(p, 0.0)
    k = d.shape[0]
    for via in range(k):
        through = np.minimum(p[:, via][:, None], p[via, :][None, :])
        p = np.maximum(p, through)
        np.fill_diagonal(p, 0.0)
    return pd.DataFrame(p, index=pairwise.index, columns=pairwise.columns)


def schulze_ranking(pairwise: pd.DataFrame) -> pd.DataFrame:
    """Schulze order of the options.

    Returns
    -------
    DataFrame
        One row per option, best first: ``option``, ``beaten_by`` (options
        that beat it in the Schulze relation, ``p[j, i] > p[i, j]``), ``wins``
        (options it beats), ``position`` (1 + ``beaten_by``: the winners, beaten
        by no one, share position 1; options the method cannot separate share
        a position) and ``winner`` (bool).

    Notes
    -----
    The Schulze relation (``i`` beats ``j`` when the strongest path from
    ``i`` to ``j`` is stronger than the one back) is transitive, so an
    option's position is one more than the number of options above it.
    Counting the options it beats instead would place an option that no
    one beats below another: with two voters ranking A > B > C and
    C > A > B, A and C are both unbeaten (position 1) and B, beaten by A
    only, is second.
    """
    paths = strongest_paths(pairwise)
    p = paths.to_numpy()
    beats = p > p.T
    out = pd.DataFrame({"option": list(paths.index), "beaten_by": beats.sum(axis=0),
                        "wins": beats.sum(axis=1)})
    out["position"] = out["beaten_by"] + 1
    out["winner"] = out["beaten_by"] == 0
    out = out.sort_values(["position", "wins", "option"], ascending=[True, False, True],
                          kind="stable")
    return out.reset_index(drop=True)


def condorcet_winner(pairwise: pd.DataFrame) -> str | None:
    """The option preferred to every other by a majority of pairwise comparisons, or None."""
    pairwise = _check_pairwise(pairwise)
    d = pairwise.to_numpy()
    beats = d > d.T
    for i, option in enumerate(pairwise.index):
        if beats[i, [j for j in range(d.shape[0]) if j != i]].all():
            return str(option)
    return None


def rank_summary(data: pd.DataFrame, *, options: Mapping[Hashable, str] | None = None
                 ) -> pd.DataFrame:
    """Mean rank, Borda score, first-place share and Schulze position per option.

    Parameters
    ----------
    data : DataFrame
        Rank columns, one per option (1 = first); see the module notes for
        ties, gaps, partial and empty rankings.
    options : mapping column -> option name, optional

    Returns
    -------
    DataFrame
        One row per option (index ``option``): ``n`` (respondents with at
        least one rank), ``n_no_ranks`` (excluded respondents), ``n_explicit``
        (respondents who ranked this option themselves), ``mean_rank``,
        ``sd_rank``, ``first_share`` (share placing it first; a tie for first
        among ``t`` options gives each ``1/t``), ``borda`` (sum of ``k - rank``
        points), ``borda_mean``, ``borda_position`` (1 = most points, equal
        scores share a position), ``schulze_position`` (see
        :func:`schulze_ranking`), ``schulze_winner`` and ``condorcet_winner``
        (bool).  Sorted by Borda score, best first.

    Notes
    -----
    Borda points are ``k - rank`` (``k - 1`` for first, 0 for last), computed
    on the clean average ranks, so ties share points.  Because every kept
    respondent has a rank for every option, ordering by Borda and by mean rank
    is the same.
    """
    clean = clean_rankings(data, options=options)
    opts = clean.attrs["options"]
    kept = ~clean["no_ranks"]
    ranks = clean.loc[kept, opts].to_numpy()
    k = len(opts)
    explicit = data.loc[kept, list(_option_names(data, options))].notna().sum().to_numpy()
    best = ranks.min(axis=1, keepdims=True) if len(ranks) else ranks
    at_top = ranks == best
    first = (at_top / at_top.sum(axis=1, keepdims=True)).sum(axis=0) if len(ranks) else 0
    n = int(kept.sum())
    pairwise = pd.DataFrame(_pairwise(ranks), index=opts, columns=opts)
    schulze = schulze_ranking(pairwise).set_index("option")
    winner = condorcet_winner(pairwise)
    out = pd.DataFrame({
        "option": opts, "n": n, "n_no_ranks": int((~kept).sum()),
        "n_explicit": explicit.astype(int),
        "mean_rank": ranks.mean(axis=0) if n else np.nan,
        "sd_rank": ranks.std(axis=0, ddof=1) if n > 1 else np.nan,
        "first_share": np.asarray(first, dtype=float) / n if n else np.nan,
        "borda": (k - ranks).sum(axis=0),
        "borda_mean": (k - ranks).mean(axis=0) if n else np.nan,
        "schulze_position": [int(schulze.loc[o, "position"]) for o in opts],
        "schulze_winner": [bool(schulze.loc[o, "winner"]) for o in opts],
        "condorcet_winner": [o == winner for o in opts],
    }).set_index("option")
    borda = out["borda"].round(9)
    out.insert(out.columns.get_loc("borda_mean") + 1, "borda_position",
               borda.rank(method="min", ascending=False).astype(int))
    return out.sort_values("borda", ascending=False, kind="stable")


def _bootstrap_borda(ranks: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    n, k = ranks.shape
    points = k - ranks
    out = np.empty((n_boot, k))
    chunk = max(1, 400_000 // max(n, 1))  # bounds memory: chunk x n x k floats
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = points[idx].sum(axis=1)
    return out


def _boot_setup(data: pd.DataFrame, options: Any, n_boot: Any, random_state: Any
                ) -> tuple[np.ndarray, list[str], int, int]:
    n_boot = check_int("n_boot", n_boot, minimum=1)
    rng = check_random_state(random_state)
    ranks, opts, n_empty = _ranks(data, options)
    if ranks.shape[0] == 0:
        raise AnalysisInputError(
            "no respondent ranked any option, so the ranking cannot be bootstrapped.",
            value=n_empty, hint="Check that the rank columns hold the answers.",
        )
    return _bootstrap_borda(ranks, n_boot, rng), opts, ranks.shape[0], n_empty


def rank_first_probability(
    data: pd.DataFrame,
    *,
    options: Mapping[Hashable, str] | None = None,
    n_boot: int = 2000,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Bootstrap probability that each option has the highest Borda score.

    Parameters
    ----------
    data, options
        As in :func:`rank_summary`.
    n_boot : int, default 2000
        Bootstrap resamples of respondents.
    random_state : int, Generator or None, default 0
        Seed.

    Returns
    -------
    DataFrame
        One row per option (index ``option``): ``p_first`` (share of
        resamples in which the option has the top Borda score; a tie for the
        top among ``t`` options gives each ``1/t``), ``n`` and
        ``n_no_ranks``.  The probabilities sum to 1.

    Notes
    -----
    Ranking by Borda score and by mean rank is identical here (see
    :func:`rank_summary`), so this is also the probability of the best mean
    rank.
    """
    borda, opts, n, n_empty = _boot_setup(data, options, n_boot, random_state)
    top = np.isclose(borda, borda.max(axis=1, keepdims=True))
    p_first = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
    out = pd.DataFrame({"option": opts, "p_first": p_first, "n": n, "n_no_ranks": n_empty})
    out = out.set_index("option")
    out.attrs["n_boot"] = borda.shape[0]
    return out


def rank_above_probability(
    data: pd.DataFrame,
    *,
    options: Mapping[Hashable, str] | None = None,
    n_boot: int = 2000,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Bootstrap probability that option ``i`` has a higher Borda score than ``j``.

    Returns
    -------
    DataFrame
        Square, options x options: cell ``(i, j)`` is the share of resamples
        where ``i``'s Borda score exceeds ``j``'s, ties counting one half, so
        ``P(i, j) + P(j, i) = 1``; the diagonal is NaN.  ``attrs`` hold ``n``,
        ``n_no_ranks`` and ``n_boot``.
    """
    borda, opts, n, n_empty = _boot_setup(data, options, n_boot, random_state)
    diff = borda[:, :, None] - borda[:, None, :]
    close = np.isclose(diff, 0.0)
    prob = ((diff > 0) & ~close).mean(axis=0) + 0.5 * close.mean(axis=0)
    np.fill_diagonal(prob, np.nan)
    out = pd.DataFrame(prob, index=opts, columns=opts)
    out.index.name = "option"
    out.attrs.update({"n": n, "n_no_ranks": n_empty, "n_boot": borda.shape[0]})
    return out
