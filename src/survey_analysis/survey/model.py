"""The questionnaire model of a loaded export: :class:`Survey`.

A survey holds the coded answers (one row per kept respondent), the
questions they answer, the identifying columns held apart, the tool's own
columns, the columns that match no question, the rows set aside and the
load report.  The analysis stages read surveys; they never see identifiers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from ..codebook import Codebook, Question
from ..errors import CodebookError
from .fit import FitSummary
from .loadreport import LoadReport
from .privacy import pseudonymise


@dataclass
class Survey:
    """A loaded questionnaire: answers, question model, identifiers held apart, load report.

    ``responses`` holds the answers to the codebook's questions; ``identifiers``
    the identifying columns (never shown); ``metadata`` the tool's own columns
    (times, status, ids); ``extra`` the columns that match no question of the
    codebook (kept for the analyst, never analysed); ``dropped_responses`` the
    rows that were set aside, with their reasons in ``report.dropped``; ``fit``
    how the export fits the codebook (set by the loader; see
    :func:`~survey_analysis.check_fit`).
    """

    responses: pd.DataFrame
    questions: dict[str, Question]
    codebook: Codebook
    identifiers: pd.DataFrame
    metadata: pd.DataFrame
    report: LoadReport
    columns: dict[str, list[str]]
    dropped_responses: pd.DataFrame | None = None
    extra: pd.DataFrame | None = None
    #: Where each kept respondent's answers are in the file: the row as the
    #: spreadsheet numbers it, or the CSV record (index ``respondent_id``).
    #: For the analyst only (``--rows``); never shown in a report.
    row_numbers: pd.Series | None = None
    fit: FitSummary | None = None

    @property
    def source(self) -> str:
        return self.report.source

    @property
    def n(self) -> int:
        return len(self.responses)

    def numeric(self, items: Iterable[str] | None = None) -> pd.DataFrame:
        """Likert items coded by scale value 1..k (float, NaN when unanswered).

        Not reverse-keyed: scoring reverses the reverse-keyed items itself.
        """
        wanted = list(items) if items is not None else [q.id for q in self.questions.values()
                                                         if q.type == "likert" and q.id in self.responses]
        out = {}
        for qid in wanted:
            question = self.questions.get(qid)
            if question is not None and question.type == "likert" and qid not in self.responses:
                raise CodebookError(f"Likert item '{qid}' is in the codebook but not in this export",
                                    hint="leave it out of the items, or check the export's columns with "
                                         "'survey-analysis inspect'.")
            if question is None or question.type != "likert":
                raise CodebookError(f"'{qid}' is not a Likert item of this survey",
                                    hint=f"use one of {[q.id for q in self.questions.values() if q.type == 'likert']}.")
            levels = self.codebook.scales[question.scale]
            values = {lv.en: float(lv.value) for lv in levels}
            out[qid] = self.responses[qid].astype(object).map(values).astype(float)
        return pd.DataFrame(out, index=self.responses.index)

    def ranks(self, question: str | None = None) -> pd.DataFrame:
        """The rank columns of a ranking question, renamed to its option ids."""
        q = self.questions[question] if question else self.codebook.ranking_question()
        if q is None:
            raise CodebookError("this survey has no ranking question", hint="add one to the codebook.")
        cols = {f"{q.id}[{o.id}]": o.id for o in q.options}
        present = {c: o for c, o in cols.items() if c in self.responses}
        return self.responses[list(present)].rename(columns=present)

    def multi(self, question: str) -> pd.DataFrame:
        """The indicator columns of a multi-select question, renamed to its option ids."""
        q = self.questions[question]
        cols = {f"{q.id}[{o.id}]": o.id for o in q.options}
        present = {c: o for c, o in cols.items() if c in self.responses}
        return self.responses[list(present)].rename(columns=present)

    def items_by_direction(self) -> dict[str, list[str]]:
        return {d: [i for i in items if i in self.responses] for d, items in self.codebook.items_by_direction().items()}

    def questions_table(self) -> pd.DataFrame:
        """One row per question: id, type, text, direction, reverse, options, answered."""
        rows = []
        for q in self.questions.values():
            cols = self.columns.get(q.id, [])
            answered = None
            present = [c for c in cols if c in self.responses]
            if q.type not in ("identifier",) and len(present) == 1:  # one column: no frame to build
                column = self.responses[present[0]]
                answered = int((column.fillna(False).astype(bool) if q.type == "multi" else column.notna()).sum())
            elif q.type not in ("identifier",) and cols:
                block = self.responses[present]
                if q.type == "multi":
                    answered = int(block.any(axis=1).sum())
                else:
                    answered = int(block.notna().any(axis=1).sum())
            rows.append({
                "id": q.id,
                "type": q.type,
                "text": q.text.get("en", ""),
                "direction": q.direction,
                "reverse": q.reverse,
                "options": "; ".join(o.en for o in q.options) if q.options else (
                    " / ".join(lv.en for lv in self.codebook.scales[q.scale]) if q.scale else ""),
                "answered": answered,
            })
        return pd.DataFrame(rows)

    def question_records(self) -> list[dict]:
        out = []
        for q in self.questions.values():
            options = [o.en for o in q.options]
            if q.scale:
                options = [lv.en for lv in self.codebook.scales[q.scale]]
            out.append({"id": q.id, "text": q.text.get("en", ""), "type": q.type, "options": options,
                        "scale": q.scale, "direction": q.direction, "reverse": q.reverse,
                        "columns": self.columns.get(q.id, [])})
        return out

    def to_json(self, *, cells: bool = False) -> str:
        """The load report, the questions and the fit as JSON (what ``inspect --json`` prints).

        ``cells=True`` adds every problem cell by cell (``problem_cells``).
        """
        doc = self.report.to_dict(self.question_records(), cells=cells)
        if self.fit is not None:
            doc["fit"] = self.fit.to_dict()
        return json.dumps(doc, ensure_ascii=False, indent=2)

    def pseudonyms(self, key: str | bytes) -> pd.Series:
        """A stable, non-reversible key per respondent (HMAC-SHA256 of the e-mail).

        Use it to link this year's answers to next year's without keeping
        e-mails in the analysis.  The same ``key`` gives the same pseudonym for
        the same e-mail (case and spacing ignored); without the key nobody can
        recompute it.  Keep the key out of every output, like a password.
        Respondents without an e-mail (or, failing that, organisation name)
        get a missing value.
        """
        return pseudonymise(self.identifiers, self.codebook, self.responses.index, key)
