"""Tests of survey_analysis.scores: reverse keying, minimum items, bootstrap interval."""

import numpy as np
import pandas as pd
import pytest

from survey_analysis.errors import AnalysisInputError
from survey_analysis.scores import (
    bootstrap_mean_interval,
    direction_scores,
    respondent_scores,
    reverse_key,
)

DIRECTIONS = {"SD1": ["b1", "b2", "c1"], "SD2": ["b3", "c2"]}


@pytest.fixture
def answers():
    return pd.DataFrame(
        {"b1": [5, 4, np.nan, 1], "b2": [4, np.nan, np.nan, 2], "c1": [5, 3, 2, np.nan],
         "b3": [2, 3, 4, np.nan], "c2": [1, 5, np.nan, np.nan]},
        index=pd.Index(["r1", "r2", "r3", "r4"], name="respondent_id"))


def test_reverse_key_is_k_plus_one_minus_x(answers):
    keyed = reverse_key(answers, items=["c2"], scale_points=5)
    assert list(keyed["c2"].iloc[:2]) == [5, 1]
    assert keyed["b1"].equals(answers["b1"].astype(float))


def test_respondent_scores_by_hand(answers):
    before = answers.copy()
    scores = respondent_scores(answers, directions=DIRECTIONS, reverse=["c2"])
    # SD1 needs ceil(3/2) = 2 answered items; SD2 needs 1 of 2
    assert scores.loc["r1", "SD1"] == pytest.approx((5 + 4 + 5) / 3)
    assert scores.loc["r2", "SD1"] == pytest.approx((4 + 3) / 2)
    assert np.isnan(scores.loc["r3", "SD1"])  # 1 of 3 answered
    assert scores.loc["r4", "SD1"] == pytest.approx(1.5)
    assert scores.loc["r1", "SD2"] == pytest.approx((2 + (6 - 1)) / 2)
    assert scores.loc["r2", "SD2"] == pytest.approx((3 + 1) / 2)
    assert scores.loc["r3", "SD2"] == 4
    assert np.isnan(scores.loc["r4", "SD2"])
    assert list(scores["answered[SD1]"]) == [3, 2, 1, 2]
    strict = respondent_scores(answers, directions=DIRECTIONS, reverse=["c2"], min_items=3)
    assert strict["SD1"].notna().sum() == 1
    pd.testing.assert_frame_equal(answers, before)


def test_direction_scores_report_n_and_exclusions(answers):
    table = direction_scores(answers, directions=DIRECTIONS, reverse=["c2"], n_boot=200)
    assert table.loc["SD1", "n"] == 3 and table.loc["SD1", "n_too_few_items"] == 1
    assert table.loc["SD1", "mean"] == pytest.approx(np.mean([14 / 3, 3.5, 1.5]))
    assert table.loc["SD1", "ci_low"] <= table.loc["SD1", "mean"] <= table.loc["SD1", "ci_high"]
    again = direction_scores(answers, directions=DIRECTIONS, reverse=["c2"], n_boot=200)
    pd.testing.assert_frame_equal(table, again)


def test_bootstrap_interval_approaches_the_normal_theory_interval():
    rng = np.random.default_rng(11)
    x = rng.normal(3.0, 1.0, size=400)
    low, high = bootstrap_mean_interval(x, n_boot=4000, random_state=5)
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert low == pytest.approx(x.mean() - 1.96 * se, abs=0.25 * se)
    assert high == pytest.approx(x.mean() + 1.96 * se, abs=0.25 * se)
    # a constant sample has a degenerate interval
    assert bootstrap_mean_interval([4, 4, 4], n_boot=10, random_state=0) == (4.0, 4.0)


def test_bad_options_name_parameter_allowed_and_value(answers):
    with pytest.raises(AnalysisInputError, match="min_items") as err:
        respondent_scores(answers, directions=DIRECTIONS, min_items=0)
    assert "integer >= 1" in str(err.value)
    with pytest.raises(AnalysisInputError, match="directions"):
        respondent_scores(answers, directions={"SD1": ["zz"]})
    with pytest.raises(AnalysisInputError, match="outside the scale"):
        respondent_scores(answers, directions=DIRECTIONS, scale_points=4)
    with pytest.raises(AnalysisInputError, match="random_state"):
        direction_scores(answers, directions=DIRECTIONS, random_state=-1)
    with pytest.raises(AnalysisInputError, match="not a number"):
        respondent_scores(answers.astype(object).assign(b1="five"), directions=DIRECTIONS)


def test_one_respondent_gives_no_interval(answers):
    # only r1 has an SD2 score once r2 and r3 are left out
    table = direction_scores(answers.loc[["r1", "r4"]], directions=DIRECTIONS, reverse=["c2"],
                             n_boot=200)
    assert table.loc["SD2", "n"] == 1 and table.loc["SD2", "mean"] == pytest.approx(3.5)
    assert np.isnan(table.loc["SD2", "ci_low"]) and np.isnan(table.loc["SD2", "ci_high"])
    assert np.isnan(table.loc["SD2", "sd"])
    # two scores give a real interval
    assert table.loc["SD1", "n"] == 2 and table.loc["SD1", "ci_low"] < table.loc["SD1", "ci_high"]
    assert bootstrap_mean_interval([2.5], n_boot=50, random_state=0) == pytest.approx(
        (np.nan, np.nan), nan_ok=True)


def test_bootstrap_interval_refuses_missing_values():
    with pytest.raises(AnalysisInputError, match="missing") as err:
        bootstrap_mean_interval([1, 2, np.nan], n_boot=50, random_state=0)
    assert "dropna" in str(err.value)
    with pytest.raises(AnalysisInputError, match="1 missing"):
        bootstrap_mean_interval(pd.Series([1.0, None, 3.0], dtype="Float64"), n_boot=50)
    with pytest.raises(AnalysisInputError):
        bootstrap_mean_interval([1.0, np.inf], n_boot=50)
