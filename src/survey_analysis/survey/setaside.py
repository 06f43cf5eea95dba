"""The rules that set responses aside, each with its reason.

Preview, test and spam responses (Qualtrics' status), responses the tool
marks unfinished (Qualtrics' ``Finished``, LimeSurvey's blank submit date),
incomplete responses (fewer than a share of the scale items answered) and
repeated submissions of the same member (the latest is kept).  Each rule
adds ``respondent_id -> (reason, detail)`` to a shared dictionary, the
detail made by :func:`detail`; the first reason found for a respondent is
kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook, normalise_text
from .coding import cell_text
from .privacy import contact_key
from .tools import START_TIMES, SUBMIT_DATES, TIME_COLUMNS


#: The detail of a row set aside, in English (the load report's language), by key.  The reports word
#: the same key in their own language from the same values (``drop_detail.KEY`` in their catalogues).
DETAILS = {
    "trailing_blank": "empty row after the data",
    "no_answers": "no answers in the row",
    "none_answered": "no question answered",
    "not_finished": "Finished is false",
    "not_submitted": "no submit date (not submitted)",
    "too_few": "answered {answered} of {items} scale items (at least {needed:g} needed)",
    "same_email": "same e-mail as the later response at row {row}, which is kept",
    "same_name": "same organisation name as the later response at row {row}, which is kept",
    "tool_status": "Status '{status}'",
    "tool_spam": "Status '{status}' (spam)",
}


def detail(key: str, **values) -> dict:
    """A set-aside row's detail: ``detail`` (English), ``detail_key`` and ``detail_values`` (for translation)."""
    return {"detail": DETAILS[key].format(**values), "detail_key": key, "detail_values": values}


def mark_tool_status(meta: pd.DataFrame, source: str, drop: dict) -> None:
    norm_cols = {normalise_text(c): c for c in meta.columns}
    for key in ("status", "response type"):
        if key in norm_cols and source == "qualtrics":
            for rid, v in meta[norm_cols[key]].items():
                text = normalise_text(cell_text(v))
                if "preview" in text or text in {"1", "survey preview"}:
                    drop.setdefault(rid, ("preview/test response", detail("tool_status", status=cell_text(v))))
                elif "test" in text or text in {"2"}:
                    drop.setdefault(rid, ("preview/test response", detail("tool_status", status=cell_text(v))))
                elif "spam" in text or text == "8":
                    drop.setdefault(rid, ("preview/test response", detail("tool_spam", status=cell_text(v))))
    if source == "qualtrics" and "finished" in norm_cols:
        for rid, v in meta[norm_cols["finished"]].items():
            if normalise_text(cell_text(v)) in {"0", "false", "no"}:
                drop.setdefault(rid, ("incomplete", detail("not_finished")))
    if source == "limesurvey":
        for key in sorted(SUBMIT_DATES & set(norm_cols)):
            if key in norm_cols:
                for rid, v in meta[norm_cols[key]].items():
                    if v is None or pd.isna(v) or (isinstance(v, str) and not v.strip()):
                        drop.setdefault(rid, ("incomplete", detail("not_submitted")))
                break


def mark_incomplete(responses: pd.DataFrame, cb: Codebook, min_answered: float, drop: dict) -> None:
    likert = [q.id for q in cb.questions.values() if q.type == "likert" and q.id in responses]
    if likert:
        answered = responses[likert].notna().sum(axis=1).to_numpy()
        needed = min_answered * len(likert)
        for i in np.flatnonzero(answered < needed):
            drop.setdefault(responses.index[i], ("incomplete", detail("too_few", answered=int(answered[i]),
                                                                      items=len(likert), needed=needed)))
    else:
        answered = responses.notna().sum(axis=1).to_numpy()
        for i in np.flatnonzero(answered == 0):
            drop.setdefault(responses.index[i], ("incomplete", detail("none_answered")))


def mark_duplicates(ident: pd.DataFrame, meta: pd.DataFrame, responses: pd.DataFrame, drop: dict,
                     row_of: dict, cb: Codebook) -> None:
    """Keep the latest submission of each respondent (by e-mail, else organisation name)."""
    column, kind = contact_key(ident, cb)
    if column is None:
        return
    if kind == "e-mail":
        key, how = ident[column].astype("string").str.strip().str.lower(), "same_email"
    else:
        key, how = ident[column].astype("string").str.strip().str.casefold(), "same_name"
    if not key.dropna().duplicated().any():
        return
    candidates = pd.DataFrame({"key": key.to_numpy(dtype=object), "order": np.arange(len(key))}, index=key.index)
    candidates = candidates[key.notna().to_numpy() & ~candidates.index.isin(list(drop))]
    if candidates.empty:
        return
    # The latest submission wins: by submission time when the export has one, else by row order.
    candidates["when"] = 0
    for col in meta.columns:
        name = normalise_text(col)
        if name in TIME_COLUMNS and name not in START_TIMES \
                and pd.api.types.is_datetime64_any_dtype(meta[col]):
            # NaT is the smallest int64, so responses without a time sort first.
            candidates["when"] = meta[col].reindex(candidates.index).to_numpy(dtype="datetime64[ns]").astype(np.int64)
            break
    candidates = candidates.sort_values(["when", "order"], kind="stable")
    repeated = candidates[candidates["key"].duplicated(keep=False)]
    if repeated.empty:
        return
    latest = repeated.groupby("key", sort=False).tail(1)
    latest_of = dict(zip(latest["key"], latest.index))
    for rid, k in zip(repeated.index, repeated["key"]):
        if latest_of[k] != rid:
            drop.setdefault(rid, ("duplicate submission", detail(how, row=row_of[latest_of[k]])))
