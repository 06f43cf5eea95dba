"""The bundled questionnaire exported by other tools in other hands' wording.

For each wording in ``tests/data/wordings/author_a/`` (written by someone who
saw only the English source questionnaire; see that folder's README) the
answers planted by ``tests/wordings.py`` are written as that tool's export.
Without aligning the codebook, every analysing command must give the answer
the planted data hold or refuse, naming the command that fixes it; never a
wrong answer without a warning.  After ``survey-analysis codebook align``,
``evidence`` must give the order of the directions and the support the
answers hold (computed independently by plain arithmetic in ``truth``).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import survey_analysis as sa
from survey_analysis.cli import main

from conftest import CODEBOOK
from wordings import WORDINGS, build_export, compare, plant_answers, read_wording, truth, variant_files

VARIANTS = variant_files(WORDINGS / "author_a")


@pytest.fixture(scope="module")
def planted():
    return plant_answers()


@pytest.fixture(scope="module")
def exports(planted, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wordings")
    return {path.stem: build_export(path, planted, folder) for path in VARIANTS}


def test_the_six_wordings_are_there_and_say_how_they_were_written():
    assert [p.stem for p in VARIANTS] == ["google_forms_ro", "kobo_en", "limesurvey_codes",
                                         "microsoft_forms_ro_nodiacritics", "qualtrics_en", "surveymonkey_en"]
    tools = {read_wording(p)["tool"] for p in VARIANTS}
    assert tools == {"google_forms", "kobo", "limesurvey", "microsoft_forms", "qualtrics", "surveymonkey"}
    assert all(read_wording(p)["notes"] for p in VARIANTS)


def test_the_planted_truth_has_a_clear_order(planted):
    support = truth(planted)
    ordered = sorted(support.values(), reverse=True)
    assert min(a - b for a, b in zip(ordered, ordered[1:])) > 0.05
    assert len(planted.answers) == 120


@pytest.mark.parametrize("variant", [p.stem for p in VARIANTS])
def test_each_export_is_read_as_its_tools_layout(exports, variant):
    raw_source = sa.load_responses(exports[variant]).source  # no codebook: the layout alone
    expected = read_wording(WORDINGS / "author_a" / f"{variant}.yml")["tool"]
    assert raw_source == expected


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("variant", [p.stem for p in VARIANTS])
def test_without_align_every_command_is_right_or_refuses_naming_the_fix(exports, planted, variant, capsys, tmp_path):
    export = str(exports[variant])
    expected = truth(planted)
    code, out, err = _run(["evidence", export, "--codebook", str(CODEBOOK), "--json"], capsys)
    if code == 0:
        records = json.loads(out)["directions"]
        support = {r["direction"]: r["support"] for r in records}
        assert sorted(support, key=support.get, reverse=True) == sorted(expected, key=expected.get, reverse=True)
        assert max(abs(support[d] - expected[d]) for d in expected) < 0.05
    else:
        assert code == 2 and "codebook align" in err, err
    evidence_refused = code == 2

    code, out, err = _run(["segments", export, "--codebook", str(CODEBOOK), "--json", "--rows"], capsys)
    if code == 0:
        from sklearn.metrics import adjusted_rand_score

        assigned = json.loads(out)["respondents"]
        planted_segments = dict(zip(map(str, range(1, len(planted.segment) + 1)), planted.segment))
        ids = sorted(assigned)
        assert adjusted_rand_score([planted_segments.get(i) for i in ids], [assigned[i] for i in ids]) > 0.8
    else:
        assert code == 2 and "codebook align" in err, err

    code, out, err = _run(["map-text", export, "--codebook", str(CODEBOOK), "--json"], capsys)
    if code == 0:
        answers = json.loads(out)["answers"]
        given = sum(1 for row in planted.answers for q in ("G1", "G2") if row[q])
        assert len(answers) == given
    else:
        assert code == 2 and "codebook align" in err, err

    if evidence_refused:
        # The reports refuse at the same boundary, before any notebook runs.
        code, out, err = _run(["report", export, "--codebook", str(CODEBOOK), "--out", str(tmp_path / "r")], capsys)
        assert code == 2 and "codebook align" in err
        assert not (tmp_path / "r" / "index.html").exists()


@pytest.mark.parametrize("variant", [p.stem for p in VARIANTS])
def test_align_then_evidence_gives_the_order_and_support_the_answers_hold(exports, planted, variant, tmp_path,
                                                                          capsys):
    export = str(exports[variant])
    aligned = tmp_path / "aligned.yml"
    code, out, err = _run(["codebook", "align", export, "--codebook", str(CODEBOOK), "-o", str(aligned)], capsys)
    assert code == 0, err
    assert "32 of 32 questions matched, 0 answers uncoded." in out
    survey = sa.load_responses(export, aligned)
    assert not survey.fit.partial
    got = compare(survey, planted)
    assert got["matched"] == 32 and got["wrongly_matched"] == 0 and got["coded"] == 1.0, got["per_question"]

    code, out, err = _run(["evidence", export, "--codebook", str(aligned), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["fit"]["partial"] is False and doc["n_respondents"] == 120
    support = {r["direction"]: r["support"] for r in doc["directions"]}
    expected = truth(planted)
    assert sorted(support, key=support.get, reverse=True) == sorted(expected, key=expected.get, reverse=True)
    for direction, value in expected.items():
        assert support[direction] == pytest.approx(value, abs=1e-9)


def test_ranks_after_align_are_the_planted_ranks(exports, planted, tmp_path, capsys):
    # The LimeSurvey rank slots and the KoboToolbox space-joined names both give each option's planted rank.
    for variant in ("limesurvey_codes", "kobo_en"):
        aligned = tmp_path / f"{variant}.yml"
        assert main(["codebook", "align", str(exports[variant]), "-o", str(aligned)]) == 0
        ranks = sa.load_responses(exports[variant], aligned).ranks()
        planted_ranks = pd.DataFrame([row["D"] for row in planted.answers])[list(ranks.columns)]
        assert (ranks.to_numpy(dtype=float) == planted_ranks.to_numpy(dtype=float)).all()
    capsys.readouterr()


def test_kobo_names_with_zero_padded_ids_under_group_paths(planted, tmp_path, capsys):
    """KoboToolbox with XML names as the issue met them: importance/b01, agreement/c01, choice names
    (very_important, size_10_49, medtech_company) and the ranking as space-joined names (sd2 sd5 ...)."""
    from filebuilders import write_xlsx

    cb = sa.read_codebook(CODEBOOK)
    category = {"university": "university_research", "public_provider": "public_provider",
                "private_provider": "private_provider", "medtech": "medtech_company", "other": "other"}
    size = {"micro": "size_1_9", "small": "size_10_49", "medium": "size_50_249", "large": "size_250_plus"}
    header = ["start", "end", "profile/a3", "profile/a4"]
    header += [f"importance/b{k:02d}" for k in range(1, 16)] + [f"agreement/c{k:02d}" for k in range(1, 6)]
    header += ["priorities/d", "_id", "_uuid", "_submission_time"]
    rows = [header]
    for i, row in enumerate(planted.answers):
        items = []
        for q in [f"B{k}" for k in range(1, 16)] + [f"C{k}" for k in range(1, 6)]:
            level = row[q]
            items.append(None if level is None else
                         cb.scales[cb.questions[q].scale][level - 1].en.lower().replace(" ", "_"))
        ranked = " ".join(d.lower() for d in sorted(row["D"], key=row["D"].get))
        rows.append(["2019-01-14T10:00:00", "2019-01-14T10:09:00", category[row["A3"]], size[row["A4"]], *items,
                     ranked, 1000 + i, f"uuid-{i}", "2019-01-14T10:09:00"])
    export = write_xlsx(tmp_path / "kobo_names.xlsx", {"responses": rows})
    survey = sa.load_responses(export, CODEBOOK)
    assert survey.source == "kobo" and survey.n == 120
    # Ids with zero padding under group paths match; XLSForm names and space-joined ranks are coded.
    read_back = compare(survey, planted)["per_question"]
    assert all(read_back[q] == 1.0 for q in [f"B{k}" for k in range(1, 16)] + [f"C{k}" for k in range(1, 6)] + ["D"])
    # The member category and size answers are choice names the codebook does not know: refused, with the fix.
    assert main(["evidence", str(export), "--codebook", str(CODEBOOK)]) == 2
    assert "codebook align" in capsys.readouterr().err
    aligned = tmp_path / "aligned.yml"
    assert main(["codebook", "align", str(export), "-o", str(aligned)]) == 0
    capsys.readouterr()
    table = sa.direction_evidence(sa.load_responses(export, aligned), n_boot=20)
    expected = truth(planted)
    for direction, value in expected.items():
        assert table.loc[direction, "support"] == pytest.approx(value, abs=1e-9)
