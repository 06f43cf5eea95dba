"""The column plan: which question (and option) of the codebook each export column holds.

Every column gets a role: ``question`` (matched to a codebook question, and
for per-option columns to an option or a rank slot), ``metadata`` (the
tool's own columns), ``identifier`` (answers that identify a person or an
organisation, held apart) or ``unmatched`` (kept apart, never analysed).
Exact matches are tried first, then the tool's own columns, then similar
wording, which is the slowest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..codebook import Codebook, HeaderMatcher, normalise_text
from .coding import label_lookup, lookup_label
from .privacy import IDENTIFYING_HEADER
from .tools import IDENTIFYING_METADATA, TOOL_METADATA, is_tool_extra


BRACKET = re.compile(r"^(?P<stem>.*?)\s*\[(?P<sub>[^\[\]]*)\]\s*$", re.S)



@dataclass
class ColumnPlan:
    index: int
    header: str
    question: str | None = None
    option: str | None = None       # option id for ranking/multi per-option columns
    rank_slot: int | None = None    # LimeSurvey-style "Q[1]" = the option placed at rank 1
    how: str = ""
    role: str = "question"          # question | metadata | identifier | unmatched


_DEDUPED = re.compile(r" \(\d+\)$")


def plan_columns(headers: list[str], field_ids: list[str], source: str, cb: Codebook,
                  notes: list[str]) -> list[ColumnPlan]:
    meta = TOOL_METADATA.get(source, set())
    # One index of the codebook's header forms for all columns: matching stays linear in the columns.
    matcher = cb.matcher()
    plans = []
    for i, (header, fid) in enumerate(zip(headers, field_ids)):
        plan = ColumnPlan(index=i, header=header)
        # A repeated header was numbered "(2)", "(3)" to tell the columns apart; match on its own text.
        header = _DEDUPED.sub("", header)
        fid = _DEDUPED.sub("", fid)
        norm = normalise_text(header)
        nid = normalise_text(fid)
        # Exact matches first; the tool's own columns next; fuzzy wording last, as it is the slowest.
        qid, how = matcher.match(header, fuzzy=None)
        if qid is None and fid != header:
            qid, how = matcher.match(fid, fuzzy=None)
        is_meta = norm in meta or nid in meta or is_tool_extra(norm, source) or is_tool_extra(nid, source)
        if qid is None and not is_meta:
            qid, option, slot, how = _match_option_column(header, cb, matcher)
            if qid is None and fid != header:
                qid, option, slot, how = _match_option_column(fid, cb, matcher)
            plan.option, plan.rank_slot = option, slot
        if qid is None and not is_meta and "/" in header:
            # KoboToolbox names a question inside a group 'group/question'.
            qid, how = matcher.match(header.rsplit("/", 1)[1], fuzzy=None)
        if qid is None and not is_meta:
            qid, how = matcher.match(header)
        if qid is not None:
            plan.question, plan.how = qid, how
            if cb.questions[qid].identifying:
                plan.role = "identifier"
        elif is_meta:
            plan.role = "identifier" if (norm in IDENTIFYING_METADATA or nid in IDENTIFYING_METADATA) else "metadata"
        elif IDENTIFYING_HEADER.search(normalise_text(header)):
            plan.role = "identifier"
        else:
            plan.role = "unmatched"
        plans.append(plan)
    _one_column_per_fuzzy_match(plans, notes)
    return plans


def _one_column_per_fuzzy_match(plans: list[ColumnPlan], notes: list[str]) -> None:
    """A question matched only by similar wording in several columns keeps the most similar one."""
    claims: dict[str, list[ColumnPlan]] = {}
    for plan in plans:
        if plan.question and plan.option is None and plan.rank_slot is None:
            claims.setdefault(plan.question, []).append(plan)
    for qid, claimants in claims.items():
        fuzzy = [p for p in claimants if p.how.startswith("fuzzy")]
        if len(claimants) < 2 or not fuzzy:
            continue
        exact = [p for p in claimants if not p.how.startswith("fuzzy")]
        keep = exact or [max(fuzzy, key=lambda p: float(p.how.split("(")[1].rstrip(")")))]
        for plan in fuzzy:
            if plan not in keep:
                notes.append(f"Column '{plan.header[:80]}' looks like question {qid}, but another column matches "
                             f"it better; it is kept as an extra column.")
                plan.question, plan.how, plan.role = None, "", "unmatched"


def _option_column_parts(header: str) -> list[tuple[str, str]]:
    """The ways a header may read ``question`` + ``option``: ``Q [option]`` (Google Forms,
    SurveyMonkey, LimeSurvey), ``Q - option`` (Qualtrics), ``group/Q/option`` (KoboToolbox)."""
    parts = []
    m = BRACKET.match(header or "")
    if m:
        parts.append((m.group("stem"), m.group("sub")))
    text = header or ""
    start = 0
    while (cut := text.find(" - ", start)) > 0:
        parts.append((text[:cut], text[cut + 3:]))
        start = cut + 3
    if "/" in text and " " not in text:
        stem, sub = text.rsplit("/", 1)
        parts.append((stem, sub))
    return parts


def _match_option_column(header: str, cb: Codebook,
                         matcher: HeaderMatcher) -> tuple[str | None, str | None, int | None, str]:
    """Match the per-option columns of a multi-select or ranking (``Question [Option]`` and the like)."""
    for stem, sub in _option_column_parts(header):
        qid, how = matcher.match(stem, fuzzy=None)
        if qid is None and "[" in header:
            qid, how = matcher.match(stem)
        if qid is None:
            continue
        q = cb.questions[qid]
        if q.type in ("ranking", "multi"):
            lookup = label_lookup((o.id, o.labels()) for o in q.options)
            option = lookup_label(lookup, sub)
            if option is not None:
                return qid, option, None, how
            if q.type == "ranking" and sub.strip().isdigit():
                return qid, None, int(sub.strip()), how
    return None, None, None, ""
