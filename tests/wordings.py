"""Exports of the bundled questionnaire in other hands' wording, built from scratch for the tests.

A *wording file* (``tests/data/wordings/<author>/<variant>.yml``) gives one
survey tool's wording of every question, option and scale of the bundled
questionnaire (and, for KoboToolbox and LimeSurvey, the names and codes the
export shows instead of labels).  :func:`plant_answers` draws answers with a
known truth (three segments of members, a clear order of the directions by
support); :func:`build_export` writes those answers as the tool's export, in
its documented layout:

- Google Forms: one header row (``Timestamp`` or its localised name), grids as
  ``Title [Row]``, checkboxes joined by ``", "``, a ranking as a grid whose cells
  hold the column label ("Locul 2");
- Microsoft Forms: ``ID, Start time, Completion time, Email, Name, Last modified
  time``, one column per Likert statement, multi-select and ranking ``;``-joined
  with a trailing ``;``;
- SurveyMonkey: two header rows, the question text only above its first column,
  ``Response`` / ``Open-Ended Response`` / the row or option label below;
- Qualtrics: three header rows (field ids ``Q7_1``, question text ``Grid - Row``,
  ``{"ImportId": ...}``), multi-select comma-joined, rank order columns;
- KoboToolbox: XLSForm names under group paths (``profile/member_type``), choice
  names as answers, select_multiple as one space-joined column plus one 1/0
  column per choice, the ranking as space-joined choice names;
- LimeSurvey (codes): ``P3``, ``Q1[SQ001]``, rank slots ``Q3[1]``..``Q3[5]``,
  answer codes, ``Y`` in multiple-choice columns.

:func:`truth` gives what the answers hold: each direction's support (the mean
over members of each member's mean over the direction's items, reverse-keyed
items reversed), computed here with plain arithmetic on the planted values.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import yaml

from survey_analysis import read_codebook

ROOT = Path(__file__).resolve().parents[1]
WORDINGS = ROOT / "tests" / "data" / "wordings"
CODEBOOK = ROOT / "data" / "codebook.yml"

__all__ = ["WORDINGS", "Planted", "plant_answers", "read_wording", "build_export", "truth", "variant_files", "compare",
           "evidence_check", "kept_positions"]

# Segments of members: mean support of each direction, and the segment's share.
SEGMENTS = {
    "network": (0.40, {"SD1": 3.2, "SD2": 4.6, "SD3": 3.0, "SD4": 2.2, "SD5": 4.4}),
    "research": (0.35, {"SD1": 4.5, "SD2": 3.6, "SD3": 4.2, "SD4": 2.3, "SD5": 2.9}),
    "policy": (0.25, {"SD1": 3.4, "SD2": 3.4, "SD3": 2.6, "SD4": 4.6, "SD5": 3.0}),
}
CATEGORY = {"network": ["private_provider", "other", "medtech"], "research": ["university", "medtech"],
            "policy": ["public_provider", "other"]}
PROPOSALS = {
    "SD1": ["A joint research project on AI for reading mammograms", "Shared access to the PET-CT of the university"],
    "SD2": ["Bring more private clinics into the cluster", "Regular meetings between members to find partners"],
    "SD3": ["Training courses in cardiac MRI for radiographers", "Exchange visits to imaging centres abroad"],
    "SD4": ["A position paper for the ministry on reimbursement", "Lobby for a national screening programme"],
    "SD5": ["A common stand at the MEDICA fair", "A better website and newsletter for the cluster"],
}


_OPENINGS = ["", "We suggest ", "I would propose ", "Perhaps ", "The cluster could consider "]
_CLOSINGS = ["", " in 2019", " with two partner hospitals", " together with the university", " as soon as possible"]


def _proposal(rng: np.random.Generator, direction: str) -> str:
    """A free-text proposal about ``direction``, worded a little differently each time."""
    text = PROPOSALS[direction][int(rng.integers(2))]
    opening = _OPENINGS[int(rng.integers(len(_OPENINGS)))]
    closing = _CLOSINGS[int(rng.integers(len(_CLOSINGS)))]
    return (opening + text[0].lower() + text[1:] if opening else text) + closing + "."


@dataclass
class Planted:
    """Answers drawn for the bundled questionnaire: one dict per respondent (question id -> value).

    Values are codes, not labels: a level 1..5 for Likert items, an option id
    for single choice, a list of option ids for multi-select, option id ->
    rank for the ranking, a number, a text.  ``segment`` gives each
    respondent's planted segment.
    """

    answers: list[dict]
    segment: list[str]


def plant_answers(n: int = 120, *, seed: int = 20190114, missing: float = 0.02) -> Planted:
    """Draw ``n`` respondents' answers with three planted segments (seeded, deterministic)."""
    cb = read_codebook(CODEBOOK)
    rng = np.random.default_rng(seed)
    names = list(SEGMENTS)
    shares = np.array([SEGMENTS[s][0] for s in names])
    counts = np.floor(shares * n).astype(int)
    counts[0] += n - counts.sum()
    segments = [s for s, c in zip(names, counts) for _ in range(c)]
    rng.shuffle(segments)
    likert = cb.likert_items()
    offset = {item: float(rng.normal(0, 0.15)) for item in likert}
    answers = []
    for i, segment in enumerate(segments):
        means = SEGMENTS[segment][1]
        latent = {d: means[d] + rng.normal(0, 0.3) for d in cb.directions}
        row: dict = {
            "A1": f"Member organisation {i + 1:03d}",
            "A2": f"contact{i + 1}@member{i + 1:03d}.ro",
            "A3": str(rng.choice(CATEGORY[segment])),
            "A4": str(rng.choice(["micro", "small", "medium", "large"])),
            "A5": str(rng.choice(["north_east", "bucharest", "north_west", "other"], p=[0.45, 0.25, 0.2, 0.1])),
            "A6": int(min(10, rng.poisson(3))),
        }
        for item in likert:
            q = cb.questions[item]
            if rng.random() < missing:
                row[item] = None
                continue
            value = int(np.clip(np.rint(latent[q.direction] + offset[item] + rng.normal(0, 0.55)), 1, 5))
            row[item] = 6 - value if q.reverse else value
        ranked = sorted(cb.directions, key=lambda d: -(latent[d] + rng.normal(0, 0.25)))
        row["D"] = {d: r for r, d in enumerate(ranked, start=1)}
        row["E"] = [o.id for o in cb.questions["E"].options if rng.random() < 0.4] or ["ehealth"]
        row["F"] = [o for o in ("workshops", "training", "funding", "international") if rng.random() < 0.4] or ["none"]
        top = max(latent, key=latent.get)
        row["G1"] = _proposal(rng, top) if rng.random() < 0.7 else None
        row["G2"] = _proposal(rng, str(rng.choice(list(cb.directions)))) if rng.random() < 0.4 else None
        row["H"] = "yes" if rng.random() < 0.95 else "no"
        answers.append(row)
    return Planted(answers=answers, segment=segments)


def truth(planted: Planted) -> dict[str, float]:
    """Each direction's support as the answers hold it, by plain arithmetic.

    A member's direction score is the mean of the direction's items they
    answered (reverse-keyed items as 6 - x), when they answered at least half
    of them; support is the mean of those scores over the members.
    """
    cb = read_codebook(CODEBOOK)
    out = {}
    for code, items in cb.items_by_direction().items():
        scores = []
        for row in planted.answers:
            values = [(6 - row[i]) if cb.questions[i].reverse else row[i] for i in items if row[i] is not None]
            if 2 * len(values) >= len(items):
                scores.append(sum(values) / len(values))
        out[code] = sum(scores) / len(scores)
    return out


def read_wording(path: Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def variant_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.yml"))


# ---- the wording's labels ---------------------------------------------------------------------

class _Words:
    def __init__(self, wording: dict):
        self.w = wording
        self.cb = read_codebook(CODEBOOK)

    def text(self, qid: str) -> str:
        return str(self.w["questions"][qid]["text"])

    def grid(self, qid: str) -> str:
        return str(self.w.get("grids", {}).get(qid[0], ""))

    def option(self, qid: str, oid: str) -> str:
        return str(self.w["questions"][qid]["options"][oid])

    def family(self, qid: str) -> str:
        return "importance" if self.cb.questions[qid].scale.startswith("importance") else "agreement"

    def scale_key(self, table: dict, qid: str):
        """The key of ``table`` (scales, choices or answer codes) naming this item's scale ("importance",
        "importance5", "agreement_scale", ...)."""
        family = self.family(qid)
        stem = family[:6]
        return next((k for k in table if str(k) == family), None) or \
            next((k for k in table if stem in str(k).lower()), family)

    def level(self, qid: str, value: int) -> str:
        return str(self.w["scales"][self.scale_key(self.w["scales"], qid)][value - 1])

    def rank_label(self, rank: int) -> str:
        labels = (self.w.get("ranking") or {}).get("rank_labels") or []
        return str(labels[rank - 1]) if len(labels) >= rank else str(rank)

    def ranking_form(self, default: str) -> str:
        return str((self.w.get("ranking") or {}).get("form") or default)

    def label(self, qid: str, value) -> str | None:
        """The answer as this tool's respondent would see it written (labels)."""
        q = self.cb.questions[qid]
        if value is None:
            return None
        if q.type == "likert":
            return self.level(qid, value)
        if q.type == "single":
            return self.option(qid, value)
        return value


def _order(cb) -> list[str]:
    return list(cb.questions)


def _rank_cells(words: _Words, qid: str, ranks: dict, form: str) -> dict[str, object]:
    """Per-option rank cells: the rank number, or the rank's label ("Locul 2")."""
    if form in ("grid_columns", "option_columns_rank_label"):
        return {o: words.rank_label(r) for o, r in ranks.items()}
    return {o: r for o, r in ranks.items()}


def _ranked(ranks: dict) -> list[str]:
    return sorted(ranks, key=ranks.get)


def _when(i: int) -> dt.datetime:
    return dt.datetime(2019, 1, 14, 9, 0) + dt.timedelta(minutes=41 * i)


# ---- the tools' layouts ----------------------------------------------------------------------

def _google_forms(words: _Words, planted: Planted) -> tuple[list[list], str]:
    cb = words.cb
    ro = words.w.get("language") == "ro"
    header = ["Marcaj de timp" if ro else "Timestamp"]
    makers = []
    form = words.ranking_form("grid_columns")
    for qid in _order(cb):
        q = cb.questions[qid]
        if q.type == "ranking":
            for o in q.options:
                header.append(f"{words.text(qid)} [{words.option(qid, o.id)}]")
                makers.append(lambda a, qid=qid, o=o.id: _rank_cells(words, qid, a[qid], form).get(o))
        elif q.type == "likert":
            header.append(f"{words.grid(qid)} [{words.text(qid)}]")
            makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
        elif q.type == "multi":
            header.append(words.text(qid))
            makers.append(lambda a, qid=qid: ", ".join(words.option(qid, o) for o in a[qid]) or None)
        else:
            header.append(words.text(qid))
            makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
    rows = [header]
    for i, answer in enumerate(planted.answers):
        rows.append([_when(i)] + [make(answer) for make in makers])
    return rows, "Răspunsuri formular 1" if ro else "Form Responses 1"


def _microsoft_forms(words: _Words, planted: Planted) -> tuple[list[list], str]:
    cb = words.cb
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    makers = []
    for qid in _order(cb):
        q = cb.questions[qid]
        header.append(words.text(qid))
        if q.type == "ranking":
            makers.append(lambda a, qid=qid: "".join(words.option(qid, o) + ";" for o in _ranked(a[qid])) or None)
        elif q.type == "multi":
            makers.append(lambda a, qid=qid: "".join(words.option(qid, o) + ";" for o in a[qid]) or None)
        else:
            makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
    rows = [header]
    for i, answer in enumerate(planted.answers):
        start = _when(i)
        rows.append([i + 1, start, start + dt.timedelta(minutes=9), "anonymous", None, start + dt.timedelta(minutes=9)]
                    + [make(answer) for make in makers])
    return rows, "Sheet1"


def _surveymonkey(words: _Words, planted: Planted) -> list[list]:
    cb = words.cb
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
           "Last Name", "Custom Data 1"]
    sub = [""] * len(top)
    makers = []
    last_grid = None
    for qid in _order(cb):
        q = cb.questions[qid]
        if q.type == "likert":
            grid = words.grid(qid)
            top.append(grid if grid != last_grid else "")
            last_grid = grid
            sub.append(words.text(qid))
            makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
            continue
        last_grid = None
        if q.type in ("ranking", "multi"):
            for k, o in enumerate(q.options):
                top.append(words.text(qid) if k == 0 else "")
                sub.append(words.option(qid, o.id))
                if q.type == "ranking":
                    makers.append(lambda a, qid=qid, o=o.id: a[qid].get(o))
                else:
                    makers.append(lambda a, qid=qid, o=o.id: words.option(qid, o) if o in a[qid] else None)
            continue
        top.append(words.text(qid))
        sub.append("Open-Ended Response" if q.type in ("text", "identifier", "numeric") else "Response")
        makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
    rows = [top, sub]
    for i, answer in enumerate(planted.answers):
        start = _when(i)
        rows.append([10_234_567_000 + i, 401_234_567, start.strftime("%m/%d/%Y %I:%M:%S %p"),
                     (start + dt.timedelta(minutes=8)).strftime("%m/%d/%Y %I:%M:%S %p"), f"10.0.0.{i % 250}",
                     "", "", "", ""] + [make(answer) for make in makers])
    return rows


_QUALTRICS_META = [
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"), ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"), ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"), ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"), ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
]


def _qualtrics(words: _Words, planted: Planted) -> list[list]:
    cb = words.cb
    ids = [m[0] for m in _QUALTRICS_META]
    texts = [m[1] for m in _QUALTRICS_META]
    imports = [json.dumps({"ImportId": m[2]}) for m in _QUALTRICS_META]
    makers = []
    number = 0
    grids: dict[str, int] = {}
    for qid in _order(cb):
        q = cb.questions[qid]
        if q.type == "likert":
            block = qid[0]
            if block not in grids:
                number += 1
                grids[block] = number
            row = int(qid[1:])
            ids.append(f"Q{grids[block]}_{row}")
            texts.append(f"{words.grid(qid)} - {words.text(qid)}")
            imports.append(json.dumps({"ImportId": f"QID{grids[block]}_{row}"}))
            makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
            continue
        number += 1
        if q.type == "ranking":
            for k, o in enumerate(q.options, start=1):
                ids.append(f"Q{number}_{k}")
                texts.append(f"{words.text(qid)} - {words.option(qid, o.id)}")
                imports.append(json.dumps({"ImportId": f"QID{number}_{k}"}))
                makers.append(lambda a, qid=qid, o=o.id: a[qid].get(o))
            continue
        ids.append(f"Q{number}")
        suffix = " - Selected Choice" if q.type in ("multi", "single") else ""
        texts.append(words.text(qid) + suffix)
        imports.append(json.dumps({"ImportId": f"QID{number}"}))
        if q.type == "multi":
            makers.append(lambda a, qid=qid: ",".join(words.option(qid, o) for o in a[qid]) or None)
        else:
            makers.append(lambda a, qid=qid: words.label(qid, a[qid]))
    rows = [ids, texts, imports]
    for i, answer in enumerate(planted.answers):
        start = _when(i)
        meta = [start.strftime("%Y-%m-%d %H:%M:%S"), (start + dt.timedelta(minutes=7)).strftime("%Y-%m-%d %H:%M:%S"),
                "IP Address", f"10.1.0.{i % 250}", "100", "420", "True",
                (start + dt.timedelta(minutes=7)).strftime("%Y-%m-%d %H:%M:%S"), f"R_{i:04d}abcdEFGH", "", "", "", "",
                "45.75", "21.22", "anonymous", "EN"]
        rows.append(meta + [make(answer) for make in makers])
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _kobo(words: _Words, planted: Planted) -> tuple[list[list], str]:
    cb = words.cb
    codes = words.w.get("codes") or {}
    groups = codes.get("groups") or {}
    names = codes.get("questions") or {}
    choices = codes.get("choices") or {}

    def path(qid: str) -> str:
        name = names.get(qid) or _slug(words.text(qid))
        group = groups.get(qid[0])
        return f"{group}/{name}" if group else name

    def choice(qid: str, value) -> str:
        q = cb.questions[qid]
        if q.type == "likert":
            names_of = choices.get(words.scale_key(choices, qid)) or \
                [_slug(s) for s in words.w["scales"][words.scale_key(words.w["scales"], qid)]]
            return str(names_of[value - 1])
        table = choices.get(qid) or {}
        return str(table.get(value) or _slug(words.option(qid, value)))

    header = ["start", "end", "today"]
    makers = []
    for qid in _order(cb):
        q = cb.questions[qid]
        header.append(path(qid))
        if q.type in ("ranking",):
            makers.append(lambda a, qid=qid: " ".join(choice(qid, o) for o in _ranked(a[qid])))
        elif q.type == "multi":
            makers.append(lambda a, qid=qid: " ".join(choice(qid, o) for o in a[qid]))
            for o in q.options:
                header.append(f"{path(qid)}/{choice(qid, o.id)}")
                makers.append(lambda a, qid=qid, o=o.id: 1 if o in a[qid] else 0)
        elif q.type in ("likert", "single"):
            makers.append(lambda a, qid=qid: None if a[qid] is None else choice(qid, a[qid]))
        else:
            makers.append(lambda a, qid=qid: a[qid])
    tail = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
            "__version__", "_tags", "_index"]
    rows = [header + tail]
    for i, answer in enumerate(planted.answers):
        start = _when(i)
        rows.append([start.isoformat(), (start + dt.timedelta(minutes=6)).isoformat(), start.date().isoformat()]
                    + [make(answer) for make in makers]
                    + [300_000 + i, f"6a1c0c9e-0000-4000-8000-{i:012d}", (start + dt.timedelta(minutes=6)).isoformat(),
                       None, None, "submitted_via_web", None, "vXyZ12345", None, i + 1])
    return rows, "member_questionnaire"


def _limesurvey(words: _Words, planted: Planted) -> list[list]:
    cb = words.cb
    codes = words.w.get("codes") or {}
    questions = codes.get("questions") or {}
    subs = codes.get("subquestions") or {}
    answer_codes = codes.get("answers") or {}

    def code(qid: str) -> str:
        return str(questions.get(qid) or questions.get(qid[0]) or qid)

    def answer(qid: str, value) -> str:
        q = cb.questions[qid]
        if q.type == "likert":
            table = answer_codes.get(words.scale_key(answer_codes, qid)) or [f"A{k}" for k in range(1, 6)]
            return str(table[value - 1])
        table = answer_codes.get(qid) or {o.id: f"A{k}" for k, o in enumerate(q.options, start=1)}
        return str(table[value]) if isinstance(table, dict) else str(table)

    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
    makers = []
    for qid in _order(cb):
        q = cb.questions[qid]
        if q.type == "likert":
            sub = subs.get(qid) or f"SQ{int(qid[1:]):03d}"
            header.append(f"{code(qid)}[{sub}]")
            makers.append(lambda a, qid=qid: None if a[qid] is None else answer(qid, a[qid]))
        elif q.type == "ranking":
            for slot in range(1, len(q.options) + 1):
                header.append(f"{code(qid)}[{slot}]")
                makers.append(lambda a, qid=qid, slot=slot: answer(qid, _ranked(a[qid])[slot - 1]))
        elif q.type == "multi":
            table = subs.get(qid) or {o.id: f"SQ{k:03d}" for k, o in enumerate(q.options, start=1)}
            ticked = answer_codes.get(qid) or "Y"
            for o in q.options:
                header.append(f"{code(qid)}[{table[o.id]}]")
                makers.append(lambda a, qid=qid, o=o.id: ticked if o in a[qid] else None)
        elif q.type == "single":
            header.append(code(qid))
            makers.append(lambda a, qid=qid: answer(qid, a[qid]))
        else:
            header.append(code(qid))
            makers.append(lambda a, qid=qid: a[qid])
    rows = [header]
    for i, answer_row in enumerate(planted.answers):
        start = _when(i)
        rows.append([i + 1, (start + dt.timedelta(minutes=9)).strftime("%Y-%m-%d %H:%M:%S"), 6, "en",
                     1_000_000 + i * 7, start.strftime("%Y-%m-%d %H:%M:%S"),
                     (start + dt.timedelta(minutes=9)).strftime("%Y-%m-%d %H:%M:%S")]
                    + [make(answer_row) for make in makers])
    return rows


def _write_xlsx(path: Path, sheet: str, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def _write_csv(path: Path, rows: list[list], *, bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def build_export(wording: dict | Path, planted: Planted, folder: Path) -> Path:
    """Write ``planted`` as the export of the wording's tool; returns the file written."""
    if not isinstance(wording, dict):
        wording = read_wording(wording)
    words = _Words(wording)
    tool = wording["tool"]
    name = str(wording.get("variant") or tool)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if tool == "google_forms":
        rows, sheet = _google_forms(words, planted)
        return _write_xlsx(folder / f"{name}.xlsx", sheet, rows)
    if tool == "microsoft_forms":
        rows, sheet = _microsoft_forms(words, planted)
        return _write_xlsx(folder / f"{name}.xlsx", sheet, rows)
    if tool == "surveymonkey":
        return _write_csv(folder / f"{name}.csv", _surveymonkey(words, planted))
    if tool == "qualtrics":
        return _write_csv(folder / f"{name}.csv", _qualtrics(words, planted))
    if tool == "kobo":
        rows, sheet = _kobo(words, planted)
        return _write_xlsx(folder / f"{name}.xlsx", sheet, rows)
    if tool == "limesurvey":
        return _write_csv(folder / f"{name}.csv", _limesurvey(words, planted), bom=True)
    raise ValueError(f"no export layout for tool {tool!r}")


# ---- what the workbench made of an export, against what was planted ---------------------------

def kept_positions(survey, n: int) -> list[int]:
    """The planted respondents (0-based) that the loaded survey kept, in its row order."""
    header_rows = survey.report.header_rows
    dropped = {d["row"] - header_rows - 1 for d in survey.report.dropped}
    return [i for i in range(n) if i not in dropped]


def _loaded_value(survey, q, row: int):
    responses, cb = survey.responses, survey.codebook
    rid = responses.index[row]
    if q.type == "identifier":
        frame = survey.identifiers
        return None if q.id not in frame else (None if frame.isna().loc[rid, q.id] else str(frame.loc[rid, q.id]))
    if q.type in ("multi", "ranking"):
        columns = [f"{q.id}[{o.id}]" for o in q.options]
        if not any(c in responses for c in columns):
            return None
        values = {o.id: responses.loc[rid, f"{q.id}[{o.id}]"] for o in q.options if f"{q.id}[{o.id}]" in responses}
        if q.type == "multi":
            return sorted(o for o, v in values.items() if v is not pd_NA and v == v and bool(v))
        return {o: int(v) for o, v in values.items() if v is not None and v is not pd_NA and v == v}
    if q.id not in responses:
        return None
    value = responses.loc[rid, q.id]
    if value is None or value is pd_NA or value != value:
        return None
    if q.type == "likert":
        return next(lv.value for lv in cb.scales[q.scale] if lv.en == value)
    if q.type == "single":
        return next(o.id for o in q.options if o.en == value)
    if q.type == "numeric":
        return int(value)
    return str(value)


try:
    from pandas import NA as pd_NA
except ImportError:  # pragma: no cover
    pd_NA = None


def compare(survey, planted: Planted) -> dict:
    """How many questions were matched correctly and how many planted answers came out as planted.

    A question counts as matched when a column of the export was placed on it
    and at least 95% of its planted answers come out equal; as wrongly matched
    when more than 5% of its answers come out as another value than planted
    (answers left uncoded are missing, not wrong).  ``coded`` is the share of
    all planted answers (every question, every kept respondent) that came out
    equal.
    """
    cb = survey.codebook
    kept = kept_positions(survey, len(planted.answers))
    matched = wrong = 0
    equal = total = 0
    per_question = {}
    questionnaire = set(planted.answers[0]) if planted.answers else set()
    for q in cb.questions.values():
        if q.id not in questionnaire:
            continue  # a question an aligned codebook drafted for a column it could not place
        present = (q.id in survey.columns) or (q.type == "identifier" and q.id in survey.identifiers)
        good = given = differ = 0
        for row, i in enumerate(kept):
            planted_value = planted.answers[i][q.id]
            if planted_value is None or planted_value == [] or planted_value == {}:
                continue
            given += 1
            if not present:
                continue
            loaded = _loaded_value(survey, q, row)
            if q.type == "multi":
                planted_value = sorted(planted_value)
            if loaded == planted_value:
                good += 1
            elif loaded not in (None, [], {}):
                differ += 1
        equal += good
        total += given
        share = good / given if given else 1.0
        per_question[q.id] = round(share, 3)
        if present and share >= 0.95:
            matched += 1
        elif present and given and differ / given > 0.05:
            wrong += 1
    return {"matched": matched, "wrongly_matched": wrong, "coded": equal / total if total else 0.0,
            "per_question": per_question, "kept": len(kept)}


def evidence_check(table, planted: Planted) -> dict:
    """The direction order and the largest support error of an evidence table against the truth."""
    expected = truth(planted)
    support = {str(d): float(v) for d, v in table["support"].items()}
    order = sorted(support, key=lambda d: -support[d])
    planted_order = sorted(expected, key=lambda d: -expected[d])
    errors = [abs(support[d] - expected[d]) for d in expected if d in support]
    missing = [d for d in expected if d not in support]
    return {"order": order, "planted_order": planted_order, "order_equal": order == planted_order and not missing,
            "max_error": max(errors) if errors and not missing else float("inf")}
