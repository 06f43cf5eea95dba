"""One streaming pass over a worksheet's XML: its bounding box and its blank-looking cells.

The value reader fills the whole rectangle from A1 to the largest row and
column any cell refers to, so a few kilobytes of XML can ask for billions
of cells.  :func:`scan_sheet_extent` measures that rectangle first
(vectorised with numpy over 4 MiB pieces) so that the guard can refuse it.
The same pass keeps the pieces that may hold error cells or formulas without
a cached value; :func:`sheet_problems` lists those cells, which the value
reader would show as blank.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import limits
from .inflate import INFLATE_ERRORS, open_entry, prefetched
from .table import CellProblem
from .zipcheck import damaged_part


_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_CELL = re.compile(rb"<" + _PREFIX + rb"c(\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"c\s*>)", re.S)
_ATTR_R = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})[\"']")
_ATTR_T = re.compile(rb"(?:^|\s)t\s*=\s*[\"']([A-Za-z]+)[\"']")
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"f\s*>)", re.S)
_VALUE = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"v\s*>)", re.S)


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
    for chunk in prefetched(stream):
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


def scan_sheet_extent(path: Path, archive: zipfile.ZipFile, part: str, root_tag: bytes) -> SheetScan:
    """The block of cells a worksheet part would fill, before the value reader sees it.

    Inflates the part in 4 MiB chunks (the next chunk in a thread while the
    current one is measured) cut at row ends and finds the largest row and
    column any cell or row refers to, so that the caller can refuse a sheet
    whose bounding box would not fit in memory.  Cells written without a
    reference are bounded by counting rows and cells per row.  Pieces that
    may hold error cells or formulas are kept in ``scan.pending`` for
    :func:`sheet_problems` (up to :data:`limits.PENDING_BYTES`; past that they are
    examined at once and their findings are in ``scan.problems``).
    """
    prefix = _sheet_prefix(root_tag)
    scan = SheetScan()
    positional_rows = 0
    pending_bytes = 0
    at_once = False
    try:
        with open_entry(path, archive, part) as stream:
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
                if pending_bytes > limits.PENDING_BYTES:
                    scan.problems.extend(sheet_problems(scan.pending))
                    scan.pending, at_once = [], True
    except (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the worksheet part '{part}' cannot be read ({exc})") from None
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
