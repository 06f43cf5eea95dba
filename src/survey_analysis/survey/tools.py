"""The header layouts of the survey tools: which tool wrote an export, and its header rows.

Each tool lays out its export in its own way (see the README's table of
tools): Google Forms starts with a timestamp, SurveyMonkey has two header
rows with merged question titles, Qualtrics three (field ids, question text,
import ids), LimeSurvey may write ``code. text`` headings, KoboToolbox
``group/question`` names.  This module recognises the tool from the header
signature, flattens the header rows into one text per column (plus the
tool's own field ids), and knows the columns each tool adds that are not
questions (times, status, ids; some of them identifying).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from ..codebook import normalise_text
from ..readers import RawTable, column_letter
from .coding import cell_text


#: The survey tools whose exports are recognised.
SOURCES = ("google_forms", "microsoft_forms", "surveymonkey", "limesurvey", "qualtrics", "kobo", "generic")

# Header signatures of the tools (normalised header texts).
SIGNATURES = {
    "microsoft_forms": {"id", "start time", "completion time", "email", "name"},
    "surveymonkey": {"respondent id", "collector id"},
    "limesurvey": {"submitdate", "lastpage", "startlanguage"},
    "limesurvey_text": {"response id", "date submitted", "last page", "start language"},
    "qualtrics": {"startdate", "enddate", "status", "responseid"},
    "qualtrics_text": {"start date", "end date", "response type", "response id"},
    "kobo": {"_uuid", "_submission_time"},
}
TIMESTAMP_NAMES = {"timestamp", "marcaj de timp", "marca temporală", "časová značka", "zeitstempel", "horodateur",
                    "marca temporal", "informazioni cronologiche", "tijdstempel", "sygnatura czasowa",
                    "carimbo de data/hora", "időbélyeg", "aikaleima", "tidsstempel", "tidstämpel"}

# Columns each tool adds that are not questions (normalised).  The identifying
# ones are held apart with the identifiers.
TOOL_METADATA = {
    "google_forms": set(TIMESTAMP_NAMES) | {"score", "punctaj"},
    "microsoft_forms": {"id", "start time", "completion time", "email", "name", "last modified time", "total points",
                        "quiz feedback", "grade posted time"},
    "surveymonkey": {"respondent id", "respondentid", "collector id", "collectorid", "start date", "end date", "ip address", "email address",
                     "first name", "last name", "custom data 1", "custom data"},
    "limesurvey": {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr",
                   "refurl", "token", "response id", "date submitted", "last page", "start language", "date started",
                   "date last action", "ip address", "referrer url", "total time", "interviewtime", "token"},
    "qualtrics": {"startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished",
                  "recordeddate", "responseid", "recipientlastname", "recipientfirstname", "recipientemail",
                  "externalreference", "externaldatareference", "locationlatitude", "locationlongitude",
                  "distributionchannel", "userlanguage", "start date", "end date", "response type", "ip address",
                  "recorded date", "response id", "recipient last name", "recipient first name", "recipient email",
                  "external data reference", "location latitude", "location longitude", "distribution channel",
                  "user language", "q_recaptchascore", "q_relevantidduplicate"},
    "kobo": {"start", "end", "today", "_id", "_uuid", "_submission_time", "_validation_status", "_status",
             "_submitted_by", "__version__", "_index", "deviceid", "_notes", "_tags", "meta/instanceid",
             "_parent_index", "_parent_table_name", "instanceid"},
    "generic": set(),
}
IDENTIFYING_METADATA = {"email", "email address", "name", "first name", "last name", "ip address", "ipaddr",
                         "ipaddress", "recipientemail", "recipientfirstname", "recipientlastname", "recipient email",
                         "recipient first name", "recipient last name", "locationlatitude", "locationlongitude",
                         "location latitude", "location longitude", "token", "_submitted_by", "deviceid"}
# Submission times, parsed into datetimes in the metadata (normalised names).
TIME_COLUMNS = TIMESTAMP_NAMES | {"start time", "completion time", "last modified time", "startdate", "enddate",
                                    "start date", "end date", "recordeddate", "recorded date", "submitdate",
                                    "date submitted", "datestamp", "date last action", "date started",
                                    "_submission_time", "start", "end"}
ID_COLUMNS = ["id", "respondent id", "respondentid", "response id", "responseid", "_id", "_uuid"]
CODE_AND_TEXT = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(\[[A-Za-z0-9_]+\])?)\. (?P<text>.*)$", re.S)


def detect_source(headers: Iterable[Any], second_row: Iterable[Any] | None = None) -> str:
    """Name the survey tool from the header rows (one of :data:`SOURCES`)."""
    norm = [normalise_text(h) for h in headers]
    names = set(norm)
    # LimeSurvey's "code. text" heading style: look at the codes.
    for h in norm:
        m = CODE_AND_TEXT.match(h)
        if m:
            names.add(m.group("code"))
            names.add(normalise_text(m.group("text")))
    second = {normalise_text(v) for v in (second_row or [])}
    if norm and norm[0] in TIMESTAMP_NAMES:
        return "google_forms"
    if SIGNATURES["surveymonkey"] <= names or (
            ({"respondent id", "respondentid"} & names) and ({"response", "open-ended response"} & second)):
        return "surveymonkey"
    if SIGNATURES["qualtrics"] <= names or SIGNATURES["qualtrics_text"] <= names:
        return "qualtrics"
    if len(SIGNATURES["limesurvey"] & names) >= 2 or len(SIGNATURES["limesurvey_text"] & names) >= 3:
        return "limesurvey"
    if SIGNATURES["kobo"] <= names:
        return "kobo"
    if SIGNATURES["microsoft_forms"] <= names:
        return "microsoft_forms"
    return "generic"


def flatten_header(raw: RawTable, source: str) -> tuple[int, list[str], list[str], list[str]]:
    """Return ``(header_rows, headers, field_ids, notes)``.

    ``headers`` is the text used for matching (question text), ``field_ids``
    the tool's own column ids where it has a separate id row (Qualtrics).
    """
    rows = raw.rows
    first = [cell_text(v).strip() for v in rows[0]]
    notes: list[str] = []
    if source == "qualtrics" and len(rows) >= 2:
        second = [cell_text(v) for v in rows[1]]
        third = [cell_text(v) for v in rows[2]] if len(rows) >= 3 else []
        n = 3 if any(t.lstrip().startswith('{"ImportId"') for t in third) else 2
        if normalise_text(first[0]) == "start date":
            # Exported with question text only: one header row.
            return 1, first, first, notes
        headers = [s.strip() or f for s, f in zip(second, first)]
        notes.append(f"Qualtrics export: {n} header rows (field ids, question text"
                     f"{', import ids' if n == 3 else ''}).")
        return n, headers, first, notes
    if source == "surveymonkey" and len(rows) >= 2:
        second = [cell_text(v).strip() for v in rows[1]]
        filled = []
        last = ""
        fills = 0
        for i, text in enumerate(first):
            if text:
                last = text
            elif last and second[i]:
                fills += 1
            filled.append(text or last)
        headers = []
        for top, sub in zip(filled, second):
            if normalise_text(sub) in {"", "response", "open-ended response"}:
                headers.append(top)
            else:
                headers.append(f"{top} [{sub}]")
        if fills:
            notes.append(f"SurveyMonkey export: 2 header rows; {fills} blank (merged) question headers forward-filled.")
        else:
            notes.append("SurveyMonkey export: 2 header rows.")
        return 2, headers, headers, notes
    split = [CODE_AND_TEXT.match(h) for h in first]
    if source == "limesurvey" and sum(m is not None for m in split) >= 0.8 * len(first):
        notes.append("LimeSurvey export with 'code. text' headings: codes used as field ids.")
        texts = [m.group("text").strip() if m else h for m, h in zip(split, first)]
        codes = [m.group("code") if m else h for m, h in zip(split, first)]
        return 1, texts, codes, notes
    return 1, first, first, notes


def dedupe_headers(headers: list[str], notes: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for i, h in enumerate(headers):
        name = h if h else f"(blank header {i + 1})"
        if not h:
            notes.append(f"Column {column_letter(i)} has a blank header; named '{name}'.")
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name} ({seen[name]})"
            notes.append(f"Duplicate header '{name}' in column {column_letter(i)}; named '{new}'.")
            name = new
        out.append(name)
    return out


def is_tool_extra(norm: str, source: str) -> bool:
    if source == "microsoft_forms" and (norm.startswith("points - ") or norm.startswith("feedback - ")):
        return True
    if source == "limesurvey":
        # Timing columns: "interviewtime", "groupTime123", "Q1Time" (codes, never spaced text).
        return norm.endswith("time") and " " not in norm
    if source == "qualtrics" and (norm.endswith("_do") or "- display order" in norm):
        return True
    return False


@dataclass
class HeaderLayout:
    """An export's header rows, flattened: one matching text and one field id per column."""

    source: str            # the tool, one of SOURCES
    header_rows: int       # how many rows the header takes (1-3)
    headers: list[str]     # the text matched against the codebook, unique per column
    field_ids: list[str]   # the tool's own column ids (Qualtrics, LimeSurvey codes), else the headers
    notes: list[str]


def read_header_layout(raw: RawTable) -> HeaderLayout:
    """Recognise the tool and flatten its header rows (``raw`` must hold at least one row)."""
    source = detect_source(raw.rows[0], raw.rows[1] if len(raw.rows) > 1 else None)
    header_rows, headers, field_ids, notes = flatten_header(raw, source)
    headers = dedupe_headers([h.strip() for h in headers], notes)
    field_ids = [f.strip() or h for f, h in zip(field_ids, headers)]
    return HeaderLayout(source=source, header_rows=header_rows, headers=headers, field_ids=field_ids, notes=notes)
