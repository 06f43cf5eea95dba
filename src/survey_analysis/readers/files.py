"""Opening an export file: path checks, bounded reading, the formats we know by name.

Every error here names the path and says what to do: a missing file (with
the closest names in its folder), a folder, a device, a file we may not read.
"""

from __future__ import annotations

import difflib
import stat
from pathlib import Path

from ..errors import FileProblemError
from . import limits


FORMAT_NAMES = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsm": "a macro-enabled Excel workbook (.xlsm)",
    "xls": "a legacy Excel 97-2003 workbook (.xls)",
    "xlsb": "a binary Excel workbook (.xlsb)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "csv": "comma/semicolon-separated text (CSV)",
    "tsv": "tab-separated text (TSV)",
}
SUFFIX_FORMATS = {
    ".xlsx": {"xlsx", "xlsm"}, ".xlsm": {"xlsx", "xlsm"}, ".xls": {"xls"}, ".xlsb": {"xlsb"},
    ".ods": {"ods"}, ".csv": {"csv", "tsv"}, ".tsv": {"csv", "tsv"}, ".txt": {"csv", "tsv"},
}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def check_path(path: Path) -> int:
    try:
        info = path.stat()
    except FileNotFoundError:
        hint = "Check the spelling and the folder; paths are relative to " f"'{Path.cwd()}'."
        parent = path.parent if str(path.parent) else Path(".")
        if parent.is_dir():
            try:
                siblings = [p.name for p in parent.iterdir()][:2000]
            except OSError:
                siblings = []
            close = difflib.get_close_matches(path.name, siblings, n=3, cutoff=0.6)
            if close:
                hint = "Did you mean " + " or ".join(f"'{parent / c}'" for c in close) + "?"
        raise FileProblemError("no such file", path=path, hint=hint) from None
    except PermissionError:
        raise FileProblemError(
            "the file cannot be reached (permission denied on its folder)",
            path=path,
            hint="Copy the file to a folder you can read, or ask for read access.",
        ) from None
    except OSError as exc:
        raise FileProblemError(
            f"the file cannot be opened ({exc.strerror or exc})",
            path=path,
            hint="Check the path; copy the file to a local folder and try again.",
        ) from None
    if stat.S_ISDIR(info.st_mode):
        try:
            inside = sorted(
                p.name for p in path.iterdir()
                if p.suffix.lower() in SUFFIX_FORMATS and p.is_file()
            )[:5]
        except OSError:
            inside = []
        hint = "Give the path of one export file, not of its folder."
        if inside:
            hint += " Files here that could be exports: " + ", ".join(inside) + "."
        raise FileProblemError("this is a folder, not a file", path=path, hint=hint)
    if not stat.S_ISREG(info.st_mode):
        raise FileProblemError(
            "this is not a regular file (a device, pipe or socket)",
            path=path,
            hint="Save the export as a file and give its path.",
        )
    return info.st_size


def open_binary(path: Path):
    try:
        return open(path, "rb")
    except PermissionError:
        raise FileProblemError(
            "the file cannot be read (permission denied)",
            path=path,
            hint="Ask for read access, or copy the file somewhere you can read it.",
        ) from None
    except OSError as exc:
        raise FileProblemError(
            f"the file cannot be opened ({exc.strerror or exc})",
            path=path,
            hint="Copy the file to a local folder and try again.",
        ) from None


def read_bytes(path: Path, size: int, limit: int, what: str, limit_name: str) -> bytes:
    """The whole file, refused (naming ``limit_name``) when it is larger than ``limit`` bytes."""
    if size > limit:
        raise FileProblemError(
            f"{what} of {size:,} bytes is larger than the {limit:,} bytes this reader accepts "
            f"(limit {limit_name})",
            path=path,
            hint="Split the export into smaller files. " + limits.raise_hint(limit_name, size),
        )
    with open_binary(path) as handle:
        try:
            return handle.read(limit + 1)
        except OSError as exc:
            raise FileProblemError(
                f"the file could not be read to the end ({exc.strerror or exc})",
                path=path,
                hint="Copy the file to a local folder and try again.",
            ) from None
