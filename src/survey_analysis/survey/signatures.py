"""The survey tools' own columns, in every interface language we know of.

The strings live in ``vocabulary/tool_headers.yml`` (package data, with the
evidence for each); this module reads that file once and answers the
questions the loader asks of a header: which tool writes it, in which
language, and what it holds (the tool's respondent id, a submission time,
contact details, or other bookkeeping).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ..codebook import normalise_text
from ..errors import CodebookError

__all__ = ["ToolColumn", "tool_columns", "tool_headers", "language_names", "LANGUAGE_NAMES"]

#: Names of the languages the vocabulary uses, for the notes of the load report.
LANGUAGE_NAMES = {
    "en": "English", "ro": "Romanian", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "nb": "Norwegian", "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "cs": "Czech", "hu": "Hungarian",
    "fi": "Finnish", "da": "Danish", "sv": "Swedish", "all": "any language",
}


@dataclass(frozen=True)
class ToolColumn:
    """One header a tool writes: the tool, the column's role and kind, the language of the text."""

    tool: str
    role: str        # the vocabulary's key: start_time, email, response_id, ...
    kind: str        # respondent_id | time | identifying | tool | value | row2
    language: str    # ISO 639-1 code, or "all"
    text: str        # as the vocabulary writes it


@functools.cache
def tool_headers() -> dict[str, dict[str, Any]]:
    """The vocabulary file as read: tool -> role -> {kind, language -> [texts]}."""
    source = resources.files("survey_analysis").joinpath("vocabulary", "tool_headers.yml")
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CodebookError(f"the tools' header vocabulary cannot be read ({exc})", path=str(source),
                            hint="reinstall the package; the file ships with it.") from None
    if not isinstance(data, dict):
        raise CodebookError("the tools' header vocabulary is not a mapping of tools", path=str(source),
                            hint="reinstall the package; the file ships with it.")
    return data


@functools.cache
def tool_columns() -> dict[str, list[ToolColumn]]:
    """Every header of every tool, normalised -> the tools' columns it can be (first listed first)."""
    index: dict[str, list[ToolColumn]] = {}
    for tool, roles in tool_headers().items():
        for role, entry in roles.items():
            kind = entry.get("kind", "tool")
            for language, texts in entry.items():
                if language == "kind":
                    continue
                for text in texts or []:
                    column = ToolColumn(tool=tool, role=role, kind=kind, language=language, text=str(text))
                    index.setdefault(normalise_text(text), []).append(column)
    return index


def texts_of(tool: str, role: str) -> set[str]:
    """Every normalised text of one tool column, in all languages."""
    entry = tool_headers().get(tool, {}).get(role, {})
    return {normalise_text(t) for language, texts in entry.items() if language != "kind" for t in texts or []}


def headers_of(tool: str, *, kinds: tuple[str, ...] = ("respondent_id", "time", "identifying", "tool")) -> set[str]:
    """The normalised headers of a tool's own columns of the given kinds."""
    out: set[str] = set()
    for role, entry in tool_headers().get(tool, {}).items():
        if entry.get("kind", "tool") in kinds and role != "question_prefixes":
            out |= texts_of(tool, role)
    return out


def roles_by_language(tool: str, names: set[str]) -> dict[str, set[str]]:
    """For each language, the roles of ``tool`` whose text in that language is among ``names``.

    Texts written the same in every language (``all``) count for every language.
    """
    found: dict[str, set[str]] = {}
    shared: set[str] = set()
    for role, entry in tool_headers().get(tool, {}).items():
        for language, texts in entry.items():
            if language == "kind":
                continue
            if any(normalise_text(t) in names for t in texts or []):
                if language == "all":
                    shared.add(role)
                else:
                    found.setdefault(language, set()).add(role)
    for language in found:
        found[language] |= shared
    if shared:
        found.setdefault("all", set()).update(shared)
    return found


def language_names(codes) -> str:
    """'Spanish', or 'Spanish or Portuguese' for headers two languages write alike."""
    names = [LANGUAGE_NAMES.get(c, c) for c in codes]
    return " or ".join(names)
