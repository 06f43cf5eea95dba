"""Writing tables: CSV injection neutralised, Excel limits enforced, text round-trips."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

import survey_analysis as sa
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
    first = survey.pseudonyms("secret-1")
    again = sa.load_responses(SAMPLE / "microsoft_forms.xlsx", CODEBOOK).pseudonyms("secret-1")
    other = survey.pseudonyms("secret-2")
    pd.testing.assert_series_equal(first, again)
    assert first.is_unique and not (first == other).any()
    email = survey.identifiers.loc["1", "A2"]
    expected = hmac.new(b"secret-1", email.strip().lower().encode(), hashlib.sha256).hexdigest()[:20]
    assert first.loc["1"] == expected
    assert not first.str.contains("@").any()
