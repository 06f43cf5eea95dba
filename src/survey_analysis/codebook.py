"""The codebook: what each column of an export means.

A codebook is a YAML file (see ``data/codebook.yml``) that names every question
of the questionnaire with a stable id, its type, its answer scale or options in
English and Romanian, the strategic direction (SD1-SD5) it measures, whether it
is reverse-keyed and whether it identifies a person.  This module reads and
validates it, and matches export headers onto its questions by id or by
normalised text.

Text normalisation lives here too, because every later stage compares labels the
same way: case, spacing, non-breaking spaces, HTML line breaks and the two
Unicode forms of the Romanian letters (ș/ş, ț/ţ) do not matter.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import CodebookError, FileProblemError

__all__ = [
    "QUESTION_TYPES",
    "QUESTION_ROLES",
    "HeaderMatcher",
    "Level",
    "Option",
    "Question",
    "Direction",
    "Codebook",
    "read_codebook",
    "normalise_text",
    "fold_diacritics",
    "id_key",
    "DEFAULT_CODEBOOK",
    "project_file",
]

#: The question types the workbench understands.
QUESTION_TYPES = (
    "single",
    "multi",
    "likert",
    "ranking",
    "numeric",
    "date",
    "text",
    "identifier",
)

#: The roles a question may play, so that analyses find it without knowing its id:
#: who the member is (``organisation``, ``member_category``, ``size``, ``region``) and
#: the questions the project portfolio reads (``eu_priorities``: the EU-presidency
#: health priorities to align with; ``participation``: the activities a member will
#: join; ``project_ideas``: collaborative project ideas; ``other_proposals``: what
#: else the agenda should include).
QUESTION_ROLES = (
    "organisation",
    "member_category",
    "size",
    "region",
    "eu_priorities",
    "participation",
    "project_ideas",
    "other_proposals",
)


def project_file(*parts: str) -> Path:
    """A file the project ships beside the package (``data/...``, ``notebooks/...``).

    In a checkout (the editable install that ``make`` sets up) that is the
    checkout's own folder; in a regular install the same files are installed
    under ``<prefix>/share/survey-analysis/``.  The checkout wins when both exist.
    """
    import sys

    checkout = Path(__file__).resolve().parents[2].joinpath(*parts)
    if checkout.exists():
        return checkout
    installed = Path(sys.prefix, "share", "survey-analysis").joinpath(*parts)
    return installed if installed.exists() else checkout


#: The codebook of the bundled questionnaire (``data/codebook.yml`` of the project).
DEFAULT_CODEBOOK = project_file("data", "codebook.yml")

_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})
_TAGS = re.compile(r"<[^>]{0,200}>")
_SPACES = re.compile(r"\s+")


def normalise_text(text: Any) -> str:
    """Fold a label or header to the form used for matching.

    Lower case, HTML tags and entities removed, every kind of whitespace
    (non-breaking spaces, newlines) collapsed to one space, Unicode NFC, and the
    legacy cedilla letters ş/ţ written as the comma-below letters ș/ț.
    """
    if text is None:
        return ""
    if text.__class__ is str and text.isascii() and "<" not in text and "&" not in text:
        # Plain ASCII (most headers and answers): no entity, tag, NFC or ș/ş form to fold.
        return " ".join(text.split()).casefold()
    value = html.unescape(str(text))
    value = _TAGS.sub(" ", value)
    value = unicodedata.normalize("NFC", value).translate(_CEDILLA_TO_COMMA)
    value = _SPACES.sub(" ", value.replace("\u00a0", " ")).strip()
    return value.casefold()


def fold_diacritics(text: Any) -> str:
    """:func:`normalise_text` with all diacritics removed (ș -> s, ă -> a).

    Used as a second, looser match for answers typed without diacritics.
    """
    value = normalise_text(text)
    if value.isascii():
        return value  # nothing to fold
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Level:
    """One point of an ordered answer scale.

    ``aliases`` are other wordings of the same level in some export (another
    tool's default wording, an XLSForm name, an answer code), coded as this level.
    """

    value: int
    en: str
    ro: str
    aliases: tuple[str, ...] = ()

    def labels(self) -> tuple[str, ...]:
        """Every label this level is written as: English, Romanian, aliases."""
        return (self.en, self.ro, *self.aliases)


@dataclass(frozen=True)
class Option:
    """One answer option of a single, multi or ranking question.

    ``aliases`` are other labels of the same option in some export (another
    wording, an XLSForm choice name, an answer code); they also name the option
    in per-option column headers.
    """

    id: str
    en: str
    ro: str
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.en

    def labels(self) -> tuple[str, ...]:
        """Every label this option is written as: English, Romanian, its id, aliases."""
        return (self.en, self.ro, self.id, *self.aliases)


@dataclass
class Question:
    """One question of the questionnaire, as the codebook describes it."""

    id: str
    type: str
    text: dict[str, str]
    options: list[Option] = field(default_factory=list)
    scale: str | None = None
    direction: str | None = None
    reverse: bool = False
    identifying: bool = False
    role: str | None = None
    ordered: bool = False
    grid: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    missing: list[str] = field(default_factory=list)  # answers that mean "no answer" here (e.g. 99, -99)

    def header_forms(self) -> list[str]:
        """Every header text this question may appear under, normalised."""
        forms = [self.id]
        for lang, text in self.text.items():
            forms.append(text)
            grid = self.grid.get(lang)
            if grid:
                forms.append(f"{grid} [{text}]")
                forms.append(f"{grid} - {text}")
                forms.append(f"{grid}.{text}")
        forms.extend(self.aliases)
        seen: list[str] = []
        for form in forms:
            norm = normalise_text(form)
            if norm and norm not in seen:
                seen.append(norm)
        return seen


@dataclass(frozen=True)
class Direction:
    """One strategic direction (SD1-SD5) of the agenda."""

    code: str
    name: dict[str, str]
    description: dict[str, str]
    keywords: dict[str, list[str]]

    def label(self, lang: str = "en") -> str:
        return f"{self.code} {self.name.get(lang) or self.name.get('en', '')}".strip()


@dataclass
class Codebook:
    """A parsed, validated codebook.

    Attributes
    ----------
    title : str
        The survey's name (in English when the codebook names it in several languages).
    scales : dict[str, list[Level]]
        Ordered answer scales by name.
    directions : dict[str, Direction]
        The strategic directions by code, in agenda order.
    questions : dict[str, Question]
        The questions by id, in questionnaire order.
    path : Path or None
        Where the codebook was read from.
    """

    title: str
    scales: dict[str, list[Level]]
    directions: dict[str, Direction]
    questions: dict[str, Question]
    path: Path | None = None
    #: The survey's name by language, when the codebook gives it as ``title: {en: ..., ro: ...}``.
    titles: dict[str, str] = field(default_factory=dict)

    def title_in(self, language: str) -> str:
        """The survey's name in ``language``, else in English, else as written."""
        return self.titles.get(language) or self.titles.get("en") or self.title

    # ---- lookups used by later stages -------------------------------------------------
    def items_by_direction(self, types: Iterable[str] = ("likert",)) -> dict[str, list[str]]:
        """Question ids of each direction, for the given question types."""
        wanted = set(types)
        out: dict[str, list[str]] = {code: [] for code in self.directions}
        for q in self.questions.values():
            if q.direction and q.type in wanted:
                out.setdefault(q.direction, []).append(q.id)
        return out

    @property
    def reverse_items(self) -> set[str]:
        return {q.id for q in self.questions.values() if q.reverse}

    def likert_items(self) -> list[str]:
        return [q.id for q in self.questions.values() if q.type == "likert"]

    def column_for_role(self, role: str) -> str | None:
        """The question id playing a role (``member_category``, ``size``, ``region``)."""
        for q in self.questions.values():
            if q.role == role:
                return q.id
        return None

    def question_with_role(self, role: str) -> Question | None:
        """The question playing ``role`` (one of :data:`QUESTION_ROLES`), or None."""
        if role not in QUESTION_ROLES:
            raise CodebookError(f"unknown question role {role!r}", value=role,
                                hint=f"use one of {', '.join(QUESTION_ROLES)}.")
        return next((q for q in self.questions.values() if q.role == role), None)

    def scale_of(self, question_id: str) -> list[Level]:
        q = self.questions[question_id]
        if q.scale is None:
            raise CodebookError(
                f"question {question_id} has no scale",
                path=self.path,
                hint="give the question a 'scale:' naming one of the codebook's scales.",
            )
        return self.scales[q.scale]

    def ranking_question(self) -> Question | None:
        for q in self.questions.values():
            if q.type == "ranking":
                return q
        return None

    def text_questions(self) -> list[str]:
        return [q.id for q in self.questions.values() if q.type == "text"]

    def to_dict(self) -> dict[str, Any]:
        """The codebook as plain data in the YAML layout (for writing a draft)."""
        questions = []
        for q in self.questions.values():
            entry: dict[str, Any] = {"id": q.id, "type": q.type, "text": dict(q.text)}
            if q.options:
                entry["options"] = [{"id": o.id, "en": o.en, "ro": o.ro, **({"aliases": list(o.aliases)}
                                                                             if o.aliases else {})}
                                    for o in q.options]
            for key in ("scale", "direction", "role"):
                if getattr(q, key):
                    entry[key] = getattr(q, key)
            if q.reverse:
                entry["reverse"] = True
            if q.identifying:
                entry["identifying"] = True
            if q.ordered:
                entry["ordered"] = True
            if q.grid:
                entry["grid"] = dict(q.grid)
            if q.aliases:
                entry["aliases"] = list(q.aliases)
            if q.minimum is not None:
                entry["min"] = q.minimum
            if q.maximum is not None:
                entry["max"] = q.maximum
            if q.missing:
                entry["missing"] = [_plain_number(m) for m in q.missing]
            questions.append(entry)
        return {
            "title": dict(self.titles) if self.titles else self.title,
            "languages": ["en", "ro"],
            "scales": {
                name: [{"value": lv.value, "en": lv.en, "ro": lv.ro,
                        **({"aliases": list(lv.aliases)} if lv.aliases else {})} for lv in levels]
                for name, levels in self.scales.items()
            },
            "directions": {
                code: {
                    "name": dict(d.name),
                    "description": dict(d.description),
                    "keywords": {k: list(v) for k, v in d.keywords.items()},
                }
                for code, d in self.directions.items()
            },
            "questions": questions,
        }

    # ---- header matching ----------------------------------------------------------------
    def matcher(self) -> "HeaderMatcher":
        """The header forms of every question, indexed for matching many headers.

        Built once and reused while the questions' ids, texts and aliases stay
        the same, so that matching the headers of an export costs time in
        proportion to its number of columns.
        """
        stamp = tuple((q.id, len(q.aliases), *q.text.values(), *q.grid.values()) for q in self.questions.values())
        cached = getattr(self, "_matcher", None)
        if cached is None or cached.stamp != stamp:
            cached = HeaderMatcher(self.questions.values(), stamp=stamp)
            self._matcher = cached
        return cached

    def match_header(self, header: str, *, fuzzy: float | None = 0.88) -> tuple[str | None, str]:
        """Find the question a header belongs to.

        Returns ``(question_id, how)`` where ``how`` is ``"id"``, ``"text"``,
        ``"fuzzy (0.93)"`` or ``""`` when nothing matched.  See
        :meth:`HeaderMatcher.match`; to match many headers, take
        :meth:`matcher` once and call its ``match``.
        """
        return self.matcher().match(header, fuzzy=fuzzy)


_ID_LIKE = re.compile(r"^[a-z]{1,3}[_.\-]?0*\d{1,3}$")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def id_key(text: Any) -> str:
    """A question id or code in the form ids are compared in.

    The last part of a group path (KoboToolbox ``importance/b01``), lower
    case, without ``_``, ``-`` or ``.`` separators and without leading zeros
    (``b01``, ``B_1`` and ``B1`` are the same id).
    """
    value = normalise_text(text).rsplit("/", 1)[-1]
    value = _LEADING_ZEROS.sub("", value)
    return re.sub(r"[_.\-\s]", "", value)


class HeaderMatcher:
    """Export headers matched onto the questions of a codebook.

    Exact matches (the id, a text, a grid row as the tools write it, an
    alias; normalised) are dictionary look-ups; ids written with zero padding
    or under a group path (``b01``, ``importance/b01``) match their question;
    similar wording (difflib ratio) is tried last, only on request, and only
    when one question is clearly the most similar.
    """

    #: A fuzzy match must beat the next question's ratio by this much.
    FUZZY_MARGIN = 0.03

    def __init__(self, questions: Iterable[Question], *, stamp: Any = None) -> None:
        self.stamp = stamp
        self.exact: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        for q in questions:
            self.ids.setdefault(id_key(q.id), q.id)
            for form in q.header_forms():
                self.exact.setdefault(form, q.id)
        self.folded: dict[str, str] = {}
        for form, qid in self.exact.items():
            self.folded.setdefault(fold_diacritics(form), qid)
        # Fuzzy candidates: forms long enough for a ratio to mean something.
        self.long_forms = [(form, qid) for form, qid in self.exact.items() if len(form) >= 8]

    def match(self, header: str, *, fuzzy: float | None = 0.88) -> tuple[str | None, str]:
        """``(question_id, how)``; ``how`` is ``"id"``, ``"text"``, ``"fuzzy (0.93)"`` or ``""``.

        Fuzzy matching (difflib ratio at least ``fuzzy``) lets wording that
        changed slightly between years still match; the load report says when a
        match was fuzzy.  ``fuzzy=None`` asks for exact (normalised) matches only.
        """
        norm = normalise_text(header)
        if not norm:
            return None, ""
        qid = self.exact.get(norm)
        if qid is not None:
            return qid, "id" if norm == normalise_text(qid) else "text"
        qid = self.folded.get(fold_diacritics(header))
        if qid is not None:
            return qid, "text"
        key = norm.rsplit("/", 1)[-1]
        if _ID_LIKE.match(key):
            qid = self.ids.get(id_key(key))
            if qid is not None:
                return qid, "id"
        if fuzzy is None:
            return None, ""
        ratios: dict[str, float] = {}
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(norm)
        floor = fuzzy - self.FUZZY_MARGIN
        for form, qid in self.long_forms:
            matcher.set_seq1(form)
            # The quick upper bounds skip most forms without the full comparison.
            if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
                continue
            ratio = matcher.ratio()
            if ratio > ratios.get(qid, 0.0):
                ratios[qid] = ratio
        ranked = sorted(ratios.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < fuzzy:
            return None, ""
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < self.FUZZY_MARGIN:
            # Two questions look alike (grid rows share their long title): guessing could swap them.
            return None, ""
        return ranked[0][0], f"fuzzy ({ranked[0][1]:.2f})"


# ---- reading ---------------------------------------------------------------------------

def _missing_text(value: Any) -> str:
    """A missing-answer code as text: 99, 99.0 and '99' are the same code."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _plain_number(text: str) -> Any:
    """A missing-answer code written back as a YAML number when it is one."""
    try:
        return int(text)
    except ValueError:
        return text


def _bilingual(value: Any, *, where: str, path: Path | None) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value, "ro": value}
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    raise CodebookError(
        f"{where} must be a text or a mapping of languages to texts, not {type(value).__name__}",
        path=path,
        value=value,
        hint="write it as 'text: {en: ..., ro: ...}'.",
    )


def _aliases(raw: Any, *, where: str, path: Path | None) -> tuple[str, ...]:
    """Other labels of a level, an option or a question: a list of texts."""
    if raw is None:
        return ()
    if isinstance(raw, (str, int, float)):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(a, (str, int, float)) and not isinstance(a, bool)
                                            for a in raw):
        raise CodebookError(f"{where}: 'aliases' must be a list of labels", path=path, value=raw,
                            hint="write 'aliases: [Other wording, another wording]'.")
    return tuple(str(a) for a in raw if str(a).strip())


def _check_distinct_labels(entries: list[tuple[str, tuple[str, ...]]], *, where: str, path: Path | None) -> None:
    """No label (in any language, or alias) may name two levels or two options."""
    owner: dict[str, str] = {}
    for name, labels in entries:
        for label in dict.fromkeys(normalise_text(lb) for lb in labels if lb):
            if not label:
                continue
            if label in owner and owner[label] != name:
                raise CodebookError(f"{where}: the label {label!r} names both {owner[label]!r} and {name!r}",
                                    path=path, value=label,
                                    hint="give every level or option distinct labels and aliases.")
            owner[label] = name


def _options(raw: Any, *, qid: str, path: Path | None) -> list[Option]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CodebookError(
            f"question {qid}: 'options' must be a list",
            path=path,
            value=raw,
            hint="list each option as '- {id: ..., en: ..., ro: ...}'.",
        )
    options = []
    for i, item in enumerate(raw, start=1):
        if isinstance(item, str):
            options.append(Option(id=item, en=item, ro=item))
            continue
        if not isinstance(item, dict) or "en" not in item:
            raise CodebookError(
                f"question {qid}: option {i} needs at least an English label 'en'",
                path=path,
                value=item,
                hint="write '- {id: short_id, en: English label, ro: Romanian label}'.",
            )
        en = str(item["en"])
        options.append(Option(id=str(item.get("id", en)), en=en, ro=str(item.get("ro", en)),
                              aliases=_aliases(item.get("aliases"), where=f"question {qid}, option {en!r}",
                                               path=path)))
    ids = [o.id for o in options]
    if len(set(ids)) != len(ids):
        raise CodebookError(
            f"question {qid}: option ids repeat: {ids}",
            path=path,
            hint="give every option a distinct id.",
        )
    return options


def read_codebook(source: str | Path | dict | Codebook | None = None) -> Codebook:
    """Read and validate a codebook.

    Parameters
    ----------
    source : path, dict, Codebook or None
        A YAML file, an already-parsed mapping, or a Codebook (returned as is).
        ``None`` reads the codebook of the bundled questionnaire.

    Raises
    ------
    FileProblemError
        The file is missing or unreadable.
    CodebookError
        The YAML is malformed or a question is inconsistent (unknown type, scale
        or direction; repeated id).
    """
    if isinstance(source, Codebook):
        return source
    path: Path | None = None
    if source is None:
        source = DEFAULT_CODEBOOK
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise FileProblemError(
                "the codebook file does not exist",
                path=path,
                hint="check the path, or run 'survey-analysis codebook draft EXPORT -o codebook.yml' to start one.",
            )
        if path.is_dir():
            raise FileProblemError("this is a folder, not a codebook file", path=path,
                                   hint="give the path of the .yml file.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise FileProblemError(f"the codebook cannot be read ({exc})", path=path,
                                   hint="save it as UTF-8 text and check its permissions.") from None
        try:
            # libyaml's safe loader when present: the same result, several times faster.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise CodebookError(
                f"the codebook is not valid YAML ({getattr(exc, 'problem', exc)})",
                path=path,
                row=None if mark is None else mark.line + 1,
                hint="fix the indentation or quoting near that line (quote labels containing ':' or '#').",
            ) from None
    else:
        data = source
    if not isinstance(data, dict):
        raise CodebookError("the codebook must be a mapping with 'questions'", path=path,
                            hint="see data/codebook.yml for the layout.")

    raw_scales = data.get("scales") or {}
    if not isinstance(raw_scales, dict):
        raise CodebookError("'scales' must be a mapping of scale names to their levels", path=path,
                            value=raw_scales, hint="write 'scales:' then 'agree5:' and its levels indented below.")
    scales: dict[str, list[Level]] = {}
    for name, levels in raw_scales.items():
        if not isinstance(levels, list) or not levels:
            raise CodebookError(f"scale '{name}' must be a non-empty list of levels", path=path,
                                hint="write '- {value: 1, en: ..., ro: ...}' for each level.")
        parsed = []
        for lv in levels:
            if not isinstance(lv, dict) or "value" not in lv or "en" not in lv:
                raise CodebookError(f"scale '{name}': each level needs 'value' and 'en'", path=path,
                                    value=lv, hint="write '- {value: 1, en: ..., ro: ...}'.")
            try:
                value = int(lv["value"])
            except (TypeError, ValueError):
                raise CodebookError(f"scale '{name}': level value must be a whole number", path=path,
                                    value=lv["value"], hint="number the levels 1, 2, 3, ...") from None
            parsed.append(Level(value=value, en=str(lv["en"]), ro=str(lv.get("ro", lv["en"])),
                                aliases=_aliases(lv.get("aliases"), where=f"scale '{name}', level {value}",
                                                 path=path)))
        parsed.sort(key=lambda lv: lv.value)
        if [lv.value for lv in parsed] != list(range(1, len(parsed) + 1)):
            raise CodebookError(f"scale '{name}': levels must be numbered 1, 2, ..., {len(parsed)}", path=path,
                                value=[lv.value for lv in parsed],
                                hint="number the levels from 1 without gaps (reverse keying uses k + 1 - x).")
        for lang in ("en", "ro"):
            labels = [normalise_text(getattr(lv, lang)) for lv in parsed]
            if len(set(labels)) != len(labels):
                raise CodebookError(f"scale '{name}': two levels share the {lang} label", path=path,
                                    value=[getattr(lv, lang) for lv in parsed],
                                    hint="give every level a distinct label.")
        _check_distinct_labels([(f"level {lv.value}", (lv.en, lv.ro, *lv.aliases)) for lv in parsed],
                               where=f"scale '{name}'", path=path)
        scales[str(name)] = parsed

    raw_directions = data.get("directions") or {}
    if not isinstance(raw_directions, dict):
        raise CodebookError("'directions' must be a mapping of codes (SD1, ...) to their name, description and keywords",
                            path=path, value=raw_directions,
                            hint="write 'directions:' then 'SD1:' with 'name:', 'description:' and 'keywords:' below.")
    directions: dict[str, Direction] = {}
    for code, info in raw_directions.items():
        if isinstance(info, str):
            info = {"name": info}
        info = info or {}
        if not isinstance(info, dict):
            raise CodebookError(f"direction {code} must be a mapping with name, description and keywords", path=path,
                                value=info, hint="see data/codebook.yml for the layout.")
        keywords = info.get("keywords") or {}
        if isinstance(keywords, (list, str)):
            keywords = {"en": [keywords] if isinstance(keywords, str) else keywords}
        if not isinstance(keywords, dict) or not all(isinstance(v, (list, type(None))) for v in keywords.values()):
            raise CodebookError(f"direction {code}: 'keywords' must map languages to lists of words", path=path,
                                value=keywords, hint="write 'keywords: {en: [word, ...], ro: [cuvânt, ...]}'.")
        directions[str(code)] = Direction(
            code=str(code),
            name=_bilingual(info.get("name", code), where=f"direction {code} name", path=path),
            description=_bilingual(info.get("description", ""), where=f"direction {code} description", path=path),
            keywords={str(k): [str(w) for w in (v or [])] for k, v in keywords.items()},
        )

    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise CodebookError("the codebook has no 'questions' list", path=path,
                            hint="list the questions under 'questions:' (see data/codebook.yml).")
    questions: dict[str, Question] = {}
    for i, item in enumerate(raw_questions, start=1):
        if not isinstance(item, dict) or "id" not in item:
            raise CodebookError(f"question {i} has no 'id'", path=path, value=item,
                                hint="give each question an 'id' such as B1.")
        qid = str(item["id"])
        if qid in questions:
            raise CodebookError(f"question id {qid} appears twice", path=path,
                                hint="question ids must be unique.")
        qtype = str(item.get("type", "text"))
        if qtype not in QUESTION_TYPES:
            raise CodebookError(f"question {qid} has unknown type '{qtype}'", path=path, value=qtype,
                                hint=f"use one of {', '.join(QUESTION_TYPES)}.")
        scale = item.get("scale")
        if qtype == "likert":
            if scale not in scales:
                raise CodebookError(f"likert question {qid} names scale {scale!r}, which the codebook does not define",
                                    path=path, value=scale, hint=f"use one of {sorted(scales)} or add the scale.")
        direction = item.get("direction")
        if direction is not None and directions and str(direction) not in directions:
            raise CodebookError(f"question {qid} names direction {direction!r}, which the codebook does not define",
                                path=path, value=direction, hint=f"use one of {sorted(directions)}.")
        options = _options(item.get("options"), qid=qid, path=path)
        for lang in ("en", "ro"):
            labels = [normalise_text(getattr(o, lang)) for o in options]
            if len(set(labels)) != len(labels):
                raise CodebookError(f"question {qid}: two options share the {lang} label", path=path,
                                    value=[getattr(o, lang) for o in options],
                                    hint="give every option a distinct label.")
        _check_distinct_labels([(o.id, o.labels()) for o in options], where=f"question {qid}", path=path)
        bounds = {}
        for key in ("min", "max"):
            if item.get(key) is not None:
                try:
                    bounds[key] = float(item[key])
                except (TypeError, ValueError):
                    raise CodebookError(f"question {qid}: '{key}' must be a number", path=path, value=item[key],
                                        hint=f"write '{key}: 0' without quotes.") from None
        reverse = item.get("reverse", False)
        if isinstance(reverse, str) and reverse.strip().lower() in ("true", "yes", "false", "no"):
            reverse = reverse.strip().lower() in ("true", "yes")
        if not isinstance(reverse, bool):
            raise CodebookError(f"question {qid}: 'reverse' must be true or false", path=path, value=reverse,
                                hint="write 'reverse: true' for a negatively worded item.")
        if qtype in ("single", "multi", "ranking") and not options:
            raise CodebookError(f"{qtype} question {qid} lists no options", path=path,
                                hint="list its options, or draft a codebook from the export.")
        role = item.get("role")
        if role is not None and str(role) not in QUESTION_ROLES:
            raise CodebookError(f"question {qid} has unknown role '{role}'", path=path, value=role,
                                hint=f"use one of {', '.join(QUESTION_ROLES)}, or leave the role out.")
        if role is not None and any(q.role == str(role) for q in questions.values()):
            other = next(q.id for q in questions.values() if q.role == str(role))
            raise CodebookError(f"questions {other} and {qid} both have the role '{role}'", path=path, value=role,
                                hint="give each role to one question only.")
        text = _bilingual(item.get("text", qid), where=f"question {qid} text", path=path)
        missing = item.get("missing") or []
        if not isinstance(missing, list) or not all(isinstance(m, (str, int, float)) for m in missing):
            raise CodebookError(f"question {qid}: 'missing' must be a list of answers that mean no answer",
                                path=path, value=missing, hint="write 'missing: [99, 999]'.")
        questions[qid] = Question(
            id=qid,
            type=qtype,
            text=text,
            options=options,
            scale=None if scale is None else str(scale),
            direction=None if direction is None else str(direction),
            reverse=reverse,
            identifying=bool(item.get("identifying", qtype == "identifier")),
            role=None if role is None else str(role),
            ordered=bool(item.get("ordered", False)),
            grid=_bilingual(item.get("grid"), where=f"question {qid} grid", path=path),
            aliases=list(_aliases(item.get("aliases"), where=f"question {qid}", path=path)),
            minimum=bounds.get("min"),
            maximum=bounds.get("max"),
            missing=[_missing_text(m) for m in missing],
        )
    titles = _bilingual(data.get("title"), where="title", path=path) if isinstance(data.get("title"), dict) else {}
    return Codebook(
        titles={k: v for k, v in titles.items() if v},
        title=(titles.get("en") or next((v for v in titles.values() if v), "")) if titles
        else str(data.get("title") or ""),
        scales=scales,
        directions=directions,
        questions=questions,
        path=path,
    )
