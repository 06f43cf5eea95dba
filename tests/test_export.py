"""Writing tables: CSV injection neutralised, Excel limits enforced, text round-trips."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

import survey_analysis as sa
from survey_analysis.errors import FileProblemError
from survey_analysis.export import EXCEL_MAX_CELL_CHARS, write_table

from conftest import CODEBOOK, SAMPLE

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)", "\tlead tab", "\rcr", "\nlf", "plain"]


def test_csv_neutralises_formula_text(tmp_path):
    frame = pd.DataFrame({"text": HOSTILE}, index=pd.Index(range(len(HOSTILE)), name="row"))
    path = write_table(frame, tmp_path / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    written = [r[1] for r in rows]
    assert all(w.startswith("'") for w in written[:-1]) and written[-1] == "plain"
    # OWASP: the apostrophe is the only change; the respondent's text follows it unchanged.
    assert [w[1:] for w in written[:-1]] == HOSTILE[:-1]


def test_xlsx_keeps_the_exact_text_and_no_formula(tmp_path):
    frame = pd.DataFrame({"text": HOSTILE})
    path = write_table(frame, tmp_path / "out.xlsx", index=False)
    ws = load_workbook(path).active
    cells = [c for c in ws["A"][1:]]
    # XML normalises a lone carriage return to a line feed; everything else is kept exactly.
    assert [c.value for c in cells] == [h.replace("\r", "\n") for h in HOSTILE]
    assert all(c.data_type == "s" for c in cells)


def test_excel_cell_limit_is_a_clear_error(tmp_path):
    frame = pd.DataFrame({"text": ["ok", "x" * (EXCEL_MAX_CELL_CHARS + 1)]})
    with pytest.raises(sa.ExportLimitError) as err:
        write_table(frame, tmp_path / "big.xlsx", index=False)
    assert "32,767" in str(err.value) and "row 3" in str(err.value) and "big.xlsx" in str(err.value)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(sa.FileProblemError):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.json")


def test_pseudonyms_are_keyed_stable_and_hide_the_email():
    import hashlib
    import hmac

    survey = sa.load_responses(SAMPLE / "google_forms.xlsx", CODEBOOK)
    first = survey.pseudonyms("first-secret-key-2019")
    again = sa.load_responses(SAMPLE / "microsoft_forms.xlsx", CODEBOOK).pseudonyms("first-secret-key-2019")
    other = survey.pseudonyms("other-secret-key-2019")
    pd.testing.assert_series_equal(first, again)
    assert first.is_unique and not (first == other).any()
    email = survey.identifiers.loc["1", "A2"]
    expected = hmac.new(b"first-secret-key-2019", email.strip().lower().encode(), hashlib.sha256).hexdigest()[:20]
    assert first.loc["1"] == expected
    assert not first.str.contains("@").any()


def test_headers_and_index_names_are_neutralised_in_both_formats(tmp_path):
    import openpyxl

    frame = pd.DataFrame({'=HYPERLINK("http://evil.example","click")': ["+cmd", "ok"]},
                         index=pd.Index(["a", "b"], name="@SUM(A1:A9)"))
    write_table(frame, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "'@SUM(A1:A9),\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""
    write_table(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    header = [cell for cell in next(sheet.iter_rows())]
    assert [c.value for c in header] == ["@SUM(A1:A9)", '=HYPERLINK("http://evil.example","click")']
    assert all(c.data_type == "s" for c in header)


def test_characters_excel_refuses_are_removed_with_a_warning(tmp_path):
    import openpyxl

    from survey_analysis.export import ExportWarning

    frame = pd.DataFrame({"answer\x01": ["ring\x07the bell", "fine", "lone \ud800 surrogate"]})
    with pytest.warns(ExportWarning, match="3 character"):
        write_table(frame, tmp_path / "t.xlsx", index=False)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [row[0].value for row in sheet.iter_rows()] == ["answer", "ringthe bell", "fine", "lone  surrogate"]


def test_failures_are_the_projects_errors_and_leave_no_half_file(tmp_path, monkeypatch):
    from survey_analysis import export

    frame = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(FileProblemError, match="does not exist"):
        write_table(frame, tmp_path / "missing" / "t.csv")
    (tmp_path / "t.xlsx").write_bytes(b"previous")

    def broken(table, header, target):
        target.write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "_write_xlsx", broken)
    with pytest.raises(FileProblemError, match="disk full"):
        write_table(frame, tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_multi_level_headers_and_time_zones_are_written(tmp_path):
    import openpyxl

    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("SD1", "mean"), ("SD1", "n")]))
    write_table(frame, tmp_path / "t.xlsx", index=False)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in next(sheet.iter_rows())] == ["SD1 / mean", "SD1 / n"]
    aware = pd.DataFrame({"when": pd.to_datetime(["2019-01-14 09:15"]).tz_localize("Europe/Bucharest")})
    try:
        write_table(aware, tmp_path / "tz.xlsx")
    except FileProblemError as error:  # a clear error naming the file, never a library traceback
        assert str(tmp_path / "tz.xlsx") in str(error)
