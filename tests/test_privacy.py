"""Masking contact details and keying pseudonyms (survey.privacy).

The masking patterns are tested on a corpus of the forms members type contact
details in, and of numbers that must not be taken for them
(``tests/data/masking/``, its README says where it comes from).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from survey_analysis import mask_contacts
from survey_analysis.errors import SurveyError
from survey_analysis.survey.privacy import MASK_TOKENS, mask_text

CORPUS = Path(__file__).parent / "data" / "masking" / "corpus.csv"
_WORD = re.compile(r"\w+")


def _corpus() -> list[dict]:
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(cell: str) -> list[str]:
    return [part for part in cell.split(" || ") if part]


def _failures(row: dict) -> list[str]:
    """What masking got wrong in one corpus answer (empty: nothing)."""
    text, masked = row["text"], mask_text(row["text"])
    found = []
    outside = text
    for detail in _split(row["must_mask"]):
        outside = outside.replace(detail, " ")
    # No letter or digit of a detail may be left: each of its words appears in the masked text no more often
    # than in the rest of the answer (where the same word may stand on its own) and in the mask tokens.
    tokens = " ".join(MASK_TOKENS.values())
    for detail in _split(row["must_mask"]):
        if detail in masked:
            found.append(f"kept {detail!r}")
            continue
        for word in set(_WORD.findall(detail)):
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
            allowed = len(pattern.findall(outside)) + len(pattern.findall(tokens))
            if len(pattern.findall(masked)) > allowed:
                found.append(f"left {word!r} of {detail!r}")
    for keep in _split(row["must_keep"]):
        if keep not in masked:
            found.append(f"lost {keep!r}")
    return found


def test_every_detail_of_the_corpus_is_masked_and_every_other_number_kept():
    rows = _corpus()
    assert len(rows) > 200
    failures = {row["id"]: _failures(row) for row in rows}
    failures = {key: value for key, value in failures.items() if value}
    assert not failures, f"{len(rows) - len(failures)} of {len(rows)} pass; " + "; ".join(
        f"{key}: {value}" for key, value in list(failures.items())[:10])


@pytest.mark.parametrize("kind", ["phone", "email", "ip", "mixed", "negative"])
def test_each_kind_of_the_corpus_is_present(kind):
    assert sum(row["kind"] == kind for row in _corpus()) >= 20


def test_masking_keeps_the_series_and_leaves_other_values():
    texts = pd.Series(["call 0745 123 456", None, "no contact", "x@y.ro"], index=[3, 1, 2, 9], dtype="string")
    masked = mask_contacts(texts)
    assert masked.tolist() == ["call [phone]", pd.NA, "no contact", "[e-mail]"]
    assert masked.index.tolist() == [3, 1, 2, 9] and texts.iloc[0] == "call 0745 123 456"


def test_mask_tokens_hold_no_digits_so_downstream_filters_can_drop_them():
    """Theme terms and the like drop masked tokens and digit runs: the tokens are fixed and digit-free."""
    assert set(MASK_TOKENS.values()) == {"[e-mail]", "[IP address]", "[phone]"}
    assert not any(ch.isdigit() for token in MASK_TOKENS.values() for ch in token)
    masked = mask_text("Suna la 0744 555 666 sau 0744-555-667; scrie la a@b.ro, server 10.0.0.1")
    assert re.sub(r"\[(e-mail|IP address|phone)\]", "", masked).count("0744") == 0
    assert not re.search(r"\d{3}", re.sub(r"\[(e-mail|IP address|phone)\]", "", masked))


@pytest.mark.parametrize("key", [1, 12, True, None, 3.5, "", "short", "secret-1", "aaaaaaaaaaaaaaaaaaaa",
                                 b"0123456789", ["a" * 20]])
def test_pseudonym_keys_anyone_could_guess_are_refused(sample_survey, key):
    with pytest.raises(SurveyError, match="pseudonym key") as caught:
        sample_survey.pseudonyms(key)
    assert "secrets.token_urlsafe" in str(caught.value)


def test_pseudonym_keys_as_text_or_bytes_give_the_same_pseudonyms(sample_survey):
    text = sample_survey.pseudonyms("k3y-from-the-password-manager")
    raw = sample_survey.pseudonyms(b"k3y-from-the-password-manager")
    pd.testing.assert_series_equal(text, raw)
    assert text.notna().all() and text.str.len().eq(20).all()


def _sample_with(tmp_path, edits: dict[tuple[int, int], str]) -> Path:
    """The bundled Google Forms sample with some cells (1-based row, column) rewritten."""
    import openpyxl

    from conftest import SAMPLE

    workbook = openpyxl.load_workbook(SAMPLE / "google_forms.xlsx")
    sheet = workbook.active
    for (row, column), value in edits.items():
        sheet.cell(row=row, column=column, value=value)
    path = tmp_path / "edited.xlsx"
    workbook.save(path)
    return path


def test_problem_tables_withhold_values_that_may_identify(tmp_path):
    from conftest import CODEBOOK
    from survey_analysis import load_responses

    path = _sample_with(tmp_path, {
        (2, 2): "ion.popescu@umfiasi.ro",
        (3, 4): "Other: Dr. Ion Popescu, ion.popescu@umfiasi.ro, +40 744 555 666",  # member category
        (4, 4): "Other: clinica lui Popescu",  # the surname alone, known from row 2's e-mail
        (5, 4): "Other: University of Medicine Iași",  # another member's organisation name
        (6, 4): "Other: Prof. Vasilescu",  # a title and a name not known anywhere else
        (7, 4): "Other: asociație profesională",  # nothing identifying: shown
    })
    survey = load_responses(path, CODEBOOK)
    frame = survey.report.problems_frame()
    by_row = {int(row): (value, message) for row, value, message in
              frame.loc[frame["question"] == "A3", ["row", "value", "message"]].itertuples(
                  index=False)}
    assert by_row[3][0] == "(withheld: contact details)"
    assert by_row[4][0] == "(withheld: a name)"
    assert by_row[5][0] == "(withheld: an identifying answer)"
    assert by_row[6][0] == "(withheld: a name)"
    assert by_row[7][0] == "Other: asociație profesională"
    shown = frame.to_string() + str(survey.report.to_dict())
    for secret in ("Popescu", "744", "umfiasi", "Vasilescu", "Medicine Iași"):
        assert secret not in shown
    # A register's contact names are withheld too, once known.
    path = _sample_with(tmp_path, {(3, 4): "Other: Georgescu Maria"})
    survey = load_responses(path, CODEBOOK)
    assert survey.report.withhold_names(["Maria Georgescu"]) == 1
    assert "Georgescu" not in survey.report.problems_frame().to_string()


def test_register_contact_names_are_read_from_its_identifying_columns(tmp_path):
    from survey_analysis.survey.privacy import register_names

    path = tmp_path / "members.csv"
    path.write_text("organisation,member_category,Contact person,E-mail\nClinica A,Private,Ana Pop,ana@a.ro\n"
                    "Spital B,Public,Radu Ene,\n", encoding="utf-8")
    assert sorted(register_names(path)) == ["Ana Pop", "Radu Ene", "ana@a.ro"]


@pytest.mark.parametrize("text", ["x" * 100_000, "x1" * 50_000, "1 " * 50_000, "a.b" * 30_000, "a at b " * 15_000,
                                  "1." * 50_000, "f:" * 50_000, ("ion.popa" + "x" * 50_000 + " at "), "+4 " * 30_000])
def test_masking_takes_linear_time_on_long_answers(text):
    import time

    started = time.perf_counter()
    mask_text(text)
    assert time.perf_counter() - started < 2.0
