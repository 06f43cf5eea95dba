"""Coding ranking answers, whichever way the tool wrote them.

A ranking arrives as one rank column per option (Google Forms grids,
SurveyMonkey, Qualtrics), as rank slots holding the option placed at each
rank (LimeSurvey ``Q[1]``..``Q[n]``), or as one joined list of options in
ranked order (Microsoft Forms).  Rankings that are not a complete order
(ties, gaps, unranked options) are kept as given and reported; the ranking
analysis documents how it treats them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Question, normalise_text
from .coding import MISSING_ANSWERS, UNCODED, AnswerCoder, cell_text, label_lookup, lookup_label


def code_ranking(q: Question, parts: dict, rows: list[int], coder: AnswerCoder) -> pd.DataFrame:
    """Ranks per option from per-option columns, rank-slot columns or one joined list.

    Rankings that are not a complete order (ties, gaps, unranked options) are
    kept as given and reported; the ranking analysis documents how it treats them.
    """
    n = len(rows)
    option_ids = [o.id for o in q.options]
    ranks = {oid: [None] * n for oid in option_ids}
    lookup = label_lookup((o.id, (o.en, o.ro, o.id)) for o in q.options)
    for oid, (values, plan) in parts["by_option"].items():
        parsed: dict[Any, Any] = {}
        k = len(option_ids)
        for v in set(values) - {None}:
            text = cell_text(v).strip()
            m = re.fullmatch(r"(\d{1,3})(st|nd|rd|th|\.)?", text.lower())
            if m and 1 <= int(m.group(1)) <= k:
                parsed[v] = int(m.group(1))
            else:
                parsed[v] = None if normalise_text(text) in MISSING_ANSWERS else UNCODED
        column = ranks[oid]
        for i, v in enumerate(values):
            if v is None:
                continue
            value = parsed[v]
            if value is UNCODED:
                coder.problem(rows[i], plan.header, q.id, v, "not_a_rank", "error",
                              f"rank is not a whole number from 1 to {k}; left missing.")
            else:
                column[i] = value
    for slot, (values, plan) in sorted(parts["slots"].items()):
        for i, v in enumerate(values):
            if v is None or normalise_text(cell_text(v)) in MISSING_ANSWERS:
                continue
            oid = lookup_label(lookup, cell_text(v))
            if oid is None:
                coder.problem(rows[i], plan.header, q.id, v, "unknown_option", "error",
                              "ranked answer is not one of the options; left missing.")
            elif ranks[oid][i] is not None:
                coder.problem(rows[i], plan.header, q.id, v, "repeated_in_ranking", "warning",
                              f"option placed at rank {ranks[oid][i]} and again at {slot}; the first is kept.")
            else:
                ranks[oid][i] = slot
    if parts["joined"] is not None:
        values, plan = parts["joined"]
        cache: dict[str, tuple[list, list]] = {}
        for i, v in enumerate(values):
            if v is None:
                continue
            text = cell_text(v)
            if text not in cache:
                order, unknown, repeated = [], [], []
                for token in re.split(r"[;\n]", text):
                    if not token.strip():
                        continue
                    oid = lookup_label(lookup, token)
                    if oid is None:
                        unknown.append(token)
                    elif oid in order:
                        repeated.append(token)
                    else:
                        order.append(oid)
                cache[text] = (order, unknown, repeated)
            order, unknown, repeated = cache[text]
            for token in unknown:
                coder.problem(rows[i], plan.header, q.id, token, "unknown_option", "error",
                              "ranked answer is not one of the options; left missing.")
            for token in repeated:
                coder.problem(rows[i], plan.header, q.id, token, "repeated_in_ranking", "warning",
                              "option listed twice in the ranking; the first place is kept.")
            for position, oid in enumerate(order, start=1):
                ranks[oid][i] = position
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
