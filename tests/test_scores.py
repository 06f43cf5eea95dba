"""Tests of survey_analysis.scores: reverse keying, minimum items, the interval of a mean."""

import numpy as np
import pandas as pd
import pytest

from survey_analysis.errors import AnalysisInputError
from statsmodels.stats.proportion import proportion_confint

from survey_analysis.scores import (
    MIN_N,
    TOO_FEW_ANSWERS,
    bootstrap_mean_interval,
    direction_scores,
    finite_population_correction,
    mean_interval,
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
    table = direction_scores(answers, directions=DIRECTIONS, reverse=["c2"], min_n=2)
    assert table.loc["SD1", "n"] == 3 and table.loc["SD1", "n_too_few_items"] == 1
    assert table.loc["SD1", "mean"] == pytest.approx(np.mean([14 / 3, 3.5, 1.5]))
    assert table.loc["SD1", "ci_low"] <= table.loc["SD1", "mean"] <= table.loc["SD1", "ci_high"]
    assert (table.loc["SD1", "ci_low"], table.loc["SD1", "ci_high"]) == pytest.approx(
        mean_interval([14 / 3, 3.5, 1.5]))
    # the default minimum n (10) hides the interval of three answers
    default = direction_scores(answers, directions=DIRECTIONS, reverse=["c2"])
    assert MIN_N == 10 and TOO_FEW_ANSWERS == "too few answers"
    assert default["too_few_answers"].all() and default["ci_low"].isna().all()
    assert default.loc["SD1", "mean"] == table.loc["SD1", "mean"]


def test_mean_interval_of_zero_one_answers_is_the_agresti_coull_interval():
    # reference: statsmodels' Agresti-Coull interval of a proportion
    for successes, n in [(7, 10), (0, 5), (5, 5), (31, 150), (1, 12)]:
        x = np.r_[np.ones(successes), np.zeros(n - successes)]
        expected = proportion_confint(successes, n, alpha=0.05, method="agresti_coull")
        assert mean_interval(x, low=0, high=1) == pytest.approx(expected, abs=1e-12)


def test_mean_interval_by_hand_with_weights_and_population():
    # weights 1, 1, 2 -> Kish n = 16 / 6; weights rescaled to sum to it
    x, w = np.array([2.0, 4.0, 5.0]), np.array([1.0, 1.0, 2.0])
    n_eff = 16 / 6
    ws = w * n_eff / 4
    z = 1.959963984540054
    c = z * z / 2
    nt = n_eff + 2 * c
    m = ((ws * x).sum() + c * 6) / nt
    s2 = ((ws * (x - m) ** 2).sum() + c * (1 - m) ** 2 + c * (5 - m) ** 2) / nt
    half = z * np.sqrt(s2 / nt) * np.sqrt(1 - 3 / 12)
    assert mean_interval(x, weights=w, population=12) == pytest.approx((m - half, m + half))
    assert finite_population_correction(3, 12) == pytest.approx(np.sqrt(0.75))
    assert finite_population_correction(3, None) == 1.0
    with pytest.raises(AnalysisInputError, match="population of 2"):
        finite_population_correction(3, 2)
    with pytest.raises(AnalysisInputError, match="outside the scale"):
        mean_interval([0.5, 3])


# Seeded simulation of the interval's coverage: 20,000 samples per case (at least 2,000 asked
# for). The interval depends only on how many answers fall in each level, so it is computed once
# per distinct sample (at most 1,001 at n = 10) and looked up for the others. With 20,000 runs the
# binomial standard error of a coverage near 0.95 is 0.0015; the limits are the targets
# themselves, without slack (observed: 0.97-0.99).
LEVEL_SHARES = {
    "uniform": [0.2, 0.2, 0.2, 0.2, 0.2],
    "skewed": [0.05, 0.10, 0.15, 0.30, 0.40],
    "bimodal": [0.40, 0.10, 0.0, 0.10, 0.40],
    "nearly constant": [0.0, 0.0, 0.0, 0.05, 0.95],
}


@pytest.mark.parametrize("n, target", [(5, 0.90), (10, 0.93)])
@pytest.mark.parametrize("shape", list(LEVEL_SHARES))
def test_mean_interval_coverage_at_small_n(shape, n, target):
    rng = np.random.default_rng([n, len(shape)])
    shares = np.array(LEVEL_SHARES[shape])
    true_mean = float(shares @ np.arange(1, 6))
    samples = np.sort(rng.choice(np.arange(1.0, 6.0), size=(20_000, n), p=shares), axis=1)
    distinct, which = np.unique(samples, axis=0, return_inverse=True)
    bounds = np.array([mean_interval(row) for row in distinct])[which.ravel()]
    covered = (bounds[:, 0] <= true_mean) & (true_mean <= bounds[:, 1])
    assert covered.mean() >= target, f"{shape}, n = {n}: coverage {covered.mean():.3f}"
    assert (bounds[:, 1] - bounds[:, 0]).min() > 0


def test_mean_interval_never_has_zero_width_below_30():
    for n in range(1, 30):
        for value in (1.0, 3.0, 5.0):
            low, high = mean_interval(np.full(n, value))
            assert high - low > 0.05


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
    with pytest.raises(AnalysisInputError, match="min_n"):
        direction_scores(answers, directions=DIRECTIONS, min_n=0)
    with pytest.raises(AnalysisInputError, match="not a number"):
        respondent_scores(answers.astype(object).assign(b1="five"), directions=DIRECTIONS)


def test_one_respondent_gives_no_interval(answers):
    # only r1 has an SD2 score once r2 and r3 are left out
    table = direction_scores(answers.loc[["r1", "r4"]], directions=DIRECTIONS, reverse=["c2"],
                             min_n=2)
    assert table.loc["SD2", "n"] == 1 and table.loc["SD2", "mean"] == pytest.approx(3.5)
    assert np.isnan(table.loc["SD2", "ci_low"]) and np.isnan(table.loc["SD2", "ci_high"])
    assert table.loc["SD2", "too_few_answers"] and not table.loc["SD1", "too_few_answers"]
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
