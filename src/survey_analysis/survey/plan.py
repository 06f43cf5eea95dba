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

from ..codebook import Codebook, normalise_text
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
    plans = []
    for i, (header, fid) in enumerate(zip(headers, field_ids)):
        plan = ColumnPlan(index=i, header=header)
        # A repeated header was numbered "(2)", "(3)" to tell the columns apart; match on its own text.
        header = _DEDUPED.sub("", header)
        fid = _DEDUPED.sub("", fid)
        norm = normalise_text(header)
        nid = normalise_text(fid)
        # Exact matches first; the tool's own columns next; fuzzy wording last, as it is the slowest.
        qid, how = cb.match_header(header, fuzzy=None)
        if qid is None and fid != header:
            qid, how = cb.match_header(fid, fuzzy=None)
        is_meta = norm in meta or nid in meta or is_tool_extra(norm, source) or is_tool_extra(nid, source)
        if qid is None and not is_meta:
            qid, option, slot, how = _match_option_column(header, cb)
            if qid is None and fid != header:
                qid, option, slot, how = _match_option_column(fid, cb)
            plan.option, plan.rank_slot = option, slot
        if qid is None and not is_meta and "/" in header:
            # KoboToolbox names a question inside a group 'group/question'.
            qid, how = cb.match_header(header.rsplit("/", 1)[1], fuzzy=None)
        if qid is None and not is_meta:
            qid, how = cb.match_header(header)
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
    return plans


def _match_option_column(header: str, cb: Codebook) -> tuple[str | None, str | None, int | None, str]:
    """Match ``Question [Option]`` headers of per-option ranking/multi/grid columns."""
    m = BRACKET.match(header or "")
    if not m:
        return None, None, None, ""
    stem, sub = m.group("stem"), m.group("sub")
    qid, how = cb.match_header(stem)
    if qid is None:
        return None, None, None, ""
    q = cb.questions[qid]
    if q.type in ("ranking", "multi"):
        lookup = label_lookup((o.id, (o.en, o.ro, o.id)) for o in q.options)
        option = lookup_label(lookup, sub)
        if option is not None:
            return qid, option, None, how
        if q.type == "ranking" and sub.strip().isdigit():
            return qid, None, int(sub.strip()), how
    return None, None, None, ""
