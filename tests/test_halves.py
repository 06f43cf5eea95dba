"""A sheet parsed as two halves at once reads exactly as the sheet parsed whole.

Each test reads a real .xlsx twice with the real readers: once with the
halves allowed (forced even on small sheets by cutting the XML into tiny
pieces) and once with them switched off, and compares everything the reader
returns.  The files include the cases where the halves must not be used or
must be given up (cells without references, comments, rows out of order, an
end tag inside an attribute value).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
import zlib

import pytest

from conftest import FIXTURES, SAMPLE
from filebuilders import replace_zip_part, write_xlsx
from survey_analysis.errors import SurveyError
from survey_analysis.readers import halves, read_raw, workbook, xlsx_scan

pytestmark = pytest.mark.skipif(not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"),
                                reason="the halves need in-memory files (Linux)")


@pytest.fixture
def outcomes(monkeypatch):
    """Force the halves on small sheets; record what each attempt gave ('halves', 'whole' or 'joined whole')."""
    monkeypatch.setattr(halves, "MIN_BYTES", 0)
    monkeypatch.setattr(halves, "_processors", lambda: 2)
    monkeypatch.setattr(xlsx_scan, "PIECE_BYTES", 2000)
    seen: list[str] = []
    plan = halves.parse_in_halves

    def recorded(*args, **kwargs):
        result = plan(*args, **kwargs)
        seen.append("whole" if result is None else "halves")
        return result

    convert = workbook._convert

    def converted(sheets, *args):
        if isinstance(sheets, list) and seen and seen[-1] == "halves":
            seen[-1] = "joined whole"  # the halves were parsed but could not be joined
        return convert(sheets, *args)

    monkeypatch.setattr(halves, "parse_in_halves", recorded)
    monkeypatch.setattr(workbook, "_convert", converted)
    return seen


def _read_both(path, monkeypatch, **options):
    """What the reader gives with the halves allowed, then with them off (or the error each raised)."""
    def read():
        try:
            raw = read_raw(path, **options)
        except SurveyError as exc:
            return type(exc).__name__, str(exc)
        return raw.rows, raw.row_numbers, raw.notes, raw.problems, raw.sheets, raw.sheet
    first = read()
    with monkeypatch.context() as off:
        off.setattr(halves, "available", lambda: False)
        whole = read()
    return first, whole


def _answers(n: int) -> list[list]:
    rows = [["Timestamp", "Email", "Organisation", "Score", "Share", "Member", "Comment"]]
    for i in range(n):
        rows.append([
            dt.datetime(2019, 1, 7, 9, 0) + dt.timedelta(minutes=17 * i), f"m{i}@example.org",
            ["Universitatea de Medicină", "Clinica Ştefan", "MedTech SRL"][i % 3], i % 5 + 1,
            None if i % 7 == 0 else (i % 9) / 4, i % 2 == 0, "" if i % 3 else f"Propunere {i}: «imagistică»",
        ])
    return rows


def test_an_openpyxl_workbook_reads_the_same_in_halves(tmp_path, monkeypatch, outcomes):
    path = write_xlsx(tmp_path / "answers.xlsx", {"Form Responses 1": _answers(300)},
                      merged={"Form Responses 1": ["G290:G292"]})
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == ["halves"]
    assert first == whole
    assert len(first[0]) == 301 and first[0][300][1] == "m299@example.org"


def test_the_chosen_sheet_of_several_reads_the_same_in_halves(tmp_path, monkeypatch, outcomes):
    path = write_xlsx(tmp_path / "sheets.xlsx", {"Notes": [["a note"]] * 50, "Responses": _answers(200),
                                                 "Lists": [[f"option {i}"] for i in range(400)]})
    first, whole = _read_both(path, monkeypatch, sheet="Responses")
    assert outcomes == ["halves"]
    assert first == whole and first[-1] == "Responses"


def test_rows_far_apart_and_halves_of_different_width_read_the_same(tmp_path, monkeypatch, outcomes):
    rows = [["Q1", "Q2"]] + [[f"a{i}", i] for i in range(120)] + [[None]] * 400
    rows += [[None, None, None, None, f"far {i}"] for i in range(120)]
    path = write_xlsx(tmp_path / "gaps.xlsx", {"Responses": rows})
    first, whole = _read_both(path, monkeypatch)
    assert "halves" in outcomes
    assert first == whole
    assert len(first[0]) == 641 and len(first[0][0]) == 5


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.xlsx")) + sorted(FIXTURES.glob("*/*.xlsx")),
                         ids=lambda path: path.name)
def test_real_exports_read_the_same_in_halves(path, monkeypatch, outcomes):
    monkeypatch.setattr(xlsx_scan, "PIECE_BYTES", 4000)  # a piece is cut only where a row ends within it
    first, whole = _read_both(path, monkeypatch)
    assert outcomes[0] == "halves" and set(outcomes) <= {"halves", "whole"}  # small sheets are read whole
    assert first == whole


def _sheet_xml(rows: list[bytes], *, prefix: bytes = b"", declaration: bool = True, tail: bytes = b"") -> bytes:
    ns = b' xmlns' + (b":" + prefix[:-1] if prefix else b"") + \
        b'="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return ((b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' if declaration else b"")
            + b"<" + prefix + b"worksheet" + ns + b"><" + prefix + b"sheetData>" + b"".join(rows)
            + b"</" + prefix + b"sheetData>" + tail + b"</" + prefix + b"worksheet>")


def _row(r: int, cells: list[tuple[str, str]], prefix: bytes = b"") -> bytes:
    body = b"".join(b"<" + prefix + b'c r="' + ref.encode() + b'" t="inlineStr"><' + prefix + b"is><" + prefix
                    + b"t>" + text.encode() + b"</" + prefix + b"t></" + prefix + b"is></" + prefix + b"c>"
                    for ref, text in cells)
    return b"<" + prefix + b'row r="' + str(r).encode() + b'">' + body + b"</" + prefix + b"row>"


def _workbook_with(tmp_path, name: str, sheet: bytes):
    template = write_xlsx(tmp_path / "template.xlsx", {"Responses": [["x"]]})
    return replace_zip_part(template, tmp_path / name, "xl/worksheets/sheet1.xml", sheet)


def _plain_rows(rows, prefix: bytes = b"") -> list[bytes]:
    return [_row(r, [(f"A{r}", f"answer {r}"), (f"B{r}", f"note {r}")], prefix) for r in rows]


def test_a_prefixed_sheet_reads_the_same_in_halves(tmp_path, monkeypatch, outcomes):
    path = _workbook_with(tmp_path, "prefixed.xlsx", _sheet_xml(_plain_rows(range(1, 200), b"x:"), prefix=b"x:"))
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == ["halves"]
    assert first == whole and first[0][198] == ["answer 199", "note 199"]


def test_merged_ranges_after_the_cells_are_filled_the_same(tmp_path, monkeypatch, outcomes):
    tail = b'<mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>'
    rows = _plain_rows(range(1, 200))
    rows[1:3] = [_row(2, [("A2", "answer 2")]), b'<row r="3"/>']
    path = _workbook_with(tmp_path, "merged.xlsx", _sheet_xml(rows, tail=tail))
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == ["halves"]
    assert first == whole and first[0][1:3] == [["answer 2"] * 2] * 2


def test_rows_out_of_order_are_joined_whole(tmp_path, monkeypatch, outcomes):
    rows = _plain_rows(range(101, 200)) + _plain_rows(range(1, 101))
    path = _workbook_with(tmp_path, "order.xlsx", _sheet_xml(rows))
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == ["joined whole"]
    assert first == whole and first[0][0] == ["answer 1", "note 1"]


@pytest.mark.parametrize("case", ["comment", "cdata", "no reference", "empty second", "empty first"])
def test_sheets_the_halves_must_not_cut_read_the_same(tmp_path, monkeypatch, outcomes, case):
    rows = _plain_rows(range(1, 200))
    if case == "comment":
        rows[150] = b"<!-- </row><row r=\"7\"> -->" + rows[150]
    elif case == "cdata":
        rows[150] = rows[150].replace(b"answer 151", b"<![CDATA[</row><row r=\"3\">]]>")
    elif case == "no reference":
        rows[150] = rows[150].replace(b' r="B151"', b"")
    elif case == "empty second":
        rows = rows[:100] + [f'<row r="{r}"><c r="A{r}"/></row>'.encode() for r in range(101, 200)]
    else:
        rows = [f'<row r="{r}"><c r="A{r}"/></row>'.encode() for r in range(1, 100)] + rows[99:]
    path = _workbook_with(tmp_path, f"{case}.xlsx", _sheet_xml(rows))
    first, whole = _read_both(path, monkeypatch)
    assert first == whole
    if case in ("comment", "cdata", "no reference"):
        assert outcomes in ([], ["whole"])
    else:
        assert outcomes == ["halves"]


def test_a_row_end_inside_an_attribute_value_never_reads_differently(tmp_path, monkeypatch, outcomes):
    rows = _plain_rows(range(1, 200))
    # A hostile writer puts a row end (and a row start) inside an attribute value, where the cut may fall.
    for k in range(60, 140, 7):
        rows[k] = rows[k].replace(b'<c r="B', b'<c x="</row><row r=\'9\'>" r="B', 1)
    path = _workbook_with(tmp_path, "attribute.xlsx", _sheet_xml(rows))
    first, whole = _read_both(path, monkeypatch)
    assert first == whole


def test_the_halves_need_the_pieces_kept_within_the_budget(tmp_path, monkeypatch, outcomes):
    monkeypatch.setattr(halves, "KEEP_BYTES", 2000)
    path = _workbook_with(tmp_path, "budget.xlsx", _sheet_xml(_plain_rows(range(1, 200))))
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == [] and first == whole


def test_the_halves_together_hold_no_more_cells_than_one_sheet_may(tmp_path, monkeypatch, outcomes):
    # Rows out of order could make each half as large as the whole sheet: a sheet of more than half
    # the limit is parsed whole.
    path = _workbook_with(tmp_path, "limit.xlsx", _sheet_xml(_plain_rows(range(1, 200))))
    first, whole = _read_both(path, monkeypatch, limits={"MAX_SHEET_CELLS": 2 * 199 * 2 - 1})
    assert outcomes == [] and first == whole and len(first[0]) == 199
    first, _ = _read_both(path, monkeypatch, limits={"MAX_SHEET_CELLS": 2 * 199 * 2})
    assert outcomes == ["halves"]


def _rewritten(path, target, change):
    """A copy of the workbook at ``path`` in which ``change(name, data)`` gives each part's new
    (data, compress_type, extra)."""
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data, method, extra = change(info.filename, old.read(info))
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type, entry.extra = method, extra
            new.writestr(entry, data)
    return target


def test_every_other_part_goes_with_the_halves(tmp_path, monkeypatch, outcomes):
    # Another sheet's relationship pointing at the styles must not make the halves leave the styles
    # out (dates would read as numbers).
    rows = [["When", "Score"]] + [[dt.datetime(2019, 1, 7) + dt.timedelta(days=i), i] for i in range(200)]
    path = write_xlsx(tmp_path / "two.xlsx", {"Responses": rows, "Other": [["x"]]})

    def change(name, data):
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"/xl/worksheets/sheet2.xml", b"/xl/styles.xml")
        return data, zipfile.ZIP_DEFLATED, b""
    styled = _rewritten(path, tmp_path / "styled.xlsx", change)
    first, whole = _read_both(styled, monkeypatch, sheet="Responses")
    assert "halves" in outcomes
    assert first == whole and isinstance(first[0][150][0], dt.date)  # not the serial number


def test_merged_ranges_inside_the_first_half_keep_the_sheet_whole(tmp_path, monkeypatch, outcomes):
    # The value reader takes the first list of merged ranges, wherever it stands.
    rows = _plain_rows(range(1, 200))
    rows[1:3] = [_row(2, [("A2", "answer 2")]), b'<mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>'
                 + b'<row r="3"/>']
    path = _workbook_with(tmp_path, "inner.xlsx", _sheet_xml(rows))
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == ["whole"]
    assert first == whole and first[0][2] == ["answer 2", "answer 2"]


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_part_the_value_reader_cannot_inflate_is_refused_both_ways(tmp_path, monkeypatch, outcomes, method):
    path = _workbook_with(tmp_path, "plain.xlsx", _sheet_xml(_plain_rows(range(1, 200))))
    packed = _rewritten(path, tmp_path / "packed.xlsx", lambda name, data: (
        data, method if name == "xl/worksheets/sheet1.xml" else zipfile.ZIP_DEFLATED, b""))
    first, whole = _read_both(packed, monkeypatch)
    assert first == whole and first[0] == "WrongFormatError"


def test_a_compressed_stream_without_its_end_is_refused_both_ways(tmp_path, monkeypatch, outcomes):
    path = _workbook_with(tmp_path, "plain.xlsx", _sheet_xml(_plain_rows(range(1, 200))))

    class Unfinished:  # deflates, but never writes the final block
        def __init__(self):
            self._deflate = zlib.compressobj(6, zlib.DEFLATED, -15)

        def compress(self, data):
            return self._deflate.compress(data)

        def flush(self):
            return self._deflate.flush(zlib.Z_SYNC_FLUSH)

    with monkeypatch.context() as patched:
        patched.setattr(zipfile, "_get_compressor", lambda method, level=None: (
            Unfinished() if method == zipfile.ZIP_DEFLATED else None))
        cut = _rewritten(path, tmp_path / "cut.xlsx", lambda name, data: (
            data, zipfile.ZIP_DEFLATED if name == "xl/worksheets/sheet1.xml" else zipfile.ZIP_STORED, b""))
    first, whole = _read_both(cut, monkeypatch)
    assert first == whole and first[0] == "WrongFormatError" and "stops before its end" in first[1]


def test_a_second_name_in_an_entry_keeps_the_halves_off(tmp_path, monkeypatch, outcomes):
    # Some zip readers rename an entry after its Unicode Path extra field; Python's does not.
    path = _workbook_with(tmp_path, "plain.xlsx", _sheet_xml(_plain_rows(range(1, 200))))
    other = "xl/worksheets/decoy.xml".encode()
    field = b"\x01" + zlib.crc32(b"xl/worksheets/sheet1.xml").to_bytes(4, "little") + other
    renamed = _rewritten(path, tmp_path / "renamed.xlsx", lambda name, data: (
        data, zipfile.ZIP_DEFLATED,
        (0x7075).to_bytes(2, "little") + len(field).to_bytes(2, "little") + field
        if name == "xl/worksheets/sheet1.xml" else b""))
    first, whole = _read_both(renamed, monkeypatch)
    assert outcomes == [] and first == whole


def test_a_sheet_of_little_cells_and_much_text_is_parsed_whole(tmp_path, monkeypatch, outcomes):
    rows = [_row(r, [(f"A{r}", "x" * 1500)]) for r in range(1, 200)]
    path = _workbook_with(tmp_path, "long.xlsx", _sheet_xml(rows))
    first, whole = _read_both(path, monkeypatch)
    assert outcomes == ["whole"] and first == whole


def test_the_cut_falls_between_rows_near_the_middle(tmp_path, monkeypatch):
    monkeypatch.setattr(halves, "MIN_BYTES", 0)
    rows = _plain_rows(range(1, 200))
    kept = xlsx_scan.KeptPieces()
    sheet = _sheet_xml(rows)
    cuts = [0]
    for row in rows:
        cuts.append(sheet.index(row) + len(row))
    pieces = [sheet[a:b] + b"\0" * xlsx_scan.PAD_BYTES for a, b in zip(cuts[:-1], cuts[1:])]
    pieces[-1] = sheet[cuts[-2]:] + b"\0" * xlsx_scan.PAD_BYTES
    for k, piece in enumerate(pieces):
        kept.pieces.append(piece)
        kept.ends_row.append(piece.endswith(b"</row>" + b"\0" * xlsx_scan.PAD_BYTES))
        kept.sheet_data.append(int(k == 0) + int(k == len(pieces) - 1))
        kept.merged.append(0)
    kept.cells, kept.markup = 2 * len(rows), 1
    cut = halves.plan_cut(kept, b"worksheet")
    assert cut is not None and abs(cut.at - 100) <= 1
    assert cut.head.endswith(b"<sheetData>") and cut.closing == b"</sheetData></worksheet>"
    kept.markup = 2  # a comment somewhere: no cut
    assert halves.plan_cut(kept, b"worksheet") is None
