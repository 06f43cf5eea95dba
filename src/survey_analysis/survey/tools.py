"""The header layouts of the survey tools: which tool wrote an export, and its header rows.

Each tool lays out its export in its own way (see the README's table of
tools): Google Forms starts with a timestamp, SurveyMonkey has two header
rows with merged question titles, Qualtrics three (field ids, question text,
import ids; the legacy export two: ``V1``..``V10``/question ids, then field
names and question texts), LimeSurvey may write ``code. text`` headings,
KoboToolbox ``group/question`` names and repeat groups on sheets of their
own.  This module recognises the tool from the header signature, in any of
the interface languages of ``vocabulary/tool_headers.yml`` (see
:mod:`.signatures`), flattens the header rows into one text per column (plus
the tool's own field ids), and knows the columns each tool adds that are not
questions (times, status, ids; some of them identifying).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..codebook import normalise_text
from ..readers import RawTable, column_letter
from .coding import cell_text
from .signatures import headers_of, language_names, roles_by_language, texts_of, tool_columns


#: The survey tools whose exports are recognised.
SOURCES = ("google_forms", "microsoft_forms", "surveymonkey", "limesurvey", "qualtrics", "kobo", "generic")

_TOOLS = ("google_forms", "microsoft_forms", "surveymonkey", "limesurvey", "qualtrics", "kobo")
#: The tools' names as people write them.
TOOL_NAMES = {"google_forms": "Google Forms", "microsoft_forms": "Microsoft Forms", "surveymonkey": "SurveyMonkey",
              "limesurvey": "LimeSurvey", "qualtrics": "Qualtrics", "kobo": "KoboToolbox", "generic": "generic"}

#: The first column of a Google Forms sheet, in every language known (normalised).
TIMESTAMP_NAMES = frozenset(texts_of("google_forms", "timestamp"))

#: Columns each tool adds that are not questions (normalised), in every language known.  The
#: identifying ones are held apart with the identifiers.
TOOL_METADATA = {tool: frozenset(headers_of(tool)) for tool in _TOOLS} | {"generic": frozenset()}
IDENTIFYING_METADATA = frozenset(h for h, columns in tool_columns().items()
                                 if any(c.kind == "identifying" for c in columns)) | {"ipaddr", "deviceid"}
#: Submission times, parsed into datetimes in the metadata (normalised names).
TIME_COLUMNS = frozenset(h for h, columns in tool_columns().items() if any(c.kind == "time" for c in columns))
#: The times at which a response was started (never taken as "the latest submission").
START_TIMES = frozenset(set().union(*(texts_of(tool, role) for tool, role in (
    ("microsoft_forms", "start_time"), ("surveymonkey", "start_date"), ("qualtrics", "start_date"),
    ("limesurvey", "date_started"), ("kobo", "metadata_times")))) - {"end"} | {"startdate"})
#: The submission date of LimeSurvey, in every language known; blank for an unsubmitted response.
SUBMIT_DATES = frozenset(texts_of("limesurvey", "date_submitted") | {"submitdate"})
#: The tools' respondent ids, in the order they are preferred as the respondent's key.
ID_COLUMNS = ["id", "respondent id", "respondentid", "response id", "responseid", "_id", "_uuid"] + sorted(
    h for h, columns in tool_columns().items() if any(c.kind == "respondent_id" for c in columns)
    and h not in {"id", "respondent id", "respondentid", "response id", "responseid"})
CODE_AND_TEXT = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(\[[A-Za-z0-9_]+\])?)\. (?P<text>.*)$", re.S)
_LEGACY_QUALTRICS_ROW1 = re.compile(r"^v\d+$")
_QUIZ_PREFIXES = tuple(texts_of("microsoft_forms", "question_prefixes"))


@dataclass
class Recognition:
    """Which tool wrote an export, in which interface language, and what gave it away."""

    source: str
    language: str | None = None     # ISO 639-1 code of the tool's headers, when they tell it
    how: str = ""                   # in words, for the load report
    layout: str = ""                # a variant of the tool's layout: "legacy" (Qualtrics), "repeat_group" (Kobo)
    positions: dict[int, str] = field(default_factory=dict)  # columns known by position: index -> English name


def detect_source(headers: Iterable[Any], second_row: Iterable[Any] | None = None) -> str:
    """Name the survey tool from the header rows (one of :data:`SOURCES`)."""
    rows = [list(headers)] + ([list(second_row)] if second_row is not None else [])
    return recognise_tool(rows).source


def recognise_tool(rows: list[list[Any]]) -> Recognition:
    """Recognise the tool from the first rows of an export (the header, and a row or two below).

    The tools' own headers are looked up in every interface language of the
    vocabulary; a Microsoft Forms export in a language the vocabulary lacks is
    recognised by its layout (an ``ID`` column, then two times, then the
    e-mail and the name).
    """
    first = rows[0] if rows else []
    norm = [normalise_text(h) for h in first]
    names = set(norm)
    # LimeSurvey's "code. text" heading style: look at the codes and the texts.
    for h in norm:
        m = CODE_AND_TEXT.match(h)
        if m:
            names.add(m.group("code"))
            names.add(normalise_text(m.group("text")))
    second_raw = rows[1] if len(rows) > 1 else []
    second = {normalise_text(v) for v in second_raw}
    if norm and norm[0] in TIMESTAMP_NAMES:
        language = _languages_of("google_forms", "timestamp", norm[0])
        return Recognition("google_forms", language[0] if len(language) == 1 else None,
                           f"its first column '{first[0]}', Google Forms' timestamp"
                           + (f" in {language_names(language)}" if language else ""))
    if {"respondent id", "collector id"} <= names or {"respondentid", "collectorid"} <= names or (
            ({"respondent id", "respondentid"} & names) and (texts_of("surveymonkey", "row2_response") & second)):
        return Recognition("surveymonkey", "en", "its 'Respondent ID' and 'Collector ID' columns")
    legacy = _legacy_qualtrics(norm, second)
    if legacy:
        return Recognition("qualtrics", None, "its first row 'V1', 'V2'... and its second row of field names "
                                              "'ResponseID', 'ResponseSet', ... (the legacy export)", layout="legacy")
    if {"startdate", "enddate", "status", "responseid"} <= names:
        return Recognition("qualtrics", None, "its export tags StartDate, EndDate, Status, ResponseId")
    if {"start date", "end date", "response type", "response id"} <= names:
        return Recognition("qualtrics", "en", "its columns Start Date, End Date, Response Type, Response ID")
    if len({"submitdate", "lastpage", "startlanguage"} & names) >= 2:
        return Recognition("limesurvey", None, "its columns submitdate, lastpage, startlanguage")
    lime = _best_language("limesurvey", names, ("response_id", "date_submitted", "last_page", "start_language",
                                                "seed", "date_started", "date_last_action"), minimum=3)
    if lime:
        return Recognition("limesurvey", lime[0], f"its full-text headings in {language_names(lime[0:1])} "
                                                  f"({', '.join(sorted(lime[1]))})")
    if {"_parent_index"} <= names and ("_parent_table_name" in names or any(n.startswith("_submission__")
                                                                             for n in names)):
        return Recognition("kobo", None, "its _parent_index and _submission__ columns: the sheet of a repeat group",
                           layout="repeat_group")
    if {"_uuid", "_submission_time"} <= names:
        return Recognition("kobo", None, "its _uuid and _submission_time columns")
    forms = _best_language("microsoft_forms", names, ("id", "start_time", "completion_time"), minimum=3)
    if forms:
        return Recognition("microsoft_forms", forms[0], "its ID, start and completion time columns in "
                                                        f"{language_names([forms[0]])}")
    if _microsoft_forms_layout(norm, rows[1:4]):
        positions = {0: "ID", 1: "Start time", 2: "Completion time", 3: "Email", 4: "Name"}
        return Recognition("microsoft_forms", None,
                           f"its layout: an ID column, two times, then e-mail and name ('{first[1]}', "
                           f"'{first[2]}' are not in the vocabulary of headers)", positions=positions)
    return Recognition("generic", None, "")


def _languages_of(tool: str, role: str, header: str) -> list[str]:
    """The languages in which ``header`` is the tool's text for ``role``."""
    entry = roles_by_language(tool, {header})
    return sorted(language for language, roles in entry.items() if role in roles and language != "all")


def _best_language(tool: str, names: set[str], roles: tuple[str, ...], *, minimum: int):
    """The language in which most of ``roles`` are present (at least ``minimum``), with those roles."""
    best = None
    for language, present in roles_by_language(tool, names).items():
        present = present & set(roles)
        if len(present) >= minimum and (best is None or len(present) > len(best[1])):
            best = (language, present)
    return best


def _legacy_qualtrics(first: list[str], second: set[str]) -> bool:
    """Row 1 'V1'..'Vn' then question ids; row 2 the legacy field names."""
    leading = 0
    for h in first:
        if not _LEGACY_QUALTRICS_ROW1.match(h):
            break
        leading += 1
    return leading >= 3 and len({"responseid", "responseset", "startdate", "enddate", "finished"} & second) >= 3


def _is_time(value: Any) -> bool:
    if isinstance(value, (dt.datetime, dt.date)):
        return True
    text = cell_text(value).strip()
    return bool(re.fullmatch(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}[ T]\d{1,2}[:.]\d{2}([:.]\d{2})?( ?[AaPp][Mm])?", text))


def _microsoft_forms_layout(first: list[str], data: list[list[Any]]) -> bool:
    """An ``ID`` column of 1, 2, 3..., then two columns of times, then e-mail and name, in any language."""
    if len(first) < 6 or first[0] != "id" or not data:
        return False
    quiz = any(h.startswith(_QUIZ_PREFIXES) for h in first) or {"total points", "quiz feedback"} & set(first)
    times = all(_is_time(row[1]) and _is_time(row[2]) for row in data if len(row) > 2 and row[1] is not None)
    contact = all(row[3] is None or "@" in cell_text(row[3]) or normalise_text(row[3]) == "anonymous"
                  for row in data if len(row) > 3)
    return times and (contact or bool(quiz))


def flatten_header(raw: RawTable, source: str, layout: str = "") -> tuple[int, list[str], list[str], list[str]]:
    """Return ``(header_rows, headers, field_ids, notes)``.

    ``headers`` is the text used for matching (question text), ``field_ids``
    the tool's own column ids where it has a separate id row (Qualtrics,
    LimeSurvey's ``code. text`` headings).  ``layout`` names a variant of the
    tool's layout found by :func:`recognise_tool` (``"legacy"`` Qualtrics).
    """
    rows = raw.rows
    first = [cell_text(v).strip() for v in rows[0]]
    notes: list[str] = []
    if source == "qualtrics" and layout == "legacy":
        # Row 1: V1..V10 for the response's own fields, then the question ids (Q1, Q2_1...);
        # row 2: the field names, then the question texts; the data from row 3.
        second = [cell_text(v).strip() for v in rows[1]]
        headers = [s or f for s, f in zip(second, first)]
        field_ids = [s if _LEGACY_QUALTRICS_ROW1.match(normalise_text(f)) and s else f
                     for s, f in zip(second, first)]
        notes.append("Qualtrics legacy export: 2 header rows (V1, V2... and question ids; field names and "
                     "question texts); the responses start on row 3.")
        return 2, headers, field_ids, notes
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
    """Whether a (normalised) header or field id is one of the tool's per-question extras."""
    if source == "microsoft_forms" and norm.startswith(_QUIZ_PREFIXES):
        return True
    if source == "limesurvey":
        # Timing columns: "interviewtime", "groupTime123", "Q1Time" (codes, never spaced text).
        return " " not in norm and (norm.endswith("time") or re.fullmatch(r"grouptime\d+", norm) is not None)
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
    language: str | None = None  # the language of the tool's own headers, when they tell it
    layout: str = ""             # a variant of the tool's layout ("legacy", "repeat_group")


def read_header_layout(raw: RawTable) -> HeaderLayout:
    """Recognise the tool and flatten its header rows (``raw`` must hold at least one row)."""
    found = recognise_tool(raw.rows[:4])
    header_rows, headers, field_ids, notes = flatten_header(raw, found.source, found.layout)
    field_ids = list(field_ids)  # may be the headers' own list
    for index, name in found.positions.items():
        # Columns known by their place (a layout recognised without its headers) get the
        # tool's English name as their field id, so that they are treated as the tool's own.
        if index < len(field_ids):
            field_ids[index] = name
    if found.source != "generic":
        notes.insert(0, f"Recognised as a {TOOL_NAMES[found.source]} export by {found.how}.")
    headers = dedupe_headers([h.strip() for h in headers], notes)
    field_ids = [f.strip() or h for f, h in zip(field_ids, headers)]
    return HeaderLayout(source=found.source, header_rows=header_rows, headers=headers, field_ids=field_ids,
                        notes=notes, language=found.language, layout=found.layout)


def link_repeat_groups(sheets: list[dict], submission_index: list | None, respondent_ids: list[str]) -> list[str]:
    """Link each KoboToolbox repeat-group sheet to the respondents, by ``_parent_index`` = ``_index``.

    ``submission_index`` holds the responses sheet's ``_index`` per row (``None``
    when the sheet has no such column), ``respondent_ids`` the respondent of
    each row.  Each repeat-group entry of ``sheets`` gains ``respondents``
    (respondent id -> rows of the group) and ``unlinked`` (rows whose parent is
    no row of the responses); returns the notes for the load report.
    """
    notes = []
    groups = [entry for entry in sheets if entry.get("repeat_group") and not entry.get("chosen")]
    for entry in groups:
        group = entry["repeat_group"]
        if submission_index is None:
            notes.append(f"Repeat group '{entry['name']}' cannot be linked to the respondents: the responses "
                         "sheet has no _index column.")
            continue
        respondent_of = {cell_text(index).strip(): rid for index, rid in zip(submission_index, respondent_ids)
                         if index is not None}
        linked: dict[str, int] = {}
        unlinked = 0
        for parent, rows in group["per_submission"].items():
            rid = respondent_of.get(parent)
            if rid is None:
                unlinked += rows
            else:
                linked[rid] = linked.get(rid, 0) + rows
        group["respondents"] = linked
        group["unlinked"] = unlinked
        text = (f"Repeat group '{entry['name']}': {group['rows'] - unlinked} of its {group['rows']} rows belong to "
                f"{len(linked)} of the {len(respondent_ids)} respondents (by _parent_index = _index); the rows per "
                "respondent are in the report's sheets list. Repeat groups are not analysed.")
        if unlinked:
            text += f" {unlinked} row(s) point to no row of the responses sheet."
        notes.append(text)
    return notes
