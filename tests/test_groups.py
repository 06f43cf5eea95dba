"""Tests of survey_analysis.groups against scipy.stats and hand computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey_analysis.errors import AnalysisInputError
from survey_analysis.groups import (
    association_test,
    compare_directions_by_group,
    crosstab,
    group_summary,
    holm_adjust,
    kruskal_wallis,
    pairwise_mann_whitney,
)


@pytest.fixture
def members():
    rng = np.random.default_rng(2026)
    category = np.repeat(["University", "Public", "Medtech", "Other"], [30, 25, 20, 3])
    shift = {"University": 0.8, "Public": 0.0, "Medtech": 0.1, "Other": 0.0}
    score = np.array([3 + shift[c] for c in category]) + rng.normal(0, 0.7, category.size)
    return pd.DataFrame({
        "member_category": pd.Categorical(category, categories=["University", "Public",
                                                                "Medtech", "Other"]),
        "SD1": np.round(score * 3) / 3,  # ties, as for real direction scores
        "SD2": rng.normal(3, 0.7, category.size),
        "consent": rng.choice(["yes", "no"], category.size, p=[0.85, 0.15]),
    })


def test_holm_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, 1*0.04, running max
    expected = [0.03, 0.06, 0.06, 0.02]
    np.testing.assert_allclose(holm_adjust(p), expected)
    np.testing.assert_allclose(holm_adjust([0.5, np.nan, 0.4]), [0.8, np.nan, 0.8])


def test_kruskal_wallis_matches_scipy_and_epsilon_squared(members):
    res = kruskal_wallis(members, value="SD1", group="member_category").iloc[0]
    big = [members.loc[members["member_category"] == g, "SD1"]
           for g in ["University", "Public", "Medtech"]]
    h, p = stats.kruskal(*big)
    assert res["H"] == pytest.approx(h) and res["p_value"] == pytest.approx(p)
    n = 75
    assert res["epsilon_squared"] == pytest.approx(h * (n + 1) / (n**2 - 1))
    assert res["n"] == 75 and res["groups_below_threshold"] == "Other"
    assert res["n_below_threshold"] == 3 and res["df"] == 2


def test_pairwise_mann_whitney_matches_scipy(members):
    table = pairwise_mann_whitney(members, value="SD1", group="member_category")
    row = table[(table["group_a"] == "University") & (table["group_b"] == "Public")].iloc[0]
    a = members.loc[members["member_category"] == "University", "SD1"]
    b = members.loc[members["member_category"] == "Public", "SD1"]
    ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert row["U"] == pytest.approx(ref.statistic)
    assert row["p_value"] == pytest.approx(ref.pvalue)
    # rank-biserial by hand: P(a > b) - P(b > a) over all pairs
    diff = a.to_numpy()[:, None] - b.to_numpy()[None, :]
    assert row["rank_biserial"] == pytest.approx((diff > 0).mean() - (diff < 0).mean())
    tested = table[table["tested"]]
    assert len(tested) == 3  # pairs with "Other" (n = 3) are listed but not tested
    np.testing.assert_allclose(tested["p_holm"], holm_adjust(tested["p_value"]))
    untested = table[~table["tested"]]
    assert len(untested) == 3 and untested["p_value"].isna().all()
    assert untested["n_b"].isna().all()  # the small group's n is not shown


def test_group_summary_suppresses_small_groups(members):
    table = group_summary(members, value="SD1", group="member_category")
    assert table.loc["Other", "suppressed"] and pd.isna(table.loc["Other", "n"])
    # secondary suppression: the next smallest group is hidden too (the total is shown)
    assert table.loc["Medtech", "suppressed"]
    assert table.loc["University", "n"] == 30
    assert table.attrs["n_total"] == 78


def test_association_test_chi_square_and_fisher_match_scipy(members):
    res = association_test(members, row="member_category", column="consent").iloc[0]
    counts = pd.crosstab(members["member_category"], members["consent"]).to_numpy()
    ref = stats.chi2_contingency(counts)
    assert res["test"] == "chi-square"
    assert res["statistic"] == pytest.approx(ref.statistic)
    assert res["p_value"] == pytest.approx(ref.pvalue) and res["df"] == ref.dof
    small = pd.DataFrame({"a": ["x"] * 8 + ["y"] * 6, "b": ["u"] * 7 + ["v"] + ["u"] + ["v"] * 5})
    res2 = association_test(small, row="a", column="b").iloc[0]
    table = [[7, 1], [1, 5]]
    ref2 = stats.fisher_exact(table)
    assert res2["test"] == "fisher"
    assert res2["p_value"] == pytest.approx(ref2.pvalue)
    assert res2["statistic"] == pytest.approx(ref2.statistic)
    big = pd.DataFrame({"a": ["x"] * 40 + ["y"] * 40, "b": (["u"] * 25 + ["v"] * 15) * 2})
    res3 = association_test(big, row="a", column="b").iloc[0]
    assert res3["test"] == "chi-square"
    ref3 = stats.chi2_contingency([[25, 15], [25, 15]])
    assert res3["p_value"] == pytest.approx(ref3.pvalue)


def test_crosstab_counts_with_suppression(members):
    table = crosstab(members, row="member_category", column="consent")
    full = pd.crosstab(members["member_category"], members["consent"])
    assert table.loc["Total", "Total"] == 78
    assert pd.isna(table.loc["Other", "Total"])
    shown = table.drop(index="Total", columns="Total")
    for i in shown.index:
        for j in shown.columns:
            if not pd.isna(shown.loc[i, j]):
                assert shown.loc[i, j] == full.loc[i, j]
                assert shown.loc[i, j] == 0 or shown.loc[i, j] >= 5


def test_compare_directions_lists_the_differing_categories(members):
    table = compare_directions_by_group(members, directions=["SD1", "SD2"],
                                        group="member_category")
    assert "University > Public" in table.loc["SD1", "significant_pairs"]
    assert "Other" not in table.loc["SD1", "groups_differing"]
    assert table.loc["SD1", "p_value"] < 0.05


def test_bad_options(members):
    with pytest.raises(AnalysisInputError, match="group"):
        kruskal_wallis(members, value="SD1", group="size")
    with pytest.raises(AnalysisInputError, match="alpha"):
        pairwise_mann_whitney(members, value="SD1", group="member_category", alpha=5)
    with pytest.raises(AnalysisInputError, match="method"):
        association_test(members, row="member_category", column="consent", method="g-test")
    with pytest.raises(AnalysisInputError, match="fisher"):
        association_test(members, row="member_category", column="consent", method="fisher")
    with pytest.raises(AnalysisInputError, match="not a number"):
        kruskal_wallis(members, value="consent", group="member_category")
