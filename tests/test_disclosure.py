"""Tests of survey_analysis.disclosure: primary and secondary suppression."""

import pandas as pd
import pytest

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
