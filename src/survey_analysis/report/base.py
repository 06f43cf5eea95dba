"""What every report page's sections share: the language, the questionnaire's words, charts.

:class:`PageBase` is the base of the section builders (:mod:`.overview`,
:mod:`.evidence_page`, :mod:`.segments_page`, :mod:`.brief`): it holds the
findings, the report's catalogue, the folder the charts are written to, and
turns the questionnaire's ids into the words of the report's language — the
codebook's Romanian for questions, options, scale levels and direction names
when it has them, else its English with a note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .catalogue import Catalogue, catalogue
from .figures import figure
from .findings import Findings
from .html import Html, Section, esc, markup

__all__ = ["PageBase", "PAGES"]

#: The report pages, in the order of the index: page id -> file name.
PAGES = {
    "summary": "summary.html",
    "overview": "01_overview.html",
    "evidence": "02_evidence.html",
    "segments": "03_segments_and_proposals.html",
    "portfolio": "04_portfolio.html",
}


def _has_language(codebook: Any, lang: str) -> bool:
    """Whether the codebook words anything differently in ``lang`` than in English."""
    if lang == "en":
        return True
    for question in codebook.questions.values():
        if question.text.get(lang) and question.text.get(lang) != question.text.get("en"):
            return True
    for direction in codebook.directions.values():
        if direction.name.get(lang) and direction.name.get(lang) != direction.name.get("en"):
            return True
    return False


class PageBase:
    """The shared state and helpers of the section builders.

    Parameters
    ----------
    findings : Findings
    lang : {"en", "ro"}
        The report's language.
    figures_dir : path, optional
        Where charts are also written as PNG and SVG (a report run gives
        ``reports/figures``); None only embeds them.
    """

    def __init__(self, findings: Findings, *, lang: str = "en", figures_dir: str | Path | None = None) -> None:
        self.findings = findings
        self.cat: Catalogue = catalogue(lang)
        self.lang = lang
        self.figures_dir = None if figures_dir is None else Path(figures_dir)
        self.codebook = findings.codebook
        #: The language the questionnaire's own words are shown in.
        self.words = lang if _has_language(self.codebook, lang) else "en"

    # ---- the questionnaire's words ----------------------------------------------------
    def _pick(self, texts: dict[str, str], fallback: str = "") -> str:
        return texts.get(self.words) or texts.get("en") or fallback

    def direction_name(self, code: str) -> str:
        direction = self.codebook.directions.get(code)
        return self._pick(direction.name, code) if direction is not None else code

    def direction_label(self, code: str) -> str:
        """``SD1 RDI & products`` in the report's language."""
        name = self.direction_name(code)
        return f"{code} {name}" if name and name != code else code

    def direction_names(self) -> dict[str, str]:
        return {code: self.direction_name(code) for code in self.codebook.directions}

    def question_text(self, question: Any) -> str:
        return self._pick(question.text, question.id)

    def option_label(self, question: Any, key: Any) -> str:
        """An option of ``question`` by its id or its English label, in the report's language."""
        for option in question.options:
            if key in (option.id, option.en):
                return getattr(option, self.words, None) or option.en
        return str(key)

    def role_label(self, role: str, value: Any) -> str:
        """An answer to the question with ``role`` (as coded: its English label) in the report's language."""
        question = self.codebook.question_with_role(role)
        if question is None or value is None:
            return str(value)
        if str(value) == "(no answer)":
            return self.cat.text("common.no_answer")
        return self.option_label(question, str(value))

    def level_labels(self, scale: str) -> list[str]:
        return [getattr(level, self.words, None) or level.en for level in self.codebook.scales[scale]]

    def item_text(self, item: str) -> str:
        question = self.codebook.questions.get(item)
        return self.question_text(question) if question is not None else item

    # ---- building blocks ----------------------------------------------------------------
    def section(self) -> Section:
        return Section()

    def missing(self, heading_key: str, reason_key: str, **values: Any) -> Html:
        """A section whose inputs are missing: its heading and one sentence saying so."""
        return (self.section().h(2, self.cat.text(heading_key))
                .p(self.cat.text(reason_key, **values), "note").html())

    def chart(self, draw: Callable[[Any], Any], *, name: str, alt: str, caption: str | None = None,
              size: tuple[float, float] = (9.0, 4.2)) -> str:
        return figure(draw, name=name, alt=alt, caption=caption, size=size, figures_dir=self.figures_dir)

    def heading(self, page: str) -> Html:
        """The page's title, the survey it is about, and what the page answers.

        The builder reads the page's title from this output (under
        :data:`.html.MIME`), so the heading must be the first thing a
        notebook displays.
        """
        cat = self.cat
        title = cat.text(f"pages.{page}.title")
        survey = self.survey_title()
        section = self.section()
        section.add(f"<h1>{esc(title)}</h1>")
        if survey:
            section.add(f'<p class="subtitle">{esc(survey)}</p>')
        section.p(cat.text(f"pages.{page}.intro"), "lead")
        if self.words != self.lang:
            section.p(cat.text("common.codebook_in_english"), "note")
        return section.html({"page": page, "title": f"{title} \u2014 {survey}" if survey else title,
                             "lang": self.lang})

    def survey_title(self) -> str:
        """The survey's name in the report's language: the codebook's title, else the export's file name."""
        provenance = self.findings.provenance
        return self.codebook.title_in(self.lang) or (provenance.input_name if provenance is not None else "")

    def explain(self, key: str, **values: Any) -> str:
        """A catalogue explanation as a note paragraph."""
        return f'<p class="note">{markup(self.cat.text(key, **values))}</p>'

    def fmt(self) -> Callable[[float], str]:
        return lambda v: self.cat.number(v)

    def pct(self) -> Callable[[float], str]:
        return lambda v: self.cat.percent(v)
