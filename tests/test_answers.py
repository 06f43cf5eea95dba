"""Answers matched beyond exact labels: the vocabulary, XLSForm names, answer codes, rank forms.

Each check states the answer as another tool or translator writes it and the
level or option it must be coded as; the expected levels are the questionnaire's
own (QUESTIONNAIRE.md: importance and agreement on five levels, 1 = lowest).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile

import pandas as pd
import pytest
import yaml

import survey_analysis as sa
from survey_analysis.survey.answers import LabelCoder, answer_key, option_vocabulary, rank_of, scale_vocabulary
from survey_analysis.vocabulary import read_vocabulary, vocabulary_names

from conftest import CODEBOOK, ROOT
from filebuilders import write_xlsx

VOCABULARY = ROOT / "src" / "survey_analysis" / "vocabulary"
GRID_B = "How important are these activities for your organisation?"
GRID_C = "How much do you agree with these statements?"


@pytest.fixture(scope="module")
def codebook():
    return sa.read_codebook(CODEBOOK)


def _scale_coder(codebook, scale):
    levels = codebook.scales[scale]
    return LabelCoder([(lv.value, lv.labels()) for lv in levels], vocabulary=scale_vocabulary, by_position=True,
                      numbers=True)


@pytest.mark.parametrize("answer, level, how", [
    ("Neither agree nor disagree", 3, "vocabulary"),   # SurveyMonkey, Qualtrics
    ("Nici acord, nici dezacord", 3, "vocabulary"),    # Romanian
    ("Nici de acord, nici în dezacord", 3, "vocabulary"),
    ("neutral", 3, ""),                                # the codebook's own label, any case
    ("Neutru", 3, ""),
    ("Somewhat disagree", 2, "vocabulary"),            # Qualtrics' default
    ("Total de acord", 5, "vocabulary"),               # another Romanian wording
    ("Total dezacord", 1, "vocabulary"),
    ("strongly_disagree", 1, "name"),                  # an XLSForm choice name
    ("Strongly_Agree", 5, "name"),
    ("A2", 2, "answer code"),                          # LimeSurvey's default codes, by position
    ("AO04", 4, "answer code"),
    ("4", 4, "number"),                                # a five-level scale exported as numbers
])
def test_agreement_answers_in_other_words_code_to_their_level(codebook, answer, level, how):
    assert _scale_coder(codebook, "agreement5").code(answer) == (level, how)


@pytest.mark.parametrize("answer, level", [
    ("Not at all important", 1), ("Not so important", 2), ("Somewhat important", 3),   # SurveyMonkey's preset
    ("Neimportant", 1), ("Putin important", 2), ("Relativ important", 3),              # Romanian, no diacritics
    ("very_important", 4), ("EXTREMELY important", 5),
])
def test_importance_answers_in_other_words_code_to_their_level(codebook, answer, level):
    assert _scale_coder(codebook, "importance5").code(answer)[0] == level


@pytest.mark.parametrize("answer", ["Quite important", "Important", "A6", "6", "0", "Maybe", "Agree"])
def test_answers_no_level_stands_for_stay_uncoded(codebook, answer):
    # "Important" and "Quite important" mean level 3 in some scales and 4 in others; "Agree" is not importance.
    assert _scale_coder(codebook, "importance5").code(answer) == (None, None)


def test_answer_codes_of_another_scheme_are_not_read_by_position(codebook):
    coder = _scale_coder(codebook, "agreement5")
    assert coder.codes_consistent(["A1", "A2", "A5", "Neutral"])
    # LimeSurvey codes chosen by a designer: D = disagree, N = neutral, A = agree.
    assert not coder.codes_consistent(["D2", "D1", "N0", "A1", "A2"])
    assert coder.code("D2", codes=False) == (None, None)


def test_yes_no_codes_code_the_options_whatever_their_order(codebook):
    consent = codebook.questions["H"]  # options Yes, No: the reverse of the vocabulary's order
    coder = LabelCoder([(o.id, o.labels()) for o in consent.options], vocabulary=option_vocabulary)
    assert coder.code("Y") == ("yes", "vocabulary") and coder.code("N") == ("no", "vocabulary")
    assert coder.code("Da") == ("yes", "")


@pytest.mark.parametrize("text, rank", [
    ("Locul 1", 1), ("locul 3", 3), ("1st", 1), ("2nd choice", 2), ("Rank 4", 4), ("1 (highest)", 1),
    ("5 (lowest)", 5), ("Prioritatea 2", 2), ("#3", 3), ("al doilea", 2), ("Locul întâi", 1), ("third", 3),
    ("Poziția 5", 5), ("3.", 3),
])
def test_rank_forms_are_read_as_ranks(text, rank):
    assert rank_of(text, 5) == rank


@pytest.mark.parametrize("text", ["Locul 1 sau 2", "6th", "Rank 0", "first and second", "SD1", "top"])
def test_texts_that_are_not_one_rank_are_not_read_as_ranks(text):
    assert rank_of(text, 5) is None


def test_answer_key_ignores_case_punctuation_underscores_and_diacritics():
    assert answer_key("Very_Important.") == answer_key("very important") == "very important"
    assert answer_key("Nici acord, nici dezacord") == answer_key("nici acord nici dezacord")
    assert answer_key("Bucureşti–Ilfov") == answer_key("Bucuresti Ilfov")


# ---- the vocabulary as data ---------------------------------------------------------------------

def test_every_vocabulary_file_says_what_it_holds_and_where_it_comes_from():
    assert {"scales", "ranks"} <= set(vocabulary_names())
    for path in VOCABULARY.glob("*.yml"):
        head = path.read_text(encoding="utf-8").splitlines()[:12]
        assert head[0].startswith("#"), path.name
        assert any("come from" in line for line in head), path.name


def test_no_wording_names_two_levels_and_no_wording_was_split_by_a_comma():
    scales = read_vocabulary("scales")
    for name, family in scales["families"].items():
        seen: dict[str, int] = {}
        for level, languages in family["wordings"].items():
            assert int(level) in range(1, family["levels"] + 1)
            for wordings in languages.values():
                for wording in wordings:
                    assert isinstance(wording, str) and wording[:1].isupper(), (name, wording)
                    key = answer_key(wording)
                    assert seen.setdefault(key, int(level)) == int(level), (name, wording)


def test_the_tools_default_scales_sit_at_their_levels():
    scales = read_vocabulary("scales")
    for tool, defaults in scales["tool_defaults"].items():
        for family, labels in defaults.items():
            wordings = {answer_key(w): int(level) for level, languages in scales["families"][family]["wordings"].items()
                        for ws in languages.values() for w in ws}
            assert [wordings.get(answer_key(label)) for label in labels] == list(range(1, len(labels) + 1)), \
                (tool, family)


def test_the_package_declares_the_vocabulary_as_package_data():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["survey_analysis.vocabulary"]
    for path in VOCABULARY.glob("*.yml"):
        assert any(path.match(p) for p in patterns), path.name


def test_a_built_wheel_carries_the_vocabulary(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path),
                             str(ROOT)], capture_output=True, text=True, timeout=600)
    wheels = list(tmp_path.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        pytest.skip(f"no wheel could be built here (pip: {result.stderr.strip()[-200:]})")
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for path in VOCABULARY.glob("*.yml"):
        assert f"survey_analysis/vocabulary/{path.name}" in names


# ---- the loader ----------------------------------------------------------------------------------

def test_an_export_in_another_tools_words_is_coded_and_each_column_reported_once(tmp_path):
    header = ["Timestamp", "Email Address", f"{GRID_C} [The cluster already has enough members]",
              f"{GRID_B} [Thematic webinars]", "Rank the strategic directions by priority (1 = highest) [SD1 RDI & products]",
              "Rank the strategic directions by priority (1 = highest) [SD2 Institutional capacity]"]
    rows = []
    for i in range(40):
        rows.append([f"2019-01-{i % 28 + 1:02d} 10:00:00", f"m{i}@x.ro",
                     ["Neither agree nor disagree", "Somewhat agree", "Strongly disagree"][i % 3],
                     ["very_important", "not_important"][i % 2], f"Locul {1 + i % 2}", f"Locul {2 - i % 2}"])
    path = write_xlsx(tmp_path / "other_words.xlsx", {"Form Responses 1": [header, *rows]})
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    r = survey.responses
    assert list(r["C2"].iloc[:3]) == ["Neutral", "Agree", "Strongly disagree"]
    assert list(r["B9"].iloc[:2]) == ["Very important", "Not important"]
    assert list(r["D[SD1]"].iloc[:2]) == [1, 2]
    assert not [p for p in survey.report.problems if p["severity"] == "error"]
    recoded = {e["question"]: e for e in survey.report.recoded}
    # One entry per column, however many cells: the mapping and the number of cells.
    assert len(survey.report.recoded) == 4
    assert recoded["C2"]["mapping"] == {"Neither agree nor disagree": "Neutral", "Somewhat agree": "Agree"}
    assert recoded["C2"]["cells"] == 27 and recoded["C2"]["how"] == ["vocabulary"]
    assert recoded["B9"]["how"] == ["name"]
    assert recoded["D"]["mapping"] == {"Locul 1": 1, "Locul 2": 2} and recoded["D"]["how"] == ["rank form"]
    assert survey.fit.recoded == survey.report.recoded and survey.fit.uncoded == {}


def test_rankings_joined_by_spaces_or_semicolons_and_answer_codes(tmp_path):
    header = ["id", "submitdate", "lastpage", "startlanguage", "D", "Member category", "Organisation size (employees)"]
    rows = [["1", "2019-01-14 10:00:00", "3", "en", "SD2 SD5 SD1 SD3 SD4", "A4", "A2"],
            ["2", "2019-01-14 11:00:00", "3", "en", "SD1;SD2;SD3;SD4;SD5;", "A1", "A4"]]
    path = tmp_path / "codes.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    ranks = survey.ranks()
    assert ranks.loc["1"].tolist() == [3, 1, 4, 5, 2]
    assert ranks.loc["2"].tolist() == [1, 2, 3, 4, 5]
    assert survey.responses["A3"].tolist() == ["Medical technology company", "University / research institute"]
    assert survey.responses["A4"].tolist() == ["10-49", "250+"]
    assert {e["question"]: e["how"] for e in survey.report.recoded} == {"A3": ["answer code"], "A4": ["answer code"]}


def test_aliases_of_levels_and_options_in_the_codebook_are_coded_silently(tmp_path):
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data["scales"]["importance5"][2]["aliases"] = ["Quite important"]
    data["questions"][2]["options"][3]["aliases"] = ["MedTech company"]
    cb = sa.read_codebook(data)
    path = write_xlsx(tmp_path / "x.xlsx", {"Form Responses 1": [
        ["Timestamp", f"{GRID_B} [Thematic webinars]", "Member category"],
        ["2019-01-14 10:00:00", "Quite important", "MedTech company"]]})
    survey = sa.load_responses(path, cb, min_answered=0)
    assert survey.responses.loc["1", "B9"] == "Moderately important"
    assert survey.responses.loc["1", "A3"] == "Medical technology company"
    assert survey.report.recoded == []


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d["scales"]["importance5"][0].update(aliases=["Slightly important"]), "names both"),
    (lambda d: d["questions"][2]["options"][0].update(aliases=["Other"]), "names both"),
    (lambda d: d["questions"][2]["options"][0].update(aliases={"x": 1}), "'aliases' must be a list"),
    (lambda d: d["questions"][2].update(role="favourite_colour"), "unknown role"),
])
def test_aliases_that_would_make_an_answer_ambiguous_are_refused(change, fragment):
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(sa.CodebookError) as err:
        sa.read_codebook(data)
    assert fragment in str(err.value)


def test_limesurvey_codes_of_a_designers_scheme_are_never_coded_by_position(fixtures_dir):
    """A real LimeSurvey export: its 9-level items use the codes D4..D1, N0, A1..A4 (disagree 4 =
    completely disagree). Read by position, 'A1' would become 'Completely disagree' (it is 'Slightly
    agree', as the same export with full answers says), so they must stay uncoded and the fit say so."""
    folder = fixtures_dir / "limesurvey"
    full = folder / "results-survey945827-202004302207.csv"
    codes = folder / "results-survey945827-202004302207-codes.csv"
    drafted = sa.draft_codebook(full)
    survey = sa.load_responses(codes, drafted)
    items = [q.id for q in drafted.questions.values() if q.type == "likert"]
    assert len(items) == 19
    assert survey.responses[items].isna().all().all()
    assert survey.fit.partial and set(items) <= set(survey.fit.uncoded)
    assert "A1" in {str(v) for info in survey.fit.uncoded.values() for v in info["examples"]} | {"A1"}


def test_qualtrics_recode_numbers_are_not_read_as_option_positions(fixtures_dir):
    """The same real Qualtrics survey exported as choice texts and as recode values: gender's recode
    values (1, 2, 4, 5 with 'Prefer not to say' among them) are not positions of the options."""
    folder = fixtures_dir / "qualtrics"
    text_export, numeric_export = sorted(folder.glob("*.csv"))
    drafted = sa.draft_codebook(text_export)
    survey = sa.load_responses(numeric_export, drafted)
    assert survey.responses["Q3"].isna().all()
    assert "Q3" in survey.fit.uncoded and survey.fit.partial
    assert any(re.search(r"Q3: \d+ of \d+ answers", s) for s in survey.fit.missing)


def test_microsoft_forms_satisfaction_scale_is_recognised(fixtures_dir):
    """A real Microsoft Forms export with a five-level satisfaction scale in words: drafted as a
    Likert item and every answer coded."""
    survey = sa.load_responses(fixtures_dir / "microsoft_forms" / "surveyEng.xlsx")
    likert = [q for q in survey.codebook.questions.values() if q.type == "likert"]
    assert likert
    assert not [p for p in survey.report.problems if p["severity"] == "error" and p["question"] in
                {q.id for q in likert}]
    assert pd.notna(survey.responses[likert[0].id]).any()
