"""Builders of hostile workbooks and text files, part by part, for the reader's safety tests.

Every file is assembled by hand (zip entries, XML, BIFF records) so that a
test can vary exactly what a hostile author varies: the names and case of
parts and relationship targets, how a number is written in an attribute,
where a ``>`` sits, which size field lies.  ``benchmarks/hostile_files.py``
uses the same builders, at full size, to run every class through the
command line under a memory cap.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

from filebuilders import write_cfb

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Timestamp</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>Member category</t></is></c></row>'
              '<row r="2"><c r="A2" t="inlineStr"><is><t>2019-01-14</t></is></c>'
              '<c r="B2" t="inlineStr"><is><t>University</t></is></c></row>')


def sheet_xml(rows: str = HEADER_ROW, *, extra: str = "", dimension: str | None = None) -> bytes:
    """A worksheet part holding ``rows`` (row elements) and then ``extra`` (more row elements, merges...)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}<sheetData>'
            f"{rows}{extra}</sheetData></worksheet>").encode()


def far_cell(reference: str = "XFD1048576", *, row: str | None = None, attributes: str = "") -> str:
    """One row holding one cell far away; ``row`` is the row element's ``r`` as written."""
    row_number = row if row is not None else "".join(ch for ch in reference if ch.isdigit()) or "3"
    return f'<row r="{row_number}"><c{attributes} r="{reference}"><v>1</v></c></row>'


def xlsx_parts(sheet: bytes, *, sheet_entry: str = "xl/worksheets/sheet1.xml",
               target: str = "worksheets/sheet1.xml", strings: bytes | None = None,
               workbook_pr: str = "", sheet_attributes: str = 'r:id="rId1"',
               relationships: str | None = None) -> dict[str, bytes]:
    """The parts of a one-sheet workbook ("Responses"), names and targets as given."""
    rels = relationships if relationships is not None else (
        f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="{target}"/>'
        + (f'<Relationship Id="rId9" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
           if strings is not None else ""))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            "</Types>").encode(),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
                        f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>").encode(),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                            f'xmlns:r="{DOC_RELS}">{workbook_pr}<sheets><sheet name="Responses" sheetId="1" '
                            f"{sheet_attributes}/></sheets></workbook>").encode(),
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
                                       f"{rels}</Relationships>").encode(),
        sheet_entry: sheet,
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    return parts


def shared_strings(items: list[str], *, count: str | None = None) -> bytes:
    announced = count if count is not None else str(len(items))
    body = "".join(f"<si><t>{text}</t></si>" for text in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{announced}" '
            f'uniqueCount="{announced}">{body}</sst>').encode()


def zip_bytes(parts: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0)), data,
                             compress_type=compression)
    return buffer.getvalue()


def xlsx_bytes(sheet: bytes, **options) -> bytes:
    return zip_bytes(xlsx_parts(sheet, **options))


# ----------------------------------------------------------------------------- ods

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODS_HEADER = ('<table:table-row><table:table-cell office:value-type="string"><text:p>Timestamp</text:p>'
              '</table:table-cell><table:table-cell office:value-type="string"><text:p>Member category</text:p>'
              "</table:table-cell></table:table-row>")


def ods_bytes(rows: str, *, tables: list[tuple[str, str]] | None = None, namespaces: str = "") -> bytes:
    """An .ods whose table "Responses" holds ``rows`` (or the given (name, rows) tables)."""
    tables = tables or [("Responses", rows)]
    body = "".join(f'<table:table table:name="{name}">{content}</table:table>' for name, content in tables)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{OFFICE_NS}" '
               f'xmlns:table="{TABLE_NS}" xmlns:text="{TEXT_NS}" {namespaces} office:version="1.2">'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
               "</office:document-content>").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>').encode())
    return buffer.getvalue()


def ods_number_row(value: float = 1.0, *, row_attributes: str = "", cell_attributes: str = "") -> str:
    return (f"<table:table-row {row_attributes}><table:table-cell {cell_attributes} "
            f'office:value-type="float" office:value="{value}"/></table:table-row>')


# ---------------------------------------------------------------------------- xls

def record(kind: int, body: bytes = b"", *, length: int | None = None) -> bytes:
    """One BIFF record; ``length`` writes another length than the body's (a lying size field)."""
    return struct.pack("<HH", kind, len(body) if length is None else length) + body


BOF_GLOBALS = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
BOF_SHEET = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
EOF = record(0x000A)


def dimensions(first_row: int, last_row: int, first_column: int, last_column: int) -> bytes:
    """A BIFF8 DIMENSIONS record: rows and columns as [first, last + 1)."""
    return record(0x0200, struct.pack("<IIHHH", first_row, last_row, first_column, last_column, 0))


def number(row: int, column: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, column, 0x0F, value))


def label(row: int, column: int, text: str) -> bytes:
    """A LABEL record (BIFF8, uncompressed latin-1 text)."""
    data = text.encode("latin-1")
    return record(0x0204, struct.pack("<HHHHB", row, column, 0x0F, len(data), 0) + data)


def xls_stream(sheets: list[tuple[str, bytes]], *, offsets: dict[str, int] | None = None) -> bytes:
    """A Workbook stream: globals (with one BOUNDSHEET per sheet) then each sheet's substream.

    ``offsets`` replaces the offset a BOUNDSHEET gives for a sheet (a lying size field).
    """
    def boundsheet(name: str, offset: int) -> bytes:
        raw = name.encode("latin-1")
        return record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(raw), 0) + raw)

    globals_length = len(BOF_GLOBALS) + sum(len(boundsheet(n, 0)) for n, _ in sheets) + len(EOF)
    position, stream = globals_length, BOF_GLOBALS
    substreams = b""
    for name, body in sheets:
        stream += boundsheet(name, (offsets or {}).get(name, position))
        sub = BOF_SHEET + body + EOF
        substreams += sub
        position += len(sub)
    return stream + EOF + substreams


def survey_sheet(extra: bytes = b"", *, dims: tuple[int, int, int, int] = (0, 2, 0, 2)) -> bytes:
    return (dimensions(*dims) + label(0, 0, "Timestamp") + label(0, 1, "Member category")
            + label(1, 0, "2019-01-14") + label(1, 1, "University") + extra)


def write_xls_stream(path: Path, stream: bytes) -> Path:
    return write_cfb(path, {"Workbook": stream})


# ---------------------------------------------------------------------------- csv

def csv_bytes(lines: list[str], *, encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join(lines).encode(encoding) + newline.encode(encoding)
