"""How well an export fits its codebook, and the guard that refuses to analyse a partial match.

After loading, :class:`FitSummary` (``survey.fit``) says for every question of
the codebook whether a column of the export matched it, for every strategic
direction how many of its items matched, for every coded question how many
answers could not be coded, which analyses are left out because a question
with a role (member category, size, region) is missing, and which columns
were coded other than by the codebook's exact labels.

:func:`check_fit` is called at the boundary of every analysis that produces
numbers per direction.  It refuses (:class:`~survey_analysis.errors.PartialMatchError`)
when a question the analysis needs is unmatched or has more than 1% (and at
least 5) of its answers uncoded, naming the questions and the command that
fixes it (``survey-analysis codebook align``); with ``allow_partial=True`` it
warns (:class:`~survey_analysis.errors.PartialMatchWarning`) and the analysis
records the summary in its result.  Identifying questions are never required;
a missing question with a role leaves out the analyses that need it, with a
sentence saying why, and is never a refusal.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..codebook import Codebook, normalise_text
from ..errors import PartialMatchError, PartialMatchWarning
from .coding import MISSING_ANSWERS, cell_text

__all__ = [
    "UNCODED_SHARE",
    "UNCODED_MIN",
    "ANALYSIS_NEEDS",
    "FitSummary",
    "assess_fit",
    "check_fit",
]

#: A question whose uncoded answers exceed this share of its answers ...
UNCODED_SHARE = 0.01
#: ... and number at least this many does not fit the codebook.
UNCODED_MIN = 5
#: What the analyses per direction (evidence, segments, reports) need of an export.
ANALYSIS_NEEDS = ("directions", "roles")

# Problems that mean "this answer could not be coded against its question".
_UNCODED_KINDS = {"not_in_scale", "unknown_option", "not_a_rank"}

# The roles whose answers group the members in the analyses per direction.
_GROUPING_ROLES = ("member_category", "size", "region")

# What is left out when the question with a role is missing from the export.
_LEFT_OUT = {
    "member_category": "member categories are not compared and support is not weighted to the membership by "
                       "category",
    "size": "response rates and weights by organisation size are left out",
    "region": "regions are not compared",
}


@dataclass
class FitSummary:
    """How an export fits its codebook (see the module docstring).

    Attributes
    ----------
    questions : dict
        Question id -> ``{"matched", "columns", "how", "type", "direction", "role"}``.
    directions : dict
        Direction code -> ``{"items_in_codebook", "items_matched", "unmatched"}``.
    uncoded : dict
        Question id -> ``{"answered", "uncoded", "share", "examples"}`` for every
        question with answers that could not be coded.
    gaps : list of dict
        What keeps the export from fitting: ``{"need", "question", "sentence"}``;
        ``need`` is ``"directions"``, ``"roles"``, ``"text"`` or ``"answers"``.
    left_out : list of str
        Analyses left out because a question with a role is missing.
    recoded : list of dict
        Columns coded other than by the codebook's exact labels, each with its mapping.
    fix : str
        The command that aligns the codebook to this export.
    checked : bool
        False for a survey that carries no fit (built by hand): nothing was checked.
    """

    questions: dict[str, dict] = field(default_factory=dict)
    directions: dict[str, dict] = field(default_factory=dict)
    uncoded: dict[str, dict] = field(default_factory=dict)
    gaps: list[dict] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    recoded: list[dict] = field(default_factory=list)
    fix: str = ""
    path: str | None = None
    checked: bool = True

    @property
    def partial(self) -> bool:
        """True when any question the codebook expects is missing or has too many uncoded answers."""
        return bool(self.gaps)

    @property
    def missing(self) -> list[str]:
        """One plain sentence per gap."""
        return [gap["sentence"] for gap in self.gaps]

    def gaps_for(self, needs: Iterable[str]) -> list[dict]:
        """The gaps that matter to an analysis needing ``needs``."""
        wanted = set(needs)
        return [gap for gap in self.gaps if gap["need"] in wanted]

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (the ``"fit"`` object of the commands' JSON)."""
        return {
            "partial": self.partial,
            "checked": self.checked,
            "missing": self.missing,
            "gaps": [dict(gap) for gap in self.gaps],
            "questions": {qid: dict(info) for qid, info in self.questions.items()},
            "directions": {code: dict(info) for code, info in self.directions.items()},
            "uncoded": {qid: dict(info) for qid, info in self.uncoded.items()},
            "left_out": list(self.left_out),
            "recoded": [dict(entry) for entry in self.recoded],
            "fix": self.fix,
        }

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        from html import escape

        if not self.partial:
            return "<p>Every question of the codebook matched a column; no answers left uncoded.</p>"
        items = "".join(f"<li>{escape(s)}</li>" for s in self.missing)
        return f"<p><b>The export matches the codebook only in part.</b></p><ul>{items}</ul>" \
               f"<p>Fix: <code>{escape(self.fix)}</code></p>"


def _fix_command(path: str | None, codebook: Codebook) -> str:
    export = path or "EXPORT"
    source = str(codebook.path) if codebook.path is not None else "CB.yml"
    aligned = f"{Path(export).stem or 'export'}_codebook.yml"
    return (f"survey-analysis codebook align {export} --codebook {source} -o {aligned}, then use "
            f"--codebook {aligned}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def assess_fit(cb: Codebook, plans: list, problems: list[dict], columns: list, *, path: str | None,
               recoded: list[dict] | None = None, drafted: bool = False) -> FitSummary:
    """The fit of an export to its codebook, from the loader's column plan and coding problems.

    Parameters
    ----------
    cb : Codebook
    plans : list of ColumnPlan
        Each column's question (``question``, ``header``, ``how``, ``index``).
    problems : list of dict
        The load report's problems (uncoded answers are counted from them).
    columns : list
        Each column's cells, by column index (answers are counted from them).
    path : str
        The export, for the fix command.
    recoded : list of dict
        The load report's ``recoded`` entries.
    drafted : bool
        The codebook was drafted from the export itself: it fits by construction.
    """
    fit = FitSummary(path=path, recoded=list(recoded or []), fix=_fix_command(path, cb))
    columns_of: dict[str, list] = {}
    for plan in plans:
        if plan.question is not None:
            columns_of.setdefault(plan.question, []).append(plan)
    for q in cb.questions.values():
        matched = columns_of.get(q.id, [])
        fit.questions[q.id] = {"matched": bool(matched), "columns": [p.header for p in matched],
                               "how": sorted({p.how for p in matched if p.how}), "type": q.type,
                               "direction": q.direction, "role": q.role}
    if drafted:
        return fit

    # Uncoded answers per question, out of the answers given in its columns.
    uncoded_count: dict[str, int] = {}
    examples: dict[str, list] = {}
    for problem in problems:
        if problem.get("kind") in _UNCODED_KINDS and problem.get("question") in cb.questions:
            qid = problem["question"]
            uncoded_count[qid] = uncoded_count.get(qid, 0) + 1
            shown = examples.setdefault(qid, [])
            if problem.get("value") not in shown and len(shown) < 5:
                shown.append(problem.get("value"))
    for qid, count in uncoded_count.items():
        answered = sum(_answered(columns[p.index]) for p in columns_of.get(qid, []) if p.index < len(columns))
        answered = max(answered, count)
        fit.uncoded[qid] = {"answered": answered, "uncoded": count, "share": round(count / answered, 4),
                            "examples": examples[qid]}

    # The directions: each direction's items, matched and not.
    items = cb.items_by_direction()
    for code in cb.directions:
        wanted = items.get(code, [])
        unmatched = [i for i in wanted if not fit.questions[i]["matched"]]
        fit.directions[code] = {"items_in_codebook": len(wanted), "items_matched": len(wanted) - len(unmatched),
                                "unmatched": unmatched}
        name = cb.directions[code].label("en")
        if not wanted:
            fit.gaps.append({"need": "directions", "question": None, "direction": code,
                             "sentence": f"{name} has no Likert item in the codebook, so it has no support score."})
        elif unmatched:
            fit.gaps.append({"need": "directions", "question": ", ".join(unmatched), "direction": code,
                             "sentence": f"{name}: {len(unmatched)} of {_plural(len(wanted), 'item')} not in "
                                         f"the export ({', '.join(unmatched)})."})

    for q in cb.questions.values():
        if q.identifying:
            continue  # identifying questions are never required
        info = fit.questions[q.id]
        needs = _need_of(q)
        if not info["matched"]:
            if q.type == "likert" and q.direction:
                continue  # said per direction above
            if q.role and needs == "answers":
                reason = _LEFT_OUT.get(q.role, f"analyses that use the {q.role.replace('_', ' ')} are left out")
                fit.left_out.append(f"{reason[0].upper()}{reason[1:]}: the {q.role.replace('_', ' ')} question "
                                    f"({q.id}) is not in the export.")
                continue
            what = {"ranking": "the ranking question", "text": "the free-text question"}.get(q.type, "question")
            consequence = {"ranking": "; the ranking figures (chance of ranking first, mean rank) are left out",
                           "text": "; its answers are not mapped"}.get(q.type, "")
            fit.gaps.append({"need": needs, "question": q.id,
                             "sentence": f"{what[0].upper()}{what[1:]} {q.id} is not in the export{consequence}."})
            continue
        bad = fit.uncoded.get(q.id)
        if bad and bad["uncoded"] >= UNCODED_MIN and bad["share"] > UNCODED_SHARE:
            shown = ", ".join(repr(str(v)) for v in bad["examples"][:3])
            fit.gaps.append({
                "need": "roles" if q.role in _GROUPING_ROLES and needs == "answers" else needs, "question": q.id,
                "sentence": f"{q.id}: {bad['uncoded']} of {bad['answered']} answers ({bad['share']:.1%}) could not "
                            f"be coded (such as {shown}); they would be left out."})
    return fit


def _need_of(q) -> str:
    if q.type == "ranking" or (q.type == "likert" and q.direction):
        return "directions"
    if q.type == "text":
        return "text"
    return "answers"


def _answered(cells) -> int:
    """Cells holding an answer (not blank, not a placeholder such as N/A)."""
    count = 0
    for v in cells:
        if v is None:
            continue
        text = cell_text(v).strip()
        if text and normalise_text(text) not in MISSING_ANSWERS:
            count += 1
    return count


def check_fit(survey: Any, *, allow_partial: bool = False, needs: Iterable[str] = ("directions",),
              stacklevel: int = 2) -> FitSummary:
    """Refuse to analyse an export that fits its codebook only in part.

    Parameters
    ----------
    survey : Survey
        A loaded survey (its ``fit`` is set by :func:`~survey_analysis.load_responses`).
    allow_partial : bool, default False
        Run anyway: warn with :class:`~survey_analysis.errors.PartialMatchWarning`
        instead of refusing.
    needs : iterable of str
        What the analysis needs: ``"directions"`` (the Likert items of every
        direction and the ranking question), ``"roles"`` (the answers of the
        member category, size and region questions that are present),
        ``"text"`` (the free-text questions), ``"answers"`` (every other question).

    Returns
    -------
    FitSummary
        The survey's fit (a summary marked ``checked=False`` for a survey that
        carries none, such as one built by hand).

    Raises
    ------
    PartialMatchError
        A gap the analysis needs, and ``allow_partial`` is False.  The message
        names the questions and the command that fixes it.
    """
    fit = getattr(survey, "fit", None)
    if fit is None:
        return FitSummary(checked=False)
    gaps = fit.gaps_for(needs)
    if not gaps:
        return fit
    sentences = [gap["sentence"] for gap in gaps]
    shown = " ".join(sentences[:6]) + (f" (and {len(sentences) - 6} more)" if len(sentences) > 6 else "")
    if not allow_partial:
        raise PartialMatchError(
            f"the export matches the codebook only in part, so the results would be wrong: {shown}",
            path=fit.path,
            hint=f"align the codebook to this export: {fit.fix}. To run anyway, pass --allow-partial "
                 "(allow_partial=True); the results then say what is missing.")
    warnings.warn(PartialMatchWarning(f"the export matches the codebook only in part: {shown} "
                                      f"Fix: {fit.fix}."), stacklevel=stacklevel + 1)
    return fit
