"""Every limit the readers enforce on a file, in one place.

A survey export is small: tens of columns, at most tens of thousands of rows.
A hostile or damaged file can be a few kilobytes and still ask a parser for
gigabytes.  The readers refuse such files before any parser sees them; the
limits they check are the module constants below, each documented where it
is defined.  Together they keep reading any file under about 1.5 GB of memory
and 30 seconds.

A trusted file that is larger than a limit is read by raising that limit for
one call, never by editing this module::

    read_raw(path, limits={"MAX_SHEET_CELLS": 40_000_000})
    load_responses(path, codebook, limits={"MAX_TEXT_BYTES": "1G"})

or, on the command line, ``survey-analysis --limits MAX_SHEET_CELLS=40000000
inspect FILE``.  Every refusal names the limit it hit and says how to raise it
(:func:`raise_hint`).  Code that checks a limit reads it with :func:`get` at the
time of the check, so that such a raise (and a test's ``monkeypatch`` of a
constant) is honoured.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator, Mapping

__all__ = ["NAMES", "get", "using", "parse_assignments", "raise_hint", "describe"]


# -- zip containers (xlsx, xlsm, xlsb, ods) -------------------------------------------------

#: Most entries a workbook zip may hold.  Real workbooks have tens; thousands
#: of tiny entries are a way to exhaust time and memory.
MAX_ZIP_ENTRIES = 10_000
#: Largest declared uncompressed size of one entry (bytes).  The value reader
#: keeps the text of every cell, so the XML of one sheet bounds its memory:
#: a 20,000 x 55 export is about 70 MB of sheet XML.
MAX_ENTRY_UNCOMPRESSED = 384 << 20
#: Largest declared uncompressed size of all entries together (bytes).
MAX_TOTAL_UNCOMPRESSED = 768 << 20
#: Highest uncompressed/compressed ratio of one entry.  Worksheet XML from
#: Excel, Google Sheets and LibreOffice compresses 5-30 times; a zip bomb
#: hundreds or thousands of times.
MAX_COMPRESSION_RATIO = 200
#: Entries smaller than this (bytes) are not ratio-checked: small, repetitive
#: parts (styles, empty sheets) can compress very well and cannot hurt.
RATIO_CHECK_MIN_SIZE = 1 << 20
#: How much of each XML part is inflated to find its root element; a DOCTYPE
#: must come before the root element, so this is enough to see one.
PROLOG_SCAN_BYTES = 64 * 1024

# -- cells ------------------------------------------------------------------------------------

#: Most cells the bounding box of one sheet may span (for .ods and .xls, all
#: sheets together: their value reader expands every sheet when it opens the
#: file).  The value reader fills the whole rectangle from the top-left to the
#: bottom-right used cell, so a few-kilobyte file with one cell in A1 and one in
#: ZZ200000 would otherwise ask for 140 million cells (several GiB).  Ten
#: million cells is a 100,000 x 100 survey.  Text exports (CSV) are held to it
#: too, counting the fields of every record.
MAX_SHEET_CELLS = 10_000_000
#: Most cell elements one worksheet part may hold, wherever they point: many
#: cells written at the same position would pass the bounding-box check and
#: still fill memory one by one.
MAX_CELL_ELEMENTS = 10_000_000
#: Most strings a workbook's shared-strings table may hold.  Every entry is
#: kept by the value reader, so 100 million empty strings (a 7 MB file) would
#: take gigabytes; a large survey has a few hundred thousand distinct answers.
MAX_SHARED_STRINGS = 5_000_000
#: Largest shared-strings part (bytes, uncompressed): its text is held whole.
MAX_SHARED_STRINGS_BYTES = 256 << 20
#: Most merged ranges one sheet may declare.  Merged ranges are filled cell by
#: cell; a real export merges a few header cells.
MAX_MERGED_RANGES = 100_000
#: Most bytes of text the cells of a workbook may hold once the value reader
#: has made every copy: an .xlsx cell gets its own copy of the shared string
#: it refers to, and an .ods cell repeated N times (or holding
#: ``<text:s text:c="N"/>``, N spaces) N copies.  One long string used by
#: thousands of cells would otherwise fill memory from a small file.
MAX_CELL_TEXT = 256 << 20
#: Rows and columns a sheet can hold in Excel; a reference beyond them is not
#: from a spreadsheet program.
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
#: Pieces that may hold error cells or formulas are kept for a later pass
#: (run while the value reader parses) up to this many bytes; beyond it they
#: are examined at once, so memory stays bounded for formula-heavy sheets.
PENDING_BYTES = 64 << 20
#: Most bytes an XML part of an .xlsx (or the content of an .ods) may hold
#: without a tag end (``>``), as seen where the part is cut into 4 MiB pieces
#: to be measured.  The longest text a spreadsheet cell holds is 32,767
#: characters (at most 128 KiB); hundreds of megabytes without one, in any
#: part, are a way to make the checks that measure the part slow and large.
MAX_TAG_GAP_BYTES = 16 << 20
#: Most tags (``<`` signs) the content of an .ods may hold.  It is checked
#: with an XML parser that calls back into Python for every element (one to
#: five microseconds each); LibreOffice writes about four tags per cell, so
#: this is a 1,500,000-cell survey, while 90 million tiny elements in a 37 MB
#: file took over 100 s to check.
MAX_XML_TAGS = 6_000_000
#: Deepest nesting of elements in the content of an .ods.  A spreadsheet nests
#: about a dozen deep (row groups a few more); millions of nested elements
#: make the XML parser hold millions of open tags.
MAX_XML_DEPTH = 256

# -- text exports (CSV, TSV) ---------------------------------------------------------------

#: Largest CSV/TSV file read (bytes); the decoded text is held in memory.
MAX_TEXT_BYTES = 256 << 20
#: Most fields one record of a text export may have.  Excel stops at 16,384
#: columns; a line of millions of separators would fill memory with empty
#: fields.
MAX_FIELDS_PER_RECORD = 20_000
#: Most characters one field of a text export may hold.  Excel keeps at most
#: 32,767 characters in a cell; a longer field is a stray quote or a hostile file.
MAX_FIELD_CHARS = 1_000_000
#: Most records (lines, or several lines for quoted line breaks) a text export
#: may have: Excel's row limit.  Millions of empty lines would otherwise fill
#: memory with empty rows.
MAX_RECORDS = 1_048_576

# -- legacy workbooks (.xls) and the isolated parse -----------------------------------------

#: Largest legacy .xls (OLE2) file read; it is held in memory for its checks.
MAX_BINARY_BYTES = 256 << 20
#: Memory (bytes of address space) the separate process that parses a file the
#: checks cannot vouch for (.xls, .xlsb, unusual zip layouts) may use.  The
#: process is ended and the file refused when it asks for more.  Linux only;
#: elsewhere the checks alone protect.
ISOLATED_PARSE_MEMORY = 1 << 30
#: Seconds that separate process may take before it is stopped and the file
#: refused.
ISOLATED_PARSE_SECONDS = 25


#: Every limit that can be raised, by name.
NAMES: tuple[str, ...] = (
    "MAX_ZIP_ENTRIES", "MAX_ENTRY_UNCOMPRESSED", "MAX_TOTAL_UNCOMPRESSED", "MAX_COMPRESSION_RATIO",
    "RATIO_CHECK_MIN_SIZE", "PROLOG_SCAN_BYTES", "MAX_SHEET_CELLS", "MAX_CELL_ELEMENTS",
    "MAX_SHARED_STRINGS", "MAX_SHARED_STRINGS_BYTES", "MAX_MERGED_RANGES", "MAX_CELL_TEXT",
    "EXCEL_MAX_ROWS", "EXCEL_MAX_COLUMNS", "PENDING_BYTES", "MAX_TAG_GAP_BYTES", "MAX_XML_TAGS",
    "MAX_XML_DEPTH", "MAX_TEXT_BYTES",
    "MAX_FIELDS_PER_RECORD", "MAX_FIELD_CHARS", "MAX_RECORDS", "MAX_BINARY_BYTES", "ISOLATED_PARSE_MEMORY",
    "ISOLATED_PARSE_SECONDS",
)

_RAISED: contextvars.ContextVar[Mapping[str, int]] = contextvars.ContextVar("survey_analysis_limits", default={})


def get(name: str) -> int:
    """The limit ``name`` in force now: raised by :func:`using`, else the module's constant."""
    raised = _RAISED.get()
    if name in raised:
        return raised[name]
    return globals()[name]


def _error(message: str, value=None):
    from ..errors import AnalysisInputError

    return AnalysisInputError(
        message, value=value,
        hint="Give limits as NAME=VALUE with a whole number (suffixes K, M, G for sizes); the names are "
        + ", ".join(NAMES) + ".",
    )


_SIZE = re.compile(r"^\s*(\d[\d_]*)\s*([kKmMgG]?)(?:i?[bB])?\s*$")


def _value(name: str, value) -> int:
    if isinstance(value, bool):
        raise _error(f"limit {name} must be a whole number, got {value!r}", value)
    if isinstance(value, int):
        number = value
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise _error(f"limit {name} must be a whole number, got {value!r}", value)
        number = int(match.group(1).replace("_", "")) << {"": 0, "k": 10, "m": 20, "g": 30}[match.group(2).lower()]
    if number <= 0:
        raise _error(f"limit {name} must be positive, got {value!r}", value)
    return number


def _checked(overrides: Mapping[str, object]) -> dict[str, int]:
    if not isinstance(overrides, Mapping):
        raise _error(f"limits must be a mapping of limit names to numbers, got {type(overrides).__name__}")
    checked = {}
    for name, value in overrides.items():
        key = str(name).strip().upper()
        if key not in NAMES:
            close = [n for n in NAMES if key and (key in n or n.endswith(key))]
            raise _error(f"there is no limit named {name!r}" + (f"; did you mean {close[0]}?" if close else ""),
                         name)
        checked[key] = _value(key, value)
    return checked


@contextlib.contextmanager
def using(overrides: Mapping[str, object] | None) -> Iterator[dict[str, int]]:
    """Raise (or lower) limits for the code run inside the ``with`` block.

    ``overrides`` maps limit names (case-insensitive) to whole numbers, or to
    sizes such as ``"512M"``.  Limits already raised by an enclosing block stay
    raised unless named again.  Raises
    :class:`~survey_analysis.errors.AnalysisInputError` for an unknown name or
    a value that is not a positive whole number.
    """
    checked = _checked(overrides or {})
    token = _RAISED.set({**_RAISED.get(), **checked})
    try:
        yield checked
    finally:
        _RAISED.reset(token)


def parse_assignments(text: str) -> dict[str, int]:
    """``"MAX_SHEET_CELLS=40000000,MAX_TEXT_BYTES=1G"`` -> a checked mapping (the CLI's ``--limits``)."""
    pairs: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in str(text).split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _error(f"{item!r} is not NAME=VALUE", item)
        pairs[name.strip()] = value.strip()
    return _checked(pairs)


def raise_hint(name: str, needed: int | None = None) -> str:
    """How to raise limit ``name`` for a file the analyst trusts (the end of every refusal's hint)."""
    value = max(int(needed) + 1, get(name) * 2) if needed else get(name) * 2
    return (f"If you trust this file, raise the limit {name} (now {get(name):,}): pass "
            f"limits={{'{name}': {value}}} to the reading function, or --limits {name}={value} "
            "on the command line.")


def describe() -> list[tuple[str, int]]:
    """Every limit and the value in force, in documentation order."""
    return [(name, get(name)) for name in NAMES]
