"""The load report: what happened to every row and every value of an export.

``rows_read == respondents + len(dropped)`` always holds (:meth:`LoadReport.check`);
``problems`` lists every value that could not be coded and every value coded
with a correction, each with its sheet, row, column and value.
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
        """The dropped rows: columns ``row``, ``reason``, ``detail``."""
        return pd.DataFrame(self.dropped, columns=["row", "reason", "detail"])

    def problems_frame(self) -> pd.DataFrame:
        """Every coding problem: ``sheet, row, column, question, value, kind, severity, message``."""
        cols = ["sheet", "row", "column", "question", "value", "kind", "severity", "message"]
        return pd.DataFrame(self.problems, columns=cols)

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
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def to_dict(self, questions: Iterable[dict] | None = None) -> dict[str, Any]:
        """The report as JSON-ready data (the keys ``inspect --json`` prints)."""
        return {
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
            "problems": [{k: jsonable(v) for k, v in p.items()} for p in self.problems],
            "notes": self.notes,
        }

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        from html import escape

        parts = [f"<p><b>{escape(self.path)}</b>: read by the {escape(self.source)} layout</p>",
                 self.summary_frame().to_html(escape=True)]
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value
    return str(value)
