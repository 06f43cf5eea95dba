"""The findings behind the reports, checked against computations made here with numpy, scipy and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import survey_analysis as sa
from survey_analysis.disclosure import DEFAULT_THRESHOLD
from survey_analysis.report import findings as findings_module
from survey_analysis.report.findings import Findings
from survey_analysis.report.statistics import headline_support, order_steps

from conftest import CODEBOOK, SAMPLE


@pytest.fixture(scope="module")
def findings():
    return Findings.load(SAMPLE / "google_forms.xlsx", CODEBOOK, register_path=SAMPLE / "members.csv")


def test_the_default_threshold_is_the_disclosure_stage_s():
    assert findings_module.DEFAULT_THRESHOLD == DEFAULT_THRESHOLD


def test_weighted_headline_and_its_interval_match_a_hand_computation(findings):
    survey, register = findings.survey, findings.register
    by = {"A3": "member_category", "A4": "size"}
    weights = sa.rake_weights(survey.responses[list(by)].astype(object).astype("string"),
                              margins={c: sa.register_margins(register, columns=list(by.values()))[r]
                                       for c, r in by.items()})["weight"].to_numpy()
    items = survey.items_by_direction()["SD1"]
    values = survey.numeric(items)
    score = values.mean(axis=1).to_numpy()
    mean = (score * weights).sum() / weights.sum()
    n = score.size
    se = np.sqrt((weights ** 2 * (score - mean) ** 2).sum() / weights.sum() ** 2 * n / (n - 1))
    head = headline_support(findings.evidence, survey, register)
    assert bool(head.loc["SD1", "weighted"])
    assert head.loc["SD1", "support"] == pytest.approx(mean, rel=1e-12)
    assert head.loc["SD1", "low"] == pytest.approx(mean - stats.norm.ppf(0.975) * se, rel=1e-12)
    assert head.loc["SD1", "high"] == pytest.approx(mean + stats.norm.ppf(0.975) * se, rel=1e-12)


def test_without_a_register_the_headline_is_the_plain_support_of_the_evidence_table(findings):
    head = headline_support(findings.evidence, findings.survey, None)
    assert not head["weighted"].any()
    assert head["support"].tolist() == findings.evidence["support"].tolist()


def test_steps_of_the_order_are_paired_differences_with_a_corrected_interval(findings):
    survey = findings.survey
    head = headline_support(findings.evidence, survey, None)
    steps = order_steps(head, survey, None)
    assert steps["upper"].tolist() == ["SD1", "SD3", "SD2", "SD5"]
    assert steps["lower"].tolist() == ["SD3", "SD2", "SD5", "SD4"]
    scores = sa.respondent_scores(survey.numeric(), directions=survey.items_by_direction(),
                                  reverse=sorted(survey.codebook.reverse_items))
    d = (scores["SD3"] - scores["SD2"]).dropna().to_numpy()
    # Bonferroni over the four steps: each interval at 1 - 0.05 / 4
    half = stats.norm.ppf(1 - 0.05 / 8) * d.std(ddof=1) / np.sqrt(d.size)
    row = steps.iloc[1]
    assert row["difference"] == pytest.approx(d.mean()) and row["low"] == pytest.approx(d.mean() - half)
    assert bool(row["settled"]) == (d.mean() - half > 0)


def test_eu_priorities_shares_intervals_and_hidden_cells(findings):
    choice = findings.eu_priorities
    ticked = findings.survey.multi("E").fillna(False).astype(bool)
    ticked = ticked[ticked.any(axis=1)]
    shares = choice.shares.set_index("option")
    assert choice.n == len(ticked)
    assert shares.loc["ehealth", "count"] == ticked["ehealth"].sum()
    # Wilson interval, by the formula
    p, n, z = ticked["ehealth"].mean(), len(ticked), stats.norm.ppf(0.975)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert shares.loc["ehealth", "low"] == pytest.approx(centre - half)
    table = choice.by_category
    counts = ticked.groupby(findings.survey.responses.loc[ticked.index, "A3"].astype("string")).sum()
    shown = table.notna()
    # every shown cell is a count of at least the threshold, over its category's respondents
    for category in table.index:
        for option in table.columns:
            if shown.loc[category, option]:
                assert counts.loc[category, option] >= DEFAULT_THRESHOLD
    assert list(table.index) == [o.en for o in findings.codebook.questions["A3"].options]


def test_identical_answers_are_mapped_once_with_the_result_of_mapping_them_all(findings):
    proposals = findings.proposals
    reference = sa.TextMapper(findings.codebook, random_state=0).fit(proposals.texts).mapped_
    pd.testing.assert_series_equal(proposals.mapped["direction"], reference["direction"])
    assert proposals.distinct["count"].sum() == len(proposals.texts)
    assert proposals.distinct["proposal"].is_unique
    assert proposals.method == "training"


def test_questions_are_found_by_role(findings, tmp_path):
    import yaml

    book = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    for question in book["questions"]:   # renumber every question: roles still find them
        question["id"] = "Q" + question["id"]
    renamed = tmp_path / "renumbered.yml"
    renamed.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    other = Findings.load(SAMPLE / "google_forms.xlsx", renamed, register_path=SAMPLE / "members.csv")
    assert other.role_column("member_category") == "QA3"
    assert other.eu_priorities.shares["count"].tolist() == findings.eu_priorities.shares["count"].tolist()
    assert other.proposal_questions() == ["QG1", "QG2"]


def test_findings_are_saved_once_and_reused_only_for_the_same_inputs(findings, tmp_path):
    findings.evidence  # noqa: B018 - computed before saving
    saved = findings.save(tmp_path / "findings.pickle")
    again = Findings.load(SAMPLE / "google_forms.xlsx", CODEBOOK, register_path=SAMPLE / "members.csv", reuse=saved)
    assert "evidence" in again.__dict__
    other = Findings.load(SAMPLE / "google_forms.xlsx", CODEBOOK, reuse=saved)   # no register: not the same
    assert "evidence" not in other.__dict__ and other.register is None


def test_parts_computed_in_a_second_process_are_the_same(tmp_path):
    one = Findings.load(SAMPLE / "google_forms.xlsx", CODEBOOK).compute_all(processes=1)
    two = Findings.load(SAMPLE / "google_forms.xlsx", CODEBOOK).compute_all(processes=2)
    pd.testing.assert_frame_equal(one.proposals.mapped, two.proposals.mapped)
    pd.testing.assert_frame_equal(one.segments.table, two.segments.table)


def test_the_portfolio_reuses_the_trained_mapper_with_the_same_result(findings):
    mine = findings.portfolio("ro")
    reference = sa.project_portfolio(findings.survey, language="ro", threshold=findings.threshold)
    columns = ["label", "n", "n_willing", "directions", "eu_priorities", "order_note"]
    pd.testing.assert_frame_equal(mine[columns], reference[columns])
    assert findings.portfolio("ro") is mine   # computed once per language
