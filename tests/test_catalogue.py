"""The label catalogues: the same texts in every language, numbers and dates formatted for each."""

from __future__ import annotations

import datetime as dt

import pytest
from babel import Locale

from survey_analysis import AnalysisInputError
from survey_analysis.report import catalogue as catalogue_module
from survey_analysis.report.catalogue import LANGUAGES, Catalogue, _entries, placeholders


def test_every_language_has_the_same_texts_with_the_same_placeholders():
    english = _entries("en")
    for lang in LANGUAGES:
        other = _entries(lang)
        assert set(other) == set(english), f"{lang}: {sorted(set(other) ^ set(english))}"
        for key, text in english.items():
            mine = other[key]
            if isinstance(text, dict):
                assert isinstance(mine, dict), key
                wanted = {frozenset(placeholders(v)) for v in text.values()}
                assert {frozenset(placeholders(v)) for v in mine.values()} == wanted, key
            else:
                assert placeholders(mine) == placeholders(text), key


def test_counted_texts_give_every_plural_form_of_the_language():
    for lang in LANGUAGES:
        forms = set(Locale.parse(lang).plural_form.tags) | {"other"}
        for key, text in _entries(lang).items():
            if isinstance(text, dict):
                assert forms <= set(text), f"{lang} {key} lacks {forms - set(text)}"


@pytest.mark.parametrize("n, en, ro", [
    (1, "1 member", "1 membru"),
    (2, "2 members", "2 membri"),
    (19, "19 members", "19 membri"),
    (20, "20 members", "20 de membri"),
    (150, "150 members", "150 de membri"),
    (101, "101 members", "101 membri"),
    (20000, "20,000 members", "20.000 de membri"),
])
def test_counts_follow_each_language_grammar(n, en, ro):
    assert Catalogue("en").count("unit.members", n) == en
    assert Catalogue("ro").count("unit.members", n) == ro


def test_numbers_percentages_and_intervals_are_formatted_for_the_language():
    en, ro = Catalogue("en"), Catalogue("ro")
    assert (en.number(3.9649), ro.number(3.9649)) == ("3.96", "3,96")
    assert (en.percent(0.29), ro.percent(0.29)) == ("29%", "29\u00a0%")
    assert ro.percent(0.295, 1) == "29,5\u00a0%"
    assert ro.interval(3.8317, 4.0523) == "3,83–4,05"
    assert en.interval(0.28, 0.44, percent=True) == "28%–44%"
    assert (en.probability(0.9995), en.probability(0.0004), en.probability(0.5)) == ("over 99%", "under 1%", "50%")
    assert ro.p_value(0.0000009) == "<0,001" and en.p_value(0.0121) == "0.012"
    assert en.number(float("nan")) == "\u2013" and en.percent(None) == "\u2013"
    assert ro.join(["a", "b", "c"]) == "a, b și c" and en.join(["a", "b", "c"]) == "a, b, and c"
    when = dt.datetime(2026, 11, 28, 14, 5, tzinfo=dt.timezone.utc)
    assert ro.datetime(when).startswith("28 noiembrie 2026, 14:05")
    assert en.datetime(when).startswith("28 November 2026, 14:05")
    assert (en.quote("x"), ro.quote("x")) == ("“x”", "„x”")


def test_a_missing_text_or_value_is_an_error_not_a_silent_gap():
    en = Catalogue("en")
    with pytest.raises(AnalysisInputError, match="no text 'nothing.here'"):
        en.text("nothing.here")
    with pytest.raises(AnalysisInputError, match="needs the value 'respondents'"):
        en.text("wording.who.unknown")
    with pytest.raises(AnalysisInputError, match="en or ro"):
        Catalogue("fr")
    assert en.label("support") == "Support (mean, 1–5)" and en.label("no_such_column") == "no_such_column"


def test_a_yaml_boolean_in_a_catalogue_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "catalogues"
    folder.mkdir()
    (folder / "en.yml").write_text("provenance:\n  created: On\n", encoding="utf-8")

    class Files:
        def joinpath(self, *parts):
            return tmp_path.joinpath(*parts)

    monkeypatch.setattr(catalogue_module.resources, "files", lambda package: Files())
    _entries.cache_clear()
    try:
        with pytest.raises(AnalysisInputError, match="'provenance.created' is not text"):
            _entries("en")
    finally:
        monkeypatch.undo()
        _entries.cache_clear()
