"""Drafting a codebook from an export, as a starting point for the analyst.

Each column that is not the tool's own becomes a question whose type is
inferred from its answers: identifying, date, number, a Likert item on a
known scale (in English or Romanian) or a numbered scale, multi-select,
single choice, or free text.  The rows of one grid share one scale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

from ..codebook import Codebook, Level, Option, Question, fold_diacritics, normalise_text
from ..errors import EmptyFileError, HeaderProblemError
from ..readers import read_raw
from .coding import MISSING_ANSWERS, NUMBER_PREFIX, as_number, cell_text, label_lookup, lookup_label
from .plan import BRACKET
from .privacy import EMAIL, IDENTIFYING_HEADER
from .tools import TOOL_METADATA, is_tool_extra, read_header_layout


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



_SCALE_LOOKUPS: dict[str, dict] = {}
_LEADING_ZERO = re.compile(r"0\d+")


def _scale_lookup(name: str) -> dict:
    """The label look-up of a known scale, built once."""
    if name not in _SCALE_LOOKUPS:
        levels = KNOWN_SCALES[name]
        _SCALE_LOOKUPS[name] = label_lookup((k, (en, ro)) for k, (en, ro) in enumerate(levels, start=1))
    return _SCALE_LOOKUPS[name]


def draft_from_columns(headers: list[str], field_ids: list[str], body: list[list], source: str,
                        path: str) -> Codebook:
    meta = TOOL_METADATA.get(source, set())
    questions: dict[str, Question] = {}
    scales: dict[str, list[Level]] = {}
    used_ids: set[str] = set()
    grid_values: dict[str | None, list] = {}
    columns = list(zip(*body)) if body else [() for _ in headers]
    for i, (header, fid) in enumerate(zip(headers, field_ids)):
        norm = normalise_text(header)
        if norm in meta or normalise_text(fid) in meta or is_tool_extra(norm, source):
            continue
        # The column's distinct answers with their counts (blank cells left out).
        values = Counter(columns[i])
        for v in [v for v in values if v is None or (v.__class__ is str and not v.strip())]:
            del values[v]
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
        labels = {normalise_text(cell_text(v)) for qid, values in members if qid in likert for v in values}
        labels -= MISSING_ANSWERS
        for name, levels in KNOWN_SCALES.items():
            lookup = _scale_lookup(name)
            if all(lookup_label(lookup, t) is not None for t in labels):
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
    m = BRACKET.match(header or "")
    return normalise_text(m.group("stem")) if m else None


def _draft_id(text: str, index: int, used: set[str]) -> str:
    candidate = text.strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{0,30}(\[[A-Za-z0-9_]+\])?", candidate) and candidate not in used:
        return candidate
    base = f"Q{index + 1}"
    return base if base not in used else f"Q{index + 1}_{len(used)}"


def _infer_question(qid: str, header: str, values: Counter, scales: dict[str, list[Level]]) -> Question:
    """The question a column holds, inferred from its distinct answers and their counts.

    Working on the distinct answers keeps drafting linear in the number of
    columns: wide exports repeat a few answers many times.
    """
    text = {"en": header, "ro": header}
    counts_of = values
    text_of = {v: cell_text(v).strip() for v in counts_of}
    n_values = sum(counts_of.values())
    if IDENTIFYING_HEADER.search(normalise_text(header)) or (
            values and sum(c for v, c in counts_of.items() if EMAIL.match(text_of[v])) > 0.5 * n_values):
        return Question(id=qid, type="identifier", text=text, identifying=True)
    if not values:
        return Question(id=qid, type="text", text=text)
    texts = list(dict.fromkeys(text_of.values()))
    # Placeholders such as "N/A" are short: longer answers need no normalising to be told apart.
    norm_of = {t: normalise_text(t) for t in texts if len(t) <= 16}
    answered = [v for v in counts_of if norm_of.get(text_of[v]) not in MISSING_ANSWERS]
    if not answered:
        return Question(id=qid, type="text", text=text)
    if all(isinstance(v, (dt.datetime, dt.date)) for v in counts_of):
        return Question(id=qid, type="date", text=text)
    if all(as_number(v) is not None for v in answered) and not any(
            isinstance(v, str) and _LEADING_ZERO.fullmatch(v.strip()) for v in counts_of):
        return Question(id=qid, type="numeric", text=text)
    # Scales and single choices have a few distinct answers; free text has many, and is not
    # compared against every known scale.
    few = len(answered) <= 60 or len({t.casefold() for t in texts}) <= 60
    if few:
        norm_of.update((t, normalise_text(t)) for t in texts if t not in norm_of)
    distinct = {norm_of[text_of[v]] for v in answered} if few else set()
    # A known scale, in either language.
    for name, levels in KNOWN_SCALES.items():
        lookup = _scale_lookup(name)
        if few and all(lookup_label(lookup, t) is not None for t in distinct):
            scales.setdefault(name, [Level(k, en, ro or en) for k, (en, ro) in enumerate(levels, start=1)])
            return Question(id=qid, type="likert", text=text, scale=name)
    # Numbered labels such as "4. Slightly disagree" make their own scale.
    numbered = {}
    for t in texts if few else ():
        m = NUMBER_PREFIX.match(t)
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
        joined = sum(c for v, c in counts_of.items() if delimiter in text_of[v])
        if joined >= max(2, 0.1 * n_values):
            parts: Counter = Counter()
            for v, c in counts_of.items():
                for p in text_of[v].split(delimiter):
                    if p.strip():
                        parts[p.strip()] += c
            repeated = sum(c for c in parts.values() if c >= 2)
            if len(parts) <= 40 and repeated >= 0.8 * sum(parts.values()):
                options = [Option(id=_option_id(p, k), en=p, ro=p) for k, (p, _) in enumerate(parts.most_common())]
                return Question(id=qid, type="multi", text=text, options=options)
    # Single choice: few distinct answers once case, spacing and ş/ș forms are ignored.
    counts: Counter = Counter()
    first_form: dict[str, str] = {}
    for v, c in counts_of.items() if few else ():
        key = norm_of[text_of[v]]
        if key in MISSING_ANSWERS:
            continue
        counts[key] += c
        first_form.setdefault(key, text_of[v])
    if counts and len(counts) <= 12 and len(counts) <= max(2, 0.5 * n_values):
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
    layout = read_header_layout(raw)
    body = [r for r in raw.rows[layout.header_rows:] if any(v is not None and str(v).strip() for v in r)]
    cb = draft_from_columns(layout.headers, layout.field_ids, body, layout.source, str(raw.path))
    cb.title = f"Draft codebook for {Path(raw.path).name} ({layout.source} export)"
    return cb
