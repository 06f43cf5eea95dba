"""Output folders: refusals, the lock, and a set swapped in whole, tested with real processes and real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from survey_analysis.errors import FileProblemError
from survey_analysis.outputs import (LOCK, MARKER, OutputNote, OutputRun, check_output_folder, check_set,
                                     write_file)

ROOT = Path(__file__).resolve().parents[1]


def test_dangerous_folders_are_refused(tmp_path, monkeypatch):
    with pytest.raises(FileProblemError, match="root of the file system"):
        check_output_folder("/")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(FileProblemError, match="home folder"):
        check_output_folder(home)
    with pytest.raises(FileProblemError, match="checkout of survey-analysis"):
        check_output_folder(ROOT)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    with pytest.raises(FileProblemError, match="is a file"):
        check_output_folder(a_file)
    with pytest.raises(FileProblemError, match="under the file"):
        check_output_folder(a_file / "reports")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(FileProblemError, match="cannot be written"):
        check_output_folder(tmp_path / "new")


def test_a_folder_of_someone_elses_files_needs_force(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "budget.xlsx").write_bytes(b"x")
    with pytest.raises(FileProblemError, match="budget.xlsx") as caught:
        check_output_folder(folder)
    assert "--force" in str(caught.value)
    assert check_output_folder(folder, force=True) == folder
    readme_only = tmp_path / "readme"
    readme_only.mkdir()
    (readme_only / "README.md").write_text("what this folder is for")
    (readme_only / ".gitignore").write_text("*.html")
    assert check_output_folder(readme_only) == readme_only
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / MARKER).write_text("{}")
    (previous / "01_overview.html").write_text("old")
    assert check_output_folder(previous) == previous


def _write_set(folder: Path, label: str, input_path: Path, pages: int = 3) -> list[Path]:
    with OutputRun(folder, input_path=input_path) as run:
        staged = []
        for k in range(pages):
            page = run.staging / f"0{k}_page.html"
            page.write_text(f"<html><head></head><body>{label} {k}</body></html>", encoding="utf-8")
            staged.append(run.stamp(page))
        index = run.staging / "index.html"
        index.write_text(f"<html><head></head><body>{label} index</body></html>", encoding="utf-8")
        return run.commit(index=run.stamp(index, pages=staged))


def test_a_set_is_swapped_in_whole_and_checked(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("a,b\n1,2\n")
    folder = tmp_path / "reports"
    written = _write_set(folder, "first", export, pages=3)
    assert written[0].name == "index.html" and len(written) == 4
    assert check_set(folder) == (True, [])
    index = (folder / "index.html").read_text()
    assert "Checked: all 3 pages come from this run" in index
    marker = json.loads((folder / MARKER).read_text())
    assert marker["finished"] and marker["input_sha256"] in index.replace(" ", " ")  # the page carries the hash
    # A second run with fewer pages leaves no page of the first behind.
    _write_set(folder, "second", export, pages=2)
    assert sorted(p.name for p in folder.glob("*.html")) == ["00_page.html", "01_page.html", "index.html"]
    assert check_set(folder) == (True, [])
    # A page changed by hand (or by another run) is noticed.
    (folder / "01_page.html").write_text("<html><head></head><body>edited</body></html>")
    ok, problems = check_set(folder)
    assert not ok and problems == ["01_page.html comes from another run"]


def test_leaving_the_run_without_commit_keeps_the_previous_set(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("a\n1\n")
    folder = tmp_path / "reports"
    _write_set(folder, "first", export)
    with pytest.raises(RuntimeError):
        with OutputRun(folder, input_path=export) as run:
            (run.staging / "00_page.html").write_text("<html><head></head><body>half</body></html>")
            raise RuntimeError("a notebook failed")
    assert check_set(folder) == (True, [])
    assert "first 0" in (folder / "00_page.html").read_text()
    assert not [p for p in folder.iterdir() if p.name.startswith(".survey-analysis-run-")]


_SLOW_RUN = r"""
import os, sys, time
from pathlib import Path
from survey_analysis.outputs import OutputRun
folder, export, label, pause = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
replace = os.replace
def slow_replace(source, target):  # every step of the swap takes a while, so a kill can land inside it
    replace(source, target)
    time.sleep(pause)
os.replace = slow_replace
with OutputRun(folder, input_path=export) as run:
    print("staging", flush=True)
    pages = []
    for k in range(4):
        page = run.staging / f"0{k}_page.html"
        page.write_text(f"<html><head></head><body>{label} {k}</body></html>", encoding="utf-8")
        pages.append(run.stamp(page))
        time.sleep(pause)
    index = run.staging / "index.html"
    index.write_text(f"<html><head></head><body>{label} index</body></html>", encoding="utf-8")
    if sys.argv[5:] == ["hold"]:
        time.sleep(60)
    run.commit(index=run.stamp(index, pages=pages))
print("done", flush=True)
"""


def _start(folder: Path, export: Path, label: str, pause: float, *extra: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, str(folder), str(export), label, str(pause), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "staging", process.stderr.read()
    return process


def _labels(folder: Path) -> set[str]:
    return {path.read_text().split("<body>")[1].split()[0] for path in folder.glob("*.html")}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_run_killed_at_any_moment_never_leaves_two_runs_looking_like_one_set(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("a,b\n1,2\n")
    folder = tmp_path / "reports"
    _write_set(folder, "old", export, pages=4)
    # Staging takes 4 x 0.1 s, then each step of the swap 0.1 s: kills land in staging, in the swap, and after.
    for delay in (0.25, 0.6, 0.85, 1.1):
        process = _start(folder, export, "new", 0.1)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = "done" not in process.stdout.read()
        complete, problems = check_set(folder)
        index = (folder / "index.html").read_text()
        if complete:  # the previous set or the new one, whole
            assert len(_labels(folder)) == 1, (delay, _labels(folder))
        else:  # the index says the run did not finish
            assert "These reports are incomplete" in index, (delay, problems)
        # The next run takes the dead run's lock over, with a note, and leaves a complete set.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _write_set(folder, "old", export, pages=4)
        assert killed == any(issubclass(w.category, OutputNote) for w in caught), delay
        assert check_set(folder) == (True, [])
        assert not [p for p in folder.iterdir() if p.name.startswith(".survey-analysis-run-")]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_two_runs_into_one_folder_do_not_mix(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("a,b\n1,2\n")
    folder = tmp_path / "reports"
    holder = _start(folder, export, "first", 0.0, "hold")
    try:
        with pytest.raises(FileProblemError, match="another run is writing") as caught:
            _write_set(folder, "second", export)
        assert str(holder.pid) in str(caught.value)
        assert not (folder / "index.html").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with pytest.warns(OutputNote):
        _write_set(folder, "second", export)
    assert _labels(folder) == {"second"} and check_set(folder) == (True, [])
    assert json.loads((folder / LOCK).read_text())["state"] == "released"


def test_write_file_refuses_to_overwrite_and_never_leaves_half_a_file(tmp_path):
    target = tmp_path / "codebook.yml"
    write_file(target, lambda path: path.write_text("first"))
    with pytest.raises(FileProblemError, match="--force"):
        write_file(target, lambda path: path.write_text("second"))

    def broken(path):
        path.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_file(target, broken, force=True)
    assert target.read_text() == "first" and [p.name for p in tmp_path.iterdir()] == ["codebook.yml"]
    write_file(target, lambda path: path.write_text("second"), force=True)
    assert target.read_text() == "second"
