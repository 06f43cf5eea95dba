"""Tests of survey_analysis.disclosure: primary and secondary suppression."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from survey_analysis.disclosure import suppress_counts, suppress_group_rows, suppression_mask
from survey_analysis.errors import AnalysisInputError


def test_one_way_single_small_cell_drags_the_next_smallest():
    counts = pd.Series({"University": 12, "Public": 3, "Private": 7, "Medtech": 9})
    table = suppress_counts(counts)
    assert list(table["suppressed"]) == [False, True, True, False, False]
    assert table.loc["Total", "count"] == 31  # total still shown
    assert table["count"].isna().sum() == 2
    # with the secondary cell hidden the small cell cannot be derived: 31 - 12 - 9 = 10 = 3 + 7
    assert pd.isna(table.loc["Public", "count"]) and pd.isna(table.loc["Private", "count"])


def test_one_way_two_small_cells_need_no_secondary():
    counts = pd.Series({"a": 2, "b": 4, "c": 30})
    mask = suppression_mask(counts)
    assert list(mask["count"]) == [True, True, False, False]


def test_zero_cells_are_shown_and_not_used_as_secondary_when_avoidable():
    counts = pd.Series({"a": 0, "b": 3, "c": 8, "d": 20})
    mask = suppression_mask(counts)["count"]
    assert not mask["a"] and mask["b"] and mask["c"] and not mask["d"]


def test_threshold_is_configurable():
    counts = pd.Series({"a": 6, "b": 9, "c": 30})
    assert not suppression_mask(counts)["count"].any()
    assert list(suppression_mask(counts, threshold=10)["count"]) == [True, True, False, False]


def test_two_way_every_row_and_column_has_zero_or_at_least_two_hidden_cells():
    table = pd.DataFrame({"yes": [20, 3, 15, 8], "no": [10, 12, 6, 11]},
                         index=["univ", "public", "private", "medtech"])
    out = suppress_counts(table)
    mask = out.attrs["suppressed"]
    assert mask.loc["public", "yes"]  # primary
    # secondary: the public row and the yes column each hide a second cell
    for i in mask.index:
        assert mask.loc[i].sum() != 1
    for j in mask.columns:
        assert mask[j].sum() != 1
    assert out.loc["Total", "Total"] == 85
    assert pd.isna(out.loc["public", "yes"])
    # unsuppressed cells keep their values
    assert out.loc["univ", "yes"] == 20


def test_two_way_small_row_total_is_suppressed_with_its_cells():
    table = pd.DataFrame({"x": [1, 10, 12], "y": [2, 11, 9]}, index=["tiny", "a", "b"])
    mask = suppression_mask(table)
    assert mask.loc["tiny"].all()  # cells 1, 2 and total 3
    assert mask["Total"].sum() >= 2  # the column of row totals hides another total


def test_group_rows_blank_statistics_and_keep_the_rest():
    groups = pd.DataFrame({"n": [30, 2, 8, 25], "mean": [3.1, 4.5, 2.2, 3.9]},
                          index=["a", "b", "c", "d"])
    out = suppress_group_rows(groups)
    assert list(out["suppressed"]) == [False, True, True, False]
    assert out["n"].isna().sum() == 2 and out["mean"].isna().sum() == 2
    assert out.loc["a", "mean"] == 3.1
    assert groups.loc["b", "mean"] == 4.5  # input unchanged


def test_bad_input_is_named():
    with pytest.raises(AnalysisInputError, match="threshold"):
        suppression_mask(pd.Series([1, 2]), threshold=0)
    with pytest.raises(AnalysisInputError, match="counts"):
        suppression_mask(pd.Series([1.5, 2]))
    with pytest.raises(AnalysisInputError, match="n_column"):
        suppress_group_rows(pd.DataFrame({"m": [1]}), n_column="n")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 5).flatmap(lambda cols: st.lists(
    st.lists(st.integers(0, 30), min_size=cols, max_size=cols), min_size=1, max_size=6)))
def test_property_no_line_reveals_a_single_hidden_cell(rows):
    table = pd.DataFrame(rows, columns=[f"c{j}" for j in range(len(rows[0]))])
    mask = suppression_mask(table).to_numpy()
    full = table.to_numpy()
    # every small non-zero count is hidden
    assert mask[:-1, :-1][(full > 0) & (full < 5)].all()
    assert not mask[-1, -1]  # grand total shown
    # with margins, no row or column (of 3+ entries) holds exactly one hidden entry
    if full.shape[1] > 1:
        assert all(row.sum() != 1 for row in mask)
    if full.shape[0] > 1:
        assert all(col.sum() != 1 for col in mask.T)


# --- two-way audit: an attacker's linear programme, written independently of the library ---

def _attacker_ranges(full: np.ndarray, hidden: np.ndarray) -> dict:
    """Min and max of every hidden interior cell given the published table.

    ``full`` is the table with margins (last row / column), ``hidden`` the
    mask over it.  Unknowns: all hidden entries; equalities: each row and
    column of the body adds up to its total, the totals add up to the grand
    total; every count >= 0.
    """
    r, c = full.shape[0] - 1, full.shape[1] - 1
    unknown = {cell: k for k, cell in enumerate(zip(*np.nonzero(hidden)))}

    def term(cell):  # (coefficient vector, constant) of one entry
        vec = np.zeros(len(unknown))
        if cell in unknown:
            vec[unknown[cell]] = 1
            return vec, 0.0
        return vec, float(full[cell])

    eqs = []
    for i in range(r + 1):
        eqs.append([(i, j) for j in range(c)] + [(i, c)])
    for j in range(c + 1):
        eqs.append([(i, j) for i in range(r)] + [(r, j)])
    a_eq, b_eq = [], []
    for cells in eqs:
        vec, const = np.zeros(len(unknown)), 0.0
        for n, cell in enumerate(cells):
            sign = -1 if n == len(cells) - 1 else 1
            v, k = term(cell)
            vec += sign * v
            const += sign * k
        a_eq.append(vec)
        b_eq.append(-const)
    out = {}
    for cell, k in unknown.items():
        if cell[0] == r or cell[1] == c:
            continue
        obj = np.zeros(len(unknown))
        obj[k] = 1
        lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
        hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
        out[cell] = (lo.fun, -hi.fun)
    return out


def _with_margins(rows) -> np.ndarray:
    body = np.asarray(rows, dtype=float)
    full = np.zeros((body.shape[0] + 1, body.shape[1] + 1))
    full[:-1, :-1] = body
    full[:-1, -1] = body.sum(axis=1)
    full[-1, :-1] = body.sum(axis=0)
    full[-1, -1] = body.sum()
    return full


def test_two_way_hidden_cell_cannot_be_derived_from_rows_and_columns_combined():
    rows = [[20, 0, 8, 6], [8, 6, 8, 8], [12, 2, 1, 3], [6, 2, 12, 8]]
    full = _with_margins(rows)
    # the layout that only avoids single hidden cells per line lets x21 = 2 be derived
    line_rule_only = np.zeros(full.shape, dtype=bool)
    for cell in [(0, 2), (0, 3), (1, 0), (1, 1), (2, 1), (2, 2), (2, 3), (3, 0), (3, 1)]:
        line_rule_only[cell] = True
    lo, hi = _attacker_ranges(full, line_rule_only)[(2, 1)]
    assert lo == pytest.approx(2) and hi == pytest.approx(2)  # the attack works on it

    table = pd.DataFrame(rows, columns=list("abcd"))
    mask = suppression_mask(table).to_numpy()
    assert mask[2, 1] and mask[2, 2]  # the primary cells (2 and 1) are hidden
    ranges = _attacker_ranges(full, mask)
    for cell in [(2, 1), (2, 2), (3, 1)]:  # primary cells: 2, 1 and 2
        lo, hi = ranges[cell]
        assert lo <= full[cell] <= hi
        assert hi - lo >= 5 - 1e-9  # at least the threshold wide
    out = suppress_counts(table)
    assert out.loc["Total", "Total"] == 110
    shown = ~mask
    np.testing.assert_array_equal(out.to_numpy(dtype=float, na_value=np.nan)[shown], full[shown])


def test_two_way_audit_is_fast_for_a_ten_by_ten_table():
    import time

    rng = np.random.default_rng(7)
    table = pd.DataFrame(rng.integers(0, 12, size=(10, 10)))
    start = time.perf_counter()
    mask = suppression_mask(table)
    assert time.perf_counter() - start < 5
    full = _with_margins(table.to_numpy())
    for (i, j), (lo, hi) in _attacker_ranges(full, mask.to_numpy()).items():
        if 0 < full[i, j] < 5:
            assert hi - lo >= 5 - 1e-9


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 4).flatmap(lambda cols: st.lists(
    st.lists(st.integers(0, 15), min_size=cols, max_size=cols), min_size=2, max_size=4)))
def test_property_no_primary_cell_can_be_pinned_down(rows):
    table = pd.DataFrame(rows, columns=[f"c{j}" for j in range(len(rows[0]))])
    mask = suppression_mask(table).to_numpy()
    full = _with_margins(rows)
    primary = (full[:-1, :-1] > 0) & (full[:-1, :-1] < 5)
    assert mask[:-1, :-1][primary].all()
    assert not mask[-1, -1]
    ranges = _attacker_ranges(full, mask)
    everything_hidden = mask.sum() == mask.size - 1
    for (i, j), (lo, hi) in ranges.items():
        if not primary[i, j]:
            continue
        assert lo - 1e-7 <= full[i, j] <= hi + 1e-7
        # documented guarantee: at least the threshold wide, unless all but the grand
        # total is hidden (then [0, grand total]); never a single value
        assert hi - lo >= 1 - 1e-7
        if not everything_hidden:
            assert hi - lo >= 5 - 1e-7


def test_one_way_hidden_cells_never_sum_below_the_threshold():
    # groups of 1, 1, 20 and 25: hiding only the two 1s would publish 20 and 25 with the total 47,
    # so the hidden two would sum to 2 and each be exactly 1. The 20 is hidden too (hand).
    counts = pd.Series([1, 1, 20, 25], index=list("abcd"))
    mask = suppression_mask(counts, threshold=5)["count"]
    assert mask.tolist() == [True, True, True, False, False]
    shown = suppress_counts(counts, threshold=5)["count"]
    hidden_sum = int(shown["Total"]) - int(shown["d"])
    assert hidden_sum == 22 >= 5
    # two small cells that already sum to the threshold need nothing more
    assert suppression_mask(pd.Series([2, 3, 20]), threshold=5)["count"].tolist() == [
        True, True, False, False]
