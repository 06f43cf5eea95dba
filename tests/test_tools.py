"""The tools' header layouts: which tool wrote an export, in its interface languages, and its header rows.

The exports are built here in each tool's documented layout (see EXPORT_FORMATS.md and the notes
on the tools' headers): the header strings below were written for these tests from the tools'
real exports, translation files and source code, not read from the project's vocabulary file, so
a string lost from the vocabulary fails a test.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest

import survey_analysis as sa
from survey_analysis.survey.tools import recognise_tool

from conftest import CODEBOOK
from filebuilders import write_xlsx

CB = sa.read_codebook(CODEBOOK)
GRID_B = CB.questions["B1"].grid["en"]


def _write_csv(path, rows, *, encoding="utf-8", delimiter=","):
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


# ---- Google Forms: the timestamp column in the form owner's language -----------------------

GOOGLE_TIMESTAMP = {"en": "Timestamp", "ro": "Marcaj de timp", "es": "Marca temporal", "fr": "Horodateur",
                    "de": "Zeitstempel", "it": "Informazioni cronologiche", "nb": "Tidsmerke"}
GOOGLE_EMAIL = {"en": "Email Address", "ro": "Adresă de e-mail", "es": "Dirección de correo electrónico",
                "fr": "Adresse e-mail", "de": "E-Mail-Adresse", "it": "Indirizzo email", "nb": "E-postadresse"}
LANGUAGE = {"en": "English", "ro": "Romanian", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
            "nb": "Norwegian"}


@pytest.mark.parametrize("language", sorted(GOOGLE_TIMESTAMP))
def test_google_forms_timestamp_in_each_language(tmp_path, language):
    rows = [[GOOGLE_TIMESTAMP[language], GOOGLE_EMAIL[language], "Member category"],
            ["14.01.2019 09:15:00", "a@example.org", "Medical technology company"],
            ["15.01.2019 10:00:00", "b@example.org", "Altele"]]
    path = _write_csv(tmp_path / f"forms_{language}.csv", rows)
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "google_forms"
    assert any(LANGUAGE[language] in note for note in survey.report.notes if note.startswith("Recognised"))
    # The timestamp is the tool's own column, parsed as a time; the e-mail is held apart.
    assert GOOGLE_TIMESTAMP[language] in survey.metadata
    assert str(survey.metadata[GOOGLE_TIMESTAMP[language]].iloc[0]) == "2019-01-14 09:15:00"
    roles = {c["header"]: c["role"] for c in survey.report.columns}
    assert roles[GOOGLE_EMAIL[language]] == "identifier"
    assert list(survey.responses["A3"]) == ["Medical technology company", "Other"]


# ---- Microsoft Forms: the metadata columns localised to the interface language --------------

MICROSOFT = {
    "en": ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"],
    "es": ["Id", "Hora de inicio", "Hora de finalización", "Correo electrónico", "Nombre",
           "Hora de la última modificación"],
    "fr": ["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom",
           "Heure de la dernière modification"],
    "de": ["ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name"],
    "nb": ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-postadresse", "Navn", "Tidspunkt for siste endring"],
}
# No export in these languages was found; these plausible headers are not in the vocabulary, so the
# export must be recognised by its layout (ID, two times, e-mail, name).
MICROSOFT_UNLISTED = {
    "it": ["ID", "Ora di inizio", "Ora di completamento", "Posta elettronica", "Nome"],
    "ro": ["ID", "Ora de începere", "Ora de finalizare", "E-mail", "Nume"],
}


def _microsoft_forms(path, meta_headers, *, email="anonymous"):
    header = meta_headers + ["Member category", "Collaborative RDI projects on common topics"]
    rows = [header]
    for k in range(3):
        start = dt.datetime(2019, 1, 14 + k, 9, 0)
        row = [k + 1, start, start + dt.timedelta(minutes=8), email if k else f"m{k}@example.org", None]
        row += [start + dt.timedelta(minutes=8)] * (len(meta_headers) - 5)
        row += ["Medical technology company", "Very important"]
        rows.append(row)
    return write_xlsx(path, {"Sheet1": rows})


@pytest.mark.parametrize("language", sorted(MICROSOFT))
def test_microsoft_forms_metadata_headers_in_each_language(tmp_path, language):
    path = _microsoft_forms(tmp_path / f"msforms_{language}.xlsx", MICROSOFT[language])
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "microsoft_forms"
    assert any(LANGUAGE[language] in note for note in survey.report.notes if note.startswith("Recognised"))
    headers = MICROSOFT[language]
    # Times are parsed into the metadata, contact columns are held apart, nothing is a question.
    assert str(survey.metadata[headers[1]].iloc[0]) == "2019-01-14 09:00:00"
    roles = {c["header"]: c["role"] for c in survey.report.columns}
    assert roles[headers[3]] == roles[headers[4]] == "identifier"
    assert all(roles[h] == "metadata" for h in headers[:3] + headers[5:])
    assert list(survey.responses.index) == ["1", "2", "3"]  # the ID column is the respondent id
    assert survey.responses["B1"].tolist() == ["Very important"] * 3


def test_microsoft_forms_with_spanish_headers_is_not_generic(tmp_path):
    """The real case: a Spanish-interface xlsx was read as a generic table."""
    path = _microsoft_forms(tmp_path / "respuestas.xlsx", MICROSOFT["es"])
    assert sa.load_responses(path).source == "microsoft_forms"
    draft = sa.draft_codebook(path)
    texts = {q.text["en"] for q in draft.questions.values()}
    # The tool's own columns are not drafted as questions.
    assert not texts & set(MICROSOFT["es"])


@pytest.mark.parametrize("language", sorted(MICROSOFT_UNLISTED))
def test_microsoft_forms_recognised_by_its_layout_in_other_languages(tmp_path, language):
    headers = MICROSOFT_UNLISTED[language]
    path = _microsoft_forms(tmp_path / f"msforms_{language}.xlsx", headers)
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "microsoft_forms"
    assert any("layout" in note for note in survey.report.notes if note.startswith("Recognised"))
    roles = {c["header"]: c["role"] for c in survey.report.columns}
    assert roles[headers[3]] == roles[headers[4]] == "identifier"
    assert roles[headers[1]] == roles[headers[2]] == "metadata"


def test_a_table_with_an_id_column_is_not_taken_for_microsoft_forms(tmp_path):
    rows = [["ID", "Colour", "Pet", "Town", "Age", "Size"], [1, "red", "cat", "Iași", 30, "M"],
            [2, "blue", "dog", "Cluj", 41, "L"]]
    assert recognise_tool(rows).source == "generic"


# ---- LimeSurvey: full-text headings in the export language ---------------------------------

LIMESURVEY = {
    "en": ["Response ID", "Date submitted", "Last page", "Start language", "Seed"],
    "de": ["Antwort ID", "Datum Abgeschickt", "Letzte Seite", "Start-Sprache", "Zufallsstartwert"],
    "fr": ["ID de la réponse", "Date de soumission", "Dernière page", "Langue de départ", "Tête de série"],
    "es": ["ID de respuesta", "Fecha de envío", "Última página", "Lenguaje inicial", "Semilla"],
    "it": ["ID risposta", "Data inviata", "Ultima pagina", "Linguaggio di partenza"],
    "nb": ["Besvarelse-ID", "Dato for besvarelse", "Siste side", "Standardspråk"],
    "ro": ["Dată trimisă", "Ultima pagina", "Data începerii", "Adresa IP"],
}


@pytest.mark.parametrize("language", sorted(LIMESURVEY))
def test_limesurvey_full_text_headings_in_each_language(tmp_path, language):
    header = LIMESURVEY[language] + ["Member category"]
    submitted = {"Date submitted", "Datum Abgeschickt", "Date de soumission", "Fecha de envío", "Data inviata",
                 "Dato for besvarelse", "Dată trimisă"}
    at = next(i for i, h in enumerate(header) if h in submitted)
    rows = [header]
    for k, when in enumerate(["2020-04-30 10:00:00", ""]):
        row = [str(k + 1)] + ["3"] * (len(header) - 2) + ["Other"]
        row[at] = when
        rows.append(row)
    # German and French exports use semicolons.
    path = _write_csv(tmp_path / f"lime_{language}.csv", rows, delimiter=";" if language in ("de", "fr") else ",")
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "limesurvey"
    assert any(LANGUAGE[language] in note for note in survey.report.notes if note.startswith("Recognised"))
    # The blank submit date marks the unsubmitted response, in any language.
    assert survey.n == 1 and survey.report.dropped[0]["reason"] == "incomplete"
    roles = {c["header"]: c["role"] for c in survey.report.columns}
    assert all(roles[h] in ("metadata", "identifier") for h in LIMESURVEY[language])


# ---- Qualtrics: current (three header rows) and legacy (two) --------------------------------

def test_qualtrics_recognised_by_its_export_tags_whatever_the_label_language(tmp_path):
    rows = [["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
             "ResponseId", "Q1"],
            ["Fecha de inicio", "Fecha de finalización", "Tipo de respuesta", "Dirección IP", "Progreso",
             "Duración (en segundos)", "Finalizado", "ID de respuesta", "Member category"],
            ['{"ImportId":"startDate"}'] * 8 + ['{"ImportId":"QID1"}'],
            ["2024-02-23 10:00:00", "2024-02-23 10:05:00", "IP Address", "10.0.0.1", "100", "300", "True", "R_1",
             "Other"]]
    survey = sa.load_responses(_write_csv(tmp_path / "qualtrics_es.csv", rows), CODEBOOK, min_answered=0)
    assert survey.source == "qualtrics" and survey.report.header_rows == 3
    assert list(survey.responses.index) == ["R_1"] and survey.responses.loc["R_1", "A3"] == "Other"
    assert "Dirección IP" in survey.identifiers


LEGACY_FIELDS = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
                 "Status", "StartDate", "EndDate", "Finished"]


def _legacy_qualtrics_rows():
    ids = [f"V{k}" for k in range(1, 11)] + ["Q1", "Q2_1", "Q2_2", "Q3"]
    texts = LEGACY_FIELDS + ["Member category", f"{GRID_B} - Collaborative RDI projects on common topics",
                             f"{GRID_B} - Thematic webinars", "What else should the Strategic Agenda include?"]
    data = [
        ["R_a1", "Default Response Set", "Pop, Ana", "", "ana@example.org", "10.0.0.1", "0",
         "2016-05-02 10:00:00", "2016-05-02 10:07:00", "1", "Medical technology company", "Very important",
         "Slightly important", "More webinars,\nin Romanian"],
        ["R_a2", "Default Response Set", "", "", "", "10.0.0.2", "1", "2016-05-02 11:00:00",
         "2016-05-02 11:01:00", "1", "Other", "Not important", "Not important", ""],
        ["R_a3", "Default Response Set", "Ionescu, Dan", "", "dan@example.org", "10.0.0.3", "0",
         "2016-05-03 09:00:00", "2016-05-03 09:09:00", "1", "University / research institute",
         "Extremely important", "Very important", ""],
        ["R_a4", "Default Response Set", "", "", "", "10.0.0.4", "0", "2016-05-03 12:00:00",
         "2016-05-03 12:02:00", "0", "Other", "", "", ""],
    ]
    return [ids, texts, *data]


def test_legacy_qualtrics_export_reads_its_two_header_rows(tmp_path):
    path = _write_csv(tmp_path / "legacy_qualtrics.csv", _legacy_qualtrics_rows())
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "qualtrics" and survey.report.header_rows == 2
    # The label row is a header, not a respondent: four data rows, four responses accounted for.
    assert survey.report.rows_read == 4
    reasons = {d["respondent_id"]: (d["row"], d["reason"]) for d in survey.report.dropped}
    assert reasons == {"R_a2": (4, "preview/test response"), "R_a4": (6, "incomplete")}
    r = survey.responses
    assert list(r.index) == ["R_a1", "R_a3"]
    assert r.loc["R_a1", "A3"] == "Medical technology company" and r.loc["R_a3", "B1"] == "Extremely important"
    assert r.loc["R_a1", "B9"] == "Slightly important" and r.loc["R_a1", "G2"] == "More webinars,\nin Romanian"
    assert {"Name", "EmailAddress", "IPAddress"} <= set(survey.identifiers.columns)
    assert str(survey.metadata["EndDate"].iloc[0]) == "2016-05-02 10:07:00"
    # R_a1's answer holds a line break, so its record (row 3) spans lines 3-4: the next record is row 4
    # as a spreadsheet shows it, starting on line 5 of the file.
    lines = {d["respondent_id"]: d["line"] for d in survey.report.dropped}
    assert lines == {"R_a2": 5, "R_a4": 7}
    assert any("legacy" in note for note in survey.report.notes)


def test_legacy_qualtrics_without_a_codebook_is_drafted_from_the_question_texts(tmp_path):
    path = _write_csv(tmp_path / "legacy_qualtrics.csv", _legacy_qualtrics_rows())
    survey = sa.load_responses(path)
    assert survey.source == "qualtrics" and survey.report.rows_read == 4
    texts = {q.text["en"] for q in survey.questions.values()}
    assert "Member category" in texts and not texts & set(LEGACY_FIELDS)


# ---- SurveyMonkey ---------------------------------------------------------------------------

def test_surveymonkey_recognised_by_its_two_rows_without_a_collector(tmp_path):
    rows = [["Respondent ID", "Start Date", "End Date", "Member category"],
            ["", "", "", "Response"],
            ["1001", "01/14/2019 09:00:00 AM", "01/14/2019 09:10:00 AM", "Other"]]
    survey = sa.load_responses(_write_csv(tmp_path / "monkey.csv", rows), CODEBOOK, min_answered=0)
    assert survey.source == "surveymonkey" and survey.report.header_rows == 2
    assert survey.responses.loc["1001", "A3"] == "Other"


# ---- KoboToolbox: the main sheet and its repeat groups --------------------------------------

KOBO_MAIN = ["start", "end", "today", "profile/A3", "importance/B1", "_id", "_uuid", "_submission_time",
             "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
KOBO_REPEAT = ["members/name", "members/role", "_index", "_parent_table_name", "_parent_index", "_submission__id",
               "_submission__uuid", "_submission__submission_time", "_submission__validation_status",
               "_submission__notes", "_submission__status", "_submission__submitted_by",
               "_submission___version__", "_submission__tags"]
# Members per submission: 12 repeat rows for 5 submissions.
MEMBERS = [3, 1, 4, 2, 2]


def _kobo_workbook(path, *, extra_parent=False):
    main = [KOBO_MAIN]
    for i in range(5):
        start = dt.datetime(2024, 3, 1, 9, 10 * i)
        main.append([start, start + dt.timedelta(minutes=5), start.date(), "medtech", "Very important", 500 + i,
                     f"uuid-{i}", start + dt.timedelta(minutes=6), None, None, "submitted_via_web", "enum1", "v1",
                     None, i + 1])
    repeat = [KOBO_REPEAT]
    k = 0
    for i, count in enumerate(MEMBERS):
        for _ in range(count):
            k += 1
            repeat.append([f"member {k}", "staff", k, "Cluster survey", i + 1, 500 + i, f"uuid-{i}", "2024-03-01",
                           None, None, "submitted_via_web", "enum1", "v1", None])
    if extra_parent:
        repeat.append(["member x", "staff", k + 1, "Cluster survey", 99, 999, "uuid-x", "2024-03-01", None, None,
                       "submitted_via_web", "enum1", "v1", None])
    return write_xlsx(path, {"Cluster survey": main, "members": repeat})


def test_kobo_repeat_group_sheet_is_never_read_instead_of_the_submissions(tmp_path):
    path = _kobo_workbook(tmp_path / "kobo.xlsx")
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    assert survey.source == "kobo" and survey.report.sheet == "Cluster survey"
    assert survey.report.rows_read == 5 and survey.n == 5
    assert survey.responses["B1"].tolist() == ["Very important"] * 5
    entry = next(s for s in survey.report.sheets if s["name"] == "members")
    group = entry["repeat_group"]
    assert not entry["chosen"] and group["rows"] == 12 and group["submissions"] == 5
    # Linked to the respondents by _parent_index = _index: the members per submission, as built.
    assert group["respondents"] == {str(500 + i): n for i, n in enumerate(MEMBERS)} and group["unlinked"] == 0
    notes = " ".join(survey.report.notes)
    assert "repeat group" in notes and "12 rows for 5 submissions (1-4 per submission)" in notes


def test_kobo_repeat_rows_without_their_submission_are_counted(tmp_path):
    path = _kobo_workbook(tmp_path / "kobo.xlsx", extra_parent=True)
    survey = sa.load_responses(path, CODEBOOK, min_answered=0)
    group = next(s for s in survey.report.sheets if s["name"] == "members")["repeat_group"]
    assert group["unlinked"] == 1 and sum(group["respondents"].values()) == 12
    assert any("1 row(s) point to no row" in note for note in survey.report.notes)


def test_kobo_repeat_group_read_when_asked_for_says_what_it_is(tmp_path):
    path = _kobo_workbook(tmp_path / "kobo.xlsx")
    survey = sa.load_responses(path, sheet="members")
    assert survey.source == "kobo" and survey.report.rows_read == 12
    assert any("is a repeat group" in note and "5 submissions" in note for note in survey.report.notes)
    # Its linking columns are the tool's own, never questions.
    roles = {c["header"]: c["role"] for c in survey.report.columns}
    assert roles["_parent_index"] == roles["_submission__uuid"] == "metadata"


def test_kobo_main_sheet_is_chosen_even_when_it_is_the_second_sheet(tmp_path):
    path = _kobo_workbook(tmp_path / "kobo.xlsx")
    main, repeat = _kobo_rows_of(path)
    reordered = write_xlsx(tmp_path / "kobo_reordered.xlsx", {"members": repeat, "Cluster survey": main})
    survey = sa.load_responses(reordered, CODEBOOK, min_answered=0)
    assert survey.report.sheet == "Cluster survey" and survey.n == 5


def _kobo_rows_of(path):
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    return ([list(r) for r in workbook["Cluster survey"].iter_rows(values_only=True)],
            [list(r) for r in workbook["members"].iter_rows(values_only=True)])


# ---- the real exports ----------------------------------------------------------------------

@pytest.mark.parametrize("folder, language", [("google_forms", "English"), ("microsoft_forms", "English"),
                                              ("limesurvey", None), ("qualtrics", None), ("surveymonkey", "")])
def test_real_exports_are_recognised_with_their_reason(fixtures_dir, folder, language):
    for path in sorted((fixtures_dir / folder).iterdir()):
        survey = sa.load_responses(path)
        assert survey.source == folder
        recognised = [n for n in survey.report.notes if n.startswith("Recognised as")]
        assert len(recognised) == 1 and (language is None or language in recognised[0])


def test_bfi_data_is_a_generic_table(fixtures_dir):
    survey = sa.load_responses(fixtures_dir / "bfi" / "rdatasets_bfi.csv")
    assert survey.source == "generic"
    assert not any(n.startswith("Recognised as") for n in survey.report.notes)


def test_the_tools_vocabulary_ships_with_the_package_and_names_its_sources():
    import tomllib
    from importlib import resources

    from conftest import ROOT

    text = resources.files("survey_analysis").joinpath("vocabulary", "tool_headers.yml").read_text(encoding="utf-8")
    assert text.startswith("# The columns that survey tools add") and "Where the strings come from" in text
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]
    assert any("vocabulary/*.yml" in pattern for patterns in package_data.values() for pattern in patterns) or \
        "*.yml" in package_data.get("survey_analysis.vocabulary", [])
