"""Per-sheet checks that must run before the value reader parses a sheet.

The value reader allocates a sheet's whole bounding box at once, so the box
is measured from the sheet's XML first (:mod:`.xlsx_scan`; every .ods and
.xls sheet is measured when the workbook is opened) and a sheet too large is
refused.  Checks that need not precede the parse (error cells, formulas
without a value, replacement characters) run in threads meanwhile.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

from ..errors import UnsafeFileError
from . import limits
from .table import CellProblem, column_letter
from .xlsx_scan import scan_sheet_extent, sheet_problems
from .zipcheck import ZipSummary, part_contains, styles_have_durations


class SheetGuard:
    """Per-sheet checks that must run before the value reader parses a sheet."""

    def __init__(self, path: Path, archive: zipfile.ZipFile | None = None,
                 summary: ZipSummary | None = None,
                 layout: dict[str, str] | None = None, xls_errors=None) -> None:
        self.path = path
        self.archive = archive
        self.summary = summary
        self.layout = layout or {}
        self.xls_errors = xls_errors or {}
        self.problems: dict[str, list[CellProblem]] = {}
        self.ods_has_errors: bool | None = None
        self.ods_extents: dict[str, tuple[int, int]] | None = None
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
        if archive is not None and summary is not None and "xl/sharedStrings.xml" in summary.names:
            self._replacement_check = self._start(
                part_contains, path, archive, "xl/sharedStrings.xml", "\ufffd".encode())
        if archive is not None and summary is not None and summary.format in ("xlsx", "xlsm"):
            self.may_have_durations = styles_have_durations(path, archive)

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
        """Refuse the sheet if its block of cells is too large; start the other checks."""
        if self.summary is None or self.archive is None:
            self.problems[name] = list(self.xls_errors.get(name, []))
            return
        if self.summary.format == "ods":
            return  # checked, for every sheet, before the workbook was opened
        part = self.layout.get(name)
        if part is None or part not in self.summary.root_tags:
            return
        scan = scan_sheet_extent(self.path, self.archive, part, self.summary.root_tags[part])
        self.check_extent(name, scan.max_row, scan.max_column)
        self.problems[name] = scan.problems
        if scan.pending:
            self._pending[name] = self._start(sheet_problems, scan.pending)

    def after_parse(self, name: str, parsed: bool) -> None:
        """Join the checks started by :meth:`before_parse`; raise their error if the parse succeeded."""
        task = self._pending.pop(name, None)
        if task is None:
            return
        if not parsed:
            task.wait()
            return
        self.problems[name] = self.problems.get(name, []) + task.result()

    def check_extent(self, name: str, rows: int, columns: int) -> None:
        cells = rows * columns
        if rows > limits.EXCEL_MAX_ROWS or columns > limits.EXCEL_MAX_COLUMNS \
                or cells > limits.MAX_SHEET_CELLS:
            raise UnsafeFileError(
                f"the sheet reaches cell {column_letter(max(columns - 1, 0))}{rows}, so reading it would "
                f"fill a block of {cells:,} cells (limit {limits.MAX_SHEET_CELLS:,}); a survey export "
                "is never that large, a hostile or damaged file can be",
                path=self.path,
                sheet=name,
                hint="Open the file in Excel or LibreOffice, delete the stray far-away cells, and "
                "save it again; or export the responses again from the survey tool.",
            )


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
