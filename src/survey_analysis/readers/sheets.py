"""Which sheet of a workbook is read.

A sheet asked for by name or position is read (with a close match when the
name differs only in case or spaces); otherwise, among the visible
worksheets, the one that looks most like a table of responses, and the
notes say why.  Hidden and very hidden sheets are never chosen on their own,
nor are child tables: sheets whose rows each belong to a row of another
sheet through a ``_parent_index`` column, as KoboToolbox writes its repeat
groups (a household's members, one row each, under the submission).  A
child table may hold more rows than the responses themselves, so choosing
by size alone would read it instead of them.
"""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import EmptyFileError, SheetNotFoundError


_VISIBILITY = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}


def enum_name(value) -> str:
    return str(value).rsplit(".", 1)[-1]


def sheet_state(meta) -> str:
    return _VISIBILITY.get(enum_name(meta.visible), "visible")


def is_worksheet(meta) -> bool:
    return enum_name(meta.typ) == "WorkSheet"


def resolve_sheet(path: Path, names: list[str], sheet: str | int) -> tuple[str, str | None]:
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


def has_data(rows: list[list[Any]]) -> bool:
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


def child_table(rows: list[list[Any]]) -> dict[str, Any] | None:
    """Describe a sheet whose rows belong to rows of another sheet, else ``None``.

    Such a sheet has a ``_parent_index`` column (the ``_index`` of the row it
    belongs to) and ``_parent_table_name`` or ``_submission__...`` columns, as
    KoboToolbox writes a repeat group.  Returns ``parent_sheet`` (the name
    most rows give), ``rows`` (rows with data), ``submissions`` (distinct
    parents) and ``per_submission`` (parent ``_index`` -> rows).
    """
    at = next((i for i, row in enumerate(rows) if row.count(None) != len(row)), None)
    if at is None:
        return None
    names = [str(v).strip().casefold() if v is not None else "" for v in rows[at]]
    if "_parent_index" not in names or not (
            "_parent_table_name" in names or any(n.startswith("_submission__") for n in names)):
        return None
    parent_at = names.index("_parent_index")
    table_at = names.index("_parent_table_name") if "_parent_table_name" in names else None
    parents: Counter = Counter()
    tables: Counter = Counter()
    for row in rows[at + 1:]:
        if row.count(None) == len(row):
            continue
        value = row[parent_at]
        parents[str(value).strip() if value is not None else ""] += 1
        if table_at is not None and row[table_at] is not None:
            tables[str(row[table_at]).strip()] += 1
    return {"parent_sheet": tables.most_common(1)[0][0] if tables else None, "rows": sum(parents.values()),
            "submissions": len(parents), "per_submission": dict(parents)}


def describe_child_table(name: str, child: dict[str, Any]) -> str:
    """The note of the load report on one child table (repeat group)."""
    counts = list(child["per_submission"].values())
    spread = f"{min(counts)}-{max(counts)} per submission" if counts else "none"
    parent = f" of sheet '{child['parent_sheet']}'" if child["parent_sheet"] else ""
    return (f"Sheet '{name}' holds a repeat group{parent} (KoboToolbox): {child['rows']} rows for "
            f"{child['submissions']} submissions ({spread}), each linked to its submission by _parent_index; "
            "it is not read as the responses.")


def choose_sheet(path: Path, metas, candidates: list[int], sheets: list[dict[str, Any]], notes: list[str],
                 load):
    """Choose among the visible worksheets ``candidates``; ``load(name)`` reads one sheet's rows.

    Child tables (:func:`child_table`) are described in ``sheets`` and chosen
    only when every visible worksheet is one.
    """
    if len(candidates) == 1:
        index = candidates[0]
        table = load(metas[index].name)
        if not has_data(table.rows):
            raise EmptyFileError(
                "the only visible sheet holds no data", path=path, sheet=metas[index].name,
                hint=hidden_hint(metas, sheets) or "Export the responses again from the survey tool.",
            )
        sheets[index]["reason"] = "the only visible worksheet"
        notes.append(f"Read sheet '{metas[index].name}', the only visible worksheet.")
        note_child_table(metas[index].name, table.rows, sheets[index], notes)
        return index, table
    best = None
    children = []
    for index in candidates:
        table = load(metas[index].name)
        score, data_rows, header_columns = _score(table.rows)
        sheets[index]["rows"] = len(table.rows)
        sheets[index]["columns"] = table.width
        child = child_table(table.rows)
        if child is not None:
            sheets[index]["repeat_group"] = child
            sheets[index]["reason"] = ("a repeat group: rows linked by _parent_index to the submissions"
                                       + (f" of sheet '{child['parent_sheet']}'" if child["parent_sheet"] else ""))
            children.append((score, index, table, data_rows, header_columns))
            continue
        if score == 0:
            sheets[index]["reason"] = "no table (fewer than two filled cells in every row)"
        else:
            sheets[index]["reason"] = f"{data_rows} rows with data, {header_columns} header columns"
        if score > 0 and (best is None or score > best[0]):
            best = (score, index, table, data_rows, header_columns)
    for _, index, _, _, _ in children:
        notes.append(describe_child_table(metas[index].name, sheets[index]["repeat_group"]))
    if best is None and children:
        best = max(children, key=lambda c: c[0])
        notes.append(f"Every visible worksheet is a repeat group; read '{metas[best[1]].name}', the largest. "
                     "Its rows are members of submissions, not submissions.")
    if best is None:
        raise EmptyFileError(
            "none of the visible sheets holds a table: " + ", ".join(f"'{metas[i].name}'" for i in candidates),
            path=path,
            hint=hidden_hint(metas, sheets) or "Export the responses again from the survey tool.",
        )
    _, index, table, data_rows, header_columns = best
    among = f"{len(candidates)} visible worksheets"
    if children and "repeat_group" not in sheets[index]:
        among = f"the {len(candidates) - len(children)} visible worksheet(s) that are not repeat groups"
    sheets[index]["reason"] = f"largest table among {among}: {data_rows} rows with data, {header_columns} header columns"
    others = "; ".join(
        f"'{sheets[i]['name']}': {sheets[i]['reason']}" for i in candidates if i != index
    )
    notes.append(
        f"Read sheet '{metas[index].name}' because it looks most like the responses "
        f"({data_rows} rows with data under a header of {header_columns} columns). Other visible "
        f"sheets: {others}. Pass sheet='...' to read another one."
    )
    return index, table


def note_child_table(name: str, rows: list[list[Any]], entry: dict[str, Any], notes: list[str]) -> None:
    """A sheet read although it is a child table (asked for, or the only one): say so."""
    child = child_table(rows)
    if child is not None:
        entry["repeat_group"] = child
        notes.append(f"Sheet '{name}' is a repeat group (KoboToolbox): its {child['rows']} rows belong to "
                     f"{child['submissions']} submissions through _parent_index; each row is a member of a "
                     "submission, not a submission.")


def hidden_hint(metas, sheets) -> str | None:
    hidden = [e["name"] for e in sheets if e["state"] != "visible"]
    if hidden:
        return f"The workbook also has hidden sheet(s) {', '.join(repr(h) for h in hidden)}; pass sheet='{hidden[0]}' if it holds the responses."
    return None
