"""Safety checks of zip containers (xlsx, xlsm, xlsb, ods) before any parser runs.

* The format is read from the entries (``xl/workbook.xml``, ``mimetype``...),
  not from the file's name.
* Zip bombs are refused from the central directory (entry count, declared
  sizes, compression ratio) before any entry is inflated.
* XML parts that declare a document type (the carrier of billion-laughs,
  quadratic-blowup and external-entity attacks) are refused after inflating
  only their first kilobytes.
* The workbook's sheet-to-part map and its date system are read with
  defusedxml.
"""

from __future__ import annotations

import posixpath
import re
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


def unsafe_file(path: Path, message: str, hint: str | None = None) -> UnsafeFileError:
    return UnsafeFileError(
        message,
        path=path,
        hint=hint
        or "Do not open this file; ask the sender for a fresh export straight from the survey "
        "tool. If you trust it, open it in Excel or LibreOffice and save it again as .xlsx.",
    )


def damaged_part(path: Path, message: str) -> WrongFormatError:
    return WrongFormatError(
        message,
        path=path,
        hint="The file is damaged or was cut short (an interrupted download or copy). "
        "Download or export it again.",
    )




def inspect_zip(path: Path, archive: zipfile.ZipFile) -> ZipSummary:
    """Classify a zip container and refuse it if it is unsafe.

    Checks the central directory only (entry count, duplicate names, declared
    sizes and compression ratios), then inflates at most
    :data:`limits.PROLOG_SCAN_BYTES` of each XML part to refuse document type
    declarations.  Raises :class:`UnsafeFileError` or
    :class:`WrongFormatError`; returns the format otherwise.
    """
    infos = archive.infolist()
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise unsafe_file(
            path,
            f"the zip container holds {len(infos):,} entries (limit {limits.MAX_ZIP_ENTRIES:,}); "
            "a workbook has a few dozen, so this looks like a zip bomb",
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise unsafe_file(
            path,
            "the zip container has two entries with the same name, so different programs "
            "would read different data from it",
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise unsafe_file(
                path,
                f"the zip entry '{info.filename}' is encrypted with zip encryption, which no "
                "spreadsheet program writes",
            )
        size = info.file_size
        total += size
        if size > limits.MAX_ENTRY_UNCOMPRESSED:
            raise unsafe_file(
                path,
                f"the zip entry '{info.filename}' would inflate to {size:,} bytes "
                f"(limit {limits.MAX_ENTRY_UNCOMPRESSED:,}); refused as a possible zip bomb",
            )
        if size >= limits.RATIO_CHECK_MIN_SIZE:
            ratio = size / max(info.compress_size, 1)
            if ratio > limits.MAX_COMPRESSION_RATIO:
                raise unsafe_file(
                    path,
                    f"the zip entry '{info.filename}' is compressed {ratio:,.0f} times "
                    f"({info.compress_size:,} bytes inflating to {size:,}; limit "
                    f"{limits.MAX_COMPRESSION_RATIO} times); refused as a zip bomb",
                )
    if total > limits.MAX_TOTAL_UNCOMPRESSED:
        raise unsafe_file(
            path,
            f"the zip entries would inflate to {total:,} bytes in all (limit "
            f"{limits.MAX_TOTAL_UNCOMPRESSED:,}); refused as a possible zip bomb",
        )

    fmt = _zip_format(path, archive, set(names))
    summary = ZipSummary(format=fmt, names=names)
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES) and info.file_size:
            summary.root_tags[info.filename] = _check_xml_prolog(path, archive, info)
    return summary


def _zip_format(path: Path, archive: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        fmt = "xlsx"
        if "[Content_Types].xml" in names:
            head = _read_head(path, archive, archive.getinfo("[Content_Types].xml"), 1 << 16)
            if b"macroEnabled" in head:
                fmt = "xlsm"
        return fmt
    if "xl/workbook.bin" in names:
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


def _prolog_text(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith(_UTF16_BOMS) or head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16-le" if (head.startswith(b"\xff\xfe") or head[:1] == b"<") else "utf-16-be"
        if head.startswith(_UTF16_BOMS):
            head = head[2:]
        return head[: len(head) // 2 * 2].decode(codec, "replace")
    return head.decode("latin-1")


_NAME_START = re.compile(r"[A-Za-z_:\u00c0-\uffff]")


def _check_xml_prolog(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Return the root element's tag; refuse a DOCTYPE (or ENTITY) before it."""
    head = _read_head(path, archive, info, limits.PROLOG_SCAN_BYTES)
    text = _prolog_text(head)
    pos = 0
    end = len(text)
    while True:
        lt = text.find("<", pos)
        if lt == -1:
            if len(head) < limits.PROLOG_SCAN_BYTES and not text[pos:].strip():
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
            return match.group(1).encode("utf-8", "replace") if match else b""
        else:
            raise damaged_part(path, f"the XML part '{info.filename}' is not well-formed XML")
    raise unsafe_file(
        path,
        f"the XML part '{info.filename}' has no root element within its first "
        f"{limits.PROLOG_SCAN_BYTES:,} bytes, so it cannot be checked for entity declarations",
    )


def xlsx_layout(path: Path, archive: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """Map sheet names to their XML part and tell whether the 1904 date system is on.

    Only ``xl/workbook.xml`` and its relationships are parsed (with defusedxml;
    their prologs have already been checked).
    """
    try:
        workbook = safe_et.fromstring(archive.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = safe_et.fromstring(archive.read(rels_name)) if rels_name in archive.namelist() else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        raise damaged_part(path, f"the workbook part cannot be read ({exc})") from None
    except Exception as exc:  # defusedxml's and expat's errors share no base class
        if type(exc).__module__.startswith("defusedxml"):
            raise unsafe_file(path, f"the workbook part is refused by the XML checks ({exc})") from None
        raise damaged_part(path, f"the workbook part is not well-formed XML ({exc})") from None
    date1904 = False
    sheets: list[tuple[str, str]] = []
    for element in workbook.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr":
            date1904 = element.get("date1904", "0").strip().lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            sheets.append((element.get("name", ""), rid or ""))
    targets: dict[str, str] = {}
    if rels is not None:
        for element in rels.iter():
            if element.tag.rsplit("}", 1)[-1] == "Relationship":
                target = element.get("Target", "")
                if target.startswith("/"):
                    part = target.lstrip("/")
                else:
                    part = posixpath.normpath(posixpath.join("xl", target))
                targets[element.get("Id", "")] = part
    return {name: targets[rid] for name, rid in sheets if rid in targets}, date1904


def styles_have_durations(path: Path, archive: zipfile.ZipFile) -> bool:
    """Whether ``xl/styles.xml`` defines an elapsed-time format such as ``[h]:mm:ss``."""
    if "xl/styles.xml" not in archive.namelist():
        return False
    head = _read_head(path, archive, archive.getinfo("xl/styles.xml"), 4 << 20).lower()
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
