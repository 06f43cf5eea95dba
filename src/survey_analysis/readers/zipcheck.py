"""Safety checks of zip containers (xlsx, xlsm, xlsb, ods) before any parser runs.

* The format is read from the entries (``xl/workbook.xml``, ``mimetype``...),
  not from the file's name.
* Zip bombs are refused from the central directory (entry count, declared
  sizes, compression ratio) before any entry is inflated.
* XML parts that declare a document type (the carrier of billion-laughs,
  quadratic-blowup and external-entity attacks) are refused after inflating
  only their first kilobytes.
* Every entry is checked, whatever its name: the value reader finds a part
  through relationships, case-insensitively, so any entry may be the one it
  reads as a sheet or as the shared strings.
* The container's layout must be regular (entries back to back from the
  first byte, then the central directory, then its end record, nothing
  hidden between them), so that every zip reader sees the same entries; an
  XML part must be in UTF-8 (or an encoding that reads like it), so that the
  byte-level checks see what the value reader sees.  A file that is not so is
  not refused: its parse runs in a separate, memory-limited process
  (:mod:`.isolated`), and ``ZipSummary.isolate`` says why.
* The workbook's sheet-to-part map and its date system are read with
  defusedxml.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as safe_et

from ..errors import UnsafeFileError, WrongFormatError
from . import limits
from .inflate import CHUNK_BYTES


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

_ODS_MIMETYPES = {
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
}
_XML_SUFFIXES = (".xml", ".rels", ".vml")


@dataclass
class ZipSummary:
    """What the zip's directory says, after the safety checks passed."""

    format: str  # xlsx | xlsm | xlsb | ods
    names: list[str]
    root_tags: dict[str, bytes] = field(default_factory=dict)
    #: Why the checks cannot vouch for the value reader's view of this file (empty: they can).
    isolate: list[str] = field(default_factory=list)


def unsafe_file(path: Path, message: str, hint: str | None = None, *, sheet: str | None = None,
                limit: tuple[str, int] | None = None) -> UnsafeFileError:
    """The error for a file refused as hostile; ``limit`` (name, value found) adds how to raise it."""
    hint = hint or ("Do not open this file; ask the sender for a fresh export straight from the survey "
                    "tool. If you trust it, open it in Excel or LibreOffice and save it again as .xlsx.")
    if limit is not None:
        hint += " " + limits.raise_hint(*limit)
    return UnsafeFileError(message, path=path, sheet=sheet, hint=hint)


def tag_gap_refused(path: Path, part: str, gap: int) -> UnsafeFileError:
    """The error for a part holding more than ``MAX_TAG_GAP_BYTES`` (here ``gap``) without a tag end."""
    most = limits.get("MAX_TAG_GAP_BYTES")
    return unsafe_file(
        path, f"the part '{part}' holds more than {most:,} bytes without a tag end ('>') (limit "
        "MAX_TAG_GAP_BYTES), which no spreadsheet program writes; such a run makes reading slow and large",
        limit=("MAX_TAG_GAP_BYTES", gap))


def damaged_part(path: Path, message: str) -> WrongFormatError:
    return WrongFormatError(
        message,
        path=path,
        hint="The file is damaged or was cut short (an interrupted download or copy). "
        "Download or export it again.",
    )




def inspect_zip(path: Path, archive: zipfile.ZipFile) -> ZipSummary:
    """Classify a zip container and refuse it if it is unsafe.

    Checks the central directory first (entry count, duplicate names, declared
    sizes and compression ratios), then inflates at most ``PROLOG_SCAN_BYTES``
    of every entry to refuse document type declarations in any that is XML.
    Raises :class:`UnsafeFileError` or :class:`WrongFormatError`; returns the
    format, the entries' root elements, and in ``isolate`` the reasons (if
    any) the value reader's view of the file cannot be vouched for.
    """
    infos = archive.infolist()
    most = limits.get("MAX_ZIP_ENTRIES")
    if len(infos) > most:
        raise unsafe_file(
            path,
            f"the zip container holds {len(infos):,} entries (limit MAX_ZIP_ENTRIES = {most:,}); "
            "a workbook has a few dozen, so this looks like a zip bomb",
            limit=("MAX_ZIP_ENTRIES", len(infos)),
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise unsafe_file(
            path,
            "the zip container has two entries with the same name, so different programs "
            "would read different data from it",
        )
    _check_sizes(path, infos)
    fmt = _zip_format(path, archive, set(names))
    summary = ZipSummary(format=fmt, names=names)
    layout = _layout_problem(path, archive, infos)
    if layout:
        summary.isolate.append(layout)
    folded = [normalise_part(name) for name in names]
    if len(set(folded)) != len(folded):
        summary.isolate.append("two entries differ only in the case of their names or in their slashes")
    for info in infos:
        if info.is_dir() or not info.file_size:
            continue
        tag, encoding_problem = _check_xml_prolog(path, archive, info)
        if tag is not None:
            summary.root_tags[info.filename] = tag
        if encoding_problem:
            summary.isolate.append(f"the part '{info.filename}' {encoding_problem}")
    return summary


def normalise_part(name: str) -> str:
    """A part name as the value reader compares it: forward slashes, ASCII case folded."""
    return name.replace("\\", "/").lower()


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    total = 0
    entry_limit, ratio_limit = limits.get("MAX_ENTRY_UNCOMPRESSED"), limits.get("MAX_COMPRESSION_RATIO")
    for info in infos:
        if info.flag_bits & 0x1:
            raise unsafe_file(
                path,
                f"the zip entry '{info.filename}' is encrypted with zip encryption, which no "
                "spreadsheet program writes",
            )
        size = info.file_size
        total += size
        if size > entry_limit:
            raise unsafe_file(
                path,
                f"the zip entry '{info.filename}' would inflate to {size:,} bytes "
                f"(limit MAX_ENTRY_UNCOMPRESSED = {entry_limit:,}); refused as a possible zip bomb",
                limit=("MAX_ENTRY_UNCOMPRESSED", size),
            )
        if size >= limits.get("RATIO_CHECK_MIN_SIZE"):
            ratio = size / max(info.compress_size, 1)
            if ratio > ratio_limit:
                raise unsafe_file(
                    path,
                    f"the zip entry '{info.filename}' is compressed {ratio:,.0f} times "
                    f"({info.compress_size:,} bytes inflating to {size:,}; limit "
                    f"MAX_COMPRESSION_RATIO = {ratio_limit} times); refused as a zip bomb",
                    limit=("MAX_COMPRESSION_RATIO", int(ratio)),
                )
    total_limit = limits.get("MAX_TOTAL_UNCOMPRESSED")
    if total > total_limit:
        raise unsafe_file(
            path,
            f"the zip entries would inflate to {total:,} bytes in all (limit MAX_TOTAL_UNCOMPRESSED = "
            f"{total_limit:,}); refused as a possible zip bomb",
            limit=("MAX_TOTAL_UNCOMPRESSED", total),
        )


_EOCD = struct.Struct("<4s4H2LH")
_LOCAL = struct.Struct("<4s5H3L2H")


def _renamed(extra: bytes, name: str) -> bool:
    """Whether an entry's extra field holds a Unicode Path record (0x7075) naming another file than ``name``."""
    position = 0
    while position + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, position)
        data = extra[position + 4:position + 4 + size]
        if kind == 0x7075 and (len(data) < 5 or data[5:].decode("utf-8", "replace") != name):
            return True
        position += 4 + size
    return False


def _layout_problem(path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str | None:
    """Why the container is laid out otherwise than spreadsheet programs write it (``None``: it is not).

    Regular means: entries back to back from the first byte, each local
    header naming the same entry as the central directory, the central
    directory right after the last entry, its end record the last 22 bytes
    of the file (no comment, no zip64).  Then every zip reader sees the
    same entries; otherwise two readers may not.
    """
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            if size < _EOCD.size:
                return "the zip container is too short to be regular"
            handle.seek(size - _EOCD.size)
            signature, disk, cd_disk, _, entries, cd_size, cd_offset, comment = _EOCD.unpack(handle.read(_EOCD.size))
            if signature != b"PK\x05\x06" or comment or disk or cd_disk:
                return "the zip container has a comment or data after its directory"
            if entries != len(infos) or cd_offset + cd_size != size - _EOCD.size:
                return "the zip container's directory is not where its end record says"
            position = 0
            for info in sorted(infos, key=lambda i: i.header_offset):
                if info.header_offset != position:
                    return "the zip container has data between its entries"
                handle.seek(position)
                header = handle.read(_LOCAL.size)
                if len(header) != _LOCAL.size:
                    return "the zip container is cut short"
                fields = _LOCAL.unpack(header)
                if fields[0] != b"PK\x03\x04":
                    return "an entry of the zip container does not start where the directory says"
                name_length, extra_length = fields[9], fields[10]
                raw_name = handle.read(name_length)
                if raw_name != info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace"):
                    return "an entry's own header names another file than the zip directory does"
                if _renamed(info.extra, info.filename) or _renamed(handle.read(extra_length), info.filename):
                    return ("an entry carries a second name (a Unicode Path extra field) that differs from its "
                            "own, and some zip readers use it instead")
                position += _LOCAL.size + name_length + extra_length + info.compress_size
                if info.flag_bits & 0x8:  # a data descriptor follows the data: 12 to 24 bytes
                    handle.seek(position)
                    descriptor = handle.read(24)
                    position += 16 if descriptor[:4] == b"PK\x07\x08" else 12
            if position != cd_offset:
                return "the zip container has data between its last entry and its directory"
    except (OSError, struct.error):
        return "the zip container's layout cannot be checked"
    return None


def _zip_format(path: Path, archive: zipfile.ZipFile, names: set[str]) -> str:
    folded = {normalise_part(name): name for name in names}
    if "xl/workbook.xml" in folded:
        fmt = "xlsx"
        types = folded.get("[content_types].xml")
        if types is not None:
            head = _read_head(path, archive, archive.getinfo(types), 1 << 16)
            if b"macroEnabled" in head:
                fmt = "xlsm"
        return fmt
    if "xl/workbook.bin" in folded:
        return "xlsb"
    if "mimetype" in names:
        mimetype = _read_head(path, archive, archive.getinfo("mimetype"), 200)
        mimetype_text = mimetype.decode("ascii", "replace").strip()
        if mimetype_text in _ODS_MIMETYPES:
            return _ODS_MIMETYPES[mimetype_text]
        kind = "an OpenDocument file"
        if "opendocument.text" in mimetype_text:
            kind = "an OpenDocument text document (.odt)"
        elif "opendocument.presentation" in mimetype_text:
            kind = "an OpenDocument presentation (.odp)"
        raise WrongFormatError(
            f"this is {kind} ({mimetype_text!r}), not a spreadsheet",
            path=path,
            hint="Export the responses from the survey tool as .xlsx, .ods or .csv.",
        )
    if "word/document.xml" in names:
        what = "a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation (.pptx)"
    else:
        what = "a zip archive"
    raise WrongFormatError(
        f"this is {what} without 'xl/workbook.xml', so it is not an Excel workbook",
        path=path,
        hint="If it is a zip of exports, unpack it and give one of the files inside; "
        "otherwise export the responses again as .xlsx or .csv.",
    )


def _read_head(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Inflate at most ``limit`` bytes of one entry."""
    try:
        with archive.open(info) as stream:
            return stream.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise damaged_part(path, f"the zip entry '{info.filename}' cannot be read ({exc})") from None


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_DECLARED = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
# Encodings in which markup bytes are the ASCII bytes, so the byte-level checks see what a parser sees.
_ASCII_LIKE = re.compile(r"^(utf-?8|us-ascii|ascii|iso-8859-\d+|latin-?1|windows-125\d|cp125\d)$", re.I)


def _prolog_text(head: bytes) -> tuple[str, str | None]:
    """The head as text, and what is wrong with its encoding for the byte-level checks (``None``: nothing)."""
    if head.startswith(_UTF32_BOMS):
        return "", "is written in UTF-32"
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith(_UTF16_BOMS) or head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16-le" if (head.startswith(b"\xff\xfe") or head[:1] == b"<") else "utf-16-be"
        if head.startswith(_UTF16_BOMS):
            head = head[2:]
        return head[: len(head) // 2 * 2].decode(codec, "replace"), "is written in UTF-16"
    text = head.decode("latin-1")
    declared = _DECLARED.match(text)
    if declared and not _ASCII_LIKE.match(declared.group(1).strip()):
        return text, f"declares the encoding {declared.group(1)!r}"
    return text, None


_NAME_START = re.compile(r"[A-Za-z_:\u00c0-\uffff]")


def _check_xml_prolog(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes | None, str | None]:
    """The root element's tag of an entry that is XML (``None`` otherwise) and any encoding problem.

    Refuses a DOCTYPE (or ENTITY) before the root element.  An entry that
    does not start like XML (an image, a binary part) is left alone: a parser
    reading it as XML stops at its first bytes.
    """
    size = limits.get("PROLOG_SCAN_BYTES")
    head = _read_head(path, archive, info, size)
    text, encoding_problem = _prolog_text(head)
    stripped = text.lstrip(" \t\r\n\ufeff")
    if not stripped.startswith("<"):
        return None, (encoding_problem if head.startswith(_UTF32_BOMS) else None)
    pos = 0
    end = len(text)
    while True:
        lt = text.find("<", pos)
        if lt == -1:
            if len(head) < size and not text[pos:].strip():
                raise damaged_part(path, f"the XML part '{info.filename}' has no content")
            break
        if text.startswith("<?", lt):
            close = text.find("?>", lt + 2)
            if close == -1:
                break
            pos = close + 2
        elif text.startswith("<!--", lt):
            close = text.find("-->", lt + 4)
            if close == -1:
                break
            pos = close + 3
        elif text.startswith("<!", lt):
            raise unsafe_file(
                path,
                f"the XML part '{info.filename}' declares a document type or entities "
                f"({text[lt:lt + 40]!r}...), the carrier of 'billion laughs' and external-entity "
                "attacks; spreadsheet programs never write one",
            )
        elif lt + 1 < end and _NAME_START.match(text[lt + 1]):
            match = re.match(r"<([^\s/>]+)", text[lt:])
            return (match.group(1).encode("utf-8", "replace") if match else b""), encoding_problem
        else:
            raise damaged_part(path, f"the XML part '{info.filename}' is not well-formed XML")
    raise unsafe_file(
        path,
        f"the XML part '{info.filename}' has no root element within its first "
        f"{size:,} bytes, so it cannot be checked for entity declarations",
        limit=("PROLOG_SCAN_BYTES", size),
    )


def find_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The entry the value reader takes for part ``name``: the first whose name matches case-insensitively."""
    wanted = normalise_part(name)
    return next((entry for entry in archive.namelist() if normalise_part(entry) == wanted), None)


_OFFICE_DOCUMENT = "/officeDocument"


def _parse_part(path: Path, archive: zipfile.ZipFile, name: str | None):
    if name is None:
        return None
    try:
        return safe_et.fromstring(archive.read(name))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the part '{name}' cannot be read ({exc})") from None
    except Exception as exc:  # defusedxml's and expat's errors share no base class
        if type(exc).__module__.startswith("defusedxml"):
            raise unsafe_file(path, f"the part '{name}' is refused by the XML checks ({exc})") from None
        raise damaged_part(path, f"the part '{name}' is not well-formed XML ({exc})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationships(element) -> list[tuple[str, str, str]]:
    """(Id, Type, Target) of every relationship in a parsed ``.rels`` part."""
    if element is None:
        return []
    return [(rel.get("Id", ""), rel.get("Type", ""), rel.get("Target", ""))
            for rel in element.iter() if _local(rel.tag) == "Relationship"]


_WORKBOOK_PR = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?workbookPr((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>""")
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _reader_1904(data: bytes) -> bool:
    """Whether the value reader applies the 1904 date system: the last ``workbookPr``'s first
    ``date1904`` attribute, as written, is ``1`` or ``true`` (it resolves no entity, trims no blank)."""
    elements = list(_WORKBOOK_PR.finditer(data))
    if not elements:
        return False
    for match in _ATTRIBUTE.finditer(elements[-1].group(1)):
        if match.group(1) == b"date1904":
            value = match.group(2) if match.group(2) is not None else match.group(3)
            return value in (b"1", b"true")
    return False


def xlsx_layout(path: Path, archive: zipfile.ZipFile) -> tuple[dict[str, str], tuple[bool, bool], str | None]:
    """Map sheet names to their part, tell whether the 1904 date system is on, name the styles part.

    The date system comes twice: as XML defines the attribute (``date1904``
    is an xsd:boolean, so ``" 1 "`` and ``"&#49;"`` are true) and as the
    value reader reads it; when they differ, the caller corrects the dates.

    Follows the package relationships as the value reader does: the workbook
    part named by ``_rels/.rels`` (else ``xl/workbook.xml``), its
    relationships, each sheet's target relative to the workbook's folder;
    part names are matched case-insensitively.  Parsed with defusedxml.  Used
    to say which sheet a cell problem is on; the safety checks do not depend
    on it (every entry is checked).
    """
    workbook_part = None
    for _, kind, target in _relationships(_parse_part(path, archive, find_part(archive, "_rels/.rels"))):
        if kind.endswith(_OFFICE_DOCUMENT):
            workbook_part = find_part(archive, target.lstrip("/"))
            break
    workbook_part = workbook_part or find_part(archive, "xl/workbook.xml")
    workbook = _parse_part(path, archive, workbook_part)
    if workbook is None:
        return {}, (False, False), None
    folder, _, base = workbook_part.replace("\\", "/").rpartition("/")
    rels = _parse_part(path, archive, find_part(archive, posixpath.join(folder, "_rels", base + ".rels")))
    date1904 = False
    sheets: list[tuple[str, str]] = []
    for element in workbook.iter():
        tag = _local(element.tag)
        if tag == "workbookPr":
            date1904 = element.get("date1904", "0").strip() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            sheets.append((element.get("name", ""), rid or ""))
    targets: dict[str, str] = {}
    styles = None
    for rid, kind, target in _relationships(rels):
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        part = find_part(archive, name)
        if part is not None:
            targets[rid] = part
            if kind.endswith("/styles"):
                styles = part
    reader_1904 = _reader_1904(archive.read(workbook_part))
    return {name: targets[rid] for name, rid in sheets if rid in targets}, (date1904, reader_1904), styles


def styles_have_durations(path: Path, archive: zipfile.ZipFile, styles: str | None) -> bool:
    """Whether the styles part defines an elapsed-time format such as ``[h]:mm:ss``."""
    if styles is None:
        return False
    head = _read_head(path, archive, archive.getinfo(styles), 4 << 20).lower()
    return any(mark in head for mark in (b"[h", b"[m", b"[s"))


def part_contains(path: Path, archive: zipfile.ZipFile, part: str, needle: bytes) -> bool:
    """Whether one zip entry holds ``needle`` (streamed, bounded memory)."""
    tail = b""
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                if not chunk:
                    return False
                window = tail + chunk
                if needle in window:
                    return True
                tail = window[-len(needle):]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the part '{part}' cannot be read ({exc})") from None
