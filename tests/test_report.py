"""The report stage: notebooks executed on an export and exported as self-contained HTML."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from survey_analysis.report import build_reports
from survey_analysis.sample import make_sample

from conftest import CODEBOOK, SAMPLE
from filebuilders import write_xlsx


class _Text(HTMLParser):
    """Collects visible text and the tags of an HTML page."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    written = build_reports(SAMPLE / "google_forms.xlsx", codebook=CODEBOOK, register=SAMPLE / "members.csv",
                            out=out, progress=None)
    return out, written


def test_index_and_one_report_per_notebook(sample_reports):
    out, written = sample_reports
    assert written[0] == out / "index.html"
    names = {p.name for p in written}
    assert {"01_overview.html", "02_evidence.html", "03_segments_and_proposals.html"} <= names
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in names - {"index.html"}:
        assert f'href="{name}"' in index


def test_reports_embed_their_charts_and_hide_the_code(sample_reports):
    out, written = sample_reports
    for path in written[1:]:
        page = path.read_text(encoding="utf-8")
        images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
        assert images, f"{path.name} has no embedded chart"
        assert base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
        # No link to an external image file: the page can be mailed on its own.
        parser = _Text()
        parser.feed(page)
        assert not [a for t, a in parser.tags if t == "img" and not a.get("src", "").startswith("data:")]
        visible = " ".join(parser.text)
        assert "load_responses" not in visible and "import survey_analysis" not in visible


def test_no_identifying_answer_reaches_a_report(sample_reports):
    out, written = sample_reports
    sample = make_sample()
    secrets = {a["A2"] for a in sample.answers} | {a["A1"] for a in sample.answers} | {a["_person"] for a in sample.answers}
    for path in written:
        page = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in page]
        assert not leaked, f"{path.name} shows {leaked[:3]}"


def test_headline_figures_are_in_the_reports(sample_reports):
    out, _ = sample_reports
    assert "Respondents: 150 of 155 rows read" in (out / "01_overview.html").read_text(encoding="utf-8")
    assert "SD1 &gt; SD3 &gt; SD2 &gt; SD5 &gt; SD4" in (out / "02_evidence.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    """Reports on the sample with three answers that try to inject markup and script."""
    from openpyxl import load_workbook

    tmp_path = tmp_path_factory.mktemp("hostile")
    source = load_workbook(SAMPLE / "google_forms.xlsx")
    sheet = source["Form Responses 1"]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=151)]
    g2 = header.index("What else should the Strategic Agenda include?")
    for k, text in enumerate(HOSTILE):
        rows[10 + k][g2] = text
    path = write_xlsx(tmp_path / "hostile.xlsx", {"Form Responses 1": [header, *rows]})
    out = tmp_path / "out"
    build_reports(path, codebook=CODEBOOK, out=out, progress=None, notebooks=SAMPLE.parents[1] / "notebooks")
    return out


HOSTILE = ['<script>document.title="PWNED"</script> training for staff',
           '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')"> a common cluster brand',
           'see https://example.org/a"b<b>bold</b> for research projects',
           'Please call Ana Popescu at 0722 123 456 or write to ana.popescu@spital-iasi.ro about training']


def test_hostile_free_text_is_shown_as_text_never_markup(hostile_reports):
    """BAD_INPUTS 18: <script>, <img onerror> and a quote in a URL stay text in every report."""
    page = (hostile_reports / "03_segments_and_proposals.html").read_text(encoding="utf-8")
    assert '<script>document.title="PWNED"</script>' not in page
    assert "<img src=x onerror" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;" in page  # the text is there, escaped
    parser = _Text()
    parser.feed(page)
    assert not any("PWNED" in s for s in parser.scripts)
    assert not [a for t, a in parser.tags if "onerror" in a]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (make test installs it where it can)")
def test_contact_details_typed_into_answers_are_masked(hostile_reports):
    for page in hostile_reports.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "ana.popescu@spital-iasi.ro" not in text and "0722 123 456" not in text
    page = (hostile_reports / "03_segments_and_proposals.html").read_text(encoding="utf-8")
    assert "write to [e-mail] about training" in page and "at [phone] or" in page


def test_reports_load_nothing_from_elsewhere_and_run_no_script(sample_reports):
    out, written = sample_reports
    for path in written:
        page = path.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in page
        parser = _Text()
        parser.feed(page)
        assert not [t for t, a in parser.tags if t == "script"]
        assert not [a for t, a in parser.tags if t in ("link", "img", "iframe") and
                    re.match(r"https?:", a.get("src", "") or a.get("href", ""))]


def test_reports_open_in_a_headless_browser_without_running_respondents_text(hostile_reports, tmp_path):
    """The real browser renders every report; the injected script and handler never run."""
    for page in sorted(hostile_reports.glob("*.html")):
        result = subprocess.run([CHROMIUM, *_FLAGS, f"--user-data-dir={tmp_path / page.stem}",
                                 "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-500:]
        dom = result.stdout
        assert "<title>PWNED</title>" not in dom and 'data-pwned="1"' not in dom
        parser = _Text()
        parser.feed(dom)
        visible = " ".join(parser.text)
        if page.name == "03_segments_and_proposals.html":
            assert '<script>document.title="PWNED"</script>' in visible  # shown as text
            assert "[e-mail]" in visible
        if page.name != "index.html":
            assert [a for t, a in parser.tags if t == "img" and a.get("src", "").startswith("data:image/png")]
    shot = tmp_path / "overview.png"
    subprocess.run([CHROMIUM, *_FLAGS, f"--user-data-dir={tmp_path / 'shot'}", "--window-size=1200,1600",
                    f"--screenshot={shot}", (hostile_reports / "01_overview.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_codebook_without_directions_is_refused_before_any_notebook_runs(tmp_path, fixtures_dir):
    from survey_analysis import SurveyError, draft_codebook

    export = fixtures_dir / "microsoft_forms" / "surveyEng.xlsx"
    import yaml

    draft = tmp_path / "draft.yml"
    draft.write_text(yaml.safe_dump(draft_codebook(export).to_dict(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(SurveyError) as err:
        build_reports(export, codebook=draft, out=tmp_path / "out", progress=None)
    assert "direction" in str(err.value) and "surveyEng.xlsx" in str(err.value)
    assert not (tmp_path / "out" / "index.html").exists()
