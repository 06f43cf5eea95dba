"""The report stage: the brief and the notebooks' pages, for people, in English and Romanian.

Three real report runs (notebooks executed by a real kernel): the bundled sample with its
membership register and four hostile free-text answers, in English; the plain sample in
Romanian; and a questionnaire of Likert items only (no roles, no ranking, no free text, no
Romanian wording, no register), in Romanian, with a stand-in partial fit.  The browser test
opens every page in Debian's Chromium; it is skipped where Chromium is not installed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from survey_analysis.report import build_reports, render_page
from survey_analysis.report.catalogue import Catalogue
from survey_analysis.sample import make_sample

from conftest import CODEBOOK, ROOT, SAMPLE
from filebuilders import write_xlsx

SURVEY = "IMAGO-MOL member questionnaire 2018-2019"
PAGES = ["index.html", "summary.html", "01_overview.html", "02_evidence.html", "03_segments_and_proposals.html",
         "04_portfolio.html"]


class _Page(HTMLParser):
    """Visible text, tags and table cells of an HTML page."""

    def __init__(self, html: str):
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.headers: list[str] = []
        self._stack: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "img", "br", "link"):
            self._stack.append(tag)
        if tag == "th":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "th" and self._cell is not None:
            self.headers.append("".join(self._cell).strip())
            self._cell = None
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        inside = set(self._stack)
        if "script" in inside:
            self.scripts.append(data)
        elif "style" not in inside and "title" not in inside:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)

    @property
    def visible(self) -> str:
        return re.sub(r"[ \t\r\n]+", " ", " ".join(self.text)).strip()  # keeping non-breaking spaces


HOSTILE = ['<script>document.title="PWNED"</script> training for staff',
           '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')"> a common cluster brand',
           'see https://example.org/a"b<b>bold</b> for research projects',
           'Please call Ana Popescu at 0722 123 456 or write to ana.popescu@spital-iasi.ro about training']


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory):
    """The Google Forms sample with four answers that try to inject markup and script."""
    from openpyxl import load_workbook

    folder = tmp_path_factory.mktemp("hostile")
    sheet = load_workbook(SAMPLE / "google_forms.xlsx")["Form Responses 1"]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    g2 = header.index("What else should the Strategic Agenda include?")
    for k, text in enumerate(HOSTILE):
        rows[10 + k][g2] = text
    return write_xlsx(folder / "hostile.xlsx", {"Form Responses 1": [header, *rows]})


@pytest.fixture(scope="module")
def english(hostile_export, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports_en")
    written = build_reports(hostile_export, codebook=CODEBOOK, register=SAMPLE / "members.csv", out=out,
                            progress=None)
    return out, written


@pytest.fixture(scope="module")
def romanian(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports_ro")
    build_reports(SAMPLE / "google_forms.xlsx", codebook=CODEBOOK, register=SAMPLE / "members.csv", out=out,
                  progress=None, lang="ro")
    return out


class _PartialFit:
    """Stands in for the loader's fit summary (``survey.fit``): only ``to_dict()`` is read."""

    def to_dict(self):
        return {"partial": True, "missing": ["Question G1 <ideas> has no column in this export."],
                "fix": "survey-analysis codebook align export.xlsx"}


@pytest.fixture(scope="module")
def likert_only(tmp_path_factory):
    """Likert items grouped into directions, nothing else: no roles, ranking, free text, register, nor
    Romanian wording of the questions and directions."""
    folder = tmp_path_factory.mktemp("likert_only")
    book = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    book["questions"] = [{**q, "text": q["text"]["en"], "grid": q["grid"]["en"]}
                         for q in book["questions"] if q["type"] == "likert"]
    book["directions"] = {code: {"name": d["name"]["en"], "description": d["description"]["en"]}
                          for code, d in book["directions"].items()}
    # (the scales keep their Romanian labels: members answered in both languages)
    codebook = folder / "likert_only.yml"
    codebook.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    out = folder / "out"
    with pytest.MonkeyPatch.context() as patch:
        from survey_analysis.report.findings import Findings

        patch.setattr(Findings, "fit", property(lambda self: _PartialFit()))
        build_reports(SAMPLE / "google_forms.xlsx", codebook=codebook, out=out, progress=None, lang="ro")
    return out, codebook


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ---- the set of pages -----------------------------------------------------------------------

def test_the_brief_comes_first_and_every_page_is_listed(english):
    out, written = english
    assert [p.name for p in written] == PAGES
    index = _read(out / "index.html")
    links = re.findall(r'<a href="([^"]+)"', index)
    assert links == PAGES[1:]


def test_every_page_has_a_title_naming_the_report_and_the_survey(english):
    out, _ = english
    titles = {}
    for name in PAGES:
        page = _read(out / name)
        assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
        titles[name] = re.search(r"<title>(.*?)</title>", page).group(1)
        assert titles[name].endswith(SURVEY) and titles[name] != "Notebook"
    assert titles["summary.html"].startswith("What members want")
    assert titles["02_evidence.html"].startswith("Evidence for each strategic direction")


def test_every_page_names_the_files_it_was_made_from(english, hostile_export):
    out, _ = english
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (hostile_export, CODEBOOK, SAMPLE / "members.csv")]
    for name in PAGES:
        page = _Page(_read(out / name)).visible
        for digest in hashes:
            assert digest in page, name
        assert "hostile.xlsx" in page and "Form Responses 1" in page and "survey-analysis 0.1.0" in page
        assert re.search(r"Disclosure threshold:? 5", page) and re.search(r"Random seed:? 0", page)


def test_pages_are_written_for_people_not_programmers(english):
    out, _ = english
    code_names = ["support_low", "p_first", "n_no_ranks", "groups_below_threshold", "top_box_share",
                  "schulze_position", "categories_differ", "response_rate"]
    for name in PAGES:
        page = _Page(_read(out / name))
        visible = page.visible
        for word in ("NaN", "<NA>", "True", "False", "nan"):  # ("None" is an answer of question F)
            assert not re.search(rf"(?<![\w<]){re.escape(word)}(?![\w>])", visible), (name, word)
        assert not [c for c in code_names if c in visible], name
        assert "" not in page.headers, f"{name} has a table column without a label (an index?)"
        assert not re.search(r"\b0\.\d{4,}\b", visible), f"{name} shows an unrounded share"


def test_the_brief_says_each_direction_in_plain_words(english):
    out, _ = english
    brief = _Page(_read(out / "summary.html")).visible
    assert "150 of 221 member organisations answered (68%)." in brief
    assert "Medical technology company (56%)" in brief
    for code in ("SD1", "SD2", "SD3", "SD4", "SD5"):
        assert re.search(rf"{code} [^:]+: support \d\.\d\d of 5 \(\d\.\d\d–\d\.\d\d; 150 members\)", brief), code
    assert "By support: SD1 > SD3 > SD2 > SD5 > SD4." in brief
    assert "SD1 ahead of SD3: settled" in brief
    assert "weighted to the membership" in brief
    assert "fit none of the" in brief and "Digital health (e-Health)" in brief
    assert "Project-generation workshops (81 organisations)" in brief


def test_the_brief_names_the_three_ideas_with_the_most_willing_members(english, hostile_export):
    import survey_analysis as sa
    from survey_analysis.portfolio import project_portfolio

    out, _ = english
    brief = _Page(_read(out / "summary.html")).visible
    table = project_portfolio(sa.load_responses(hostile_export, CODEBOOK))
    assert table["n_willing"].is_monotonic_decreasing
    shown = re.findall(r"“([^”]+)” \((\d+) members, (\d+) willing\)", brief)
    assert shown == [(r.label, str(r.n), str(r.n_willing)) for r in table.head(3).itertuples()]
    assert f"All {len(table)} ideas, in workshop order" in brief
    # labels are phrases members wrote, not the lead-ins around them
    assert not any(label.lower().startswith(("we suggest", "i would", "perhaps", "the cluster")) for label, *_ in shown)


def test_the_unweighted_support_column_is_the_plain_mean_over_members(english, hostile_export):
    import numpy as np

    import survey_analysis as sa

    out, _ = english
    page = _read(out / "01_overview.html")
    survey = sa.load_responses(hostile_export, CODEBOOK)
    book = survey.codebook
    differ = 0
    for code, items in survey.items_by_direction().items():
        # by hand: each member's mean of the direction's answers (reverse-keyed counted the other way
        # round), then the plain mean over members
        answers = []
        for item in items:
            q = book.questions[item]
            x = survey.responses[item].cat.codes.replace(-1, np.nan).astype(float) + 1
            answers.append(len(book.scales[q.scale]) + 1 - x if q.reverse else x)
        plain = pd.concat(answers, axis=1).mean(axis=1).mean()
        row = re.search(rf'{code} [^<]*</td><td class="num">([\d.]+)</td><td class="num">[^<]*</td>'
                        rf'<td class="num">\d+</td><td class="num">([\d.]+)</td>', page)
        assert row, code
        weighted, shown = float(row.group(1)), float(row.group(2))
        assert shown == pytest.approx(plain, abs=0.005), code
        differ += weighted != shown
    assert differ >= 3  # the weighted headline beside it is another figure


def test_eu_priorities_and_participation_match_the_answers(english, sample_survey):
    out, _ = english
    page = _Page(_read(out / "01_overview.html")).visible
    chosen = sample_survey.multi("E").fillna(False).astype(bool)
    answered = chosen[chosen.any(axis=1)]
    share = answered["ehealth"].mean()
    assert f"Digital health (e-Health): {share:.0%}" in page
    taking_part = sample_survey.multi("F").fillna(False).astype(bool)
    assert f"{int(taking_part['workshops'].sum())}" in page
    assert "By member category (share choosing each priority)" in page
    assert "hidden: fewer answers than the disclosure threshold" in page


def test_one_evidence_block_per_direction_with_items_and_quotes(english):
    out, _ = english
    page = _read(out / "02_evidence.html")
    for code in ("SD1", "SD2", "SD3", "SD4", "SD5"):
        block = re.search(rf'<section class="block" id="dir-{code}">(.*?)</section>', page, re.S).group(1)
        assert "Two highest answers" in block and "<blockquote>" in block
        assert "of members rank it first" in block and "chance of coming first in the ranking question" in block
    assert "over 99%" in page  # the chance that SD1 stays first is never printed as a certainty
    assert "Directions by support: SD1 &gt; SD3 &gt; SD2 &gt; SD5 &gt; SD4" in page


def test_identical_proposals_are_listed_once_with_a_count(english, hostile_export):
    from survey_analysis import load_responses

    out, _ = english
    responses = load_responses(hostile_export, CODEBOOK).responses
    answers = pd.concat([responses[q].dropna() for q in ("G1", "G2")])
    page = _read(out / "03_segments_and_proposals.html")
    listed = page[page.index('id="all-proposals"'):]
    cells = re.findall(r'<td class="txt quote">(.*?)</td><td class="num">(\d+)</td>', listed)
    texts = [text for text, _ in cells]
    assert len(texts) == len(set(texts))
    assert sum(int(n) for _, n in cells) == len(answers)
    top, times = answers.value_counts().index[0], answers.value_counts().iloc[0]
    assert times > 1 and (html.escape(top), str(times)) in cells
    assert listed.count("<details>") >= 5


def test_charts_are_embedded_with_alt_text_and_written_for_reuse(english):
    out, _ = english
    for name in PAGES[2:]:
        page = _Page(_read(out / name))
        images = [a for t, a in page.tags if t == "img"]
        assert images, name
        for image in images:
            assert image["src"].startswith("data:image/png;base64,") and len(image.get("alt", "")) > 20
            assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    figures = out / "figures"
    for stem in ("support_by_direction", "eu_priorities_share", "participation_2019", "ranked_first_by_direction",
                 "segment_profiles", "proposals_by_direction", "answers_importance5", "project_ideas"):
        png = (figures / f"{stem}.png").read_bytes()
        assert round(_png_dpi(png)) >= 200, stem
        assert (figures / f"{stem}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def _png_dpi(data: bytes) -> float:
    """Resolution from the PNG's pHYs chunk (pixels per metre)."""
    at = data.index(b"pHYs")
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    assert unit == 1
    return per_metre * 0.0254


# ---- privacy and safety ---------------------------------------------------------------------

def test_no_identifying_answer_reaches_a_report(english):
    out, _ = english
    sample = make_sample()
    secrets = {a["A2"] for a in sample.answers} | {a["A1"] for a in sample.answers} | {a["_person"] for a in sample.answers}
    # a name a member typed into a free-text answer is that member's text, shown masked of contacts only
    secrets = {s for s in secrets if not any(s in text for text in HOSTILE)}
    for name in PAGES:
        page = _read(out / name)
        leaked = [s for s in secrets if s in page]
        assert not leaked, f"{name} shows {leaked[:3]}"


def test_contact_details_typed_into_answers_are_masked(english):
    out, _ = english
    for name in PAGES:
        text = _read(out / name)
        assert "ana.popescu@spital-iasi.ro" not in text and "0722 123 456" not in text
    page = _read(out / "03_segments_and_proposals.html")
    assert "write to [e-mail] about training" in page and "at [phone] or" in page


def test_hostile_free_text_is_shown_as_text_never_markup(english):
    """BAD_INPUTS 18: <script>, <img onerror> and a quote in a URL stay text in every report."""
    out, _ = english
    for name in PAGES:
        page = _read(out / name)
        assert '<script>document.title="PWNED"</script>' not in page
        assert "<img src=x onerror" not in page and "<b>bold</b>" not in page
        parsed = _Page(page)
        assert not parsed.scripts and not [a for t, a in parsed.tags if "onerror" in a]
        assert "Content-Security-Policy" in page
        assert not [a for t, a in parsed.tags if t in ("link", "img", "iframe") and
                    re.match(r"https?:", a.get("src", "") or a.get("href", ""))]
    assert "&lt;script&gt;" in _read(out / "03_segments_and_proposals.html")


# ---- Romanian, and any questionnaire -----------------------------------------------------------

def test_a_romanian_report_speaks_romanian_throughout(romanian):
    out = romanian
    brief = _read(out / "summary.html")
    assert brief.startswith('<!DOCTYPE html>\n<html lang="ro">')
    text = _Page(brief).visible
    assert "Au răspuns 150 din 221 de organizații membre (68\u00a0%)." in text
    assert "Companie de tehnologie medicală (56\u00a0%)" in text
    assert re.search(r"SD1 CDI și produse ?: susținere 3,\d\d din 5 \(3,\d\d–4,\d\d; 150 de membri\)", text)
    assert "Sănătate digitală (e-Sănătate)" in text
    month = Catalogue("ro").datetime(__import__("datetime").datetime.now()).split()[1]
    for name in PAGES:
        page = _Page(_read(out / name))
        visible = page.visible
        assert month in visible, name
        for english_text in ("Members support it", "Who answered", "Support for each", "members)", "Direction",
                             "Share of", "rows read"):
            assert english_text not in visible, (name, english_text)
        for image in [a for t, a in page.tags if t == "img"]:
            assert "Grafic" in image["alt"] or "Hartă" in image["alt"], image["alt"][:60]
    overview = _Page(_read(out / "01_overview.html")).visible
    assert "Universitate / institut de cercetare" in overview and "Rata de răspuns" in overview
    assert re.search(r"\d\d\u00a0%", overview) and not re.search(r"\d\.\d\d\b", overview)


def test_a_likert_only_questionnaire_gives_a_complete_report(likert_only):
    out, _ = likert_only
    assert sorted(p.name for p in out.glob("*.html")) == sorted(PAGES)
    overview = _Page(_read(out / "01_overview.html")).visible
    evidence = _Page(_read(out / "02_evidence.html")).visible
    segments = _Page(_read(out / "03_segments_and_proposals.html")).visible
    brief = _Page(_read(out / "summary.html")).visible
    assert "Codebook-ul nu are formulări în română" in brief
    assert "Au răspuns 150 de organizații. Fără registrul membrilor" in brief
    assert "nu marchează nicio întrebare drept categoria de membru" in overview
    assert "nu are o întrebare despre prioritățile Președinției UE" in overview
    assert "nu are o întrebare de ordonare" in evidence
    assert "nu are nicio întrebare deschisă" in segments
    assert "nu există un portofoliu" in _Page(_read(out / "04_portfolio.html")).visible
    assert "Segmente alese" in segments  # segments need only the Likert items
    for code in ("SD1", "SD2", "SD3", "SD4", "SD5"):
        assert f"{code} " in brief


def test_every_page_opens_with_the_banner_when_the_fit_is_partial(likert_only):
    out, _ = likert_only
    for name in PAGES:
        page = _read(out / name)
        body = page[page.index("<main>"):]
        assert body.index('<aside class="banner"') < body.index("<h1>"), name
        assert "Question G1 &lt;ideas&gt; has no column in this export." in page
        assert "survey-analysis codebook align export.xlsx" in page


def test_the_banner_follows_the_fit_summary():
    cat = Catalogue("en")

    class Complete:
        def to_dict(self):
            return {"partial": False, "missing": []}

    assert 'class="banner"' not in render_page("<h1>x</h1>", title="t", cat=cat, fit=Complete())
    assert 'class="banner"' not in render_page("<h1>x</h1>", title="t", cat=cat, fit=None)
    page = render_page("<h1>x</h1>", title="t", cat=cat, fit=_PartialFit())
    assert "The codebook fits this export only in part." in page


def test_notebooks_find_questions_by_role_never_by_id():
    ids = {q["id"] for q in yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["questions"]}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        import json

        code = "\n".join("".join(c["source"]) for c in json.loads(_read(path))["cells"] if c["cell_type"] == "code")
        quoted = set(re.findall(r"[\"']([A-Z][0-9]*)[\"'\[]", code))
        assert not quoted & ids, f"{path.name} names questions by id: {quoted & ids}"


def test_a_codebook_without_directions_is_refused_before_any_notebook_runs(tmp_path, fixtures_dir):
    from survey_analysis import SurveyError, draft_codebook

    export = fixtures_dir / "microsoft_forms" / "surveyEng.xlsx"
    draft = tmp_path / "draft.yml"
    draft.write_text(yaml.safe_dump(draft_codebook(export).to_dict(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(SurveyError) as err:
        build_reports(export, codebook=draft, out=tmp_path / "out", progress=None)
    assert "direction" in str(err.value) and "surveyEng.xlsx" in str(err.value)
    assert not (tmp_path / "out" / "index.html").exists()


# ---- in a real browser --------------------------------------------------------------------------

def _chromium() -> str | None:
    """Debian's Chromium, or None.  SURVEY_ANALYSIS_CHROMIUM names another (empty: pretend there is none)."""
    named = os.environ.get("SURVEY_ANALYSIS_CHROMIUM")
    if named is not None:
        return named if named and os.access(named, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM = _chromium()
ARTEFACTS = ROOT / "test-artefacts" / "screenshots"

# Everything on the rendered page that is wider than the window, sticks out of the page's column,
# or is cut inside a box that scrolls or hides its overflow.
_MEASURE = """() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const width = window.innerWidth, problems = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                     (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  if (document.documentElement.scrollWidth > width) problems.push('page is ' + document.documentElement.scrollWidth + ' px wide');
  const column = document.querySelector('main').getBoundingClientRect();
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > width + 1 || box.left < -1) problems.push(name(el) + ' outside the window');
    if (el.closest('main') && box.right > column.right + 1) problems.push(name(el) + ' beyond the column by ' + Math.round(box.right - column.right) + ' px');
    const style = getComputedStyle(el);
    if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(name(el) + ' cut: ' + el.scrollWidth + ' > ' + el.clientWidth);
  }
  return problems;
}"""

_IMAGES = """() => Promise.all([...document.images].map(img =>
  img.decode().then(() => [img.alt, img.naturalWidth], () => [img.alt, 0])))"""


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (`make browser` installs it)")
def test_every_page_renders_in_chromium_without_overflow(english, romanian, capsys):
    """Every page at 1280 px: images decode, no console error, nothing too wide or cut; the brief fits one A4 page."""
    from playwright.sync_api import sync_playwright

    problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for lang, folder in (("en", english[0]), ("ro", romanian)):
                shots = ARTEFACTS / lang
                shots.mkdir(parents=True, exist_ok=True)
                for name in PAGES:
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    errors: list[str] = []
                    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
                    page.on("pageerror", lambda error: errors.append(str(error)))
                    page.goto((folder / name).as_uri(), wait_until="load")
                    images = page.evaluate(_IMAGES)
                    assert all(width > 0 for _, width in images), f"{lang}/{name}: an image did not decode"
                    assert all(alt for alt, _ in images), f"{lang}/{name}: an image has no alt text"
                    assert page.title() != "PWNED" and page.get_attribute("body", "data-pwned") is None
                    found = page.evaluate(_MEASURE)
                    if found:
                        problems[f"{lang}/{name}"] = found[:5]
                    assert not errors, f"{lang}/{name}: {errors}"
                    page.screenshot(path=str(shots / f"{Path(name).stem}.png"), full_page=True)
                    if name == "summary.html":
                        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
                        (shots / "summary_A4.pdf").write_bytes(pdf)
                        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, f"{lang}: the brief is not one A4 page"
                    page.close()
        finally:
            browser.close()
    with capsys.disabled():
        print(f"\nscreenshots of every page (1280 px) and the brief on A4 kept in {ARTEFACTS}")
    assert not problems, problems
    hostile = (english[0] / "03_segments_and_proposals.html").as_uri()
    assert hostile  # the hostile answers were on a page the browser opened above, and nothing ran


def _failing_notebooks(folder: Path, message: str) -> Path:
    """A folder of one notebook whose cell after the parameters raises ValueError(message)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder.mkdir()
    notebook = new_notebook()
    parameters = new_code_cell("input_path = None")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, new_code_cell(f"raise ValueError({message!r})")]
    nbformat.write(notebook, folder / "01_fails.ipynb")
    return folder


def test_a_failing_notebook_names_itself_and_keeps_the_executed_copy(tmp_path):
    from survey_analysis import SurveyError

    folder = _failing_notebooks(tmp_path / "notebooks", "a cell that fails")
    with pytest.raises(SurveyError) as err:
        build_reports(SAMPLE / "google_forms.xlsx", codebook=CODEBOOK, out=tmp_path / "out", notebooks=folder,
                      progress=None)
    message = str(err.value)
    assert "01_fails.ipynb stopped with ValueError: a cell that fails" in message
    # The executed copy, with the failing cell, is kept outside the set (which is left as it was).
    kept = re.search(r"the failing cell, is (\S+)\)", message)
    assert kept and Path(kept.group(1)).is_file() and Path(kept.group(1)).name == "01_fails.ipynb", message
    assert "were left as they were" in message
    assert not (tmp_path / "out" / "index.html").exists()
    assert not list((tmp_path / "out").glob(".survey-analysis-run-*"))  # no staging folder left behind


def test_each_report_set_is_complete_and_a_failed_run_leaves_the_previous_set_whole(romanian, english,
                                                                                   tmp_path):
    from survey_analysis import SurveyError
    from survey_analysis.outputs import check_set

    for out in (romanian, english[0]):
        assert check_set(out) == (True, []), out
    summary = (romanian / "summary.html").read_text(encoding="utf-8")
    assert "SHA-256 al exportului" in summary and summary.count("<footer") == 1  # the stamp sits in the footer
    previous = tmp_path / "previous"
    shutil.copytree(romanian, previous)
    before = {p.name: p.read_bytes() for p in previous.glob("*.html")}
    folder = _failing_notebooks(tmp_path / "notebooks", "stopped midway")
    with pytest.raises(SurveyError):
        build_reports(SAMPLE / "google_forms.xlsx", codebook=CODEBOOK, out=previous, notebooks=folder,
                      progress=None, lang="ro")
    assert {p.name: p.read_bytes() for p in previous.glob("*.html")} == before
    assert check_set(previous) == (True, [])


def test_the_notebook_tools_load_without_the_optional_iri_checker_and_leave_it_importable():
    import subprocess
    import sys

    code = ("import sys; from survey_analysis.report.kernels import import_notebook_tools; import_notebook_tools(); "
            "assert 'rfc3987_syntax' not in sys.modules; import nbformat; "
            "nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); import importlib.util; "
            "print(importlib.util.find_spec('rfc3987_syntax') is not None or 'absent')")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / "notebooks" / "01_overview.ipynb")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() in ("True", "absent")


def test_a_directions_example_proposals_say_different_things():
    from survey_analysis.report.evidence_page import _distinct_ideas

    proposals = ["We suggest teleradiology for small hospitals", "I would propose teleradiology for small hospitals",
                 "Perhaps a shared PACS", "A shared PACS.", "Training for residents"]
    assert _distinct_ideas(proposals, 3) == ["We suggest teleradiology for small hospitals", "Perhaps a shared PACS",
                                             "Training for residents"]


def test_set_aside_rows_are_explained_in_the_reports_language(romanian):
    from survey_analysis.report.catalogue import catalogue
    from survey_analysis.report.overview import drop_detail

    from survey_analysis.survey.setaside import detail

    ro = catalogue("ro")
    assert drop_detail(ro, detail("same_email", row=81)) == \
        "aceeași adresă de e-mail ca răspunsul mai recent de pe rândul 81, care se păstrează"
    assert drop_detail(ro, detail("too_few", answered=2, items=20, needed=10.0)) == \
        "întrebări pe scală cu răspuns: 2 din 20 (sunt necesare cel puțin 10)"
    assert drop_detail(ro, detail("too_few", answered=2, items=15, needed=7.5)) == \
        "întrebări pe scală cu răspuns: 2 din 15 (sunt necesare cel puțin 7,5)"
    assert drop_detail(ro, detail("tool_status", status="Survey Preview")) == \
        "starea „Survey Preview” din instrumentul de chestionar"
    # The English detail changes wording without the report losing its translation.
    assert drop_detail(ro, {**detail("none_answered"), "detail": "reworded"}) == "nicio întrebare cu răspuns"
    assert drop_detail(ro, {"detail": "something the loader says otherwise"}) == "something the loader says otherwise"
    page = _Page(_read(romanian / "01_overview.html")).visible
    assert "care se păstrează" in page and "which is kept" not in page and "empty row after" not in page
