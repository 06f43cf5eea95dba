"""Write analysis tables to CSV or Excel safely.

Respondents' free text goes into tables that analysts open in a spreadsheet
program.  Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break
could be run as a formula there (CSV injection), so it is neutralised following
the OWASP guidance -- in the cells, and in the header and index names too,
which come from the export's own headers: in CSV a leading apostrophe is
added; in xlsx every text cell is stored as plain text, so the respondent's
text is kept (XML turns a lone carriage return into a line feed).  Characters
an xlsx file cannot hold (control characters such as BEL, lone surrogates)
are removed, with a warning that counts them.  Excel's limits (32,767
characters in a cell, 1,048,576 rows in a sheet) give a clear error instead
of a silently cut file.  The file is written whole or not at all: into a
temporary file beside it, then renamed.  Whatever goes wrong ends in the
project's own error, never a library's traceback.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from .errors import ExportLimitError, FileProblemError

__all__ = ["EXCEL_MAX_CELL_CHARS", "EXCEL_MAX_ROWS", "ExportWarning", "neutralise_formula", "write_table"]

EXCEL_MAX_CELL_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576
_RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# What the XML of an xlsx cannot hold: C0 controls but tab, line feed, carriage return; lone surrogates.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ExportWarning(UserWarning):
    """Something in a table was changed so that the file could be written (characters removed)."""


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    return "'" + text if isinstance(text, str) and text.startswith(_RISKY_START) else text


def _check_limits(frame: pd.DataFrame, path: Path) -> None:
    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise ExportLimitError(f"{len(frame)} rows do not fit in one Excel sheet ({EXCEL_MAX_ROWS:,} rows at most)",
                               path=path, hint="write CSV instead, or split the table.")
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0)
            if len(lengths) and int(lengths.max()) > EXCEL_MAX_CELL_CHARS:
                row = int(lengths.to_numpy().argmax())
                raise ExportLimitError(
                    f"a cell holds {int(lengths.iloc[row]):,} characters; Excel keeps at most "
                    f"{EXCEL_MAX_CELL_CHARS:,}",
                    path=path, row=row + 2, column=str(column),
                    hint="write CSV instead, or shorten the text.")


def _header(table: pd.DataFrame) -> list[str]:
    """Column names as text: a multi-level header joined with " / "."""
    return [" / ".join(str(part) for part in name) if isinstance(name, tuple) else str(name)
            for name in table.columns]


def _clean(value, removed: list[int]):
    if isinstance(value, str) and _UNSTORABLE.search(value):
        removed[0] += len(_UNSTORABLE.findall(value))
        return _UNSTORABLE.sub("", value)
    return value


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = True) -> Path:
    """Write a table to ``.csv`` or ``.xlsx`` with formula-like text neutralised, header included.

    Parameters
    ----------
    frame : DataFrame
        The table; its index becomes the first column(s) when ``index``.
    path : path
        The file to write, ``.csv`` (UTF-8 with a byte order mark, so that
        Excel reads the letters right) or ``.xlsx``.
    index : bool
        Write the index as columns.

    Returns
    -------
    Path
        The file written.

    Warns
    -----
    ExportWarning
        Characters an xlsx cannot hold were removed (their count is given).

    Raises
    ------
    ExportLimitError
        The table exceeds Excel's limits (xlsx only).
    FileProblemError
        The file type is not .csv or .xlsx, or the folder cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FileProblemError("tables are written as .csv or .xlsx", path=path, value=suffix,
                               hint="give the output file a .csv or .xlsx name.")
    table = frame.reset_index() if index else frame.copy()
    header = _header(table)
    table.columns = range(len(header))
    removed = [0]
    try:
        if suffix == ".xlsx":
            header = [_clean(name, removed) for name in header]
            table = table.apply(lambda col: col.map(lambda v: _clean(v, removed))
                                if col.dtype == object or pd.api.types.is_string_dtype(col) else col)
            _check_limits(table.set_axis(header, axis=1), path)
        _atomic_write(path, lambda target: (_write_csv if suffix == ".csv" else _write_xlsx)(table, header, target))
    except (ExportLimitError, FileProblemError):
        raise
    except OSError as exc:
        raise FileProblemError(f"the file cannot be written ({exc.strerror or exc})", path=path,
                               hint="check that the folder exists and is writable, and that the file is not "
                                    "open in another program.") from None
    except Exception as exc:  # the writers' own errors (openpyxl, the csv module) share no base class
        raise FileProblemError(f"the table cannot be written as {suffix} ({type(exc).__name__}: {exc})",
                               path=path, hint="write the other format (.csv or .xlsx) instead.") from None
    if removed[0]:
        warnings.warn(f"{removed[0]} character(s) an Excel file cannot hold (control characters such as BEL) were "
                      f"removed from the text written to {path}.", ExportWarning, stacklevel=2)
    return path


def _write_csv(table: pd.DataFrame, header: list[str], target: Path) -> None:
    safe = table.apply(lambda col: col.map(neutralise_formula) if col.dtype == object
                       or pd.api.types.is_string_dtype(col) else col)
    safe.columns = [neutralise_formula(name) for name in header]
    # CRLF line ends make the csv writer quote fields holding a lone CR as well.
    safe.to_csv(target, index=False, encoding="utf-8-sig", lineterminator="\r\n", errors="replace")


def _write_xlsx(table: pd.DataFrame, header: list[str], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cells(values):
        row = []
        for value in values:
            if not isinstance(value, str) and pd.isna(value):
                value = None
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                # Stored as text: a leading '=' stays the respondent's text, not a formula.
                cell.data_type = "s"
            row.append(cell)
        return row

    sheet.append(cells(header))
    for values in table.itertuples(index=False):
        sheet.append(cells(values))
    workbook.save(target)


def _atomic_write(path: Path, write) -> None:
    """Write to a temporary file beside ``path`` and rename it over ``path``: never half a file."""
    from .outputs import replace_whole

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileProblemError("the folder to write into does not exist", path=path,
                               hint=f"create '{folder}' first, or give another path.")
    replace_whole(path, write)
