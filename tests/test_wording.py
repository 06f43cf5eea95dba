"""The wording rules: which plain words a figure earns, checked on both sides of every boundary."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from survey_analysis.consensus import consensus_measure
from survey_analysis.report.catalogue import Catalogue
from survey_analysis.report.wording import (
    LARGELY_AGREE,
    PARTLY_AGREE,
    UNDER_REPRESENTED,
    DirectionFigures,
    agreement_level,
    carrying_groups,
    compose_direction,
    compose_step,
    compose_who_answered,
    effect_size_level,
    leading_options,
    representation,
    step_settled,
    support_level,
)

EPS = 1e-9


@pytest.mark.parametrize("low, high, expected", [
    (3 + EPS, 4.0, "supported"),          # the whole interval above the middle of a 1-5 scale
    (3.0, 4.0, "neutral"),                # touching the middle is not above it
    (2.5, 3.5, "neutral"),
    (2.0, 3.0, "neutral"),
    (2.0, 3 - EPS, "opposed"),
    (float("nan"), 4.0, None),
])
def test_support_level_needs_the_whole_interval_past_the_middle(low, high, expected):
    assert support_level(low, high) == expected


def test_support_level_uses_the_scale_middle():
    assert support_level(4.1, 5.0, midpoint=4.0) == "supported"   # a 1-7 scale
    assert support_level(3.5, 5.0, midpoint=4.0) == "neutral"


def _consensus(shares: dict[int, float]) -> float:
    return float(consensus_measure([shares.get(level, 0.0) for level in range(1, 6)]))


def test_consensus_anchors_named_in_the_rules_hold():
    """The anchors of the agreement rule, computed by hand from Tastle & Wierman's formula.

    Cns = 1 + sum p_i log2(1 - |X_i - mean| / 4) on a 1-5 scale:
    two neighbouring levels evenly: 1 + log2(0.875) = 0.807;
    three: 1 + (2/3) log2(0.75) = 0.723;
    four: 1 + 0.5 (log2(0.625) + log2(0.875)) = 0.565;
    all five: 1 + 0.4 log2(0.5) + 0.4 log2(0.75) = 0.434.
    """
    two = 1 + math.log2(0.875)
    three = 1 + 2 / 3 * math.log2(0.75)
    four = 1 + 0.5 * (math.log2(0.625) + math.log2(0.875))
    five = 1 + 0.4 * math.log2(0.5) + 0.4 * math.log2(0.75)
    assert _consensus({4: 0.5, 5: 0.5}) == pytest.approx(two, abs=1e-3)
    assert _consensus({3: 1 / 3, 4: 1 / 3, 5: 1 / 3}) == pytest.approx(three, abs=1e-3)
    assert _consensus({2: 0.25, 3: 0.25, 4: 0.25, 5: 0.25}) == pytest.approx(four, abs=1e-3)
    assert _consensus({k: 0.2 for k in range(1, 6)}) == pytest.approx(five, abs=1e-3)
    assert agreement_level(two) == agreement_level(three) == "largely_agree"
    assert agreement_level(four) == "partly_agree"
    assert agreement_level(five) == "divided"


@pytest.mark.parametrize("consensus, polarised, expected", [
    (LARGELY_AGREE, False, "largely_agree"),
    (LARGELY_AGREE - EPS, False, "partly_agree"),
    (PARTLY_AGREE, False, "partly_agree"),
    (PARTLY_AGREE - EPS, False, "divided"),
    (0.95, True, "split"),                 # polarisation overrides a high consensus
    (float("nan"), False, None),
    (0.8, pd.NA, "largely_agree"),         # too few answers to call it polarised
])
def test_agreement_boundaries(consensus, polarised, expected):
    assert agreement_level(consensus, polarised) == expected


@pytest.mark.parametrize("low, high, expected", [
    (EPS, 0.4, True),
    (0.0, 0.4, False),                     # an interval reaching zero does not settle the step
    (-0.1, 0.3, False),
    (float("nan"), float("nan"), None),
])
def test_a_step_is_settled_only_when_its_interval_lies_above_zero(low, high, expected):
    assert step_settled(low, high) == expected


@pytest.mark.parametrize("rate, overall, expected", [
    (0.68 * UNDER_REPRESENTED - EPS, 0.68, "under"),
    (0.68 * UNDER_REPRESENTED, 0.68, "fair"),
    (0.68 / UNDER_REPRESENTED, 0.68, "fair"),
    (0.68 / UNDER_REPRESENTED + EPS, 0.68, "over"),
    (0.56, 150 / 221, "under"),            # medical technology companies in the bundled sample
    (0.70, 150 / 221, "fair"),
    (float("nan"), 0.68, None),
    (0.5, 0.0, None),
])
def test_representation_boundaries(rate, overall, expected):
    assert representation(rate, overall) == expected


def test_leading_options_are_those_not_clearly_below_the_most_chosen():
    shares = [("ehealth", 0.80, 0.73, 0.86), ("amr", 0.36, 0.28, 0.44), ("vacc", 0.33, 0.26, 0.41)]
    assert leading_options(shares) == ["ehealth"]
    # an option whose interval reaches the leader's lower end is named too
    assert leading_options([("a", 0.5, 0.42, 0.58), ("b", 0.4, 0.32, 0.42), ("c", 0.39, 0.31, 0.4199)]) == ["a", "b"]
    # never more than three
    close = [(k, 0.5, 0.4, 0.6) for k in "abcde"]
    assert leading_options(close) == ["a", "b", "c"]
    assert leading_options([]) == []


@pytest.mark.parametrize("value, expected", [
    (0.01 - EPS, "negligible"), (0.01, "small"), (0.06 - EPS, "small"), (0.06, "medium"),
    (0.14 - EPS, "medium"), (0.14, "large"), (float("nan"), None),
])
def test_effect_size_boundaries(value, expected):
    assert effect_size_level(value) == expected


def test_carrying_groups_are_higher_than_some_and_lower_than_none():
    pairs = [("University", "Public"), ("University", "Other"), ("Medtech", "Public"), ("Private", "Public"),
             ("University", "Private")]
    assert carrying_groups(pairs) == ["University", "Medtech"]
    assert carrying_groups([]) == []


def _figures(**changes) -> DirectionFigures:
    values = dict(code="SD1", name="RDI & products", support=3.9649, low=3.85, high=4.08, n=150, weighted=True,
                  top_two=0.7251, first_share=0.2933, consensus=0.7176, polarised=False,
                  groups=["University / research institute"], groups_compared=True, segments=["“More for SD1” (52)"])
    values.update(changes)
    return DirectionFigures(**values)


def test_direction_sentence_in_english():
    text = compose_direction(Catalogue("en"), _figures())
    assert text.startswith("<strong>SD1 RDI &amp; products</strong>") is False  # escaping is the page's job
    assert "<strong>SD1 RDI & products</strong>: support 3.96 of 5 (3.85–4.08; 150 members)." in text
    assert "Members support it." in text and "They largely agree." in text
    assert "73% of answers in the two highest levels; 29% rank it first." in text
    assert "University / research institute" in text and "More for SD1" in text


def test_direction_sentence_in_romanian_is_composed_from_its_own_catalogue():
    text = compose_direction(Catalogue("ro"), _figures(consensus=0.6, polarised=False))
    assert "susținere 3,96 din 5 (3,85–4,08; 150 de membri)." in text
    assert "73\u00a0% din răspunsuri" in text and "29\u00a0% o pun pe primul loc" in text
    assert "Sunt de acord doar în parte." in text
    assert "support" not in text and "members" not in text


def test_direction_sentence_without_ranking_groups_or_segments():
    text = compose_direction(Catalogue("en"), _figures(first_share=None, groups=[], segments=[], groups_compared=False,
                                                      low=2.9, high=3.2, support=3.05))
    assert "rank it first" not in text and "Behind it" not in text
    assert "neither for nor against" in text


def test_too_few_answers_say_so_and_nothing_more():
    text = compose_direction(Catalogue("en"), _figures(too_few=True, n=4))
    assert "Too few members answered" in text and "agree" not in text and "4 members" in text


def test_steps_and_who_answered():
    en = Catalogue("en")
    assert compose_step(en, "SD1", "SD3", True) == "SD1 ahead of SD3: settled"
    assert "not settled" in compose_step(en, "SD3", "SD2", False)
    assert "too few answers" in compose_step(en, "SD3", "SD2", None)
    text = compose_who_answered(en, 150, 221, [("Medical technology company", 0.56)], weighted=True)
    assert text.startswith("150 of 221 member organisations answered (68%).")
    assert "Medical technology company (56%)" in text and "weighted" in text
    ro = Catalogue("ro")
    assert compose_who_answered(ro, 150, 221).startswith("Au răspuns 150 din 221 de organizații membre (68\u00a0%).")
    assert "acoperire necunoscută" in compose_who_answered(ro, 150, None)


def test_a_favoured_direction_is_told_only_from_a_quarter_of_a_level():
    from survey_analysis.report.wording import NOTABLE_LIFT, notably_favoured

    assert NOTABLE_LIFT == 0.25
    assert notably_favoured({"SD1": 0.08, "SD4": 0.05}) is None  # 2.97 against 2.89: not told
    assert notably_favoured({"SD1": 0.10, "SD4": 0.25}) == "SD4"
    assert notably_favoured({"SD1": 0.30, "SD4": 0.26}) == "SD1"
    assert notably_favoured({"SD1": float("nan"), "SD2": None}) is None
