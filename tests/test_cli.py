"""The survey-analysis command: each subcommand on the sample, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from survey_analysis.cli import main

from conftest import CODEBOOK, SAMPLE

EXPORT = str(SAMPLE / "google_forms.xlsx")


def test_evidence_json_has_one_record_per_direction(capsys):
    assert main(["evidence", EXPORT, "--codebook", str(CODEBOOK), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    records = out["directions"] if isinstance(out, dict) else out
    assert [r["direction"] for r in records] == ["SD1", "SD2", "SD3", "SD4", "SD5"]
    assert all(r["n"] == 150 for r in records)


def test_segments_json_gives_no_respondent_map_unless_asked(capsys):
    assert main(["segments", EXPORT, "--codebook", str(CODEBOOK), "--k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 3 and not out["no_distinct_segments"]
    assert sum(s["n"] for s in out["segments"]) == 150
    # the respondent-to-segment map only when asked for
    assert "respondents" not in out


def test_segments_k_1_means_no_distinct_segments(capsys):
    assert main(["segments", EXPORT, "--k", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 1 and out["no_distinct_segments"]
    assert [s["n"] for s in out["segments"]] == [150]
    assert out["segments"][0]["name"] == "all members (no distinct segments)"


def test_map_text_reads_a_plain_csv_column(tmp_path, capsys):
    path = tmp_path / "ideas.csv"
    path.write_text("id;idea\n1;Cursuri de instruire pentru tehnicienii radiologi\n2;A common stand at the fair\n",
                    encoding="utf-8")
    assert main(["map-text", str(path), "--column", "idea", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [a["direction"] for a in out["answers"]] == ["SD3", "SD5"]


def test_codebook_draft_writes_yaml_that_loads(tmp_path):
    target = tmp_path / "draft.yml"
    assert main(["codebook", "draft", str(SAMPLE / "microsoft_forms.xlsx"), "-o", str(target)]) == 0
    from survey_analysis import load_responses, read_codebook

    cb = read_codebook(target)
    assert len(cb.questions) > 20
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["questions"][0]["id"]
    survey = load_responses(SAMPLE / "microsoft_forms.xlsx", target)
    assert survey.n == 150


def test_console_script_reports_bad_input_without_traceback(tmp_path):
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "survey_analysis.cli", "inspect", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "empty.xlsx" in result.stderr and "Traceback" not in result.stderr
    debug = subprocess.run([sys.executable, "-m", "survey_analysis.cli", "--debug", "inspect", str(bad)],
                           capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_map_text_never_guesses_a_column(tmp_path, capsys):
    from filebuilders import write_xlsx

    path = write_xlsx(tmp_path / "no_text.xlsx", {"Form Responses 1": [
        ["Timestamp", "Email Address", "Organisation name", "Member category"],
        ["2019-01-14", "a@x.ro", "Spitalul Clinic Judetean de Urgenta Iasi", "Other"]]})
    assert main(["map-text", str(path), "--out", str(tmp_path / "m.csv")]) == 2
    err = capsys.readouterr().err
    assert "--column" in err and not (tmp_path / "m.csv").exists()
    assert main(["map-text", str(path), "--column", "Organisation name"]) == 2
    assert "identifies" in capsys.readouterr().err


def test_segments_cli_recovers_the_planted_segments(capsys):
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    assert main(["segments", EXPORT, "--json", "--rows"]) == 0
    out = json.loads(capsys.readouterr().out)
    truth = pd.read_csv(SAMPLE / "truth.csv", dtype=str).set_index("respondent_id")["segment"]
    ids, labels = zip(*out["respondents"].items())
    assert adjusted_rand_score(truth.loc[list(ids)], list(labels)) >= 0.95


def test_cli_refuses_a_tiny_sample_and_an_unwritable_draft(tmp_path, capsys):
    assert main(["sample", "--members", "5", "--out", str(tmp_path)]) == 2
    assert main(["codebook", "draft", str(SAMPLE / "google_forms.xlsx"), "-o", str(tmp_path / "no" / "x.yml")]) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_report_takes_the_language_of_the_reports(capsys):
    from survey_analysis.cli import build_parser

    args = build_parser().parse_args(["report", "export.xlsx", "--lang", "ro"])
    assert args.lang == "ro"
    assert build_parser().parse_args(["report", "export.xlsx"]).lang == "en"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "export.xlsx", "--lang", "fr"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err
