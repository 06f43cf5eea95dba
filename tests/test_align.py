"""``survey-analysis codebook align``: what it writes, keeps, refuses and reports."""

from __future__ import annotations

import re

import pytest
import yaml

import survey_analysis as sa
from survey_analysis.cli import main
from survey_analysis.survey.align import align_codebook
from survey_analysis.survey.alignfile import aligned_codebook_text

from conftest import CODEBOOK, SAMPLE
from wordings import WORDINGS, build_export, plant_answers, read_wording


@pytest.fixture(scope="module")
def planted():
    return plant_answers(60, seed=7)


@pytest.fixture(scope="module")
def kobo_export(planted, tmp_path_factory):
    return build_export(WORDINGS / "author_a" / "kobo_en.yml", planted, tmp_path_factory.mktemp("kobo"))


def test_the_aligned_codebook_keeps_the_original_and_its_comments(kobo_export, tmp_path):
    out = tmp_path / "aligned.yml"
    assert main(["codebook", "align", str(kobo_export), "--codebook", str(CODEBOOK), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    original = CODEBOOK.read_text(encoding="utf-8")
    for comment in re.findall(r"^\s*(#.*)$", original, re.M):
        assert comment in text
    before, after = sa.read_codebook(CODEBOOK), sa.read_codebook(out)
    assert list(after.questions) == list(before.questions)
    assert after.items_by_direction() == before.items_by_direction()
    assert after.reverse_items == before.reverse_items
    assert {q: after.questions[q].text for q in after.questions} == {q: before.questions[q].text for q in before.questions}
    # The export's headers and answers are now aliases, each commented with where it came from and how sure.
    assert "activities_importance/imp_07" in after.questions["B7"].aliases
    assert "little_important" in after.scales["importance5"][1].aliases
    assert "medtech_company" in next(o for o in after.questions["A3"].options if o.id == "medtech").aliases
    alias_lines = [line for line in text.splitlines() if "activities_importance/imp_" in line]
    assert len(alias_lines) == 15
    assert all(re.search(r"#\s*kobo_en\.xlsx: .+ \(\d\.\d\d\)$", line) for line in alias_lines)


def test_align_is_deterministic(kobo_export):
    first = aligned_codebook_text(align_codebook(kobo_export, CODEBOOK), CODEBOOK)
    second = aligned_codebook_text(align_codebook(kobo_export, CODEBOOK), CODEBOOK)
    assert first == second


def test_align_never_overwrites_without_force(kobo_export, tmp_path, capsys):
    out = tmp_path / "aligned.yml"
    out.write_text("keep me\n", encoding="utf-8")
    assert main(["codebook", "align", str(kobo_export), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert main(["codebook", "align", str(kobo_export), "-o", str(out), "--force"]) == 0
    assert sa.read_codebook(out).questions["B1"].aliases


def test_labels_any_yaml_reader_would_misread_are_quoted(tmp_path, planted):
    # LimeSurvey's yes/no codes Y and N, codes such as A1: written so that PyYAML reads strings back.
    export = build_export(WORDINGS / "author_a" / "limesurvey_codes.yml", planted, tmp_path)
    out = tmp_path / "aligned.yml"
    assert main(["codebook", "align", str(export), "-o", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    for q in data["questions"]:
        for alias in q.get("aliases", []):
            assert isinstance(alias, str)
        for option in q.get("options", []):
            assert all(isinstance(a, str) for a in option.get("aliases", []))
    assert sa.read_codebook(out).questions["A3"].aliases == ["P3"]


def test_unplaced_columns_become_draft_questions_and_unfit_answers_are_listed(planted, tmp_path, capsys):
    wording = read_wording(WORDINGS / "author_a" / "surveymonkey_en.yml")
    export = build_export(wording, planted, tmp_path)
    # A column new to this export, and an answer no level stands for.
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[0] += ",Would you recommend the cluster to a colleague?"
    lines[1] += ",Response"
    for i in range(2, len(lines)):
        lines[i] += ",Yes" if i % 3 else ",No"
    lines[2] = lines[2].replace("Very important", "It depends", 1)
    lines[3] = lines[3].replace("Very important", "It depends", 1)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "aligned.yml"
    assert main(["codebook", "align", str(export), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Would you recommend the cluster to a colleague?" in printed
    assert "'It depends'" in printed
    cb = sa.read_codebook(out)
    new = [q for q in cb.questions.values() if q.text["en"] == "Would you recommend the cluster to a colleague?"]
    assert len(new) == 1 and new[0].direction is None and new[0].type == "single"
    assert "New in surveymonkey_en.csv" in out.read_text(encoding="utf-8")
    survey = sa.load_responses(export, out)
    uncoded = {v for info in survey.fit.uncoded.values() for v in info["examples"]}
    assert "It depends" in uncoded


def test_the_bundled_sample_needs_no_alias(tmp_path, capsys):
    out = tmp_path / "aligned.yml"
    assert main(["codebook", "align", str(SAMPLE / "google_forms.xlsx"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "32 of 32 questions matched, 0 answers uncoded." in printed
    before, after = sa.read_codebook(CODEBOOK), sa.read_codebook(out)
    assert {q: after.questions[q].aliases for q in after.questions} == \
        {q: before.questions[q].aliases for q in before.questions}


def test_an_unreadable_or_missing_export_is_a_clear_error(tmp_path, capsys):
    assert main(["codebook", "align", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "x.yml")]) == 2
    assert "nope.xlsx" in capsys.readouterr().err
    assert not (tmp_path / "x.yml").exists()
