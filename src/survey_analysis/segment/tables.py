"""Tables of segments for charts and breakdowns, with disclosure control.

Segment sizes, segment x group counts and the segment profile table behind
the heatmap.  Every table meant to be shown passes through
:mod:`survey_analysis.disclosure`: a segment smaller than the disclosure
threshold has its size, share and profile hidden (and so has the next
smallest segment, so that the total cannot give it away).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..disclosure import suppress_counts, suppress_group_rows
from ..errors import AnalysisInputError

__all__ = ["segment_sizes", "segment_crosstab", "segment_profile_table"]

def _check_threshold(threshold: Any) -> int:
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise AnalysisInputError(
            f"threshold must be a whole number of at least 1, got {threshold!r}",
            value=threshold,
            hint="use the disclosure threshold, 5 by default.",
        )
    return int(threshold)


def segment_sizes(segments: pd.Series, *, threshold: int = 5, suppress: bool = True) -> pd.DataFrame:
    """Size of each segment, hiding those below the disclosure threshold.

    Parameters
    ----------
    segments : Series
        Segment of each respondent.
    threshold : int, default 5
        Disclosure threshold.
    suppress : bool, default True
        Apply small-group suppression
        (:func:`survey_analysis.disclosure.suppress_group_rows`): a segment
        with fewer than ``threshold`` respondents is hidden, and so is the
        next smallest segment when only one would be (the total number of
        respondents being known).  False shows every size (for internal
        checks only, never for a report).

    Returns
    -------
    DataFrame
        Columns ``segment``, ``n``, ``share`` (of all respondents),
        ``below_threshold`` (bool), one row per segment in segment order, then
        ``suppressed`` (bool, when ``suppress``).  For a suppressed segment
        ``n``, ``share`` and ``below_threshold`` are missing: which of the
        hidden segments is the small one is not shown, as that would undo
        the secondary suppression.
    """
    threshold = _check_threshold(threshold)
    counts = segments.value_counts(sort=False).sort_index()
    table = pd.DataFrame({"segment": counts.index.to_numpy(), "n": counts.to_numpy().astype(int)})
    table["share"] = table["n"] / max(int(table["n"].sum()), 1)
    table["below_threshold"] = table["n"] < threshold
    if not suppress:
        return table
    return suppress_group_rows(table, n_column="n", columns=["share", "below_threshold"],
                               threshold=threshold)


def segment_crosstab(
    segments: pd.Series,
    groups: pd.Series,
    *,
    threshold: int = 5,
    suppress: bool = True,
) -> pd.DataFrame:
    """Counts of respondents by segment and group (member category, size...).

    Parameters
    ----------
    segments : Series
        Segment of each respondent.
    groups : Series
        Group of each respondent (same index).  Missing answers form the group
        ``"(no answer)"`` so that no respondent is dropped silently.
    threshold : int, default 5
        Disclosure threshold.
    suppress : bool, default True
        Apply small-cell suppression (primary and secondary, see
        :mod:`survey_analysis.disclosure`): suppressed cells are ``<NA>`` and
        ``attrs["suppressed"]`` marks every hidden cell, without saying which
        ones are below the threshold (that would undo the secondary
        suppression).  False returns every count (for internal checks only,
        never for a report).

    Returns
    -------
    DataFrame
        Index ``segment`` (plus ``Total``), columns the groups in their
        category order (plus ``Total``), counts as ``Int64``.  Only when
        ``suppress`` is False, ``attrs["below_threshold"]`` lists the
        ``(segment, group)`` cells with ``0 < n < threshold``.
    """
    threshold = _check_threshold(threshold)
    if not segments.index.equals(groups.index):
        groups = groups.reindex(segments.index)
    name = groups.name if groups.name is not None else "group"
    if isinstance(groups.dtype, pd.CategoricalDtype):
        order = [str(c) for c in groups.cat.categories]
    else:
        order = sorted({str(v) for v in groups.dropna()})
    labels = groups.astype("object").map(lambda v: str(v), na_action="ignore")
    labels = labels.where(groups.notna(), "(no answer)")
    if (labels == "(no answer)").any():
        order.append("(no answer)")
    counts = pd.crosstab(segments.rename("segment"), labels.rename(name))
    counts = counts.reindex(columns=order, fill_value=0).astype("int64")
    counts.columns.name = name
    if suppress:
        return suppress_counts(counts, threshold=threshold)
    table = counts.copy()
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    table = table.astype("Int64")
    table.attrs["threshold"] = threshold
    table.attrs["below_threshold"] = [
        (seg, grp) for seg in counts.index for grp in counts.columns if 0 < counts.at[seg, grp] < threshold
    ]
    return table


def segment_profile_table(
    profiles: pd.DataFrame,
    segments: pd.Series,
    *,
    relative: bool = False,
    names: Mapping[int, str] | None = None,
    threshold: int = 5,
    suppress: bool = True,
) -> pd.DataFrame:
    """The table behind the segment profile heatmap.

    Parameters
    ----------
    profiles : DataFrame
        Priority profiles (respondents x directions).
    segments : Series
        Segment of each respondent (same index).
    relative : bool, default False
        Subtract the overall mean profile, so cells show how much more (or
        less) a segment wants a direction than the members overall.
    names : mapping, optional
        Segment -> label used as the index (e.g. ``segment_names_``).
    threshold : int, default 5
        Disclosure threshold.
    suppress : bool, default True
        Hide the profile of the segments that :func:`segment_sizes` hides
        (fewer than ``threshold`` respondents, plus the secondary
        suppression): their row is all NaN and labelled
        ``"<segment> (suppressed)"`` instead of its name, which is built from
        the profile.  False shows every profile (for internal checks only,
        never for a report).

    Returns
    -------
    DataFrame
        Index segments (or their names), columns directions, mean profile.
        ``attrs["suppressed"]`` lists the hidden segments.
    """
    threshold = _check_threshold(threshold)
    if not segments.index.equals(profiles.index):
        segments = segments.reindex(profiles.index)
    table = profiles.groupby(segments.rename("segment")).mean()
    if relative:
        table = table - profiles.mean()
    hidden: list[Any] = []
    if suppress:
        sizes = segment_sizes(segments.dropna(), threshold=threshold)
        hidden = [seg for seg, off in zip(sizes["segment"], sizes["suppressed"]) if off]
        table.loc[table.index.isin(hidden)] = np.nan
    labels = [
        f"{s} (suppressed)" if s in hidden else (names.get(s, str(s)) if names is not None else s)
        for s in table.index
    ]
    if hidden or names is not None:
        table.index = pd.Index(labels, name="segment")
    table.columns.name = "direction"
    table.attrs["suppressed"] = [int(s) if isinstance(s, (int, np.integer)) else s for s in hidden]
    return table
