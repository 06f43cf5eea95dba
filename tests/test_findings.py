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


def test_the_headline_is_the_statistics_stage_s_weighted_support(findings):
    evidence = findings.evidence
    head = headline_support(evidence)
    assert head["weighted"].all()   # a register was given
    assert head["support"].tolist() == evidence["support"].tolist()
    assert head["low"].tolist() == evidence["support_low"].tolist()
    assert (head["low"] < head["support"]).all() and (head["support"] < head["high"]).all()
    plain = Findings.load(SAMPLE / "google_forms.xlsx", CODEBOOK)
    assert not headline_support(plain.evidence)["weighted"].any()


def test_steps_of_the_order_are_the_paired_comparisons_of_neighbours(findings):
    evidence = findings.evidence
    steps = order_steps(evidence)
    order = evidence.sort_values("position").index.tolist()
    assert steps["upper"].tolist() == order[:-1] and steps["lower"].tolist() == order[1:]
    paired = evidence.attrs["paired"]
    neighbours = paired[paired["family"] == "step"].set_index(["direction_a", "direction_b"])
    for step in steps.itertuples():
        pair = neighbours.loc[(step.upper, step.lower)]
        assert step.difference == pytest.approx(pair["difference"])
        assert step.settled == bool(pair["settled"]) == (pair["low"] > 0)
    # each member's own difference, recomputed here: the mean the step reports
    scores = findings.scores
    first = steps.iloc[0]
    d = (scores[first.upper] - scores[first.lower]).dropna()
    assert first.n == len(d)


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
