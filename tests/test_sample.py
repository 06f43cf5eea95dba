"""The bundled sample: regenerating it reproduces the committed data."""

from __future__ import annotations

import pandas as pd

from survey_analysis.sample import PLANTED_ORDER, make_sample, write_sample

from conftest import SAMPLE


def _sheet(path):
    return pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype=object)


def test_regenerating_the_sample_reproduces_the_committed_files(tmp_path):
    write_sample(tmp_path)
    for name in ("google_forms.xlsx", "microsoft_forms.xlsx"):
        fresh, committed = _sheet(tmp_path / name), _sheet(SAMPLE / name)
        assert list(fresh) == list(committed)
        for sheet in fresh:
            pd.testing.assert_frame_equal(fresh[sheet], committed[sheet])
    for name in ("truth.csv", "members.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (SAMPLE / name).read_text(encoding="utf-8")


def test_sample_has_the_promised_quirks():
    sample = make_sample()
    statuses = [t["status"] for t in sample.truth]
    assert statuses.count("duplicate") == 1 and statuses.count("incomplete") == 1
    assert statuses.count("kept") == 150
    languages = {a["_lang"] for a in sample.answers}
    assert languages == {"en", "ro"}
    labels = " ".join(str(v) for a in sample.answers for v in a.values() if isinstance(v, str))
    assert "ş" in labels or "ţ" in labels  # legacy cedilla forms are present
    assert any(isinstance(v, str) and v != v.strip() for a in sample.answers for v in a.values())
    directions = {t["G1_direction"] for t in sample.truth} | {t["G2_direction"] for t in sample.truth}
    assert {"SD1", "SD2", "SD3", "SD4", "SD5", "outside"} <= directions


def test_register_lists_every_member_once_with_uneven_response():
    register = pd.read_csv(SAMPLE / "members.csv")
    truth = pd.read_csv(SAMPLE / "truth.csv")
    assert register["organisation"].is_unique
    assert len(register) == (truth["status"] != "duplicate").sum() + 70
    rates = (register["organisation"].str.contains("did not answer")
             .groupby(register["member_category"]).mean())
    assert rates["Medical technology company"] > rates["University / research institute"]


def test_same_seed_same_sample_other_seed_other_sample():
    a, b, c = make_sample(seed=1), make_sample(seed=1), make_sample(seed=2)
    strip = lambda s: [{k: v for k, v in r.items()} for r in s.answers]  # noqa: E731
    assert strip(a) == strip(b)
    assert strip(a) != strip(c)


def test_planted_order_is_recovered_from_the_raw_answers():
    """Hand computation over the generator's own answers, without the loader."""
    sample = make_sample()
    cb = sample.codebook
    value = {}
    for levels in cb.scales.values():
        for lv in levels:
            value[lv.en.casefold()] = lv.value
            value[lv.ro.casefold()] = lv.value
            value[lv.ro.replace("ț", "ţ").replace("ș", "ş").casefold()] = lv.value
    totals = {d: [] for d in cb.directions}
    for answer, truth in zip(sample.answers, sample.truth):
        if truth["status"] != "kept":
            continue
        for direction, items in cb.items_by_direction().items():
            scores = []
            for item in items:
                v = value[answer[item].strip().casefold()]
                scores.append(6 - v if cb.questions[item].reverse else v)
            totals[direction].append(sum(scores) / len(scores))
    means = {d: sum(v) / len(v) for d, v in totals.items()}
    assert sorted(means, key=means.get, reverse=True) == PLANTED_ORDER


def test_proposals_vary_in_wording_and_language_within_an_idea():
    """Each planted idea that members propose often comes in several wordings and in both languages."""
    sample = make_sample()
    wordings: dict[str, set] = {}
    languages: dict[str, set] = {}
    for answer, truth in zip(sample.answers, sample.truth):
        for qid in ("G1", "G2"):
            idea = truth[f"{qid}_idea"]
            if not idea:
                continue
            assert idea.split("-")[0] == truth[f"{qid}_direction"]
            for prefix in ("We suggest ", "I would propose ", "The cluster could consider ", "Perhaps ",
                           "Propunem ", "Ar fi util ", "Sugerez ", "Clusterul ar putea avea în vedere "):
                text = answer[qid]
                if text.startswith(prefix):
                    text = text[len(prefix):]
                    break
            wordings.setdefault(idea, set()).add(text.casefold().replace("ş", "ș").replace("ţ", "ț"))
            languages.setdefault(idea, set()).add(truth["language"])
    frequent = [idea for idea, texts in wordings.items() if len(texts) >= 1 and
                sum(t[f"{q}_idea"] == idea for t in sample.truth for q in ("G1", "G2")) >= 6]
    assert len(frequent) >= 10
    for idea in frequent:
        assert len(wordings[idea]) >= 3, idea
        assert languages[idea] == {"en", "ro"}, idea
