"""Property-based tests of the whole loader: only the project's own errors, and every row accounted for."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import survey_analysis as sa

from conftest import CODEBOOK, SAMPLE

CB = sa.read_codebook(CODEBOOK)
_SETTINGS = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

with (SAMPLE / "google_forms.xlsx").open("rb") as handle:
    _SAMPLE_XLSX = handle.read()

# Cell contents a respondent or a tool might produce, valid labels included.
_LABELS = [lv.en for lv in CB.scales["importance5"]] + [lv.ro for lv in CB.scales["agreement5"]] + \
    [o.en for o in CB.questions["F"].options] + ["N/A", "-", "", " ", "3", "0", "12", "1,000", "00123",
                                                 "=SUM(A1)", "<b>x</b>", "ş ţ ș ț", "2019-13-45", "9/8/2026 14:28:27"]
_CELL = st.one_of(st.sampled_from(_LABELS), st.text(max_size=30), st.integers(-10**20, 10**20),
                  st.floats(allow_nan=True, allow_infinity=True))
_HEADERS = ["Timestamp", "Email Address", "Member category", CB.questions["F"].text["en"],
            f"{CB.questions['B1'].grid['en']} [{CB.questions['B1'].text['en']}]",
            "Rank the strategic directions by priority (1 = highest) [SD1 RDI & products]",
            CB.questions["A6"].text["en"], CB.questions["G1"].text["en"]]


def _accounted(survey) -> None:
    report = survey.report
    assert report.rows_read == report.respondents + len(report.dropped) == survey.n + len(report.dropped)


@_SETTINGS
@given(rows=st.lists(st.lists(_CELL, min_size=len(_HEADERS), max_size=len(_HEADERS)), max_size=25),
       with_codebook=st.booleans())
def test_any_cell_contents_give_a_survey_or_a_survey_error(tmp_path, rows, with_codebook):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_HEADERS, *rows])
    path = tmp_path / "export.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        survey = sa.load_responses(path, CODEBOOK if with_codebook else None)
    except sa.SurveyError:
        return
    _accounted(survey)


@_SETTINGS
@given(data=st.data())
def test_mutated_sample_export_gives_a_survey_or_a_survey_error(tmp_path, data):
    blob = bytearray(_SAMPLE_XLSX)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    path = tmp_path / "mutated.xlsx"
    path.write_bytes(bytes(blob))
    try:
        survey = sa.load_responses(path, CODEBOOK)
    except sa.SurveyError:
        return
    _accounted(survey)
