"""Reading workbooks (xlsx, xlsm, xlsb, ods, xls) once they have passed the safety checks.

The value reader is python-calamine.  Before it opens a file, the container
checks (:mod:`.zipcheck`, :mod:`.ole2`) and the per-sheet guard
(:class:`.guard.SheetGuard`) have refused anything that could exhaust memory.
This module turns calamine's values into plain Python rows, fills merged
ranges, records the cells calamine shows as blank although the file holds
something (error values, formulas never calculated) and notes the 1904 date
system.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import re
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine

from ..errors import (
    EmptyFileError,
    EncryptedFileError,
    FileProblemError,
    SheetNotFoundError,
    SurveyError,
    UnsafeFileError,
    WrongFormatError,
)
from . import limits
from .files import read_bytes
from .guard import SheetGuard, check_extent, check_xlsx_parts
from .isolated import ISOLATION_AVAILABLE, IsolatedWorkbook, native_errors_silenced, open_in_process
from .ods_scan import ods_scan
from .ole2 import OleFile, scan_xls
from .sheets import (choose_sheet, enum_name, has_data, is_worksheet, note_child_table, resolve_sheet,
                     sheet_state)
from .table import CellProblem, RawTable, column_label, column_letter, finish_table, note_replacement_characters
from .zipcheck import inspect_zip, xlsx_layout


_ERROR_LITERALS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                   "#GETTING_DATA", "#SPILL!", "#CALC!"}




def damaged_workbook(path: Path, detail: str) -> WrongFormatError:
    return WrongFormatError(
        f"the workbook is damaged or truncated and cannot be read ({detail})",
        path=path,
        hint="The file was probably cut short by an interrupted download or copy. "
        "Download or export it again; if it opens in Excel or LibreOffice, save it again as .xlsx.",
    )


def read_zip(path: Path, sheet: str | int | None) -> RawTable:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise WrongFormatError(
            f"the file starts like a zip container (.xlsx/.ods) but is damaged or truncated ({exc})",
            path=path,
            hint="The download or copy was probably cut short. Download or export it again.",
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise damaged_workbook(path, str(exc)) from None
    with archive:
        summary = inspect_zip(path, archive)
        date1904 = False
        reader_1904 = None
        if summary.format in ("xlsx", "xlsm"):
            layout, (date1904, reader_1904), styles = xlsx_layout(path, archive)
            scans = check_xlsx_parts(path, archive, summary, layout)
            guard = SheetGuard(path, archive, summary, layout, scans=scans, styles=styles)
        else:
            guard = SheetGuard(path, archive, summary)
        try:
            if summary.format == "ods":
                # The value reader expands every sheet of an .ods when it opens the
                # file, so every sheet is checked before it is opened.
                scan = ods_scan(path, archive)
                if scan.unreadable:
                    summary.isolate.append(scan.unreadable)
                if scan.unusual_prefix:
                    raise WrongFormatError(
                        f"the spreadsheet binds an OpenDocument namespace to an unusual prefix "
                        f"({scan.unusual_prefix}), and the reader follows only the usual prefixes, so it "
                        "would miss or misread cells", path=path,
                        hint="Open the file in LibreOffice and save it again (File > Save As > .ods or .xlsx).")
                guard.ods_has_errors, guard.ods_merged = scan.has_errors, scan.merged
                _check_workbook_extent(path, scan.extents)
            isolate = summary.format == "xlsb" or bool(summary.isolate)
            raw = _read_workbook(path, summary.format, sheet, guard, isolate=isolate)
        finally:
            guard.close()
    raw.date1904 = raw.date1904 or date1904
    if date1904 and reader_1904 is False:
        _shift_dates(raw, dt.timedelta(days=_DAYS_1900_TO_1904))
    if date1904:
        raw.notes.append(
            "The workbook uses the 1904 date system (Mac Excel): formatted dates were converted "
            "with it; a bare serial number in this workbook counts days from 1904-01-01."
        )
    return raw


# Days between the 1900 and 1904 date systems' day zero.
_DAYS_1900_TO_1904 = 1462


def _shift_dates(raw: RawTable, shift: dt.timedelta) -> None:
    """Move every date by ``shift``: the value reader did not see the workbook's 1904 date system.

    Spreadsheet XML allows ``date1904=" 1 "`` or ``date1904="&#49;"``; the
    value reader only recognises the plain spellings, so it converted the
    dates with the 1900 system, four years early.
    """
    moved = 0
    for row in raw.rows:
        for j, value in enumerate(row):
            if isinstance(value, (dt.datetime, dt.date)):
                row[j] = value + shift
                moved += 1
    if moved:
        raw.notes.append(f"{moved} date(s) were corrected by four years: the workbook declares the 1904 date "
                         "system in a spelling the value reader does not recognise.")


def _check_workbook_extent(path: Path, extents: dict[str, tuple[int, int]]) -> None:
    """Refuse a workbook whose sheets together (all expanded when it is opened) would not fit in memory."""
    if not extents:
        return
    biggest = max(extents, key=lambda n: extents[n][0] * extents[n][1])
    rows, columns = extents[biggest]
    total = sum(r * c for r, c in extents.values())
    check_extent(path, biggest, rows, columns,
                 where=f"sheet '{biggest}'" if len(extents) > 1 else "the sheet",
                 total=total if len(extents) > 1 else None)


def read_ole2(path: Path, size: int, sheet: str | int | None) -> RawTable:
    data = read_bytes(path, size, limits.get("MAX_BINARY_BYTES"), "the workbook", "MAX_BINARY_BYTES")
    try:
        names = OleFile(data).names()
    except (ValueError, struct.error, StopIteration) as exc:
        raise damaged_workbook(path, f"its OLE2 structure does not add up: {exc}") from None
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
        stream = OleFile(data).stream("Workbook" if "Workbook" in names else "Book")
    except (ValueError, struct.error, StopIteration) as exc:
        raise damaged_workbook(path, f"its workbook stream cannot be read: {exc}") from None
    del data
    scan = scan_xls(stream)
    if scan.damage:
        raise damaged_workbook(path, scan.damage)
    if scan.unsafe:
        raise UnsafeFileError(scan.unsafe[0], path=path, hint=(
            "Do not open this file; ask the sender for a fresh export straight from the survey tool. If you "
            "trust it, open it in Excel or LibreOffice and save it again as .xlsx. "
            + limits.raise_hint(*scan.unsafe[1])))
    # The value reader expands every sheet of an .xls when it opens the file.
    _check_workbook_extent(path, scan.extents)
    guard = SheetGuard(path, xls_errors=scan.problems)
    raw = _read_workbook(path, "xls", sheet, guard, isolate=True)
    if scan.date1904:
        raw.date1904 = True
        raw.notes.append(
            "The workbook uses the 1904 date system (Mac Excel): formatted dates were converted "
            "with it; a bare serial number in this workbook counts days from 1904-01-01."
        )
    return raw


def _open_calamine(path: Path, fmt: str, isolate: bool):
    """The value reader's workbook: parsed in a separate process when the checks cannot vouch for the file."""
    try:
        if isolate and ISOLATION_AVAILABLE:
            return IsolatedWorkbook(path, fmt)
        return open_in_process(path, fmt)
    except (KeyboardInterrupt, SystemExit, MemoryError, SurveyError):
        raise
    except python_calamine.PasswordError:
        raise _encrypted(path) from None
    except OSError as exc:
        raise FileProblemError(
            f"the file cannot be read ({exc.strerror or exc})", path=path,
            hint="Copy the file to a local folder and try again.",
        ) from None
    except BaseException as exc:  # the value reader's errors (and panics) share no base class
        if _says_encrypted(exc):
            raise _encrypted(path) from None
        raise damaged_workbook(path, short_error(exc)) from None


def _says_encrypted(exc: BaseException) -> bool:
    text = f"{getattr(exc, 'kind', '')} {exc}".lower()
    return "password" in text or "encrypt" in text


def _encrypted(path: Path, sheet: str | None = None) -> EncryptedFileError:
    return EncryptedFileError(
        "the workbook is password-protected, so its contents cannot be read",
        path=path, sheet=sheet,
        hint="Open it with the password in Excel, remove the password and save a copy; give that copy.",
    )


def short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _read_workbook(path: Path, fmt: str, sheet: str | int | None, guard: SheetGuard,
                   *, isolate: bool = False) -> RawTable:
    workbook = _open_calamine(path, fmt, isolate)
    try:
        try:
            metas = list(workbook.sheets_metadata)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise damaged_workbook(path, short_error(exc)) from None
        notes: list[str] = []
        names = [m.name for m in metas]
        sheets = [
            {"name": m.name, "state": sheet_state(m), "rows": None, "columns": None,
             "chosen": False, "reason": ""}
            for m in metas
        ]
        if not metas:
            raise EmptyFileError(
                "the workbook has no sheets", path=path,
                hint="Export the responses again from the survey tool.",
            )
        for entry, meta in zip(sheets, metas):
            if not is_worksheet(meta):
                entry["reason"] = f"not a worksheet ({enum_name(meta.typ)}); not read"
            elif entry["state"] != "visible":
                entry["reason"] = f"{'very hidden' if entry['state'] == 'veryhidden' else 'hidden'}; not read as data"

        if sheet is not None:
            name, note = resolve_sheet(path, names, sheet)
            if note:
                notes.append(note)
            index = names.index(name)
            table = load_sheet(path, workbook, name, guard)
            chosen = index
            state = sheets[index]["state"]
            sheets[index]["reason"] = "asked for by name" if isinstance(sheet, str) else f"asked for by position {sheet}"
            if state != "visible":
                notes.append(f"Sheet '{name}' is {state.replace('veryhidden', 'very hidden')} in the workbook; it was read because it was asked for.")
            note_child_table(name, table.rows, sheets[index], notes)
            if not has_data(table.rows):
                raise EmptyFileError(
                    "the sheet holds no data", path=path, sheet=name,
                    hint="Choose another sheet: " + ", ".join(f"'{n}'" for n in names if n != name) + "."
                    if len(names) > 1 else "Export the responses again.",
                )
        else:
            candidates = [i for i, m in enumerate(metas) if is_worksheet(m) and sheets[i]["state"] == "visible"]
            if not candidates:
                hidden = [m.name for i, m in enumerate(metas) if is_worksheet(m)]
                if hidden:
                    raise SheetNotFoundError(
                        "every worksheet in the workbook is hidden: " + ", ".join(f"'{n}'" for n in hidden),
                        path=path,
                        hint=f"If one of them holds the responses, pass sheet='{hidden[0]}' (for example) to read it.",
                    )
                raise EmptyFileError("the workbook has no worksheets", path=path,
                                     hint="Export the responses again from the survey tool.")
            chosen, table = choose_sheet(path, metas, candidates, sheets, notes,
                                         lambda name: load_sheet(path, workbook, name, guard))
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
            note_replacement_characters(raw)
        finish_table(raw)
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
class SheetRows:
    rows: list[list[Any]]
    row_numbers: list[int]
    width: int
    notes: list[str]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None


def load_sheet(path: Path, workbook, name: str, guard: SheetGuard) -> SheetRows:
    guard.before_parse(name)
    with native_errors_silenced():
        return _load_sheet(path, workbook, name, guard)


def _load_sheet(path: Path, workbook, name: str, guard: SheetGuard) -> SheetRows:
    try:
        parsed = False
        try:
            halves = guard.halves(name)
            if halves is None:
                halves = workbook.get_sheet_by_name(name), None
            parsed = True
        finally:
            guard.after_parse(name, parsed)
        try:
            seen: list = []
            rows, notes = _convert(_in_order(*halves, seen), guard.may_have_durations)
            calamine_sheet = seen[-1]  # the lower half holds what follows the cells (merged ranges)
        except _HalvesDisagree:  # the halves cannot be joined: parse the sheet whole
            calamine_sheet = workbook.get_sheet_by_name(name)
            rows, notes = _convert([calamine_sheet], guard.may_have_durations)
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
        if _says_encrypted(exc):
            raise _encrypted(path, name) from None
        raise WrongFormatError(
            f"the sheet cannot be read; the workbook is damaged ({short_error(exc)})",
            path=path, sheet=name,
            hint="Open the file in Excel or LibreOffice and save it again, or export it again.",
        ) from None
    table = SheetRows(rows=rows, row_numbers=list(range(1, len(rows) + 1)),
                   width=len(rows[0]) if rows else 0, notes=notes, merged=merged)
    if merged:
        _fill_merged(table)
    return table


class _HalvesDisagree(Exception):
    """The second half of a sheet parsed in halves failed, or reaches above the first's last row."""


def _in_order(first, second, seen: list):
    """The value reader's sheets of one sheet, top to bottom, each also put in ``seen``: the whole
    sheet, or its two halves (``second`` waits for the second half, which is parsed meanwhile)."""
    seen.append(first)
    yield first
    if second is not None:
        later = second()
        if later is None:
            raise _HalvesDisagree
        seen.append(later)
        yield later


#: At most this many distinct texts of a sheet are shared (see :func:`_convert`); past it, new texts are kept as read.
_SHARED_TEXTS = 200_000


def _convert(calamine_sheets, may_have_durations: bool) -> tuple[list[list[Any]], list[str]]:
    """Plain Python rows from A1: '' -> None, whole floats -> int, durations -> time/str.

    ``calamine_sheets`` are the value reader's sheets of one sheet, top to
    bottom: the whole sheet, or its halves (see :mod:`.halves`), each
    holding its cells in their places in the whole.  Equal texts become one
    string object (up to :data:`_SHARED_TEXTS` distinct texts): a survey's
    answers repeat a few labels thousands of times, and sharing them, while
    each fresh string is still in the processor's cache, spares memory and
    makes every later pass over the cells faster (the whole load of a
    20,000 x 55 export took about 10% less).
    """
    float_type, timedelta_type, text_type = float, dt.timedelta, str
    texts: dict[str, str] = {}
    rows: list[list[Any]] = []
    width = 0
    collecting = gc.isenabled()
    # Building a million small lists would trigger the cyclic garbage collector
    # over and over although none of them can form a cycle.
    gc.disable()
    try:
        for calamine_sheet in calamine_sheets:
            start = calamine_sheet.start
            if start is None:
                continue
            top, left = start
            source = calamine_sheet.iter_rows()  # from the first row, and from the sheet's first column
            if rows:  # a lower half: its cells start below the rows read so far
                if top < len(rows):
                    raise _HalvesDisagree
                rows.extend([None] * width for _ in range(top - len(rows)))
                source = itertools.islice(source, top, None)
            width = max(width, calamine_sheet.end[1] + 1)
            pad = [None] * left
            for values in source:
                shared = texts.setdefault if len(texts) < _SHARED_TEXTS else texts.get  # either gives (v, v) -> v
                row = [
                    (shared(v, v) if v else None) if v.__class__ is text_type else (
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
    for row in rows:  # an upper half narrower than a lower one
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    durations = 0
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


def _fill_merged(table: SheetRows) -> None:
    """Fill merged ranges with their top-left value, as a spreadsheet shows them.

    Ranges that do not overlap cover at most the sheet once; past that the
    ranges overlap (no spreadsheet program writes such) and the rest are left
    unfilled, with a note, so that a thousand ranges each over the whole
    sheet cannot take minutes.
    """
    filled = []
    rows = table.rows
    budget = len(rows) * table.width
    skipped = 0
    for (top, left), (bottom, right) in table.merged or []:
        if top >= len(rows) or left >= table.width:
            continue
        value = rows[top][left]
        bottom = min(bottom, len(rows) - 1)
        right = min(right, table.width - 1)
        budget -= (bottom - top + 1) * (right - left + 1)
        if budget < 0:
            skipped += 1
            continue
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
    if skipped:
        table.notes.append(
            f"{skipped} merged cell range(s) overlap the others and were not filled (no spreadsheet program "
            "writes overlapping merged ranges; open and save the file in Excel or LibreOffice to mend them)."
        )


def _apply_cell_problems(raw: RawTable, guard: SheetGuard, fmt: str) -> None:
    name = raw.sheet
    found = list(guard.problems.get(name, []))
    if fmt == "ods" and guard.ods_has_errors:
        for i, row in enumerate(raw.rows):
            for j, value in enumerate(row):
                if isinstance(value, str) and (value in _ERROR_LITERALS or re.fullmatch(r"Err:\d{3}", value)):
                    found.append(CellProblem("error_cell", i + 1, j, value))
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
            "column": column_label(raw, problem.column), "value": problem.value, "message": message,
        })
    if found:
        kinds = Counter(p.kind for p in found)
        raw.notes.append(
            "Cells read as empty because they hold no usable value: "
            + ", ".join(f"{n} {k.replace('_', ' ')}(s)" for k, n in sorted(kinds.items()))
            + " (listed in problems)."
        )
