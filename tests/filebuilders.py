"""Builders of export files, good and hostile, for the read-stage tests.

Every file is built from scratch in the test's temporary folder: small valid
workbooks (openpyxl, xlwt, odfpy), and the broken or hostile variants of
BAD_INPUTS.md cases 1-12 (zip bombs, XML entity attacks, an encrypted OOXML
container, truncated and mislabelled files, CSVs in legacy encodings).
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import openpyxl

__all__ = [
    "SURVEY_HEADER",
    "SURVEY_ROWS",
    "write_xlsx",
    "xlsx_bytes",
    "write_survey_xlsx",
    "replace_zip_part",
    "write_zip_bomb",
    "write_many_entries_zip",
    "BILLION_LAUGHS",
    "QUADRATIC_BLOWUP",
    "EXTERNAL_ENTITY",
    "write_cfb",
    "write_encrypted_xlsx",
    "write_xls",
    "write_ods",
    "csv_text",
]

#: A small Google Forms-like response sheet used across the tests.
SURVEY_HEADER = ["Timestamp", "Email Address", "Organisation name", "Member category", "Region"]
SURVEY_ROWS = [
    [dt.datetime(2019, 1, 14, 9, 15), "a@example.org", "Universitatea de Medicină Iași",
     "University / research institute", "North-East (Iași)"],
    [dt.datetime(2019, 1, 15, 10, 0), "b@example.org", "Clinica Ştefan", "Private medical services provider",
     "Bucharest-Ilfov"],
    [dt.datetime(2019, 1, 16, 11, 30), "c@example.org", "MedTech SRL", "Medical technology company",
     "North-West (Cluj)"],
]


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, states: dict[str, str] | None = None,
               merged: dict[str, list[str]] | None = None, epoch1904: bool = False) -> Path:
    """Write a workbook with openpyxl: ``sheets`` maps sheet name -> rows (in order)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if epoch1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        workbook.epoch = CALENDAR_MAC_1904
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if states and name in states:
            sheet.sheet_state = states[name]
        for cell_range in (merged or {}).get(name, []):
            sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def xlsx_bytes(sheets: dict[str, list[list]], **options) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets, **options)  # openpyxl accepts a file object
    return buffer.getvalue()


def write_survey_xlsx(path: Path) -> Path:
    return write_xlsx(path, {"Form Responses 1": [SURVEY_HEADER, *SURVEY_ROWS]})


def replace_zip_part(source: Path, target: Path, part: str, content: bytes) -> Path:
    """Copy a zip, replacing (or adding) one entry."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != part:
                new.writestr(info.filename, old.read(info.filename))
        new.writestr(part, content)
    return target


def write_zip_bomb(path: Path, *, inflated_mb: int = 300) -> Path:
    """A valid-looking .xlsx whose worksheet inflates to ``inflated_mb`` MB of XML.

    The worksheet is a legal XML document padded with whitespace, streamed
    through the compressor so building it needs little memory.
    """
    template = xlsx_bytes({"Responses": [["Q1"], ["yes"]]})
    with zipfile.ZipFile(io.BytesIO(template)) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                new.writestr(info.filename, old.read(info.filename))
        sheet = old.read("xl/worksheets/sheet1.xml")
        head, tail = sheet.split(b"<sheetData>", 1)
        target = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        target.compress_type = zipfile.ZIP_DEFLATED
        with new.open(target, "w", force_zip64=True) as stream:
            stream.write(head + b"<sheetData>")
            block = b" " * (1 << 20)
            for _ in range(inflated_mb):
                stream.write(block)
            stream.write(tail)
    return path


def write_many_entries_zip(path: Path, entries: int) -> Path:
    template = xlsx_bytes({"Responses": [["Q1"], ["yes"]]})
    with zipfile.ZipFile(io.BytesIO(template)) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info.filename))
        for i in range(entries):
            new.writestr(f"xl/media/pad{i}.bin", b"")
    return path


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""

QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?>\n<!DOCTYPE kaboom [<!ENTITY a "' + b"x" * 50_000 + b'">]>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"&a;" * 5_000 + b"</t></is></c></row>"
    b"</sheetData></worksheet>"
)

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&xxe;</t></si></sst>"""


# ----------------------------------------------------------------- OLE2 / CFB

_FREESECT, _ENDOFCHAIN, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def write_cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """Write a minimal, valid OLE2 compound file holding ``streams`` in its root storage.

    Version 3 (512-byte sectors).  Streams shorter than 4096 bytes are padded
    to 4096 so that no mini stream is needed; at most three streams (one
    directory sector) and one FAT sector (128 sectors, about 60 KiB of data).
    """
    if len(streams) > 3:
        raise ValueError("at most three streams")
    sector = 512
    payloads = []
    for name, data in streams.items():
        if len(data) < 4096:
            data = data + b"\x00" * (4096 - len(data))
        payloads.append((name, data))
    fat: list[int] = []
    body = bytearray()
    starts = []
    fat.append(_FATSECT)  # sector 0 holds the FAT
    fat.append(_ENDOFCHAIN)  # sector 1 holds the directory
    next_sector = 2
    for _, data in payloads:
        count = -(-len(data) // sector)
        starts.append(next_sector)
        for i in range(count):
            fat.append(next_sector + i + 1 if i < count - 1 else _ENDOFCHAIN)
        next_sector += count
        body += data + b"\x00" * (count * sector - len(data))
    if len(fat) > 128:
        raise ValueError("streams too large for one FAT sector")
    fat += [_FREESECT] * (128 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw = encoded + b"\x00" * (64 - len(encoded))
        raw += struct.pack("<HBB", len(encoded), kind, 1)  # name length, type, colour black
        raw += struct.pack("<III", left, right, child)
        raw += b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16  # CLSID, state bits, times
        raw += struct.pack("<IQ", start, size)
        return raw

    nostream = 0xFFFFFFFF
    names = [name for name, _ in payloads]
    # A flat tree: the root's child is entry 1, each entry's right sibling is the next.
    directory = entry("Root Entry", 5, nostream, nostream, 1 if names else nostream, _ENDOFCHAIN, 0)
    for i, (name, data) in enumerate(payloads):
        right = i + 2 if i + 1 < len(payloads) else nostream
        directory += entry(name, 2, nostream, right, nostream, starts[i], len(data))
    directory += b"\x00" * (sector - len(directory))

    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
    # header[0x2C]: number of FAT sectors = 1; [0x30]: first directory sector = 1
    struct.pack_into("<I", header, 0x2C, 1)
    struct.pack_into("<I", header, 0x30, 1)
    difat = [0] + [_FREESECT] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat_sector = struct.pack("<128I", *fat)
    path.write_bytes(bytes(header) + fat_sector + directory + bytes(body))
    return path


def write_encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE2 file, not a zip."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"/>'
        b"</encryption>"
    )
    package = struct.pack("<Q", 5000) + bytes((i * 37 + 11) % 256 for i in range(8192))
    return write_cfb(path, {"EncryptionInfo": info, "EncryptedPackage": package})


def write_xls(path: Path, sheets: dict[str, list[list]], *, hidden: tuple[str, ...] = (),
              errors: dict[str, list[tuple[int, int, int]]] | None = None) -> Path:
    """Write a legacy .xls with xlwt (a test-only dependency)."""
    import xlwt

    workbook = xlwt.Workbook()
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        if name in hidden:
            sheet.visibility = 1
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write(i, j, value, date_style)
                else:
                    sheet.write(i, j, value)
        for row, column, code in (errors or {}).get(name, []):
            sheet.row(row).set_cell_error(column, code)
    workbook.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, list[list]], *, hidden: tuple[str, ...] = (),
              spans: dict[str, dict[tuple[int, int], int]] | None = None) -> Path:
    """Write an .ods with odfpy (a test-only dependency); strings and floats only.

    ``spans`` maps sheet -> {(row, column): columns spanned} (0-based) for
    merged cells; the covered cells should be ``None`` in ``rows``.
    """
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    hidden_style = Style(name="hiddenTable", family="table")
    hidden_style.addElement(TableProperties(display=False))
    document.automaticstyles.addElement(hidden_style)
    for name, rows in sheets.items():
        table = Table(name=name, stylename=hidden_style) if name in hidden else Table(name=name)
        sheet_spans = (spans or {}).get(name, {})
        for i, row in enumerate(rows):
            table_row = TableRow()
            for j, value in enumerate(row):
                extra = {"numbercolumnsspanned": sheet_spans[(i, j)]} if (i, j) in sheet_spans else {}
                if value is None:
                    table_row.addElement(TableCell(**extra))
                elif isinstance(value, (int, float)):
                    table_row.addElement(TableCell(valuetype="float", value=str(value), **extra))
                else:
                    cell = TableCell(valuetype="string", **extra)
                    cell.addElement(P(text=str(value)))
                    table_row.addElement(cell)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def csv_text(rows: list[list[str]], *, delimiter: str = ",", newline: str = "\r\n") -> str:
    """Rows as delimited text, quoting as spreadsheet programs do."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue()
