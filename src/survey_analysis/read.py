"""The read stage: any survey export file -> raw rows, safely.

This module owns turning one file (xlsx, xlsm, xls, xlsb, ods, csv, tsv) into
a :class:`RawTable`: every row of the chosen sheet as plain Python values,
with the source row number of each, and an account of everything that was
noticed on the way (notes) or could not be read (problems).  It knows nothing
about questionnaires: header detection, tool detection and coding are the
loader's job (:mod:`survey_analysis.load`).

What it guarantees:

* The format is recognised from the file's bytes, never from its name; a
  mismatch between the two is read anyway and noted.
* Hostile files are refused before any parser sees them: zip bombs (entry
  count, declared sizes, compression ratio), XML entity attacks (a document
  type declaration in any XML part), sheets whose bounding box would not fit
  in memory.  The limits are constants in :mod:`survey_analysis._container`
  and :data:`MAX_TEXT_BYTES` here.
* Nothing is lost silently: error cells and formulas without a calculated
  value become ``None`` *and* a problem entry; ragged CSV rows are padded and
  recorded; trailing blank rows are removed and counted; hidden sheets are
  named in the notes.
* Every error raised is a :class:`~survey_analysis.errors.SurveyError` that
  names the file (and sheet, row, column, value where they apply) and says
  what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import gc
import io
import itertools
import os
import re
import stat
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from . import _container
from .errors import (
    EmptyFileError,
    EncodingProblemError,
    EncryptedFileError,
    FileProblemError,
    SheetNotFoundError,
    SurveyError,
    UnsafeFileError,
    WrongFormatError,
)

__all__ = ["RawTable", "read_raw", "MAX_TEXT_BYTES", "MAX_BINARY_BYTES", "column_letter"]

#: Largest CSV/TSV file read (bytes); the decoded text is held in memory.
MAX_TEXT_BYTES = 512 << 20
#: Largest legacy .xls (OLE2) file read; it is held in memory for its checks.
MAX_BINARY_BYTES = 512 << 20

_FORMAT_NAMES = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsm": "a macro-enabled Excel workbook (.xlsm)",
    "xls": "a legacy Excel 97-2003 workbook (.xls)",
    "xlsb": "a binary Excel workbook (.xlsb)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "csv": "comma/semicolon-separated text (CSV)",
    "tsv": "tab-separated text (TSV)",
}
_SUFFIX_FORMATS = {
    ".xlsx": {"xlsx", "xlsm"}, ".xlsm": {"xlsx", "xlsm"}, ".xls": {"xls"}, ".xlsb": {"xlsb"},
    ".ods": {"ods"}, ".csv": {"csv", "tsv"}, ".tsv": {"csv", "tsv"}, ".txt": {"csv", "tsv"},
}
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_ERROR_LITERALS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                   "#GETTING_DATA", "#SPILL!", "#CALC!"}
_VISIBILITY = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}
_EMPTY_CSV_HINT = "Export the responses again; the file holds no rows."


@dataclass(repr=False)
class RawTable:
    """Every row of one sheet (or text file) as plain Python values.

    Attributes
    ----------
    path : Path
        The file read.
    format : str
        What the bytes are: ``"xlsx"``, ``"xlsm"``, ``"xls"``, ``"xlsb"``,
        ``"ods"``, ``"csv"`` or ``"tsv"`` (whatever the file's name says).
    sheet : str or None
        The sheet read (``None`` for text files).
    sheets : list of dict
        One entry per sheet of a workbook, in workbook order, with keys
        ``name``, ``state`` (``visible``/``hidden``/``veryhidden``), ``rows``
        and ``columns`` (``None`` when the sheet was not read), ``chosen``
        and ``reason``.  Empty for text files.
    rows : list of list
        The rows, from the sheet's first row (A1) or the file's first record;
        values are ``str``, ``int``, ``float``, ``bool``, ``datetime``,
        ``date``, ``time`` or ``None``; all rows have the same width; empty
        strings are ``None``; fully empty trailing rows are removed.
    row_numbers : list of int
        For each row, its 1-based row in the spreadsheet, or for text files
        the physical line on which the record starts.
    encoding, delimiter : str or None
        The text encoding and field separator of a text file.
    notes : list of str
        What was noticed and done, in words (sheet chosen and why, hidden
        sheets skipped, encoding, merged cells filled, blank rows removed...).
    problems : list of dict
        Cells that hold something the reader could not turn into a value and
        made ``None`` (error cells, formulas never calculated) or rows that do
        not fit the table (missing or extra CSV fields), each with keys
        ``kind``, ``sheet``, ``row``, ``column``, ``value``, ``message``.
    trailing_blank_rows : int
        How many fully empty rows were removed from the end.
    date1904 : bool
        Whether the workbook counts dates from 1904 (Mac Excel).  Dates with
        a date format are already converted; a bare serial number in such a
        workbook is days since 1904-01-01.
    """

    path: Path
    format: str
    sheet: str | None
    sheets: list[dict[str, Any]]
    rows: list[list[Any]]
    row_numbers: list[int]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    trailing_blank_rows: int = 0
    date1904: bool = False

    @property
    def n_rows(self) -> int:
        """Number of rows kept."""
        return len(self.rows)

    @property
    def n_columns(self) -> int:
        """Width of the table."""
        return len(self.rows[0]) if self.rows else 0

    def __repr__(self) -> str:
        where = f", sheet={self.sheet!r}" if self.sheet is not None else ""
        return (
            f"RawTable({self.path.name!r}, format={self.format!r}{where}, "
            f"{self.n_rows} rows x {self.n_columns} columns, {len(self.notes)} notes, "
            f"{len(self.problems)} problems)"
        )


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based column index (0 -> ``A``, 27 -> ``AB``)."""
    letters = ""
    index += 1
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# ------------------------------------------------------------------ entry point


def read_raw(path: str | os.PathLike[str], *, sheet: str | int | None = None) -> RawTable:
    """Read every row of a survey export, whatever its format, safely.

    Parameters
    ----------
    path : str or path-like
        The export: .xlsx, .xlsm, .xls, .xlsb, .ods, .csv or .tsv.  The format
        is recognised from the content, not the name.
    sheet : str, int or None, keyword-only
        The sheet to read: its name, or its 0-based position in the workbook.
        ``None`` (default) chooses, among the visible worksheets, the one that
        looks most like a table of responses (most rows with data times most
        header columns) and says why in ``notes``.  Ignored (with a note) for
        text files.

    Returns
    -------
    RawTable
        The rows with their source row numbers, notes and problems.

    Raises
    ------
    FileProblemError
        Missing file, a folder, not readable, too large.
    EmptyFileError
        Zero bytes, or no sheet holds any data.
    WrongFormatError
        Not a spreadsheet or text export, or damaged/truncated.
    UnsafeFileError
        Zip bomb, XML entity declarations, a sheet too large for memory.
    EncryptedFileError
        Password-protected workbook.
    SheetNotFoundError
        ``sheet`` names no sheet, or every worksheet is hidden.
    EncodingProblemError
        A text file that is neither UTF-8 nor one of the Windows/ISO codepages
        tried.

    Notes
    -----
    Format: ``PK\\x03\\x04`` starts a zip (xlsx/xlsm by ``xl/workbook.xml``,
    xlsb by ``xl/workbook.bin``, ods by its ``mimetype`` entry);
    ``D0 CF 11 E0`` an OLE2 compound file (an encrypted OOXML package when it
    holds ``EncryptionInfo``/``EncryptedPackage`` streams, else a legacy .xls);
    anything else is read as delimited text.

    Safety, before any parser runs: the zip's central directory must show at
    most ``MAX_ZIP_ENTRIES`` entries, each declaring at most
    ``MAX_ENTRY_UNCOMPRESSED`` bytes (``MAX_TOTAL_UNCOMPRESSED`` in all) and,
    above 1 MiB, a compression ratio of at most ``MAX_COMPRESSION_RATIO``
    (constants of :mod:`survey_analysis._container`); no XML part may declare
    a document type (entities can only be declared there); the sheet's
    bounding box -- largest referenced row x column, or the expanded repeats
    of an .ods -- must stay under ``MAX_SHEET_CELLS``, because the value
    reader allocates it whole.  The value reader also refuses to inflate an
    entry past its declared size.

    Text decoding: a UTF-8 or UTF-16 byte order mark decides; otherwise strict
    UTF-8; otherwise each of Windows-1250, Windows-1252 and ISO-8859-16 that
    decodes without control characters is scored by its non-ASCII characters
    (+2 for a Romanian or Western European letter, -1 for any other letter,
    -2 for a symbol inside a word) and the best is taken (ties in that order).
    No replacement character (U+FFFD) is ever produced; one already in the
    file is kept and listed in ``problems``.

    Cells: error values and formulas without a cached result become ``None``
    and a ``problems`` entry (xlsx/xlsm from the sheet XML, xls from the BIFF
    records, ods from LibreOffice's error marks; not checked for xlsb).
    Merged ranges are filled with their top-left value and listed in
    ``notes``.  Whole-number floats become ``int``; durations become
    ``datetime.time`` (under a day) or ``"h:mm:ss"`` text.

    References
    ----------
    .. [1] ECMA-376 Office Open XML, Part 1 (SpreadsheetML: ``c``, ``f``,
       ``v`` elements, cell types, ``date1904``) and Part 2 (packaging).
    .. [2] [MS-CFB] Compound File Binary Format; [MS-OFFCRYPTO] Office
       Document Cryptography Structure (``EncryptionInfo``,
       ``EncryptedPackage``); [MS-XLS] BIFF8 records.
    .. [3] OASIS OpenDocument 1.2, Part 1: table:number-rows-repeated,
       table:number-columns-repeated.
    .. [4] OWASP, "XML External Entity Prevention Cheat Sheet" and
       D. Fifield, "A better zip bomb", WOOT '19 (2019).

    Examples
    --------
    >>> raw = read_raw("data/sample/google_forms.xlsx")      # doctest: +SKIP
    >>> raw.rows[0][:2], raw.row_numbers[:2]                   # doctest: +SKIP
    (['Timestamp', 'Email Address'], [1, 2])
    """
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise FileProblemError(
            f"expected a file path, got {type(path).__name__}",
            value=path,
            hint="Pass the path of the export file as a string or pathlib.Path.",
        ) from None
    size = _check_path(path)
    with _open(path) as handle:
        head = handle.read(8)
    if size == 0 or not head:
        raise EmptyFileError(
            "the file is empty (0 bytes)",
            path=path,
            hint="The export or download did not finish; export the responses again.",
        )
    try:
        if head.startswith(_container.ZIP_MAGIC):
            raw = _read_zip(path, sheet)
        elif head.startswith(_container.OLE2_MAGIC):
            raw = _read_ole2(path, size, sheet)
        else:
            raw = _read_text(path, size, sheet)
    except SurveyError:
        raise
    except MemoryError:
        raise FileProblemError(
            "the file does not fit in memory",
            path=path,
            hint="Split the export (for example by date) and read the parts separately.",
        ) from None
    _note_name_mismatch(raw)
    return raw


def _check_path(path: Path) -> int:
    try:
        info = path.stat()
    except FileNotFoundError:
        hint = "Check the spelling and the folder; paths are relative to " f"'{Path.cwd()}'."
        parent = path.parent if str(path.parent) else Path(".")
        if parent.is_dir():
            try:
                siblings = [p.name for p in parent.iterdir()][:2000]
            except OSError:
                siblings = []
            close = difflib.get_close_matches(path.name, siblings, n=3, cutoff=0.6)
            if close:
                hint = "Did you mean " + " or ".join(f"'{parent / c}'" for c in close) + "?"
        raise FileProblemError("no such file", path=path, hint=hint) from None
    except PermissionError:
        raise FileProblemError(
            "the file cannot be reached (permission denied on its folder)",
            path=path,
            hint="Copy the file to a folder you can read, or ask for read access.",
        ) from None
    except OSError as exc:
        raise FileProblemError(
            f"the file cannot be opened ({exc.strerror or exc})",
            path=path,
            hint="Check the path; copy the file to a local folder and try again.",
        ) from None
    if stat.S_ISDIR(info.st_mode):
        try:
            inside = sorted(
                p.name for p in path.iterdir()
                if p.suffix.lower() in _SUFFIX_FORMATS and p.is_file()
            )[:5]
        except OSError:
            inside = []
        hint = "Give the path of one export file, not of its folder."
        if inside:
            hint += " Files here that could be exports: " + ", ".join(inside) + "."
        raise FileProblemError("this is a folder, not a file", path=path, hint=hint)
    if not stat.S_ISREG(info.st_mode):
        raise FileProblemError(
            "this is not a regular file (a device, pipe or socket)",
            path=path,
            hint="Save the export as a file and give its path.",
        )
    return info.st_size


def _open(path: Path):
    try:
        return open(path, "rb")
    except PermissionError:
        raise FileProblemError(
            "the file cannot be read (permission denied)",
            path=path,
            hint="Ask for read access, or copy the file somewhere you can read it.",
        ) from None
    except OSError as exc:
        raise FileProblemError(
            f"the file cannot be opened ({exc.strerror or exc})",
            path=path,
            hint="Copy the file to a local folder and try again.",
        ) from None


def _read_bytes(path: Path, size: int, limit: int, what: str) -> bytes:
    if size > limit:
        raise FileProblemError(
            f"{what} of {size:,} bytes is larger than the {limit:,} bytes this reader accepts",
            path=path,
            hint="Split the export into smaller files, or raise the limit "
            "(survey_analysis.read.MAX_TEXT_BYTES / MAX_BINARY_BYTES) if you trust it.",
        )
    with _open(path) as handle:
        try:
            return handle.read(limit + 1)
        except OSError as exc:
            raise FileProblemError(
                f"the file could not be read to the end ({exc.strerror or exc})",
                path=path,
                hint="Copy the file to a local folder and try again.",
            ) from None


def _note_name_mismatch(raw: RawTable) -> None:
    suffix = raw.path.suffix.lower()
    expected = _SUFFIX_FORMATS.get(suffix)
    if expected is None or raw.format in expected:
        if expected is None and suffix:
            raw.notes.insert(0, f"The name ends in '{suffix}'; the content is {_FORMAT_NAMES[raw.format]}.")
        return
    raw.notes.insert(
        0,
        f"The file is named '{raw.path.name}' ('{suffix}') but its content is "
        f"{_FORMAT_NAMES[raw.format]}; it was read as such. Rename it to end in "
        f"'.{'csv' if raw.format == 'tsv' else raw.format}' to avoid confusion.",
    )


# --------------------------------------------------------------------- workbooks


def _damaged(path: Path, detail: str) -> WrongFormatError:
    return WrongFormatError(
        f"the workbook is damaged or truncated and cannot be read ({detail})",
        path=path,
        hint="The file was probably cut short by an interrupted download or copy. "
        "Download or export it again; if it opens in Excel or LibreOffice, save it again as .xlsx.",
    )


def _read_zip(path: Path, sheet: str | int | None) -> RawTable:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise WrongFormatError(
            f"the file starts like a zip container (.xlsx/.ods) but is damaged or truncated ({exc})",
            path=path,
            hint="The download or copy was probably cut short. Download or export it again.",
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _damaged(path, str(exc)) from None
    with archive:
        summary = _container.inspect_zip(path, archive)
        layout: dict[str, str] = {}
        date1904 = False
        if summary.format in ("xlsx", "xlsm"):
            layout, date1904 = _container.xlsx_layout(path, archive)
        guard = _SheetGuard(path, archive, summary, layout)
        try:
            if summary.format == "ods":
                # The value reader expands every sheet of an .ods when it opens the
                # file, so every sheet is checked before it is opened.
                guard.ods_extents = _container.ods_extents(path, archive, guard.ods_merged)
                guard.ods_has_errors = _container.scan_ods_errors(path, archive)
                for name, (rows, columns) in guard.ods_extents.items():
                    guard.check_extent(name, rows, columns)
            raw = _read_workbook(path, summary.format, sheet, guard)
        finally:
            guard.close()
    raw.date1904 = raw.date1904 or date1904
    if date1904:
        raw.notes.append(
            "The workbook uses the 1904 date system (Mac Excel): formatted dates were converted "
            "with it; a bare serial number in this workbook counts days from 1904-01-01."
        )
    return raw


class _SheetGuard:
    """Per-sheet checks that must run before the value reader parses a sheet."""

    def __init__(self, path: Path, archive: zipfile.ZipFile | None = None,
                 summary: _container.ZipSummary | None = None,
                 layout: dict[str, str] | None = None, xls_errors=None) -> None:
        self.path = path
        self.archive = archive
        self.summary = summary
        self.layout = layout or {}
        self.xls_errors = xls_errors or {}
        self.problems: dict[str, list[_container.CellProblem]] = {}
        self.ods_has_errors: bool | None = None
        self.ods_extents: dict[str, tuple[int, int]] | None = None
        self.ods_merged: dict[str, list] = {}
        # Only a duration number format ([h]:mm, [mm]:ss...) makes the value reader
        # return durations; an xlsx without one in its styles cannot hold any.
        self.may_have_durations = True
        # Checks that need not precede parsing run in threads while the value
        # reader (which releases the interpreter lock) parses; they are
        # joined, and their errors raised, before any value is returned.
        self._background: list[_container.Background] = []
        self._replacement_check: _container.Background | None = None
        self._pending: dict[str, _container.Background] = {}
        if archive is not None and summary is not None and "xl/sharedStrings.xml" in summary.names:
            self._replacement_check = self._start(
                _container.part_contains, path, archive, "xl/sharedStrings.xml", "\ufffd".encode())
        if archive is not None and summary is not None and summary.format in ("xlsx", "xlsm"):
            self.may_have_durations = _container.styles_have_durations(path, archive)

    def _start(self, function, *args) -> _container.Background:
        task = _container.Background(function, *args)
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
        scan = _container.scan_sheet_extent(self.path, self.archive, part, self.summary.root_tags[part])
        self.check_extent(name, scan.max_row, scan.max_column)
        self.problems[name] = scan.problems
        if scan.pending:
            self._pending[name] = self._start(_container.sheet_problems, scan.pending)

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
        if rows > _container.EXCEL_MAX_ROWS or columns > _container.EXCEL_MAX_COLUMNS \
                or cells > _container.MAX_SHEET_CELLS:
            raise UnsafeFileError(
                f"the sheet reaches cell {column_letter(max(columns - 1, 0))}{rows}, so reading it would "
                f"fill a block of {cells:,} cells (limit {_container.MAX_SHEET_CELLS:,}); a survey export "
                "is never that large, a hostile or damaged file can be",
                path=self.path,
                sheet=name,
                hint="Open the file in Excel or LibreOffice, delete the stray far-away cells, and "
                "save it again; or export the responses again from the survey tool.",
            )


def _read_ole2(path: Path, size: int, sheet: str | int | None) -> RawTable:
    data = _read_bytes(path, size, MAX_BINARY_BYTES, "the workbook")
    try:
        names = _container.OleFile(data).names()
    except (ValueError, struct.error, StopIteration) as exc:
        raise _damaged(path, f"its OLE2 structure does not add up: {exc}") from None
    if names & {"EncryptedPackage", "EncryptionInfo"}:
        raise EncryptedFileError(
            "the workbook is password-protected (encrypted), so its contents cannot be read",
            path=path,
            hint="Open it in Excel with the password, remove the password (File > Info > Protect "
            "Workbook > Encrypt with Password, clear it) and save a copy; give that copy.",
        )
    if names and not names & {"Workbook", "Book"}:
        what = "a Word 97-2003 document (.doc)" if "WordDocument" in names else (
            "a PowerPoint 97-2003 presentation (.ppt)" if "PowerPoint Document" in names
            else "an OLE2 compound file without a workbook in it")
        raise WrongFormatError(
            f"this is {what}, not a spreadsheet",
            path=path,
            hint="Export the responses from the survey tool as .xlsx or .csv.",
        )
    try:
        _container.OleFile(data).stream("Workbook" if "Workbook" in names else "Book")
    except (ValueError, struct.error, StopIteration) as exc:
        raise _damaged(path, f"its workbook stream cannot be read: {exc}") from None
    scan = _container.scan_xls(data)
    # The value reader expands every sheet of an .xls when it opens the file.
    total = sum(rows * columns for rows, columns in scan.extents.values())
    if total > _container.MAX_SHEET_CELLS:
        biggest = max(scan.extents, key=lambda n: scan.extents[n][0] * scan.extents[n][1])
        rows, columns = scan.extents[biggest]
        raise UnsafeFileError(
            f"the workbook's sheets reach {total:,} cells in all (sheet '{biggest}' reaches cell "
            f"{column_letter(max(columns - 1, 0))}{rows}; limit {_container.MAX_SHEET_CELLS:,}); a survey "
            "export is never that large, a hostile or damaged file can be",
            path=path, sheet=biggest,
            hint="Open the file in Excel or LibreOffice, delete the stray far-away cells and save it as .xlsx; "
            "or export the responses again from the survey tool.",
        )
    guard = _SheetGuard(path, xls_errors=scan.problems)
    raw = _read_workbook(path, "xls", sheet, guard, data=data)
    if scan.date1904:
        raw.date1904 = True
        raw.notes.append(
            "The workbook uses the 1904 date system (Mac Excel): formatted dates were converted "
            "with it; a bare serial number in this workbook counts days from 1904-01-01."
        )
    return raw


def _open_calamine(path: Path, data: bytes | None):
    try:
        if data is not None:
            return python_calamine.load_workbook(io.BytesIO(data))
        with open(path, "rb") as handle:
            return python_calamine.load_workbook(handle)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except python_calamine.PasswordError:
        raise EncryptedFileError(
            "the workbook is password-protected, so its contents cannot be read",
            path=path,
            hint="Open it with the password in Excel, remove the password and save a copy; give that copy.",
        ) from None
    except OSError as exc:
        raise FileProblemError(
            f"the file cannot be read ({exc.strerror or exc})", path=path,
            hint="Copy the file to a local folder and try again.",
        ) from None
    except BaseException as exc:  # the value reader's errors (and panics) share no base class
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise EncryptedFileError(
                "the workbook is password-protected, so its contents cannot be read",
                path=path,
                hint="Open it with the password in Excel, remove the password and save a copy.",
            ) from None
        raise _damaged(path, _short_error(exc)) from None


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _enum_name(value) -> str:
    return str(value).rsplit(".", 1)[-1]


def _sheet_state(meta) -> str:
    return _VISIBILITY.get(_enum_name(meta.visible), "visible")


def _is_worksheet(meta) -> bool:
    return _enum_name(meta.typ) == "WorkSheet"


def _resolve_sheet(path: Path, names: list[str], sheet: str | int) -> tuple[str, str | None]:
    listing = ", ".join(f"'{n}'" for n in names)
    if isinstance(sheet, bool) or not isinstance(sheet, (str, int)):
        raise SheetNotFoundError(
            f"sheet must be a sheet name or a 0-based position, got {type(sheet).__name__}",
            path=path, value=sheet, hint=f"Use one of {listing}, or leave sheet=None to choose automatically.",
        )
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet], None
        raise SheetNotFoundError(
            f"there is no sheet at position {sheet}; the workbook has {len(names)} sheet(s): {listing}",
            path=path, value=sheet,
            hint=f"Positions count from 0 up to {len(names) - 1}; or give the sheet's name.",
        )
    if sheet in names:
        return sheet, None
    folded = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    if len(folded) == 1:
        return folded[0], f"Sheet '{sheet}' was taken to mean '{folded[0]}' (same name, different case or spaces)."
    close = difflib.get_close_matches(sheet, names, n=1, cutoff=0.6)
    hint = f"Use one of {listing}."
    if close:
        hint = f"Did you mean '{close[0]}'? " + hint
    raise SheetNotFoundError(
        f"the workbook has no sheet named '{sheet}'; its sheets are {listing}",
        path=path, sheet=sheet, hint=hint,
    )


def _read_workbook(path: Path, fmt: str, sheet: str | int | None, guard: _SheetGuard,
                   *, data: bytes | None = None) -> RawTable:
    workbook = _open_calamine(path, data)
    try:
        try:
            metas = list(workbook.sheets_metadata)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise _damaged(path, _short_error(exc)) from None
        notes: list[str] = []
        names = [m.name for m in metas]
        sheets = [
            {"name": m.name, "state": _sheet_state(m), "rows": None, "columns": None,
             "chosen": False, "reason": ""}
            for m in metas
        ]
        if not metas:
            raise EmptyFileError(
                "the workbook has no sheets", path=path,
                hint="Export the responses again from the survey tool.",
            )
        for entry, meta in zip(sheets, metas):
            if not _is_worksheet(meta):
                entry["reason"] = f"not a worksheet ({_enum_name(meta.typ)}); not read"
            elif entry["state"] != "visible":
                entry["reason"] = f"{'very hidden' if entry['state'] == 'veryhidden' else 'hidden'}; not read as data"

        if sheet is not None:
            name, note = _resolve_sheet(path, names, sheet)
            if note:
                notes.append(note)
            index = names.index(name)
            table = _load_sheet(path, workbook, name, guard)
            chosen = index
            state = sheets[index]["state"]
            sheets[index]["reason"] = "asked for by name" if isinstance(sheet, str) else f"asked for by position {sheet}"
            if state != "visible":
                notes.append(f"Sheet '{name}' is {state.replace('veryhidden', 'very hidden')} in the workbook; it was read because it was asked for.")
            if not _has_data(table.rows):
                raise EmptyFileError(
                    "the sheet holds no data", path=path, sheet=name,
                    hint="Choose another sheet: " + ", ".join(f"'{n}'" for n in names if n != name) + "."
                    if len(names) > 1 else "Export the responses again.",
                )
        else:
            candidates = [i for i, m in enumerate(metas) if _is_worksheet(m) and sheets[i]["state"] == "visible"]
            if not candidates:
                hidden = [m.name for i, m in enumerate(metas) if _is_worksheet(m)]
                if hidden:
                    raise SheetNotFoundError(
                        "every worksheet in the workbook is hidden: " + ", ".join(f"'{n}'" for n in hidden),
                        path=path,
                        hint=f"If one of them holds the responses, pass sheet='{hidden[0]}' (for example) to read it.",
                    )
                raise EmptyFileError("the workbook has no worksheets", path=path,
                                     hint="Export the responses again from the survey tool.")
            chosen, table = _choose_sheet(path, workbook, metas, candidates, sheets, guard, notes)
        name = names[chosen]
        sheets[chosen]["chosen"] = True
        sheets[chosen]["rows"] = len(table.rows)
        sheets[chosen]["columns"] = table.width
        skipped = [(e["name"], e["state"]) for e in sheets if e["state"] != "visible" and not e["chosen"]]
        if skipped:
            notes.append(
                "Not read as data: " + ", ".join(
                    f"{'very hidden' if state == 'veryhidden' else 'hidden'} sheet '{n}'" for n, state in skipped
                ) + "."
            )
        raw = RawTable(path=path, format=fmt, sheet=name, sheets=sheets, rows=table.rows,
                       row_numbers=table.row_numbers, notes=notes + table.notes)
        _apply_cell_problems(raw, guard, fmt)
        if fmt not in ("xlsx", "xlsm") or guard.shared_strings_have_replacement:
            _note_replacement_characters(raw)
        _finish(raw)
        if fmt == "xlsb":
            raw.notes.append(
                "Binary workbooks (.xlsb) cannot be checked for error cells or uncalculated formulas; "
                "such cells read as empty. Save the file as .xlsx for a full check."
            )
        return raw
    finally:
        try:
            workbook.close()
        except BaseException:  # closing twice or after a failed open is harmless
            pass


@dataclass
class _Table:
    rows: list[list[Any]]
    row_numbers: list[int]
    width: int
    notes: list[str]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None


def _load_sheet(path: Path, workbook, name: str, guard: _SheetGuard) -> _Table:
    guard.before_parse(name)
    try:
        parsed = False
        try:
            calamine_sheet = workbook.get_sheet_by_name(name)
            parsed = True
        finally:
            guard.after_parse(name, parsed)
        rows, notes = _convert(calamine_sheet, guard.may_have_durations)
        merged = None
        try:
            merged = calamine_sheet.merged_cell_ranges
        except BaseException as exc:  # merged ranges are optional information
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            merged = None
        if merged is None and name in guard.ods_merged:
            merged = guard.ods_merged[name]
    except SurveyError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        raise
    except BaseException as exc:
        if "password" in str(exc).lower():
            raise EncryptedFileError("the workbook is password-protected", path=path, sheet=name,
                                     hint="Remove the password in Excel and save a copy.") from None
        raise WrongFormatError(
            f"the sheet cannot be read; the workbook is damaged ({_short_error(exc)})",
            path=path, sheet=name,
            hint="Open the file in Excel or LibreOffice and save it again, or export it again.",
        ) from None
    table = _Table(rows=rows, row_numbers=list(range(1, len(rows) + 1)),
                   width=len(rows[0]) if rows else 0, notes=notes, merged=merged)
    if merged:
        _fill_merged(table)
    return table


def _convert(calamine_sheet, may_have_durations: bool) -> tuple[list[list[Any]], list[str]]:
    """Plain Python rows from A1: '' -> None, whole floats -> int, durations -> time/str."""
    start = calamine_sheet.start
    if start is None:
        return [], []
    left = start[1]
    width = calamine_sheet.end[1] + 1 if calamine_sheet.end else 0
    pad = [None] * left
    float_type, timedelta_type = float, dt.timedelta
    rows: list[list[Any]] = []
    durations = 0
    collecting = gc.isenabled()
    # Building a million small lists would trigger the cyclic garbage collector
    # over and over although none of them can form a cycle.
    gc.disable()
    try:
        for values in calamine_sheet.iter_rows():
            row = [
                None if v == "" else (
                    int(v) if v.__class__ is float_type and v.is_integer() and -9e15 < v < 9e15 else v
                )
                for v in values
            ]
            if left:
                row = pad + row
            if len(row) < width:
                row.extend([None] * (width - len(row)))
            rows.append(row)
    finally:
        if collecting:
            gc.enable()
    if may_have_durations:
        for row in rows:
            for j, v in enumerate(row):
                if v.__class__ is timedelta_type:
                    row[j] = _duration(v)
                    durations += 1
    notes = []
    if durations:
        notes.append(
            f"{durations} cell(s) hold durations; those under a day were read as times of day, "
            "longer ones as text 'h:mm:ss'."
        )
    return rows, notes


def _duration(value: dt.timedelta) -> Any:
    seconds = value.total_seconds()
    if 0 <= seconds < 86400:
        return (dt.datetime.min + value).time()
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(round(seconds)))
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _fill_merged(table: _Table) -> None:
    filled = []
    rows = table.rows
    for (top, left), (bottom, right) in table.merged or []:
        if top >= len(rows) or left >= table.width:
            continue
        value = rows[top][left]
        bottom = min(bottom, len(rows) - 1)
        right = min(right, table.width - 1)
        for i in range(top, bottom + 1):
            row = rows[i]
            for j in range(left, right + 1):
                if (i, j) != (top, left) and row[j] is None:
                    row[j] = value
        filled.append(f"{column_letter(left)}{top + 1}:{column_letter(right)}{bottom + 1}")
    if filled:
        shown = ", ".join(filled[:10]) + (f" and {len(filled) - 10} more" if len(filled) > 10 else "")
        table.notes.append(
            f"{len(filled)} merged cell range(s) were filled with the value of their top-left cell "
            f"(as a spreadsheet shows them): {shown}."
        )


def _has_data(rows: list[list[Any]]) -> bool:
    return any(row.count(None) != len(row) for row in rows)


def _score(rows: list[list[Any]]) -> tuple[float, int, int]:
    """How much a sheet looks like a table of responses.

    (rows with at least two values) x (values in the first non-empty row),
    halved when that first row is not mostly text (a header is text).
    """
    data_rows = 0
    header: list[Any] | None = None
    for row in rows:
        filled = len(row) - row.count(None)
        if filled >= 2:
            data_rows += 1
        if header is None and filled:
            header = row
    if header is None:
        return 0.0, 0, 0
    values = [v for v in header if v is not None]
    text_share = sum(isinstance(v, str) for v in values) / len(values)
    score = data_rows * len(values) * (1.0 if text_share >= 0.8 else 0.5)
    return score, data_rows, len(values)


def _choose_sheet(path, workbook, metas, candidates, sheets, guard, notes):
    if len(candidates) == 1:
        index = candidates[0]
        table = _load_sheet(path, workbook, metas[index].name, guard)
        if not _has_data(table.rows):
            raise EmptyFileError(
                "the only visible sheet holds no data", path=path, sheet=metas[index].name,
                hint=_hidden_hint(metas, sheets) or "Export the responses again from the survey tool.",
            )
        sheets[index]["reason"] = "the only visible worksheet"
        notes.append(f"Read sheet '{metas[index].name}', the only visible worksheet.")
        return index, table
    best = None
    for index in candidates:
        table = _load_sheet(path, workbook, metas[index].name, guard)
        score, data_rows, header_columns = _score(table.rows)
        sheets[index]["rows"] = len(table.rows)
        sheets[index]["columns"] = table.width
        if score == 0:
            sheets[index]["reason"] = "no table (fewer than two filled cells in every row)"
        else:
            sheets[index]["reason"] = f"{data_rows} rows with data, {header_columns} header columns"
        if score > 0 and (best is None or score > best[0]):
            best = (score, index, table, data_rows, header_columns)
    if best is None:
        raise EmptyFileError(
            "none of the visible sheets holds a table: " + ", ".join(f"'{metas[i].name}'" for i in candidates),
            path=path,
            hint=_hidden_hint(metas, sheets) or "Export the responses again from the survey tool.",
        )
    _, index, table, data_rows, header_columns = best
    sheets[index]["reason"] = (
        f"largest table among {len(candidates)} visible worksheets: {data_rows} rows with data, "
        f"{header_columns} header columns"
    )
    others = "; ".join(
        f"'{sheets[i]['name']}': {sheets[i]['reason']}" for i in candidates if i != index
    )
    notes.append(
        f"Read sheet '{metas[index].name}' because it looks most like the responses "
        f"({data_rows} rows with data under a header of {header_columns} columns). Other visible "
        f"sheets: {others}. Pass sheet='...' to read another one."
    )
    return index, table


def _hidden_hint(metas, sheets) -> str | None:
    hidden = [e["name"] for e in sheets if e["state"] != "visible"]
    if hidden:
        return f"The workbook also has hidden sheet(s) {', '.join(repr(h) for h in hidden)}; pass sheet='{hidden[0]}' if it holds the responses."
    return None


def _column_label(raw: RawTable, column: int | None) -> str | None:
    if column is None:
        return None
    label = column_letter(column)
    header = next((row for row in raw.rows if row.count(None) != len(row)), None)
    if header is not None and column < len(header) and header[column] is not None:
        label += f" ({str(header[column])[:60]})"
    return label


def _apply_cell_problems(raw: RawTable, guard: _SheetGuard, fmt: str) -> None:
    name = raw.sheet
    found = list(guard.problems.get(name, []))
    if fmt == "ods" and guard.ods_has_errors:
        for i, row in enumerate(raw.rows):
            for j, value in enumerate(row):
                if isinstance(value, str) and (value in _ERROR_LITERALS or re.fullmatch(r"Err:\d{3}", value)):
                    found.append(_container.CellProblem("error_cell", i + 1, j, value))
    for problem in found:
        index = problem.row - 1 if problem.row is not None else None
        if index is not None and 0 <= index < len(raw.rows) and problem.column is not None \
                and 0 <= problem.column < len(raw.rows[index]):
            raw.rows[index][problem.column] = None
        ref = (f"{column_letter(problem.column)}{problem.row}"
               if problem.row is not None and problem.column is not None else "a cell without a reference")
        if problem.kind == "error_cell":
            message = (f"cell {ref} holds the error value {problem.value or '#ERROR'}; it was read as empty. "
                       "Fix the formula or the value in the spreadsheet if the answer matters.")
        else:
            shown = f" ({problem.value[:80]})" if problem.value else ""
            message = (f"cell {ref} holds a formula{shown} whose result was never calculated (the file was "
                       "written by a program that does not calculate formulas); it was read as empty. Open "
                       "and save the file in Excel or LibreOffice to calculate it.")
        raw.problems.append({
            "kind": problem.kind, "sheet": name, "row": problem.row,
            "column": _column_label(raw, problem.column), "value": problem.value, "message": message,
        })
    if found:
        kinds = Counter(p.kind for p in found)
        raw.notes.append(
            "Cells read as empty because they hold no usable value: "
            + ", ".join(f"{n} {k.replace('_', ' ')}(s)" for k, n in sorted(kinds.items()))
            + " (listed in problems)."
        )


def _finish(raw: RawTable) -> None:
    """Drop trailing blank rows (counted) and trailing empty columns; make widths equal."""
    rows = raw.rows
    end = len(rows)
    # A row whose only content was made None (an error cell) is not blank.
    flagged = {p["row"] for p in raw.problems if p["kind"] in ("error_cell", "formula_without_value")}
    while end and rows[end - 1].count(None) == len(rows[end - 1]) and raw.row_numbers[end - 1] not in flagged:
        end -= 1
    raw.trailing_blank_rows = len(rows) - end
    if raw.trailing_blank_rows:
        del rows[end:]
        del raw.row_numbers[end:]
        raw.notes.append(
            f"{raw.trailing_blank_rows} empty row(s) at the end were removed "
            f"(after {'row' if raw.sheet is not None else 'line'} {raw.row_numbers[-1] if raw.row_numbers else 0})."
        )
    width = max((len(r) for r in rows), default=0)
    used = 0
    for row in rows:
        last = len(row)
        while last > used and row[last - 1] is None:
            last -= 1
        used = max(used, last)
        if used == width:
            break
    if used < width:
        for row in rows:
            del row[used:]
    for row in rows:
        if len(row) < used:
            row.extend([None] * (used - len(row)))
    for entry in raw.sheets:
        if entry.get("chosen"):
            entry["rows"], entry["columns"] = len(rows), used


# -------------------------------------------------------------------- CSV / TSV

_ROMANIAN = set("ăâîșțşţĂÂÎȘȚŞŢ")
_WESTERN = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŒ")
_EXPECTED_LETTERS = _ROMANIAN | _WESTERN
_FALLBACK_CODECS = ("cp1250", "cp1252", "iso8859_16")
_CODEC_NAMES = {"cp1250": "Windows-1250", "cp1252": "Windows-1252", "iso8859_16": "ISO-8859-16",
                "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte order mark", "utf-16": "UTF-16"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _codepage_score(text: str) -> int:
    score = 0
    for match in _NON_ASCII.finditer(text):
        char = match.group()
        if char in _EXPECTED_LETTERS:
            score += 2
        elif char.isalpha():
            score -= 1
        else:
            i = match.start()
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if before.isalpha() and after.isalpha():
                score -= 2
    return score


def _decode(path: Path, data: bytes, suffix_is_spreadsheet: bool) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", notes
        except UnicodeDecodeError as exc:
            _encoding_error(path, data, exc.start + 3, "it starts with a UTF-8 byte order mark but is not valid UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            _encoding_error(path, data, exc.start, "it starts with a UTF-16 byte order mark but is not valid UTF-16")
        return text, "utf-16", notes
    sample = data[:4096]
    if b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) // 4 and even == 0 or even > len(sample) // 4 and odd == 0:
            codec = "utf-16-le" if odd > even else "utf-16-be"
            try:
                text = data.decode(codec)
                notes.append(f"The text is UTF-16 without a byte order mark ({codec}).")
                return text, codec, notes
            except UnicodeDecodeError:
                pass
        raise _not_text(path, suffix_is_spreadsheet)
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    scored = []
    for order, codec in enumerate(_FALLBACK_CODECS):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            continue
        scored.append((_codepage_score(text), -order, codec, text))
    if not scored:
        if suffix_is_spreadsheet:
            raise _not_text(path, True)
        _encoding_error(path, data, first_bad,
                        "it is not UTF-8, and Windows-1250, Windows-1252 and ISO-8859-16 all give control "
                        "characters or undefined bytes")
    scored.sort(reverse=True)
    score, _, codec, text = scored[0]
    tried = ", ".join(_CODEC_NAMES[c] for _, _, c, _ in scored)
    notes.append(
        f"The text is not valid UTF-8 (first at byte {first_bad}); decoded as {_CODEC_NAMES[codec]}, "
        f"which of the codepages that fit ({tried}) gives the most Romanian and Western European letters."
    )
    return text, codec, notes


def _encoding_error(path: Path, data: bytes, offset: int, why: str):
    line = data.count(b"\n", 0, offset) + 1
    snippet = data[max(offset - 20, 0):offset + 20]
    raise EncodingProblemError(
        f"the text cannot be decoded: {why} (byte offset {offset}, line {line}, bytes {snippet!r})",
        path=path, row=line, value=data[offset:offset + 4],
        hint="Open the file in a spreadsheet program or text editor and save it as 'CSV UTF-8', "
        "or export it again from the survey tool choosing UTF-8.",
    )


def _not_text(path: Path, suffix_is_spreadsheet: bool) -> WrongFormatError:
    if suffix_is_spreadsheet:
        return WrongFormatError(
            f"the file is named '{path.suffix}' but is neither a workbook (no zip or Excel 97-2003 "
            "signature) nor a text export",
            path=path,
            hint="The file may be damaged or something else renamed; export the responses again as .xlsx or .csv.",
        )
    return WrongFormatError(
        "the file is binary, not a text (CSV/TSV) export nor a workbook",
        path=path,
        hint="Export the responses again as .xlsx or .csv.",
    )


_MARKUP = re.compile(r"\A\s*<(?:!doctype\s+html|html|table|\?xml)", re.I)


def _sniff_delimiter(text: str, suffix: str) -> tuple[str, str]:
    """Pick the field separator among comma, semicolon and tab.

    Each candidate splits the first 64 KiB into records; candidates that give
    one field per record, or leave a quoted field open at the end of an
    untruncated sample, are out.  The rest are ranked by the share of records
    that have the most common number of fields, then by that number, then in
    the order comma, semicolon, tab (tab first for a .tsv name).
    """
    sample = text[:65536]
    truncated = len(text) > len(sample)
    best: tuple[tuple, str] | None = None
    order = ("\t", ",", ";") if suffix == ".tsv" else (",", ";", "\t")
    for rank, delimiter in enumerate(order):
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records = records[:-1]
        elif not truncated and records:
            try:
                for _ in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=True):
                    pass
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    continue
        counts = [len(r) for r in records if r][:100]
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        key = (round(frequency / len(counts), 2), mode, -rank)
        if best is None or key > best[0]:
            best = (key, delimiter)
    if best is None:
        return ",", "Every line has one field only; read as a single column."
    delimiter = best[1]
    name = {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
    return delimiter, f"Fields are separated by {name} ('{delimiter.encode('unicode_escape').decode()}')."


def _read_text(path: Path, size: int, sheet: str | int | None) -> RawTable:
    suffix = path.suffix.lower()
    data = _read_bytes(path, size, MAX_TEXT_BYTES, "the text file")
    text, encoding, notes = _decode(path, data, suffix in _SPREADSHEET_SUFFIXES)
    if text.endswith("\x1a"):  # DOS end-of-file marker
        text = text.rstrip("\x1a")
    if _MARKUP.match(text[:2048]):
        what = "an XML file (perhaps an Excel 2003 XML spreadsheet)" if text.lstrip()[:5] == "<?xml" \
            else "an HTML page (some tools save HTML tables with a spreadsheet name)"
        raise WrongFormatError(
            f"this is {what}, not a workbook or a CSV export",
            path=path,
            hint="Open it in Excel or LibreOffice and save it as .xlsx, or export the responses again as .xlsx or .csv.",
        )
    first_line = 1
    delimiter_note = None
    directive = re.match(r"sep=(.)\r?\n", text[:8])
    if directive:
        delimiter = directive.group(1)
        text = text[directive.end():]
        first_line = 2
        delimiter_note = f"The first line 'sep={delimiter}' sets the field separator; it is not data."
    else:
        delimiter, delimiter_note = _sniff_delimiter(text, suffix)
    notes.append(f"Text encoding: {_CODEC_NAMES.get(encoding, encoding)}.")
    notes.append(delimiter_note)
    if sheet is not None:
        notes.append(f"A text file has no sheets; sheet={sheet!r} was ignored.")

    rows: list[list[Any]] = []
    row_numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    consumed = 0
    collecting = gc.isenabled()
    gc.disable()  # many small lists that cannot form cycles; see _convert
    try:
        for record in reader:
            row_numbers.append(first_line + consumed)
            consumed = reader.line_num
            rows.append([None if v == "" else v for v in record])
    except csv.Error as exc:
        line = first_line + consumed
        detail = str(exc)
        message = f"the text cannot be split into fields from line {line} on ({detail})"
        if "field larger than field limit" in detail:
            message = (f"a quoted field that starts on or after line {line} never ends (an opening double "
                       "quote without its closing quote), so the rest of the file would be one cell")
        raise WrongFormatError(
            message, path=path, row=line,
            hint="Open the file in a text editor at that line and close or remove the stray double quote, "
            "or export the responses again.",
        ) from None
    finally:
        if collecting:
            gc.enable()
    if rows:
        _check_last_record_closed(path, text, delimiter, row_numbers[-1] - first_line + 1, consumed,
                                  row_numbers[-1])
    if not rows or not any(row.count(None) != len(row) for row in rows):
        raise EmptyFileError("the text file holds no values", path=path, hint=_EMPTY_CSV_HINT)
    raw = RawTable(path=path, format="tsv" if delimiter == "\t" else "csv", sheet=None, sheets=[],
                   rows=rows, row_numbers=row_numbers, encoding=encoding, delimiter=delimiter, notes=notes)
    _even_out_fields(raw)
    if "\ufffd" in text:
        _note_replacement_characters(raw)
    _finish(raw)
    return raw


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _check_last_record_closed(path: Path, text: str, delimiter: str, start_in_text: int,
                              lines_in_text: int, line: int) -> None:
    """Refuse a file whose last record is a quoted field that never closes.

    The csv module, when not strict, silently makes everything after an
    unmatched opening quote one cell; such a quote always ends up in the last
    record, so only a last record spanning several lines is parsed again,
    strictly.
    """
    if lines_in_text <= start_in_text:
        return
    offset = 0
    if start_in_text > 1:
        found = next(itertools.islice(_LINE_BREAK.finditer(text), start_in_text - 2, None), None)
        if found is None:
            return
        offset = found.end()
    try:
        for _ in csv.reader(io.StringIO(text[offset:], newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise WrongFormatError(
                f"a quoted field that starts on line {line} never ends (an opening double quote without "
                "its closing quote), so the rest of the file would be one cell",
                path=path, row=line,
                hint="Open the file in a text editor at that line and close or remove the stray double "
                "quote, or export the responses again.",
            ) from None


def _even_out_fields(raw: RawTable) -> None:
    """Pad short records and record both short and long ones as problems."""
    lengths = Counter(len(row) for row in raw.rows if row)
    if not lengths:
        return
    expected = lengths.most_common(1)[0][0]
    header = next((row for row in raw.rows if row.count(None) != len(row)), [])
    short = long = 0
    for row, line in zip(raw.rows, raw.row_numbers):
        n = len(row)
        if n == 0 or n == expected or row.count(None) == n:
            continue  # a blank line or a record of empty fields is a blank row, not a short one
        if n < expected:
            short += 1
            columns = f"{column_letter(n)}-{column_letter(expected - 1)}" if expected - n > 1 else column_letter(n)
            raw.problems.append({
                "kind": "missing_fields", "sheet": None, "row": line, "column": columns, "value": None,
                "message": (f"line {line} has {n} field(s) where most records have {expected}; the missing "
                            f"{expected - n} (columns {columns}) were left empty. Check that the record was "
                            "not split or cut short."),
            })
        else:
            extra = row[expected:]
            if all(v is None for v in extra):
                continue
            long += 1
            columns = f"{column_letter(expected)}-{column_letter(n - 1)}"
            raw.problems.append({
                "kind": "extra_fields", "sheet": None, "row": line, "column": columns,
                "value": [v for v in extra if v is not None],
                "message": (f"line {line} has {n} fields where most records have {expected} (header: "
                            f"{len([h for h in header if h is not None])} named); the extra values were kept "
                            f"in columns {columns}. A separator inside an unquoted answer usually causes this."),
            })
    width = max(len(row) for row in raw.rows)
    for row in raw.rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    if short or long:
        raw.notes.append(
            f"{short} record(s) with missing fields were padded with empty cells and {long} record(s) "
            "with extra fields were kept whole (listed in problems)."
        )


def _note_replacement_characters(raw: RawTable) -> None:
    """Record values that already hold U+FFFD (letters lost before the file reached us)."""
    found = []
    for row, line in zip(raw.rows, raw.row_numbers):
        for j, value in enumerate(row):
            if value.__class__ is str and "\ufffd" in value:
                found.append((line, j, value))
    where = "line" if raw.sheet is None else "row"
    for line, j, value in found[:100]:
        raw.problems.append({
            "kind": "replacement_character", "sheet": raw.sheet, "row": line, "column": _column_label(raw, j),
            "value": value,
            "message": (f"{where} {line}, column {column_letter(j)} holds the replacement character U+FFFD: "
                        "letters were lost when the file was made. The value was kept; export the responses "
                        "again (as UTF-8 for text files) to recover them."),
        })
    if found:
        raw.notes.append(
            f"{len(found)} value(s) contain U+FFFD replacement characters written into the file itself "
            "(the first 100 are listed in problems)."
        )
