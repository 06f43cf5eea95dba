"""OpenDocument spreadsheets: the block of cells each sheet expands to, measured before the value reader.

ODS compresses runs of rows and cells with ``number-rows-repeated`` and
``number-columns-repeated``; the value reader expands every run that holds
something (and the empty runs between them), for every sheet, when it opens
the file, and copies a repeated cell's text into every copy.  So before it
opens the file, ``content.xml`` is read here with an XML parser (expat):
attribute values are taken as XML defines them (entities resolved, leading
zeros and a sign allowed, as the value reader parses them), whatever the
namespace prefix, and a ``>`` inside an attribute value changes nothing.
Merged ranges (which the value reader does not report for .ods) and error
cells are collected on the same pass.  A ``content.xml`` that is not
well-formed XML cannot be measured here; the caller then parses the file in
a separate, memory-limited process.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from . import limits
from .inflate import CHUNK_BYTES
from .zipcheck import damaged_part, tag_gap_refused, unsafe_file


Merged = tuple[tuple[int, int], tuple[int, int]]
_COUNT = re.compile(r"^\s*\+?(\d+)\s*$")
_NUMERIC_TYPES = {"float", "percentage", "currency", "boolean"}
# The value reader matches elements and attributes by these prefixes, whatever they are bound to.
_USUAL_PREFIXES = {
    "urn:oasis:names:tc:opendocument:xmlns:table:1.0": "table",
    "urn:oasis:names:tc:opendocument:xmlns:office:1.0": "office",
    "urn:oasis:names:tc:opendocument:xmlns:text:1.0": "text",
}


@dataclass
class OdsScan:
    """What one pass over ``content.xml`` found."""

    #: Rows and columns each sheet spans once repeated rows and cells are expanded.
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Each sheet's merged ranges as 0-based ((top, left), (bottom, right)).
    merged: dict[str, list[Merged]] = field(default_factory=dict)
    #: Whether any cell is marked as an error value (LibreOffice's ``calcext:value-type="error"``).
    has_errors: bool = False
    #: Characters the value reader would build for the cells' text, repeats expanded.
    expanded_text: int = 0
    #: Why the part could not be measured (the caller isolates the parse); ``None`` when it was.
    unreadable: str | None = None
    #: A namespace bound to a prefix other than its usual one (the value reader follows only those).
    unusual_prefix: str | None = None

    @property
    def cells(self) -> int:
        return sum(rows * columns for rows, columns in self.extents.values())


class _Refused(Exception):
    """Raised from a parser callback to stop at the first problem."""


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _attribute(attrs: dict[str, str], local: str) -> str | None:
    for name, value in attrs.items():
        if _local(name) == local:
            return value
    return None


def _all(attrs: dict[str, str], local: str) -> list[str]:
    """The values of every attribute called ``local`` under any prefix: the value reader reads the one
    with its usual prefix, and a decoy under another prefix may come first, so each is weighed."""
    return [value for name, value in attrs.items() if _local(name) == local]


class _Measure:
    """Parser callbacks that follow tables, rows and cells (see :func:`ods_scan`)."""

    def __init__(self, parser, scan: OdsScan) -> None:
        self.parser = parser
        self.scan = scan
        self.table: str | None = None
        self.row_index = self.max_row = self.max_column = 0
        self.row_repeat = 1
        self.column = self.row_last_column = 0
        self.row_has_value = False
        self.cell: list | None = None  # [start byte, columns repeated, has something, spaces, holds text]
        self.depth = 0  # elements open
        self.most_cells = limits.get("MAX_SHEET_CELLS")
        self.done_cells = 0  # cells of the tables already measured
        self.tables = 0  # tables open (a table inside a table counts towards the outer one)
        self.most_depth = limits.get("MAX_XML_DEPTH")

    def count(self, attrs: dict[str, str], local: str) -> int:
        """The largest count any attribute called ``local`` gives (1 when there is none)."""
        most = 1
        for raw in _all(attrs, local):
            match = _COUNT.match(raw)
            if match is None:
                raise _Refused(f"an attribute {local}={raw[:40]!r} that is not a whole number")
            most = max(most, int(match.group(1)))
        return most

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.most_depth:
            raise _Refused("depth")
        if self.scan.unusual_prefix is None:
            for key, value in attrs.items():
                if key.startswith("xmlns:") and (_USUAL_PREFIXES.get(value, key[6:]) != key[6:] or (
                        key[6:] in _USUAL_PREFIXES.values() and _USUAL_PREFIXES.get(value) != key[6:])):
                    self.scan.unusual_prefix = f"{key}=\"{value}\""
        local = _local(name)
        if self.cell is not None:
            if local == "s":
                self.cell[3] += self.count(attrs, "c")
            self.cell[2] = True  # anything inside a cell makes it hold something
            return
        if local == "table":
            self.tables += 1
            if self.tables > 1:  # the value reader goes on with the outer table's rows: count them together
                return
            name = attrs.get("table:name", _attribute(attrs, "name")) or ""
            taken, n = name, 1
            while taken in self.scan.extents:  # two tables of one name are two sheets to the value reader
                n += 1
                taken = f"{name} ({n})"
            self.table = taken
            self.row_index = self.max_row = self.max_column = 0
        elif local == "table-row":
            self.row_repeat = self.count(attrs, "number-rows-repeated")
            self.column = self.row_last_column = 0
            self.row_has_value = False
        elif local in ("table-cell", "covered-table-cell"):
            holds = any(("value" in _local(key) or "formula" in _local(key)) for key in attrs)
            if any(_local(key) == "value-type" and value == "error" for key, value in attrs.items()):
                self.scan.has_errors = True
            width = self.count(attrs, "number-columns-repeated")
            across = self.count(attrs, "number-columns-spanned")
            down = self.count(attrs, "number-rows-spanned")
            if (across > 1 or down > 1) and self.table is not None:
                self.scan.merged.setdefault(self.table, []).append(
                    ((self.row_index, self.column), (self.row_index + down - 1, self.column + across - 1)))
            kinds = _all(attrs, "value-type")
            textual = not kinds or any(kind not in _NUMERIC_TYPES for kind in kinds) or any(
                _local(key) in ("string-value", "date-value", "time-value") for key in attrs)
            self.cell = [self.parser.CurrentByteIndex, width, holds, 0, textual]

    def end(self, name: str) -> None:
        self.depth -= 1
        local = _local(name)
        if self.cell is not None:
            if local not in ("table-cell", "covered-table-cell"):
                return
            start, width, holds, spaces, textual = self.cell
            self.cell = None
            if holds:  # a value, a formula, a value type or an element inside (text alone is no value)
                self.row_has_value, self.row_last_column = True, self.column + width
                self.check(self.row_index + self.row_repeat, max(self.max_column, self.row_last_column))
                if textual:  # each copy of a text cell is a string of its own in the value reader
                    length = self.parser.CurrentByteIndex - start
                    self.scan.expanded_text += (length + spaces) * width * self.row_repeat
                if self.scan.expanded_text > limits.get("MAX_CELL_TEXT"):
                    raise _Refused("text")
            self.column += width
        elif local == "table-row":
            if self.row_has_value:
                self.max_row = self.row_index + self.row_repeat
                self.max_column = max(self.max_column, self.row_last_column)
                self.check(self.max_row, self.max_column)
            self.row_index += self.row_repeat
        elif local == "table" and self.table is not None:
            self.tables -= 1
            if self.tables:
                return
            previous = self.scan.extents.get(self.table, (0, 0))
            self.scan.extents[self.table] = (max(previous[0], self.max_row), max(previous[1], self.max_column))
            self.done_cells += self.max_row * self.max_column
            self.table = None

    def check(self, rows: int, columns: int) -> None:
        """Stop as soon as the sheets measured so far would pass ``MAX_SHEET_CELLS`` (the caller says so)."""
        if self.done_cells + rows * columns > self.most_cells and self.table is not None:
            self.scan.extents[self.table] = (rows, columns)
            raise _Refused("extent")


def _count_tags(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse ``content.xml`` if it holds more than ``MAX_XML_TAGS`` tags, before the XML parser reads it
    (it calls back into Python for every element, so its time grows with their number)."""
    tags, most = 0, limits.get("MAX_XML_TAGS")
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            tags += chunk.count(b"<")
            if tags > most:
                raise unsafe_file(
                    path, f"the part 'content.xml' holds more than {most:,} tags (limit MAX_XML_TAGS); LibreOffice "
                    "writes three or four per cell, and millions more make the file slow to check",
                    limit=("MAX_XML_TAGS", tags))


def ods_scan(path: Path, archive: zipfile.ZipFile) -> OdsScan:
    """Measure every sheet of an .ods before the value reader opens it.

    Only rows and cells holding something (a value, a formula, a value type,
    any content) count towards a sheet's extent; LibreOffice's trailing runs
    of empty cells do not, as the value reader drops them too.  Raises
    :class:`UnsafeFileError` when the text of the cells would expand past
    ``MAX_CELL_TEXT`` or a repeat count is not a number; the caller
    checks the extents.
    """
    scan = OdsScan()
    try:
        info = archive.getinfo("content.xml")
    except KeyError:
        return scan
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    measure = _Measure(parser, scan)
    parser.StartElementHandler = measure.start
    parser.EndElementHandler = measure.end

    def refuse(*_args):
        raise _Refused("a document type or entity declaration")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        _count_tags(path, archive, info)
        gap, most = 0, limits.get("MAX_TAG_GAP_BYTES")
        fed = 0
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                # The XML parser goes over an unfinished token again with every chunk: a long run
                # without a tag end costs time in proportion to its square.
                last = chunk.rfind(b">")
                gap = gap + len(chunk) if last == -1 else len(chunk) - last - 1
                if gap > most:
                    raise tag_gap_refused(path, "content.xml", gap)
                parser.Parse(chunk, not chunk)
                fed += len(chunk)
                # A token with '>' inside (a comment, an attribute value) is no tag end either: the
                # parser has not moved past its start.
                if fed - parser.CurrentByteIndex > most:
                    raise tag_gap_refused(path, "content.xml", fed - parser.CurrentByteIndex)
                if not chunk:
                    break
    except _Refused as refused:
        what = str(refused)
        if what == "extent":  # the caller refuses the sheets, which the scan has stopped measuring
            return scan
        if what == "depth":
            most = limits.get("MAX_XML_DEPTH")
            raise unsafe_file(
                path, f"the part 'content.xml' nests elements more than {most:,} deep (limit MAX_XML_DEPTH); "
                "a spreadsheet nests about a dozen deep", limit=("MAX_XML_DEPTH", most + 1)) from None
        if what == "text":
            most = limits.get("MAX_CELL_TEXT")
            raise unsafe_file(
                path, f"the cells' text would expand to more than {most:,} characters once repeated "
                "cells and runs of spaces are written out (limit MAX_CELL_TEXT)",
                limit=("MAX_CELL_TEXT", scan.expanded_text)) from None
        raise unsafe_file(path, f"the part 'content.xml' holds {what}, which no spreadsheet program writes") from None
    except expat.ExpatError as exc:
        scan.unreadable = f"its part 'content.xml' is not well-formed XML ({expat.ErrorString(exc.code)})"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the part 'content.xml' cannot be read ({exc})") from None
    return scan
