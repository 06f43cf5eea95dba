"""Fuzzing the reader's safety checks with the variants a hostile author would try.

Each property builds a workbook (or text file) whose size fields, attribute
values, part names or relationship targets are written in a drawn form --
leading zeros, signs, character references, ``>`` inside an earlier
attribute value, blanks around ``=``, other cases and prefixes, lying BIFF
record lengths and DIMENSIONS -- and reads it with every limit scaled down a
thousandfold.  At that scale a check that is walked around costs nothing
(the value reader fills a few thousand cells, not billions), and shows: the
property is that a file is either refused with the project's own error or
read with a table that fits the limit.  ``make test`` draws the same
examples every run; ``HYPOTHESIS_EXPLORE=1`` draws new ones, ten times as many.
"""

from __future__ import annotations

import itertools
import os
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile as h
from survey_analysis.errors import SurveyError
from survey_analysis.readers import column_letter, read_raw

SCALED = {"MAX_SHEET_CELLS": 20_000, "MAX_CELL_ELEMENTS": 20_000, "MAX_SHARED_STRINGS": 5_000,
          "MAX_CELL_TEXT": 2_000_000, "MAX_FIELDS_PER_RECORD": 50, "MAX_FIELD_CHARS": 500, "MAX_RECORDS": 300}
_EXAMPLES = 400 if os.environ.get("HYPOTHESIS_EXPLORE") else 40
_SETTINGS = settings(max_examples=_EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_counter = itertools.count()


def _read_within_limits(tmp_path, data: bytes, suffix: str):
    path = tmp_path / f"fuzz{next(_counter)}{suffix}"
    path.write_bytes(data)
    try:
        raw = read_raw(path, limits=SCALED)
    except SurveyError as error:
        assert str(path) in str(error)
        return None
    finally:
        path.unlink()
    assert raw.n_rows * raw.n_columns <= SCALED["MAX_SHEET_CELLS"], (raw.n_rows, raw.n_columns)
    return raw


def _digits(draw, number: int) -> str:
    """A whole number as a hostile file may write it: zeros in front, some digits as character references."""
    text = "0" * draw(st.sampled_from([0, 1, 6, 9, 12])) + str(number)
    if draw(st.booleans()):
        return text
    return "".join(f"&#{ord(ch)};" if draw(st.booleans()) else ch for ch in text)


@st.composite
def _xlsx_with_far_cell(draw) -> bytes:
    # At most 3,000 x 120 cells: a check walked around costs a few megabytes, not an abort.
    row = draw(st.one_of(st.just(3000), st.integers(1, 3000)))
    column = draw(st.one_of(st.just(120), st.just(1), st.integers(1, 120)))
    letters = column_letter(column - 1)
    letters = letters.lower() if draw(st.booleans()) else letters
    digits = "0" * draw(st.sampled_from([0, 1, 5, 6, 9, 12])) + str(row)
    equals = draw(st.sampled_from(["=", " = ", "\n=\t", "="]))
    quote = draw(st.sampled_from(['"', "'"]))
    before = draw(st.sampled_from(["", ' s="0"', ' x="a>b"', " t='n' y=\"c>d>e\""]))
    element = draw(st.sampled_from(["c", "x:c"]))
    cell = (f"<{element}{before} r{equals}{quote}{letters}{digits}{quote}"
            + (' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' if element == "x:c" else "")
            + f"><v>1</v></{element}>")
    row_r = draw(st.sampled_from(["", f' r="{digits}"', f" r='{row}'"]))
    extra = f"<row{row_r}>{cell}</row>"
    if draw(st.booleans()):  # cells without a reference continue the row (their value may carry one)
        follower = draw(st.sampled_from(["<c><v>2</v></c>", "<c><v r='A1'>2</v></c>", "<c r=''><v>2</v></c>",
                                         "<c t=\"n\"> r=\"A1\"<v>2</v></c>", "<c t='x r=\"A1\"'><v>2</v></c>",
                                         "<c s=\"0\" x=' r=\"A1\"'><v>2</v></c>"]))
        extra = extra.replace("</row>", follower * draw(st.one_of(st.just(200), st.integers(1, 200))) + "</row>")
    # The part's name and the relationship's target, as a hostile author may write them.
    entry = draw(st.sampled_from(["xl/worksheets/sheet1.xml", "XL/WORKSHEETS/SHEET1.XML", "xl/worksheets/s.bin",
                                  "xl\\worksheets\\sheet1.xml", "data/x", "xl/Worksheets/Sheet1.Xml"]))
    target = draw(st.sampled_from(["worksheets/sheet1.xml", "WORKSHEETS/sheet1.XML", "/" + entry, entry[3:],
                                   "/XL/worksheets/sheet1.xml"]))
    return h.xlsx_bytes(h.sheet_xml(extra=extra), sheet_entry=entry, target=target)


def _row(cells: str, r: str = ' r="3000"') -> bytes:
    return h.xlsx_bytes(h.sheet_xml(extra=f"<row{r}>{cells}</row>"))


# The variants found so far, always tried, besides the drawn ones.
_KNOWN_XLSX = [
    _row('<c r="DP0000000000003000"><v>1</v></c>'),  # a row number behind a dozen zeros
    _row('<c r="A3000"><v>1</v></c>' + "<c><v r='A1'>2</v></c>" * 200),  # references on values, not cells
    _row('<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="A3000"><x:v>1</x:v></x:c>'
         + "<x:c><x:v>2</x:v></x:c>" * 200),  # cells under another prefix than the root's
    _row('<c x="a>b" r="DP3000"><v>1</v></c>'),  # '>' inside an earlier attribute value
    _row('<c r\n=\t"DP3000"><v>1</v></c>'),  # blanks around '='
    _row('<c r="A3000"><v>1</v></c>' + '<c t="n"> r="A1"<v>2</v></c>' * 200),  # a reference in the cells' text
    _row('<c r="A3000"><v>1</v></c>' + "<c t='x r=\"A1\"'><v>2</v></c>" * 200),  # ... in another attribute's value
]


@_SETTINGS
@given(data=_xlsx_with_far_cell())
def test_xlsx_cells_however_written_and_wherever_stored_stay_within_the_limit(tmp_path, data):
    _read_within_limits(tmp_path, data, ".xlsx")


def test_the_known_xlsx_variants_stay_within_the_limit(tmp_path):
    for data in _KNOWN_XLSX:
        _read_within_limits(tmp_path, data, ".xlsx")


@st.composite
def _ods_with_repeats(draw) -> bytes:
    rows = draw(st.one_of(st.just(400), st.integers(1, 400)))
    columns = draw(st.one_of(st.just(400), st.integers(1, 400)))
    row_attribute = f'table:number-rows-repeated{draw(st.sampled_from(["=", " = ", chr(10) + "="]))}"' \
                    f'{draw(st.sampled_from(["", "+"]))}{_digits(draw, rows)}"'
    column_attribute = f'table:number-columns-repeated="{draw(st.sampled_from(["", "+"]))}{_digits(draw, columns)}"'
    decoy = draw(st.sampled_from(["", 'table:style-name="a>b"', 'table:style-name="x" table:formula="of:=1"']))
    kind = draw(st.sampled_from(['office:value-type="float" office:value="1"', 'office:value-type="string" '
                                 'office:string-value="text"', 'table:formula="of:=1"', 'office:boolean-value="true"']))
    row = (f"<table:table-row {decoy} {row_attribute}><table:table-cell {decoy} {column_attribute} {kind}/>"
           "</table:table-row>")
    tables = [("Responses", h.ODS_HEADER + row)] * draw(st.integers(1, 3))
    return h.ods_bytes("", tables=[(f"T{i}", content) for i, (_, content) in enumerate(tables)])


@_SETTINGS
@given(data=_ods_with_repeats())
def test_ods_repeats_however_written_stay_within_the_limit(tmp_path, data):
    _read_within_limits(tmp_path, data, ".ods")


@st.composite
def _xls_with_lying_fields(draw) -> bytes:
    far_row, far_column = draw(st.integers(0, 65535)), draw(st.integers(0, 255))
    dims = draw(st.tuples(st.integers(0, 1 << 32), st.integers(0, 1 << 32), st.integers(0, 0xFFFF),
                          st.integers(0, 0xFFFF)))
    dims = tuple(min(v, (1 << 32) - 1 if i < 2 else 0xFFFF) for i, v in enumerate(dims))
    sheet = h.survey_sheet(h.number(far_row, far_column, 1.0), dims=dims if draw(st.booleans()) else (0, 2, 0, 2))
    stream = bytearray(h.xls_stream([("Responses", sheet)]))
    for _ in range(draw(st.integers(0, 2))):  # a record's length field that lies
        at = draw(st.integers(0, max(len(stream) - 4, 0)))
        at = stream.find(b"\x03\x02", at) if draw(st.booleans()) else at
        if 0 <= at <= len(stream) - 4:
            struct.pack_into("<H", stream, at + 2, draw(st.integers(0, 0xFFFF)))
    if draw(st.booleans()):  # the sheet's offset in its BOUNDSHEET record
        at = stream.find(b"\x85\x00")
        struct.pack_into("<I", stream, at + 4, draw(st.integers(0, 1 << 31)))
    return bytes(stream)


@_SETTINGS
@given(stream=_xls_with_lying_fields())
def test_xls_size_fields_that_lie_never_pass(tmp_path, stream):
    path = h.write_xls_stream(tmp_path / f"fuzz{next(_counter)}.xls", stream)
    _read_within_limits(tmp_path, path.read_bytes(), ".xls")


@st.composite
def _delimited(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        pieces = draw(st.lists(st.sampled_from(["", "x", "y" * 400, '"', '""', '"a,b"', "\n", ",", ",,,,,,,,,,"]),
                               max_size=30))
        lines.append(",".join(pieces))
    if draw(st.booleans()):
        lines.append("," * draw(st.integers(0, 200)))
    if draw(st.booleans()):
        lines += [""] * draw(st.integers(0, 400))
    return "\n".join(lines).encode()


@_SETTINGS
@given(data=_delimited())
def test_text_records_and_fields_stay_within_the_limits(tmp_path, data):
    raw = _read_within_limits(tmp_path, data, ".csv")
    if raw is not None:
        assert raw.n_rows <= SCALED["MAX_RECORDS"]
        assert all(len(str(v)) <= SCALED["MAX_FIELD_CHARS"] for row in raw.rows for v in row if v is not None)
        assert raw.n_columns <= SCALED["MAX_FIELDS_PER_RECORD"]
