"""Writing a set of output files so that no run leaves a half-written set that looks complete.

Reports are a set: ``index.html`` and the pages it links, made from one
input.  A run stopped midway (Ctrl-C, a crash, a full disk) must leave the
previous complete set, or the new complete set, or a folder whose
``index.html`` says the run did not finish -- never pages of two runs that
look like one set; two runs into one folder must not replace each other's
pages; and ``--out`` must never point a run at a folder it would damage.
This module owns that, for any stage that writes a set of files:

* :func:`check_output_folder` refuses a dangerous folder: the file-system
  root, the home folder, the root of a checkout of this project, a file or
  a path under a file, a folder that cannot be written, and (unless
  ``force``) a non-empty folder that holds neither a previous run's marker
  (:data:`MARKER`) nor only README files.
* :class:`OutputRun` takes the folder's lock (:data:`LOCK`; a second run
  refuses while the first is alive; the lock of a run whose process is gone
  is taken over, with a note), writes the new set into a staging folder
  inside it, stamps every page with the run's id and the input's SHA-256,
  and :meth:`OutputRun.commit` swaps the set in: first ``index.html``
  becomes a page saying a run is under way, then the pages are moved in one
  by one (each move is atomic), pages of the previous set that the new one
  lacks are removed, and last the new ``index.html`` -- which lists each
  page with the run id it checked the page carries -- replaces it.
* :func:`check_set` tells whether a folder holds one complete set.
* :func:`write_file` writes one file whole (temporary file, then rename) and
  refuses to replace an existing file unless ``force``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import socket
import tempfile
import uuid
import warnings
from pathlib import Path
from typing import Callable

from .errors import FileProblemError

try:  # a lock the operating system releases when its process dies (POSIX)
    import fcntl
except ImportError:  # pragma: no cover - Windows: the lock file's process id decides
    fcntl = None

__all__ = ["MARKER", "LOCK", "OutputRun", "OutputNote", "check_output_folder", "check_set", "write_file",
           "file_sha256", "replace_whole"]

#: Written into a folder that holds a set of outputs: which run made it, from which input, whether it finished.
MARKER = ".survey-analysis-output.json"
#: The folder's lock: which run is writing into it.
LOCK = ".survey-analysis.lock"
_STAGING_PREFIX = ".survey-analysis-run-"
_HARMLESS = re.compile(r"^(readme(\..*)?|\.gitignore|\.gitkeep|\.ds_store|thumbs\.db|desktop\.ini)$", re.I)
_RUN_META = re.compile(r'<meta name="survey-analysis-run" content="([0-9a-f-]+) ([0-9a-f]{64})">')
_PAGES_META = re.compile(r'<meta name="survey-analysis-pages" content="([^"]*)">')
_UNFINISHED_META = '<meta name="survey-analysis-state" content="unfinished">'


class OutputNote(UserWarning):
    """Something about the output folder the analyst should know (a stale lock taken over)."""


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes (the input's fingerprint on every page)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse(path: Path, message: str, hint: str) -> FileProblemError:
    return FileProblemError(message, path=path, hint=hint)


def _is_checkout_root(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(re.search(r'^name\s*=\s*["\']survey[-_]analysis["\']', text, re.M))


def _dangerous(folder: Path) -> str | None:
    """Why writing a set of outputs into ``folder`` would damage something (``None``: it would not)."""
    resolved = folder.resolve()
    if resolved == Path(resolved.anchor):
        return "it is the root of the file system"
    try:
        if resolved == Path.home().resolve():
            return "it is your home folder"
    except RuntimeError:  # no home folder known
        pass
    if _is_checkout_root(resolved):
        return "it is the root of a checkout of survey-analysis (the project's own files are there)"
    return None


def check_output_folder(folder: str | os.PathLike[str], *, force: bool = False, what: str = "the reports",
                        allow_foreign: bool = False) -> Path:
    """Refuse ``folder`` as the place for a set of outputs when writing there could damage something.

    Refused always: the file-system root, the home folder, the root of a
    checkout of this project, a file, a path under a file, a folder that
    cannot be written.  Refused unless ``force`` (or ``allow_foreign``, for
    stages that only add named files): a non-empty folder holding neither a
    previous run's marker nor only README files.  Returns the folder as an
    absolute path.  Raises :class:`FileProblemError` naming the fix.
    """
    folder = Path(folder).expanduser()
    absolute = Path(os.path.abspath(folder))
    pick = "Give --out a new or empty folder (for example reports/), or the folder of a previous run."
    why = _dangerous(absolute)
    if why:
        raise _refuse(absolute, f"refused as the place for {what}: {why}", pick)
    existing = absolute
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        where = "is a file" if existing == absolute else f"is under the file '{existing}'"
        raise _refuse(absolute, f"the place given for {what} {where}, not a folder", pick)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _refuse(absolute, f"the folder{' ' if existing == absolute else ' that would hold it, '}"
                      f"'{existing}', cannot be written (permission denied or read-only)",
                      "Choose a folder you can write to, or ask for write access.")
    if absolute.is_dir() and not (force or allow_foreign):
        names = [p.name for p in absolute.iterdir()]
        # A sub-folder holding another set of ours (reports/ro/ beside reports/) is ours too.
        foreign = [n for n in names if n not in (MARKER, LOCK) and not n.startswith(_STAGING_PREFIX)
                   and not _HARMLESS.match(n) and not (absolute / n / MARKER).is_file()]
        if foreign and MARKER not in names:
            shown = ", ".join(sorted(foreign)[:5]) + (" ..." if len(foreign) > 5 else "")
            raise _refuse(absolute, f"the folder holds files that no previous run of survey-analysis wrote "
                          f"({shown}); writing {what} there could replace or mix with them",
                          "Give --out a new or empty folder, or add --force to write there anyway.")
    return absolute


def write_file(path: str | os.PathLike[str], write: Callable[[Path], None], *, force: bool = False,
               what: str = "the file") -> Path:
    """Write one file whole: ``write(temporary_path)``, then rename it over ``path``.

    Refuses to replace an existing file unless ``force``, and refuses a path
    in a dangerous folder (see :func:`check_output_folder`).  A run stopped
    midway leaves the previous file (or none), never half of one.
    """
    path = Path(os.path.abspath(Path(path).expanduser()))
    if path.is_dir():
        raise _refuse(path, f"{what} would be written over a folder", "Give a file name, not a folder.")
    check_output_folder(path.parent, what=what, allow_foreign=True)
    if not path.parent.is_dir():
        raise _refuse(path, f"{what} cannot be written: its folder '{path.parent}' does not exist",
                      "Create the folder first, or give a path in an existing folder.")
    if path.exists() and not force:
        raise _refuse(path, f"{what} already exists and would be overwritten",
                      "Give another file name, or add --force to replace it.")
    return replace_whole(path, write)


def replace_whole(path: Path, write: Callable[[Path], None]) -> Path:
    """``write(temporary_path)`` beside ``path``, then rename it over ``path``: never half a file.

    No checks: the caller has decided that ``path`` may be written.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _atomic_text(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return False
    return True


class OutputRun:
    """One run writing a set of files into a folder: guarded, locked, staged, swapped in whole.

    Use as a context manager::

        with OutputRun(out, input_path=export, force=False) as run:
            page = run.staging / "01_overview.html"
            ...write the page...
            run.stamp(page)
            run.commit(index=run.staging / "index.html")

    Leaving the block without :meth:`commit` (an error, Ctrl-C) leaves the
    previous set as it was and removes the staging folder; a process killed
    outright leaves the staging folder and its lock, which the next run
    removes and takes over.

    Attributes
    ----------
    folder : Path
        The output folder.
    staging : Path
        Where the run writes its files (a hidden folder inside ``folder``).
    run_id : str
        This run's id, stamped on every page.
    input_hash : str
        SHA-256 of the input file ('' without one), stamped on every page.
    notes : list of str
        What the analyst should know (a stale lock taken over).
    """

    def __init__(self, folder: str | os.PathLike[str], *, input_path: str | os.PathLike[str] | None = None,
                 force: bool = False, what: str = "the reports") -> None:
        self.folder = check_output_folder(folder, force=force, what=what)
        self.what = what
        self.run_id = str(uuid.uuid4())
        self.input_path = None if input_path is None else Path(input_path)
        self.input_hash = file_sha256(input_path) if input_path is not None else ""
        self.started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.staging = self.folder / f"{_STAGING_PREFIX}{self.run_id}"
        self.notes: list[str] = []
        self._lock_handle = None
        self._committed = False

    # -- the lock ------------------------------------------------------------------------------

    def _lock_record(self, state: str) -> str:
        return json.dumps({"run_id": self.run_id, "pid": os.getpid(), "host": socket.gethostname(),
                           "started": self.started, "state": state})

    def _acquire(self) -> None:
        path = self.folder / LOCK
        handle = open(path, "a+", encoding="utf-8")
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise self._busy(path) from None
            handle.seek(0)
            previous = handle.read()
            try:
                record = json.loads(previous) if previous.strip() else {}
            except ValueError:
                record = {}
            if record.get("state") == "running":
                alive = record.get("host") == socket.gethostname() and _process_alive(int(record.get("pid", -1)))
                if fcntl is None and alive:
                    raise self._busy(path)
                note = (f"A previous run ({record.get('run_id', '?')}, started {record.get('started', '?')}, "
                        f"process {record.get('pid', '?')}) stopped without finishing; its lock on "
                        f"{self.folder} was taken over.")
                self.notes.append(note)
                warnings.warn(note, OutputNote, stacklevel=3)
            handle.seek(0)
            handle.truncate()
            handle.write(self._lock_record("running"))
            handle.flush()
        except BaseException:
            handle.close()
            raise
        self._lock_handle = handle

    def _busy(self, path: Path) -> FileProblemError:
        try:
            record = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            record = {}
        return FileProblemError(
            f"another run is writing {self.what} into this folder (process {record.get('pid', '?')} on "
            f"{record.get('host', '?')}, started {record.get('started', '?')})",
            path=self.folder,
            hint="Wait for it to finish, or give --out another folder.")

    def _release(self) -> None:
        if self._lock_handle is None:
            return
        try:
            self._lock_handle.seek(0)
            self._lock_handle.truncate()
            self._lock_handle.write(self._lock_record("released"))
            self._lock_handle.flush()
        finally:
            if fcntl is not None:
                fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    # -- the run -------------------------------------------------------------------------------

    def __enter__(self) -> "OutputRun":
        self.folder.mkdir(parents=True, exist_ok=True)
        self._acquire()
        try:
            for old in self.folder.glob(_STAGING_PREFIX + "*"):  # left by a run killed outright
                shutil.rmtree(old, ignore_errors=True)
            self.staging.mkdir()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()

    #: The words of the stamp; a report in another language passes its own (see :meth:`stamp`).
    STAMP_WORDS = {"run": "Run {run_id} \u00b7 input SHA-256 {input_hash} \u00b7 {started}",
                   "checked": "Checked: all {n} pages come from this run and this input.",
                   "not_checked": "These pages do not come from this run: {pages}."}

    def stamp_text(self, page: str, *, words: dict[str, str] | None = None) -> str:
        """A page's HTML with the run's id and input hash in a meta element and a line at its foot.

        A page with a provenance footer (``<footer class="provenance">``) gets
        the line inside it, so that the footer stays one block; ``words``
        replaces :data:`STAMP_WORDS` (the report's language).
        """
        words = {**self.STAMP_WORDS, **(words or {})}
        meta = f'<meta name="survey-analysis-run" content="{self.run_id} {self.input_hash or "0" * 64}">'
        line = html.escape(words["run"].format(run_id=self.run_id, input_hash=self.input_hash[:16] or "-",
                                               started=self.started))
        page = page.replace("<head>", "<head>\n" + meta, 1) if "<head>" in page else meta + page
        footer = re.search(r'<footer class="provenance">.*?(</footer>)', page, re.S)
        if footer is not None:
            at = footer.start(1)
            return page[:at] + f'; <span class="survey-analysis-run">{line}</span>' + page[at:]
        paragraph = f'<p class="survey-analysis-run" style="color:#777;font-size:.8rem">{line}</p>'
        return page.replace("</body>", paragraph + "\n</body>", 1) if "</body>" in page else page + paragraph

    def stamp(self, page: Path, *, pages: list[Path] | None = None, words: dict[str, str] | None = None) -> Path:
        """Stamp a page written into :attr:`staging` (see :meth:`stamp_text`).

        For an index, ``pages`` are the staged pages it links: each is checked
        to carry this run's stamp, and the index says so (or names the page
        that does not).
        """
        words = {**self.STAMP_WORDS, **(words or {})}
        text = self.stamp_text(page.read_text(encoding="utf-8"), words=words)
        if pages is not None:
            checked = [(p.name, self._stamp_of(p) == self.run_id) for p in pages]
            wrong = [name for name, ok in checked if not ok]
            line = (f'<p class="survey-analysis-check" style="color:#777;font-size:.8rem">'
                    f'{html.escape(words["checked"].format(n=len(checked)))}</p>' if not wrong else
                    f'<p class="survey-analysis-check" style="color:#b00">'
                    f'{html.escape(words["not_checked"].format(pages=", ".join(wrong)))}</p>')
            anchor = '<p class="survey-analysis-run"'
            text = text.replace(anchor, line + "\n" + anchor, 1) if anchor in text else \
                text.replace("</body>", line + "\n</body>", 1)
            listed = " ".join(html.escape(str(p.relative_to(self.staging)), quote=True) for p in pages)
            text = text.replace("<head>", f'<head>\n<meta name="survey-analysis-pages" content="{listed}">', 1)
        page.write_text(text, encoding="utf-8")
        return page

    def _marker(self, finished: bool, files: list[str]) -> None:
        record = {"tool": "survey-analysis", "what": self.what, "run_id": self.run_id,
                  "input": None if self.input_path is None else str(self.input_path),
                  "input_sha256": self.input_hash, "started": self.started, "finished": finished,
                  "files": files}
        _atomic_text(self.folder / MARKER, json.dumps(record, indent=1, ensure_ascii=False))

    def _unfinished_index(self) -> str:
        return self.stamp_text(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" + _UNFINISHED_META
            + "<title>Reports being written</title>"
            "</head><body><h1>These reports are incomplete</h1><p>A run of survey-analysis started writing new "
            f"reports here at {html.escape(self.started)} and has not finished (it may have been stopped). The "
            "pages in this folder may come from two different runs: do not use them. Run the reports again."
            "</p></body></html>\n")

    def commit(self, *, index: Path | None = None) -> list[Path]:
        """Swap the staged set into the folder; returns the files now there, ``index.html`` first.

        Every staged ``.html`` page must carry this run's stamp (checked
        first).  ``index`` (a staged file) is moved in last, after the
        folder's ``index.html`` said the run was under way.
        """
        staged = sorted(p for p in self.staging.rglob("*") if p.is_file())
        unstamped = [p.name for p in staged if p.suffix == ".html" and self._stamp_of(p) != self.run_id]
        if unstamped:
            raise FileProblemError(f"pages without this run's stamp: {', '.join(unstamped)}", path=self.staging,
                                   hint="this is a fault of the workbench; please report it.")
        names = [str(p.relative_to(self.staging)) for p in staged]
        previous = self._previous_files()
        # The marker lists old and new files until the swap is over, so that a run killed inside it
        # leaves the next run the names of every file to clear.
        self._marker(False, sorted(previous | set(names)))
        index_target = self.folder / "index.html"
        _atomic_text(index_target, self._unfinished_index())
        for source in staged:
            if index is not None and source == index:
                continue
            target = self.folder / source.relative_to(self.staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        for stale in previous - set(names) - {"index.html"}:
            candidate = self.folder / stale
            if candidate.is_file() and candidate.resolve().is_relative_to(self.folder):
                candidate.unlink()
        if index is not None:
            os.replace(index, index_target)
        self._marker(True, names)
        self._committed = True
        written = [self.folder / name for name in names]
        return sorted(written, key=lambda p: p.name != "index.html")

    def _previous_files(self) -> set[str]:
        try:
            record = json.loads((self.folder / MARKER).read_text(encoding="utf-8"))
            return {str(name) for name in record.get("files", [])}
        except (OSError, ValueError, AttributeError):
            return set()

    @staticmethod
    def _stamp_of(page: Path) -> str | None:
        match = _RUN_META.search(page.read_text(encoding="utf-8", errors="replace")[:20_000])
        return match.group(1) if match else None


def check_set(folder: str | os.PathLike[str]) -> tuple[bool, list[str]]:
    """Whether ``folder`` holds one complete set of outputs, and what is wrong if not.

    Complete means: ``index.html`` is a finished run's index, and every page
    it lists is there and carries that run's id and input hash -- what the
    index checked when it was written.
    """
    index = Path(folder) / "index.html"
    try:
        text = index.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False, ["there is no index.html"]
    if _UNFINISHED_META in text:
        return False, ["index.html says a run did not finish"]
    stamp, listed = _RUN_META.search(text), _PAGES_META.search(text)
    if stamp is None or listed is None:
        return False, ["index.html was not written by a run of survey-analysis"]
    problems = []
    for name in html.unescape(listed.group(1)).split():
        path = Path(folder) / name
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        match = _RUN_META.search(path.read_text(encoding="utf-8", errors="replace")[:20_000])
        if match is None or match.groups() != stamp.groups():
            problems.append(f"{name} comes from another run")
    return not problems, problems
