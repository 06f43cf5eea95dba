"""Two groupings against each other: counts with suppression, and their association test.

This module owns the crosstab of two groupings of members (e.g. member
category by size), with small cells suppressed by
:mod:`survey_analysis.disclosure`, and the chi-square or Fisher's exact test
of their association.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import stats

from .arguments import bad_option, check_choice, check_column, check_frame
from .disclosure import DEFAULT_THRESHOLD, suppress_counts

__all__ = ["crosstab", "association_test"]


def crosstab(
    data: pd.DataFrame,
    *,
    row: Hashable,
    column: Hashable,
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Counts of respondents by two groupings, with margins and suppression.

    Returns
    -------
    DataFrame
        ``Int64`` counts with ``Total`` row and column, small cells blank
        (see :func:`survey_analysis.disclosure.suppress_counts`).
        ``attrs["n_missing"]``: respondents without a value in ``row`` or
        ``column`` (not in the table).
    """
    data = check_frame(data)
    check_column(data, "row", row)
    check_column(data, "column", column)
    both = data[row].notna() & data[column].notna()
    table = pd.crosstab(data.loc[both, row], data.loc[both, column], dropna=False)
    out = suppress_counts(table, threshold=threshold)
    out.attrs["n_missing"] = int((~both).sum())
    return out


def association_test(
    data: pd.DataFrame,
    *,
    row: Hashable,
    column: Hashable,
    method: str = "auto",
) -> pd.DataFrame:
    """Test of association between two groupings: chi-square or Fisher's exact.

    Parameters
    ----------
    data : DataFrame
    row, column : column names
    method : {"auto", "chi-square", "fisher"}, default "auto"
        ``"auto"`` uses Fisher's exact test for a 2 x 2 table with any
        expected count below 5, else the chi-square test.  ``"fisher"`` is
        only available for 2 x 2 tables.

    Returns
    -------
    DataFrame
        One row: ``row``, ``column``, ``test``, ``n``, ``n_missing``,
        ``table_shape``, ``statistic`` (chi-square, or the odds ratio for
        Fisher), ``df``, ``p_value``, ``min_expected``,
        ``share_expected_below_5``, ``cramers_v``, ``reliable`` and ``note``.

    Notes
    -----
    Chi-square is :func:`scipy.stats.chi2_contingency` (with Yates'
    continuity correction for 2 x 2 tables, scipy's default); Fisher is
    :func:`scipy.stats.fisher_exact` (two-sided).  Rows or columns with no
    respondents are dropped before testing.  A chi-square result is marked
    ``reliable=False`` when more than 20 % of expected counts are below 5 or
    any is below 1 (Cochran's rule).  Cramér's V is
    :math:`\\sqrt{\\chi^2 / (n (\\min(r, c) - 1))}` from the uncorrected
    chi-square.
    """
    data = check_frame(data)
    check_column(data, "row", row)
    check_column(data, "column", column)
    method = check_choice("method", method, ("auto", "chi-square", "fisher"))
    both = data[row].notna() & data[column].notna()
    table = pd.crosstab(data.loc[both, row], data.loc[both, column])
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    out = {"row": str(row), "column": str(column), "test": "", "n": int(table.to_numpy().sum()),
           "n_missing": int((~both).sum()), "table_shape": f"{table.shape[0]}x{table.shape[1]}",
           "statistic": np.nan, "df": np.nan, "p_value": np.nan, "min_expected": np.nan,
           "share_expected_below_5": np.nan, "cramers_v": np.nan, "reliable": False, "note": ""}
    if min(table.shape) < 2:
        out["note"] = "needs at least 2 rows and 2 columns with respondents"
        return pd.DataFrame([out])
    counts = table.to_numpy()
    expected = stats.contingency.expected_freq(counts)
    out["min_expected"] = float(expected.min())
    out["share_expected_below_5"] = float((expected < 5).mean())
    is_2x2 = table.shape == (2, 2)
    if method == "fisher" and not is_2x2:
        raise bad_option("method", "'fisher' only for a 2 x 2 table (use 'auto' or "
                         "'chi-square')", method)
    use_fisher = method == "fisher" or (method == "auto" and is_2x2 and expected.min() < 5)
    chi2_plain = stats.chi2_contingency(counts, correction=False)[0]
    out["cramers_v"] = float(np.sqrt(chi2_plain / (out["n"] * (min(table.shape) - 1))))
    if use_fisher:
        res = stats.fisher_exact(counts)
        out.update({"test": "fisher", "statistic": float(res.statistic),
                    "p_value": float(res.pvalue), "reliable": True})
    else:
        res = stats.chi2_contingency(counts)
        out.update({"test": "chi-square", "statistic": float(res.statistic),
                    "df": int(res.dof), "p_value": float(res.pvalue),
                    "reliable": bool(out["share_expected_below_5"] <= 0.2
                                     and out["min_expected"] >= 1)})
        if not out["reliable"]:
            out["note"] = "many expected counts below 5: read the p-value with caution"
    return pd.DataFrame([out])
