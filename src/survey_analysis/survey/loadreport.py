"""The load report: what happened to every row and every value of an export.

``rows_read == respondents + len(dropped)`` always holds (:meth:`LoadReport.check`);
``problems`` lists every value that could not be coded and every value coded
with a correction, each with its sheet, row, column and value.  Read in bulk,
that list is grouped (:meth:`LoadReport.problem_groups`): one entry per column
and kind of problem, with a count and a few examples, so that thousands of
routine corrections cannot bury the few answers that were lost.

``row`` means one thing throughout: the row as a spreadsheet program shows it
(the sheet row of a workbook; the record number of a text file, the header
record being row 1).  Entries from text files also carry ``line``, the line
of the file on which the record starts, which differs from ``row`` once an
answer holds a line break.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import HeaderProblemError


@dataclass
class LoadReport:
    """What happened to every row and every value of an export.

    ``rows_read == respondents + len(dropped)`` always holds; :meth:`check`
    verifies it.  ``problems`` lists every value that could not be coded (it
    became missing) and every value that was coded with a correction.
    """

    path: str
    source: str
    sheet: str | None
    header_rows: int
    rows_read: int = 0
    respondents: int = 0
    dropped: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)
    encoding: str | None = None
    recoded: list[dict] = field(default_factory=list)

    def check(self) -> None:
        """Raise if rows were lost: every row read must be kept or dropped with a reason."""
        if self.rows_read != self.respondents + len(self.dropped):
            raise HeaderProblemError(
                f"{self.rows_read} rows were read but {self.respondents} were kept and {len(self.dropped)} dropped",
                path=self.path,
                sheet=self.sheet,
                hint="this is a fault of the workbench; please report it with the file.",
            )

    def withhold_names(self, names: Iterable[str]) -> int:
        """Withhold, in :attr:`problems`, values that hold any of ``names`` (a register's contact names).

        The loader already withholds contact details, titled names and the
        identifying answers of the export itself; a register adds the names of
        the members' contact persons (see
        :func:`~survey_analysis.survey.privacy.register_names`).  Returns how
        many values were withheld.
        """
        from .privacy import IdentityTerms, withhold_identifying

        return withhold_identifying(self.problems, IdentityTerms().add_people(names).add_phrases(names))

    def dropped_frame(self) -> pd.DataFrame:
        """The dropped rows: columns ``row``, ``reason``, ``detail`` (and ``line`` for text files)."""
        cols = ["row", "line", "reason", "detail"] if any("line" in d for d in self.dropped) else \
            ["row", "reason", "detail"]
        return pd.DataFrame(self.dropped, columns=cols)

    def problems_frame(self) -> pd.DataFrame:
        """Every problem, cell by cell: ``sheet, row, column, question, value, kind, severity, message``.

        Text files add ``line`` after ``row``.  For reading, prefer
        :meth:`problem_groups_frame`: one line per column and kind.
        """
        cols = ["sheet", "row", "column", "question", "value", "kind", "severity", "message"]
        if any("line" in p for p in self.problems):
            cols.insert(2, "line")
        return pd.DataFrame(self.problems, columns=cols)

    def problem_groups(self, *, examples: int = 3, rows: int = 5) -> list[dict[str, Any]]:
        """The problems grouped: one entry per column and kind, errors first.

        Parameters
        ----------
        examples : int
            How many distinct values to show per group (the most frequent).
        rows : int
            How many rows to name per group (the first ones).

        Returns
        -------
        list of dict
            ``column``, ``question``, ``kind``, ``severity`` (``error`` when any
            cell of the group is an error), ``count`` (cells), ``rows`` (the
            first ``rows`` rows), ``examples`` (``[{"value", "count",
            "message"}]``), ``message`` (the message shared by every cell, or
            that of the most frequent value with the number of distinct values).
        """
        groups: dict[tuple, dict[str, Any]] = {}
        for p in self.problems:
            key = (p.get("column"), p.get("question"), p.get("kind"))
            group = groups.get(key)
            if group is None:
                group = groups[key] = {"column": p.get("column"), "question": p.get("question"),
                                       "kind": p.get("kind"), "severity": p.get("severity"), "count": 0,
                                       "rows": [], "_values": Counter(), "_messages": {}, "_sheet": p.get("sheet")}
            group["count"] += 1
            if p.get("severity") == "error":
                group["severity"] = "error"
            if len(group["rows"]) < rows:
                group["rows"].append(p.get("row"))
            value = _value_key(p.get("value"))
            group["_values"][value] += 1
            group["_messages"].setdefault(value, p.get("message", ""))
        out = []
        for group in groups.values():
            values: Counter = group.pop("_values")
            messages: dict = group.pop("_messages")
            sheet = group.pop("_sheet")
            group["examples"] = [{"value": [jsonable(x) for x in v] if isinstance(v, tuple) else jsonable(v),
                                  "count": n, "message": messages[v]} for v, n in values.most_common(examples)]
            distinct = set(messages.values())
            if len(distinct) == 1:
                group["message"] = next(iter(distinct))
            else:
                top = values.most_common(1)[0][0]
                group["message"] = f"{len(values)} distinct values; the most frequent, '{top}': {messages[top]}"
            out.append({"sheet": sheet, **group})
        out.sort(key=lambda g: g["severity"] != "error")  # stable: file order within each severity
        return out

    def problem_groups_frame(self, **options) -> pd.DataFrame:
        """:meth:`problem_groups` as a table, for notebooks and reports.

        Columns ``column, question, kind, severity, count, rows, examples,
        message``; ``rows`` and ``examples`` are short texts.
        """
        records = []
        for g in self.problem_groups(**options):
            more = " ..." if g["count"] > len(g["rows"]) else ""
            records.append({
                "column": g["column"], "question": g["question"], "kind": g["kind"], "severity": g["severity"],
                "count": g["count"], "rows": ", ".join(str(r) for r in g["rows"]) + more,
                "examples": ", ".join(f"'{e['value']}' ({e['count']})" for e in g["examples"]),
                "message": g["message"],
            })
        return pd.DataFrame(records, columns=["column", "question", "kind", "severity", "count", "rows",
                                              "examples", "message"])

    def add_lines(self, line_of: dict[int, int]) -> None:
        """Give every dropped row and problem of a text file the line where its record starts."""
        for entry in (*self.dropped, *self.problems):
            if "line" not in entry and entry.get("row") in line_of:
                entry["line"] = line_of[entry["row"]]

    def summary_frame(self) -> pd.DataFrame:
        """A one-column table of the headline figures, for notebooks."""
        reasons = Counter(d["reason"] for d in self.dropped)
        rows = [
            ("source", self.source),
            ("sheet", self.sheet or "(text file)"),
            ("header rows", self.header_rows),
            ("rows read", self.rows_read),
            ("respondents kept", self.respondents),
        ]
        rows += [(f"dropped: {reason}", count) for reason, count in sorted(reasons.items())]
        rows.append(("values not coded", sum(1 for p in self.problems if p["severity"] == "error")))
        rows.append(("values coded with a correction", sum(1 for p in self.problems if p["severity"] == "warning")))
        groups = self.problem_groups(examples=0, rows=0)
        rows.append(("columns with problems", len({g["column"] for g in groups})))
        rows.append(("columns coded by other wordings", len(self.recoded)))
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def to_dict(self, questions: Iterable[dict] | None = None, *, cells: bool = False) -> dict[str, Any]:
        """The report as JSON-ready data (the keys ``inspect --json`` prints).

        ``problems`` holds the grouped problems (:meth:`problem_groups`);
        with ``cells=True`` the cell-level list is added as ``problem_cells``.
        """
        out = {
            "file": self.path,
            "source": self.source,
            "sheet": self.sheet,
            "sheets": self.sheets,
            "encoding": self.encoding,
            "header_rows": self.header_rows,
            "rows_read": self.rows_read,
            "respondents": self.respondents,
            "dropped": self.dropped,
            "columns": self.columns,
            "questions": list(questions or []),
            "problems": self.problem_groups(),
            "recoded": self.recoded,
            "notes": self.notes,
        }
        if cells:
            out["problem_cells"] = [{k: jsonable(v) for k, v in p.items()} for p in self.problems]
        return out

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        from html import escape

        parts = [f"<p><b>{escape(self.path)}</b>: read by the {escape(self.source)} layout</p>",
                 self.summary_frame().to_html(escape=True)]
        if self.problems:
            parts.append(self.problem_groups_frame().to_html(escape=True, index=False))
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


def _value_key(value: Any) -> Any:
    """A problem's value as a hashable key (lists of extra fields become tuples)."""
    if isinstance(value, list):
        return tuple(value)
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value
    return str(value)
