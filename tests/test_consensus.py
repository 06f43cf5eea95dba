"""Tests of survey_analysis.consensus against Tastle & Wierman (2007) by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from survey_analysis.consensus import (
    consensus_measure,
    direction_consensus,
    item_consensus,
    polarisation,
)
from survey_analysis.errors import AnalysisInputError


def hand_cns(shares, width=4):
    """Tastle & Wierman's formula written out term by term (levels 1..5)."""
    mu = sum((i + 1) * p for i, p in enumerate(shares))
    total = 0.0
    for i, p in enumerate(shares):
        if p:
            total += p * math.log2(1 - abs((i + 1) - mu) / width)
    return 1 + total


def test_the_papers_boundary_cases():
    # an even split between the two extremes is total dissent, one category is consensus
    assert consensus_measure([0.5, 0, 0, 0, 0.5]) == pytest.approx(0.0, abs=1e-12)
    assert consensus_measure([0, 0, 1, 0, 0]) == pytest.approx(1.0)
    assert consensus_measure([0, 7, 0, 0, 0]) == pytest.approx(1.0)
    assert math.isnan(consensus_measure([0, 0, 0]))


def test_values_by_hand_computation():
    # uniform: mu = 3, terms 0.2*log2(1/2)*2 + 0.2*log2(3/4)*2 -> 1 - 0.4 - 0.4*0.41504
    assert consensus_measure([1, 1, 1, 1, 1]) == pytest.approx(1 - 0.4 - 0.4 * math.log2(4 / 3))
    assert consensus_measure([1, 1, 1, 1, 1]) == pytest.approx(0.4339850, abs=1e-6)
    # two adjacent levels half-half: mu = 1.5, 1 + log2(1 - 0.125) = 0.80735
    assert consensus_measure([0.5, 0.5, 0, 0, 0]) == pytest.approx(1 + math.log2(0.875))
    for shares in ([0.1, 0.2, 0.4, 0.2, 0.1], [0, 0.25, 0.5, 0.25, 0], [0.4, 0.1, 0, 0.1, 0.4],
                   [0.05, 0.05, 0.1, 0.3, 0.5]):
        assert consensus_measure(shares) == pytest.approx(hand_cns(shares))
    # counts and shares give the same value; custom values rescale the width
    assert consensus_measure([2, 4, 8, 4, 2]) == pytest.approx(hand_cns([.1, .2, .4, .2, .1]))
    assert consensus_measure([1, 3], values=[0, 10]) == pytest.approx(
        1 + 0.25 * math.log2(1 - 7.5 / 10) + 0.75 * math.log2(1 - 2.5 / 10))


def test_polarisation_rule():
    assert polarisation([40, 5, 10, 5, 40])["polarised"]
    assert not polarisation([10, 20, 40, 20, 10])["polarised"]
    assert not polarisation([0, 0, 10, 60, 30])["polarised"]
    # both ends at 30 % but a larger middle: not polarised
    assert not polarisation([30, 0, 40, 0, 30])["polarised"]
    res = polarisation([20, 15, 10, 25, 30])
    assert res["share_low"] == pytest.approx(0.35) and res["share_high"] == pytest.approx(0.55)
    assert res["share_middle"] == pytest.approx(0.10) and res["polarised"]


def test_polarisation_compares_the_middle_per_level():
    # a uniform distribution is not two camps: per level, 20 % everywhere
    uniform = polarisation([1, 1, 1, 1, 1])
    assert uniform["share_low"] == pytest.approx(0.4) and uniform["share_middle"] == pytest.approx(0.2)
    assert not uniform["polarised"]
    # 3/16 per end level against 4/16 in the middle level: fuller in the middle
    assert not polarisation([3, 3, 4, 3, 3])["polarised"]
    assert not polarisation([0.2, 0.2, 0.2, 0.2, 0.2])["polarised"]
    assert polarisation([40, 5, 10, 5, 40])["polarised"]
    # 7 levels, 3 in the middle: ends 30 % each (15 % per level), middle 40 % (13.3 % per
    # level) -> thinner per level in the middle although larger in total
    seven = polarisation([2, 1, 1, 1, 2, 2, 1])
    assert seven["share_middle"] == pytest.approx(0.4) and seven["polarised"]
    assert not polarisation([1] * 7)["polarised"]
    # a 4-point scale has no middle: both ends large is enough
    assert polarisation([5, 0, 0, 5], extreme_levels=2)["polarised"]
    # one level per end, three in the middle: 6/19 per end level against 7/57 per middle level
    assert polarisation([6, 2, 3, 2, 6], extreme_levels=1)["polarised"]


def test_uniform_answers_are_not_polarised_in_item_and_direction_tables():
    # b1: four answers per level; b2: 3, 3, 4, 3, 3 answers per level (and 4 not answered)
    b2 = [1] * 3 + [2] * 3 + [3] * 4 + [4] * 3 + [5] * 3 + [np.nan] * 4
    data = pd.DataFrame({"b1": [1, 2, 3, 4, 5] * 4, "b2": b2})
    items = item_consensus(data)
    assert items["n"].tolist() == [20, 16]
    assert not items["polarised"].any()
    table = direction_consensus(data, directions={"SD1": ["b1", "b2"]})
    assert not table.loc["SD1", "polarised"] and table.loc["SD1", "n_polarised_items"] == 0
    # by hand: the mean of the two items' Tastle-Wierman consensus
    assert table.loc["SD1", "consensus"] == pytest.approx(
        (hand_cns([.2] * 5) + hand_cns([3 / 16, 3 / 16, 4 / 16, 3 / 16, 3 / 16])) / 2)


def test_item_and_direction_consensus():
    data = pd.DataFrame({"b1": [1, 1, 5, 5], "b2": [3, 3, 3, 3], "c1": [5, 5, 1, np.nan]})
    before = data.copy()
    items = item_consensus(data)
    assert items.loc["b1", "consensus"] == pytest.approx(0.0, abs=1e-12)
    assert items.loc["b1", "polarised"] and not items.loc["b2", "polarised"]
    assert items.loc["b2", "consensus"] == pytest.approx(1.0)
    assert items.loc["c1", "n"] == 3
    table = direction_consensus(data, directions={"SD1": ["b1", "c1"], "SD2": ["b2"]},
                                reverse=["c1"], min_n=3)
    # b1: two 1s and two 5s (0.0); c1 reversed: 1, 1, 5 (hand), averaged over the two items
    assert table.loc["SD1", "consensus"] == pytest.approx(
        (0.0 + hand_cns([2 / 3, 0, 0, 0, 1 / 3])) / 2)
    assert table.loc["SD1", "min_item_consensus"] == pytest.approx(0.0, abs=1e-12)
    assert table.loc["SD1", "n_polarised_items"] == 2 and table.loc["SD1", "polarised"]
    assert table.loc["SD2", "consensus"] == pytest.approx(1.0)
    pd.testing.assert_frame_equal(data, before)


def test_identical_members_agree_whatever_their_answers():
    # ten members, each answering 5, 1, 5, 1 to the direction's four items
    data = pd.DataFrame({"b1": [5] * 10, "b2": [1] * 10, "b3": [5] * 10, "c1": [1] * 10})
    table = direction_consensus(data, directions={"SD1": ["b1", "b2", "b3", "c1"]})
    assert table.loc["SD1", "consensus"] == pytest.approx(1.0)
    assert not table.loc["SD1", "polarised"]
    # reverse keying does not change agreement between members
    keyed = direction_consensus(data, directions={"SD1": ["b1", "b2", "b3", "c1"]},
                                reverse=["c1"])
    assert keyed.loc["SD1", "consensus"] == pytest.approx(1.0)


def test_too_few_answers_give_no_consensus():
    one = pd.DataFrame({"b1": [4], "b2": [4]})
    table = direction_consensus(one, directions={"SD1": ["b1", "b2"]})
    assert table.loc["SD1", "too_few_answers"]
    assert np.isnan(table.loc["SD1", "consensus"]) and pd.isna(table.loc["SD1", "polarised"])
    nine = pd.DataFrame({"b1": [4] * 9 + [np.nan], "b2": [2] * 10})
    # b1 has 9 answers (below 10) and is left out; b2 alone carries the direction
    table = direction_consensus(nine, directions={"SD1": ["b1", "b2"]})
    assert table.loc["SD1", "n_items_used"] == 1 and table.loc["SD1", "consensus"] == 1.0
    items = item_consensus(nine, min_n=10)
    assert items.loc["b1", "too_few_answers"] and np.isnan(items.loc["b1", "consensus"])


def test_bad_input_is_named():
    with pytest.raises(AnalysisInputError, match="threshold"):
        polarisation([1, 2, 3, 4, 5], threshold=1.5)
    with pytest.raises(AnalysisInputError, match="extreme_levels"):
        polarisation([1, 2, 3], extreme_levels=2)
    with pytest.raises(AnalysisInputError, match="frequencies"):
        consensus_measure([1, -1, 2])
    with pytest.raises(AnalysisInputError, match="items"):
        item_consensus(pd.DataFrame({"a": [1]}), items=["b"])
