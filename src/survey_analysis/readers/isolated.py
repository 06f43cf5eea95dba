"""Opening a workbook with the value reader, in this process or in a separate, memory-limited one.

The value reader (python-calamine) is native code: when a file makes it ask
for more memory than there is, it aborts the whole process (in Jupyter, the
kernel), and when it meets a structure it does not expect it may panic and
print a dump on the error output.  The checks of this package run first and
decide, for most files, that the value reader can safely run here.  Where
they cannot decide (legacy .xls and binary .xlsb workbooks, whose records
they do not fully measure; zip containers laid out unusually; XML parts in an
encoding the byte-level checks cannot read), the file is parsed by
:mod:`.isolated_child` in a separate process whose address space is capped
at ``ISOLATED_PARSE_MEMORY`` bytes and whose time is capped at
``ISOLATED_PARSE_SECONDS``: if it dies or overruns, the file is refused with
an :class:`~survey_analysis.errors.UnsafeFileError` naming it, and nothing
reaches the analyst's error output.  Capping memory needs Linux
(``resource.setrlimit``); elsewhere such files are parsed here and the
checks alone protect.

Either way the value reader is given a path whose extension names the format
the checks found, so it parses the file as that format and no other (it
would otherwise try each format in turn).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import selectors
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import python_calamine

from ..errors import UnsafeFileError
from . import limits
from .guard import check_extent

__all__ = ["ISOLATION_AVAILABLE", "open_in_process", "native_errors_silenced", "IsolatedWorkbook"]

#: Whether files the checks cannot vouch for are parsed in a memory-limited process (Linux only).
ISOLATION_AVAILABLE = sys.platform.startswith("linux")
_CHILD = Path(__file__).with_name("isolated_child.py")
_EXTENSIONS = {"xlsx": "xlsx", "xlsm": "xlsm", "xlsb": "xlsb", "ods": "ods", "xls": "xls"}


class PinnedPath:
    """A path to the file whose extension names its format (a temporary link when the name differs)."""

    def __init__(self, path: Path, fmt: str) -> None:
        extension = "." + _EXTENSIONS[fmt]
        self._folder: str | None = None
        if path.suffix == extension:
            self.path = path
            return
        self._folder = tempfile.mkdtemp(prefix="survey-analysis-")
        self.path = Path(self._folder) / ("export" + extension)
        for link in (os.symlink, os.link, shutil.copyfile):
            try:
                link(os.path.abspath(path), self.path)
                return
            except OSError:
                continue
        self.close()
        raise OSError(f"no temporary copy of '{path}' could be made in {tempfile.gettempdir()}")

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def open_in_process(path: Path, fmt: str):
    """Open the workbook with the value reader here (the checks have vouched for it)."""
    pinned = PinnedPath(path, fmt)
    try:
        with native_errors_silenced():
            return python_calamine.load_workbook(str(pinned.path))
    finally:
        pinned.close()  # the value reader keeps its own handle on the file


_SILENCE = threading.Lock()
_silenced = 0
_saved_fd: int | None = None


@contextlib.contextmanager
def native_errors_silenced():
    """Send what native code writes to the error output (a panic's dump) nowhere, for the block's duration.

    The value reader turns a panic into a Python exception, which the
    readers turn into their own error; but the panic first prints a dump on
    the process's error output (file descriptor 2), which no Python setting
    reaches.  Python's own ``sys.stderr`` is flushed first; nested and
    concurrent blocks share one redirection.
    """
    global _silenced, _saved_fd
    with _SILENCE:
        if _silenced == 0:
            try:
                sys.stderr.flush()
            except (AttributeError, OSError, ValueError):
                pass
            try:
                _saved_fd = os.dup(2)
                with open(os.devnull, "wb") as sink:
                    os.dup2(sink.fileno(), 2)
            except OSError:
                _saved_fd = None
        _silenced += 1
    try:
        yield
    finally:
        with _SILENCE:
            _silenced -= 1
            if _silenced == 0 and _saved_fd is not None:
                os.dup2(_saved_fd, 2)
                os.close(_saved_fd)
                _saved_fd = None


class _Unpickler(pickle.Unpickler):
    """Only plain values and the datetime types come back from the parsing process."""

    _ALLOWED = {("datetime", name) for name in ("datetime", "date", "time", "timedelta", "timezone")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not expected from the parsing process")


class IsolatedWorkbook:
    """The value reader's workbook, parsed in a separate, memory-limited process.

    Offers what the readers use of python-calamine's workbook:
    ``sheets_metadata``, ``get_sheet_by_name(name)`` (a sheet with ``start``,
    ``end``, ``merged_cell_ranges`` and ``iter_rows()``) and ``close()``.
    Raises :class:`UnsafeFileError` naming the file when the process dies,
    runs out of its memory or time; :class:`ValueReaderError` carrying the
    value reader's own message when it refuses the file.
    """

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self._pinned = PinnedPath(path, fmt)
        self._deadline = time.monotonic() + limits.get("ISOLATED_PARSE_SECONDS")
        self._errors = tempfile.TemporaryFile()
        memory = limits.get("ISOLATED_PARSE_MEMORY") if ISOLATION_AVAILABLE else 0
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(_CHILD), str(self._pinned.path), str(memory)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
        )
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        try:
            kind, *rest = self._receive()
            if kind == "error":
                raise self._refused(*rest)
            self.sheets_metadata = [SimpleNamespace(name=name, typ=typ, visible=visible)
                                    for name, typ, visible in rest[0]]
        except BaseException:
            self.close()
            raise

    def get_sheet_by_name(self, name: str):
        self._send(("sheet", name))
        kind, *rest = self._receive()
        if kind == "error":
            raise self._refused(*rest)
        start, end, merged = rest
        if end is not None:  # the rows come padded from A1: refuse a block too large before it is sent
            try:
                check_extent(self.path, name, end[0] + 1, end[1] + 1)
            except UnsafeFileError:
                self._process.kill()
                raise
        rows: list[list] = []
        while True:
            kind, *rest = self._receive()
            if kind == "rows":
                rows.extend(rest[0])
            elif kind == "done":
                return SimpleNamespace(start=start, end=end, merged_cell_ranges=merged,
                                       iter_rows=lambda: iter(rows))
            else:
                raise self._refused(*rest)

    def _refused(self, kind: str, text: str) -> Exception:
        """The value reader's refusal; running out of memory while converting cells is the limit's doing."""
        if kind == "MemoryError" or "pointer is null" in text:
            self._process.kill()
            return self._died()
        return ValueReaderError(kind, text)

    def close(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            try:
                process.stdin.close()
                process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if getattr(self, "_selector", None) is not None:
            self._selector.close()
            self._selector = None
        self._errors.close()
        self._pinned.close()

    def _send(self, message) -> None:
        data = pickle.dumps(message, protocol=4)
        try:
            self._process.stdin.write(struct.pack("<Q", len(data)) + data)
            self._process.stdin.flush()
        except OSError:
            raise self._died() from None

    def _read(self, size: int) -> bytes:
        parts, wanted = [], size
        handle = self._process.stdout
        while wanted:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(timeout=remaining):
                self._process.kill()
                seconds = limits.get("ISOLATED_PARSE_SECONDS")
                raise UnsafeFileError(
                    f"reading the file took longer than {seconds} seconds (limit ISOLATED_PARSE_SECONDS), "
                    "so it was stopped; a survey export is read in a few seconds",
                    path=self.path,
                    hint="Open the file in Excel or LibreOffice and save it again as .xlsx, or export the "
                    "responses again. " + limits.raise_hint("ISOLATED_PARSE_SECONDS"),
                )
            chunk = os.read(handle.fileno(), min(wanted, 1 << 20))
            if not chunk:
                raise self._died()
            parts.append(chunk)
            wanted -= len(chunk)
        return b"".join(parts)

    def _receive(self):
        (length,) = struct.unpack("<Q", self._read(8))
        try:
            return _Unpickler(io.BytesIO(self._read(length))).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
            self._process.kill()
            raise UnsafeFileError(f"the parsing process sent something unexpected ({exc})", path=self.path,
                                  hint="Export the responses again from the survey tool.") from None

    def _died(self) -> UnsafeFileError:
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        memory = limits.get("ISOLATED_PARSE_MEMORY")
        how = (f"was stopped by signal {-code}" if code < 0 else
               "ran out of memory" if code in (0, 3) else f"ended with status {code}")
        return UnsafeFileError(
            f"the spreadsheet parser {how} while reading this file: the file asks for more than the "
            f"{memory:,} bytes of memory it may use (limit ISOLATED_PARSE_MEMORY) or is built to crash it",
            path=self.path,
            hint="Do not open this file; ask the sender for a fresh export straight from the survey tool. "
            "If you trust it, open it in Excel or LibreOffice and save it again as .xlsx. "
            + limits.raise_hint("ISOLATED_PARSE_MEMORY"),
        )


class ValueReaderError(Exception):
    """The value reader refused the file in the parsing process: ``kind`` is its exception class name."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind
