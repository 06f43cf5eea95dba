"""Tests of survey_analysis.groups against scipy.stats and hand computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey_analysis.errors import AnalysisInputError
from survey_analysis.groups import (
    association_test,
    compare_directions_by_group,
    compare_groups,
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
    # "Other" (3) is below the threshold and hides the next smallest group, Medtech (20)
    big = [members.loc[members["member_category"] == g, "SD1"] for g in ["University", "Public"]]
    h, p = stats.kruskal(*big)
    assert res["H"] == pytest.approx(h) and res["p_value"] == pytest.approx(p)
    n = 55
    assert res["epsilon_squared"] == pytest.approx(h * (n + 1) / (n**2 - 1))
    assert res["n"] == 55 and res["groups_below_threshold"] == "Medtech;Other"
    assert res["groups_suppressed"] == "Medtech;Other"
    assert pd.isna(res["n_below_threshold"]) and res["df"] == 1


def test_kruskal_wallis_with_two_small_groups_totals_them():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"g": ["a"] * 2 + ["b"] * 3 + ["c"] * 20 + ["d"] * 25,
                         "x": rng.normal(size=50)})
    res = kruskal_wallis(data, value="x", group="g").iloc[0]
    assert res["groups_suppressed"] == "a;b" and res["n_below_threshold"] == 5
    ref = stats.kruskal(data.loc[data["g"] == "c", "x"], data.loc[data["g"] == "d", "x"])
    assert res["H"] == pytest.approx(ref.statistic) and res["n"] == 45


def test_kruskal_wallis_with_fewer_than_two_groups_has_no_df():
    data = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 12 + ["c"] * 15, "x": np.arange(30.0)})
    res = kruskal_wallis(data, value="x", group="g").iloc[0]
    assert pd.isna(res["df"]) and res["df"] is pd.NA
    assert pd.isna(res["H"]) and "fewer than 2 groups" in res["note"]
    one = kruskal_wallis(pd.DataFrame({"g": ["a"] * 9, "x": np.arange(9.0)}),
                         value="x", group="g").iloc[0]
    assert pd.isna(one["df"]) and one["n"] == 9


def test_hidden_group_size_cannot_be_derived_from_what_is_published():
    """a = 3, b = 12, c = 15: a is below the threshold, b is hidden with it."""
    rng = np.random.default_rng(11)
    data = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 12 + ["c"] * 15,
                         "x": rng.normal(size=30), "y": rng.normal(size=30)})
    summary = group_summary(data, value="x", group="g")
    kw = kruskal_wallis(data, value="x", group="g").iloc[0]
    pairs = pairwise_mann_whitney(data, value="x", group="g")
    both = compare_directions_by_group(data, directions=["x", "y"], group="g")

    # collect every number published by the three functions
    published = {"summary n": list(summary["n"]), "n_total": summary.attrs["n_total"],
                 "kw n": kw["n"], "kw n_below": kw["n_below_threshold"],
                 "kw n_missing": kw["n_missing"],
                 "pairs n_a": list(pairs["n_a"]), "pairs n_b": list(pairs["n_b"]),
                 "compare n": list(both["n"]), "compare n_below": list(both["n_below_threshold"]),
                 "compare n_missing": list(both["n_missing"])}
    assert published["summary n"][0] is pd.NA and published["summary n"][1] is pd.NA
    assert published["summary n"][2] == 15 and published["n_total"] == 30
    # the only counts shown are c's size (15), the total (30) and zeros, so a + b = 15 is all
    # an outsider learns: a could be anything from 1 to 4 (b from 11 to 14)
    assert kw["n"] == 15 and kw["n_groups"] == 1 and pd.isna(kw["n_below_threshold"])
    assert kw["n_missing"] == 0
    assert pairs["n_a"].isna().tolist() == [True, True, True]  # pairs (a,b), (a,c), (b,c)
    assert pairs["n_b"].isna().tolist() == [True, False, False]
    assert pairs.loc[1, "n_b"] == 15 and pairs.loc[2, "n_b"] == 15
    assert not pairs["tested"].any()
    assert list(both["n"]) == [15, 15] and all(pd.isna(v) for v in both["n_below_threshold"])
    shown = {15, 30, 0}
    for key, values in published.items():
        for v in values if isinstance(values, list) else [values]:
            if not pd.isna(v):
                assert int(v) in shown, (key, v)
    # sizes 3 and 12 appear nowhere, neither do 27 (b + c) nor 18 (a + c)
    flat = [v for vals in published.values() for v in (vals if isinstance(vals, list) else [vals])
            if not pd.isna(v)]
    assert not {3, 12, 27, 18} & {int(v) for v in flat}
    assert kw["groups_suppressed"] == "a;b"
    assert (both["groups_suppressed"] == "a;b").all()


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
    # pairs with "Other" (n = 3) or with Medtech (hidden with it) are listed but not tested
    assert len(tested) == 1
    np.testing.assert_allclose(tested["p_holm"], holm_adjust(tested["p_value"]))
    untested = table[~table["tested"]]
    assert len(untested) == 5 and untested["p_value"].isna().all()
    assert untested["n_b"].isna().all()  # the hidden group's n is not shown
    assert set(table.loc[table["n_a"].isna(), "group_a"]) == {"Medtech"}
    # Holm with m = 3 (the previous shape) would differ; here m = 1
    assert tested["p_holm"].iloc[0] == pytest.approx(tested["p_value"].iloc[0])


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


def test_tiny_grouping_publishes_no_total():
    data = pd.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]})
    summary = group_summary(data, value="x", group="g")
    assert summary["n"].isna().all() and pd.isna(summary.attrs["n_total"])
    res = kruskal_wallis(data, value="x", group="g").iloc[0]
    assert res["n"] == 0 and pd.isna(res["n_below_threshold"]) and pd.isna(res["df"])


def test_groups_of_one_one_twenty_and_twenty_five_reveal_nothing():
    # the published counts must not let anyone work out that each small group has one member
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"g": ["a"] + ["b"] + ["c"] * 20 + ["d"] * 25, "x": rng.normal(size=47)})
    summary = group_summary(data, value="x", group="g")
    kw = kruskal_wallis(data, value="x", group="g").iloc[0]
    assert summary["n"].isna().tolist() == [True, True, True, False]
    # what an outsider can read: d = 25 and the total 47, so a + b + c = 22 -- not a or b
    assert summary.attrs["n_total"] == 47 and kw["n"] == 25
    assert pd.isna(kw["n_below_threshold"])
    assert kw["groups_suppressed"] == "a;b;c"


def test_suppression_is_decided_once_per_grouping_for_every_direction():
    # g has 6 members in "a" and 30 in "b"; one "a" member skipped direction y, leaving 5 scores
    # in y. The grouping's mask (from its sizes) is the same for x and y, so the member who
    # skipped y cannot be placed in a group by comparing the two directions' tables.
    rng = np.random.default_rng(8)
    data = pd.DataFrame({"g": ["a"] * 6 + ["b"] * 30, "x": rng.normal(size=36),
                         "y": rng.normal(size=36)})
    data.loc[0, "y"] = np.nan
    table = compare_groups(data, directions=["x", "y"], groupings=["g"])
    assert table["groups_suppressed"].tolist() == ["", ""]
    data.loc[1, "y"] = np.nan  # four y scores left in a: not tested in y, but not hidden either
    table = compare_groups(data, directions=["x", "y"], groupings=["g"])
    assert table["groups_suppressed"].tolist() == ["", ""]
    assert table["n_groups"].tolist() == [2, 1]


def test_pairs_only_after_a_significant_omnibus_test_holm_over_the_family():
    rng = np.random.default_rng(3)
    category = np.repeat(["University", "Public", "Medtech"], 30)
    members = pd.DataFrame({
        "member_category": category,
        "SD1": np.where(category == "University", 4.0, 3.0) + rng.normal(0, 0.6, 90),
        "SD2": rng.normal(3, 0.6, 90),
        "consent": rng.choice(["yes", "no"], 90),
    })
    table = compare_groups(members, directions=["SD1", "SD2"],
                           groupings=["member_category", "consent"])
    # family 1: the four omnibus tests, Holm by hand
    np.testing.assert_allclose(table["p_holm"], holm_adjust(table["p_value"].to_numpy()))
    assert table["differ"].tolist() == (table["p_holm"] < 0.05).tolist()
    pairs = table.attrs["pairs"]
    # follow-ups only for the omnibus tests that differ; Holm over all of them together
    assert set(zip(pairs["grouping"], pairs["direction"])) == {
        (g, d) for g, d, f in zip(table["grouping"], table["direction"], table["differ"]) if f}
    np.testing.assert_allclose(pairs["p_holm"], holm_adjust(pairs["p_value"].to_numpy(float)))
    sd1 = table[(table["grouping"] == "member_category") & (table["direction"] == "SD1")].iloc[0]
    assert sd1["differ"] and "University > Public" in sd1["significant_pairs"]
    assert (table.loc[~table["differ"], "significant_pairs"] == "").all()
    assert "Holm" in table.attrs["correction"]


def test_global_null_lists_a_difference_in_at_most_five_percent_of_runs(sample_survey):
    # Seeded simulation under a global null with the bundled sample's group sizes: the
    # members' direction scores are shuffled against their (category, size, region) answers,
    # which keeps every group's size and breaks any link. 400 runs; under a family-wise error
    # of 5 % the count of runs listing any difference is binomial(400, <= 0.05), so the limit
    # is 0.05 plus 1.96 binomial standard errors (0.0109): 0.0714.
    from survey_analysis.scores import respondent_scores

    cb = sample_survey.codebook
    directions = cb.items_by_direction()
    reverse = [i for its in directions.values() for i in its if cb.questions[i].reverse]
    values = sample_survey.numeric([i for its in directions.values() for i in its])
    scores = respondent_scores(values, directions=directions, reverse=reverse)[list(directions)]
    groupings = [cb.column_for_role(r) for r in ("member_category", "size", "region")]
    groups = sample_survey.responses[groupings].reset_index(drop=True)
    scores = scores.reset_index(drop=True)
    rng = np.random.default_rng(2018)
    runs, listed = 400, 0
    for _ in range(runs):
        shuffled = groups.iloc[rng.permutation(len(groups))].reset_index(drop=True)
        table = compare_groups(scores.join(shuffled), directions=list(directions),
                               groupings=groupings)
        listed += bool(table["differ"].any() or (table["significant_pairs"] != "").any())
    rate = listed / runs
    assert rate <= 0.05 + 1.96 * np.sqrt(0.05 * 0.95 / runs), rate
