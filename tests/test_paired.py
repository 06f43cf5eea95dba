"""Tests of survey_analysis.paired: paired differences against scipy and statsmodels."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from survey_analysis.paired import paired_differences


@pytest.fixture
def scores():
    rng = np.random.default_rng(12)
    member = rng.normal(0, 0.5, 60)
    frame = pd.DataFrame({code: np.clip(level + member + rng.normal(0, 0.4, 60), 1, 5)
                          for code, level in [("SD1", 4.0), ("SD2", 3.3), ("SD3", 3.25),
                                              ("SD4", 2.5)]})
    frame.loc[:4, "SD2"] = np.nan  # five members without an SD2 score
    return frame


def test_unweighted_steps_are_paired_t_intervals_bonferroni_over_the_steps(scores):
    table = paired_differences(scores, order=["SD1", "SD2", "SD3", "SD4"])
    steps = table[table["family"] == "step"]
    assert list(zip(steps["direction_a"], steps["direction_b"])) == [
        ("SD1", "SD2"), ("SD2", "SD3"), ("SD3", "SD4")]
    for row in table.itertuples():
        both = scores[[row.direction_a, row.direction_b]].dropna()
        # reference: scipy's paired t test and its interval at the corrected level
        level = 1 - 0.05 / (3 if row.family == "step" else 3)
        ref = stats.ttest_rel(both[row.direction_a], both[row.direction_b])
        low, high = ref.confidence_interval(confidence_level=level)
        assert (row.low, row.high) == pytest.approx((low, high))
        assert row.n == len(both) and row.confidence == pytest.approx(level)
        assert row.settled == (low > 0 or high < 0)
    # SD2 and SD3 are planted 0.05 apart: not settled; SD1 > SD2 is
    assert not table.set_index(["direction_a", "direction_b"]).loc[("SD2", "SD3"), "settled"]
    assert table.set_index(["direction_a", "direction_b"]).loc[("SD1", "SD2"), "settled"]


def test_weighted_differences_match_statsmodels_with_kish_n_and_population(scores):
    rng = np.random.default_rng(3)
    weights = pd.Series(rng.uniform(0.5, 2.0, len(scores)), index=scores.index)
    table = paired_differences(scores, order=["SD1", "SD3", "SD2", "SD4"], weights=weights,
                               population=200)
    row = table[(table["direction_a"] == "SD1") & (table["direction_b"] == "SD3")].iloc[0]
    d = (scores["SD1"] - scores["SD3"]).to_numpy()
    w = weights.to_numpy()
    n_eff = w.sum() ** 2 / (w**2).sum()
    # reference: statsmodels' weighted t interval with the weights scaled to sum to Kish's n
    ref = DescrStatsW(d, weights=w * n_eff / w.sum())
    low, high = ref.tconfint_mean(alpha=0.05 / 3)
    centre = ref.mean
    fpc = np.sqrt(1 - 60 / 200)
    assert row["difference"] == pytest.approx(np.average(d, weights=w))
    assert (row["low"], row["high"]) == pytest.approx(
        (centre - (centre - low) * fpc, centre + (high - centre) * fpc))
    assert row["weighted"]


def test_too_few_members_and_identical_differences():
    few = pd.DataFrame({"SD1": [4.0] * 6, "SD2": [3.0] * 6})
    row = paired_differences(few, order=["SD1", "SD2"]).iloc[0]
    assert row["too_few_answers"] and pd.isna(row["settled"]) and np.isnan(row["low"])
    # twelve members all one point apart: no zero-width interval (the scale's interval on -4..4,
    # which is cautious about so few members)
    same = pd.DataFrame({"SD1": [4.0] * 12, "SD2": [3.0] * 12})
    row = paired_differences(same, order=["SD1", "SD2"]).iloc[0]
    assert row["difference"] == 1.0 and row["low"] < 1.0 < row["high"]
    assert row["high"] - row["low"] > 0.5
