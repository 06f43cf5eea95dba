"""Load a survey export into the questionnaire model, accounting for every row.

This is the validate stage of the pipeline.  :func:`load_responses` takes the
raw rows that :mod:`survey_analysis.read` got out of the file, recognises the
survey tool from its header signature, flattens the tool's header rows, maps
each column onto a question of the codebook (or of a codebook drafted from the
export itself), codes every answer, sets identifying answers apart, and sets
aside preview/test, incomplete, blank and duplicate submissions, each with its
reason and source row.  What comes out is a :class:`Survey`:

``responses``
    one row per kept respondent (index ``respondent_id``), one column per
    question: ordered categoricals for scales, categoricals for single choice,
    one boolean column ``Q[option]`` per option of a multi-select, one rank
    column ``Q[option]`` per option of a ranking, Float64 numbers, strings.
``identifiers``
    e-mails, names, organisation names, IP addresses; never passed to an output.
``report``
    the :class:`LoadReport`: rows read = rows kept + rows dropped, every value
    that could not be coded with its sheet, row, column and value.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .codebook import (
    Codebook,
    Level,
    Option,
    Question,
    fold_diacritics,
    normalise_text,
    read_codebook,
)
from .errors import CodebookError, EmptyFileError, HeaderProblemError
from .read import RawTable, column_letter, read_raw

__all__ = [
    "SOURCES",
    "MISSING_ANSWERS",
    "KNOWN_SCALES",
    "Survey",
    "LoadReport",
    "load_responses",
    "draft_codebook",
    "detect_source",
    "mask_contacts",
]

#: The survey tools whose exports are recognised.
SOURCES = ("google_forms", "microsoft_forms", "surveymonkey", "limesurvey", "qualtrics", "kobo", "generic")

#: Answers that mean "no answer" (compared after normalisation).
MISSING_ANSWERS = frozenset({"", "na", "n/a", "n.a.", "none", "null", "nan", "-", "--", "—", "#n/a", "nu este cazul"})

#: Ordered answer scales recognised when a codebook is drafted from an export.
KNOWN_SCALES: dict[str, list[tuple[str, str]]] = {
    "agreement5": [("Strongly disagree", "Dezacord total"), ("Disagree", "Dezacord"), ("Neutral", "Neutru"),
                   ("Agree", "De acord"), ("Strongly agree", "Acord total")],
    "agreement5_neither": [("Strongly disagree", "Dezacord total"), ("Disagree", "Dezacord"),
                           ("Neither agree nor disagree", "Nici acord, nici dezacord"), ("Agree", "De acord"),
                           ("Strongly agree", "Acord total")],
    "agreement7": [("Strongly disagree", ""), ("Disagree", ""), ("Somewhat disagree", ""),
                   ("Neither agree nor disagree", ""), ("Somewhat agree", ""), ("Agree", ""), ("Strongly agree", "")],
    "importance5": [("Not important", "Deloc important"), ("Slightly important", "Puțin important"),
                    ("Moderately important", "Moderat de important"), ("Very important", "Foarte important"),
                    ("Extremely important", "Extrem de important")],
    "satisfaction5": [("Very dissatisfied", "Foarte nemulțumit"), ("Dissatisfied", "Nemulțumit"),
                      ("Neutral", "Neutru"), ("Satisfied", "Mulțumit"), ("Very satisfied", "Foarte mulțumit")],
    "satisfaction5_somewhat": [("Very dissatisfied", "Foarte nemulțumit"), ("Somewhat dissatisfied", "Oarecum nemulțumit"),
                               ("Neither satisfied nor dissatisfied", "Nici mulțumit, nici nemulțumit"),
                               ("Somewhat satisfied", "Oarecum mulțumit"), ("Very satisfied", "Foarte mulțumit")],
    "frequency5": [("Never", "Niciodată"), ("Rarely", "Rar"), ("Sometimes", "Uneori"), ("Often", "Des"),
                   ("Always", "Întotdeauna")],
    "likelihood5": [("Very unlikely", "Foarte puțin probabil"), ("Unlikely", "Puțin probabil"),
                    ("Neutral", "Neutru"), ("Likely", "Probabil"), ("Very likely", "Foarte probabil")],
}

# Header signatures of the tools (normalised header texts).
_SIGNATURES = {
    "microsoft_forms": {"id", "start time", "completion time", "email", "name"},
    "surveymonkey": {"respondent id", "collector id"},
    "limesurvey": {"submitdate", "lastpage", "startlanguage"},
    "limesurvey_text": {"response id", "date submitted", "last page", "start language"},
    "qualtrics": {"startdate", "enddate", "status", "responseid"},
    "qualtrics_text": {"start date", "end date", "response type", "response id"},
    "kobo": {"_uuid", "_submission_time"},
}
_TIMESTAMP_NAMES = {"timestamp", "marcaj de timp", "marca temporală", "časová značka", "zeitstempel", "horodateur",
                    "marca temporal", "informazioni cronologiche", "tijdstempel", "sygnatura czasowa",
                    "carimbo de data/hora", "időbélyeg", "aikaleima", "tidsstempel", "tidstämpel"}

# Columns each tool adds that are not questions (normalised).  The identifying
# ones are held apart with the identifiers.
_METADATA = {
    "google_forms": set(_TIMESTAMP_NAMES) | {"score", "punctaj"},
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
_IDENTIFYING_METADATA = {"email", "email address", "name", "first name", "last name", "ip address", "ipaddr",
                         "ipaddress", "recipientemail", "recipientfirstname", "recipientlastname", "recipient email",
                         "recipient first name", "recipient last name", "locationlatitude", "locationlongitude",
                         "location latitude", "location longitude", "token", "_submitted_by", "deviceid"}
# Submission times, parsed into datetimes in the metadata (normalised names).
_TIME_COLUMNS = _TIMESTAMP_NAMES | {"start time", "completion time", "last modified time", "startdate", "enddate",
                                    "start date", "end date", "recordeddate", "recorded date", "submitdate",
                                    "date submitted", "datestamp", "date last action", "date started",
                                    "_submission_time", "start", "end"}
_ID_COLUMNS = ["id", "respondent id", "respondentid", "response id", "responseid", "_id", "_uuid"]
# Headers of questions whose answers identify a person or an organisation.
_IDENTIFYING_HEADER = re.compile(
    r"^(your |full |first |last |contact |family |given )?(e-?mail|e-?mail address|adres[aă] de e-?mail|name|names|"
    r"surname|nume(le)?|prenume(le)?|numele [sș]i prenumele|nume [sș]i prenume|name and surname|phone|phone number|"
    r"telephone|telefon|mobile|mobil|ip address|username|user name|phonenumber|company|organi[sz]ation|"
    r"organiza[tț]i[ae]|institution|institu[tț]ia|compania|firma)( \((optional|op[tț]ional)\))?\??:?$"
    r"|\b(e-?mail address|adres[aă] de e-?mail|organi[sz]ation name|name of (your |the )?(organi[sz]ation|company|"
    r"institution)|denumirea (organiza[tț]iei|institu[tț]iei|companiei|firmei)|company name|institution name|"
    r"phone number|num[aă]r(ul)? de telefon|contact person|persoan[aă] de contact)\b",
    re.IGNORECASE,
)
_CONTACT_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"), "[IP address]"),
    (re.compile(r"(?<!\w)(?:\+|00)?\d[\d ()./-]{7,}\d(?!\w)"), "[phone]"),
]
_CODE_AND_TEXT = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(\[[A-Za-z0-9_]+\])?)\. (?P<text>.*)$", re.S)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER_PREFIX = re.compile(r"^\s*(\d{1,2})\s*[.):=-]\s*(.+)$")
_BRACKET = re.compile(r"^(?P<stem>.*?)\s*\[(?P<sub>[^\[\]]*)\]\s*$", re.S)
# ---- the results ------------------------------------------------------------------------

@dataclass
class LoadReport:
    """What happened to every row and every value of an export.

    ``rows_read == respondents + len(dropped)`` always holds; :meth:`check`
    verifies it.  ``problems`` lists every value that could not be coded (it
    became missing) and every value that was coded with a correction.
    """

    path: str
    source: str
    sheet: str | None
    header_rows: int
    rows_read: int = 0
    respondents: int = 0
    dropped: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)
    encoding: str | None = None

    def check(self) -> None:
        """Raise if rows were lost: every row read must be kept or dropped with a reason."""
        if self.rows_read != self.respondents + len(self.dropped):
            raise HeaderProblemError(
                f"{self.rows_read} rows were read but {self.respondents} were kept and {len(self.dropped)} dropped",
                path=self.path,
                sheet=self.sheet,
                hint="this is a fault of the workbench; please report it with the file.",
            )

    def dropped_frame(self) -> pd.DataFrame:
        """The dropped rows: columns ``row``, ``reason``, ``detail``."""
        return pd.DataFrame(self.dropped, columns=["row", "reason", "detail"])

    def problems_frame(self) -> pd.DataFrame:
        """Every coding problem: ``sheet, row, column, question, value, kind, severity, message``."""
        cols = ["sheet", "row", "column", "question", "value", "kind", "severity", "message"]
        return pd.DataFrame(self.problems, columns=cols)

    def summary_frame(self) -> pd.DataFrame:
        """A one-column table of the headline figures, for notebooks."""
        reasons = Counter(d["reason"] for d in self.dropped)
        rows = [
            ("source", self.source),
            ("sheet", self.sheet or "(text file)"),
            ("header rows", self.header_rows),
            ("rows read", self.rows_read),
            ("respondents kept", self.respondents),
        ]
        rows += [(f"dropped: {reason}", count) for reason, count in sorted(reasons.items())]
        rows.append(("values not coded", sum(1 for p in self.problems if p["severity"] == "error")))
        rows.append(("values coded with a correction", sum(1 for p in self.problems if p["severity"] == "warning")))
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def to_dict(self, questions: Iterable[dict] | None = None) -> dict[str, Any]:
        """The report as JSON-ready data (the keys ``inspect --json`` prints)."""
        return {
            "file": self.path,
            "source": self.source,
            "sheet": self.sheet,
            "sheets": self.sheets,
            "encoding": self.encoding,
            "header_rows": self.header_rows,
            "rows_read": self.rows_read,
            "respondents": self.respondents,
            "dropped": self.dropped,
            "columns": self.columns,
            "questions": list(questions or []),
            "problems": [{k: _jsonable(v) for k, v in p.items()} for p in self.problems],
            "notes": self.notes,
        }

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        from html import escape

        parts = [f"<p><b>{escape(self.path)}</b>: read by the {escape(self.source)} layout</p>",
                 self.summary_frame().to_html(escape=True)]
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value
    return str(value)


def mask_contacts(texts: pd.Series) -> pd.Series:
    """Free text with e-mail addresses, IP addresses and phone numbers masked.

    Members sometimes type their contact details into an open answer; reports
    show the answer with ``[e-mail]``, ``[IP address]`` and ``[phone]`` in their
    place.  Returns a new Series; the input is not modified.
    """
    def mask(value):
        if not isinstance(value, str):
            return value
        for pattern, replacement in _CONTACT_PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    return texts.map(mask).astype(texts.dtype)


@dataclass
class Survey:
    """A loaded questionnaire: answers, question model, identifiers held apart, load report.

    ``responses`` holds the answers to the codebook's questions; ``identifiers``
    the identifying columns (never shown); ``metadata`` the tool's own columns
    (times, status, ids); ``extra`` the columns that match no question of the
    codebook (kept for the analyst, never analysed); ``dropped_responses`` the
    rows that were set aside, with their reasons in ``report.dropped``.
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
            if q.type not in ("identifier",) and cols:
                block = self.responses[[c for c in cols if c in self.responses]]
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

    def to_json(self) -> str:
        return json.dumps(self.report.to_dict(self.question_records()), ensure_ascii=False, indent=2)

    def pseudonyms(self, key: str | bytes) -> pd.Series:
        """A stable, non-reversible key per respondent (HMAC-SHA256 of the e-mail).

        Use it to link this year's answers to next year's without keeping
        e-mails in the analysis.  The same ``key`` gives the same pseudonym for
        the same e-mail (case and spacing ignored); without the key nobody can
        recompute it.  Keep the key out of every output, like a password.
        Respondents without an e-mail (or, failing that, organisation name)
        get a missing value.
        """
        import hashlib
        import hmac

        if not key:
            raise CodebookError("a pseudonym key is needed", hint="pass a secret key kept outside the outputs.")
        secret = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        source = None
        for col in self.identifiers.columns:
            values = self.identifiers[col].dropna().astype(str)
            if len(values) and values.str.contains("@").mean() > 0.8:
                source = self.identifiers[col]
                break
        if source is None:
            for col in self.identifiers.columns:
                question = self.codebook.questions.get(col)
                if (question is not None and question.role == "organisation") or \
                        re.search(r"organi[sz]|denumire|company|institu", str(col), re.I):
                    source = self.identifiers[col]
                    break
        if source is None:
            return pd.Series(pd.NA, index=self.responses.index, dtype="string", name="pseudonym")
        out = [None if pd.isna(v) else hmac.new(secret, normalise_text(v).encode("utf-8"), hashlib.sha256).hexdigest()[:20]
               for v in source.reindex(self.responses.index)]
        return pd.Series(out, index=self.responses.index, dtype="string", name="pseudonym")


# ---- header and tool detection ------------------------------------------------------------

def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def detect_source(headers: Iterable[Any], second_row: Iterable[Any] | None = None) -> str:
    """Name the survey tool from the header rows (one of :data:`SOURCES`)."""
    norm = [normalise_text(h) for h in headers]
    names = set(norm)
    # LimeSurvey's "code. text" heading style: look at the codes.
    for h in norm:
        m = _CODE_AND_TEXT.match(h)
        if m:
            names.add(m.group("code"))
            names.add(normalise_text(m.group("text")))
    second = {normalise_text(v) for v in (second_row or [])}
    if norm and norm[0] in _TIMESTAMP_NAMES:
        return "google_forms"
    if _SIGNATURES["surveymonkey"] <= names or (
            ({"respondent id", "respondentid"} & names) and ({"response", "open-ended response"} & second)):
        return "surveymonkey"
    if _SIGNATURES["qualtrics"] <= names or _SIGNATURES["qualtrics_text"] <= names:
        return "qualtrics"
    if len(_SIGNATURES["limesurvey"] & names) >= 2 or len(_SIGNATURES["limesurvey_text"] & names) >= 3:
        return "limesurvey"
    if _SIGNATURES["kobo"] <= names:
        return "kobo"
    if _SIGNATURES["microsoft_forms"] <= names:
        return "microsoft_forms"
    return "generic"


def _flatten_header(raw: RawTable, source: str) -> tuple[int, list[str], list[str], list[str]]:
    """Return ``(header_rows, headers, field_ids, notes)``.

    ``headers`` is the text used for matching (question text), ``field_ids``
    the tool's own column ids where it has a separate id row (Qualtrics).
    """
    rows = raw.rows
    width = len(rows[0])
    first = [_cell_text(v).strip() for v in rows[0]]
    notes: list[str] = []
    if source == "qualtrics" and len(rows) >= 2:
        second = [_cell_text(v) for v in rows[1]]
        third = [_cell_text(v) for v in rows[2]] if len(rows) >= 3 else []
        n = 3 if any(t.lstrip().startswith('{"ImportId"') for t in third) else 2
        if normalise_text(first[0]) == "start date":
            # Exported with question text only: one header row.
            return 1, first, first, notes
        headers = [s.strip() or f for s, f in zip(second, first)]
        notes.append(f"Qualtrics export: {n} header rows (field ids, question text"
                     f"{', import ids' if n == 3 else ''}).")
        return n, headers, first, notes
    if source == "surveymonkey" and len(rows) >= 2:
        second = [_cell_text(v).strip() for v in rows[1]]
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
    split = [_CODE_AND_TEXT.match(h) for h in first]
    if source == "limesurvey" and sum(m is not None for m in split) >= 0.8 * len(first):
        notes.append("LimeSurvey export with 'code. text' headings: codes used as field ids.")
        texts = [m.group("text").strip() if m else h for m, h in zip(split, first)]
        codes = [m.group("code") if m else h for m, h in zip(split, first)]
        return 1, texts, codes, notes
    return 1, first, first, notes


def _dedupe_headers(headers: list[str], notes: list[str]) -> list[str]:
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


# ---- answer coding ---------------------------------------------------------------------------

def _label_lookup(pairs: Iterable[tuple[Any, Iterable[str]]]) -> dict[str, Any]:
    """Map every normalised and diacritic-folded label to its code."""
    lookup: dict[str, Any] = {}
    for code, labels in pairs:
        for label in labels:
            if label is None or label == "":
                continue
            lookup.setdefault(normalise_text(label), code)
            lookup.setdefault(fold_diacritics(label), code)
    return lookup


def _lookup(lookup: dict[str, Any], value: str) -> Any:
    norm = normalise_text(value)
    if norm in lookup:
        return lookup[norm]
    folded = fold_diacritics(value)
    if folded in lookup:
        return lookup[folded]
    match = _NUMBER_PREFIX.match(norm)
    if match:
        rest = match.group(2)
        if rest in lookup:
            return lookup[rest]
        if fold_diacritics(rest) in lookup:
            return lookup[fold_diacritics(rest)]
    return None


class _Coder:
    """Codes the answers of one column, recording every problem."""

    def __init__(self, report: LoadReport, sheet: str | None, *, date1904: bool = False):
        self.report = report
        self.sheet = sheet
        self.date1904 = date1904
        # Set by the loader: every cell of the sheet as a position into its distinct values.
        self.sheet_codes: np.ndarray | None = None
        self.sheet_distinct: np.ndarray | None = None

    def problem(self, row: int, column: str, question: str, value: Any, kind: str, severity: str, message: str):
        self.report.problems.append({
            "sheet": self.sheet, "row": row, "column": column, "question": question,
            "value": _jsonable(value), "kind": kind, "severity": severity, "message": message,
        })

    @staticmethod
    def uniques(values: list) -> dict[Any, str]:
        """Distinct raw values (hashable) -> their text form; coding works on these only."""
        out = {}
        for v in set(values):
            if v is None:
                continue
            out[v] = _cell_text(v) if not isinstance(v, (dt.datetime, dt.date, dt.time)) else v.isoformat()
        return out

    def code_scale(self, values: list, rows: list[int], column: str, q: Question, levels: list[Level], *,
                   column_index: int | None = None) -> pd.Series:
        lookup = _label_lookup((lv.en, (lv.en, lv.ro)) for lv in levels)
        by_value = {lv.value: lv.en for lv in levels}

        def code(raw: Any, text: str) -> tuple[Any, str | None]:
            label = _lookup(lookup, text)
            if label is not None:
                return label, None  # other-language and other-form labels are coded silently
            number = _as_number(raw)
            if number is not None and float(number).is_integer() and int(number) in by_value:
                label = by_value[int(number)]
                return label, f"a number where a label was expected; coded as '{label}' (scale value {int(number)})"
            return _UNCODED, None

        return self._code_labels(values, rows, column, q, code, column_index=column_index,
                                 allowed=", ".join(f"'{lv.en}'" for lv in levels),
                                 dtype=pd.CategoricalDtype([lv.en for lv in levels], ordered=True))

    def code_single(self, values: list, rows: list[int], column: str, q: Question, *,
                    column_index: int | None = None) -> pd.Series:
        lookup = _label_lookup((o.en, (o.en, o.ro, o.id)) for o in q.options)

        def code(raw: Any, text: str) -> tuple[Any, str | None]:
            label = _lookup(lookup, text)
            return (_UNCODED if label is None else label), None

        return self._code_labels(values, rows, column, q, code, column_index=column_index,
                                 allowed=", ".join(f"'{o.en}'" for o in q.options),
                                 dtype=pd.CategoricalDtype([o.en for o in q.options], ordered=q.ordered))

    def shared_codes(self, column_index: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """This column's answers as positions into the distinct answers of the whole sheet, if known."""
        if column_index is None or self.sheet_codes is None:
            return None
        return self.sheet_codes[:, column_index], self.sheet_distinct

    def _code_labels(self, values, rows, column, q, code, *, allowed, dtype, column_index=None) -> pd.Series:
        """Code a column of labels: each distinct answer is coded once, then spread by its position.

        Distinct answers are found with pandas' hash-based factorize, so a column of
        20,000 answers costs a few distinct look-ups rather than 20,000.
        """
        shared = self.shared_codes(column_index)
        if shared is not None:
            positions, distinct = shared
            # Only the distinct answers that occur in this column are coded.
            present = np.flatnonzero(np.bincount(positions + 1, minlength=len(distinct) + 1)[1:])
        else:
            positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
            present = range(len(distinct))
        category = {label: i for i, label in enumerate(dtype.categories)}
        target = np.full(len(distinct) + 1, -1, dtype=np.int16)  # the last slot serves the missing answers
        bad: list[int] = []
        warned: dict[int, str] = {}
        for k in present:
            raw = distinct[k]
            text = _cell_text(raw) if not isinstance(raw, (dt.datetime, dt.date, dt.time)) else raw.isoformat()
            label, warning = code(raw, text)
            if label is _UNCODED and normalise_text(text) in MISSING_ANSWERS:
                continue  # a placeholder such as "N/A", unless the question has it as an option
            if label is _UNCODED:
                target[k] = -2
                bad.append(k)
            else:
                target[k] = category[label]
                if warning:
                    warned[k] = warning
        codes = target[positions]
        if bad:
            for i in np.flatnonzero(codes == -2):
                self.problem(rows[i], column, q.id, values[i], "not_in_scale", "error",
                             f"answer is not one of the question's labels ({allowed}); left missing. "
                             "Add the label to the codebook if it is a valid answer.")
            codes[codes == -2] = -1
        if warned:
            for i in np.flatnonzero(np.isin(positions, list(warned))):
                self.problem(rows[i], column, q.id, values[i], "recoded", "warning", warned[int(positions[i])])
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))

    def code_numeric(self, values: list, rows: list[int], column: str, q: Question) -> pd.Series:
        parsed: dict[Any, Any] = {}
        for raw, text in self.uniques(values).items():
            if normalise_text(text) in MISSING_ANSWERS:
                parsed[raw] = np.nan
                continue
            number = _as_number(raw)
            if isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,3}[.,]\d{3}", raw.strip()):
                parsed[raw] = ("ambiguous_number", "the separator may mark thousands or decimals; left missing. "
                                                   "Correct the answer in a copy of the export.")
            elif number is None:
                parsed[raw] = ("not_a_number", "answer is not a number; left missing.")
            elif (q.minimum is not None and number < q.minimum) or (q.maximum is not None and number > q.maximum):
                parsed[raw] = ("out_of_range", f"number outside the allowed range {q.minimum}-{q.maximum}; left missing.")
            else:
                parsed[raw] = number
        parsed[None] = np.nan
        out = list(map(parsed.__getitem__, values))
        for i, value in enumerate(out):
            if isinstance(value, tuple):
                self.problem(rows[i], column, q.id, values[i], value[0], "error", value[1])
                out[i] = np.nan
        return pd.Series(out, dtype="Float64")

    def code_text(self, values: list) -> pd.Series:
        out = [(v.strip() or None) if v.__class__ is str else (None if v is None else _text_of(v)) for v in values]
        return pd.Series(out, dtype="string")

    def code_date(self, values: list, rows: list[int], column: str, q: Question) -> pd.Series:
        parsed = _parse_dates(values, date1904=self.date1904, notes=self.report.notes, column=column)
        for raw, value, row in zip(values, parsed, rows):
            if raw is not None and pd.isna(value) and normalise_text(_cell_text(raw)) not in MISSING_ANSWERS:
                self.problem(row, column, q.id, raw, "not_a_date", "error", "answer is not a date; left missing.")
        return parsed

    def code_multi(self, values: list, rows: list[int], column: str, q: Question) -> tuple[pd.DataFrame, pd.Series]:
        """Split joined multi-select answers against the known options."""
        forms: dict[str, str] = {}
        for o in q.options:
            for label in (o.en, o.ro, o.id):
                if label:
                    forms.setdefault(fold_diacritics(label), o.id)
        max_span = 1 + max((len(re.findall(r"[,;\n]", label)) for o in q.options for label in (o.en, o.ro)),
                           default=0)
        # Each distinct answer is split once; the rows then take their answer's split by position.
        positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        option_ids = [o.id for o in q.options]
        ids = set(option_ids)
        chosen = np.zeros((len(distinct) + 1, len(option_ids)), dtype=bool)
        blank = np.zeros(len(distinct) + 1, dtype=bool)
        blank[-1] = True  # the slot of missing answers
        leftovers: list[str | None] = [None] * (len(distinct) + 1)
        for k, raw in enumerate(distinct):
            text = _cell_text(raw)
            if not text.strip():
                blank[k] = True
                continue
            found, leftover = _split_multi(text, forms, max_span)
            if leftover and all(token in ids for token in text.split()):
                # KoboToolbox joins the chosen option names with spaces.
                found, leftover = set(text.split()), ""
            chosen[k] = [oid in found for oid in option_ids]
            if leftover and normalise_text(leftover) not in MISSING_ANSWERS:
                leftovers[k] = leftover
        for i in np.flatnonzero([leftovers[k] is not None for k in positions]) if any(leftovers) else []:
            self.problem(rows[i], column, q.id, values[i], "unknown_option", "warning",
                         f"part of the answer matches no option: '{leftovers[positions[i]]}'; kept as other text.")
        unanswered = blank[positions]
        frame = pd.DataFrame({f"{q.id}[{oid}]": pd.array(np.where(unanswered, False, chosen[positions, j]),
                                                             dtype="boolean")
                              for j, oid in enumerate(option_ids)})
        # Unanswered questions are missing, not "none chosen".
        if unanswered.any():
            frame.loc[unanswered, :] = pd.NA
        other = pd.Series([leftovers[k] for k in positions], dtype="string")
        return frame, other


_UNCODED = object()
# From this many cells on, the sheet's distinct answers are found in one pass (see _load_raw).
_SHEET_FACTORIZE_MIN_CELLS = 50_000


def _text_of(value: Any) -> str | None:
    """Text of a non-string cell (numbers without a spurious '.0', dates in ISO form)."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return _cell_text(value).strip() or None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "")
        if re.fullmatch(r"[+-]?\d+([.,]\d+)?", text):
            return float(text.replace(",", "."))
    return None


def _split_multi(text: str, forms: dict[str, str], max_span: int) -> tuple[set, str]:
    """Split a joined multi-select answer against the known option labels.

    The answer is cut at the delimiters (``,``, ``;``, line breaks); runs of
    up to ``max_span`` consecutive pieces are tried first, longest first, so an
    option whose label itself contains a comma is recognised whole.  Pieces that
    match no option are returned as the leftover ("other") text, as typed.
    """
    parts = re.split(r"([,;\n])", text)
    pieces = parts[0::2]
    chosen: set = set()
    leftover: list[str] = []
    i = 0
    while i < len(pieces):
        if not pieces[i].strip():
            i += 1
            continue
        for span in range(min(max_span, len(pieces) - i), 0, -1):
            candidate = "".join(parts[2 * i: 2 * (i + span) - 1])
            oid = forms.get(fold_diacritics(candidate))
            if oid is not None:
                chosen.add(oid)
                i += span
                break
        else:
            leftover.append(pieces[i].strip())
            i += 1
    return chosen, "; ".join(leftover)


_DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S",
                 "%Y/%m/%d %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%y %H:%M",
                 "%d/%m/%y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"]
_DAY_FIRST = {"%d/%m/%Y %H:%M:%S": "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M",
              "%d/%m/%Y": "%m/%d/%Y", "%d/%m/%y %H:%M": "%m/%d/%y %H:%M"}
_ZONE = re.compile(r"\s*(?:(?:GMT|UTC)\s*)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$|\s*(?:Z|GMT|UTC)$")
_EARLIEST, _LATEST = dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)


def _strip_zone(text: str) -> tuple[str, dt.timedelta | None]:
    """Split a trailing UTC offset ('+03:00', 'GMT+3', 'Z') off a timestamp."""
    m = _ZONE.search(text)
    if not m:
        return text, None
    offset = dt.timedelta(0)
    if m.group("sign"):
        offset = dt.timedelta(hours=int(m.group("h")), minutes=int(m.group("m") or 0))
        if m.group("sign") == "-":
            offset = -offset
    return text[: m.start()].strip(), offset


def _parse_dates(values: list, *, date1904: bool = False, notes: list[str] | None = None,
                 column: str = "") -> pd.Series:
    """Parse dates written as datetimes, Excel serial numbers or text in the tools' locale forms.

    Text is read with the first format of :data:`_DATE_FORMATS` that parses
    every text value, so a column is read consistently.  When both the
    month-first and the day-first form parse every value (all days <= 12), the
    one whose times follow the order of the rows (submissions are appended in
    time order) is chosen, and a note says so.  Timestamps with a UTC offset are
    converted to UTC.  Serial numbers count from 1899-12-30, or from 1904-01-01
    for workbooks in the 1904 date system.  Dates before 1900 or after 2200 are
    treated as typing errors and left missing.
    """
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    out: list = [None] * len(values)
    texts: dict[int, str] = {}
    offsets: dict[int, dt.timedelta] = {}
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, dt.datetime):
            out[i] = v.replace(tzinfo=None) - (v.utcoffset() or dt.timedelta(0)) if v.tzinfo else v
        elif isinstance(v, dt.date):
            out[i] = dt.datetime(v.year, v.month, v.day)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v < 2958466:
            out[i] = epoch + dt.timedelta(days=float(v))
        elif isinstance(v, str) and v.strip():
            text, offset = _strip_zone(v.strip())
            texts[i] = text
            if offset is not None:
                offsets[i] = offset
    if texts:
        sample = list(texts.values())
        chosen = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = [dt.datetime.strptime(t, fmt) for t in sample]
            except ValueError:
                continue
            chosen = (fmt, parsed)
            break
        if chosen is not None:
            fmt, parsed = chosen
            month_first = {v: k for k, v in _DAY_FIRST.items()}
            other = month_first.get(fmt) or _DAY_FIRST.get(fmt)
            if other:
                try:
                    alternative = [dt.datetime.strptime(t, other) for t in sample]
                except ValueError:
                    alternative = None
                if alternative is not None and alternative != parsed:
                    def disorder(times):
                        return sum(1 for a, b in zip(times, times[1:]) if b < a)
                    if disorder(alternative) < disorder(parsed):
                        fmt, parsed = other, alternative
                    if notes is not None:
                        notes.append(f"Dates in '{column}' read as {fmt} (day and month could be either way round; "
                                     "this order follows the order of the rows).")
            for i, value in zip(texts, parsed):
                out[i] = value
        else:
            for i, text in texts.items():
                try:
                    value = pd.Timestamp(text)
                    if pd.isna(value):
                        continue
                    if value.tzinfo is not None:
                        value = value.tz_convert("UTC").tz_localize(None)
                    out[i] = value.to_pydatetime()
                except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
                    continue  # not a date in any form we know: left missing and counted
        for i, offset in offsets.items():
            if out[i] is not None:
                out[i] = out[i] - offset
        if offsets and notes is not None:
            notes.append(f"Times in '{column}' carry UTC offsets; they were converted to UTC.")
    cleaned = [v if v is not None and _EARLIEST <= v < _LATEST else None for v in out]
    return pd.Series(pd.to_datetime(pd.Series(cleaned, dtype=object), errors="coerce"), dtype="datetime64[ns]")


# ---- column mapping ---------------------------------------------------------------------------

@dataclass
class _ColumnPlan:
    index: int
    header: str
    question: str | None = None
    option: str | None = None       # option id for ranking/multi per-option columns
    rank_slot: int | None = None    # LimeSurvey-style "Q[1]" = the option placed at rank 1
    how: str = ""
    role: str = "question"          # question | metadata | identifier | unmatched


_DEDUPED = re.compile(r" \(\d+\)$")


def _plan_columns(headers: list[str], field_ids: list[str], source: str, cb: Codebook,
                  notes: list[str]) -> list[_ColumnPlan]:
    meta = _METADATA.get(source, set())
    plans = []
    for i, (header, fid) in enumerate(zip(headers, field_ids)):
        plan = _ColumnPlan(index=i, header=header)
        # A repeated header was numbered "(2)", "(3)" to tell the columns apart; match on its own text.
        header = _DEDUPED.sub("", header)
        fid = _DEDUPED.sub("", fid)
        norm = normalise_text(header)
        nid = normalise_text(fid)
        # Exact matches first; the tool's own columns next; fuzzy wording last, as it is the slowest.
        qid, how = cb.match_header(header, fuzzy=None)
        if qid is None and fid != header:
            qid, how = cb.match_header(fid, fuzzy=None)
        is_meta = norm in meta or nid in meta or _is_tool_extra(norm, source)
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
            plan.role = "identifier" if (norm in _IDENTIFYING_METADATA or nid in _IDENTIFYING_METADATA) else "metadata"
        elif _IDENTIFYING_HEADER.search(normalise_text(header)):
            plan.role = "identifier"
        else:
            plan.role = "unmatched"
        plans.append(plan)
    return plans


def _is_tool_extra(norm: str, source: str) -> bool:
    if source == "microsoft_forms" and (norm.startswith("points - ") or norm.startswith("feedback - ")):
        return True
    if source == "limesurvey":
        # Timing columns: "interviewtime", "groupTime123", "Q1Time" (codes, never spaced text).
        return norm.endswith("time") and " " not in norm
    if source == "qualtrics" and (norm.endswith("_do") or "- display order" in norm):
        return True
    return False


def _match_option_column(header: str, cb: Codebook) -> tuple[str | None, str | None, int | None, str]:
    """Match ``Question [Option]`` headers of per-option ranking/multi/grid columns."""
    m = _BRACKET.match(header or "")
    if not m:
        return None, None, None, ""
    stem, sub = m.group("stem"), m.group("sub")
    qid, how = cb.match_header(stem)
    if qid is None:
        return None, None, None, ""
    q = cb.questions[qid]
    if q.type in ("ranking", "multi"):
        lookup = _label_lookup((o.id, (o.en, o.ro, o.id)) for o in q.options)
        option = _lookup(lookup, sub)
        if option is not None:
            return qid, option, None, how
        if q.type == "ranking" and sub.strip().isdigit():
            return qid, None, int(sub.strip()), how
    return None, None, None, ""


# ---- the loader --------------------------------------------------------------------------------

def load_responses(path: str | Path, codebook: str | Path | Codebook | dict | None = None, *,
                   sheet: str | int | None = None, min_answered: float = 0.5,
                   keep_duplicates: bool = False) -> Survey:
    """Read a survey export into the questionnaire model.

    Parameters
    ----------
    path : path
        The export (.xlsx, .xls, .xlsb, .ods, .csv, .tsv), as the tool wrote it.
    codebook : path, Codebook or None
        The questionnaire.  Without one, a codebook is drafted from the export
        (types, options and scales inferred; see :func:`draft_codebook`).
    sheet : str or int, optional
        The sheet to read; by default the sheet whose content looks like
        responses is chosen and named in the report.
    min_answered : float
        A response that answers fewer than this share of the codebook's Likert
        items is set aside as incomplete (only when the codebook has Likert
        items).  Tools that mark incomplete responses themselves (LimeSurvey's
        blank ``submitdate``, Qualtrics' ``Finished``) are followed as well.
    keep_duplicates : bool
        Keep repeated submissions of the same respondent (by e-mail, or
        organisation name when there is no e-mail) instead of keeping the latest.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyError
        A subclass naming the file (and sheet, row, column, value) for input that
        cannot be read; see README "When a file will not load".
    """
    raw = read_raw(path, sheet=sheet)
    # Coding creates many short-lived containers that cannot form cycles; pausing the cyclic
    # garbage collector meanwhile saves its repeated full passes on large exports.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_raw(raw, codebook, min_answered=min_answered, keep_duplicates=keep_duplicates)
    finally:
        if collecting:
            gc.enable()


def _load_raw(raw: RawTable, codebook, *, min_answered: float, keep_duplicates: bool) -> Survey:
    path = str(raw.path)
    if not raw.rows:
        raise EmptyFileError("the file holds no rows", path=path, sheet=raw.sheet,
                             hint="check that this is the responses export and that it is not empty.")
    source = detect_source(raw.rows[0], raw.rows[1] if len(raw.rows) > 1 else None)
    header_rows, headers, field_ids, notes = _flatten_header(raw, source)
    notes = list(getattr(raw, "notes", [])) + notes
    headers = _dedupe_headers([h.strip() for h in headers], notes)
    field_ids = [f.strip() or h for f, h in zip(field_ids, headers)]
    report = LoadReport(path=path, source=source, sheet=raw.sheet, header_rows=header_rows,
                        notes=notes, sheets=list(getattr(raw, "sheets", []) or []),
                        encoding=getattr(raw, "encoding", None))
    for p in getattr(raw, "problems", []) or []:
        report.problems.append({
            "sheet": p.get("sheet", raw.sheet), "row": p.get("row"), "column": p.get("column"), "question": None,
            "value": _jsonable(p.get("value")), "kind": p.get("kind", "cell"), "severity": "error",
            "message": p.get("message", ""),
        })

    body = raw.rows[header_rows:]
    row_numbers = list(raw.row_numbers[header_rows:])
    trailing = int(getattr(raw, "trailing_blank_rows", 0) or 0)
    report.rows_read = len(body) + trailing
    last_row = raw.row_numbers[-1] if raw.row_numbers else header_rows
    for k in range(trailing):
        report.dropped.append({"row": last_row + k + 1, "reason": "blank row", "detail": "empty row after the data"})
    if not body:
        report.notes.append("The export has a header but no responses.")

    if codebook is None:
        cb = _draft_from_columns(headers, field_ids, body, source, path)
        report.notes.append("No codebook given: question types, options and scales were inferred from the answers "
                            "(run 'survey-analysis codebook draft' to review them).")
    else:
        cb = read_codebook(codebook)
    plans = _plan_columns(headers, field_ids, source, cb, report.notes)
    for plan in plans:
        report.columns.append({"column": column_letter(plan.index), "header": plan.header, "role": plan.role,
                               "question": plan.question, "option": plan.option, "match": plan.how})
        if plan.how.startswith("fuzzy"):
            report.notes.append(f"Column '{plan.header}' matched question {plan.question} by similar wording "
                                f"{plan.how.split(' ', 1)[1]}; check it is the same question.")
    # Cell problems in identifying columns must not carry the identifying value.
    withheld = {column_letter(p.index) for p in plans if p.role == "identifier"}
    for problem in report.problems:
        letter = str(problem.get("column") or "").split(" ", 1)[0]
        if problem.get("question") is None and letter in withheld:
            problem["value"] = "(withheld: identifying column)"
            problem["message"] = f"{problem['kind'].replace('_', ' ')} in an identifying column; value withheld."
    unmatched = [p.header for p in plans if p.role == "unmatched"]
    if unmatched and codebook is not None:
        report.notes.append(f"{len(unmatched)} column(s) match no question of the codebook and are kept as extra "
                            f"columns: {', '.join(repr(u[:60]) for u in unmatched[:10])}"
                            + (" ..." if len(unmatched) > 10 else ""))
    matched_questions = {p.question for p in plans if p.question}
    missing = [q.id for q in cb.questions.values() if q.id not in matched_questions]
    if missing and codebook is not None:
        report.notes.append(f"Questions of the codebook not found in the export: {', '.join(missing)}.")
    if codebook is not None and not (matched_questions - {q.id for q in cb.questions.values() if q.identifying}):
        raise HeaderProblemError(
            "no column of the export matches a question of the codebook",
            path=path, sheet=raw.sheet, row=header_rows,
            value=headers[:5],
            hint="check that the codebook belongs to this questionnaire, or draft one with "
                 "'survey-analysis codebook draft FILE'.")

    # Drop blank rows (they are counted), then build the columns.
    keep_idx = []
    for i, row in enumerate(body):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            report.dropped.append({"row": row_numbers[i], "reason": "blank row", "detail": "no answers in the row"})
        else:
            keep_idx.append(i)
    body = [body[i] for i in keep_idx]
    row_numbers = [row_numbers[i] for i in keep_idx]
    coder = _Coder(report, raw.sheet, date1904=bool(getattr(raw, "date1904", False)))
    columns = None
    if body and len(body) * len(headers) >= _SHEET_FACTORIZE_MIN_CELLS:
        # One factorize over the whole sheet is about twice as fast as one per column on large exports.
        sheet = np.array(body, dtype=object)
        if sheet.ndim == 2 and sheet.shape[1] == len(headers):
            codes, distinct = pd.factorize(sheet.ravel(), use_na_sentinel=True)
            coder.sheet_codes = codes.reshape(sheet.shape)
            coder.sheet_distinct = distinct
            columns = list(sheet.T)
    if columns is None:
        # Whitespace-only cells count as blank; each coder treats them so.
        columns = list(zip(*body)) if body else [() for _ in headers]
    pieces: dict[str, pd.Series | pd.DataFrame] = {}
    question_columns: dict[str, list[str]] = {}
    identifiers: dict[str, pd.Series] = {}
    metadata: dict[str, pd.Series] = {}
    extras: dict[str, pd.Series] = {}
    ranking_parts: dict[str, dict] = {}
    multi_parts: dict[str, list[pd.DataFrame]] = {}
    for plan in plans:
        values = columns[plan.index] if columns else []
        column_name = plan.header
        if plan.role == "identifier":
            identifiers[plan.question or plan.header] = coder.code_text(values)
            continue
        if plan.role == "metadata":
            if normalise_text(plan.header) in _TIME_COLUMNS:
                parsed = _parse_dates(list(values), date1904=bool(getattr(raw, "date1904", False)),
                                      notes=report.notes, column=plan.header)
                given = sum(1 for v in values if v is not None and not (v.__class__ is str and not v.strip()))
                unparsed = given - int(parsed.notna().sum())
                if unparsed:
                    report.notes.append(f"{unparsed} value(s) of '{plan.header}' are not dates in a known form; "
                                        "they are left missing in the metadata.")
                metadata[plan.header] = parsed
            else:
                metadata[plan.header] = pd.Series(list(values), dtype=object)
            continue
        if plan.role == "unmatched":
            extras[plan.header] = coder.code_text(values)
            continue
        q = cb.questions[plan.question]
        if q.type == "ranking":
            ranking_parts.setdefault(q.id, {"by_option": {}, "slots": {}, "joined": None, "plan": plan})
            if plan.option is not None:
                ranking_parts[q.id]["by_option"][plan.option] = (values, plan)
            elif plan.rank_slot is not None:
                ranking_parts[q.id]["slots"][plan.rank_slot] = (values, plan)
            else:
                ranking_parts[q.id]["joined"] = (values, plan)
            continue
        if q.type == "multi":
            if plan.option is not None:
                flags = []
                for v in values:
                    text = "" if v is None else normalise_text(_cell_text(v))
                    # Blank and placeholder cells are "not chosen" once the row answered the question.
                    flags.append(None if text in MISSING_ANSWERS else text not in {"0", "n", "no", "nu", "false"})
                part = pd.DataFrame({f"{q.id}[{plan.option}]": pd.array(flags, dtype="boolean")})
                multi_parts.setdefault(q.id, []).append(part)
            else:
                frame, other = coder.code_multi(values, row_numbers, column_name, q)
                multi_parts.setdefault(q.id, []).append(frame)
                if other.notna().any():
                    pieces[f"{q.id}[other]"] = other
            continue
        if q.type == "likert":
            series = coder.code_scale(values, row_numbers, column_name, q, cb.scales[q.scale],
                                      column_index=plan.index)
        elif q.type == "single":
            series = coder.code_single(values, row_numbers, column_name, q, column_index=plan.index)
        elif q.type == "numeric":
            series = coder.code_numeric(values, row_numbers, column_name, q)
        elif q.type == "date":
            series = coder.code_date(values, row_numbers, column_name, q)
        else:
            series = coder.code_text(values)
        if q.id in pieces:
            earlier = pieces[q.id]
            both = (earlier.notna() & series.notna()).to_numpy()
            differ = np.array([bool(b) and str(x) != str(y) for b, x, y in
                               zip(both, earlier.astype(object), series.astype(object))], dtype=bool)
            for i in np.flatnonzero(differ):
                coder.problem(row_numbers[i], column_name, q.id, series.iloc[i], "conflicting_duplicate", "warning",
                              f"the same question in an earlier column holds '{earlier.iloc[i]}'; "
                              "the earlier answer is kept.")
            report.notes.append(f"Question {q.id} appears in more than one column; the later column "
                                f"'{column_name}' fills answers the earlier one left blank.")
            series = earlier.where(earlier.notna(), series)
        pieces[q.id] = series
        question_columns[q.id] = [q.id]

    for qid, parts in multi_parts.items():
        frame = pd.concat(parts, axis=1)
        if frame.columns.duplicated().any():
            # The same question in several columns: an option counts as chosen when any column chose it.
            report.notes.append(f"Question {qid} appears in more than one column; an option counts as chosen "
                                "when any of them chose it.")
            merged = {}
            for name in dict.fromkeys(frame.columns):
                block = frame.loc[:, frame.columns == name]
                chosen = block.fillna(False).any(axis=1)
                merged[name] = chosen.astype("boolean").where(block.notna().any(axis=1), pd.NA)
            frame = pd.DataFrame(merged)
        # A respondent who chose any option did not choose the blank ones; one
        # who left every option blank did not answer the question.
        answered = frame.notna().any(axis=1)
        frame = frame.where(~answered.to_numpy()[:, None] | frame.notna(), pd.NA)
        frame = frame.mask(answered.to_numpy()[:, None] & frame.isna().to_numpy(), False).astype("boolean")
        for c in frame.columns:
            pieces[c] = frame[c]
        question_columns[qid] = list(frame.columns)
    for qid, parts in ranking_parts.items():
        frame = _code_ranking(cb.questions[qid], parts, row_numbers, coder)
        for c in frame.columns:
            pieces[c] = frame[c]
        question_columns[qid] = list(frame.columns)

    n_rows = len(body)
    responses = pd.DataFrame({k: v.reset_index(drop=True) for k, v in pieces.items()}) if pieces else \
        pd.DataFrame(index=range(n_rows))
    ident = pd.DataFrame({k: v.reset_index(drop=True) for k, v in identifiers.items()}) if identifiers else \
        pd.DataFrame(index=range(n_rows))
    extra = pd.DataFrame({k: v.reset_index(drop=True) for k, v in extras.items()}) if extras else \
        pd.DataFrame(index=range(n_rows))
    meta = pd.DataFrame({k: v.reset_index(drop=True) for k, v in metadata.items()}) if metadata else \
        pd.DataFrame(index=range(n_rows))

    # Respondent ids: the tool's own id column, else the position of the response.
    ids = None
    for name in _ID_COLUMNS:
        for col in meta.columns:
            if normalise_text(col) == name:
                ids = [(_cell_text(v) if v is not None else "") for v in meta[col]]
                break
        if ids is not None:
            break
    if ids is not None and (len(set(ids)) != len(ids) or "" in ids):
        report.notes.append("The tool's respondent ids are blank or repeat; respondents are numbered by their "
                            "position in the export instead.")
        ids = None
    if ids is None:
        ids = [str(keep_idx[i] + 1) for i in range(len(keep_idx))]
    row_of = dict(zip(ids, row_numbers))
    for frame in (responses, ident, meta, extra):
        frame.index = pd.Index(ids, name="respondent_id", dtype="string")

    drop_reasons: dict[str, tuple[str, str]] = {}
    _mark_tool_status(meta, source, drop_reasons)
    _mark_incomplete(responses, cb, min_answered, drop_reasons)
    if not keep_duplicates:
        _mark_duplicates(ident, meta, responses, drop_reasons, row_of, cb)

    dropped_ids = [i for i in ids if i in drop_reasons]
    for rid in dropped_ids:
        reason, detail = drop_reasons[rid]
        report.dropped.append({"row": row_of[rid], "reason": reason, "detail": detail, "respondent_id": rid})
    kept = [i for i in ids if i not in drop_reasons]
    dropped_responses = responses.loc[dropped_ids]
    responses = responses.loc[kept]
    report.respondents = len(kept)
    report.dropped.sort(key=lambda d: d["row"])
    report.check()

    questions = {qid: q for qid, q in cb.questions.items() if qid in question_columns or q.identifying}
    return Survey(responses=responses, questions=questions, codebook=cb, identifiers=ident.loc[kept],
                  metadata=meta.loc[kept], report=report, columns=question_columns,
                  dropped_responses=dropped_responses, extra=extra.loc[kept])


def _code_ranking(q: Question, parts: dict, rows: list[int], coder: _Coder) -> pd.DataFrame:
    """Ranks per option from per-option columns, rank-slot columns or one joined list.

    Rankings that are not a complete order (ties, gaps, unranked options) are
    kept as given and reported; the ranking analysis documents how it treats them.
    """
    n = len(rows)
    option_ids = [o.id for o in q.options]
    ranks = {oid: [None] * n for oid in option_ids}
    lookup = _label_lookup((o.id, (o.en, o.ro, o.id)) for o in q.options)
    for oid, (values, plan) in parts["by_option"].items():
        parsed: dict[Any, Any] = {}
        k = len(option_ids)
        for v in set(values) - {None}:
            text = _cell_text(v).strip()
            m = re.fullmatch(r"(\d{1,3})(st|nd|rd|th|\.)?", text.lower())
            if m and 1 <= int(m.group(1)) <= k:
                parsed[v] = int(m.group(1))
            else:
                parsed[v] = None if normalise_text(text) in MISSING_ANSWERS else _UNCODED
        column = ranks[oid]
        for i, v in enumerate(values):
            if v is None:
                continue
            value = parsed[v]
            if value is _UNCODED:
                coder.problem(rows[i], plan.header, q.id, v, "not_a_rank", "error",
                              f"rank is not a whole number from 1 to {k}; left missing.")
            else:
                column[i] = value
    for slot, (values, plan) in sorted(parts["slots"].items()):
        for i, v in enumerate(values):
            if v is None or normalise_text(_cell_text(v)) in MISSING_ANSWERS:
                continue
            oid = _lookup(lookup, _cell_text(v))
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
            text = _cell_text(v)
            if text not in cache:
                order, unknown, repeated = [], [], []
                for token in re.split(r"[;\n]", text):
                    if not token.strip():
                        continue
                    oid = _lookup(lookup, token)
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


def _mark_tool_status(meta: pd.DataFrame, source: str, drop: dict) -> None:
    norm_cols = {normalise_text(c): c for c in meta.columns}
    for key in ("status", "response type"):
        if key in norm_cols and source == "qualtrics":
            for rid, v in meta[norm_cols[key]].items():
                text = normalise_text(_cell_text(v))
                if "preview" in text or text in {"1", "survey preview"}:
                    drop.setdefault(rid, ("preview/test response", f"Status '{_cell_text(v)}'"))
                elif "test" in text or text in {"2"}:
                    drop.setdefault(rid, ("preview/test response", f"Status '{_cell_text(v)}'"))
                elif "spam" in text or text == "8":
                    drop.setdefault(rid, ("preview/test response", f"Status '{_cell_text(v)}' (spam)"))
    if source == "qualtrics" and "finished" in norm_cols:
        for rid, v in meta[norm_cols["finished"]].items():
            if normalise_text(_cell_text(v)) in {"0", "false", "no"}:
                drop.setdefault(rid, ("incomplete", "Finished is false"))
    if source == "limesurvey":
        for key in ("submitdate", "date submitted"):
            if key in norm_cols:
                for rid, v in meta[norm_cols[key]].items():
                    if v is None or pd.isna(v) or (isinstance(v, str) and not v.strip()):
                        drop.setdefault(rid, ("incomplete", "no submit date (not submitted)"))
                break


def _mark_incomplete(responses: pd.DataFrame, cb: Codebook, min_answered: float, drop: dict) -> None:
    likert = [q.id for q in cb.questions.values() if q.type == "likert" and q.id in responses]
    if likert:
        answered = responses[likert].notna().sum(axis=1)
        needed = min_answered * len(likert)
        for rid, count in answered.items():
            if count < needed:
                drop.setdefault(rid, ("incomplete", f"answered {int(count)} of {len(likert)} scale items "
                                                    f"(at least {needed:g} needed)"))
    else:
        answered = responses.notna().sum(axis=1)
        for rid, count in answered.items():
            if count == 0:
                drop.setdefault(rid, ("incomplete", "no question answered"))


def _mark_duplicates(ident: pd.DataFrame, meta: pd.DataFrame, responses: pd.DataFrame, drop: dict,
                     row_of: dict, cb: Codebook) -> None:
    """Keep the latest submission of each respondent (by e-mail, else organisation name)."""
    key = None
    for col in ident.columns:
        values = ident[col].dropna()
        if len(values) and values.astype(str).str.contains("@").mean() > 0.8 and \
                values.astype(str).str.lower().ne("anonymous").all():
            key = ident[col].astype("string").str.strip().str.lower()
            break
    how = "same e-mail"
    if key is None:
        for col in ident.columns:
            question = cb.questions.get(col)
            if (question is not None and question.role == "organisation") or \
                    re.search(r"organi[sz]|denumire|company|institu", col, re.I):
                key = ident[col].astype("string").str.strip().str.casefold()
                how = "same organisation name"
                break
    if key is None:
        return
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
        if name in _TIME_COLUMNS and name not in {"start time", "startdate", "start date", "start", "date started"} \
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
            drop.setdefault(rid, ("duplicate submission",
                                  f"{how} as the later response at row {row_of[latest_of[k]]}, which is kept"))


# ---- drafting a codebook from an export --------------------------------------------------------

def _draft_from_columns(headers: list[str], field_ids: list[str], body: list[list], source: str,
                        path: str) -> Codebook:
    meta = _METADATA.get(source, set())
    questions: dict[str, Question] = {}
    scales: dict[str, list[Level]] = {}
    used_ids: set[str] = set()
    grid_values: dict[str | None, list] = {}
    columns = list(zip(*body)) if body else [() for _ in headers]
    for i, (header, fid) in enumerate(zip(headers, field_ids)):
        norm = normalise_text(header)
        if norm in meta or normalise_text(fid) in meta or _is_tool_extra(norm, source):
            continue
        values = [v for v in columns[i] if v is not None and not (isinstance(v, str) and not v.strip())]
        qid = _draft_id(fid if fid != header else header, i, used_ids)
        used_ids.add(qid)
        q = _infer_question(qid, header, values, scales)
        questions[qid] = q
        grid_values.setdefault(_grid_stem(header), []).append((qid, values))
    # The rows of one grid share one scale: the smallest known scale that holds every label used in the grid.
    for stem, members in grid_values.items():
        likert = [qid for qid, _ in members if questions[qid].type == "likert" and questions[qid].scale in KNOWN_SCALES]
        if stem is None or len({questions[qid].scale for qid in likert}) < 2:
            continue
        labels = {normalise_text(_cell_text(v)) for qid, values in members if qid in likert for v in values}
        labels -= MISSING_ANSWERS
        for name, levels in KNOWN_SCALES.items():
            lookup = _label_lookup((k, (en, ro)) for k, (en, ro) in enumerate(levels, start=1))
            if all(_lookup(lookup, t) is not None for t in labels):
                scales.setdefault(name, [Level(k, en, ro or en) for k, (en, ro) in enumerate(levels, start=1)])
                for qid in likert:
                    questions[qid].scale = name
                break
    used_scales = {q.scale for q in questions.values() if q.scale}
    scales = {name: levels for name, levels in scales.items() if name in used_scales}
    if not questions:
        raise HeaderProblemError("no question columns were found in the export", path=path,
                                 hint="check that the first rows hold the column headers.")
    return Codebook(title=f"Draft codebook for {Path(path).name}", scales=scales, directions={},
                    questions=questions, path=None)


def _grid_stem(header: str) -> str | None:
    """The shared title of a grid column ('Title [Row]' or a LimeSurvey 'Q2[SQ001]'), else None."""
    m = _BRACKET.match(header or "")
    return normalise_text(m.group("stem")) if m else None


def _draft_id(text: str, index: int, used: set[str]) -> str:
    candidate = text.strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{0,30}(\[[A-Za-z0-9_]+\])?", candidate) and candidate not in used:
        return candidate
    base = f"Q{index + 1}"
    return base if base not in used else f"Q{index + 1}_{len(used)}"


def _infer_question(qid: str, header: str, values: list, scales: dict[str, list[Level]]) -> Question:
    text = {"en": header, "ro": header}
    if _IDENTIFYING_HEADER.search(normalise_text(header)) or (
            values and sum(bool(_EMAIL.match(_cell_text(v).strip())) for v in values) > 0.5 * len(values)):
        return Question(id=qid, type="identifier", text=text, identifying=True)
    if not values:
        return Question(id=qid, type="text", text=text)
    texts = [_cell_text(v).strip() for v in values]
    norms = [normalise_text(t) for t in texts if normalise_text(t) not in MISSING_ANSWERS]
    if not norms:
        return Question(id=qid, type="text", text=text)
    if all(isinstance(v, (dt.datetime, dt.date)) for v in values):
        return Question(id=qid, type="date", text=text)
    leading_zeros = any(isinstance(v, str) and re.fullmatch(r"0\d+", v.strip()) for v in values)
    if not leading_zeros and all(_as_number(v) is not None for v in values
                                 if normalise_text(_cell_text(v)) not in MISSING_ANSWERS):
        return Question(id=qid, type="numeric", text=text)
    distinct = set(norms)
    # A known scale, in either language.
    for name, levels in KNOWN_SCALES.items():
        lookup = _label_lookup((k, (en, ro)) for k, (en, ro) in enumerate(levels, start=1))
        if all(_lookup(lookup, t) is not None for t in distinct):
            scales.setdefault(name, [Level(k, en, ro or en) for k, (en, ro) in enumerate(levels, start=1)])
            return Question(id=qid, type="likert", text=text, scale=name)
    # Numbered labels such as "4. Slightly disagree" make their own scale.
    numbered = {}
    for t in set(texts):
        m = _NUMBER_PREFIX.match(t)
        if not m:
            numbered = {}
            break
        numbered[int(m.group(1))] = m.group(2).strip()
    if len(numbered) >= 3:
        name = "scale_" + "_".join(fold_diacritics(numbered[k]).replace(" ", "")[:6] for k in sorted(numbered)[:2])
        levels = [Level(k, numbered[k], numbered[k]) for k in sorted(numbered)]
        if name in scales and [lv.en for lv in scales[name]] != [lv.en for lv in levels]:
            merged = {lv.value: lv for lv in scales[name]}
            merged.update({lv.value: lv for lv in levels})
            levels = [merged[k] for k in sorted(merged)]
        scales[name] = levels
        return Question(id=qid, type="likert", text=text, scale=name)
    # Multi-select: joined answers whose parts repeat across respondents.
    for delimiter in (";", ", "):
        joined = [t for t in texts if delimiter in t]
        if len(joined) >= max(2, 0.1 * len(texts)):
            parts = Counter(p.strip() for t in texts for p in t.split(delimiter) if p.strip())
            repeated = sum(c for c in parts.values() if c >= 2)
            if len(parts) <= 40 and repeated >= 0.8 * sum(parts.values()):
                options = [Option(id=_option_id(p, k), en=p, ro=p) for k, (p, _) in enumerate(parts.most_common())]
                return Question(id=qid, type="multi", text=text, options=options)
    # Single choice: few distinct answers once case, spacing and ş/ș forms are ignored.
    counts: Counter = Counter()
    first_form: dict[str, str] = {}
    for t in texts:
        key = normalise_text(t)
        if key in MISSING_ANSWERS:
            continue
        counts[key] += 1
        first_form.setdefault(key, t.strip())
    if counts and len(counts) <= 12 and len(counts) <= max(2, 0.5 * len(texts)):
        options = [Option(id=_option_id(first_form[k], i), en=first_form[k], ro=first_form[k])
                   for i, (k, _) in enumerate(counts.most_common())]
        ids = [o.id for o in options]
        if len(set(ids)) == len(ids):
            return Question(id=qid, type="single", text=text, options=options)
    return Question(id=qid, type="text", text=text)


def _option_id(label: str, index: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", fold_diacritics(label)).strip("_")[:30]
    return slug or f"option_{index + 1}"


def draft_codebook(path: str | Path, *, sheet: str | int | None = None) -> Codebook:
    """Draft a codebook from an export: question types, options and scales inferred.

    The draft is a starting point for the analyst to edit: add directions,
    mark reverse-keyed items, give Romanian labels.  Write it with
    :func:`survey_analysis.codebook.write_codebook`.
    """
    raw = read_raw(path, sheet=sheet)
    if not raw.rows:
        raise EmptyFileError("the file holds no rows", path=str(raw.path), sheet=raw.sheet,
                             hint="check that this is the responses export.")
    source = detect_source(raw.rows[0], raw.rows[1] if len(raw.rows) > 1 else None)
    header_rows, headers, field_ids, notes = _flatten_header(raw, source)
    headers = _dedupe_headers([h.strip() for h in headers], notes)
    field_ids = [f.strip() or h for f, h in zip(field_ids, headers)]
    body = [r for r in raw.rows[header_rows:] if any(v is not None and str(v).strip() for v in r)]
    cb = _draft_from_columns(headers, field_ids, body, source, str(raw.path))
    cb.title = f"Draft codebook for {Path(raw.path).name} ({source} export)"
    return cb
