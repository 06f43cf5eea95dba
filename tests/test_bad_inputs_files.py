"""BAD_INPUTS.md cases 1-12: hostile and broken files given to the read stage.

Each test builds its file in ``tmp_path`` and checks the exception class, that
the message names the file (and sheet/row/column/value where they apply) and
says what to do -- or, for the cases that are handled rather than refused,
that the handling is recorded in the notes or problems.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import zipfile
from pathlib import Path

import pytest

from filebuilders import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    QUADRATIC_BLOWUP,
    SURVEY_HEADER,
    SURVEY_ROWS,
    csv_text,
    replace_zip_part,
    write_encrypted_xlsx,
    write_many_entries_zip,
    write_survey_xlsx,
    write_xlsx,
    write_zip_bomb,
)
from survey_analysis.readers import files as files_module
from survey_analysis.readers import inflate, limits, xlsx_scan
from survey_analysis.errors import (
    EmptyFileError,
    EncodingProblemError,
    EncryptedFileError,
    FileProblemError,
    SheetNotFoundError,
    SurveyError,
    UnsafeFileError,
    WrongFormatError,
)
from survey_analysis.readers import column_letter, read_raw


def _assert_names_file_and_hint(error: SurveyError, path: Path) -> str:
    text = str(error)
    assert str(path) in text, text
    assert error.path == str(path)
    assert error.hint, "the error must say what to do"
    assert "What to do:" in text
    return text


# ---------------------------------------------------------------- 1. zip bomb


def test_case01_zip_bomb_refused_before_parsing_in_bounded_time(tmp_path):
    bomb = write_zip_bomb(tmp_path / "responses.xlsx", inflated_mb=300)
    assert bomb.stat().st_size < 2_000_000  # a few hundred KB on disk ...
    with zipfile.ZipFile(bomb) as archive:  # ... that declares 300 MB inside
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 300_000_000
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(bomb)
    assert time.perf_counter() - start < 5
    text = _assert_names_file_and_hint(caught.value, bomb)
    assert "xl/worksheets/sheet1.xml" in text and "zip bomb" in text


def test_case01_ratio_limit_and_entry_count(tmp_path, monkeypatch):
    # A smaller bomb stays under the size limit but not under the ratio limit.
    bomb = write_zip_bomb(tmp_path / "small_bomb.xlsx", inflated_mb=30)
    with pytest.raises(UnsafeFileError, match="compressed .* times"):
        read_raw(bomb)
    # Too many entries: lower the limit rather than write 10,000 entries.
    monkeypatch.setattr(limits, "MAX_ZIP_ENTRIES", 50)
    many = write_many_entries_zip(tmp_path / "many.xlsx", entries=60)
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError, match="entries") as caught:
        read_raw(many)
    assert time.perf_counter() - start < 5
    _assert_names_file_and_hint(caught.value, many)


def test_case01_entry_larger_than_it_declares_is_refused(tmp_path):
    """A bomb that lies in its headers: 30 MB of XML declared as 5,000 bytes."""
    import struct

    source = write_zip_bomb(tmp_path / "honest.xlsx", inflated_mb=30)
    data = bytearray(source.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(signature)
        while at != -1:
            (length,) = struct.unpack_from("<H", data, at + name_length_at)
            if data[at + name_at:at + name_at + length] == name:
                struct.pack_into("<I", data, at + size_at, 5000)
            at = data.find(signature, at + 4)
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(data))
    start = time.perf_counter()
    with pytest.raises((UnsafeFileError, WrongFormatError)) as caught:
        read_raw(liar)
    assert time.perf_counter() - start < 5
    text = _assert_names_file_and_hint(caught.value, liar)
    assert "xl/worksheets/sheet1.xml" in text


def test_case01_sparse_sheet_that_would_fill_memory_is_refused(tmp_path):
    # Two cells far apart: a 5 KB file whose bounding box is 140 million cells.
    path = tmp_path / "sparse.xlsx"
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Timestamp"
    workbook.active["ZZ200000"] = "far away"
    workbook.save(path)
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(path)
    assert time.perf_counter() - start < 5
    text = _assert_names_file_and_hint(caught.value, path)
    assert caught.value.sheet == "Sheet" and "ZZ200000" in text


def test_case01_ods_repeated_cells_that_would_fill_memory_are_refused(tmp_path):
    pytest.importorskip("odf")
    from filebuilders import write_ods

    good = write_ods(tmp_path / "good.ods", {"S": [["a", "b"], ["1", "2"]]})
    with zipfile.ZipFile(good) as archive:
        content = archive.read("content.xml")
    # One stored cell, repeated 1,000 columns x 99,000 rows: 99 million cells.
    row = (b'<table:table-row table:number-rows-repeated="99000"><table:table-cell '
           b'table:number-columns-repeated="1000" office:value-type="float" office:value="1"/>'
           b"</table:table-row>")
    hostile_content = re.sub(rb"<table:table-row>.*</table:table-row>", row, content, flags=re.S)
    hostile = replace_zip_part(good, tmp_path / "repeat.ods", "content.xml", hostile_content)
    assert hostile.stat().st_size < 10_000
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(hostile)
    assert time.perf_counter() - start < 5
    text = _assert_names_file_and_hint(caught.value, hostile)
    assert caught.value.sheet == "S" and "99,000,000 cells" in text


def test_case01_xls_whose_sheets_would_fill_memory_is_refused(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    for i in range(3):  # three sheets, each touching A1 and IV65536
        sheet = workbook.add_sheet(f"S{i}")
        sheet.write(0, 0, "Timestamp")
        sheet.write(65535, 255, "far away")
    path = tmp_path / "huge.xls"
    workbook.save(str(path))
    assert path.stat().st_size < 20_000
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(path)
    assert time.perf_counter() - start < 5
    text = _assert_names_file_and_hint(caught.value, path)
    assert "50,331,648 cells" in text and "IV65536" in text


def test_case01_cells_without_references_are_counted(tmp_path):
    """Cells may omit their A1 reference; they are then placed one after another."""
    good = write_survey_xlsx(tmp_path / "good.xlsx")
    wide_row = "<row>" + "<c><v>1</v></c>" * 16_384 + "</row>"
    tall = "<row><c><v>2</v></c></row>" * 2_000
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + wide_row + tall + "</sheetData></worksheet>").encode()
    hostile = replace_zip_part(good, tmp_path / "no_refs.xlsx", "xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(hostile)
    assert "XFD2001" in _assert_names_file_and_hint(caught.value, hostile)


def test_case01_reference_with_blanks_around_equals_is_measured(tmp_path):
    """XML allows ``r = "XFD1048576"``; the value reader honours it, so the guard must too."""
    good = write_survey_xlsx(tmp_path / "good.xlsx")
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="1048576"><c r = "XFD1048576"><v>2</v></c></row>'
             "</sheetData></worksheet>").encode()
    hostile = replace_zip_part(good, tmp_path / "spaced.xlsx", "xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(hostile)
    assert "XFD1048576" in _assert_names_file_and_hint(caught.value, hostile)
    # blanks that run past any look-around window, and "1 = highest" in text, change nothing
    padded = sheet.replace(b'r = "XFD', b"r" + b" " * 300 + b"=\n\t" + b" " * 300 + b'"XFD')
    padded = padded.replace(b"<v>1</v>", b'</c><c r="B1" t="inlineStr"><is><t>1 = highest</t></is>')
    hostile = replace_zip_part(good, tmp_path / "padded.xlsx", "xl/worksheets/sheet1.xml", padded)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(hostile)
    assert "XFD1048576" in _assert_names_file_and_hint(caught.value, hostile)


def test_case01_cells_without_references_behind_numbered_rows_are_counted(tmp_path, monkeypatch):
    """Row numbers are references too, but they do not place cells: a row of
    reference-less cells among many numbered rows still widens the block."""
    monkeypatch.setattr(limits, "MAX_SHEET_CELLS", 10_000)
    good = write_survey_xlsx(tmp_path / "good.xlsx")
    wide_row = '<row r="1">' + "<c><v>1</v></c>" * 300 + "</row>"
    numbered = "".join(f'<row r="{i}"/>' for i in range(2, 400))
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + wide_row + numbered + "</sheetData></worksheet>").encode()
    hostile = replace_zip_part(good, tmp_path / "hidden_width.xlsx", "xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(hostile)
    _assert_names_file_and_hint(caught.value, hostile)


def test_case01_extent_matches_a_direct_count(tmp_path):
    """The vectorised measurement agrees with counting the references by hand."""
    import random

    rng = random.Random(7)
    cells, refs = [], []
    for row in sorted(rng.sample(range(1, 5000), 60)):
        columns = sorted(rng.sample(range(1, 800), 5))
        refs.append((row, max(columns)))
        cells.append(f'<row r="{row}">' + "".join(
            f'<c r="{column_letter(c - 1)}{row}" t="n"><v>{c}</v></c>' for c in columns) + "</row>")
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + "".join(cells) + "</sheetData></worksheet>").encode()
    path = replace_zip_part(write_survey_xlsx(tmp_path / "good.xlsx"), tmp_path / "scattered.xlsx",
                            "xl/worksheets/sheet1.xml", sheet)
    with zipfile.ZipFile(path) as archive:
        scan = xlsx_scan.scan_sheet_extent(path, archive, "xl/worksheets/sheet1.xml", b"worksheet")
    assert scan.max_row == max(r for r, _ in refs)
    assert scan.max_column == max(c for _, c in refs)


@pytest.mark.parametrize("chunk,piece", [(4 << 20, 1 << 20), (4096, 500)], ids=["default", "small-pieces"])
def test_case01_scan_bounds_the_block_whatever_the_piece_size(tmp_path, monkeypatch, chunk, piece):
    """However the part is cut into pieces, the scan finds the same cells and error cell, and its
    block holds every cell the value reader places, including reference-less cells that go on
    after a referenced one in a row cut across pieces."""
    import random

    import python_calamine

    rng = random.Random(11)
    rows = []
    for row in range(1, 400):
        cells = "".join(f'<c r="{column_letter(c)}{row}"><v>{rng.randrange(3)}</v></c>' for c in range(6))
        if row == 50:
            cells = "<c><v>1</v></c>" * 40  # reference-less cells
        if row == 120:
            cells += '<c r="G120" t="e"><v>#DIV/0!</v></c>'
        if row == 300:  # longer than a small chunk; reference-less cells after column CV
            cells = '<c r="CV300"><v>1</v></c>' + "<c><v>2</v></c>" * 600
        rows.append(f'<row r="{row}">{cells}</row>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + "".join(rows) + "</sheetData></worksheet>").encode()
    path = replace_zip_part(write_survey_xlsx(tmp_path / "good.xlsx"), tmp_path / "pieces.xlsx",
                            "xl/worksheets/sheet1.xml", sheet)
    monkeypatch.setattr(inflate, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(xlsx_scan, "PIECE_BYTES", piece)
    with zipfile.ZipFile(path) as archive:
        found = xlsx_scan.scan_sheet_xml(path, archive, "xl/worksheets/sheet1.xml", b"worksheet")
    placed = python_calamine.load_workbook(str(path)).get_sheet_by_index(0)
    assert found.max_row >= placed.end[0] + 1 == 399
    assert found.max_column >= placed.end[1] + 1 == 100 + 600
    assert found.cell_elements >= 397 * 6 + 1 + 40 + 601
    assert [(p.kind, p.row, p.column) for p in found.problems] == [("error_cell", 120, 6)]


def test_case01_faster_inflater_reads_the_same_rows(tmp_path, monkeypatch):
    """The optional ISA-L inflater and the standard zipfile path give identical results."""
    good = write_survey_xlsx(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as archive:  # the sheet, stored without compression too
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    expected = {p: read_raw(p) for p in (good, stored)}
    monkeypatch.setattr(inflate, "fast_zlib", None)
    for path, raw in expected.items():
        again = read_raw(path)
        assert again.rows == raw.rows and again.rows[0] == SURVEY_HEADER
        assert len(again.rows) == len(SURVEY_ROWS) + 1


@pytest.mark.parametrize("fast", [True, False], ids=["fast-inflater", "zipfile"])
def test_case01_damaged_sheet_data_is_refused(tmp_path, monkeypatch, fast):
    """A worksheet entry whose bytes were damaged past its first 64 KiB (bad CRC) is refused."""
    if not fast:
        monkeypatch.setattr(inflate, "fast_zlib", None)
    rows = [SURVEY_HEADER] + [list(SURVEY_ROWS[i % len(SURVEY_ROWS)]) for i in range(3000)]
    rows[-1][1] = "last-respondent@example.org"
    good = write_xlsx(tmp_path / "good.xlsx", {"Form Responses 1": rows})
    with zipfile.ZipFile(good) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    assert len(parts["xl/worksheets/sheet1.xml"]) > 2 * limits.PROLOG_SCAN_BYTES
    assert b"last-respondent" in parts["xl/worksheets/sheet1.xml"]
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    data = bytearray(damaged.read_bytes())
    at = data.index(b"last-respondent")  # near the end of the worksheet part, stored as is
    data[at:at + 4] = b"LAST"
    damaged.write_bytes(bytes(data))
    with pytest.raises(WrongFormatError) as caught:
        read_raw(damaged)
    text = _assert_names_file_and_hint(caught.value, damaged)
    assert "xl/worksheets/sheet1.xml" in text and "CRC" in text


# ------------------------------------------------------------ 2. XML attacks


@pytest.mark.parametrize(
    "part, payload",
    [
        ("xl/worksheets/sheet1.xml", BILLION_LAUGHS),
        ("xl/worksheets/sheet1.xml", QUADRATIC_BLOWUP),
        ("xl/sharedStrings.xml", EXTERNAL_ENTITY),
        ("xl/workbook.xml", BILLION_LAUGHS.replace(b"worksheet", b"workbook")),
    ],
    ids=["billion-laughs", "quadratic-blowup", "external-entity", "laughs-in-workbook"],
)
def test_case02_xml_entity_attacks_refused(tmp_path, part, payload):
    good = write_survey_xlsx(tmp_path / "good.xlsx")
    hostile = replace_zip_part(good, tmp_path / "hostile.xlsx", part, payload)
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError) as caught:
        read_raw(hostile)
    assert time.perf_counter() - start < 5
    text = _assert_names_file_and_hint(caught.value, hostile)
    assert part in text and "document type" in text
    assert "root:" not in text and "lol" * 3 not in text  # nothing from the payload leaks


def test_case02_utf16_xml_part_is_checked_too(tmp_path):
    good = write_survey_xlsx(tmp_path / "good.xlsx")
    payload = EXTERNAL_ENTITY.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    hostile = replace_zip_part(good, tmp_path / "utf16.xlsx", "xl/sharedStrings.xml", payload)
    with pytest.raises(UnsafeFileError):
        read_raw(hostile)


# --------------------------------------------------------- 3. encrypted xlsx


def test_case03_password_protected_xlsx(tmp_path):
    path = write_encrypted_xlsx(tmp_path / "protected.xlsx")
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # OLE2, not a zip
    with pytest.raises(EncryptedFileError) as caught:
        read_raw(path)
    text = _assert_names_file_and_hint(caught.value, path)
    assert "password" in text


# ------------------------------------------- 4. wrong content for the name


def test_case04_content_not_name_decides(tmp_path):
    # .xls under an .xlsx name: read, with a note naming the mismatch.
    xlwt = pytest.importorskip("xlwt")
    from filebuilders import write_ods, write_xls

    xls = write_xls(tmp_path / "legacy.xlsx", {"Responses": [SURVEY_HEADER, *SURVEY_ROWS]})
    assert xlwt is not None
    raw = read_raw(xls)
    assert raw.format == "xls" and raw.rows[0] == SURVEY_HEADER
    assert any("legacy.xlsx" in n and ".xls" in n and "Excel 97-2003" in n for n in raw.notes)

    pytest.importorskip("odf")
    ods = write_ods(tmp_path / "libre.xlsx", {"Responses": [SURVEY_HEADER, ["x", "y", "z", "u", "v"]]})
    raw = read_raw(ods)
    assert raw.format == "ods" and raw.rows[0] == SURVEY_HEADER
    assert any("libre.xlsx" in n and "OpenDocument" in n for n in raw.notes)

    # .xlsb under an .xlsx name is recognised by its xl/workbook.bin member
    # (this one has no sheets, so reading it then fails as a damaged workbook).
    xlsb = tmp_path / "binary.xlsx"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(WrongFormatError) as caught:
        read_raw(xlsb)
    _assert_names_file_and_hint(caught.value, xlsb)

    # A CSV renamed .xlsx: read as CSV, noted.
    renamed = tmp_path / "export.xlsx"
    renamed.write_text(csv_text([SURVEY_HEADER[1:], ["a@example.org", "Org", "Other", "Other"]]), encoding="utf-8")
    raw = read_raw(renamed)
    assert raw.format == "csv" and raw.rows[0] == SURVEY_HEADER[1:]
    assert any("export.xlsx" in n and "'.xlsx'" in n and "CSV" in n for n in raw.notes)


def test_case04_zero_byte_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(EmptyFileError) as caught:
        read_raw(path)
    assert "0 bytes" in _assert_names_file_and_hint(caught.value, path)


def test_case04_truncated_zip(tmp_path):
    good = write_survey_xlsx(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(WrongFormatError) as caught:
        read_raw(path)
    text = _assert_names_file_and_hint(caught.value, path)
    assert "truncated" in text


def test_case04_zip_without_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(WrongFormatError) as caught:
        read_raw(path)
    assert "xl/workbook.xml" in _assert_names_file_and_hint(caught.value, path)
    # A Word document is named as such.
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(WrongFormatError, match="Word document"):
        read_raw(docx)


def test_case04_messages_are_distinct(tmp_path):
    """Each broken container gets its own message."""
    good = write_survey_xlsx(tmp_path / "good.xlsx").read_bytes()
    files = {}
    files["empty"] = tmp_path / "a.xlsx"
    files["empty"].write_bytes(b"")
    files["truncated"] = tmp_path / "b.xlsx"
    files["truncated"].write_bytes(good[:300])
    files["no-workbook"] = tmp_path / "c.xlsx"
    with zipfile.ZipFile(files["no-workbook"], "w") as archive:
        archive.writestr("x.txt", "x")
    files["encrypted"] = write_encrypted_xlsx(tmp_path / "d.xlsx")
    files["binary"] = tmp_path / "e.xlsx"
    files["binary"].write_bytes(bytes(range(256)) * 4)
    messages = {}
    for kind, path in files.items():
        with pytest.raises(SurveyError) as caught:
            read_raw(path)
        messages[kind] = caught.value.message
    assert len(set(messages.values())) == len(messages), messages


# ------------------------------------------------------ 5. path problems


def test_case05_missing_file_directory_unreadable_unknown_sheet(tmp_path, monkeypatch):
    missing = tmp_path / "responses.xlsx"
    (tmp_path / "responses.xslx").write_bytes(b"x")  # a typo'd sibling is suggested
    with pytest.raises(FileProblemError) as caught:
        read_raw(missing)
    text = _assert_names_file_and_hint(caught.value, missing)
    assert "no such file" in text and "responses.xslx" in text

    folder = tmp_path / "exports"
    folder.mkdir()
    write_survey_xlsx(folder / "form.xlsx")
    with pytest.raises(FileProblemError) as caught:
        read_raw(folder)
    text = _assert_names_file_and_hint(caught.value, folder)
    assert "folder" in text and "form.xlsx" in text

    if hasattr(os, "mkfifo"):
        pipe = tmp_path / "pipe.csv"
        os.mkfifo(pipe)
        with pytest.raises(FileProblemError) as caught:  # refused without blocking on a read
            read_raw(pipe)
        assert "not a regular file" in _assert_names_file_and_hint(caught.value, pipe)

    locked = write_survey_xlsx(tmp_path / "locked.xlsx")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root reads any file, so simulate the operating system's refusal
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(files_module, "open", refuse, raising=False)
    else:
        locked.chmod(0)
    try:
        with pytest.raises(FileProblemError) as caught:
            read_raw(locked)
        assert "permission denied" in _assert_names_file_and_hint(caught.value, locked)
    finally:
        monkeypatch.undo()
        locked.chmod(0o644)

    workbook = write_xlsx(tmp_path / "two.xlsx", {"Responses": [["a", "b"], [1, 2]], "Notes": [["n"]]})
    with pytest.raises(SheetNotFoundError) as caught:
        read_raw(workbook, sheet="Respones")
    text = _assert_names_file_and_hint(caught.value, workbook)
    assert caught.value.sheet == "Respones"
    assert "'Responses'" in text and "'Notes'" in text and "Did you mean 'Responses'" in text
    with pytest.raises(SheetNotFoundError, match="position 5"):
        read_raw(workbook, sheet=5)


# --------------------------------------------------------- 6. many sheets


def test_case06_responses_sheet_chosen_hidden_sheets_named(tmp_path):
    responses = [SURVEY_HEADER, *SURVEY_ROWS]
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "Read me": [["This workbook holds the 2019 answers."], ["Exported by the secretariat."]],
            "Form Responses 1": responses,
            "Pivot": [["Region", "Count"], ["Bucharest-Ilfov", 1]],
            "Old answers": responses * 5,
            "Lookup": responses * 3,
        },
        states={"Old answers": "hidden", "Lookup": "veryHidden"},
    )
    raw = read_raw(path)
    assert raw.sheet == "Form Responses 1"
    assert raw.rows[0] == SURVEY_HEADER and len(raw.rows) == 4
    chosen_note = next(n for n in raw.notes if n.startswith("Read sheet"))
    assert "'Form Responses 1'" in chosen_note and "'Pivot'" in chosen_note and "'Read me'" in chosen_note
    skipped_note = next(n for n in raw.notes if n.startswith("Not read as data"))
    assert "hidden sheet 'Old answers'" in skipped_note and "very hidden sheet 'Lookup'" in skipped_note
    states = {s["name"]: (s["state"], s["chosen"]) for s in raw.sheets}
    assert states == {
        "Read me": ("visible", False),
        "Form Responses 1": ("visible", True),
        "Pivot": ("visible", False),
        "Old answers": ("hidden", False),
        "Lookup": ("veryhidden", False),
    }
    # Asking for a hidden sheet reads it, and says it is hidden.
    hidden = read_raw(path, sheet="Old answers")
    assert len(hidden.rows) == 4 * 5
    assert any("hidden" in n and "asked for" in n for n in hidden.notes)


def test_case06_every_sheet_hidden(tmp_path):
    path = write_xlsx(tmp_path / "hidden.xlsx", {"Visible": [[None]], "Data": [["a", "b"], [1, 2]]},
                      states={"Data": "hidden"})
    # The visible sheet is empty: the error points at the hidden one.
    with pytest.raises(EmptyFileError) as caught:
        read_raw(path)
    assert "sheet='Data'" in _assert_names_file_and_hint(caught.value, path)


# ----------------------------------------------------- 7. merged headers


def test_case07_merged_header_cells_forward_filled_and_recorded(tmp_path):
    rows = [
        ["Respondent ID", "Which activities?", None, None, "Comments"],
        [None, "Training", "Workshops", "Fairs", "Open-Ended Response"],
        ["101", "Training", None, "Fairs", "More webinars"],
    ]
    path = write_xlsx(tmp_path / "surveymonkey.xlsx", {"Sheet": rows}, merged={"Sheet": ["B1:D1"]})
    raw = read_raw(path)
    assert raw.rows[0] == ["Respondent ID", "Which activities?", "Which activities?", "Which activities?", "Comments"]
    assert raw.rows[2][2] is None  # a data cell outside the merge stays empty
    assert any("merged" in n and "B1:D1" in n for n in raw.notes)


def test_case07_merged_header_cells_in_ods(tmp_path):
    pytest.importorskip("odf")
    from filebuilders import write_ods

    rows = [["Respondent ID", "Which activities?", None, "Comments"], ["101", "Training", "Fairs", "ok"]]
    path = write_ods(tmp_path / "merged.ods", {"Sheet": rows}, spans={"Sheet": {(0, 1): 2}})
    raw = read_raw(path)
    assert raw.rows[0] == ["Respondent ID", "Which activities?", "Which activities?", "Comments"]
    assert any("merged" in n and "B1:C1" in n for n in raw.notes)


# ---------------------------------------- 8. formulas without cached values


def test_case08_formula_without_cached_value_flagged(tmp_path):
    rows = [["ID", "Score", "Total"], ["1", 4, "=B2*2"], ["2", 5, "=B3*2"]]
    path = write_xlsx(tmp_path / "formulas.xlsx", {"Scores": rows})  # openpyxl stores no results
    raw = read_raw(path)
    assert raw.rows[1] == ["1", 4, None] and raw.rows[2] == ["2", 5, None]
    flagged = [p for p in raw.problems if p["kind"] == "formula_without_value"]
    assert [(p["sheet"], p["row"], p["column"], p["value"]) for p in flagged] == [
        ("Scores", 2, "C (Total)", "=B2*2"),
        ("Scores", 3, "C (Total)", "=B3*2"),
    ]
    assert "never calculated" in flagged[0]["message"] and "C2" in flagged[0]["message"]


# ------------------------------------------ 9. dates, serials, error cells


def test_case09_1904_dates_serials_and_error_cells(tmp_path):
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = tmp_path / "mac.xlsx"
    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.title = "Responses"
    sheet.append(["Timestamp", "Serial", "Answer"])
    sheet.append([dt.datetime(2019, 1, 14, 9, 15), 43479, "yes"])
    sheet.append([dt.datetime(2019, 2, 1, 8, 0), 43497.5, None])
    sheet["C3"] = "#N/A"
    sheet["C3"].data_type = "e"
    sheet["B4"] = "#REF!"
    sheet["B4"].data_type = "e"
    sheet["A4"] = dt.datetime(2019, 3, 1)
    workbook.save(path)
    # The stored serial really is a 1904 one (1462 days less than 1900's).
    with zipfile.ZipFile(path) as archive:
        assert b'date1904="1"' in archive.read("xl/workbook.xml")
        assert b"<v>42017.38541" in archive.read("xl/worksheets/sheet1.xml")

    raw = read_raw(path)
    assert raw.date1904 is True
    assert raw.rows[1][0] == dt.datetime(2019, 1, 14, 9, 15)
    assert raw.rows[3][0] in (dt.datetime(2019, 3, 1), dt.date(2019, 3, 1))
    # Unformatted serial numbers stay numbers (whole ones as int).
    assert raw.rows[1][1] == 43479 and isinstance(raw.rows[1][1], int)
    assert raw.rows[2][1] == 43497.5
    assert any("1904" in n for n in raw.notes)
    errors = {(p["row"], p["column"], p["value"]) for p in raw.problems if p["kind"] == "error_cell"}
    assert errors == {(3, "C (Answer)", "#N/A"), (4, "B (Serial)", "#REF!")}
    assert raw.rows[2][2] is None and raw.rows[3][1] is None
    assert all(p["sheet"] == "Responses" for p in raw.problems)


# ----------------------------------------------------- 10. rows and headers


def test_case10_blank_rows_blank_and_odd_headers_kept_as_read(tmp_path):
    header = ["Timestamp", None, "Region", "Region", "Name\u00a0of organisation", "Q<br>two\nlines"]
    rows = [header, ["t1", "x", "Other", "Other", "Org", "a"], ["t2", None, None, None, None, "b"]]
    rows += [[None] * 6] * 3
    path = write_xlsx(tmp_path / "blank.xlsx", {"Responses": rows})
    # openpyxl writes nothing for the empty rows; add real (styled) empty rows too.
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    for r in range(4, 8):
        workbook["Responses"].cell(row=r, column=1).number_format = "0.00"
    workbook["Responses"].cell(row=7, column=1).value = ""
    workbook.save(path)
    raw = read_raw(path)
    assert raw.rows[0] == header  # the loader decides what to do with these headers
    assert len(raw.rows) == 3 and raw.row_numbers == [1, 2, 3]

    text = csv_text([["Timestamp", "", "Q1"], ["t1", "", "yes"], ["", "", ""], ["", "", ""]]) + "\r\n\r\n"
    csv_path = tmp_path / "blank.csv"
    csv_path.write_text(text, encoding="utf-8")
    raw = read_raw(csv_path)
    assert raw.rows == [["Timestamp", None, "Q1"], ["t1", None, "yes"]]
    assert raw.trailing_blank_rows == 4
    assert any("4 empty row(s) at the end were removed" in n for n in raw.notes)


# ------------------------------------------------------------ 11. encodings


ROMANIAN = "Organizaţie;Opinie\r\nUniversitatea din Iaşi;Învăţământ şi cercetare în ştiinţe\r\n"
WESTERN = "Organisation,Comment\r\nCrème Brûlée SARL,très bien; «à suivre» – naïve façade\r\n"


@pytest.mark.parametrize(
    "text, codec, expected_encoding",
    [
        (ROMANIAN, "utf-8-sig", "utf-8-sig"),
        (ROMANIAN, "utf-8", "utf-8"),
        (ROMANIAN, "cp1250", "cp1250"),
        (ROMANIAN.replace("ş", "ș").replace("ţ", "ț"), "iso8859_16", None),
        (WESTERN, "cp1252", "cp1252"),
        (ROMANIAN, "utf-16", "utf-16"),
    ],
    ids=["utf8-bom", "utf8", "cp1250", "iso8859-16", "cp1252", "utf16"],
)
def test_case11_encodings_decoded_without_replacement_characters(tmp_path, text, codec, expected_encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(codec))
    raw = read_raw(path)
    values = [v for row in raw.rows for v in row if v is not None]
    assert not any("\ufffd" in v for v in values)
    if expected_encoding is not None:
        assert raw.encoding == expected_encoding
        expected = [line.split(raw.delimiter) for line in text.strip("\r\n").split("\r\n")]
        assert raw.rows == expected
    else:
        # ISO-8859-16 and Windows-1250 put ş/ș and ţ/ț on the same bytes; either
        # decoding keeps every letter (the loader folds cedilla and comma forms).
        assert raw.encoding in ("iso8859_16", "cp1250")
        folded = [[v.replace("ş", "ș").replace("ţ", "ț") for v in row] for row in raw.rows]
        assert folded == [line.split(";") for line in text.strip("\r\n").split("\r\n")]
    assert any("encoding" in n.lower() or "decoded" in n for n in raw.notes)


def test_case11_undecodable_text_reports_byte_offset(tmp_path):
    # Bytes that are not UTF-8 and hold control characters in every codepage tried.
    data = "Name,Comment\r\nAna,bine\r\n".encode() + b"Ion,\x81\x90\x98\x9d\r\n"
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    with pytest.raises(EncodingProblemError) as caught:
        read_raw(path)
    text = _assert_names_file_and_hint(caught.value, path)
    offset = data.index(b"\x81")
    assert f"byte offset {offset}" in text and caught.value.row == 3
    assert "UTF-8" in caught.value.hint


# ---------------------------------------------------------------- 12. CSV


def test_case12_ragged_rows_embedded_newlines_semicolons(tmp_path):
    text = (
        "Timestamp;Organisation;Comment;Region\r\n"
        "14.01.2019;Org A;\"first line\r\nsecond line; still the comment\";Other\r\n"
        "15.01.2019;Org B;short\r\n"
        "16.01.2019;Org C;long;Other;extra value\r\n"
        "17.01.2019;00123;\"quoted \"\"word\"\"\";Bucharest-Ilfov\r\n"
    )
    path = tmp_path / "semicolons.csv"
    path.write_text(text, encoding="utf-8")
    raw = read_raw(path)
    assert raw.delimiter == ";" and raw.format == "csv"
    assert raw.line_numbers == [1, 2, 4, 5, 6]  # the quoted newline spans lines 2-3
    assert raw.row_numbers == [1, 2, 3, 4, 5]  # one row per record, as a spreadsheet shows it
    assert raw.rows[1][2] == "first line\r\nsecond line; still the comment"
    assert raw.rows[2] == ["15.01.2019", "Org B", "short", None, None]
    assert raw.rows[3] == ["16.01.2019", "Org C", "long", "Other", "extra value"]
    assert raw.rows[4][1] == "00123" and raw.rows[4][2] == 'quoted "word"'
    kinds = {(p["kind"], p["row"], p["line"], p["column"]) for p in raw.problems}
    assert kinds == {("missing_fields", 3, 4, "D"), ("extra_fields", 4, 5, "E-E")}
    extra = next(p for p in raw.problems if p["kind"] == "extra_fields")
    assert extra["value"] == ["extra value"] and "record 4 (line 5)" in extra["message"]


def test_case12_unclosed_quote_is_an_error_with_line(tmp_path):
    head = "A,B\r\n1,2\r\n3,\"never closed\r\n"
    path = tmp_path / "quote.csv"
    path.write_text(head + "x,y\r\n" * 200, encoding="utf-8")
    with pytest.raises(WrongFormatError) as caught:
        read_raw(path)
    message = _assert_names_file_and_hint(caught.value, path)
    assert caught.value.row == 3 and "double quote" in message
    # Long enough to exceed the csv module's field limit: the same error.
    path.write_text(head + "x,y\r\n" * 30000, encoding="utf-8")
    with pytest.raises(WrongFormatError, match="double quote") as caught:
        read_raw(path)
    assert caught.value.row == 3
