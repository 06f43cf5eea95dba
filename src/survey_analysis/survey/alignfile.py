"""Writing an aligned codebook: the original file, its comments kept, with the export's aliases added.

:func:`write_aligned_codebook` reads the codebook YAML with ruamel.yaml
(round-trip: comments, key order and quoting are kept), adds to each question
the headers it has in the export, to each option and scale level the answer
labels that stand for it, each alias with a comment giving the export, how it
was matched and the confidence, and appends the questions new to this export
as drafts without a direction.  Flow lists that spanned several lines (the
directions' keywords) are written on one line; nothing else of the original
changes.  An existing file is never overwritten unless asked.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml as pyyaml

from ..codebook import DEFAULT_CODEBOOK, normalise_text, read_codebook
from ..errors import FileProblemError
from .align import Alignment

__all__ = ["write_aligned_codebook", "aligned_codebook_text"]


def _yaml():
    from ruamel.yaml import YAML

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never re-wrap the original's lines
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _scalar(text: str) -> Any:
    """``text`` as a YAML scalar that any YAML reader reads back as this string.

    Labels such as ``yes``, ``No``, ``1`` or ``A1: x`` are quoted; others are
    written plain.
    """
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    try:
        plain = pyyaml.safe_load(f"x: {text}")
        if isinstance(plain, dict) and plain.get("x") == text and text == text.strip():
            return text
    except pyyaml.YAMLError:
        pass
    return DoubleQuotedScalarString(text)


def _aliases_of(node, *, after: str | None = None):
    """The ``aliases`` list of a mapping (created, block style, after key ``after``)."""
    from ruamel.yaml.comments import CommentedSeq

    node.fa.set_block_style()
    seq = node.get("aliases")
    if seq is None:
        seq = CommentedSeq()
        keys = list(node.keys())
        position = keys.index(after) + 1 if after in keys else len(keys)
        node.insert(position, "aliases", seq)
    elif not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(list(seq) if isinstance(seq, list) else [seq])
        node["aliases"] = seq
    seq.fa.set_block_style()
    return seq


def _add(seq, text: str, comment: str, known: set[str]) -> bool:
    norm = normalise_text(text)
    if not norm or norm in known:
        return False
    known.add(norm)
    seq.append(_scalar(text))
    seq.yaml_add_eol_comment(comment, len(seq) - 1)
    return True


def aligned_codebook_text(alignment: Alignment, source: str | Path | None = None) -> str:
    """The aligned codebook as YAML text (see the module docstring)."""
    from ruamel.yaml.comments import CommentedMap

    rt = _yaml()
    if source is None and alignment.codebook.path is None:
        # A codebook given as data: written from its content (it has no comments to keep).
        buffer = io.StringIO()
        rt.dump(alignment.codebook.to_dict(), buffer)
        data = rt.load(buffer.getvalue())
        cb = alignment.codebook
    else:
        source = Path(source) if source is not None else Path(alignment.codebook.path or DEFAULT_CODEBOOK)
        data = rt.load(source.read_text(encoding="utf-8-sig"))
        cb = read_codebook(source)
    export = Path(alignment.path).name
    questions = {str(entry.get("id")): entry for entry in data["questions"]}
    matcher = cb.matcher()

    for p in alignment.placements:
        entry = questions.get(p.question)
        if entry is None:
            continue
        if p.alias and matcher.match(p.alias, fuzzy=None)[0] != p.question:
            seq = _aliases_of(entry, after="text")
            known = {normalise_text(a) for a in seq}
            _add(seq, p.alias, f"{export}: {p.how} ({p.confidence:.2f})", known)

    for a in alignment.answers:
        if a.scale is not None:
            level = next((lv for lv in data["scales"][a.scale] if int(lv["value"]) == a.level), None)
            if level is None:
                continue
            taken = {normalise_text(x) for other in data["scales"][a.scale] if other is not level
                     for x in [other.get("en"), other.get("ro"), *(other.get("aliases") or [])] if x}
            if normalise_text(a.label) in taken:
                continue  # another level already reads this label: the analyst must decide
            seq = _aliases_of(level, after="ro")
            known = {normalise_text(x) for x in [level.get("en"), level.get("ro"), *seq] if x}
            _add(seq, a.label, f"{export}: {a.how} ({a.confidence:.2f})", known)
        elif a.option is not None:
            entry = questions.get(a.question)
            options = entry.get("options") if entry is not None else None
            option = next((o for o in options or [] if isinstance(o, dict) and str(o.get("id", o.get("en")))
                           == a.option), None)
            if option is None:
                continue
            taken = {normalise_text(x) for other in options if other is not option and isinstance(other, dict)
                     for x in [other.get("id"), other.get("en"), other.get("ro"), *(other.get("aliases") or [])] if x}
            if normalise_text(a.label) in taken:
                continue
            seq = _aliases_of(option, after="ro" if "ro" in option else "en")
            known = {normalise_text(str(x)) for x in [option.get("id"), option.get("en"), option.get("ro"), *seq] if x}
            _add(seq, a.label, f"{export}: {a.how} ({a.confidence:.2f})", known)

    if alignment.new_questions:
        seq = data["questions"]
        for k, q in enumerate(alignment.new_questions):
            entry = CommentedMap()
            entry["id"] = _scalar(q.id)
            entry["type"] = q.type
            entry["text"] = CommentedMap([("en", _scalar(q.text.get("en", ""))), ("ro", _scalar(q.text.get("ro", "")))])
            if q.identifying:
                entry["identifying"] = True
            if q.scale:
                entry["scale"] = q.scale
            if q.options:
                entry["options"] = [CommentedMap([("id", _scalar(o.id)), ("en", _scalar(o.en)), ("ro", _scalar(o.ro))])
                                    for o in q.options]
            seq.append(entry)
            if k == 0:
                seq.yaml_set_comment_before_after_key(
                    len(seq) - 1, before=f"New in {export}: drafts from its answers, without a direction. "
                                         "Check each one, give it a direction if it measures one, or remove it.",
                    indent=2)
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


def write_aligned_codebook(alignment: Alignment, out: str | Path, *, source: str | Path | None = None,
                           force: bool = False) -> Path:
    """Write the aligned codebook to ``out`` and check that it reads back as a valid codebook.

    Raises
    ------
    FileProblemError
        ``out`` exists and ``force`` is False, or it cannot be written.
    """
    out = Path(out)
    if out.exists() and not force:
        raise FileProblemError("the file exists and would be overwritten", path=out,
                               hint="choose another -o file, or pass --force to replace it.")
    text = aligned_codebook_text(alignment, source)
    read_codebook(pyyaml.safe_load(text))  # what is written must read back as a codebook
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FileProblemError(f"the aligned codebook cannot be written ({exc.strerror})", path=out,
                               hint="check that the folder exists and is writable.") from None
    return out
