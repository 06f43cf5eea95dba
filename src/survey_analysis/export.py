"""Write analysis tables to CSV or Excel safely.

Respondents' free text goes into tables that analysts open in a spreadsheet
program.  Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break
could be run as a formula there (CSV injection), so it is neutralised following
the OWASP guidance: in CSV a leading apostrophe is added; in xlsx the cell is
stored as plain text, so the respondent's text is kept (XML turns a lone
carriage return into a line feed).  Excel's limits
(32,767 characters in a cell, 1,048,576 rows in a sheet) give a clear error
instead of a silently cut file.  Identifying columns are refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import ExportLimitError, FileProblemError

__all__ = ["EXCEL_MAX_CELL_CHARS", "EXCEL_MAX_ROWS", "neutralise_formula", "write_table"]

EXCEL_MAX_CELL_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576
_RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    return "'" + text if isinstance(text, str) and text.startswith(_RISKY_START) else text


def _check_limits(frame: pd.DataFrame, path: Path) -> None:
    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise ExportLimitError(f"{len(frame)} rows do not fit in one Excel sheet ({EXCEL_MAX_ROWS:,} rows at most)",
                               path=path, hint="write CSV instead, or split the table.")
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            lengths = values.astype("string").str.len()
            if (lengths > EXCEL_MAX_CELL_CHARS).any():
                position = int(lengths.fillna(0).to_numpy().argmax())
                raise ExportLimitError(
                    f"a cell holds {int(lengths.iloc[position])} characters; Excel keeps at most "
                    f"{EXCEL_MAX_CELL_CHARS:,}",
                    path=path, row=position + 2, column=str(column),
                    hint="write CSV instead, or shorten the text.")


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = True) -> Path:
    """Write a table to ``.csv`` or ``.xlsx`` with formula-like text neutralised.

    Raises
    ------
    ExportLimitError
        The table exceeds Excel's limits (xlsx only).
    FileProblemError
        The file type is not .csv or .xlsx, or the folder cannot be written.
    """
    path = Path(path)
    table = frame.reset_index() if index else frame.copy()
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            safe = table.apply(lambda col: col.map(neutralise_formula) if col.dtype == object
                               or pd.api.types.is_string_dtype(col) else col)
            # CRLF line ends make the csv writer quote fields holding a lone CR as well.
            safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        elif suffix == ".xlsx":
            _check_limits(table, path)
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            ws.append([str(c) for c in table.columns])
            for row in table.itertuples(index=False):
                ws.append([None if (not isinstance(v, str) and pd.isna(v)) else v for v in row])
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, str):
                        # Stored as text: a leading '=' stays the respondent's text, not a formula.
                        cell.data_type = "s"
            wb.save(path)
        else:
            raise FileProblemError("tables are written as .csv or .xlsx", path=path, value=suffix,
                                   hint="give the output file a .csv or .xlsx name.")
    except OSError as exc:
        raise FileProblemError(f"the file cannot be written ({exc.strerror})", path=path,
                               hint="check the folder exists and is writable.") from None
    return path
