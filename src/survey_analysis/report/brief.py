"""The one-page brief (``summary.html``) for the people who decide.

One A4 page in plain words: who answered against the membership, one sentence
per direction (support with its interval and n, how many rank it first,
whether members agree, which member groups or segments carry it), the order
of the directions with how sure each step is, the three project ideas with
the most members willing to work on them, what members want outside the
five directions, the EU-presidency priorities they most want to align with,
who will take part in the coming year, and how to read the figures.  Every
sentence is composed by :mod:`.wording` from the report language's catalogue.
"""

from __future__ import annotations

import pandas as pd

from .evidence_page import EvidenceSections
from .html import Html, esc
from .overview import OverviewSections, NONE_OPTIONS
from .portfolio_page import PortfolioSections
from .segments_page import SegmentSections
from .wording import (DirectionFigures, compose_direction, compose_leading, compose_who_answered, leading_options,
                      notably_favoured)

__all__ = ["BriefSections"]


class BriefSections(OverviewSections, EvidenceSections, SegmentSections, PortfolioSections):
    """The brief's content, built from the same findings as the detailed pages."""

    def direction_figures(self) -> list[DirectionFigures]:
        """The figures of each direction's sentence, best supported first."""
        f = self.findings
        head = f.headline.sort_values("support", ascending=False, kind="stable")
        evidence = f.evidence
        ranking = f.ranking
        scale_max = self.support_table().set_index("direction")["scale_max"]
        out = []
        for code in head.index:
            h, ev = head.loc[code], evidence.loc[code]
            groups, compared = self.groups_behind(code)
            too_few = bool(ev.get("too_few_answers", False)) if not pd.isna(ev.get("too_few_answers", False)) \
                else False
            out.append(DirectionFigures(
                code=code, name=self.direction_name(code), support=float(h["support"]), low=float(h["low"]),
                high=float(h["high"]), n=int(h["n"]), weighted=bool(h["weighted"]),
                scale_max=float(scale_max.get(code, 5)), top_two=float(ev["top_box_share"]),
                first_share=(float(ranking.loc[code, "first_share"]) if ranking is not None and code in ranking.index
                             else None),
                consensus=float(ev["consensus"]) if not pd.isna(ev["consensus"]) else None,
                polarised=ev.get("polarised"), groups=groups, groups_compared=compared,
                segments=self.segments_behind(code), too_few=too_few))
        return out

    def brief(self) -> Html:
        """The whole brief: the body of ``summary.html``."""
        f, cat = self.findings, self.cat
        weighted = bool(f.headline["weighted"].any())
        section = self.section()
        section.add(f"<h1>{esc(cat.text('pages.summary.title'))}</h1>")
        section.add(f'<p class="subtitle">{esc(self.survey_title())}</p>')
        if self.words != self.lang:
            section.p(cat.text("common.codebook_in_english"), "note")
        section.p(compose_who_answered(cat, f.n, f.members, self.under_represented(), weighted=weighted), "lead")

        section.h(2, cat.text("brief.directions_heading"))
        section.items([compose_direction(cat, d) for d in self.direction_figures()], css="directions")

        section.h(2, cat.text("brief.order_heading"))
        head = f.headline["support"].dropna().sort_values(ascending=False, kind="stable")
        if len(head) >= 2:
            steps = self.step_items(names=False)
            section.p(cat.text("brief.order", order=" > ".join(head.index), steps="; ".join(steps)))
        else:
            section.p(cat.text("evidence.order.single"))

        ideas = self._ideas()
        if ideas:
            section.h(2, cat.text("brief.ideas_heading"))
            section.p(ideas)

        section.h(2, cat.text("brief.outside_heading"))
        section.p(self._outside())

        section.h(2, cat.text("brief.eu_heading"))
        section.p(self._eu())
        participation = self._participation()
        if participation:
            section.h(2, cat.text("brief.part_heading"))
            section.p(participation)

        section.h(2, cat.text("brief.about_heading"))
        section.p(cat.text("brief.about_weighted" if weighted else "brief.about_plain"), "note")
        section.p(cat.text("brief.about_terms", levels=self.top_levels()), "note")
        return section.html({"page": "summary", "title": f"{cat.text('pages.summary.title')} \u2014 "
                                                         f"{self.survey_title()}", "lang": self.lang})

    def top_levels(self) -> str:
        """The two highest levels of each scale the directions use, in words."""
        scales = dict.fromkeys(self.codebook.questions[i].scale for items in self.findings.survey.items_by_direction()
                               .values() for i in items)
        return "; ".join(self.cat.join(self.cat.quote(label) for label in self.level_labels(scale)[-2:]) for scale in scales)

    def _outside(self) -> str:
        cat, proposals = self.cat, self.findings.proposals
        if proposals is None:
            return cat.text("brief.outside_none_asked")
        outside = int((proposals.mapped["direction"] == "outside").sum())
        total = len(proposals.mapped)
        if not outside or proposals.themes.empty:
            return cat.text("brief.outside_nothing", total=cat.count("unit.proposals", total))
        themes = proposals.themes.head(3)
        listed = cat.join(cat.text("brief.theme", label=self._theme_label(t.quotes, t.top_terms),
                                   proposals=cat.count("unit.proposals", int(t.n)))
                          for t in themes.itertuples())
        return cat.text("brief.outside", outside=cat.integer(outside), total=cat.count("unit.proposals", total),
                        share=cat.percent(outside / total), themes=listed)

    def _theme_label(self, quotes: list[str], terms: str) -> str:
        """A theme in a few words: its most typical answer in the report's language, else its top terms."""
        from ..portfolio.labels import without_lead_in, shorten
        from ..survey.privacy import mask_contacts
        from ..text.language import detect_language

        masked = [str(q) for q in mask_contacts(pd.Series(list(quotes or []), dtype="object"))]
        for quote in masked:
            if detect_language(quote) == self.lang and "[" not in quote:
                phrase = shorten(without_lead_in(quote), 50)
                return phrase[:1].upper() + phrase[1:]
        return ", ".join(str(terms).split(", ")[:3])

    def _ideas(self) -> str:
        """The three project ideas with the most members willing to work on them ('' without the question)."""
        cat = self.cat
        table = self.findings.portfolio(self.lang)
        if table is None:
            return ""
        if table.empty:
            return cat.text("brief.ideas_none", threshold=cat.integer(self.findings.threshold))
        top = table.head(3)
        listed = cat.join(cat.text("brief.idea", label=r.label, proposing=cat.count("unit.members", int(r.n)),
                                   willing=cat.integer(int(r.n_willing)))
                          for r in top.itertuples())
        return cat.text("brief.ideas", ideas=listed, count=cat.count("unit.ideas", len(table)))

    def _eu(self) -> str:
        cat, choice = self.cat, self.findings.eu_priorities
        if choice is None:
            return cat.text("brief.eu_none")
        shares = self._choice_table(choice)
        leading = leading_options(list(shares[["option", "share", "low", "high"]].itertuples(index=False, name=None)))
        rows = shares.set_index("option").loc[leading]
        text = cat.text("brief.eu", options=compose_leading(cat, [(r.label, r.share, r.low, r.high)
                                                                 for r in rows.itertuples()]),
                        members=cat.count("unit.members", choice.n))
        if choice.favoured is not None and choice.overall is not None and leading:
            values = choice.favoured.loc[leading[0]].drop("n").astype(float)
            favoured = notably_favoured(values - choice.overall.reindex(values.index))
            if favoured is not None:
                text += " " + cat.text("brief.eu_favoured", option=rows["label"].iloc[0],
                                       direction=self.direction_label(favoured))
        return text

    def _participation(self) -> str:
        cat, choice = self.cat, self.findings.participation
        if choice is None:
            return ""
        shares = self._choice_table(choice)
        active = shares[~shares["option"].isin(NONE_OPTIONS)].sort_values("count", ascending=False, kind="stable")
        listed = cat.join(cat.text("brief.part_item", activity=r.label,
                                            organisations=cat.count("unit.organisations", int(r.count)))
                          for r in active.itertuples())
        return cat.text("brief.part", activities=listed, members=cat.count("unit.members", choice.n))
