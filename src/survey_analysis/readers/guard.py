"""The checks that must run before the value reader parses a workbook, and those that may run meanwhile.

The value reader allocates a sheet's whole bounding box at once, keeps every
shared string and every merged range, and finds the part it reads as a sheet
through relationships it resolves case-insensitively, whatever the part is
called.  So, before it opens an .xlsx, *every* part of the zip is measured
(:func:`check_xlsx_parts`, with :mod:`.xlsx_scan`) as if it were the sheet
and as if it were the shared strings, and the workbook is refused if any part
would be too large; .ods and .xls workbooks are measured whole when they are
opened.  Checks that need not precede the parse (error cells, formulas
without a value, replacement characters) run in threads while it parses.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import numpy as np

from ..errors import UnsafeFileError
from . import halves as halves_module, limits
from .table import CellProblem, column_letter
from .xlsx_problems import sheet_problems
from .xlsx_scan import PendingBudget, SheetScan, scan_sheet_extent
from .zipcheck import ZipSummary, find_part, part_contains, styles_have_durations, unsafe_file


def check_xlsx_parts(path: Path, archive: zipfile.ZipFile, summary: ZipSummary,
                     layout: dict[str, str]) -> dict[str, SheetScan]:
    """Measure every part of an .xlsx as the value reader could read it; refuse the workbook if one is too large.

    Each part is measured as a sheet (bounding box, cell elements, merged
    ranges) and as a shared-strings table (items, announced count, size);
    the sheets together may not span more than ``MAX_SHEET_CELLS`` (the
    responses sheet is chosen by reading every visible sheet), and the text
    their cells would hold -- each shared string counted once per cell that
    refers to it -- may not pass ``MAX_CELL_TEXT``.  Returns the scans of the
    parts that are sheets of ``layout`` (with the pieces kept for the problem
    pass).  Raises :class:`UnsafeFileError` naming the part (and its sheet)
    and the limit.
    """
    sheet_of = {part: name for name, part in layout.items()}
    scans: dict[str, SheetScan] = {}
    budget = PendingBudget()
    # Worksheets' pieces are kept so that a large sheet can be parsed in halves from them (see .halves).
    keep = PendingBudget(halves_module.KEEP_BYTES) if halves_module.available() and not summary.isolate else None
    all_scans: list[tuple[zipfile.ZipInfo, SheetScan]] = []
    total_cells = 0
    # Parts that are not worksheets come first: if none holds shared strings (exports with inline
    # strings), the sheets need not be searched for references to them.
    infos = [i for i in archive.infolist() if not i.is_dir() and i.file_size]
    infos.sort(key=lambda i: summary.root_tags.get(i.filename, b"").endswith(b"worksheet"))
    strings = False
    for info in infos:
        part = info.filename
        sheet = sheet_of.get(part)
        root = summary.root_tags.get(part, b"")
        scan = scan_sheet_extent(path, archive, part, root, problems=sheet is not None, budget=budget,
                                 strings=strings, keep=keep if sheet is not None else None)
        if scan.shared_strings and not strings:
            # The parts measured so far were not searched for references to shared strings: search them now.
            strings = True
            for earlier, measured in [*all_scans, (info, scan)]:
                measured.string_references = scan_sheet_extent(
                    path, archive, earlier.filename, summary.root_tags.get(earlier.filename, b""),
                    problems=False).string_references
        where = f"the part '{part}'" + (f" (sheet '{sheet}')" if sheet is not None else "")
        check_extent(path, sheet, scan.max_row, scan.max_column, where=where)
        _check_count(path, sheet, where, scan.cell_elements, "MAX_CELL_ELEMENTS", "cell elements")
        _check_count(path, sheet, where, scan.merged_ranges, "MAX_MERGED_RANGES", "merged ranges")
        _check_count(path, sheet, where, scan.shared_strings, "MAX_SHARED_STRINGS", "shared strings")
        _check_count(path, sheet, where, scan.announced_strings, "MAX_SHARED_STRINGS",
                     "shared strings by the count it announces")
        if scan.shared_strings and info.file_size > limits.get("MAX_SHARED_STRINGS_BYTES"):
            raise unsafe_file(
                path, f"{where} holds a shared-strings table of {info.file_size:,} bytes (limit "
                f"MAX_SHARED_STRINGS_BYTES = {limits.get('MAX_SHARED_STRINGS_BYTES'):,}); the value reader "
                "would hold all of it", limit=("MAX_SHARED_STRINGS_BYTES", info.file_size))
        if scan.cell_elements and not root.endswith(b"calcChain"):  # the formula list repeats a sheet's cells
            total_cells += scan.cells
        all_scans.append((info, scan))
        if sheet is not None:
            scans[part] = scan
    if total_cells > limits.get("MAX_SHEET_CELLS"):
        check_extent(path, None, 0, 0, where="the workbook's sheets", total=total_cells)
    _check_cell_text(path, all_scans)
    return scans


def _string_lengths(parts: list[tuple[zipfile.ZipInfo, SheetScan]]) -> np.ndarray:
    """For each shared-string index, the most bytes its item takes in any part that could be the table."""
    lengths = np.zeros(0, np.int64)
    for info, scan in parts:
        if not scan.shared_strings:
            continue
        starts = np.concatenate(scan.string_starts) if scan.string_starts else np.zeros(0, np.int64)
        sizes = np.diff(np.append(starts, info.file_size))
        if scan.strings_prefixed or len(sizes) < scan.shared_strings:  # offsets unreliable: assume the longest
            sizes = np.full(scan.shared_strings, int(sizes.max()) if len(sizes) else info.file_size, np.int64)
        if len(sizes) > len(lengths):
            lengths = np.append(lengths, np.zeros(len(sizes) - len(lengths), np.int64))
        lengths[:len(sizes)] = np.maximum(lengths[:len(sizes)], sizes)
    return lengths


def _check_cell_text(path: Path, parts: list[tuple[zipfile.ZipInfo, SheetScan]]) -> None:
    """Refuse a workbook whose cells would hold more text than ``MAX_CELL_TEXT`` (shared strings copied per cell)."""
    lengths = _string_lengths(parts)
    if not len(lengths):
        return
    total = 0
    for _, scan in parts:
        if scan.string_references:
            indices = np.concatenate(scan.string_references)
            total += int(lengths[indices[indices < len(lengths)]].sum())
    most = limits.get("MAX_CELL_TEXT")
    if total > most:
        raise unsafe_file(
            path, f"the cells refer to shared strings {total:,} bytes long in all, and the value reader "
            f"copies a string into every cell that uses it (limit MAX_CELL_TEXT = {most:,}); a few long "
            "strings used by thousands of cells are a way to fill memory", limit=("MAX_CELL_TEXT", total))


def _check_count(path: Path, sheet: str | None, where: str, found: int, name: str, what: str) -> None:
    most = limits.get(name)
    if found > most:
        raise unsafe_file(
            path, f"{where} holds {found:,} {what} (limit {name} = {most:,}); a survey export holds far "
            "fewer, a hostile or damaged file can hold that many to exhaust memory",
            sheet=sheet, limit=(name, found))


def check_extent(path: Path, sheet: str | None, rows: int, columns: int, *, where: str = "the sheet",
                 total: int | None = None) -> None:
    """Refuse a block of ``rows`` x ``columns`` cells (``total`` for a whole workbook) that is too large."""
    cells = rows * columns if total is None else total
    most = limits.get("MAX_SHEET_CELLS")
    if rows > limits.get("EXCEL_MAX_ROWS") or columns > limits.get("EXCEL_MAX_COLUMNS") or cells > most:
        corner = f"{column_letter(max(min(columns, 1 << 40) - 1, 0))}{rows}"
        whole = "" if total is None else " with the workbook's other sheets"
        limit = ("MAX_SHEET_CELLS", cells)
        if rows and columns:
            reach = f"{where} reaches cell {corner}, so reading it{whole} would fill a block of {cells:,} cells"
        elif total is not None:
            reach = f"{where} together span so many cells that reading them would fill a block of {cells:,} cells"
        else:  # a reference with a row or a column only
            far = f"row {rows:,}" if rows else f"column {column_letter(min(columns, 1 << 40) - 1)}"
            reach = f"{where} refers to {far}, past the end of a sheet"
            limit = ("EXCEL_MAX_ROWS", rows) if rows else ("EXCEL_MAX_COLUMNS", columns)
        raise UnsafeFileError(
            f"{reach} "
            f"(limit MAX_SHEET_CELLS = {most:,}; a sheet ends at {limits.get('EXCEL_MAX_ROWS'):,} rows and "
            f"{limits.get('EXCEL_MAX_COLUMNS'):,} columns); a survey export is never that large, a hostile "
            "or damaged file can be",
            path=path,
            sheet=sheet,
            hint="Open the file in Excel or LibreOffice, delete the stray far-away cells, and "
            "save it again; or export the responses again from the survey tool. "
            + limits.raise_hint(*limit),
        )


class SheetGuard:
    """Per-sheet work around the value reader's parse: the problem pass, durations, replacement characters."""

    def __init__(self, path: Path, archive: zipfile.ZipFile | None = None,
                 summary: ZipSummary | None = None, layout: dict[str, str] | None = None,
                 scans: dict[str, SheetScan] | None = None, xls_errors=None, styles: str | None = None) -> None:
        self.path = path
        self.archive = archive
        self.summary = summary
        self.layout = layout or {}
        self.scans = scans or {}
        self.xls_errors = xls_errors or {}
        self.problems: dict[str, list[CellProblem]] = {}
        self.ods_has_errors: bool | None = None
        self.ods_merged: dict[str, list] = {}
        # Only a duration number format ([h]:mm, [mm]:ss...) makes the value reader
        # return durations; an xlsx without one in its styles cannot hold any.
        self.may_have_durations = True
        # Checks that need not precede parsing run in threads while the value
        # reader (which releases the interpreter lock) parses; they are
        # joined, and their errors raised, before any value is returned.
        self._background: list[Background] = []
        self._replacement_check: Background | None = None
        self._pending: dict[str, Background] = {}
        if archive is not None and summary is not None and summary.format in ("xlsx", "xlsm"):
            strings = find_part(archive, "xl/sharedStrings.xml")
            if strings is not None:
                self._replacement_check = self._start(part_contains, path, archive, strings, "\ufffd".encode())
            self.may_have_durations = bool(summary.isolate) or styles_have_durations(path, archive, styles)

    def _start(self, function, *args) -> Background:
        task = Background(function, *args)
        self._background.append(task)
        return task

    @property
    def shared_strings_have_replacement(self) -> bool:
        """Whether the shared strings hold U+FFFD (waits for that check)."""
        return bool(self._replacement_check.result()) if self._replacement_check is not None else False

    def close(self) -> None:
        """Wait for every check still running (their outcome no longer matters)."""
        for task in self._background:
            task.wait()

    def before_parse(self, name: str) -> None:
        """Start the problem pass of the sheet (its extent was checked before the workbook was opened)."""
        if self.summary is None or self.archive is None:
            self.problems[name] = list(self.xls_errors.get(name, []))
            return
        scan = self.scans.get(self.layout.get(name, ""))
        if scan is None:
            return
        self.problems[name] = list(scan.problems)
        if scan.pending:
            self._pending[name] = self._start(sheet_problems, scan.pending)

    def halves(self, name: str):
        """Parse sheet ``name`` in two halves at once when its kept pieces allow (see :mod:`.halves`).

        Returns the first half's value-reader sheet and a callable that waits
        for the second's, or None (the sheet is then parsed whole).  The kept
        pieces are let go either way.
        """
        if self.archive is None or self.summary is None or self.summary.isolate:
            return None
        part = self.layout.get(name, "")
        scan = self.scans.get(part)
        kept = scan.kept if scan is not None else None
        if kept is None:
            return None
        scan.kept = None
        if 2 * scan.cells > limits.get("MAX_SHEET_CELLS"):
            # Each half is filled from its own first row to its last: rows out of order could make both as
            # large as the whole sheet, so together they must fit where one sheet may.
            return None
        return halves_module.parse_in_halves(self.archive, part, name, kept, self.summary.root_tags.get(part, b""))

    def after_parse(self, name: str, parsed: bool) -> None:
        """Join the checks started by :meth:`before_parse`; raise their error if the parse succeeded."""
        task = self._pending.pop(name, None)
        if task is None:
            return
        if not parsed:
            task.wait()
            return
        self.problems[name] = self.problems.get(name, []) + task.result()


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
