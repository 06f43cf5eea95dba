"""Tests of survey_analysis.summary: counts, Wilson interval, weighted summaries."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey_analysis.errors import AnalysisInputError
from survey_analysis.summary import item_summary, kish_effective_n, likert_counts, wilson_interval


def test_wilson_interval_matches_newcombe_1998_published_examples():
    # Newcombe (1998), Statistics in Medicine 17, 857-872, Table I, method 3 (score)
    published = {(81, 263): (0.2553, 0.3662), (15, 148): (0.0624, 0.1605),
                 (0, 20): (0.0, 0.1611), (1, 29): (0.0061, 0.1718)}
    for (x, n), (low, high) in published.items():
        got = wilson_interval(x, n)
        assert round(got[0], 4) == pytest.approx(low) and round(got[1], 4) == pytest.approx(high)


def test_wilson_interval_solves_the_score_equation():
    # the bounds are the roots of (p_hat - p)^2 = z^2 p (1 - p) / n
    x, n, z = 7, 19, stats.norm.ppf(0.95)
    p_hat = x / n
    a = 1 + z**2 / n
    b = -(2 * p_hat + z**2 / n)
    c = p_hat**2
    roots = sorted(np.roots([a, b, c]))
    assert wilson_interval(x, n, confidence=0.90) == pytest.approx(tuple(roots))
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


@pytest.fixture
def answers():
    # 10 respondents, item q1 on a 5-point scale, one unanswered
    return pd.DataFrame({"q1": [1, 2, 2, 3, 4, 4, 4, 5, 5, np.nan],
                         "q2": [5, 5, 5, 5, 5, 1, 1, 1, 1, 1],
                         "w": [1, 1, 1, 1, 1, 1, 1, 1, 3, 9]})


def test_unweighted_item_summary_by_hand(answers):
    before = answers.copy()
    table = item_summary(answers, items=["q1", "q2"], scale_points=5)
    q1 = table.loc["q1"]
    assert q1["n"] == 9 and q1["n_missing"] == 1
    assert [q1[f"count_{k}"] for k in range(1, 6)] == [1, 2, 1, 3, 2]
    assert q1["pct_4"] == pytest.approx(100 * 3 / 9)
    assert q1["mean"] == pytest.approx(30 / 9)
    assert q1["median"] == 4
    assert q1["top_box_share"] == pytest.approx(5 / 9)
    assert (q1["top_box_low"], q1["top_box_high"]) == pytest.approx(wilson_interval(5, 9))
    assert table.loc["q2", "median"] == 3.0  # average of the two middle answers
    assert not q1["weighted"]
    pd.testing.assert_frame_equal(answers, before)


def test_weighted_item_summary_uses_kish_effective_n(answers):
    table = item_summary(answers, items=["q1"], scale_points=5, weights="w")
    q1 = table.loc["q1"]
    w = np.array([1, 1, 1, 1, 1, 1, 1, 1, 3])  # weights of the 9 who answered
    x = np.array([1, 2, 2, 3, 4, 4, 4, 5, 5])
    n_eff = w.sum() ** 2 / (w**2).sum()
    assert q1["n_effective"] == pytest.approx(n_eff)
    assert kish_effective_n(w) == pytest.approx(121 / 17)
    share = w[x >= 4].sum() / w.sum()
    assert q1["top_box_share"] == pytest.approx(share)
    assert (q1["top_box_low"], q1["top_box_high"]) == pytest.approx(
        wilson_interval(share * n_eff, n_eff))
    assert q1["mean"] == pytest.approx((x * w).sum() / w.sum())
    assert q1["count_5"] == pytest.approx(4.0)
    assert q1["median"] == 4  # cumulative weight first reaches half at level 4
    assert q1["weighted"]


def test_ordered_categorical_items_and_likert_counts():
    levels = ["Disagree", "Neutral", "Agree"]
    data = pd.DataFrame({"c1": pd.Categorical(["Agree", "Agree", "Neutral", None],
                                              categories=levels, ordered=True)})
    table = item_summary(data, top_box=1)
    assert table.loc["c1", "scale_points"] == 3
    assert table.loc["c1", "top_box_share"] == pytest.approx(2 / 3)
    long = likert_counts(data)
    assert list(long["label"]) == levels
    assert list(long["count"]) == [0, 1, 2]
    assert long["percent"].sum() == pytest.approx(100)
    assert (long["n"] == 3).all()


def test_bad_input_is_named(answers):
    with pytest.raises(AnalysisInputError, match="top_box"):
        item_summary(answers, items=["q1"], scale_points=5, top_box=0)
    with pytest.raises(AnalysisInputError, match="scale_points"):
        item_summary(answers, items=["q1"])
    with pytest.raises(AnalysisInputError, match="outside"):
        item_summary(answers, items=["q1"], scale_points=4)
    with pytest.raises(AnalysisInputError, match="weights"):
        item_summary(answers, items=["q1"], scale_points=5, weights="nope")
    with pytest.raises(AnalysisInputError, match="confidence"):
        item_summary(answers, items=["q1"], scale_points=5, confidence=95)
    with pytest.raises(AnalysisInputError) as err:
        item_summary(answers.assign(w=-1.0), items=["q1"], scale_points=5, weights="w")
    assert err.value.column == "w"
