"""Every subcommand, driven through bad arguments, bad files and bad outputs, ends in exit 0, 2 or 130.

A failure is exit 2 with a message naming the fix ("What to do: ...") and no
traceback unless ``--debug``; Ctrl-C (SIGINT to a real process) is exit 130.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hostile as h
from conftest import CODEBOOK, SAMPLE
from survey_analysis import cli

EXPORT = SAMPLE / "google_forms.xlsx"


@pytest.fixture
def bad_files(tmp_path) -> dict[str, Path]:
    files = {"missing": tmp_path / "nope.xlsx", "folder": tmp_path}
    files["empty"] = tmp_path / "empty.xlsx"
    files["empty"].write_bytes(b"")
    files["hostile"] = tmp_path / "far.xlsx"
    files["hostile"].write_bytes(h.xlsx_bytes(h.sheet_xml(extra=h.far_cell("XFD1048576"))))
    files["binary"] = tmp_path / "noise.csv"
    files["binary"].write_bytes(bytes(range(256)) * 40)
    return files


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    err = capsys.readouterr().err
    return code, err


_COMMANDS_ON_A_FILE = [
    ["inspect"], ["codebook", "draft"], ["evidence", "--codebook", str(CODEBOOK)],
    ["segments", "--codebook", str(CODEBOOK)], ["map-text", "--codebook", str(CODEBOOK), "--column", "Comment"],
    ["report", "--codebook", str(CODEBOOK)],
]


@pytest.mark.parametrize("command", _COMMANDS_ON_A_FILE, ids=lambda c: c[0] + ("-" + c[1] if c[1:2] == ["draft"] else ""))
def test_every_command_on_bad_files_exits_2_with_the_fix(capsys, bad_files, command):
    for kind, path in bad_files.items():
        argv = [*command[:2], str(path), *command[2:]] if command[:2] == ["codebook", "draft"] else \
            [command[0], str(path), *command[1:]]
        code, err = _run(capsys, *argv)
        assert code == 2, (kind, argv, err)
        assert "What to do:" in err and "Traceback" not in err, (kind, err)
        assert err.count("\n") <= 3, (kind, err)


_BAD_ARGUMENTS = [
    [], ["no-such-command"], ["inspect"], ["inspect", str(EXPORT), "--no-such-option"],
    ["segments", str(EXPORT), "--method", "magic"], ["segments", str(EXPORT), "--k", "three"],
    ["sample", "--members", "lots"], ["sample", "--members", "5"], ["codebook"], ["codebook", "draft"],
    ["--limits", "MAX_SHEET_CELLS=lots", "inspect", str(EXPORT)], ["inspect", str(EXPORT), "--limits", "NO_SUCH=1"],
    ["evidence", str(EXPORT), "--codebook", "/nope/codebook.yml"], ["map-text", str(EXPORT), "--out", "x.pdf",
                                                                    "--column", "Comment"],
]


@pytest.mark.parametrize("argv", _BAD_ARGUMENTS, ids=lambda a: " ".join(a)[:40] or "nothing")
def test_bad_arguments_exit_2_with_the_fix(capsys, argv):
    code, err = _run(capsys, *argv)
    assert code == 2 and "Traceback" not in err
    assert "What to do" in err or "--help" in err, err


def test_outputs_that_would_damage_something_are_refused(capsys, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    draft = tmp_path / "draft.yml"
    draft.write_text("my edits")
    cases = [
        ["report", str(EXPORT), "--codebook", str(CODEBOOK), "--out", "/"],
        ["report", str(EXPORT), "--codebook", str(CODEBOOK), "--out", str(a_file)],
        ["report", str(EXPORT), "--codebook", str(CODEBOOK), "--out", str(a_file / "sub")],
        ["report", str(EXPORT), "--codebook", str(CODEBOOK), "--out", str(tmp_path)],  # someone else's files
        ["sample", "--out", str(a_file)],
        ["sample", "--out", "/"],
        ["codebook", "draft", str(EXPORT), "-o", str(draft)],
        ["codebook", "draft", str(EXPORT), "-o", str(tmp_path / "missing" / "draft.yml")],
    ]
    for argv in cases:
        code, err = _run(capsys, *argv)
        assert code == 2 and "What to do:" in err and "Traceback" not in err, (argv, err)
    assert draft.read_text() == "my edits" and a_file.read_text() == "mine"
    code, _ = _run(capsys, "codebook", "draft", str(EXPORT), "-o", str(draft), "--force")
    assert code == 0 and draft.read_text().startswith("# Draft codebook")
    sample_dir = tmp_path / "sample"
    assert _run(capsys, "sample", "--out", str(sample_dir))[0] == 0
    code, err = _run(capsys, "sample", "--out", str(sample_dir))
    assert code == 2 and "--force" in err
    assert _run(capsys, "sample", "--out", str(sample_dir), "--force")[0] == 0


def test_an_unexpected_failure_is_one_line_and_exit_2_and_debug_shows_it(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("something deep failed")

    monkeypatch.setitem(cli._COMMANDS, "inspect", broken)
    code, err = _run(capsys, "inspect", str(EXPORT))
    assert code == 2 and "something deep failed" in err and "--debug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "inspect", str(EXPORT)])
    with pytest.raises(RuntimeError):
        cli.main(["inspect", str(EXPORT), "--debug"])


def test_limits_raise_for_a_trusted_file(capsys, tmp_path):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(h.xlsx_bytes(h.sheet_xml(extra=h.far_cell("Z400"))))
    code, err = _run(capsys, "--limits", "MAX_SHEET_CELLS=10000", "inspect", str(path))
    assert code == 2 and "--limits MAX_SHEET_CELLS=" in err
    code, _ = _run(capsys, "inspect", str(path), "--limits", "max_sheet_cells=20K")
    assert code == 0


def test_map_text_out_masks_contact_details_unless_asked(capsys, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("Comment\nSună-mă la 0745 123 456 pentru proiectul comun de cercetare\n"
                       "Scrieți la ana.pop@imagomed.ro despre instruire\n", encoding="utf-8")
    out = tmp_path / "mapped.csv"
    assert _run(capsys, "map-text", str(answers), "--column", "Comment", "--codebook", str(CODEBOOK),
                "--out", str(out))[0] == 0
    written = out.read_text(encoding="utf-8-sig")
    assert "[phone]" in written and "[e-mail]" in written and "0745" not in written and "ana.pop" not in written
    code, err = _run(capsys, "map-text", str(answers), "--column", "Comment", "--codebook", str(CODEBOOK),
                     "--out", str(out))
    assert code == 2 and "--force" in err
    code, err = _run(capsys, "map-text", str(answers), "--column", "Comment", "--codebook", str(CODEBOOK),
                     "--out", str(out), "--force", "--unmasked")
    assert code == 0 and "warning: --unmasked" in err and "0745 123 456" in out.read_text(encoding="utf-8-sig")


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform.startswith("win"), reason="POSIX signals")
def test_ctrl_c_exits_130_and_leaves_the_output_as_it_was(tmp_path):
    """SIGINT, as Ctrl-C sends it, to a real command writing a large sample."""
    script = Path(sys.executable).parent / "survey-analysis"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "survey_analysis.cli"]
    process = subprocess.Popen([*command, "sample", "--members", "400000", "--out", str(tmp_path / "big")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    time.sleep(6)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (process.returncode, err[-500:])
    assert "interrupted" in err and "Traceback" not in err
    assert not list((tmp_path / "big").glob("*.xlsx")) if (tmp_path / "big").exists() else True
