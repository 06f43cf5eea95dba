"""The codebook: reading, validation, text normalisation and header matching."""

from __future__ import annotations

import pytest

from survey_analysis import CodebookError, FileProblemError, normalise_text, read_codebook
from survey_analysis.codebook import fold_diacritics

from conftest import CODEBOOK


def test_bundled_codebook_describes_the_questionnaire():
    cb = read_codebook(CODEBOOK)
    assert list(cb.directions) == ["SD1", "SD2", "SD3", "SD4", "SD5"]
    items = cb.items_by_direction()
    # Three importance items and one agreement item per direction (QUESTIONNAIRE.md, sections B and C).
    assert items["SD1"] == ["B1", "B2", "B3", "C1"]
    assert all(len(v) == 4 for v in items.values())
    assert cb.reverse_items == {"C2", "C4"}
    assert [lv.ro for lv in cb.scales["importance5"]][1] == "Puțin important"
    assert cb.column_for_role("member_category") == "A3"
    assert {q.id for q in cb.questions.values() if q.identifying} == {"A1", "A2"}
    for d in cb.directions.values():
        assert d.keywords["en"] and d.keywords["ro"] and d.description["ro"]


def test_cedilla_and_comma_below_are_the_same_letter():
    assert normalise_text("Puţin important") == normalise_text("Puțin  IMPORTANT ")
    assert normalise_text("Acord\u00a0total") == "acord total"
    assert normalise_text("Question<br>text") == "question text"
    assert fold_diacritics("Extrem de ÎNSEMNAT ș ț ă") == "extrem de insemnat s t a"


def test_headers_match_by_id_text_grid_and_fuzzy_wording():
    cb = read_codebook(CODEBOOK)
    assert cb.match_header("B3") == ("B3", "id")
    assert cb.match_header("How important are these activities for your organisation? [Thematic webinars]")[0] == "B9"
    assert cb.match_header("Thematic  webinars")[0] == "B9"
    qid, how = cb.match_header("Which collaborative project ideas should the cluster pursue in 2020?")
    assert qid == "G1" and how.startswith("fuzzy")
    assert cb.match_header("Favourite colour") == (None, "")


def test_missing_codebook_file_names_the_file(tmp_path):
    with pytest.raises(FileProblemError) as err:
        read_codebook(tmp_path / "nope.yml")
    assert "nope.yml" in str(err.value) and "What to do" in str(err.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("questions: [\n  - id: [", "not valid YAML"),
        ("questions:\n  - id: X\n    type: colour\n", "unknown type"),
        ("questions:\n  - id: X\n    type: likert\n    scale: nope\n", "does not define"),
        ("questions:\n  - id: X\n  - id: X\n", "appears twice"),
        ("questions:\n  - id: X\n    type: single\n", "lists no options"),
        ("title: x\n", "no 'questions'"),
    ],
)
def test_malformed_codebooks_are_refused_with_a_reason(tmp_path, text, fragment):
    path = tmp_path / "cb.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        read_codebook(path)
    assert fragment in str(err.value)
    assert "cb.yml" in str(err.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("directions: [SD1, SD2]\nquestions:\n  - id: X\n", "'directions' must be a mapping"),
        ("directions: {SD1: {keywords: 7}}\nquestions:\n  - id: X\n", "'keywords' must map"),
        ("scales: [agree]\nquestions:\n  - id: X\n", "'scales' must be a mapping"),
        ("scales: {s: [{value: 1, en: A}, {value: 3, en: B}]}\nquestions:\n  - id: X\n", "numbered 1, 2"),
        ("scales: {s: [{value: 1, en: A}, {value: 2, en: a}]}\nquestions:\n  - id: X\n", "share the en label"),
        ("questions:\n  - id: X\n    type: numeric\n    min: zero\n", "'min' must be a number"),
        ("questions:\n  - id: X\n    type: single\n    options: [{en: A}, {id: b, en: A}]\n", "share the en label"),
        ("questions:\n  - id: X\n    type: text\n    reverse: maybe\n", "'reverse' must be true or false"),
    ],
)
def test_malformed_structures_are_refused_not_crashed(tmp_path, text, fragment):
    path = tmp_path / "cb.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        read_codebook(path)
    assert fragment in str(err.value)


def test_quoted_numbers_and_booleans_are_read_as_meant(tmp_path):
    path = tmp_path / "cb.yml"
    path.write_text('questions:\n  - id: X\n    type: numeric\n    min: "0"\n    max: "10"\n'
                    '  - id: Y\n    type: text\n    reverse: "false"\n', encoding="utf-8")
    cb = read_codebook(path)
    assert (cb.questions["X"].minimum, cb.questions["X"].maximum) == (0.0, 10.0)
    assert cb.reverse_items == set()


def test_aliases_added_after_a_first_match_are_used():
    cb = read_codebook(CODEBOOK)
    assert cb.match_header("Your organisation type")[0] is None
    cb.questions["A3"].aliases.append("Your organisation type")
    assert cb.match_header("Your organisation type")[0] == "A3"


@pytest.mark.parametrize("header, qid", [
    ("b01", "B1"), ("B_1", "B1"), ("importance/b01", "B1"), ("activities/B12", "B12"), ("c05", "C5"), ("G-2", "G2"),
])
def test_ids_match_with_zero_padding_or_under_a_group_path(header, qid):
    assert read_codebook(CODEBOOK).match_header(header) == (qid, "id")


def test_ids_do_not_match_inside_words():
    cb = read_codebook(CODEBOOK)
    assert cb.match_header("imp_01")[0] is None and cb.match_header("Q1")[0] is None


def test_similar_wording_is_no_match_when_two_questions_are_about_as_similar():
    cb = read_codebook(CODEBOOK)
    grid = "How important are these activities for your organisation?"
    # The row text is garbled: the long shared grid title makes every row look about as similar.
    assert cb.match_header(f"{grid} [Atractng]")[0] is None
    assert cb.match_header(f"{grid} [Thematic webinar]")[0] == "B9"


def test_one_matcher_serves_many_headers_until_the_codebook_changes():
    cb = read_codebook(CODEBOOK)
    first = cb.matcher()
    assert cb.matcher() is first
    cb.questions["A3"].aliases.append("Type of member")
    assert cb.matcher() is not first and cb.matcher().match("Type of member") == ("A3", "text")


def test_questions_found_by_role():
    cb = read_codebook(CODEBOOK)
    assert cb.question_with_role("project_ideas").id == "G1"
    assert cb.question_with_role("other_proposals").id == "G2"
    assert cb.question_with_role("eu_priorities").id == "E"
    assert cb.question_with_role("participation").id == "F"
    with pytest.raises(CodebookError, match="unknown question role"):
        cb.question_with_role("ideas")


def test_unknown_or_repeated_role_is_a_codebook_error():
    base = {"questions": [{"id": "G1", "type": "text", "role": "project_idea"}]}
    with pytest.raises(CodebookError, match="unknown role 'project_idea'"):
        read_codebook(base)
    twice = {"questions": [{"id": "G1", "type": "text", "role": "project_ideas"},
                           {"id": "G2", "type": "text", "role": "project_ideas"}]}
    with pytest.raises(CodebookError, match="both have the role"):
        read_codebook(twice)
    assert read_codebook({"questions": [{"id": "G1", "type": "text"}]}).question_with_role("project_ideas") is None
