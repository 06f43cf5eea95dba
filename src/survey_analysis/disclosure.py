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
- *Sum (one-way tables)*: the hidden cells of a one-way table are known
  through their sum (the total minus the shown cells), so that sum must not
  be small either: while it is below the threshold, the smallest non-zero
  shown cell is hidden too (groups of 1, 1, 20 and 25 hide 1, 1 and 20: the
  hidden 22 no longer tells that each small group has one member).  Every
  hidden cell can then be anything from 0 to that sum, a range at least
  ``threshold`` wide.  Anything else published beside such a table (a
  count of respondents below the threshold, of missing answers) must obey
  the same rule; :mod:`survey_analysis.groups` does.
- *Audit (two-way tables)*: the line rule is not enough in two dimensions,
  because rows and columns can be combined with the published totals.  Each
  primary-suppressed entry (cell or margin) is therefore audited with linear
  programming: its smallest and largest value consistent with everything
  published (the shown cells and totals, every row / column adding up to its
  total, every count >= 0) are computed with
  :func:`scipy.optimize.linprog`.  While that range is narrower than the
  threshold, one more cell is suppressed -- the smallest non-zero shown
  cell in the entry's row or column (never a total); failing that the
  smallest non-zero shown cell anywhere, then a shown zero cell, then a
  shown margin -- and the entry is audited again.  Hiding a cell only
  widens the ranges, so an entry found safe stays safe.  The guarantee: the
  range of every primary-suppressed entry is at least ``threshold`` wide,
  unless everything but the grand total is hidden (then it is ``[0, grand
  total]``, so never a single value for a table of at least one respondent).

References
----------
Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley,
chapter 5 (frequency tables; secondary suppression, audit by linear
programming).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .arguments import bad_option, check_column, check_frame, check_int
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


def _augmented_mask(table: np.ndarray, threshold: int, *, audit: bool = False) -> np.ndarray:
    """Suppression mask of ``table`` with its margins (last row / column).

    ``audit`` adds the linear-programming audit of two-way tables.
    """
    rows, cols = table.shape
    aug = np.zeros((rows + 1, cols + 1))
    aug[:rows, :cols] = table
    aug[:rows, cols] = table.sum(axis=1)
    aug[rows, :cols] = table.sum(axis=0)
    aug[rows, cols] = table.sum()
    mask = (aug > 0) & (aug < threshold)
    mask[rows, cols] = False  # the grand total is always shown
    primary = mask.copy()
    _line_rule(aug, mask)
    if audit:
        _audit(aug, mask, primary, threshold)
    return mask


def _line_rule(aug: np.ndarray, mask: np.ndarray) -> None:
    """Hide cells (in place) until no line holds exactly one hidden cell."""
    rows, cols = aug.shape[0] - 1, aug.shape[1] - 1
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


def _line_system(aug: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    """Equalities ``A x = b`` over the hidden entries of an augmented table."""
    rows, cols = aug.shape[0] - 1, aug.shape[1] - 1
    hidden = [tuple(c) for c in np.argwhere(mask)]
    where = {cell: k for k, cell in enumerate(hidden)}
    lines = [([(i, j) for j in range(cols)], (i, cols)) for i in range(rows)]
    lines += [([(i, j) for i in range(rows)], (rows, j)) for j in range(cols)]
    lines.append(([(i, cols) for i in range(rows)], (rows, cols)))
    lines.append(([(rows, j) for j in range(cols)], (rows, cols)))
    a_rows, b = [], []
    for parts, total in lines:
        coef = np.zeros(len(hidden))
        rhs = 0.0
        for cell, sign in [(c, 1.0) for c in parts] + [(total, -1.0)]:
            if cell in where:
                coef[where[cell]] += sign
            else:
                rhs -= sign * aug[cell]
        if coef.any():
            a_rows.append(coef)
            b.append(rhs)
    return np.array(a_rows).reshape(len(a_rows), len(hidden)), np.array(b), hidden


def _range_width(aug: np.ndarray, mask: np.ndarray, cell: tuple[int, int]) -> float:
    """Width of the feasible range of hidden ``cell`` given what is shown."""
    a_eq, b_eq, hidden = _line_system(aug, mask)
    k = hidden.index(cell)
    c = np.zeros(len(hidden))
    c[k] = 1.0
    low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if low.status != 0 or high.status != 0:  # pragma: no cover - the true table is feasible
        return 0.0
    return float(-high.fun - low.fun)


def _next_to_hide(aug: np.ndarray, mask: np.ndarray, cell: tuple[int, int]
                  ) -> tuple[int, int] | None:
    """The shown cell to hide to protect ``cell`` (see the module notes)."""
    rows, cols = aug.shape[0] - 1, aug.shape[1] - 1
    i, j = cell
    inner = [(r, c) for r in range(rows) for c in range(cols)]
    near = [(r, c) for r, c in inner if (r == i and i < rows) or (c == j and j < cols)]
    margins = [(r, cols) for r in range(rows)] + [(rows, c) for c in range(cols)]
    for pool in (near, inner):
        shown = [x for x in pool if not mask[x] and aug[x] > 0]
        if shown:
            return min(shown, key=lambda x: (aug[x], x))
    for pool in (near, inner, margins):
        shown = [x for x in pool if not mask[x]]
        if shown:
            return min(shown, key=lambda x: (aug[x], x))
    return None


def _audit(aug: np.ndarray, mask: np.ndarray, primary: np.ndarray, threshold: int) -> None:
    """Hide more cells (in place) until no primary entry can be narrowed down."""
    for cell in (tuple(c) for c in np.argwhere(primary)):
        while _range_width(aug, mask, cell) < threshold - 1e-7:
            pick = _next_to_hide(aug, mask, cell)
            if pick is None:
                break
            mask[pick] = True
            _line_rule(aug, mask)


def _sum_rule(values: np.ndarray, hidden: np.ndarray, threshold: int) -> None:
    """Hide cells (in place) until the hidden cells of a one-way table sum to the threshold."""
    while hidden.any() and values[hidden].sum() < threshold:
        shown = np.flatnonzero(~hidden & (values > 0))
        if shown.size == 0:
            break
        hidden[shown[np.argmin(values[shown])]] = True


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
        _sum_rule(values[:, 0], mask[:-1, 0], threshold)
        return pd.DataFrame(mask, index=list(counts.index) + ["Total"], columns=["count"])
    if isinstance(counts, pd.DataFrame):
        values = _counts_array(counts)
        mask = _augmented_mask(values, threshold, audit=True)
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
