"""What every reader returns: the rows of one sheet, with where each came from.

:class:`RawTable` holds the rows of the chosen sheet (or text file) as plain
Python values with the source row of each, plus the notes and problems
gathered while reading.  The helpers here are shared by the workbook and the
text readers: spreadsheet column letters, the label of a column in messages,
the final tidy-up of a table (trailing blank rows counted and removed, widths
made equal) and the record of replacement characters already in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
        For each row, its 1-based row as a spreadsheet program shows it: the
        sheet row of a workbook, the record number of a text file (the first
        record is row 1; a ``sep=`` line, which Excel hides, is not counted).
    line_numbers : list of int or None
        Text files only: for each record, the physical line of the file on
        which it starts (a record whose answers hold line breaks spans several
        lines, so lines and rows part ways).  ``None`` for workbooks.
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
    trailing_blank_lines : list of int
        Text files only: the line on which each of those removed rows starts.
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
    line_numbers: list[int] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    trailing_blank_rows: int = 0
    trailing_blank_lines: list[int] = field(default_factory=list)
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


def column_label(raw: RawTable, column: int | None) -> str | None:
    if column is None:
        return None
    label = column_letter(column)
    header = next((row for row in raw.rows if row.count(None) != len(row)), None)
    if header is not None and column < len(header) and header[column] is not None:
        label += f" ({str(header[column])[:60]})"
    return label


def finish_table(raw: RawTable) -> None:
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
        if raw.line_numbers is not None:
            raw.trailing_blank_lines = raw.line_numbers[end:]
            del raw.line_numbers[end:]
        raw.notes.append(
            f"{raw.trailing_blank_rows} empty row(s) at the end were removed "
            f"(after {where(raw, len(rows) - 1) if rows else 'the start'})."
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


def where(raw: RawTable, index: int) -> str:
    """The row at ``index`` in words: 'row 7', or for a text file 'record 7 (line 9)'."""
    if raw.line_numbers is None:
        return f"row {raw.row_numbers[index]}"
    return f"record {raw.row_numbers[index]} (line {raw.line_numbers[index]})"


def note_replacement_characters(raw: RawTable) -> None:
    """Record values that already hold U+FFFD (letters lost before the file reached us)."""
    found = []
    for i, row in enumerate(raw.rows):
        for j, value in enumerate(row):
            if value.__class__ is str and "\ufffd" in value:
                found.append((i, j, value))
    for i, j, value in found[:100]:
        problem = {
            "kind": "replacement_character", "sheet": raw.sheet, "row": raw.row_numbers[i],
            "column": column_label(raw, j), "value": value,
            "message": (f"{where(raw, i)}, column {column_letter(j)} holds the replacement character U+FFFD: "
                        "letters were lost when the file was made. The value was kept; export the responses "
                        "again (as UTF-8 for text files) to recover them."),
        }
        if raw.line_numbers is not None:
            problem["line"] = raw.line_numbers[i]
        raw.problems.append(problem)
    if found:
        raw.notes.append(
            f"{len(found)} value(s) contain U+FFFD replacement characters written into the file itself "
            "(the first 100 are listed in problems)."
        )


@dataclass
class CellProblem:
    """A cell the value reader shows as blank although the file holds something."""

    kind: str  # error_cell | formula_without_value
    row: int | None  # 1-based
    column: int | None  # 0-based
    value: str | None
