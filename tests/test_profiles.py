"""Tests of survey_analysis.profiles: priority profiles checked by hand computation."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from survey_analysis.codebook import read_codebook
from survey_analysis.errors import AnalysisInputError
from survey_analysis.profiles import profiles_from_items, priority_profiles


def _small():
    items = pd.DataFrame(
        {"B1": [5.0, 1.0], "B2": [3.0, np.nan], "C1": [4.0, 2.0], "B4": [2.0, 5.0], "C2": [5.0, 1.0]},
        index=pd.Index(["r1", "r2"], name="respondent_id"),
    )
    directions = {"B1": "SD1", "B2": "SD1", "C1": "SD1", "B4": "SD2", "C2": "SD2"}
    components = {"B1": "importance", "B2": "importance", "B4": "importance", "C1": "agreement", "C2": "agreement"}
    ranks = pd.DataFrame({"SD1": [1, 2], "SD2": [2, 1]}, index=items.index)
    return items, directions, components, ranks


def test_uncentred_profile_matches_hand_computation():
    items, directions, components, ranks = _small()
    got = profiles_from_items(
        items, directions=directions, reverse={"C2"}, ranks=ranks, components=components, centre=False
    )
    # r1, SD1: importance mean of (5-1)/4=1 and (3-1)/4=0.5 -> 0.75; agreement (4-1)/4=0.75;
    # rank 1 of 2 -> (2-1)/(2-1)=1.  Equal weights: (0.75+0.75+1)/3.
    assert got.loc["r1", "SD1"] == pytest.approx((0.75 + 0.75 + 1.0) / 3)
    # r1, SD2: importance (2-1)/4=0.25; C2 reversed 6-5=1 -> 0; rank 2 of 2 -> 0.
    assert got.loc["r1", "SD2"] == pytest.approx(0.25 / 3)
    # r2, SD1: importance only B1 answered -> 0; agreement (2-1)/4=0.25; rank 2 -> 0.
    assert got.loc["r2", "SD1"] == pytest.approx(0.25 / 3)
    # r2, SD2: importance 1; C2 reversed 6-1=5 -> 1; rank 1 -> 1.
    assert got.loc["r2", "SD2"] == pytest.approx(1.0)


def test_weights_and_missing_component_renormalise():
    items, directions, components, ranks = _small()
    items = items.copy()
    items.loc["r1", ["B1", "B2"]] = np.nan
    got = profiles_from_items(
        items,
        directions=directions,
        reverse={"C2"},
        ranks=ranks,
        components=components,
        weights={"importance": 2.0, "agreement": 1.0, "ranking": 1.0},
        centre=False,
    )
    # r1 SD1 has no importance answer: (1*0.75 + 1*1) / (1 + 1)
    assert got.loc["r1", "SD1"] == pytest.approx((0.75 + 1.0) / 2)
    # r2 SD2: (2*1 + 1*1 + 1*1) / 4
    assert got.loc["r2", "SD2"] == pytest.approx(1.0)
    assert got.loc["r1", "SD2"] == pytest.approx((2 * 0.25 + 0 + 0) / 4)


def test_centred_rows_sum_to_zero_and_input_unchanged():
    items, directions, components, ranks = _small()
    before = items.copy()
    got = profiles_from_items(items, directions=directions, reverse={"C2"}, ranks=ranks, components=components)
    np.testing.assert_allclose(got.sum(axis=1), 0.0, atol=1e-12)
    raw = profiles_from_items(
        items, directions=directions, reverse={"C2"}, ranks=ranks, components=components, centre=False
    )
    np.testing.assert_allclose(got.to_numpy(), (raw.sub(raw.mean(axis=1), axis=0)).to_numpy())
    pd.testing.assert_frame_equal(items, before)


def test_no_evidence_gives_nan_row_when_centred():
    items = pd.DataFrame({"B1": [5.0, np.nan], "B4": [1.0, 3.0]}, index=["a", "b"])
    got = profiles_from_items(items, directions={"B1": "SD1", "B4": "SD2"})
    assert got.loc["a"].notna().all()
    assert got.loc["b"].isna().all()
    raw = profiles_from_items(items, directions={"B1": "SD1", "B4": "SD2"}, centre=False)
    assert np.isnan(raw.loc["b", "SD1"]) and raw.loc["b", "SD2"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"items": pd.DataFrame({"B1": [6.0]}), "directions": {"B1": "SD1"}},
        {"items": pd.DataFrame({"B1": [2.5]}), "directions": {"B1": "SD1"}},
        {"items": pd.DataFrame({"B1": [2.0]}), "directions": {"B1": "SD1"}, "weights": {"items": -1}},
        {"items": pd.DataFrame({"B1": [2.0]}), "directions": {}},
        {"items": pd.DataFrame({"B1": [2.0]}), "directions": {"B1": "SD1"}, "ranks": pd.DataFrame({"SD1": [3]})},
    ],
)
def test_bad_input_raises_analysis_error(kwargs):
    items = kwargs.pop("items")
    with pytest.raises(AnalysisInputError):
        profiles_from_items(items, **kwargs)


def _fake_survey(n=12, seed=3):
    book = read_codebook(None)
    rng = np.random.default_rng(seed)
    likert = book.likert_items()
    numeric = pd.DataFrame(
        rng.integers(1, 6, size=(n, len(likert))).astype(float),
        columns=likert,
        index=pd.Index([f"R{i:03d}" for i in range(n)], name="respondent_id"),
    )
    ranks = np.array([rng.permutation(5) + 1 for _ in range(n)])
    responses = pd.DataFrame(
        {f"D[SD{j + 1}]": pd.array(ranks[:, j], dtype="Int64") for j in range(5)}, index=numeric.index
    )
    survey = SimpleNamespace(codebook=book, responses=responses, numeric=lambda items=None: numeric.copy())
    return survey, numeric, ranks


def test_priority_profiles_uses_codebook_scales_reverse_and_ranking():
    survey, numeric, ranks = _fake_survey()
    got = priority_profiles(survey, centre=False)
    assert list(got.columns) == ["SD1", "SD2", "SD3", "SD4", "SD5"]
    assert got.index.name == "respondent_id"
    # hand computation for SD4 of the first respondent: B10-B12 importance, C4 reversed, rank
    row = numeric.iloc[0]
    importance = np.mean([(row[i] - 1) / 4 for i in ("B10", "B11", "B12")])
    agreement = (6 - row["C4"] - 1) / 4
    ranking = (5 - ranks[0, 3]) / 4
    assert got.iloc[0]["SD4"] == pytest.approx((importance + agreement + ranking) / 3)
    centred = priority_profiles(survey)
    np.testing.assert_allclose(centred.sum(axis=1), 0.0, atol=1e-12)


def test_ranks_follow_the_ranking_rules_for_ties_gaps_and_unranked_directions():
    # the ranking module's rules, by hand (m = 5 directions, score (5 - r) / 4):
    # t: SD1 and SD2 both ranked 1 -> clean rank 1.5 each -> 0.875
    # g: ranks 1, 3, 4, 5 for SD1-SD4 -> closed up to 1, 2, 3, 4; SD5 unranked -> 5;
    #    SD2 (ranked 3) -> clean 2 -> 0.75
    # u: only SD3 ranked (1); the four others share places 2-5 -> 3.5 -> 0.375
    # e: nothing ranked -> no ranking evidence (NaN)
    nan = np.nan
    ranks = pd.DataFrame(
        {"SD1": [1, 1, nan, nan], "SD2": [1, 3, nan, nan], "SD3": [2, 4, 1, nan],
         "SD4": [3, 5, nan, nan], "SD5": [4, nan, nan, nan]},
        index=["t", "g", "u", "e"])
    items = pd.DataFrame(index=ranks.index)
    got = profiles_from_items(items, directions={}, ranks=ranks, centre=False)
    assert got.loc["t", "SD1"] == pytest.approx(0.875) and got.loc["t", "SD2"] == pytest.approx(0.875)
    assert got.loc["g", "SD2"] == pytest.approx(0.75) and got.loc["g", "SD5"] == pytest.approx(0.0)
    assert got.loc["u", "SD3"] == pytest.approx(1.0) and got.loc["u", "SD1"] == pytest.approx(0.375)
    assert got.loc["e"].isna().all()
