"""Disclosure control for group breakdowns.

This module owns small-cell suppression: a count below the threshold
(default 5) is not shown (primary suppression), and further cells are hidden
so that the shown totals cannot be used to work it out (secondary
suppression).  Every group breakdown of the workbench goes through it.

Rules
-----
- *Primary*: a count ``c`` with ``0 < c < threshold`` is suppressed.  Zero
  counts are shown (they reveal no respondent).  A margin total below the
  threshold is suppressed the same way; the grand total is always shown.
- *Secondary*: the table is read with its margins as a set of lines (every
  row with its row total, every column with its column total, including the
  row of column totals).  Whenever a line holds exactly one suppressed cell,
  the smallest other non-zero cell of that line is suppressed too (a zero
  cell only when no non-zero cell is left); lines are rechecked until none
  holds exactly one suppressed cell.  For a one-way breakdown with a total
  this reduces to: if exactly one cell is suppressed, suppress the next
  smallest as well.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ._analysis_options import bad_option, check_column, check_frame, check_int
from .errors import AnalysisInputError

__all__ = [
    "DEFAULT_THRESHOLD",
    "suppression_mask",
    "suppress_counts",
    "suppress_group_rows",
]

DEFAULT_THRESHOLD = 5


def _counts_array(counts: pd.Series | pd.DataFrame) -> np.ndarray:
    values = counts.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise AnalysisInputError(
            "counts must be whole non-negative numbers without gaps.",
            value=str(values.ravel()[:10]),
            hint="Pass the table of respondent counts (e.g. from pandas.crosstab).",
        )
    return values


def _augmented_mask(table: np.ndarray, threshold: int) -> np.ndarray:
    """Suppression mask of ``table`` with its margins (last row / column)."""
    rows, cols = table.shape
    aug = np.zeros((rows + 1, cols + 1))
    aug[:rows, :cols] = table
    aug[:rows, cols] = table.sum(axis=1)
    aug[rows, :cols] = table.sum(axis=0)
    aug[rows, cols] = table.sum()
    mask = (aug > 0) & (aug < threshold)
    mask[rows, cols] = False  # the grand total is always shown
    lines = [[(i, j) for j in range(cols + 1)] for i in range(rows + 1)]
    lines += [[(i, j) for i in range(rows + 1)] for j in range(cols + 1)]
    lines = [line for line in lines if len(line) > 2 or rows == 0 or cols == 0]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if mask[cell]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line if not mask[cell] and cell != (rows, cols)]
            if not candidates:
                continue
            nonzero = [cell for cell in candidates if aug[cell] > 0]
            pool = nonzero or candidates
            pick = min(pool, key=lambda cell: (aug[cell], cell))
            mask[pick] = True
            changed = True
    return mask


def suppression_mask(
    counts: pd.Series | pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Which cells of a count table (with its totals) must be suppressed.

    Parameters
    ----------
    counts : Series or DataFrame
        A one-way (Series: group -> count) or two-way (DataFrame) table of
        respondent counts, without margins.
    threshold : int, default 5
        Counts ``0 < c < threshold`` are suppressed.

    Returns
    -------
    DataFrame
        Boolean, True = suppress.  For a Series: one column ``count`` with a
        last row ``"Total"``; for a DataFrame: the table plus a ``"Total"``
        row and column.  See the module notes for the rules.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    if isinstance(counts, pd.Series):
        values = _counts_array(counts)[:, None]
        mask = _augmented_mask(values, threshold)[:, :1]
        return pd.DataFrame(mask, index=list(counts.index) + ["Total"], columns=["count"])
    if isinstance(counts, pd.DataFrame):
        values = _counts_array(counts)
        mask = _augmented_mask(values, threshold)
        return pd.DataFrame(mask, index=list(counts.index) + ["Total"],
                            columns=list(counts.columns) + ["Total"])
    raise bad_option("counts", "a pandas Series or DataFrame of counts", type(counts).__name__)


def suppress_counts(
    counts: pd.Series | pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """A count table with margins where suppressed cells are blank (``<NA>``).

    Parameters
    ----------
    counts : Series or DataFrame
        One-way or two-way table of counts, without margins.
    threshold : int, default 5

    Returns
    -------
    DataFrame
        ``Int64`` counts with a ``"Total"`` row (and column, for two-way
        tables); suppressed cells are ``<NA>``.  For a Series the columns are
        ``count`` and ``suppressed``; for a DataFrame the boolean mask is in
        ``attrs["suppressed"]``.  ``attrs["threshold"]`` holds the threshold.
    """
    mask = suppression_mask(counts, threshold=threshold)
    if isinstance(counts, pd.Series):
        full = pd.concat([counts.astype("int64"),
                          pd.Series([int(counts.sum())], index=["Total"])])
        shown = pd.Series(full.to_numpy(), index=mask.index, dtype="Int64")
        out = pd.DataFrame({"count": shown.mask(mask["count"]), "suppressed": mask["count"]})
        out.index.name = counts.index.name
    else:
        full = counts.astype("int64").copy()
        full["Total"] = full.sum(axis=1)
        full.loc["Total"] = full.sum(axis=0)
        out = full.astype("Int64").mask(mask.to_numpy())
        out.attrs["suppressed"] = mask
        out.index.name = counts.index.name
        out.columns.name = counts.columns.name
    out.attrs["threshold"] = threshold
    return out


def suppress_group_rows(
    table: pd.DataFrame,
    *,
    n_column: Hashable = "n",
    columns: Sequence[Hashable] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Blank the statistics of groups that are too small to show.

    Parameters
    ----------
    table : DataFrame
        One row per group with a count column ``n_column``.
    n_column : column name, default "n"
    columns : list of column names, optional
        The columns blanked for a suppressed group (default: every column
        except ``n_column``); ``n_column`` itself is always blanked.
    threshold : int, default 5

    Returns
    -------
    DataFrame
        A copy of ``table`` with a boolean column ``suppressed``; for a
        suppressed group ``n_column`` and ``columns`` are missing (``<NA>`` /
        NaN).  The one-way rule of :func:`suppression_mask` is applied to
        ``n_column`` (its total being shown elsewhere), so a single small
        group drags the next smallest group with it.
    """
    table = check_frame(table, "table")
    check_column(table, "n_column", n_column)
    columns = [c for c in table.columns if c != n_column] if columns is None else list(columns)
    for c in columns:
        check_column(table, "columns", c)
    mask = suppression_mask(table[n_column].reset_index(drop=True), threshold=threshold)
    hide = mask["count"].to_numpy()[:-1]
    out = table.copy()
    out[n_column] = out[n_column].astype("Int64").mask(hide)
    for c in columns:
        if c == "suppressed":
            continue
        col = out[c]
        if pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype("boolean")
        elif pd.api.types.is_integer_dtype(col.dtype):
            col = col.astype("Int64")
        elif not (pd.api.types.is_float_dtype(col.dtype) or col.dtype == object
                  or isinstance(col.dtype, (pd.StringDtype, pd.CategoricalDtype))):
            col = col.astype(object)
        out[c] = col.mask(hide)
    out["suppressed"] = hide
    out.attrs["threshold"] = threshold
    return out
