"""What the score stage needs from a loaded survey, gathered once.

:class:`ScoreInputs` reads a loaded survey (``survey.responses``,
``survey.numeric(items)``, ``survey.codebook``) into the pieces every
analysis of the score stage uses: the directions and their items present in
the export, the Likert answers coded 1..k, the reverse-keyed items, each
item's number of levels, the ranking columns and the columns of the grouping
roles; and the per-member figures behind the headline (support, its
importance and agreement sub-scores, the top-box share).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import AnalysisInputError

__all__ = ["COMPONENT_OF_SCALE", "ScoreInputs"]

#: Components of the support figure, by the codebook's scale of the item.
COMPONENT_OF_SCALE = {"importance5": "importance", "agreement5": "agreement"}


class ScoreInputs:
    """What the score stage needs from a loaded survey."""

    def __init__(self, survey: Any) -> None:
        for attr in ("responses", "numeric", "codebook"):
            if not hasattr(survey, attr):
                raise AnalysisInputError(
                    f"the survey object has no {attr!r}.",
                    value=type(survey).__name__,
                    hint="Pass the result of survey_analysis.load_responses().",
                )
        self.survey = survey
        cb = survey.codebook
        self.codebook = cb
        # Only the items the export holds: a codebook item missing from this year's form is skipped.
        present = set(survey.responses.columns)
        self.directions = {code: [i for i in items if i in present]
                           for code, items in cb.items_by_direction().items()}
        self.directions = {code: items for code, items in self.directions.items() if items}
        self.items = list(dict.fromkeys(i for its in self.directions.values() for i in its))
        self.values = survey.numeric(self.items)
        self.reverse = [i for i in self.items if getattr(cb.questions[i], "reverse", False)]
        self.scale_points = {i: len(cb.scales[cb.questions[i].scale]) for i in self.items}
        self.ranking_columns: dict[str, str] = {}
        for q in cb.questions.values():
            if q.type == "ranking":
                for opt in q.options:
                    col = f"{q.id}[{opt.id}]"
                    if col in survey.responses.columns:
                        self.ranking_columns[col] = str(opt.id)
                break

    def name(self, code: str, language: str = "en") -> str:
        direction = self.codebook.directions.get(code)
        if direction is None:
            return code
        name = direction.name
        return str(name.get(language, name.get("en", code))) if isinstance(name, dict) \
            else str(name)

    def role_column(self, role: str) -> str | None:
        try:
            column = self.codebook.column_for_role(role)
        except (KeyError, LookupError, ValueError):
            return None
        return column if column in self.survey.responses.columns else None

    def groupings(self, roles: tuple[str, ...]) -> dict[str, str]:
        """Role -> column of the grouping questions present in the data."""
        return {role: column for role in roles if (column := self.role_column(role)) is not None}

    def member_figures(self, scores: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        """Per member and direction: support, importance and agreement sub-scores, top-box share.

        Parameters
        ----------
        scores : DataFrame
            The members' direction scores
            (:func:`survey_analysis.scores.respondent_scores`).

        Returns
        -------
        (figures, bounds)
            ``figures`` has one row per respondent and the columns ``<code>``
            (the score), ``<code>:importance`` and ``<code>:agreement`` (mean
            of the member's answers to the direction's items on that scale),
            ``<code>:top_box`` (the member's share of answers in the two
            highest levels), all NaN for a member without a direction score;
            ``bounds`` gives each column's scale (low, high).
        """
        keyed = self.values.copy()
        for item in self.reverse:
            keyed[item] = self.scale_points[item] + 1 - keyed[item]
        columns, bounds = {}, {}
        for code, items in self.directions.items():
            has_score = scores[code].notna()
            columns[code] = scores[code]
            bounds[code] = (1.0, float(max(self.scale_points[i] for i in items)))
            for component in ("importance", "agreement"):
                mine = [i for i in items if COMPONENT_OF_SCALE.get(
                    getattr(self.codebook.questions[i], "scale", None)) == component]
                name = f"{code}:{component}"
                columns[name] = (keyed[mine].mean(axis=1).where(has_score) if mine
                                 else pd.Series(np.nan, index=keyed.index))
                bounds[name] = (1.0, float(max((self.scale_points[i] for i in mine), default=5)))
            top = pd.DataFrame({i: (keyed[i] > self.scale_points[i] - 2).where(keyed[i].notna())
                                for i in items}).astype(float)
            columns[f"{code}:top_box"] = top.mean(axis=1).where(has_score)
            bounds[f"{code}:top_box"] = (0.0, 1.0)
        return pd.DataFrame(columns, index=keyed.index), bounds
