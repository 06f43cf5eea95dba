"""Container-level checks for the read stage: what a file is, and whether it is safe.

This private module owns everything that happens *before* a spreadsheet
library is allowed to parse a file, plus the few facts that library does not
report:

* sniffing the format from the bytes (zip / OLE2 compound file / text), not
  from the file name;
* refusing zip bombs from the zip's central directory (entry count, declared
  sizes, compression ratio) before any entry is inflated;
* refusing XML parts that carry a document type declaration (the carrier of
  billion-laughs, quadratic-blowup and external-entity attacks) after
  inflating only their first few kilobytes;
* measuring the block of cells each sheet would fill (largest referenced row
  x column in xlsx, expanded repeats in ods, cell records in xls), because the
  value reader allocates that block whole: a few kilobytes can ask for
  gigabytes;
* recognising password-protected OOXML workbooks (an OLE2 file holding
  ``EncryptionInfo`` / ``EncryptedPackage`` streams) with a small, bounded
  compound-file reader;
* finding the cells a value reader turns into blanks: error cells
  (``#REF!``, ``#N/A`` ...) and formula cells whose value was never
  calculated.  The same streaming pass over the worksheet XML that measures
  the sheet marks the pieces that may hold them; those pieces are examined
  cell by cell in a thread while the value reader parses the sheet (or the
  BIFF records of an .xls are walked).

Inflating uses ISA-L (the optional ``isal`` package) when it is installed,
which is about twice as fast as zlib; :mod:`zipfile` otherwise.

The limits are module constants so that a deployment with unusual files can
change them in one place.
"""

from __future__ import annotations

import posixpath
import queue
import re
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as safe_et
import numpy as np

try:  # an optional, faster inflater (ISA-L); the standard zlib otherwise
    from isal import isal_zlib as _fast_zlib
except ImportError:  # pragma: no cover - depends on the installation
    _fast_zlib = None

from .errors import UnsafeFileError, WrongFormatError

__all__ = [
    "MAX_ZIP_ENTRIES",
    "MAX_ENTRY_UNCOMPRESSED",
    "MAX_TOTAL_UNCOMPRESSED",
    "MAX_COMPRESSION_RATIO",
    "RATIO_CHECK_MIN_SIZE",
    "PROLOG_SCAN_BYTES",
    "ZIP_MAGIC",
    "OLE2_MAGIC",
    "ZipSummary",
    "CellProblem",
    "SheetScan",
    "styles_have_durations",
    "part_contains",
    "MAX_SHEET_CELLS",
    "inspect_zip",
    "scan_xls",
    "XlsScan",
    "OleFile",
    "xlsx_layout",
    "scan_sheet_xml",
    "scan_sheet_extent",
    "sheet_problems",
    "PENDING_BYTES",
    "Background",
    "scan_ods_errors",
    "ods_extents",
]

#: Most entries a workbook zip may hold.  Real workbooks have tens; thousands
#: of tiny entries are a way to exhaust time and memory.
MAX_ZIP_ENTRIES = 10_000
#: Largest declared uncompressed size of one entry (bytes).  A 100,000 x 100
#: sheet written with inline strings is about 0.6 GiB of XML.
MAX_ENTRY_UNCOMPRESSED = 1 << 30
#: Largest declared uncompressed size of all entries together (bytes).
MAX_TOTAL_UNCOMPRESSED = 3 << 29
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

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_ODS_MIMETYPES = {
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
}
_XML_SUFFIXES = (".xml", ".rels", ".vml")


@dataclass
class ZipSummary:
    """What the zip's directory says, after the safety checks passed."""

    format: str  # xlsx | xlsm | xlsb | ods
    names: list[str]
    root_tags: dict[str, bytes] = field(default_factory=dict)


@dataclass
class CellProblem:
    """A cell the value reader shows as blank although the file holds something."""

    kind: str  # error_cell | formula_without_value
    row: int | None  # 1-based
    column: int | None  # 0-based
    value: str | None


def _unsafe(path: Path, message: str, hint: str | None = None) -> UnsafeFileError:
    return UnsafeFileError(
        message,
        path=path,
        hint=hint
        or "Do not open this file; ask the sender for a fresh export straight from the survey "
        "tool. If you trust it, open it in Excel or LibreOffice and save it again as .xlsx.",
    )


def _damaged(path: Path, message: str) -> WrongFormatError:
    return WrongFormatError(
        message,
        path=path,
        hint="The file is damaged or was cut short (an interrupted download or copy). "
        "Download or export it again.",
    )


# --------------------------------------------------------------------------- zip


def inspect_zip(path: Path, archive: zipfile.ZipFile) -> ZipSummary:
    """Classify a zip container and refuse it if it is unsafe.

    Checks the central directory only (entry count, duplicate names, declared
    sizes and compression ratios), then inflates at most
    :data:`PROLOG_SCAN_BYTES` of each XML part to refuse document type
    declarations.  Raises :class:`UnsafeFileError` or
    :class:`WrongFormatError`; returns the format otherwise.
    """
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _unsafe(
            path,
            f"the zip container holds {len(infos):,} entries (limit {MAX_ZIP_ENTRIES:,}); "
            "a workbook has a few dozen, so this looks like a zip bomb",
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise _unsafe(
            path,
            "the zip container has two entries with the same name, so different programs "
            "would read different data from it",
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _unsafe(
                path,
                f"the zip entry '{info.filename}' is encrypted with zip encryption, which no "
                "spreadsheet program writes",
            )
        size = info.file_size
        total += size
        if size > MAX_ENTRY_UNCOMPRESSED:
            raise _unsafe(
                path,
                f"the zip entry '{info.filename}' would inflate to {size:,} bytes "
                f"(limit {MAX_ENTRY_UNCOMPRESSED:,}); refused as a possible zip bomb",
            )
        if size >= RATIO_CHECK_MIN_SIZE:
            ratio = size / max(info.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise _unsafe(
                    path,
                    f"the zip entry '{info.filename}' is compressed {ratio:,.0f} times "
                    f"({info.compress_size:,} bytes inflating to {size:,}; limit "
                    f"{MAX_COMPRESSION_RATIO} times); refused as a zip bomb",
                )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise _unsafe(
            path,
            f"the zip entries would inflate to {total:,} bytes in all (limit "
            f"{MAX_TOTAL_UNCOMPRESSED:,}); refused as a possible zip bomb",
        )

    fmt = _zip_format(path, archive, set(names))
    summary = ZipSummary(format=fmt, names=names)
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES) and info.file_size:
            summary.root_tags[info.filename] = _check_xml_prolog(path, archive, info)
    return summary


def _zip_format(path: Path, archive: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        fmt = "xlsx"
        if "[Content_Types].xml" in names:
            head = _read_head(path, archive, archive.getinfo("[Content_Types].xml"), 1 << 16)
            if b"macroEnabled" in head:
                fmt = "xlsm"
        return fmt
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "mimetype" in names:
        mimetype = _read_head(path, archive, archive.getinfo("mimetype"), 200)
        mimetype_text = mimetype.decode("ascii", "replace").strip()
        if mimetype_text in _ODS_MIMETYPES:
            return _ODS_MIMETYPES[mimetype_text]
        kind = "an OpenDocument file"
        if "opendocument.text" in mimetype_text:
            kind = "an OpenDocument text document (.odt)"
        elif "opendocument.presentation" in mimetype_text:
            kind = "an OpenDocument presentation (.odp)"
        raise WrongFormatError(
            f"this is {kind} ({mimetype_text!r}), not a spreadsheet",
            path=path,
            hint="Export the responses from the survey tool as .xlsx, .ods or .csv.",
        )
    if "word/document.xml" in names:
        what = "a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation (.pptx)"
    else:
        what = "a zip archive"
    raise WrongFormatError(
        f"this is {what} without 'xl/workbook.xml', so it is not an Excel workbook",
        path=path,
        hint="If it is a zip of exports, unpack it and give one of the files inside; "
        "otherwise export the responses again as .xlsx or .csv.",
    )


def _read_head(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Inflate at most ``limit`` bytes of one entry."""
    try:
        with archive.open(info) as stream:
            return stream.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise _damaged(path, f"the zip entry '{info.filename}' cannot be read ({exc})") from None


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _prolog_text(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith(_UTF16_BOMS) or head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16-le" if (head.startswith(b"\xff\xfe") or head[:1] == b"<") else "utf-16-be"
        if head.startswith(_UTF16_BOMS):
            head = head[2:]
        return head[: len(head) // 2 * 2].decode(codec, "replace")
    return head.decode("latin-1")


_NAME_START = re.compile(r"[A-Za-z_:\u00c0-\uffff]")


def _check_xml_prolog(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Return the root element's tag; refuse a DOCTYPE (or ENTITY) before it."""
    head = _read_head(path, archive, info, PROLOG_SCAN_BYTES)
    text = _prolog_text(head)
    pos = 0
    end = len(text)
    while True:
        lt = text.find("<", pos)
        if lt == -1:
            if len(head) < PROLOG_SCAN_BYTES and not text[pos:].strip():
                raise _damaged(path, f"the XML part '{info.filename}' has no content")
            break
        if text.startswith("<?", lt):
            close = text.find("?>", lt + 2)
            if close == -1:
                break
            pos = close + 2
        elif text.startswith("<!--", lt):
            close = text.find("-->", lt + 4)
            if close == -1:
                break
            pos = close + 3
        elif text.startswith("<!", lt):
            raise _unsafe(
                path,
                f"the XML part '{info.filename}' declares a document type or entities "
                f"({text[lt:lt + 40]!r}...), the carrier of 'billion laughs' and external-entity "
                "attacks; spreadsheet programs never write one",
            )
        elif lt + 1 < end and _NAME_START.match(text[lt + 1]):
            match = re.match(r"<([^\s/>]+)", text[lt:])
            return match.group(1).encode("utf-8", "replace") if match else b""
        else:
            raise _damaged(path, f"the XML part '{info.filename}' is not well-formed XML")
    raise _unsafe(
        path,
        f"the XML part '{info.filename}' has no root element within its first "
        f"{PROLOG_SCAN_BYTES:,} bytes, so it cannot be checked for entity declarations",
    )


def xlsx_layout(path: Path, archive: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """Map sheet names to their XML part and tell whether the 1904 date system is on.

    Only ``xl/workbook.xml`` and its relationships are parsed (with defusedxml;
    their prologs have already been checked).
    """
    try:
        workbook = safe_et.fromstring(archive.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = safe_et.fromstring(archive.read(rels_name)) if rels_name in archive.namelist() else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise _damaged(path, f"the workbook part cannot be read ({exc})") from None
    except Exception as exc:  # defusedxml's and expat's errors share no base class
        if type(exc).__module__.startswith("defusedxml"):
            raise _unsafe(path, f"the workbook part is refused by the XML checks ({exc})") from None
        raise _damaged(path, f"the workbook part is not well-formed XML ({exc})") from None
    date1904 = False
    sheets: list[tuple[str, str]] = []
    for element in workbook.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr":
            date1904 = element.get("date1904", "0").strip().lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            sheets.append((element.get("name", ""), rid or ""))
    targets: dict[str, str] = {}
    if rels is not None:
        for element in rels.iter():
            if element.tag.rsplit("}", 1)[-1] == "Relationship":
                target = element.get("Target", "")
                if target.startswith("/"):
                    part = target.lstrip("/")
                else:
                    part = posixpath.normpath(posixpath.join("xl", target))
                targets[element.get("Id", "")] = part
    return {name: targets[rid] for name, rid in sheets if rid in targets}, date1904


def styles_have_durations(path: Path, archive: zipfile.ZipFile) -> bool:
    """Whether ``xl/styles.xml`` defines an elapsed-time format such as ``[h]:mm:ss``."""
    if "xl/styles.xml" not in archive.namelist():
        return False
    head = _read_head(path, archive, archive.getinfo("xl/styles.xml"), 4 << 20).lower()
    return any(mark in head for mark in (b"[h", b"[m", b"[s"))


def part_contains(path: Path, archive: zipfile.ZipFile, part: str, needle: bytes) -> bool:
    """Whether one zip entry holds ``needle`` (streamed, bounded memory)."""
    tail = b""
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    return False
                window = tail + chunk
                if needle in window:
                    return True
                tail = window[-len(needle):]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise _damaged(path, f"the part '{part}' cannot be read ({exc})") from None


# ------------------------------------------------------------ worksheet XML scan

#: Most cells the bounding box of one sheet may span.  The value reader fills
#: the whole rectangle from the top-left to the bottom-right used cell, so a
#: few-kilobyte file with one cell in A1 and one in ZZ200000 would otherwise ask
#: for 140 million cells (several GiB).  25 million cells is a 100,000 x 250
#: survey.
MAX_SHEET_CELLS = 25_000_000
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384

_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_CELL = re.compile(rb"<" + _PREFIX + rb"c(\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"c\s*>)", re.S)
_ATTR_R = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})[\"']")
_ATTR_T = re.compile(rb"(?:^|\s)t\s*=\s*[\"']([A-Za-z]+)[\"']")
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"f\s*>)", re.S)
_VALUE = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"v\s*>)", re.S)
_CHUNK = 4 << 20


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (char - 64)
    return index - 1


def _xml_text(raw: bytes | None) -> str:
    if raw is None:
        return ""
    text = raw.decode("utf-8", "replace")
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )


@dataclass
class SheetScan:
    """What one pass over a worksheet's XML found."""

    max_row: int = 0  # 1-based, largest row number referenced
    max_column: int = 0  # 1-based, largest column number referenced
    problems: list[CellProblem] = field(default_factory=list)
    pending: list[bytes] = field(default_factory=list, repr=False)  # pieces still to examine for problems

    @property
    def cells(self) -> int:
        return self.max_row * self.max_column


_PAD = b"\0" * 16  # lets the vectorised reads look a few bytes past a piece's end
_U8 = np.uint8
_ANY_REF = re.compile(rb"\sr\s*=\s*[\"']\s*\$?([A-Za-z]*)\s*\$?(\d*)")
#: Pieces that may hold error cells or formulas are kept for a later pass
#: (run while the value reader parses) up to this many bytes; beyond it they
#: are examined at once, so memory stays bounded for formula-heavy sheets.
PENDING_BYTES = 64 << 20


def _exact_extent(segment: bytes) -> tuple[int, int, int]:
    """Largest row and column of every ``r`` attribute, one match at a time (the slow path)."""
    max_row = max_column = cells = 0
    for match in _ANY_REF.finditer(segment):
        letters, digits = match.group(1), match.group(2)
        if letters:
            cells += 1
            max_column = max(max_column, _column_index(letters) + 1 if len(letters) <= 4 else 1 << 40)
        if digits:
            max_row = max(max_row, int(digits[:10]))
    return max_row, max_column, cells


def _spaced_attributes(segment: bytes, which: np.ndarray, eq: np.ndarray) -> tuple[bool, bool]:
    """Whether the ``=`` signs at ``eq[which]`` (each next to a blank) belong to ``r`` or ``t="e"``.

    XML allows blanks around ``=`` (``r = "XFD1"``); no spreadsheet program
    writes them, but the value reader honours them, so a piece holding such
    a reference is measured by the exact path.  Blanks around ``=`` in text
    (``1 = highest``) are common, hence the look at each one rather than a
    search of the whole piece.
    """
    spaced_ref = spaced_error = False
    if len(which) > 10_000:  # text full of " = ": one search of the piece instead
        found = _SPACED_ANY.search(segment) is not None
        return found, found
    for position in eq[which].tolist():
        left = segment[max(position - 64, 0):position].rstrip(b" \t\r\n")
        right = segment[position + 1:position + 66].lstrip(b" \t\r\n")
        if len(left) < 2 or not right:  # a run of blanks longer than the look: take the exact path
            return True, True
        if left[-2:-1] not in (b" ", b"\t", b"\r", b"\n") or right[:1] not in (b'"', b"'"):
            continue
        if left[-1:] == b"r":
            spaced_ref = True
        elif left[-1:] == b"t" and right[1:2] == b"e":
            spaced_error = True
    return spaced_ref, spaced_error


_SPACED_ANY = re.compile(rb"\s[rt](?:\s+=\s*|=\s+)[\"']")


def _segment_extent(segment: bytes, prefix: bytes) -> tuple[int, int, int, int, bool]:
    """Measure a piece of sheet XML (which ends with :data:`_PAD`).

    Vectorised with numpy: every ``=`` whose left neighbour is an ``r`` that
    follows whitespace and whose right neighbour is a quote starts a
    reference; up to three letters (the column) and nine digits (the row)
    are read after the quote, all references at once.  Row elements'
    ``r="7"`` count towards the largest row.  Returns the largest row, the
    largest column, how many references name a cell (have letters), at
    most how many cell elements the piece holds (see :func:`_count_cells`)
    and whether it may hold an error cell (a ``t="e"`` attribute) or a
    formula (an ``f`` element).  A piece with anything unusual (blanks
    around the ``=`` of an ``r`` attribute, a reference that starts with
    neither a letter nor a digit, four or more letters) is measured one
    match at a time instead.
    """
    a = np.frombuffer(segment, _U8)
    cells = _count_cells(a, prefix, exact=False)
    if prefix:
        suspicious = b"<" + prefix + b"f" in segment
    else:
        suspicious = any(mask.any() for mask in _words(a, b"<f"))
    eq = np.flatnonzero(a == 61)
    if not len(eq):
        return 0, 0, 0, cells, suspicious
    before = a[eq - 1]
    blank = (before <= 32) | (a[eq + 1] <= 32)
    if blank.any():
        spaced_ref, spaced_error = _spaced_attributes(segment, np.flatnonzero(blank), eq)
        suspicious = suspicious or spaced_error
        if spaced_ref:
            return (*_exact_extent(segment), cells, suspicious)
    if not suspicious:
        typed = eq[before == 116]
        quote = a[typed + 1]
        suspicious = bool((((quote == 34) | (quote == 39)) & (a[typed + 2] == 101) & (a[typed + 3] == quote)).any())
    r_eq = eq[before == 114]
    gap = a[r_eq - 2]
    quote = a[r_eq + 1]
    start = r_eq[((gap == 32) | (gap == 9) | (gap == 10) | (gap == 13)) & ((quote == 34) | (quote == 39))] + 2
    if not len(start):
        return 0, 0, 0, cells, suspicious
    u0 = (a[start] & _U8(0xDF)) - _U8(65)
    u1 = (a[start + 1] & _U8(0xDF)) - _U8(65)
    u2 = (a[start + 2] & _U8(0xDF)) - _U8(65)
    l0 = u0 < 26
    l1 = l0 & (u1 < 26)
    l2 = l1 & (u2 < 26)
    if not (l0 | ((a[start] - _U8(48)) < 10)).all() or (l2 & (((a[start + 3] & _U8(0xDF)) - _U8(65)) < 26)).any():
        return (*_exact_extent(segment), cells, suspicious)
    if l2.any():
        max_column = int(((u0[l2].astype(np.int64) + 1) * 676 + (u1[l2].astype(np.int64) + 1) * 26
                          + u2[l2] + 1).max())
    elif l1.any():
        max_column = int(((u0[l1].astype(np.int64) + 1) * 26 + u1[l1] + 1).max())
    elif l0.any():
        max_column = int(u0[l0].max()) + 1
    else:
        max_column = 0
    digits_at = start + l0 + l1 + l2
    count = np.zeros(len(start), _U8)
    alive = np.ones(len(start), bool)
    for k in range(9):
        alive &= (a[digits_at + k] - _U8(48)) < 10
        if not alive.any():
            break
        count += alive
    most = int(count.max())
    max_row = 0
    if most:
        at = digits_at[count == most]
        value = np.zeros(len(at), np.int64)
        for k in range(most):
            value = value * 10 + (a[at + k] - _U8(48))
        max_row = int(value.max())
    return max_row, max_column, int(np.count_nonzero(l0)), cells, suspicious


def _words(a: np.ndarray, word: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where a two-byte ``word`` is, as two boolean masks: at even and at odd offsets of ``a``.

    Reading the bytes as 16-bit words finds a pair in one comparison per two
    bytes, without first listing every occurrence of its first byte.
    """
    end = (len(a) - 2) // 2 * 2
    key = np.uint16(word[0] | word[1] << 8)
    return a[:end].view("<u2") == key, a[1:end + 1].view("<u2") == key


def _count_cells(a: np.ndarray, prefix: bytes, *, exact: bool = True) -> int:
    """How many cell elements (``<c`` then a blank, ``>`` or ``/``) a padded piece holds.

    With ``exact=False`` and no namespace prefix, an upper bound: every
    ``<c`` (including ``<col``, ``<cfRule`` ...), counted without listing them.
    """
    if prefix:
        at = np.flatnonzero(a == 60) + 1
        for byte in prefix:
            at = at[a[at] == byte] + 1
        at = at[a[at] == 99] + 1
    else:
        even, odd = _words(a, b"<c")
        if not exact:
            return int(np.count_nonzero(even)) + int(np.count_nonzero(odd))
        at = np.concatenate((np.flatnonzero(even) * 2, np.flatnonzero(odd) * 2 + 1)) + 2
    after = a[at]
    return int(np.count_nonzero((after <= 32) | (after == 62) | (after == 47)))


def _positional_extent(segment: bytes, prefix: bytes) -> tuple[int, int]:
    """Rows and cells-per-row of a piece of sheet XML whose cells lack references.

    Without an ``r`` attribute the value reader places a cell after the
    previous one and a row after the previous row, so the block it fills is
    bounded by the number of rows and the most cells in one row.
    """
    row_tag = re.compile(rb"<" + re.escape(prefix) + rb"row[\s>/]")
    cell_tag = re.compile(rb"<" + re.escape(prefix) + rb"c[\s>/]")
    rows = [m.start() for m in row_tag.finditer(segment)]
    cells = np.fromiter((m.start() for m in cell_tag.finditer(segment)), dtype=np.int64)
    if not len(cells):
        return len(rows), 0
    per_row = np.bincount(np.searchsorted(np.asarray(rows, dtype=np.int64), cells, side="right"))
    return len(rows), int(per_row.max())


def _sheet_prefix(root_tag: bytes) -> bytes:
    return root_tag.rsplit(b":", 1)[0] + b":" if b":" in root_tag else b""


def _segments(stream, row_end: bytes):
    """Pieces of a streamed part, each cut after a row's end tag and followed by :data:`_PAD`.

    Each chunk is copied once: the bytes carried over from the previous
    chunk, the chunk up to its last row end, and the padding are joined.
    """
    carry = b""
    for chunk in _prefetched(stream):
        if not chunk:
            yield carry + _PAD
            return
        cut = chunk.rfind(row_end)
        if cut == -1:  # a row longer than a chunk: cut after the last tag
            buffer = carry + chunk
            cut = buffer.rfind(b">") + 1
            segment, carry = buffer[:cut] + _PAD, buffer[cut:]
        else:
            cut += len(row_end)
            segment = b"".join((carry, memoryview(chunk)[:cut], _PAD))
            carry = chunk[cut:]
        yield segment


_INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error,) + (
    (_fast_zlib.error,) if _fast_zlib is not None else ())
_RAW_CHUNK = 1 << 20


class _RawEntry:
    """Read one stored or deflated zip entry with the faster inflater.

    Finds the entry's data from its local header, inflates it in pieces of
    at most the size asked for, refuses to produce more than the declared
    size and checks the size and CRC-32 at the end, as :mod:`zipfile` does.
    """

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        self._info = info
        self._handle = open(path, "rb")
        try:
            self._handle.seek(info.header_offset)
            header = self._handle.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for '{info.filename}'")
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            self._handle.seek(info.header_offset + 30 + name_length + extra_length)
        except BaseException:
            self._handle.close()
            raise
        self._remaining = info.compress_size
        self._pending = b""
        self._inflater = _fast_zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._produced = 0
        self._crc = 0
        self._done = False

    def read(self, size: int) -> bytes:
        while not self._done:
            if not self._pending and self._remaining:
                self._pending = self._handle.read(min(self._remaining, _RAW_CHUNK))
                if not self._pending:
                    raise EOFError(f"the entry '{self._info.filename}' is cut short")
                self._remaining -= len(self._pending)
            if self._inflater is not None:
                out = self._inflater.decompress(self._pending, size)
                self._pending = self._inflater.unconsumed_tail
                finished = self._inflater.eof or (not self._pending and not self._remaining and not out)
            else:
                out, self._pending = self._pending[:size], self._pending[size:]
                finished = not self._pending and not self._remaining
            if out:
                self._produced += len(out)
                if self._produced > self._info.file_size:
                    raise zipfile.BadZipFile(f"the entry '{self._info.filename}' inflates past its declared size")
                self._crc = _fast_zlib.crc32(out, self._crc)
            if finished and not (self._inflater is not None and self._pending and not self._inflater.eof):
                self._done = True
                if self._produced != self._info.file_size or self._crc != self._info.CRC:
                    raise zipfile.BadZipFile(f"bad size or CRC-32 for '{self._info.filename}'")
            if out:
                return out
        return b""

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "_RawEntry":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _open_entry(path: Path, archive: zipfile.ZipFile, part: str):
    """A readable stream of one entry: the faster inflater when installed, else :mod:`zipfile`."""
    info = archive.getinfo(part)
    if _fast_zlib is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
            or info.flag_bits & 0x1:
        return archive.open(info)
    return _RawEntry(path, info)


def scan_sheet_extent(path: Path, archive: zipfile.ZipFile, part: str, root_tag: bytes) -> SheetScan:
    """The block of cells a worksheet part would fill, before the value reader sees it.

    Inflates the part in 4 MiB chunks (the next chunk in a thread while the
    current one is measured) cut at row ends and finds the largest row and
    column any cell or row refers to, so that the caller can refuse a sheet
    whose bounding box would not fit in memory.  Cells written without a
    reference are bounded by counting rows and cells per row.  Pieces that
    may hold error cells or formulas are kept in ``scan.pending`` for
    :func:`sheet_problems` (up to :data:`PENDING_BYTES`; past that they are
    examined at once and their findings are in ``scan.problems``).
    """
    prefix = _sheet_prefix(root_tag)
    scan = SheetScan()
    positional_rows = 0
    pending_bytes = 0
    at_once = False
    try:
        with _open_entry(path, archive, part) as stream:
            for segment in _segments(stream, b"</" + prefix + b"row>"):
                max_row, max_column, references, cells, suspicious = _segment_extent(segment, prefix)
                if cells > references and _count_cells(np.frombuffer(segment, _U8), prefix) > references:
                    # Some cells carry no reference: bound their positions by counting.
                    rows_here, widest = _positional_extent(segment, prefix)
                    positional_rows += rows_here
                    max_column = max_column + widest
                scan.max_row = max(scan.max_row, max_row)
                scan.max_column = max(scan.max_column, max_column)
                if not suspicious:
                    continue
                if at_once:
                    scan.problems.extend(_scan_segment(segment))
                    continue
                scan.pending.append(segment)
                pending_bytes += len(segment)
                if pending_bytes > PENDING_BYTES:
                    scan.problems.extend(sheet_problems(scan.pending))
                    scan.pending, at_once = [], True
    except (zipfile.BadZipFile, *_INFLATE_ERRORS, EOFError, OSError, RuntimeError) as exc:
        raise _damaged(path, f"the worksheet part '{part}' cannot be read ({exc})") from None
    scan.max_row += positional_rows
    return scan


def sheet_problems(pending: list[bytes]) -> list[CellProblem]:
    """Error cells and formula cells without a cached value in the pieces kept by :func:`scan_sheet_extent`."""
    found: list[CellProblem] = []
    for segment in pending:
        found.extend(_scan_segment(segment))
    return found


def scan_sheet_xml(path: Path, archive: zipfile.ZipFile, part: str, root_tag: bytes) -> SheetScan:
    """:func:`scan_sheet_extent` and then :func:`sheet_problems`: extent and problems in one call."""
    scan = scan_sheet_extent(path, archive, part, root_tag)
    scan.problems.extend(sheet_problems(scan.pending))
    scan.pending = []
    return scan


class Background:
    """Run ``function(*args)`` in a thread; :meth:`result` waits for it and re-raises its error.

    Used for checks that need not precede parsing (error cells, formulas
    without a value, replacement characters): they run while the value
    reader parses the sheet, which releases the interpreter lock.
    """

    def __init__(self, function, *args, name: str = "read-check") -> None:
        self._function, self._args = function, args
        self._value = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._function(*self._args)
        except BaseException as exc:  # handed to result(), which re-raises it
            self._error = exc

    def result(self):
        """Wait for the thread; return its value or raise its error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def wait(self) -> None:
        """Wait for the thread and forget its outcome (used when another error is on its way)."""
        self._thread.join()


def _prefetched(stream, depth: int = 2):
    """Yield the stream's chunks (then ``b""``), inflating the next ones in a thread.

    Inflating releases the interpreter lock, so the next chunk is inflated
    while the current one is examined; memory stays at ``depth`` chunks.
    """
    chunks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set():
                chunk = stream.read(_CHUNK)
                chunks.put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            chunks.put(exc)

    worker = threading.Thread(target=produce, name="sheet-inflate", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if not item:
                return
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                chunks.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.01)


def _scan_segment(segment: bytes) -> list[CellProblem]:
    found = []
    for cell in _CELL.finditer(segment):
        attrs, body = cell.group(1) or b"", cell.group(2) or b""
        type_match = _ATTR_T.search(attrs)
        cell_type = type_match.group(1) if type_match else b"n"
        formula = _FORMULA.search(body)
        if cell_type != b"e" and formula is None:
            continue
        value = _VALUE.search(body)
        ref = _ATTR_R.search(attrs)
        row = int(ref.group(2)) if ref else None
        column = _column_index(ref.group(1)) if ref else None
        if cell_type == b"e":
            found.append(CellProblem("error_cell", row, column, _xml_text(value.group(1) if value else None)))
        elif value is None or (not (value.group(1) or b"").strip() and cell_type not in (b"str", b"inlineStr")):
            text = _xml_text(formula.group(1)) if formula is not None else ""
            found.append(CellProblem("formula_without_value", row, column, ("=" + text) if text else None))
    return found


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
                chunk = stream.read(_CHUNK)
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
        raise _damaged(path, f"the part 'content.xml' cannot be read ({exc})") from None
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
                chunk = stream.read(_CHUNK)
                if not chunk:
                    return False
                window = tail + chunk
                if b"value-type=\"error\"" in window:
                    return True
                tail = window[-32:]
    except KeyError:
        return False
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise _damaged(path, f"the part 'content.xml' cannot be read ({exc})") from None


# ------------------------------------------------------------------------- OLE2

_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_SECTOR_ID = 0xFFFFFFFA


@dataclass
class OleEntry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class OleFile:
    """A minimal, bounded reader of an OLE2 compound file held in memory.

    Reads the directory and whole streams (regular and mini) by following
    sector chains; every chain walk is capped at the number of sectors in the
    file, so a looping chain cannot hang.  Raises ``ValueError`` on a
    structure that does not add up.
    """

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE2_MAGIC):
            raise ValueError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector size")
        self.sector_size = 1 << shift
        self.n_sectors = max((len(data) - self.sector_size) // self.sector_size, 0)
        (n_fat, first_dir, _, self.mini_cutoff, first_mini_fat, n_mini_fat, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        )
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_SECTOR_ID]
        sector, guard = first_difat, 0
        while sector <= _MAX_SECTOR_ID and guard < n_difat and guard <= self.n_sectors:
            block = self._sector(sector)
            ids = struct.unpack(f"<{self.sector_size // 4}I", block)
            fat_sectors.extend(s for s in ids[:-1] if s <= _MAX_SECTOR_ID)
            sector, guard = ids[-1], guard + 1
        fat_sectors = fat_sectors[: max(n_fat, 0)]
        self.fat = []
        for sector in fat_sectors:
            self.fat.extend(struct.unpack(f"<{self.sector_size // 4}I", self._sector(sector)))
        directory = self._chain_bytes(first_dir, self.fat, self.sector_size, self._sector)
        self.entries: list[OleEntry] = []
        for offset in range(0, len(directory) - 127, 128):
            entry = directory[offset:offset + 128]
            (name_length,) = struct.unpack_from("<H", entry, 64)
            kind = entry[66]
            start, size = struct.unpack_from("<IQ", entry, 116)
            if kind == 0 or not 2 <= name_length <= 64:
                continue
            name = entry[: name_length - 2].decode("utf-16-le", "replace")
            if self.sector_size == 512:
                size &= 0xFFFFFFFF
            self.entries.append(OleEntry(name, kind, start, size))
        root = next((e for e in self.entries if e.kind == 5), None)
        self._mini_stream = b""
        self._mini_fat: list[int] = []
        if root is not None and root.size:
            self._mini_stream = self._chain_bytes(root.start, self.fat, self.sector_size, self._sector)[: root.size]
            if n_mini_fat:
                raw = self._chain_bytes(first_mini_fat, self.fat, self.sector_size, self._sector)
                self._mini_fat = list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))

    def _sector(self, sector: int) -> bytes:
        start = (sector + 1) * self.sector_size
        block = self.data[start:start + self.sector_size]
        if len(block) != self.sector_size:
            raise ValueError("sector past the end of the file")
        return block

    def _mini_sector(self, sector: int) -> bytes:
        block = self._mini_stream[sector * 64:(sector + 1) * 64]
        if len(block) != 64:
            raise ValueError("mini sector past the end of the mini stream")
        return block

    def _chain_bytes(self, first: int, table: list[int], size: int, read) -> bytes:
        parts, sector, steps = [], first, 0
        limit = len(table) + 1
        while sector <= _MAX_SECTOR_ID:
            if steps > limit or sector >= len(table):
                raise ValueError("broken sector chain")
            parts.append(read(sector))
            sector, steps = table[sector], steps + 1
        return b"".join(parts)

    def names(self) -> set[str]:
        return {entry.name for entry in self.entries}

    def stream(self, name: str) -> bytes:
        entry = next(e for e in self.entries if e.kind == 2 and e.name == name)
        if entry.size < self.mini_cutoff:
            data = self._chain_bytes(entry.start, self._mini_fat, 64, self._mini_sector)
        else:
            data = self._chain_bytes(entry.start, self.fat, self.sector_size, self._sector)
        if len(data) < entry.size:
            raise ValueError("stream shorter than its directory entry says")
        return data[: entry.size]


# BIFF8 record types that hold a cell the value reader shows as blank.
_BIFF_BOOLERR, _BIFF_FORMULA = 0x0205, 0x0006
_BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x0085
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
                0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}


_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x0201, 0x00D6}
_BIFF_MULTI = {0x00BD, 0x00BE}
_BIFF_DATEMODE = 0x0022


@dataclass
class XlsScan:
    """What one walk over a BIFF8 workbook stream found."""

    problems: dict[str, list[CellProblem]] = field(default_factory=dict)
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)  # rows, columns
    date1904: bool = False


def scan_xls(data: bytes) -> XlsScan:
    """Error cells, sheet extents and the date system of a BIFF8 (.xls) workbook.

    Walks the records of the ``Workbook`` stream: BOUNDSHEET records give the
    sheet names and the offsets of their substreams; cell records give each
    sheet's extent (the value reader expands every sheet to a dense block
    when it opens the file); BOOLERR records with the error flag are typed
    error values and FORMULA records whose cached result is marked as an
    error hold the error of a calculation; DATEMODE says 1904.  Returns an
    empty scan when the stream cannot be walked (the value reader decides).
    """
    scan = XlsScan()
    try:
        ole = OleFile(data)
        names = ole.names()
        stream = ole.stream("Workbook" if "Workbook" in names else "Book")
    except (ValueError, struct.error, StopIteration):
        return scan
    offsets: dict[int, str] = {}
    position, current = 0, None
    end = len(stream)
    max_row = max_column = 0
    while position + 4 <= end:
        record, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4:position + 4 + length]
        if current is not None and (record in _BIFF_CELLS or record in _BIFF_MULTI) and length >= 6:
            row, column = struct.unpack_from("<HH", body, 0)
            if record in _BIFF_MULTI:
                (column,) = struct.unpack_from("<H", body, length - 2)
            max_row, max_column = max(max_row, row + 1), max(max_column, column + 1)
            if record == _BIFF_BOOLERR and length >= 8 and body[7]:
                scan.problems[current].append(
                    CellProblem("error_cell", row + 1, column, _BIFF_ERRORS.get(body[6], "#ERROR")))
            elif record == _BIFF_FORMULA and length >= 14 and body[12:14] == b"\xff\xff" and body[6] == 0x02:
                scan.problems[current].append(
                    CellProblem("error_cell", row + 1, column, _BIFF_ERRORS.get(body[8], "#ERROR")))
        elif record == _BIFF_BOUNDSHEET and length >= 8:
            (sheet_offset,) = struct.unpack_from("<I", body, 0)
            name_length, flags = body[6], body[7]
            raw = body[8:]
            if flags & 0x01:
                name = raw[: name_length * 2].decode("utf-16-le", "replace")
            else:
                name = raw[:name_length].decode("latin-1")
            offsets[sheet_offset] = name
        elif record == _BIFF_DATEMODE and length >= 2:
            scan.date1904 = struct.unpack_from("<H", body, 0)[0] == 1
        elif record == _BIFF_BOF and position in offsets:
            current = offsets[position]
            scan.problems.setdefault(current, [])
            max_row = max_column = 0
        elif record == _BIFF_EOF and current is not None:
            scan.extents[current] = (max_row, max_column)
            current = None
        position += 4 + length
    return scan
