"""The loader: both sample flavours, row accounting, answer coding, tools' layouts, real exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

import survey_analysis as sa
from survey_analysis.cli import main as cli_main
from survey_analysis.sample import make_sample

from conftest import CODEBOOK, SAMPLE
from filebuilders import write_xlsx

CB = sa.read_codebook(CODEBOOK)
GRID_B = CB.questions["B1"].grid["en"]


@pytest.fixture(scope="module")
def both():
    google = sa.load_responses(SAMPLE / "google_forms.xlsx", CODEBOOK)
    microsoft = sa.load_responses(SAMPLE / "microsoft_forms.xlsx", CODEBOOK)
    return google, microsoft


def test_both_sample_flavours_load_to_identical_tidy_data(both):
    google, microsoft = both
    assert google.source == "google_forms" and microsoft.source == "microsoft_forms"
    pd.testing.assert_frame_equal(google.responses, microsoft.responses)
    assert google.n == 150


def test_every_row_is_kept_or_dropped_with_its_reason(both):
    google, _ = both
    report = google.report
    truth = pd.read_csv(SAMPLE / "truth.csv", dtype=str)
    assert report.rows_read == len(truth) + 3  # three blank rows after the data
    assert report.rows_read == report.respondents + len(report.dropped)
    reasons = pd.Series([d["reason"] for d in report.dropped]).value_counts().to_dict()
    assert reasons == {"blank row": 3, "duplicate submission": 1, "incomplete": 1}
    by_reason = {d["reason"]: d for d in report.dropped}
    duplicate = truth.loc[truth["status"] == "duplicate", "respondent_id"].item()
    incomplete = truth.loc[truth["status"] == "incomplete", "respondent_id"].item()
    # Spreadsheet row = data position + 1 header row.
    assert by_reason["duplicate submission"]["row"] == int(duplicate) + 1
    assert by_reason["incomplete"]["row"] == int(incomplete) + 1
    kept = set(truth.loc[truth["status"] == "kept", "respondent_id"])
    assert set(google.responses.index) == kept


def test_dtypes_follow_the_question_types(both):
    responses = both[0].responses
    assert isinstance(responses["B1"].dtype, pd.CategoricalDtype) and responses["B1"].cat.ordered
    assert list(responses["B1"].cat.categories) == [lv.en for lv in CB.scales["importance5"]]
    assert responses["A4"].cat.ordered and not responses["A3"].cat.ordered
    assert str(responses["D[SD1]"].dtype) == "Int64"
    assert str(responses["E[ehealth]"].dtype) == "boolean"
    assert str(responses["A6"].dtype) == "Float64"
    assert str(responses["G1"].dtype).startswith("string")


def test_identifying_answers_are_held_apart(both):
    google, microsoft = both
    sample = make_sample()
    emails = {a["A2"] for a in sample.answers}
    for survey in (google, microsoft):
        assert "A1" not in survey.responses and "A2" not in survey.responses
        flat = survey.responses.astype(str).to_numpy().ravel().tolist()
        assert not emails & set(flat)
        assert set(survey.identifiers["A2"]) <= emails
    assert "Name" in microsoft.identifiers


def test_romanian_cedilla_and_sloppy_labels_are_coded_like_the_english_ones(both):
    """Hand check against the generator: every kept answer's scale value survives the loading."""
    google, _ = both
    sample = make_sample()
    value = {}
    for levels in CB.scales.values():
        for lv in levels:
            for label in (lv.en, lv.ro, lv.ro.replace("ț", "ţ").replace("ș", "ş")):
                value[label.casefold()] = lv.en
    numeric = google.numeric()
    kept = [a for a, t in zip(sample.answers, sample.truth) if t["status"] == "kept"]
    assert any("ţ" in str(a.get("B3", "")) or "ş" in str(a.get("B3", "")) for a in kept)
    for rid, answer in zip(google.responses.index, kept):
        for item in ("B3", "B8", "C4"):
            assert google.responses.loc[rid, item] == value[answer[item].strip().casefold()]
    assert numeric.notna().all().all()
    assert google.report.problems == []


def test_multi_select_splits_against_options_that_contain_the_delimiter(both):
    google, _ = both
    sample = make_sample()
    kept = [a for a, t in zip(sample.answers, sample.truth) if t["status"] == "kept"]
    expected = [("international" in a["F"]) for a in kept]
    assert google.responses["F[international]"].tolist() == expected
    assert sum(expected) > 10
    assert "F[other]" not in google.responses


def test_rankings_from_a_grid_and_from_a_joined_list_agree(both):
    google, microsoft = both
    ranks = google.ranks()
    assert list(ranks.columns) == ["SD1", "SD2", "SD3", "SD4", "SD5"]
    assert (ranks.apply(sorted, axis=1, result_type="expand").to_numpy() == [1, 2, 3, 4, 5]).all()
    pd.testing.assert_frame_equal(ranks, microsoft.ranks())


def _small_export(tmp_path: Path, rows: list[list], name="export.xlsx") -> Path:
    header = ["Timestamp", "Email Address", f"{GRID_B} [Collaborative RDI projects on common topics]",
              f"{GRID_B} [Thematic webinars]", "Member category", "Organisation name",
              "Rank the strategic directions by priority (1 = highest) [SD1 RDI & products]",
              "Rank the strategic directions by priority (1 = highest) [SD2 Institutional capacity]"]
    return write_xlsx(tmp_path / name, {"Form Responses 1": [header, *rows]})


def test_odd_answers_are_coded_or_reported_never_lost(tmp_path):
    path = _small_export(tmp_path, [
        ["2019-01-14 10:00:00", "a@x.ro", "Foarte important", "  extremely IMPORTANT ", "Altele", "00123", "1", "2"],
        ["2019-01-14 11:00:00", "b@x.ro", 4, "N/A", "University / research institute", "B", "1", "1"],
        ["2019-01-14 12:00:00", "c@x.ro", "Quite important", "-", "Spaceship", "C", "3", None],
    ])
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    r = survey.responses
    assert r.loc["1", "B1"] == "Very important" and r.loc["1", "B9"] == "Extremely important"
    assert r.loc["1", "A3"] == "Other"
    assert r.loc["2", "B1"] == "Very important"  # a number where a label was expected
    assert pd.isna(r.loc["2", "B9"]) and pd.isna(r.loc["3", "B9"])  # NA placeholders
    assert survey.identifiers.loc["1", "A1"] == "00123"  # leading zeros kept
    problems = survey.report.problems_frame()
    errors = problems[problems["severity"] == "error"]
    assert set(zip(errors["row"], errors["value"])) == {(4, "Quite important"), (4, "Spaceship")}
    assert set(errors["column"]) == {f"{GRID_B} [Collaborative RDI projects on common topics]", "Member category"}
    warnings = problems[problems["severity"] == "warning"]
    # The number coded as a scale value is reported once for its column, with the mapping used.
    recoded = [r for r in survey.report.recoded if r["question"] == "B1"]
    assert len(recoded) == 1 and recoded[0]["mapping"] == {"4": "Very important"}
    assert recoded[0]["how"] == ["number"] and recoded[0]["cells"] == 1
    # Ties (row 3) and a partial ranking (row 4) are kept as given and reported.
    kinds = set(zip(warnings["row"], warnings["kind"]))
    assert (3, "ranking_not_permutation") in kinds and (4, "ranking_not_permutation") in kinds
    assert r.loc["2", "D[SD1]"] == 1 and r.loc["2", "D[SD2]"] == 1
    assert survey.report.rows_read == 3 == survey.n


def test_qualtrics_preview_and_test_responses_are_set_aside(tmp_path):
    path = tmp_path / "qualtrics.csv"
    rows = [
        ["StartDate", "EndDate", "Status", "Progress", "Finished", "ResponseId", "Q1"],
        ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Response ID", "Member category"],
        ['{"ImportId":"startDate"}', '{"ImportId":"endDate"}', '{"ImportId":"status"}', '{"ImportId":"progress"}',
         '{"ImportId":"finished"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'],
        ["2024-02-23", "2024-02-23", "IP Address", "100", "True", "R_1", "Other"],
        ["2024-02-23", "2024-02-23", "Survey Preview", "100", "True", "R_2", "Other"],
        ["2024-02-23", "2024-02-23", "Survey Test", "100", "True", "R_3", "Other"],
        ["2024-02-23", "2024-02-23", "IP Address", "40", "False", "R_4", "Other"],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    survey = sa.load_responses(path)
    assert survey.source == "qualtrics" and survey.report.header_rows == 3
    assert list(survey.responses.index) == ["R_1"]
    reasons = {d["respondent_id"]: d["reason"] for d in survey.report.dropped}
    assert reasons == {"R_2": "preview/test response", "R_3": "preview/test response", "R_4": "incomplete"}


def test_surveymonkey_two_header_rows_with_blank_continuations(tmp_path):
    path = tmp_path / "monkey.csv"
    rows = [
        ["Respondent ID", "Collector ID", "IP Address", "In which activities will your organisation take part in 2019?",
         "", "", "What else should the Strategic Agenda include?"],
        ["", "", "", "Training sessions", "Joint funding applications", "Internationalisation activities (fairs, missions)",
         "Open-Ended Response"],
        ["101", "7", "10.0.0.1", "Training sessions", "", "Internationalisation activities (fairs, missions)", "More webinars"],
        ["102", "7", "10.0.0.2", "", "Joint funding applications", "", ""],
    ]
    with path.open("w", newline="", encoding="cp1252") as handle:
        csv.writer(handle).writerows(rows)
    survey = sa.load_responses(path, CODEBOOK)
    assert survey.source == "surveymonkey" and survey.report.header_rows == 2
    r = survey.responses
    assert r.loc["101", "F[training]"] and r.loc["101", "F[international]"] and not r.loc["101", "F[funding]"]
    assert r.loc["102", "F[funding]"]
    assert r.loc["101", "G2"] == "More webinars"
    assert "10.0.0.1" not in r.astype(str).to_numpy().ravel()
    assert "IP Address" in survey.identifiers


def test_limesurvey_blank_submitdate_is_incomplete(tmp_path):
    path = tmp_path / "lime.csv"
    text = "\ufeffid,submitdate,lastpage,startlanguage,seed,A3\r\n1,2020-04-30 10:00:00,3,en,123,Other\r\n2,,1,ro,456,Altele\r\n"
    path.write_text(text, encoding="utf-8")
    survey = sa.load_responses(path, CODEBOOK)
    assert survey.source == "limesurvey"
    assert list(survey.responses.index) == ["1"]
    assert survey.report.dropped[0]["reason"] == "incomplete"


def test_a_codebook_that_fits_nothing_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "other.xlsx", {"S": [["Colour", "Pet"], ["red", "cat"], ["blue", "dog"]]})
    with pytest.raises(sa.HeaderProblemError) as err:
        sa.load_responses(path, CODEBOOK)
    assert "other.xlsx" in str(err.value) and "codebook draft" in str(err.value)


def test_draft_codebook_infers_types_options_and_scales():
    cb = sa.draft_codebook(SAMPLE / "microsoft_forms.xlsx")
    types = {q.text["en"]: q.type for q in cb.questions.values()}
    assert types[CB.questions["B1"].text["en"]] == "likert"
    assert types[CB.questions["A3"].text["en"]] == "single"
    assert types[CB.questions["E"].text["en"]] == "multi"
    assert types["Contact e-mail"] == "identifier"
    assert types[CB.questions["A6"].text["en"]] == "numeric"


def test_inspect_json_has_the_documented_keys(capsys):
    assert cli_main(["inspect", str(SAMPLE / "google_forms.xlsx"), "--codebook", str(CODEBOOK), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("source", "sheet", "header_rows", "rows_read", "respondents", "dropped", "questions", "problems"):
        assert key in out
    assert out["source"] == "google_forms" and out["respondents"] == 150
    assert {"id", "text", "type", "options"} <= set(out["questions"][0])


def test_cli_bad_input_exits_non_zero_without_traceback(tmp_path, capsys):
    missing = tmp_path / "nothing.xlsx"
    assert cli_main(["inspect", str(missing)]) == 2
    err = capsys.readouterr().err
    # No traceback is checked in a real process in test_cli.py; here, the message itself.
    assert "nothing.xlsx" in err and "What to do" in err


# ---- real exports (../shared/fixtures) -------------------------------------------------------

def _csv_rows(path: Path, encoding="utf-8-sig") -> list[list[str]]:
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.reader(handle))


def test_real_microsoft_forms_export(fixtures_dir):
    survey = sa.load_responses(fixtures_dir / "microsoft_forms" / "surveyEng.xlsx")
    assert survey.source == "microsoft_forms"
    # 28 responses x (5 metadata + 9 questions), counted in the fixtures README.
    assert survey.report.rows_read == 28 and survey.n == 28
    assert len(survey.questions) == 9
    multi = [q for q in survey.questions.values() if q.type == "multi"]
    assert len(multi) == 1 and len(multi[0].options) >= 5
    assert "anonymous" in set(survey.identifiers["Email"])


def test_real_google_forms_export(fixtures_dir):
    path = next((fixtures_dir / "google_forms").glob("*.csv"))
    rows = _csv_rows(path)
    survey = sa.load_responses(path)
    assert survey.source == "google_forms"
    assert survey.report.rows_read == len(rows) - 1 == 42
    assert survey.n == 42 and len(survey.questions) == len(rows[0]) - 1


def test_real_qualtrics_exports(fixtures_dir):
    for path in sorted((fixtures_dir / "qualtrics").glob("*.csv")):
        rows = _csv_rows(path)
        data = rows[3:]
        # Status "IP Address" (or its numeric code 0) marks a real response; Finished True/1.
        real = [r for r in data if r[2] in ("IP Address", "0") and r[5] in ("True", "1")]
        survey = sa.load_responses(path)
        assert survey.source == "qualtrics" and survey.report.header_rows == 3
        assert survey.report.rows_read == len(data) == 81
        assert survey.n == len(real)
        assert len(survey.questions) == 6  # Q1, Q2, Q3, Q3_4_TEXT, Q4_1, Q4_2


def test_real_surveymonkey_export(fixtures_dir):
    path = fixtures_dir / "surveymonkey" / "steak-risk-survey.csv"
    rows = _csv_rows(path)
    survey = sa.load_responses(path)
    assert survey.source == "surveymonkey" and survey.report.header_rows == 2
    assert survey.report.rows_read == len(rows) - 2 == 550
    assert len(survey.questions) == len(rows[0]) - 1  # every column but RespondentID


def test_real_limesurvey_exports(fixtures_dir):
    for path in sorted((fixtures_dir / "limesurvey").glob("*.csv")):
        rows = _csv_rows(path)
        submitted = [r for r in rows[1:] if any(c.strip() for c in r) and r[1].strip()]
        survey = sa.load_responses(path)
        assert survey.source == "limesurvey"
        assert survey.n == len(submitted) == 25
        assert survey.report.rows_read == survey.n + len(survey.report.dropped)


@pytest.mark.parametrize(
    "stamps, expected",
    [
        (["9/8/2026 14:28:27", "12/31/2026 09:00:00"], ["2026-09-08 14:28:27", "2026-12-31 09:00:00"]),
        (["08.09.2026 14:28", "31.12.2026 09:00"], ["2026-09-08 14:28:00", "2026-12-31 09:00:00"]),
        (["2026-09-08 14:28:27", "2026-12-31 09:00:00"], ["2026-09-08 14:28:27", "2026-12-31 09:00:00"]),
        ([46273.603090278, 46387.375], ["2026-09-08 14:28:27", "2026-12-31 09:00:00"]),
    ],
)
def test_submission_times_are_parsed_in_the_tools_forms(tmp_path, stamps, expected):
    header = ["Timestamp", "Email Address", "Member category"]
    rows = [[stamps[0], "a@x.ro", "Other"], [stamps[1], "b@x.ro", "Altele"]]
    path = write_xlsx(tmp_path / "times.xlsx", {"Form Responses 1": [header, *rows]})
    survey = sa.load_responses(path, CODEBOOK)
    got = survey.metadata["Timestamp"].dt.round("s").dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    assert got == expected


def test_the_latest_submission_by_time_is_kept_even_when_rows_are_out_of_order(tmp_path):
    header = ["Timestamp", "Email Address", "Member category"]
    rows = [["2019-01-15 10:00:00", "a@x.ro", "Other"], ["2019-01-14 10:00:00", "A@x.ro ", "Altele"],
            ["2019-01-14 11:00:00", "b@x.ro", "Other"]]
    path = write_xlsx(tmp_path / "dups.xlsx", {"Form Responses 1": [header, *rows]})
    survey = sa.load_responses(path, CODEBOOK)
    assert list(survey.responses.index) == ["1", "3"]
    (dropped,) = survey.report.dropped
    assert dropped["row"] == 3 and dropped["reason"] == "duplicate submission" and "row 2" in dropped["detail"]


def test_fuzzy_header_match_is_reported(tmp_path):
    header = ["Timestamp", "Which collaborative project ideas should the cluster pursue in 2020?", "Member category"]
    path = write_xlsx(tmp_path / "wording.xlsx", {"Form Responses 1": [header, ["2019-01-14", "A PET study", "Other"]]})
    survey = sa.load_responses(path, CODEBOOK)
    assert survey.responses.loc["1", "G1"] == "A PET study"
    assert any("similar wording" in note and "G1" in note for note in survey.report.notes)


@pytest.mark.parametrize("folder", ["microsoft_forms", "google_forms", "qualtrics", "surveymonkey", "limesurvey"])
def test_inspect_json_on_every_real_export(fixtures_dir, folder, capsys):
    for path in sorted((fixtures_dir / folder).iterdir()):
        assert cli_main(["inspect", str(path), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["source"] == folder
        assert out["rows_read"] == out["respondents"] + len(out["dropped"])


@pytest.mark.parametrize(
    "stamps, expected",
    [
        # Google Forms' CSV download carries the zone; converted to UTC.
        (["2020/05/11 4:40:41 PM GMT+3", "2020/05/12 9:00:00 AM GMT+3"], ["2020-05-11 13:40:41", "2020-05-12 06:00:00"]),
        (["2020-05-11T16:40:41+03:00", "2020-05-12T09:00:00+02:00"], ["2020-05-11 13:40:41", "2020-05-12 07:00:00"]),
        # A typed year outside any plausible range is left missing, not a crash.
        (["12/05/1019 10:00:00", "12/06/2019 10:00:00"], [None, "2019-12-06 10:00:00"]),
        # Day-first dates whose days are all <= 12: the order that follows the rows wins.
        (["05/01/2019 10:00:00", "03/02/2019 10:00:00"], ["2019-01-05 10:00:00", "2019-02-03 10:00:00"]),
    ],
)
def test_awkward_timestamps_are_parsed_or_left_missing(tmp_path, stamps, expected):
    path = tmp_path / "times.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Timestamp", "Email Address", "Member category"],
                                      [stamps[0], "a@x.ro", "Other"], [stamps[1], "b@x.ro", "Other"]])
    survey = sa.load_responses(path, CODEBOOK)
    got = [None if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M:%S") for v in survey.metadata["Timestamp"]]
    assert got == expected


def test_1904_date_system_serial_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.epoch = __import__("openpyxl").utils.datetime.MAC_EPOCH
    ws = wb.active
    ws.title = "Form Responses 1"
    ws.append(["Timestamp", "Email Address", "Member category"])
    ws.append([44844.6, "a@x.ro", "Other"])  # a serial number without a date format
    wb.save(tmp_path / "mac.xlsx")
    survey = sa.load_responses(tmp_path / "mac.xlsx", CODEBOOK)
    assert survey.metadata["Timestamp"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2026-10-11 14:24"


def test_multi_select_pieces_are_cut_at_delimiters_only(tmp_path):
    question = CB.questions["F"].text["en"]
    answers = ["  Training sessions, visits to Düsseldorf fair", "Training sessions, R&D days",
               "training for nurses", "Internationalisation activities (fairs, missions);Training sessions",
               "Sesiuni de instruire, Activitati de internationalizare (targuri, misiuni)"]
    rows = [["Timestamp", question]] + [[f"2019-01-1{k} 10:00:00", a] for k, a in enumerate(answers)]
    path = write_xlsx(tmp_path / "multi.xlsx", {"Form Responses 1": rows})
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    r = survey.responses
    assert r["F[training]"].tolist() == [True, True, False, True, True]
    assert r["F[international]"].tolist() == [False, False, False, True, True]
    assert r["F[other]"].tolist()[:3] == ["visits to Düsseldorf fair", "R&D days", "training for nurses"]


def test_ranks_must_be_whole_numbers_within_the_options(tmp_path):
    stem = "Rank the strategic directions by priority (1 = highest)"
    header = ["Timestamp"] + [f"{stem} [{o.en}]" for o in CB.questions["D"].options]
    rows = [header, ["2019-01-14", "1.5", "2", "12", "99999999999999999999", "1st"]]
    path = write_xlsx(tmp_path / "ranks.xlsx", {"Form Responses 1": rows})
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.ranks().iloc[0].tolist() == [pd.NA, 2, pd.NA, pd.NA, 1]
    bad = [p["value"] for p in survey.report.problems if p["kind"] == "not_a_rank"]
    assert sorted(map(str, bad)) == sorted(["1.5", "12", "99999999999999999999"])


def test_a_placeholder_that_is_an_option_is_coded_as_the_option(tmp_path):
    codebook = {"questions": [{"id": "S", "type": "single", "text": "Software",
                               "options": [{"id": "none", "en": "None"}, {"id": "osirix", "en": "OsiriX"}]}]}
    path = write_xlsx(tmp_path / "none.xlsx", {"S": [["Software"], ["None"], ["OsiriX"], ["N/A"]]})
    survey = sa.load_responses(path, codebook)
    assert survey.responses["S"].tolist() == ["None", "OsiriX"]
    # "N/A" is a placeholder here: the row answered nothing and is set aside, with its reason.
    assert survey.report.dropped == [{"row": 4, "reason": "incomplete", "detail": "no question answered",
                                      "detail_key": "none_answered", "detail_values": {}, "respondent_id": "3"}]


def test_a_question_in_two_columns_keeps_every_answer_and_reports_conflicts(tmp_path):
    f_text = CB.questions["F"].text["en"]
    header = ["Timestamp", "Member category", "Member category", f_text, f_text]
    rows = [header,
            ["2019-01-14", "Other", "University / research institute", "Training sessions", "Joint funding applications"],
            ["2019-01-15", None, "Other", None, "Training sessions"]]
    path = write_xlsx(tmp_path / "twice.xlsx", {"Form Responses 1": rows})
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    r = survey.responses
    assert r["A3"].tolist() == ["Other", "Other"]
    assert r.loc["1", "F[training]"] and r.loc["1", "F[funding]"]
    assert r.loc["2", "F[training]"] and not r.loc["2", "F[funding]"]
    conflicts = [p for p in survey.report.problems if p["kind"] == "conflicting_duplicate"]
    assert [(p["row"], p["value"]) for p in conflicts] == [(2, "University / research institute")]


def test_drafting_keeps_leading_zeros_and_one_scale_per_grid(tmp_path):
    rows = [["Member code", "Opinions [Speed]", "Opinions [Price]", "Staff"],
            ["00123", "Agree", "Somewhat agree", "12"],
            ["00456", "Strongly agree", "Agree", "1,000"],
            ["00789", "Disagree", "Neither agree nor disagree", "40"]]
    path = tmp_path / "generic.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    cb = sa.draft_codebook(path)
    by_text = {q.text["en"]: q for q in cb.questions.values()}
    assert by_text["Member code"].type != "numeric"
    assert by_text["Opinions [Speed]"].scale == by_text["Opinions [Price]"].scale == "agreement7"
    survey = sa.load_responses(path)
    numeric = survey.numeric()
    # "Agree" is 6 of 7 in both grid rows, as a hand reading of the 7-point scale gives.
    assert numeric.iloc[0].tolist() == [6.0, 5.0]
    staff = [q.id for q in cb.questions.values() if q.text["en"] == "Staff"][0]
    assert pd.isna(survey.responses.loc["2", staff])
    assert any(p["kind"] == "ambiguous_number" and p["value"] == "1,000" for p in survey.report.problems)


def test_header_only_export_keeps_the_types(tmp_path):
    header = ["Timestamp", f"{GRID_B} [Thematic webinars]", "Member category"]
    path = write_xlsx(tmp_path / "empty.xlsx", {"Form Responses 1": [header]})
    survey = sa.load_responses(path, CODEBOOK)
    assert survey.n == 0 and survey.report.rows_read == 0
    assert isinstance(survey.responses["B9"].dtype, pd.CategoricalDtype)


def test_without_emails_the_organisation_name_finds_duplicates(tmp_path):
    header = ["Timestamp", "Organisation name", "Member category"]
    rows = [header, ["2019-01-14 10:00", "Spital Iasi", "Other"], ["2019-01-14 11:00", "Clinica Nova", "Other"],
            ["2019-01-15 10:00", " spital iasi", "Altele"]]
    path = write_xlsx(tmp_path / "orgs.xlsx", {"Form Responses 1": rows})
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert list(survey.responses.index) == ["2", "3"]
    assert survey.report.dropped[0]["detail"].startswith("same organisation name")


def test_rankings_match_what_the_generator_planted(both):
    """Independent of the loader: the generator's own rank dictionaries."""
    google, _ = both
    sample = make_sample()
    kept = [a for a, t in zip(sample.answers, sample.truth) if t["status"] == "kept"]
    expected = pd.DataFrame([a["D"] for a in kept], index=google.responses.index)[["SD1", "SD2", "SD3", "SD4", "SD5"]]
    assert (google.ranks().astype(int).to_numpy() == expected.to_numpy()).all()


def test_whole_sheet_and_per_column_coding_agree(monkeypatch):
    """Large exports code all columns from one pass over the sheet; the result must not change."""
    from survey_analysis.survey import load as load_module

    path = SAMPLE / "google_forms.xlsx"
    monkeypatch.setattr(load_module, "_SHEET_FACTORIZE_MIN_CELLS", 10**12)
    per_column = sa.load_responses(path, CODEBOOK)
    monkeypatch.setattr(load_module, "_SHEET_FACTORIZE_MIN_CELLS", 0)
    whole_sheet = sa.load_responses(path, CODEBOOK)
    pd.testing.assert_frame_equal(per_column.responses, whole_sheet.responses)
    assert per_column.report.problems == whole_sheet.report.problems


def test_kobotoolbox_export_with_groups_and_space_joined_choices(tmp_path):
    path = tmp_path / "kobo.csv"
    rows = [["start", "end", "profile/A3", "plans/F", "importance/B1", "_id", "_uuid", "_submission_time",
             "_submitted_by"],
            ["2019-01-14T09:00:00+02:00", "2019-01-14T09:10:00+02:00", "medtech", "training funding",
             "Very important", "11", "u-1", "2019-01-14T07:10:00", "enumerator1"],
            ["2019-01-14T10:00:00+02:00", "2019-01-14T10:10:00+02:00", "university", "none",
             "Foarte important", "12", "u-2", "2019-01-14T08:10:00", "enumerator1"]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "kobo"
    r = survey.responses
    assert list(r.index) == ["11", "12"]
    assert r["A3"].tolist() == ["Medical technology company", "University / research institute"]
    assert r.loc["11", "F[training]"] and r.loc["11", "F[funding]"] and r.loc["12", "F[none]"]
    assert r["B1"].tolist() == ["Very important", "Very important"]
    assert "_submitted_by" in survey.identifiers
