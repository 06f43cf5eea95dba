"""Tests of survey_analysis.evidence on a stand-in survey and on the bundled sample."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import survey_analysis as sa
from survey_analysis.errors import AnalysisInputError
from survey_analysis.evidence import (
    direction_evidence,
    evidence_command,
    evidence_records,
    group_differences,
    paired_comparisons,
)
from survey_analysis.score_tables import direction_support_table, item_likert_table

PROJECT = Path(__file__).resolve().parents[1]


# --- a minimal survey following the loaded-survey contract ---------------------------------
@dataclass
class Level:
    value: int
    en: str
    ro: str


@dataclass
class Option:
    id: str
    en: str
    ro: str


@dataclass
class Direction:
    code: str
    name: dict
    description: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)


@dataclass
class Question:
    id: str
    type: str
    text: dict
    options: list = field(default_factory=list)
    scale: str | None = None
    direction: str | None = None
    reverse: bool = False
    role: str | None = None


@dataclass
class Codebook:
    directions: dict
    questions: dict
    scales: dict

    def items_by_direction(self):
        out = {code: [] for code in self.directions}
        for q in self.questions.values():
            if q.type == "likert" and q.direction:
                out[q.direction].append(q.id)
        return out

    def column_for_role(self, role):
        for q in self.questions.values():
            if q.role == role:
                return q.id
        raise KeyError(role)


@dataclass
class StandInSurvey:
    responses: pd.DataFrame
    codebook: Codebook

    def numeric(self, items=None):
        items = items or [q.id for q in self.codebook.questions.values() if q.type == "likert"]
        return pd.DataFrame({i: self.responses[i].cat.codes.astype(float).where(
            self.responses[i].cat.codes >= 0) + 1 for i in items}, index=self.responses.index)


LEVELS = ["Not important", "Slightly important", "Moderately important", "Very important",
          "Extremely important"]
PLANTED = {"SD1": 4.3, "SD2": 3.4, "SD3": 3.9, "SD4": 2.6, "SD5": 3.0}  # SD1>SD3>SD2>SD5>SD4
CATEGORIES = ["University", "Public provider", "Medtech", "Other"]


def make_survey(n=150, seed=42):
    rng = np.random.default_rng(seed)
    questions = {"A3": Question("A3", "single", {"en": "Member category"},
                                [Option(c, c, c) for c in CATEGORIES], role="member_category")}
    category = rng.choice(CATEGORIES, size=n, p=[0.4, 0.3, 0.27, 0.03])
    responses = {"A3": pd.Categorical(category, categories=CATEGORIES)}
    raw = {}
    for d, (code, level) in enumerate(PLANTED.items()):
        person = rng.normal(0, 0.7, n)  # a respondent's leaning on this direction
        for j in range(3):
            item = f"B{3 * d + j + 1}"
            reverse = j == 2
            shift = np.where(category == "University", 0.7, 0.0) if code == "SD4" else 0.0
            true = np.clip(np.round(level + shift + person + rng.normal(0, 0.6, n)), 1, 5)
            answer = 6 - true if reverse else true
            answer = np.where(rng.random(n) < 0.05, np.nan, answer)  # some skipped
            raw[item] = answer
            responses[item] = pd.Categorical.from_codes(
                np.nan_to_num(answer - 1, nan=-1).astype(int), categories=LEVELS, ordered=True)
            questions[item] = Question(item, "likert", {"en": f"item {item}"}, scale="importance5",
                                       direction=code, reverse=reverse)
    ranks = np.argsort(np.argsort(-(np.array(list(PLANTED.values()))
                                    + rng.normal(0, 0.9, (n, 5))), axis=1), axis=1) + 1
    for j, code in enumerate(PLANTED):
        responses[f"D[{code}]"] = pd.array(ranks[:, j], dtype="Int64")
    responses["D[SD1]"][:3] = pd.NA  # a few respondents skipped the ranking entirely
    for code in PLANTED:
        responses[f"D[{code}]"][:3] = pd.NA
    questions["D"] = Question("D", "ranking", {"en": "Rank"}, [Option(c, c, c) for c in PLANTED])
    codebook = Codebook(
        directions={c: Direction(c, {"en": f"name {c}", "ro": f"nume {c}"}) for c in PLANTED},
        questions=questions,
        scales={"importance5": [Level(i + 1, lab, lab) for i, lab in enumerate(LEVELS)]})
    frame = pd.DataFrame(responses, index=pd.Index([f"r{i:03d}" for i in range(n)],
                                                   name="respondent_id"))
    return StandInSurvey(frame, codebook), pd.DataFrame(raw, index=frame.index)


@pytest.fixture(scope="module")
def survey_and_raw():
    return make_survey()


@pytest.fixture(scope="module")
def table(survey_and_raw):
    return direction_evidence(survey_and_raw[0], n_boot=300, random_state=3)


def hand_mean_interval(x, low=1.0, high=5.0):
    # the Agresti-Coull style interval written out independently (z^2/2 pseudo-answers per end)
    z = 1.959963984540054
    c = z * z / 2
    n = len(x) + 2 * c
    m = (np.sum(x) + c * (low + high)) / n
    s2 = (np.sum((np.asarray(x) - m) ** 2) + c * (low - m) ** 2 + c * (high - m) ** 2) / n
    half = z * np.sqrt(s2 / n)
    return max(low, m - half), min(high, m + half)


def test_one_row_per_direction_with_support_by_hand(table, survey_and_raw):
    _, raw = survey_and_raw
    assert list(table.index) == list(PLANTED)
    for d, code in enumerate(PLANTED):
        items = raw[[f"B{3 * d + j + 1}" for j in range(3)]].copy()
        items.iloc[:, 2] = 6 - items.iloc[:, 2]  # reverse-keyed third item
        answered = items.notna().sum(axis=1)
        score = items.mean(axis=1)[answered >= 2]
        assert table.loc[code, "n"] == score.size
        assert table.loc[code, "n_too_few_items"] == (answered < 2).sum()
        assert table.loc[code, "support"] == pytest.approx(score.mean())
        assert not table.loc[code, "weighted"] and table.loc[code, "fpc"] == 1.0
        assert (table.loc[code, "support_low"], table.loc[code, "support_high"]) == \
            pytest.approx(hand_mean_interval(score.to_numpy()))
        # every item is on the importance scale: the importance sub-score is the support
        assert table.loc[code, "importance"] == pytest.approx(score.mean())
        assert np.isnan(table.loc[code, "agreement"])
        # top-box share: per member, the share of their answers in levels 4-5, averaged
        per_member = (items >= 4).sum(axis=1)[answered >= 2] / answered[answered >= 2]
        assert table.loc[code, "top_box_share"] == pytest.approx(per_member.mean())
        assert (table.loc[code, "top_box_low"], table.loc[code, "top_box_high"]) == \
            pytest.approx(hand_mean_interval(per_member.to_numpy(), 0.0, 1.0))
        cov = items.cov().to_numpy()  # pairwise-complete, as psych
        hand_alpha = 1.5 * (1 - np.trace(cov) / cov.sum())
        assert table.loc[code, "alpha"] == pytest.approx(hand_alpha)
        assert table.loc[code, "alpha"] > 0.5


def test_planted_order_ranking_and_category_difference_are_recovered(table):
    assert list(table["support"].sort_values(ascending=False).index) == [
        "SD1", "SD3", "SD2", "SD5", "SD4"]
    assert table["p_first"].idxmax() == "SD1"
    assert table["p_first"].sum() == pytest.approx(1.0)
    assert (table["n_no_ranks"] == 3).all() and (table["n_ranked"] == 147).all()
    assert table.loc["SD1", "schulze_position"] == 1 and table.loc["SD1", "borda_position"] == 1
    assert table.loc["SD4", "category_p_holm"] < 0.05
    assert "University >" in table.loc["SD4", "categories_differ"]
    assert "Other" not in table.loc["SD4", "categories_differ"]  # 3 % of 150: below threshold
    assert (table["coverage"] == "unknown").all() and table.attrs["coverage"] == "unknown"
    assert table["consensus"].between(0, 1).all()


def test_records_are_json_and_seed_reproducible(table, survey_and_raw):
    records = evidence_records(table)
    text = json.dumps(records)
    assert json.loads(text)[0]["direction"] == "SD1"
    again = direction_evidence(survey_and_raw[0], n_boot=300, random_state=3)
    pd.testing.assert_frame_equal(table, again)


def test_register_gives_known_coverage(survey_and_raw):
    survey = survey_and_raw[0]
    register = pd.DataFrame({"member_category": ["University"] * 80 + ["Public provider"] * 60
                             + ["Medtech"] * 50 + ["Other"] * 10})
    out = direction_evidence(survey, register=register, n_boot=50)
    assert out.attrs["coverage"] == "known" and out["weighted"].all()
    assert out["response_rate"].iloc[0] == pytest.approx(150 / 200)
    assert (out["population"] == 200).all()
    assert out.attrs["assumption"].startswith("Within each weighting cell")
    rates = out.attrs["response_rates"]
    uni = rates[rates["group"] == "University"].iloc[0]
    assert uni["members"] == 80
    n_uni = int((survey.responses["A3"] == "University").sum())
    assert uni["response_rate"] == pytest.approx(n_uni / 80)


def test_chart_tables(survey_and_raw):
    survey = survey_and_raw[0]
    support = direction_support_table(survey)
    assert list(support.columns) == ["direction", "name", "n", "mean", "ci_low", "ci_high",
                                     "scale_min", "scale_max"]
    assert (support["scale_max"] == 5).all() and support.loc[0, "name"] == "name SD1"
    likert = item_likert_table(survey)
    b1 = likert[likert["item"] == "B1"]
    assert list(b1["label"]) == LEVELS
    assert b1["count"].sum() == survey.responses["B1"].notna().sum()
    assert likert.loc[likert["item"] == "B3", "reversed"].all()
    assert item_likert_table(survey, language="ro")["label"].iloc[0] == LEVELS[0]


def test_group_differences_cover_each_role(survey_and_raw):
    survey = survey_and_raw[0]
    table = group_differences(survey)
    by_role = table.set_index(["grouping", "direction"])
    assert by_role.loc[("member_category", "SD4"), "p_holm"] < 0.05
    assert "Holm" in table.attrs["correction"]
    assert "University >" in by_role.loc[("member_category", "SD4"), "significant_pairs"]
    assert "Other" in by_role.loc[("member_category", "SD4"), "groups_below_threshold"].split(";")
    # the stand-in codebook has no size or region question: listed, not dropped
    assert table.loc[table["grouping"] == "size", "note"].iloc[0].startswith("no question")


def test_evidence_command_text_and_json(survey_and_raw, monkeypatch):
    calls = []

    def fake_load(path, codebook=None, *, sheet=None):
        calls.append((path, codebook, sheet))
        return survey_and_raw[0]

    import survey_analysis.survey

    monkeypatch.setattr(survey_analysis.survey, "load_responses", fake_load)
    doc = json.loads(evidence_command("export.xlsx", codebook="cb.yml", as_json=True))
    assert calls[0] == ("export.xlsx", "cb.yml", None)
    assert doc["n_respondents"] == 150 and doc["coverage"] == "unknown"
    assert [d["direction"] for d in doc["directions"]] == list(PLANTED)
    text = evidence_command("export.xlsx")
    assert "150 respondents" in text and "SD4" in text


def test_bad_options(survey_and_raw):
    with pytest.raises(AnalysisInputError, match="language"):
        direction_evidence(survey_and_raw[0], language="fr")
    with pytest.raises(AnalysisInputError, match="threshold"):
        direction_evidence(survey_and_raw[0], threshold=0)
    with pytest.raises(AnalysisInputError, match="responses"):
        direction_evidence(object())


def test_bundled_sample_recovers_the_planted_order():
    sample = PROJECT / "data" / "sample" / "google_forms.xlsx"
    if not sample.exists():
        pytest.skip("the bundled sample (data/sample/google_forms.xlsx) is not there yet")
    survey = sa.load_responses(sample, PROJECT / "data" / "codebook.yml")
    out = direction_evidence(survey, n_boot=500, random_state=0)
    assert list(out["support"].sort_values(ascending=False).index) == [
        "SD1", "SD3", "SD2", "SD5", "SD4"]
    assert out["n"].min() > 0


def test_weighted_support_matches_post_stratification_by_category(tmp_path):
    """With one raking margin, raking is post-stratification: a hand computation of the weighted mean."""
    from pathlib import Path

    import survey_analysis as sa

    root = Path(__file__).resolve().parents[1]
    survey = sa.load_responses(root / "data/sample/google_forms.xlsx", root / "data/codebook.yml")
    register = sa.read_register(root / "data/sample/members.csv")[["member_category"]]
    table = sa.direction_evidence(survey, register=register, n_boot=200)

    numeric = survey.numeric()
    category = survey.responses["A3"].astype(str)
    member_share = register["member_category"].value_counts(normalize=True)
    for code, items in survey.items_by_direction().items():
        keyed = numeric[items].copy()
        for item in items:
            if survey.questions[item].reverse:
                keyed[item] = 6 - keyed[item]
        person = keyed.mean(axis=1)
        expected = sum(member_share[c] * person[category == c].mean() for c in member_share.index)
        assert table.loc[code, "support"] == pytest.approx(expected, abs=1e-6)
        assert table.loc[code, "support_low"] < expected < table.loc[code, "support_high"]
    assert (table["coverage"] == "known").all() and table["weighted"].all()


def test_census_of_the_membership_has_no_sampling_error(survey_and_raw):
    # every member answered: the finite population correction is 0 and so is the interval's width
    survey = survey_and_raw[0]
    register = pd.DataFrame({"member_category": survey.responses["A3"].astype(str).to_list()})
    out = direction_evidence(survey, register=register, n_boot=50)
    assert (out["response_rate"] == 1).all()
    # by hand: sqrt(1 - n / N), n the members with a score of the direction, N = 150
    assert out["fpc"].to_numpy() == pytest.approx(np.sqrt(1 - out["n"].to_numpy() / 150))
    full = out[out["n"] == 150]
    assert len(full) >= 1 and (full["fpc"] == 0).all()
    assert full["support_low"].to_numpy() == pytest.approx(full["support"].to_numpy())
    assert full["support_high"].to_numpy() == pytest.approx(full["support"].to_numpy())


def test_register_category_without_respondents_is_named_not_fatal(survey_and_raw):
    survey = survey_and_raw[0]
    register = pd.DataFrame({"member_category": ["University"] * 80 + ["Public provider"] * 60
                             + ["Medtech"] * 50 + ["Other"] * 10 + ["Hospital network"] * 12})
    out = direction_evidence(survey, register=register, n_boot=50)
    assert any("'Hospital network' (12 members)" in note for note in out.attrs["notes"])
    assert out["weighted"].all() and (out["population"] == 212).all()


def test_orders_disagreeing_are_said_in_a_note():
    from survey_analysis.evidence import _order_note, _order_text

    order = ["SD1", "SD2", "SD3"]
    settled = {("SD1", "SD2"): True, ("SD2", "SD3"): False, ("SD1", "SD3"): True}
    borda = pd.Series({"SD1": 1, "SD3": 2, "SD2": 3})
    assert _order_text(order, settled) == "SD1 > SD2 ~ SD3"
    note = _order_note(order, settled, borda, borda)
    assert note == ("The orders disagree: support puts SD2 above SD3 (not settled), the ranking "
                    "question's Borda and Schulze order puts SD3 above SD2.")
    assert _order_note(order, settled, pd.Series({"SD1": 1, "SD2": 2, "SD3": 3}),
                       pd.Series({"SD1": 1, "SD2": 2, "SD3": 2})) == ""


def test_no_figure_depends_on_the_order_of_the_directions(survey_and_raw):
    from survey_analysis.headline import member_means, register_weighting

    survey = survey_and_raw[0]
    register = pd.DataFrame({"member_category": ["University"] * 80 + ["Public provider"] * 60
                             + ["Medtech"] * 50 + ["Other"] * 10})
    weighting = register_weighting(survey.responses, register, {"A3": "member_category"})
    values = survey.numeric(["B1", "B4", "B7"])
    bounds = dict.fromkeys(values.columns, (1.0, 5.0))
    forward = member_means(values, bounds=bounds, weighting=weighting, n_boot=200,
                           rng=np.random.default_rng(1))
    backward = member_means(values[["B7", "B4", "B1"]], bounds=bounds, weighting=weighting,
                            n_boot=200, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(forward, backward.loc[forward.index])


def test_paired_comparisons_of_a_survey_follow_the_headline_order(survey_and_raw):
    table = paired_comparisons(survey_and_raw[0])
    assert table.attrs["order"] == ["SD1", "SD3", "SD2", "SD5", "SD4"]
    assert (table["family"] == "step").sum() == 4 and (table["family_size"] > 0).all()
    evidence = direction_evidence(survey_and_raw[0], n_boot=50)
    steps = table[table["family"] == "step"].set_index("direction_a")
    for code, row in steps.iterrows():
        assert evidence.loc[code, "step_to_next"] == pytest.approx(row["difference"])
        assert evidence.loc[code, "step_settled"] == row["settled"]
