"""One streaming pass over a worksheet's XML: its bounding box and its blank-looking cells.

The value reader fills the whole rectangle from A1 to the largest row and
column any cell refers to, so a few kilobytes of XML can ask for billions
of cells.  :func:`scan_sheet_extent` measures that rectangle first
(vectorised with numpy over 4 MiB pieces) so that the guard can refuse it.
The same pass keeps the pieces that may hold error cells or formulas without
a cached value; :func:`sheet_problems` lists those cells, which the value
reader would show as blank (:mod:`.xlsx_problems`).
"""

from __future__ import annotations

import re
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import limits
from .inflate import INFLATE_ERRORS, open_entry, prefetched
from .table import CellProblem
from .xlsx_problems import column_index, scan_segment, sheet_problems
from .xml_elements import Elements
from .zipcheck import damaged_part, tag_gap_refused


@dataclass
class SheetScan:
    """What one pass over a part's XML found (any part: the value reader may read any as a sheet)."""

    max_row: int = 0  # 1-based, largest row number referenced (or reached by cells without one)
    max_column: int = 0  # 1-based, largest column number referenced (or reached)
    cell_elements: int = 0  # at most this many cell elements
    shared_strings: int = 0  # at most this many shared-string items
    merged_ranges: int = 0  # at most this many merged ranges
    #: Where each shared-string item starts (byte offsets in the part), when the part holds any.
    string_starts: list[np.ndarray] = field(default_factory=list, repr=False)
    #: Whether the part's shared-string items are written with a prefix (their offsets are then rough).
    strings_prefixed: bool = False
    #: The shared-string indices the part's cells refer to (each cell gets its own copy of the string).
    string_references: list[np.ndarray] = field(default_factory=list, repr=False)
    #: Largest ``count``/``uniqueCount`` an ``sst`` element announces (the value reader reserves room for it).
    announced_strings: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    pending: list[bytes] = field(default_factory=list, repr=False)  # pieces still to examine for problems
    #: The part's pieces as inflated and measured, when they were kept (see :class:`KeptPieces`).
    kept: "KeptPieces | None" = field(default=None, repr=False)

    @property
    def cells(self) -> int:
        return self.max_row * self.max_column


_PAD = b"\0" * 16  # lets the vectorised reads look a few bytes past a piece's end
_U8 = np.uint8
_ANY_REF = re.compile(rb"\sr\s*=\s*[\"']\s*\$?([A-Za-z]*)\s*\$?(\d*)")


def _exact_extent(segment: bytes) -> tuple[int, int, int]:
    """Largest row and column of every ``r`` attribute, and how many cells carry one (the slow path)."""
    max_row = max_column = 0
    for match in _ANY_REF.finditer(segment):
        letters, digits = match.group(1), match.group(2)
        if letters:
            max_column = max(max_column, column_index(letters) + 1 if len(letters) <= 4 else 1 << 40)
        if digits:
            significant = digits.lstrip(b"0")
            max_row = max(max_row, int(significant) if len(significant) <= 12 else 1 << 40)
    cells = sum(1 for match in _CELL_START.finditer(segment) if _has_reference(match.group(1)))
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


def _segment_extent(segment: bytes, prefix: bytes, elements: "Elements | None" = None, *,
                    strings: bool = True) -> tuple[int, int, int, int, bool, np.ndarray]:
    """Measure a piece of sheet XML (which ends with :data:`_PAD`).

    Vectorised with numpy: every ``=`` whose left neighbour is an ``r`` that
    follows whitespace and whose right neighbour is a quote starts a
    reference; up to three letters (the column) and nine digits (the row)
    are read after the quote, all references at once.  Row elements'
    ``r="7"`` count towards the largest row.  Returns the largest row, the
    largest column, how many references name a cell (have letters), at
    most how many cell elements the piece holds (see :class:`Elements`)
    and whether it may hold an error cell (a ``t="e"`` attribute) or a
    formula (an ``f`` element).  A piece with anything unusual (blanks
    around the ``=`` of an ``r`` attribute, a reference that starts with
    neither a letter nor a digit, four or more letters) is measured one
    match at a time instead.  Last, the shared-string indices its string
    cells refer to (see :func:`_string_references`).
    """
    a = np.frombuffer(segment, _U8)
    elements = elements or Elements(segment, a)
    cells = elements.count(b"c")
    none = np.zeros(0, np.int64)
    suspicious = elements.count(b"f") > 0
    eq = np.flatnonzero(a == 61)
    if not len(eq):
        return 0, 0, 0, cells, suspicious, none
    before = a[eq - 1]
    blank = (before <= 32) | (a[eq + 1] <= 32)
    strings = _string_references(segment, a, eq, before, eq[blank], elements.lt) if strings else none
    if blank.any():
        spaced_ref, spaced_error = _spaced_attributes(segment, np.flatnonzero(blank), eq)
        suspicious = suspicious or spaced_error
        if spaced_ref:
            return (*_exact_extent(segment), cells, suspicious, strings)
    if not suspicious:
        typed = eq[before == 116]
        quote = a[typed + 1]
        suspicious = bool((((quote == 34) | (quote == 39)) & (a[typed + 2] == 101) & (a[typed + 3] == quote)).any())
    r_eq = eq[before == 114]
    gap = a[r_eq - 2]
    quote = a[r_eq + 1]
    start = r_eq[((gap == 32) | (gap == 9) | (gap == 10) | (gap == 13)) & ((quote == 34) | (quote == 39))] + 2
    if not len(start):
        return 0, 0, 0, cells, suspicious, strings
    u0 = (a[start] & _U8(0xDF)) - _U8(65)
    u1 = (a[start + 1] & _U8(0xDF)) - _U8(65)
    u2 = (a[start + 2] & _U8(0xDF)) - _U8(65)
    l0 = u0 < 26
    l1 = l0 & (u1 < 26)
    l2 = l1 & (u2 < 26)
    if not (l0 | ((a[start] - _U8(48)) < 10)).all() or (l2 & (((a[start + 3] & _U8(0xDF)) - _U8(65)) < 26)).any():
        return (*_exact_extent(segment), cells, suspicious, strings)
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
    if alive.any():  # nine digits or more (leading zeros count): read them exactly
        return (*_exact_extent(segment), cells, suspicious, strings)
    most = int(count.max())
    max_row = 0
    if most:
        at = digits_at[count == most]
        value = np.zeros(len(at), np.int64)
        for k in range(most):
            value = value * 10 + (a[at + k] - _U8(48))
        max_row = int(value.max())
    return max_row, max_column, _cell_references(segment, a, elements, start - 2), cells, suspicious, strings


def _cell_references(segment: bytes, a: np.ndarray, elements: "Elements", equals: np.ndarray) -> int:
    """How many cells of the piece carry an ``r`` attribute (``equals``: the ``=`` of each ``r="`` found).

    An ``r`` on another element (a row, or a hostile ``<v r="A1">`` inside a
    cell without one), in a cell's text (``<c t="n"> r="A1"<v>1</v></c>``) or
    inside another attribute's value (``<c t='x r="A1"'>``) places no cell;
    counting it would hide the cells that the value reader places one after
    another.
    """
    # Spreadsheet programs write the reference first: "<c r=". Those are on cells for certain.
    first = np.count_nonzero((elements.a[equals - 3] == 99) & (elements.a[equals - 4] == 60))
    cells = elements.count(b"c")
    if first >= cells:
        return int(first)
    lt = elements.lt
    before = np.searchsorted(lt, equals) - 1
    tag = lt[np.maximum(before, 0)]  # the '<' that opens the element each '=' stands in
    on_cell = (before >= 0) & (a[tag + 1] == 99) & ((a[tag + 2] <= 32) | (a[tag + 2] == 62) | (a[tag + 2] == 47))
    prefixed = elements.starts(b"c")
    prefixed = prefixed[a[prefixed] == 58]  # ':' of a prefixed cell tag
    if len(prefixed):
        follow = np.searchsorted(prefixed, tag)
        inside = follow < len(prefixed)
        on_cell |= (before >= 0) & inside & (prefixed[np.minimum(follow, len(prefixed) - 1)] < equals)
    # The '=' must stand in the start tag itself (no '>' since its '<'), outside any attribute value:
    # an even number of quotes since the '<', all of one kind (a piece where they mix is read tag by tag).
    closing = np.flatnonzero(a == 62)
    last = np.searchsorted(closing, equals) - 1
    on_cell &= (last < 0) | (closing[np.maximum(last, 0)] < tag)
    double, single = np.flatnonzero(a == 34), np.flatnonzero(a == 39)
    n_double = np.searchsorted(double, equals) - np.searchsorted(double, tag)
    n_single = np.searchsorted(single, equals) - np.searchsorted(single, tag)
    if (on_cell & (n_double > 0) & (n_single > 0)).any():
        return sum(1 for match in _CELL_START.finditer(segment) if _has_reference(match.group(1)))
    on_cell &= (n_double % 2 == 0) & (n_single % 2 == 0)
    return len(np.unique(tag[on_cell]))  # a cell with two "r" attributes is one cell


_SPACED_STRING_TYPE = re.compile(rb"""\st\s*=\s*(["'])s\1""")
_ANY_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v\s*>")


def _string_references(segment: bytes, a: np.ndarray, eq: np.ndarray, before: np.ndarray,
                       spaced: np.ndarray, lt: np.ndarray) -> np.ndarray:
    """The shared-string indices that the string cells (``t="s"``) of a piece refer to.

    Each such cell's value is the first ``<v>`` after its ``t="s"``.  The
    value reader copies the whole string into every cell that refers to it,
    so one long string referred to by many cells fills memory; the caller
    adds up the lengths.  ``spaced`` are the offsets of ``=`` signs next to a
    blank, where ``t = "s"`` is looked for one at a time; values written with
    a prefix (``<x:v>``) are found with a regular expression.
    """
    t_eq = eq[before == 116]
    gap, quote = a[t_eq - 2], a[t_eq + 1]
    typed = t_eq[((gap == 32) | (gap == 9) | (gap == 10) | (gap == 13)) & ((quote == 34) | (quote == 39))
                 & (a[t_eq + 2] == 115) & (a[t_eq + 3] == quote)]
    if len(spaced) > 10_000:  # text full of " = ": one search of the piece instead
        typed = np.union1d(typed, np.fromiter((m.start() for m in _SPACED_STRING_TYPE.finditer(segment)), np.int64))
    elif len(spaced):
        found = [position for position in spaced.tolist()
                 if _SPACED_STRING_TYPE.search(segment, max(position - 80, 0), position + 80)]
        typed = np.union1d(typed, np.asarray(found, dtype=np.int64))
    if not len(typed):
        return np.zeros(0, np.int64)
    values = lt[(a[lt + 1] == 118) & (a[lt + 2] == 62)] + 3
    if b":v" in segment:
        values = np.union1d(values, np.fromiter((m.end() for m in _ANY_VALUE.finditer(segment)), dtype=np.int64))
    if not len(typed) or not len(values):
        return np.zeros(0, np.int64)
    nxt = np.searchsorted(values, typed)
    at = values[nxt[nxt < len(values)]]
    number = np.zeros(len(at), np.int64)
    alive = np.ones(len(at), bool)
    for k in range(12):
        digit = a[np.minimum(at + k, len(a) - 1)].astype(np.int64) - 48
        alive &= (digit >= 0) & (digit < 10)
        if not alive.any():
            break
        number = np.where(alive, number * 10 + digit, number)
    return number[(number < 1 << 31) & (at < len(a))]


_SST_COUNTS = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sst\b([^<>]*)")
_COUNT_ATTRIBUTE = re.compile(rb"""(?:count|uniqueCount)\s*=\s*["']\s*\+?0*(\d{1,30})""")


def announced_strings(segment: bytes) -> int:
    """The largest ``count``/``uniqueCount`` the ``sst`` elements of a piece announce."""
    most = 0
    for element in _SST_COUNTS.finditer(segment):
        for number in _COUNT_ATTRIBUTE.finditer(element.group(1)):
            most = max(most, int(number.group(1)))
    return most


_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?row\s*>|<(?:[A-Za-z_][\w.\-]*:)?row\b[^<>]*/>")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c(?=[\s>/])([^<>]*)")
_ATTRIBUTE = re.compile(rb"""\s+([^\s=<>/"']+)\s*=\s*(?:"[^"]*"|'[^']*')""")


def _has_reference(attributes: bytes) -> bool:
    """Whether a cell's start tag (``attributes``: what follows its name, up to ``<`` or ``>``) has an
    ``r`` attribute, read attribute by attribute as the value reader reads them.

    ``r="..."`` inside another attribute's value does not count; where the
    attributes stop parsing (a ``>`` inside a value cut them short), the rest
    is not searched, so such a cell counts as one without a reference, which
    only widens the bound.
    """
    position = 0
    while True:
        match = _ATTRIBUTE.match(attributes, position)
        if match is None:
            return False
        if match.group(1) == b"r":
            return True
        position = match.end()


def _positional_extent(segment: bytes, carried: int) -> tuple[bool, int, int]:
    """How wide rows get in a piece of sheet XML where some cells lack a reference.

    Without an ``r`` attribute the value reader places a cell after the
    previous one (after a referenced cell too) and goes back to the first
    column at every row end (a row written ``<row/>`` included), so the
    block it fills is bounded by the most cells between two row ends.
    ``carried`` is the number of cells after the last row end of the previous
    piece (the same row goes on).  Returns whether any cell here lacks a
    reference, the widest row (0 when every cell has a reference) and the
    cells after the last row end.
    """
    ends = np.fromiter((m.end() for m in _ROW_END.finditer(segment)), dtype=np.int64)
    starts, referenced = [], []
    for match in _CELL_START.finditer(segment):
        starts.append(match.start())
        referenced.append(_has_reference(match.group(1)))
    rows = np.searchsorted(ends, np.asarray(starts, dtype=np.int64), side="right")
    per_row = np.bincount(rows, minlength=len(ends) + 1)
    per_row[0] += carried
    refless = [row for row, has_ref in zip(rows.tolist(), referenced) if not has_ref]
    widest = int(per_row[refless].max()) if refless else (int(per_row[0]) if carried else 0)
    return bool(refless), widest, int(per_row[-1])


def _sheet_prefix(root_tag: bytes) -> bytes:
    return root_tag.rsplit(b":", 1)[0] + b":" if b":" in root_tag else b""


class TagGapError(Exception):
    """A part holds more than ``MAX_TAG_GAP_BYTES`` without a tag end (the caller names the part)."""

    def __init__(self, gap: int) -> None:
        super().__init__(gap)
        self.gap = gap


def _check_gap(buffer: bytes) -> int:
    """Where ``buffer``'s last tag ends; raise :class:`TagGapError` if more than ``MAX_TAG_GAP_BYTES`` follow."""
    cut = buffer.rfind(b">") + 1
    if len(buffer) - cut > limits.get("MAX_TAG_GAP_BYTES"):
        raise TagGapError(len(buffer) - cut)
    return cut


#: Pieces are measured at about this size: the numpy passes over a piece then stay in the processor's
#: cache (measuring 1 MiB pieces took about 60% of the time of 4 MiB pieces).
PIECE_BYTES = 1 << 20


def _segments(stream, row_end: bytes):
    """Pieces of a streamed part, each cut after a row's end tag and followed by :data:`_PAD`.

    Each inflated chunk is cut into pieces of about :data:`PIECE_BYTES`
    after a row end (a piece holding a row longer than that ends with the
    row; a row longer than a chunk is cut after its last tag).  The bytes carried over from the
    previous chunk are joined to the first piece.
    """
    carry = b""
    for chunk in prefetched(stream):
        if not chunk:
            _check_gap(carry)
            yield carry + _PAD
            return
        cut = chunk.rfind(row_end)
        if cut == -1:  # a row longer than a chunk: cut after the last tag
            buffer = carry + chunk
            cut = _check_gap(buffer)
            segment, carry = buffer[:cut] + _PAD, buffer[cut:]
            yield segment
            continue
        end = cut + len(row_end)
        view = memoryview(chunk)
        start = 0
        while start < end:
            stop = -1
            if end - start > PIECE_BYTES * 3 // 2:
                stop = chunk.rfind(row_end, start, start + PIECE_BYTES)
                if stop == -1:  # a row longer than a piece: the piece ends with it
                    stop = chunk.find(row_end, start + PIECE_BYTES, end)
            stop = end if stop == -1 else stop + len(row_end)
            yield b"".join((carry, view[start:stop], _PAD))
            carry = b""
            start = stop
        carry = chunk[end:]


@dataclass
class _Piece:
    """What :func:`_measure` found in one piece (offsets relative to the piece)."""

    extent: tuple
    items: np.ndarray
    items_prefixed: bool
    sst: bool
    merged: int
    rows: int
    markup: int  # comments, CDATA sections, declarations, instructions
    sheet_data: int  # sheetData tags, start and end
    cell_ends: int  # end tags of cells written with the sheet's prefix (counted in ``extent`` as cells)


def _measure(segment: bytes, prefix: bytes, strings: bool = True) -> _Piece:
    elements = Elements(segment, np.frombuffer(segment, _U8))
    items = elements.starts(b"si")
    return _Piece(extent=_segment_extent(segment, prefix, elements, strings=strings), items=np.sort(items),
                  items_prefixed=bool(len(items)) and elements.prefixed(b"si"), sst=elements.count(b"sst") > 0,
                  merged=elements.count(b"mergeCell"), rows=elements.count(b"row"), markup=elements.markup(),
                  sheet_data=elements.count(b"sheetData") + elements.end_tags(b"sheetData"),
                  cell_ends=elements.prefixed_end_tags(prefix, b"c"))


_POOL: ThreadPoolExecutor | None = None


def _measured(segments, prefix: bytes, strings: bool):
    """Each piece with what :func:`_measure` found in it, the next piece measured in a thread meanwhile.

    The measuring is numpy work that releases the interpreter lock, so on two
    processors two pieces are measured at once; at most two are in flight.
    """
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="survey-analysis-scan")
    ahead: deque = deque()
    for segment in segments:
        ahead.append((segment, _POOL.submit(_measure, segment, prefix, strings)))
        if len(ahead) > 1:
            done, future = ahead.popleft()
            yield done, future.result()
    while ahead:
        done, future = ahead.popleft()
        yield done, future.result()


class PendingBudget:
    """Bytes of sheet pieces kept (for the problem pass, or as :class:`KeptPieces`), shared by one workbook's parts."""

    def __init__(self, limit: int | None = None) -> None:
        self.used = 0
        self.limit = limit


@dataclass
class KeptPieces:
    """A worksheet part's pieces as the scan inflated and measured them, for :mod:`.halves`.

    Kept only while every cell of the part carries a reference (so that each
    cell's place does not depend on the cells before it) and while the
    workbook's budget lasts; each piece still ends with :data:`_PAD`.
    """

    pieces: list[bytes] = field(default_factory=list)
    ends_row: list[bool] = field(default_factory=list)  # whether each piece ends with a row's end tag
    sheet_data: list[int] = field(default_factory=list)  # sheetData tags in each piece
    merged: list[int] = field(default_factory=list)  # mergeCell elements in each piece
    cells: int = 0  # cell elements in all the pieces
    markup: int = 0  # comments, CDATA sections, declarations and instructions in all the pieces
    row_end: bytes = b"</row>"

    def __len__(self) -> int:
        return len(self.pieces)

    def add(self, segment: bytes, piece: "_Piece", ends_row: bool) -> None:
        self.pieces.append(segment)
        self.ends_row.append(ends_row)
        self.sheet_data.append(piece.sheet_data)
        self.merged.append(piece.merged)
        self.cells += piece.extent[3] - piece.cell_ends
        self.markup += piece.markup


PAD_BYTES = len(_PAD)


def scan_sheet_extent(path: Path, archive: zipfile.ZipFile, part: str, root_tag: bytes, *,
                      problems: bool = True, budget: PendingBudget | None = None,
                      strings: bool = True, keep: PendingBudget | None = None) -> SheetScan:
    """The block of cells a part would fill if the value reader read it as a sheet.

    Inflates the part in 4 MiB chunks (the next chunk in a thread while the
    current one is measured) cut at row ends and finds the largest row and
    column any cell or row refers to, so that the caller can refuse a sheet
    whose bounding box would not fit in memory.  Cells written without a
    reference are bounded by counting row ends and cells per row.  The same
    pass counts (as upper bounds) cell elements, shared-string items and
    merged ranges, and (with ``strings``) the shared-string indices its cells
    refer to.  With ``problems``, pieces that may hold error cells or
    formulas are kept in ``scan.pending`` for :func:`sheet_problems` (up to
    ``PENDING_BYTES`` for the whole workbook, counted in ``budget``; past that
    they are examined at once and their findings are in ``scan.problems``).
    With ``keep``, every piece is kept in ``scan.kept`` as long as each cell
    carries a reference and the pieces fit in ``keep.limit`` bytes (counted in
    ``keep`` for the whole workbook).
    """
    prefix = _sheet_prefix(root_tag)
    scan = SheetScan()
    budget = budget or PendingBudget()
    carried = row_elements = 0
    refless = mid_row = False
    row_end = b"</" + prefix + b"row>"
    pending_limit = limits.get("PENDING_BYTES")
    kept = KeptPieces(row_end=row_end) if keep is not None else None
    try:
        with open_entry(path, archive, part) as stream:
            offset = 0
            for segment, piece in _measured(_segments(stream, row_end), prefix, strings):
                max_row, max_column, references, cells, suspicious, indices = piece.extent
                scan.cell_elements += cells
                if len(indices):
                    scan.string_references.append(indices)
                if len(piece.items):
                    scan.shared_strings += len(piece.items)
                    scan.strings_prefixed = scan.strings_prefixed or piece.items_prefixed
                    scan.string_starts.append(piece.items + offset)
                if piece.sst:
                    scan.announced_strings = max(scan.announced_strings, announced_strings(segment))
                offset += len(segment) - len(_PAD)
                scan.merged_ranges += piece.merged
                # Each row element moves a cell without a reference one row down, at most.
                row_elements += piece.rows
                if cells > references or carried:
                    # Some cells may carry no reference: bound their positions by counting.
                    here, widest, carried = _positional_extent(segment, carried)
                    refless = refless or here
                    # A row cut across pieces goes on after cells of earlier pieces, which are
                    # placed no further than the block measured so far.
                    max_column = (max(max_column, scan.max_column) if mid_row else max_column) + widest
                mid_row = not segment.endswith(row_end + _PAD)
                if kept is not None:
                    if cells - piece.cell_ends > references or carried or keep.used + len(segment) > keep.limit:
                        keep.used -= sum(map(len, kept.pieces))
                        kept = None
                    else:
                        kept.add(segment, piece, not mid_row)
                        keep.used += len(segment)
                scan.max_row = max(scan.max_row, max_row)
                scan.max_column = max(scan.max_column, max_column)
                if not (problems and suspicious):
                    continue
                if budget.used > pending_limit:
                    scan.problems.extend(scan_segment(segment))
                    continue
                scan.pending.append(segment)
                budget.used += len(segment)
                if budget.used > pending_limit:
                    scan.problems.extend(sheet_problems(scan.pending))
                    scan.pending = []
    except TagGapError as gap:
        raise tag_gap_refused(path, part, gap.gap) from None
    except (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the part '{part}' cannot be read ({exc})") from None
    if refless:
        scan.max_row += row_elements
    scan.kept = kept
    return scan


def scan_sheet_xml(path: Path, archive: zipfile.ZipFile, part: str, root_tag: bytes) -> SheetScan:
    """:func:`scan_sheet_extent` and then :func:`sheet_problems`: extent and problems in one call."""
    scan = scan_sheet_extent(path, archive, part, root_tag)
    scan.problems.extend(sheet_problems(scan.pending))
    scan.pending = []
    return scan
