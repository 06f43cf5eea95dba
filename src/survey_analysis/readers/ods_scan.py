"""OpenDocument spreadsheets: the block of cells each sheet expands to, and error cells.

ODS compresses runs of rows and cells with ``number-rows-repeated`` and
``number-columns-repeated``; the value reader expands every run that holds a
value when it opens the file, so every sheet is measured first.  Merged
ranges (which the value reader does not report for .ods) are collected on
the same pass.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from .inflate import CHUNK_BYTES
from .zipcheck import damaged_part


_ODS_TOKEN = re.compile(
    rb"<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>"
    rb"|</table:(table-row|table)>"
)
_ODS_REPEAT_ROWS = re.compile(rb"table:number-rows-repeated\s*=\s*[\"'](\d{1,9})[\"']")
_ODS_REPEAT_COLUMNS = re.compile(rb"table:number-columns-repeated\s*=\s*[\"'](\d{1,9})[\"']")
_ODS_NAME = re.compile(rb"table:name\s*=\s*[\"']([^\"']*)[\"']")


_ODS_SPAN_COLUMNS = re.compile(rb"table:number-columns-spanned\s*=\s*[\"'](\d{1,9})[\"']")
_ODS_SPAN_ROWS = re.compile(rb"table:number-rows-spanned\s*=\s*[\"'](\d{1,9})[\"']")

Merged = tuple[tuple[int, int], tuple[int, int]]


def ods_extents(path: Path, archive: zipfile.ZipFile,
                merged: dict[str, list[Merged]] | None = None) -> dict[str, tuple[int, int]]:
    """Rows and columns each ODS sheet spans once repeated rows/cells are expanded.

    ODS compresses runs with ``number-rows-repeated`` / ``number-columns-repeated``;
    the value reader expands runs that hold a value, so a tiny file can ask for
    billions of cells.  Only runs holding something (a value type or child
    elements) count; LibreOffice's trailing runs of empty cells do not.  When
    ``merged`` is given it is filled with each sheet's merged ranges
    (``number-columns-spanned`` / ``number-rows-spanned``) as 0-based
    ((top, left), (bottom, right)) pairs, which the value reader does not
    report for .ods.
    """
    extents: dict[str, tuple[int, int]] = {}
    name, row_index, max_row, max_column = None, 0, 0, 0
    row_repeat, column, row_has_value, row_last_column = 1, 0, False, 0
    carry = b""
    try:
        with archive.open("content.xml") as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                buffer = carry + chunk
                cut = buffer.rfind(b">") + 1 if chunk else len(buffer)
                segment, carry = buffer[:cut], buffer[cut:]
                for token in _ODS_TOKEN.finditer(segment):
                    element, attrs, closed, end = token.group(1), token.group(2), token.group(3), token.group(4)
                    if element == b"table":
                        found = _ODS_NAME.search(attrs)
                        name = found.group(1).decode("utf-8", "replace") if found else ""
                        row_index = max_row = max_column = 0
                    elif element == b"table-row":
                        repeat = _ODS_REPEAT_ROWS.search(attrs)
                        row_repeat = int(repeat.group(1)) if repeat else 1
                        column, row_has_value, row_last_column = 0, False, 0
                    elif element in (b"table-cell", b"covered-table-cell"):
                        repeat = _ODS_REPEAT_COLUMNS.search(attrs)
                        width = int(repeat.group(1)) if repeat else 1
                        if not closed or b"value-type" in attrs:
                            row_has_value, row_last_column = True, column + width
                        if merged is not None and b"spanned" in attrs and name is not None:
                            span_columns = _ODS_SPAN_COLUMNS.search(attrs)
                            span_rows = _ODS_SPAN_ROWS.search(attrs)
                            across = int(span_columns.group(1)) if span_columns else 1
                            down = int(span_rows.group(1)) if span_rows else 1
                            if across > 1 or down > 1:
                                merged.setdefault(name, []).append(
                                    ((row_index, column), (row_index + down - 1, column + across - 1)))
                        column += width
                    elif end == b"table-row":
                        if row_has_value:
                            max_row = row_index + row_repeat
                            max_column = max(max_column, row_last_column)
                        row_index += row_repeat
                    elif end == b"table" and name is not None:
                        extents[name] = (max_row, max_column)
                if not chunk:
                    break
    except KeyError:
        return extents
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the part 'content.xml' cannot be read ({exc})") from None
    return extents


_ODS_ERROR_CELL = re.compile(
    rb"<table:table-cell\b[^>]*calcext:value-type=\"error\"[^>]*>", re.S
)


def scan_ods_errors(path: Path, archive: zipfile.ZipFile) -> bool:
    """Whether an ODS ``content.xml`` holds error cells (LibreOffice marks them)."""
    try:
        with archive.open("content.xml") as stream:
            tail = b""
            while True:
                chunk = stream.read(CHUNK_BYTES)
                if not chunk:
                    return False
                window = tail + chunk
                if b"value-type=\"error\"" in window:
                    return True
                tail = window[-32:]
    except KeyError:
        return False
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the part 'content.xml' cannot be read ({exc})") from None
