"""Parsing a large worksheet as two halves at once, from the very bytes the safety scan checked.

The value reader parses a sheet on one processor: a 20,000-row export takes
it more than a second, while the machine's second processor waits.  When
the safety scan (:mod:`.xlsx_scan`) has kept a sheet's XML
(:class:`~.xlsx_scan.KeptPieces`) and every cell in it carries its own
reference, the XML is cut between two rows into halves.  Each half becomes a
workbook of its own (every other part of the workbook as it is, plus the half
as the sheet), written to an in-memory file, and the two are parsed at the
same time, the second in a thread.  As every cell names its row and column,
each cell lands where it would in the whole sheet, and the rows are joined.

The halves are used only where nothing in the file could make them read
differently from the whole: a plain ``<sheetData>`` start followed by a row,
a single ``sheetData`` end in the last piece, no comments, CDATA sections or
processing instructions (an end tag inside one would fool the cut), the cut
between a row's end tag and the next row's start tag, no merged ranges
before the cut (the value reader takes the first list of them), every part
stored or deflated (the value reader inflates nothing else), no entry with a
second name (see :mod:`.zipcheck`), and every row of the first half above
every row of the second.  Otherwise, or if either half fails, the sheet is
parsed whole.  Needs in-memory files (Linux) and two processors.
"""

from __future__ import annotations

import os
import re
import threading
import zipfile
from dataclasses import dataclass

import python_calamine

from .inflate import fast_zlib
from .xlsx_scan import PAD_BYTES, KeptPieces

__all__ = ["available", "plan_cut", "parse_in_halves", "KEEP_BYTES", "MIN_BYTES"]

#: Sheets with less XML than this are parsed whole: cutting them gains less than it costs.
MIN_BYTES = 8 << 20
#: At most this many bytes of a workbook's worksheet XML are kept by the scan for the halves.
KEEP_BYTES = 128 << 20
#: The halves' workbooks carry the workbook's other parts (shared strings, styles...) up to this size.
MAX_OTHER_BYTES = 32 << 20
#: Sheets with more XML per cell than this (long texts, padding) are parsed whole: copying their XML
#: costs more than parsing it.
MAX_BYTES_PER_CELL = 512

_DATA_START = re.compile(rb"<((?:[A-Za-z_][\w.\-]*:)?)sheetData(?:\s[^<>]*)?>")
_LOOK = 256  # bytes looked at for the row that must follow a cut


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available() -> bool:
    """Whether sheets may be parsed in halves here (in-memory files, two processors, and the inflater
    that, like the value reader, refuses a compressed stream without its end)."""
    return (hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd") and _processors() >= 2
            and fast_zlib is not None)


@dataclass
class Cut:
    """Where a sheet's XML is cut: the halves are ``pieces[:at] + closing`` and ``head + pieces[at:]``."""

    at: int
    head: bytes  # everything up to and including the sheetData start tag
    closing: bytes  # the end tags that close the first half


def _starts_row(piece: bytes, row_start: bytes) -> bool:
    """Whether ``piece`` begins (after blanks) with a row's start tag."""
    text = piece[:_LOOK].lstrip(b" \t\r\n")
    return text.startswith(row_start) and text[len(row_start):len(row_start) + 1] in (b" ", b"\t", b"\r", b"\n",
                                                                                        b">", b"/")


def plan_cut(kept: KeptPieces, root_tag: bytes) -> Cut | None:
    """The cut nearest the middle of the sheet's XML, or None when the sheet must be parsed whole."""
    pieces = kept.pieces
    sizes = [len(p) - PAD_BYTES for p in pieces]
    total = sum(sizes)
    if len(pieces) < 2 or total < MIN_BYTES or total > MAX_BYTES_PER_CELL * kept.cells:
        return None
    if kept.sheet_data[0] != 1 or kept.sheet_data[-1] != 1 or any(kept.sheet_data[1:-1]):
        return None
    first = pieces[0]
    declared = first.startswith((b"<?xml", b"\xef\xbb\xbf<?xml"))
    if kept.markup != int(declared):
        return None
    match = _DATA_START.search(first)
    prefix = root_tag.rsplit(b":", 1)[0] + b":" if b":" in root_tag else b""
    if match is None or match.group(0).endswith(b"/>") or match.group(1) != prefix:
        return None
    row_start = b"<" + prefix + b"row"
    if not _starts_row(first[match.end():], row_start):
        return None
    if pieces[-1].find(b"</" + prefix + b"sheetData") == -1 or kept.row_end != b"</" + prefix + b"row>":
        return None
    reached, best = 0, None
    for at in range(1, len(pieces)):
        reached += sizes[at - 1]
        if kept.merged[at - 1]:  # the value reader takes the first list of merged ranges: the second half's
            break
        if kept.ends_row[at - 1] and _starts_row(pieces[at], row_start):
            if best is None or abs(2 * reached - total) < abs(2 * best[1] - total):
                best = (at, reached)
    if best is None:
        return None
    return Cut(at=best[0], head=first[:match.end()],
               closing=b"</" + prefix + b"sheetData></" + root_tag + b">")


def _other_parts(archive: zipfile.ZipFile, part: str) -> list[tuple[str, bytes]] | None:
    """The workbook's other parts, which each half's workbook carries as they are (None when they are
    too large, or when one is compressed otherwise than the value reader can inflate)."""
    infos = [i for i in archive.infolist() if i.filename != part]
    if sum(i.file_size for i in infos) > MAX_OTHER_BYTES or any(
            i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in archive.infolist()):
        return None
    return [(info.filename, archive.read(info)) for info in infos]


def _half_workbook(others: list[tuple[str, bytes]], part: str, chunks: list) -> int:
    """An in-memory file holding a workbook whose sheet ``part`` is ``chunks`` (its descriptor).

    ``chunks`` is emptied once written, or on failure, so that the kept pieces can be let go.
    """
    try:
        descriptor = os.memfd_create("survey-analysis-half", os.MFD_CLOEXEC)
        try:
            with open(descriptor, "wb", closefd=False) as handle, \
                    zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as out:
                for name, data in others:
                    out.writestr(name, data)
                with out.open(zipfile.ZipInfo(part), "w") as sheet:
                    for chunk in chunks:
                        sheet.write(chunk)
        except BaseException:
            os.close(descriptor)
            raise
    finally:
        chunks.clear()
    return descriptor


def _open(descriptor: int, name: str):
    """The value reader's sheet ``name`` of the workbook in the in-memory file ``descriptor`` (closed here)."""
    try:
        workbook = python_calamine.load_workbook(f"/proc/self/fd/{descriptor}")
    finally:
        os.close(descriptor)  # the value reader opened the file itself
    try:
        return workbook.get_sheet_by_name(name)
    finally:
        workbook.close()


class _Second:
    """The second half, written and parsed in a thread.

    :attr:`written` is set once its file is written (or writing failed), so
    that the kept pieces can be let go before either half is parsed;
    :meth:`result` waits for the sheet (None if anything failed).
    """

    def __init__(self, others: list[tuple[str, bytes]], part: str, chunks: list, name: str) -> None:
        self.written = threading.Event()
        self._sheet = None
        self._thread = threading.Thread(target=self._run, args=(others, part, chunks, name),
                                        name="sheet-second-half", daemon=True)
        self._thread.start()

    def _run(self, others, part, chunks, name) -> None:
        try:
            try:
                descriptor = _half_workbook(others, part, chunks)
            finally:
                self.written.set()
            self._sheet = _open(descriptor, name)
        except Exception:  # the sheet is then parsed whole, which reports the problem
            self._sheet = None

    def result(self):
        self._thread.join()
        return self._sheet


def parse_in_halves(archive: zipfile.ZipFile, part: str, name: str, kept: KeptPieces, root_tag: bytes):
    """Parse sheet ``name`` (part ``part``) as two halves at once.

    Returns the first half's value-reader sheet and a callable that waits
    for the second's (None if the second failed), or None when the sheet
    must be parsed whole.  The kept pieces are let go once both halves are
    written, before they are parsed.
    """
    cut = plan_cut(kept, root_tag)
    others = _other_parts(archive, part) if cut is not None else None
    if others is None:
        kept.pieces.clear()
        return None
    bodies = [memoryview(piece)[:-PAD_BYTES] for piece in kept.pieces]
    kept.pieces.clear()
    second = _Second(others, part, [cut.head, *bodies[cut.at:]], name)
    first_chunks = [*bodies[:cut.at], cut.closing]
    del bodies
    try:
        try:
            descriptor = _half_workbook(others, part, first_chunks)
        finally:
            second.written.wait()
        first = _open(descriptor, name)
    except Exception:
        second.result()
        return None
    return first, second.result
