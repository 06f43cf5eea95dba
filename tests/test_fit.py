"""The fit guard: an export that matches its codebook only in part is never analysed silently.

The bundled sample fits the bundled codebook fully; the partial codebooks here
are that codebook with some questions worded so that no column matches them, or
with answers the export does not use, and every analysis per direction must
then refuse (naming the questions and the fix) or, when allowed, warn and say
what is missing in its result.
"""

from __future__ import annotations

import json
import re
import warnings

import pytest
import yaml

import survey_analysis as sa
from survey_analysis.cli import main

from conftest import CODEBOOK, ROOT, SAMPLE

EXPORT = SAMPLE / "google_forms.xlsx"


def _codebook(tmp_path, change, name="partial.yml"):
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _reword(*ids):
    def change(data):
        for q in data["questions"]:
            if q["id"] in ids:
                q["text"] = {"en": f"A question this export never asked ({q['id']})", "ro": f"Altă întrebare {q['id']}"}
    return change


@pytest.fixture(scope="module")
def partial_survey(tmp_path_factory):
    """The sample read with a codebook whose SD3 items (B7, B8, B9, C3) match no column."""
    path = _codebook(tmp_path_factory.mktemp("fit"), _reword("B7", "B8", "B9", "C3"))
    return sa.load_responses(EXPORT, path)


def test_the_sample_fits_its_codebook(sample_survey):
    fit = sample_survey.fit
    assert not fit.partial and fit.missing == [] and fit.left_out == []
    info = fit.to_dict()
    assert {"partial", "missing", "questions", "directions", "uncoded", "left_out", "fix"} <= set(info)
    assert info["directions"]["SD1"] == {"items_in_codebook": 4, "items_matched": 4, "unmatched": []}
    assert all(q["matched"] for q in info["questions"].values())
    json.dumps(info)  # JSON-ready
    assert sa.check_fit(sample_survey) is fit


def test_a_direction_with_unmatched_items_is_named_with_the_fix(partial_survey):
    fit = partial_survey.fit
    assert fit.partial
    assert fit.directions["SD3"] == {"items_in_codebook": 4, "items_matched": 0, "unmatched": ["B7", "B8", "B9", "C3"]}
    assert fit.missing == ["SD3 Competencies: 4 of 4 items not in the export (B7, B8, B9, C3)."]
    assert "survey-analysis codebook align" in fit.fix and str(EXPORT) in fit.fix


def test_a_partial_codebook_never_gives_evidence_without_its_warning(partial_survey):
    with pytest.raises(sa.PartialMatchError) as err:
        sa.direction_evidence(partial_survey, n_boot=50)
    message = str(err.value)
    assert "B7, B8, B9, C3" in message and "codebook align" in message and "--allow-partial" in message
    with pytest.warns(sa.PartialMatchWarning, match="SD3"):
        table = sa.direction_evidence(partial_survey, n_boot=50, allow_partial=True)
    assert table.attrs["fit"]["partial"] is True
    assert "SD3" in " ".join(table.attrs["fit"]["missing"])
    for analysis in (sa.direction_support_table, sa.priority_profiles):
        with pytest.raises(sa.PartialMatchError):
            analysis(partial_survey)
        with pytest.warns(sa.PartialMatchWarning):
            assert analysis(partial_survey, allow_partial=True).attrs["fit"]["partial"] is True


@pytest.mark.parametrize("item", ["B1", "B6", "B12", "C2", "C5", "D"])
def test_any_single_missing_item_or_the_ranking_stops_the_evidence(tmp_path, item):
    survey = sa.load_responses(EXPORT, _codebook(tmp_path, _reword(item)))
    with pytest.raises(sa.PartialMatchError) as err:
        sa.direction_evidence(survey, n_boot=20)
    assert item in str(err.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sa.direction_evidence(survey, n_boot=20, allow_partial=True)
    assert any(issubclass(w.category, sa.PartialMatchWarning) for w in caught)


def test_answers_the_codebook_cannot_code_stop_the_evidence(tmp_path):
    # The agreement statements given the importance scale: "Agree", "Neutral" ... cannot be coded.
    def change(data):
        for q in data["questions"]:
            if q["id"].startswith("C"):
                q["scale"] = "importance5"
    survey = sa.load_responses(EXPORT, _codebook(tmp_path, change))
    assert {"C1", "C2", "C3", "C4", "C5"} <= set(survey.fit.uncoded)
    share = survey.fit.uncoded["C1"]["share"]
    assert share > 0.5
    with pytest.raises(sa.PartialMatchError) as err:
        sa.direction_evidence(survey, n_boot=20)
    assert "could not be coded" in str(err.value)


def test_a_few_uncoded_answers_within_the_limit_are_no_refusal(tmp_path):
    from filebuilders import write_xlsx

    grid = "How important are these activities for your organisation?"
    rows = [["Timestamp", f"{grid} [Thematic webinars]"]]
    rows += [["2019-01-14 10:00:00", "Very important"]] * 600 + [["2019-01-14 10:00:00", "Whatever"]] * 5
    survey = sa.load_responses(write_xlsx(tmp_path / "x.xlsx", {"Form Responses 1": rows}), CODEBOOK, min_answered=0)
    assert survey.fit.uncoded["B9"]["uncoded"] == 5
    assert not [g for g in survey.fit.gaps if g["question"] == "B9"]  # 5 of 605 is under 1%


def test_a_missing_role_question_leaves_its_analysis_out_with_a_reason(tmp_path):
    survey = sa.load_responses(EXPORT, _codebook(tmp_path, _reword("A5", "A1")))
    fit = survey.fit
    assert not fit.partial  # region is not needed by the evidence; the organisation name is identifying
    assert fit.left_out == ["Regions are not compared: the region question (A5) is not in the export."]
    table = sa.direction_evidence(survey, n_boot=20)
    assert table.attrs["fit"]["left_out"] == fit.left_out


def test_surveys_built_by_hand_pass_the_check_unchecked():
    class StandIn:
        responses = None

    assert sa.check_fit(StandIn()).checked is False


def test_cli_refuses_a_partial_match_and_runs_it_when_allowed(tmp_path, capsys):
    codebook = str(_codebook(tmp_path, _reword("B7", "B8", "B9", "C3")))
    assert main(["evidence", str(EXPORT), "--codebook", codebook]) == 2
    err = capsys.readouterr().err
    assert "B7, B8, B9, C3" in err and "codebook align" in err and "Traceback" not in err
    assert main(["evidence", str(EXPORT), "--codebook", codebook, "--json", "--allow-partial"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fit"]["partial"] is True and out["fit"]["missing"]
    assert "SD3" not in [r["direction"] for r in out["directions"]]
    assert main(["segments", str(EXPORT), "--codebook", codebook]) == 2
    assert main(["segments", str(EXPORT), "--codebook", codebook, "--json", "--allow-partial"]) == 0
    assert json.loads(capsys.readouterr().out)["fit"]["partial"] is True
    assert main(["report", str(EXPORT), "--codebook", codebook, "--out", str(tmp_path / "reports")]) == 2
    assert "codebook align" in capsys.readouterr().err
    assert not (tmp_path / "reports" / "index.html").exists()


def test_map_text_refuses_when_a_free_text_question_is_missing(tmp_path, capsys):
    codebook = str(_codebook(tmp_path, _reword("G2")))
    assert main(["map-text", str(EXPORT), "--codebook", codebook]) == 2
    assert "G2" in capsys.readouterr().err
    assert main(["map-text", str(EXPORT), "--codebook", codebook, "--json", "--allow-partial"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fit"]["partial"] is True


def test_inspect_json_carries_the_fit(capsys):
    assert main(["inspect", str(EXPORT), "--codebook", str(CODEBOOK), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fit"]["partial"] is False and out["recoded"] == []


def test_the_notebooks_check_the_fit_after_loading():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        parameters = "".join(cells[0]["source"])
        assert "parameters" in cells[0]["metadata"].get("tags", [])
        assert "allow_partial = False" in parameters, path.name
        code = "".join("".join(c["source"]) for c in cells)
        if "sa.Findings.load(" in code:  # the report notebooks: the findings load and check the fit at once
            assert re.search(r"sa\.Findings\.load\([^)]*allow_partial=allow_partial", code), path.name
            continue
        load = code.index("sa.load_responses(")
        assert code.index("sa.check_fit(survey, allow_partial=allow_partial") > load, path.name
