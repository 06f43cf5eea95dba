"""Hostile files: every class of attack ends in the project's own error, within bounds, and Python survives.

The files are built by :mod:`hostile` (small, from scratch).  Full-size
attacks are read by a separate Python process (as an analyst's would be),
so that a regression that lets the native value reader abort kills that
process and fails the test rather than the test run; the process reports,
for each file, the outcome and the peak memory of itself and of the parsing
process it may start (``ru_maxrss``), which together must stay under 1.5 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hostile as h
from survey_analysis.errors import SurveyError, UnsafeFileError, WrongFormatError
from survey_analysis.readers import limits, read_raw
from survey_analysis.readers.isolated import ISOLATION_AVAILABLE

MEMORY_TARGET_MB = 1536
_READER = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))  # a regression must not take the machine down
from survey_analysis.readers import read_raw
from survey_analysis.errors import SurveyError
for path in sys.argv[1:]:
    print(json.dumps({"start": path}), flush=True)
    started = time.perf_counter()
    try:
        raw = read_raw(path)
        outcome = {"loaded": [raw.n_rows, raw.n_columns]}
    except SurveyError as error:
        outcome = {"error": type(error).__name__, "message": str(error)}
    outcome.update(path=path, seconds=time.perf_counter() - started,
                   self_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                   child_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
    print(json.dumps(outcome), flush=True)
"""


def read_in_a_process(paths: list[Path]) -> dict[str, dict]:
    """Read each file in a fresh Python process; fail naming the file if that process dies."""
    result = subprocess.run([sys.executable, "-c", _READER, *map(str, paths)], capture_output=True, text=True,
                            timeout=300)
    outcomes, last = {}, None
    for line in result.stdout.splitlines():
        record = json.loads(line)
        if "start" in record:
            last = record["start"]
        else:
            outcomes[record["path"]] = record
    assert result.returncode == 0, f"reading {last} ended the process ({result.returncode}): {result.stderr[-800:]}"
    for marker in ("panicked", "memory allocation", "Traceback"):
        assert marker not in result.stderr, result.stderr[-800:]
    return outcomes


def _refused(outcome: dict, path: Path, *kinds: str) -> None:
    assert "error" in outcome, f"{path.name} was read: {outcome}"
    assert outcome["error"] in kinds, outcome
    assert str(path) in outcome["message"], outcome["message"]
    assert outcome["seconds"] < 30
    assert outcome["self_mb"] + outcome["child_mb"] < MEMORY_TARGET_MB, outcome


# ------------------------------------------------------------------ parts the value reader finds otherwise

FAR = h.far_cell("XFD1048576")
_PART_VARIANTS = {
    # what the hostile author changes -> parts of the workbook
    "target in upper case": dict(target="WORKSHEETS/SHEET1.XML"),
    "entry in upper case": dict(sheet_entry="XL/WORKSHEETS/SHEET1.XML"),
    "entry in mixed case": dict(sheet_entry="xl/worksheets/Sheet1.XmL"),
    "absolute target in other case": dict(target="/XL/Worksheets/Sheet1.xml", sheet_entry="xl/worksheets/sheet1.xml"),
    "entry named .bin": dict(target="worksheets/sheet1.bin", sheet_entry="xl/worksheets/sheet1.bin"),
    "entry without extension": dict(target="worksheets/sheet1", sheet_entry="xl/worksheets/sheet1"),
    "entry with backslashes": dict(sheet_entry="xl\\worksheets\\sheet1.xml"),
    "entry outside worksheets/": dict(target="/foo.dat", sheet_entry="foo.dat"),
    "literal ../ in the name": dict(target="worksheets/../worksheets/sheet1.xml",
                                    sheet_entry="xl/worksheets/../worksheets/sheet1.xml"),
    "percent-encoded name": dict(target="worksheets/sheet%31.xml", sheet_entry="xl/worksheets/sheet%31.xml"),
    "entity in the target": dict(target="worksheets/sheet&#49;.xml", sheet_entry="xl/worksheets/sheet&#49;.xml"),
    "second id attribute": dict(sheet_attributes='r:id="rId2" relationships:id="rId1" '
                                                 'xmlns:relationships="urn:other"',
                                relationships=(f'<Relationship Id="rId2" Type="{h.DOC_RELS}/worksheet" '
                                               'Target="worksheets/benign.xml"/><Relationship Id="rId1" '
                                               f'Type="{h.DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>')),
    "duplicate relationship ids": dict(relationships=(
        f'<Relationship Id="rId1" Type="{h.DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId1" Type="{h.DOC_RELS}/worksheet" Target="worksheets/benign.xml"/>')),
}


def test_the_part_checked_is_the_part_the_value_reader_reads(tmp_path):
    """A far-away cell in the sheet part, whatever its name, case or relationship: refused, never an abort."""
    paths = []
    for k, (what, options) in enumerate(_PART_VARIANTS.items()):
        parts = h.xlsx_parts(h.sheet_xml(extra=FAR), **options)
        parts.setdefault("xl/worksheets/benign.xml", h.sheet_xml())
        path = tmp_path / f"part{k}.xlsx"
        path.write_bytes(h.zip_bytes(parts))
        paths.append((what, path))
    # The same hostile part twice, once in another case, ahead of a benign twin.
    twin = h.xlsx_parts(h.sheet_xml())
    path = tmp_path / "twin.xlsx"
    path.write_bytes(h.zip_bytes({"XL/WORKSHEETS/SHEET1.XML": h.sheet_xml(extra=FAR), **twin}))
    paths.append(("hostile upper-case twin first", path))
    outcomes = read_in_a_process([p for _, p in paths])
    for what, path in paths:
        outcome = outcomes[str(path)]
        _refused(outcome, path, "UnsafeFileError")
        assert "XFD1048576" in outcome["message"] and "MAX_SHEET_CELLS" in outcome["message"], what


# ------------------------------------------------------------------ numbers written unusually, size fields that lie

_XLSX_REFERENCES = {
    "plain": FAR,
    "leading zeros in the cell": h.far_cell("XFD00001048576"),
    "many leading zeros": h.far_cell("XFD" + "0" * 12 + "1048576"),
    "lower case": h.far_cell("xfd1048576"),
    "row number beyond u32 with zeros": '<row r="000004294967295"><c><v>1</v></c></row>',
    "row number only, cell without reference": '<row r="1048576"><c><v>1</v></c></row><row r="5"><c r="XFD5"/></row>',
    "gt in an earlier attribute": h.far_cell("XFD1048576", attributes=' s="0" x="a>b"'),
    "blanks and newlines around =": '<row r="1048576"><c r\n =\t "XFD1048576"><v>1</v></c></row>',
    "single quotes": "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "prefixed cell": ('<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      'r="XFD1048576"><x:v>1</x:v></x:c></row>'),
    "four letters": h.far_cell("ZZZZ1000"),
    "cells without references, many rows": "<row/>" * 3000 + '<row><c r="XFD1"/><c/></row>',
    "cells without references whose values carry one": '<row r="1048576">' + "<c><v r='A1'>1</v></c>" * 20_000
                                                       + "</row>",
    "prefixed cells without references under an unprefixed root": (
        '<row r="1048576" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<x:c><x:v>1</x:v></x:c>" * 20_000 + "</row>"),
    "dimension that lies small": FAR,
}


def test_references_written_unusually_are_measured(tmp_path):
    paths = []
    for k, (what, rows) in enumerate(_XLSX_REFERENCES.items()):
        path = tmp_path / f"ref{k}.xlsx"
        dimension = "A1:B2" if "dimension" in what else None
        path.write_bytes(h.xlsx_bytes(h.sheet_xml(extra=rows, dimension=dimension)))
        paths.append((what, path))
    outcomes = read_in_a_process([p for _, p in paths])
    for what, path in paths:
        _refused(outcomes[str(path)], path, "UnsafeFileError")


@pytest.mark.parametrize("where", ["docProps/pad.xml", "xl/worksheets/sheet1.xml"])
def test_a_long_run_without_a_tag_end_is_refused_wherever_it_stands(tmp_path, monkeypatch, where):
    """Hundreds of megabytes without '>' in any part (a comment, text, an attribute value) made the
    checks slow and large (380 MiB: 30 s and 2.4 GB); a run that passes MAX_TAG_GAP_BYTES where the part
    is cut into pieces is refused (here scaled down: 64 KiB pieces, a 256 KiB limit, a 1 MB run)."""
    import random

    from survey_analysis.readers import inflate

    run = bytes(random.Random(3).choices(b"= abcdefgh", k=1_000_000))
    sheet = h.sheet_xml()
    parts = h.xlsx_parts(sheet)
    if where == "docProps/pad.xml":
        parts[where] = b"<?xml version='1.0'?><pad><!--" + run + b"--></pad>"
    else:
        parts[where] = sheet.replace(b"</sheetData>", b"</sheetData><!--" + run + b"-->")
    path = tmp_path / "gap.xlsx"
    path.write_bytes(h.zip_bytes(parts))
    monkeypatch.setattr(inflate, "CHUNK_BYTES", 64 << 10)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(path, limits={"MAX_TAG_GAP_BYTES": 256 << 10})
    assert "MAX_TAG_GAP_BYTES" in str(caught.value) and where in str(caught.value)
    assert read_raw(path).n_rows >= 2


def test_shared_strings_that_would_fill_memory_are_refused(tmp_path):
    long_string = "a" * 1_000_000  # under 1 MiB: no compression-ratio check applies to it
    cells = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(3, 1203))
    cases = {
        "one long string used by 1,200 cells": h.xlsx_bytes(
            h.sheet_xml(extra=cells), strings=h.shared_strings([long_string])),
        "announced count beyond u32": h.xlsx_bytes(h.sheet_xml(), strings=h.shared_strings(["x"], count="4294967295")),
        "announced count with leading zeros": h.xlsx_bytes(
            h.sheet_xml(), strings=h.shared_strings(["x"], count="0000000099999999999")),
        "a shared-strings part dressed as a worksheet": h.xlsx_bytes(h.sheet_xml(extra=cells), strings=(
            f'<worksheet xmlns="{h.MAIN}"><si><t>{long_string}</t></si></worksheet>'.encode())),
        "many empty strings": h.xlsx_bytes(h.sheet_xml(), strings=(
            f'<sst xmlns="{h.MAIN}">'.encode() + b"<si/>" * 5_000_001 + b"</sst>")),
    }
    paths = []
    for k, (what, data) in enumerate(cases.items()):
        path = tmp_path / f"sst{k}.xlsx"
        path.write_bytes(data)
        paths.append((what, path))
    outcomes = read_in_a_process([p for _, p in paths])
    for what, path in paths:
        _refused(outcomes[str(path)], path, "UnsafeFileError")
        assert "MAX_" in outcomes[str(path)]["message"], what


_ODS_VARIANTS = {
    "leading zeros": 'table:number-rows-repeated="0001000000"',
    "sign": 'table:number-rows-repeated="+1000000"',
    "character references": 'table:number-rows-repeated="&#49;&#48;&#48;&#48;&#48;&#48;&#48;"',
    "gt in an earlier attribute": 'table:style-name="a>b" table:number-rows-repeated="1000000"',
    "blanks around =": 'table:number-rows-repeated \n= "1000000"',
    "beyond u64": 'table:number-rows-repeated="99999999999999999999999"',
    # The value reader reads the count under its usual prefix only: a decoy under another comes first.
    "a decoy under another prefix first": 'foo:number-rows-repeated="1" table:number-rows-repeated="1000000"',
}


def test_an_ods_with_a_long_run_without_a_tag_end_is_refused(tmp_path):
    """A 256 MiB comment in an .ods's content.xml ran past 60 s (the XML parser goes over an unfinished
    token again with every chunk); past MAX_TAG_GAP_BYTES it is refused (scaled: 1 MiB, a 6 MB run)."""
    import io
    import random
    import zipfile

    run = bytes(random.Random(5).choices(b"= abcdefgh", k=6_000_000))
    source = zipfile.ZipFile(io.BytesIO(h.ods_bytes(h.ODS_HEADER)))
    path = tmp_path / "gap.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "content.xml":
                head, end, tail = body.partition(b"</office:spreadsheet>")
                body = head + b"<!--" + run + b"-->" + end + tail
            archive.writestr(info.filename, body)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(path, limits={"MAX_TAG_GAP_BYTES": 1 << 20})
    assert "MAX_TAG_GAP_BYTES" in str(caught.value) and "content.xml" in str(caught.value)
    assert read_raw(path).rows[0][0] is not None  # under the default limit it is read


def _content_changed(ods: bytes, change) -> bytes:
    """An .ods with its content.xml passed through ``change``."""
    import io
    import zipfile

    source, buffer = zipfile.ZipFile(io.BytesIO(ods)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            archive.writestr(info, change(body) if info.filename == "content.xml" else body)
    return buffer.getvalue()


@pytest.mark.parametrize("case", ["comment", "attribute", "instruction"])
def test_an_ods_with_a_long_token_holding_tag_ends_is_refused(tmp_path, case):
    """A 370 MB comment with a '>' every kilobyte passed the tag-end check and took 110 s: the XML parser
    goes over the unfinished token again with every chunk (scaled: 1 MiB limit, a 6 MB token)."""
    import random

    letters = random.Random(7).choices("abcdefgh =", k=1023 * 6000)  # random: it must not compress too well
    run = ">".join("".join(letters[k:k + 1023]) for k in range(0, len(letters), 1023))
    token = {"comment": f"<!--{run}-->", "attribute": f'<text:span text:style-name="{run}"/>',
             "instruction": f"<?pi {run}?>"}[case]
    ods = h.ods_bytes(h.ODS_HEADER.replace("<text:p>Timestamp", f"<text:p>Timestamp{token}", 1))
    path = tmp_path / f"{case}.ods"
    path.write_bytes(ods)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(path, limits={"MAX_TAG_GAP_BYTES": 1 << 20})
    assert "MAX_TAG_GAP_BYTES" in str(caught.value)
    assert read_raw(path).rows[0][1] == "Member category"  # under the default limit it is read


def test_an_ods_with_too_many_tags_or_too_deep_is_refused_before_it_is_parsed(tmp_path):
    deep = "<text:span>" * 300 + "x" + "</text:span>" * 300
    path = tmp_path / "deep.ods"
    path.write_bytes(h.ods_bytes(h.ODS_HEADER.replace("<text:p>Timestamp", f"<text:p>{deep}", 1)))
    with pytest.raises(UnsafeFileError, match="MAX_XML_DEPTH"):
        read_raw(path)
    assert read_raw(path, limits={"MAX_XML_DEPTH": 400}).rows[0][0] == "x"
    many = tmp_path / "many.ods"
    many.write_bytes(h.ods_bytes(h.ODS_HEADER + h.ods_number_row() * 100))
    with pytest.raises(UnsafeFileError, match="MAX_XML_TAGS"):
        read_raw(many, limits={"MAX_XML_TAGS": 200})
    assert len(read_raw(many).rows) == 101


def test_overlapping_merged_ranges_are_filled_once_over(tmp_path):
    """A thousand merged ranges each over a whole sheet took a minute to fill; past one sheet's worth of
    cells the rest are left unfilled, with a note."""
    from survey_analysis.readers.workbook import SheetRows, _fill_merged

    table = SheetRows(rows=[["a"] + [None] * 99] + [[None] * 100 for _ in range(99)], row_numbers=list(range(1, 101)),
                      width=100, notes=[], merged=[((0, 0), (10**6, 10**5))] * 1000)
    _fill_merged(table)
    assert all(v == "a" for row in table.rows for v in row)
    assert any("999 merged cell range(s) overlap" in note for note in table.notes)


def test_ods_repeats_written_unusually_are_counted(tmp_path):
    wide = 'table:number-columns-repeated="1000"'
    paths = []
    for k, (what, attribute) in enumerate(_ODS_VARIANTS.items()):
        path = tmp_path / f"ods{k}.ods"
        path.write_bytes(h.ods_bytes(h.ODS_HEADER + h.ods_number_row(row_attributes=attribute, cell_attributes=wide)))
        paths.append((what, path))
    text_cases = {
        "two billion spaces": '<table:table-row><table:table-cell office:value-type="string"><text:p>a'
                              '<text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row>',
        "a long string repeated": ('<table:table-row table:number-rows-repeated="3000"><table:table-cell '
                                   f'office:value-type="string" office:string-value="{"x" * 100_000}"/>'
                                   "</table:table-row>"),
        "formula-only cells repeated": ('<table:table-row table:number-rows-repeated="100000"><table:table-cell '
                                        'table:number-columns-repeated="1000" table:formula="of:=1"/></table:table-row>'),
        "a decoy space count first": '<table:table-row><table:table-cell office:value-type="string"><text:p>a'
                                     '<text:s foo:c="1" text:c="2000000000"/></text:p></table:table-cell></table:table-row>',
        "a decoy value type hiding text": ('<table:table-row><table:table-cell calcext:value-type="float" '
                                           'office:value-type="string" table:number-columns-repeated="1000"><text:p>a'
                                           '<text:s text:c="2000000"/></text:p></table:table-cell></table:table-row>'),
        "an empty table inside the table": h.ods_number_row(
            row_attributes='table:number-rows-repeated="20000"', cell_attributes='table:number-columns-repeated="1000"')
        + '<table:table table:name="inner"></table:table>',
    }
    for k, (what, rows) in enumerate(text_cases.items()):
        path = tmp_path / f"odstext{k}.ods"
        path.write_bytes(h.ods_bytes(h.ODS_HEADER + rows))
        paths.append((what, path))
    many = [(f"T{i}", h.ods_number_row(row_attributes='table:number-rows-repeated="2000"',
                                       cell_attributes='table:number-columns-repeated="1000"')) for i in range(6)]
    path = tmp_path / "tables.ods"
    path.write_bytes(h.ods_bytes("", tables=many))
    paths.append(("six tables each under the limit", path))
    path = tmp_path / "one_name.ods"  # a decoy name first must not make the six tables one
    path.write_bytes(_content_changed(h.ods_bytes("", tables=many),
                                      lambda text: text.replace(b"<table:table table:name=", b'<table:table a:name="Same" '
                                                                b"table:name=")))
    paths.append(("six tables under one decoy name", path))
    outcomes = read_in_a_process([p for _, p in paths])
    for what, path in paths:
        _refused(outcomes[str(path)], path, "UnsafeFileError")


def test_xls_size_fields_that_lie_are_refused_before_the_parse(tmp_path):
    import struct

    sheet = h.survey_sheet()
    cases = {
        "DIMENSIONS past a sheet": h.xls_stream([("Responses", h.survey_sheet(dims=(0, 0xFFFFFFFF, 0, 0xFFFF)))]),
        "DIMENSIONS inverted": h.xls_stream([("Responses", h.survey_sheet(dims=(10, 5, 0, 2)))]),
        "DIMENSIONS inside the limits but huge": h.xls_stream([("Responses", h.survey_sheet(dims=(0, 65536, 0, 256)))]),
        "sheet offset past the stream": h.xls_stream([("Responses", sheet)], offsets={"Responses": 0x7FFFFFF0}),
        "sheet offset inside a record": h.xls_stream([("Responses", sheet)], offsets={"Responses": 3}),
        "record length past the end": h.xls_stream([("Responses", sheet + h.record(0x0203, b"\0" * 14, length=60000))]),
        "shared-strings count": h.xls_stream([("Responses", sheet)]).replace(
            h.EOF, h.record(0x00FC, struct.pack("<II", 0xFFFFFFFF, 0xFFFFFFFF) + b"\x01\x00\x00x") + h.EOF, 1),
        "MULBLANK span backwards": h.xls_stream([("Responses", sheet + h.record(
            0x00BE, struct.pack("<HHHHH", 2, 10, 0x0F, 0x0F, 5)))]),
    }
    paths = []
    for k, (what, stream) in enumerate(cases.items()):
        paths.append((what, h.write_xls_stream(tmp_path / f"xls{k}.xls", stream)))
    outcomes = read_in_a_process([p for _, p in paths])
    for what, path in paths:
        _refused(outcomes[str(path)], path, "UnsafeFileError", "WrongFormatError")


@pytest.mark.skipif(not ISOLATION_AVAILABLE, reason="the memory-limited parse needs Linux")
def test_a_parse_that_exceeds_its_memory_ends_in_an_error_not_an_abort(tmp_path, capfd):
    """Limits raised as for a trusted file: the checks let the file through, the isolated parse dies, Python lives."""
    path = h.write_xls_stream(tmp_path / "huge.xls", h.xls_stream(
        [("Responses", h.survey_sheet(h.number(65535, 255, 1.0), dims=(0, 65536, 0, 256)))]))
    started = time.perf_counter()
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(path, limits={"MAX_SHEET_CELLS": 1 << 40, "ISOLATED_PARSE_MEMORY": 150 << 20})
    assert time.perf_counter() - started < 30
    message = str(caught.value)
    assert str(path) in message and "ISOLATED_PARSE_MEMORY" in message
    assert capfd.readouterr().err == ""


@pytest.mark.skipif(not ISOLATION_AVAILABLE, reason="the memory-limited parse needs Linux")
def test_an_irregular_zip_is_parsed_apart_and_still_reads(tmp_path):
    """Data hidden after the directory (or a comment): every zip reader may see other entries, so the parse
    is isolated; a well-formed workbook still reads the same."""
    data = h.xlsx_bytes(h.sheet_xml())
    path = tmp_path / "comment.xlsx"
    path.write_bytes(data[:-2] + b"\x07\x00hostile")  # a 7-byte zip comment
    assert read_raw(path).rows == [["Timestamp", "Member category"], ["2019-01-14", "University"]]


def test_a_native_panic_prints_nothing_and_names_the_file(tmp_path, capfd):
    styles = (f'<styleSheet xmlns="{h.MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
              '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>').encode()
    rels = (f'<Relationship Id="rId1" Type="{h.DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{h.DOC_RELS}/styles" Target="styles.xml"/>')
    parts = h.xlsx_parts(h.sheet_xml(extra='<row r="3"><c r="A3" s="1"><v>-1e300</v></c></row>'),
                         relationships=rels)
    parts["xl/styles.xml"] = styles
    path = tmp_path / "date.xlsx"
    path.write_bytes(h.zip_bytes(parts))
    with pytest.raises(SurveyError) as caught:
        read_raw(path)
    assert str(path) in str(caught.value)
    assert "panicked" not in capfd.readouterr().err


def test_csv_records_and_fields_beyond_the_limits_are_named(tmp_path):
    cases = {  # the limits scaled down a hundredfold, the files with them
        "MAX_FIELDS_PER_RECORD": h.csv_bytes(["A,B", "1," + "," * 1_000]),
        "MAX_FIELD_CHARS": h.csv_bytes(["A,B", "1," + "x" * 20_000]),
        "MAX_RECORDS": b"A,B\n" + b"\n" * 11_000,
        "MAX_SHEET_CELLS": h.csv_bytes(["A,B,C,D"] + ["1,2,3,4"] * 30_000),
        "padding": h.csv_bytes(["A,B", "1," + "," * 150] + ["1,2"] * 5_000),  # one wide record pads the rest
    }
    scaled = {"MAX_FIELDS_PER_RECORD": 200, "MAX_FIELD_CHARS": 10_000, "MAX_RECORDS": 10_000,
              "MAX_SHEET_CELLS": 100_000}
    for name, data in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        with pytest.raises(UnsafeFileError) as caught:
            read_raw(path, limits=scaled)
        named = "MAX_SHEET_CELLS" if name == "padding" else name
        assert named in str(caught.value) and str(path) in str(caught.value) and caught.value.row
    # At full size, a line of millions of separators is stopped before it is split.
    path = tmp_path / "separators.csv"
    path.write_bytes(h.csv_bytes(["A,B", "1," + "," * 5_000_000]))
    with pytest.raises(UnsafeFileError, match="MAX_FIELDS_PER_RECORD"):
        read_raw(path)
    # A quote that never closes is told apart from a long field, however long the rest is.
    path = tmp_path / "quote.csv"
    path.write_bytes(h.csv_bytes(["A,B", '1,"never closed'] + ["x,y"] * 6_000))
    with pytest.raises(WrongFormatError, match="never ends"):
        read_raw(path, limits=scaled)


def test_lines_in_two_encodings_and_nul_bytes_are_reported_per_line(tmp_path):
    lines = ["Timestamp,Comment"] + [f"2019-01-{d % 28 + 1:02d},Bună ziua {d}" for d in range(300)]
    data = bytearray(h.csv_bytes(lines))
    assert len(data) > 4096  # past the first 4 KiB, where a binary file would have shown
    data += "2019-02-01,Iaşi şi Cluj\r\n".encode("cp1250") + b"2019-02-02,ok\x00\x00 then\r\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(bytes(data))
    raw = read_raw(path)
    kinds = {p["kind"]: p for p in raw.problems}
    assert kinds["mixed_encoding"]["row"] == 302 and "Windows-1250" in kinds["mixed_encoding"]["message"]
    assert kinds["nul_character"]["row"] == 303
    assert raw.rows[301][1] == "Iaşi şi Cluj" and raw.rows[1][1] == "Bună ziua 0"
    assert raw.rows[302][1] == "ok then"
    # A few NUL bytes at the very start of a text file are reported the same way, not taken for binary.
    path.write_bytes(b"A,B\r\n1,x\x00y\r\n2,z\r\n")
    raw = read_raw(path)
    assert raw.rows[1] == ["1", "xy"] and raw.problems[0]["kind"] == "nul_character"
    assert all("\ufffd" not in str(v) for row in raw.rows for v in row)


def test_every_refusal_names_its_limit_and_the_limit_can_be_raised(tmp_path):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(h.xlsx_bytes(h.sheet_xml(extra=h.far_cell("Z400"))))  # 26 x 400 = 10,400 cells
    with limits.using({"MAX_SHEET_CELLS": 10_000}):
        with pytest.raises(UnsafeFileError) as caught:
            read_raw(path)
    assert "MAX_SHEET_CELLS" in str(caught.value) and "--limits MAX_SHEET_CELLS=" in str(caught.value)
    raw = read_raw(path, limits={"max_sheet_cells": "20K"})
    assert raw.n_rows == 400
    with pytest.raises(SurveyError, match="no limit named"):
        read_raw(path, limits={"MAX_CELLS_PLEASE": 5})
    with pytest.raises(SurveyError, match="whole number"):
        read_raw(path, limits={"MAX_SHEET_CELLS": "lots"})
