"""Coding ranking answers, whichever way the tool wrote them.

A ranking arrives as one rank column per option (Google Forms grids,
SurveyMonkey, Qualtrics), as rank slots holding the option placed at each
rank (LimeSurvey ``Q[1]``..``Q[n]``), or as one joined list of options in
ranked order (Microsoft Forms with ``;``, KoboToolbox with spaces).  Ranks
may be written as numbers or in the rank forms of the vocabulary ("Locul 1",
"1st", "Rank 1", "1 (highest)"); options by any of their labels, ids or
aliases.  Columns read other than by plain numbers and exact labels are
reported once each, with the mapping used.  Rankings that are not a complete order
(ties, gaps, unranked options) are kept as given and reported; the ranking
analysis documents how it treats them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Question, normalise_text
from .answers import rank_of
from .coding import MISSING_ANSWERS, UNCODED, AnswerCoder, cell_text


def code_ranking(q: Question, parts: dict, rows: list[int], coder: AnswerCoder) -> pd.DataFrame:
    """Ranks per option from per-option columns, rank-slot columns or one joined list.

    Rankings that are not a complete order (ties, gaps, unranked options) are
    kept as given and reported; the ranking analysis documents how it treats them.
    """
    n = len(rows)
    option_ids = [o.id for o in q.options]
    id_of = {o.en: o.id for o in q.options}
    options = coder.option_coder(q)
    ranks = {oid: [None] * n for oid in option_ids}
    k = len(option_ids)
    for oid, (values, plan) in parts["by_option"].items():
        parsed: dict[Any, Any] = {}
        forms: dict[str, int] = {}
        for v in set(values) - {None}:
            text = cell_text(v).strip()
            rank = rank_of(text, k)
            if rank is not None:
                parsed[v] = rank
                if not text.isdigit():
                    forms[text] = rank
            else:
                parsed[v] = None if normalise_text(text) in MISSING_ANSWERS else UNCODED
        if forms:
            coder.recoded(plan.header, q.id, forms, {t: "rank form" for t in forms},
                          sum(1 for v in values if v is not None and cell_text(v).strip() in forms))
        parsed[None] = None
        column = list(map(parsed.__getitem__, values))
        if UNCODED in parsed.values():
            for i, value in enumerate(column):
                if value is UNCODED:
                    coder.problem(rows[i], plan.header, q.id, values[i], "not_a_rank", "error",
                                  f"rank is not a whole number from 1 to {k}; left missing.")
                    column[i] = None
        ranks[oid] = column
    for slot, (values, plan) in sorted(parts["slots"].items()):
        mapping: dict[str, str] = {}
        hows: dict[str, str] = {}
        for i, v in enumerate(values):
            if v is None or normalise_text(cell_text(v)) in MISSING_ANSWERS:
                continue
            label, how = options.code(cell_text(v), v)
            oid = None if label is None else id_of[label]
            if how:
                mapping[cell_text(v).strip()], hows[cell_text(v).strip()] = label, how
            if oid is None:
                coder.problem(rows[i], plan.header, q.id, v, "unknown_option", "error",
                              "ranked answer is not one of the options; left missing.")
            elif ranks[oid][i] is not None:
                coder.problem(rows[i], plan.header, q.id, v, "repeated_in_ranking", "warning",
                              f"option placed at rank {ranks[oid][i]} and again at {slot}; the first is kept.")
            else:
                ranks[oid][i] = slot
        if mapping:
            coder.recoded(plan.header, q.id, mapping, hows,
                          sum(1 for v in values if v is not None and cell_text(v).strip() in mapping))
    if parts["joined"] is not None:
        values, plan = parts["joined"]
        cache: dict[str, tuple[list, list, list]] = {}
        mapping, hows = {}, {}
        for i, v in enumerate(values):
            if v is None:
                continue
            text = cell_text(v)
            if text not in cache:
                cache[text] = _split_ranking(text, options, id_of, mapping, hows)
            order, unknown, repeated = cache[text]
            for token in unknown:
                coder.problem(rows[i], plan.header, q.id, token, "unknown_option", "error",
                              "ranked answer is not one of the options; left missing.")
            for token in repeated:
                coder.problem(rows[i], plan.header, q.id, token, "repeated_in_ranking", "warning",
                              "option listed twice in the ranking; the first place is kept.")
            for position, oid in enumerate(order, start=1):
                ranks[oid][i] = position
        if mapping:
            coder.recoded(plan.header, q.id, mapping, hows,
                          sum(1 for v in values if v is not None and any(t in cell_text(v) for t in mapping)))
    frame = pd.DataFrame({f"{q.id}[{o}]": pd.array(ranks[o], dtype="Int64") for o in option_ids})
    # Complete orders are permutations of 1..k; report every other answered ranking.
    matrix = frame.to_numpy(dtype=float, na_value=np.nan)
    answered = ~np.isnan(matrix).all(axis=1)
    complete = (np.sort(np.nan_to_num(matrix, nan=-1), axis=1) == np.arange(1, len(option_ids) + 1)).all(axis=1)
    first_plan = (list(parts["by_option"].values()) or list(parts["slots"].values()) or [parts["joined"]])[0][1]
    for i in np.flatnonzero(answered & ~complete):
        given = [ranks[o][i] for o in option_ids if ranks[o][i] is not None]
        kinds = []
        if len(set(given)) != len(given):
            kinds.append("ties")
        if sorted(set(given)) != list(range(1, len(set(given)) + 1)):
            kinds.append("gaps")
        if len(given) != len(option_ids):
            kinds.append(f"{len(option_ids) - len(given)} option(s) unranked")
        coder.problem(rows[i], first_plan.header, q.id, "; ".join(f"{o}={ranks[o][i]}" for o in option_ids),
                      "ranking_not_permutation", "warning",
                      f"ranking is not a complete order ({', '.join(kinds)}); kept as given, the ranking "
                      "analysis treats it as documented.")
    return frame


def _split_ranking(text: str, options, id_of: dict[str, str], mapping: dict, hows: dict) -> tuple[list, list, list]:
    """A joined ranking -> (option ids in ranked order, unknown tokens, repeated tokens).

    Options are joined by ``;`` or line breaks (Microsoft Forms), or by spaces
    (KoboToolbox names); a space-joined list is taken as such only when every
    token names an option.
    """
    tokens = [t for t in re.split(r"[;\n]", text) if t.strip()]
    if len(tokens) == 1 and options.code(tokens[0])[0] is None:
        spaced = tokens[0].split()
        if len(spaced) > 1 and all(options.code(t)[0] is not None for t in spaced):
            tokens = spaced
    order, unknown, repeated = [], [], []
    for token in tokens:
        label, how = options.code(token)
        if label is None:
            unknown.append(token)
            continue
        if how:
            mapping[token.strip()], hows[token.strip()] = label, how
        oid = id_of[label]
        if oid in order:
            repeated.append(token)
        else:
            order.append(oid)
    return order, unknown, repeated
