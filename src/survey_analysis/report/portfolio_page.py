"""The sections of the project portfolio page: members' project ideas in workshop order.

The ideas are grouped and ordered by :func:`survey_analysis.project_portfolio`
(in the report's language); this page shows them for people: the ideas with
the members proposing them and those willing to work on them, their
directions and EU-presidency priorities, what members wrote (masked), and
the ideas too small to show one by one.
"""

from __future__ import annotations

import pandas as pd

from ..plot import plot_idea_counts
from .base import PageBase
from .html import Column, Html, esc, render_table

__all__ = ["PortfolioSections"]


class PortfolioSections(PageBase):
    """Sections of ``04_portfolio``."""

    def _portfolio(self) -> pd.DataFrame | None:
        return self.findings.portfolio(self.lang)

    def portfolio_headline(self) -> str:
        """One line for nbval: how many ideas are shown."""
        table = self._portfolio()
        if table is None:
            return self.cat.text("portfolio.none_line")
        return self.cat.text("portfolio.line", ideas=self.cat.integer(len(table)))

    def portfolio_ideas(self) -> Html:
        f, cat = self.findings, self.cat
        table = self._portfolio()
        if table is None:
            return self.missing("portfolio.heading", "portfolio.missing")
        section = self.section().h(2, cat.text("portfolio.heading"), "ideas")
        section.p(cat.text("portfolio.what", threshold=cat.integer(f.threshold),
                           answers=cat.count("unit.answers", int(table.attrs.get("n_answers", 0))),
                           proposers=cat.count("unit.members", int(table.attrs.get("n_proposers", 0)))))
        if table.empty:
            return section.p(cat.text("portfolio.no_ideas", threshold=cat.integer(f.threshold))).html()
        names = table.attrs.get("eu_priority_names", {})
        shown = table.assign(
            idea=table["label"],
            direction_names=[cat.join(self.direction_label(d) for d in ds) or None for ds in table["directions"]],
            priorities=[cat.join(names.get(p, p) for p in ps) or None for ps in table["eu_priorities"]],
            categories=[cat.join(f"{g} ({cat.integer(n)})" for g, n in cs.items() if n is not None) or None
                        for cs in table["member_categories"]],
            # the explanation below the table says what "not settled" means, once
            note=[cat.text("portfolio.not_settled") if n else None for n in table["order_note"]])
        section.add(self.chart(lambda ax: plot_idea_counts(
            table, ax=ax, title=cat.text("portfolio.chart_title"), xlabel=cat.text("portfolio.chart_x"),
            proposing=cat.text("portfolio.proposing"), willing=cat.text("portfolio.willing")),
            name="project_ideas", size=(9, 1.4 + 0.55 * len(table)),
            alt=cat.text("portfolio.alt", ideas=cat.join(
                f"{r.label} {cat.integer(r.n)}/{cat.integer(r.n_willing)}" for r in table.itertuples()))))
        section.add(render_table(shown, [
            Column("rank", cat.label("rank"), "int"), Column("idea", cat.label("idea")),
            Column("n", cat.label("proposing"), "int"), Column("n_willing", cat.label("willing"), "int"),
            Column("willing_share", cat.label("willing_share"), "pct"),
            Column("willing_low", cat.label("interval"), "interval", percent=True, high="willing_high"),
            Column("direction_names", cat.label("directions")), Column("categories", cat.label("categories")),
            Column("note", cat.label("order_note"))], cat))
        section.add(self.explain("portfolio.terms"))
        return section.html()

    def portfolio_quotes(self) -> Html:
        cat = self.cat
        table = self._portfolio()
        if table is None or table.empty:
            return Html("")
        section = self.section().h(2, cat.text("portfolio.quotes_heading"), "idea-quotes")
        for row in table.itertuples():
            quotes = "".join(f"<blockquote>{esc(q)}</blockquote>" for q in row.quotes)
            section.add(f"<details><summary>{esc(f'{row.rank}. {row.label}')}</summary>{quotes}</details>")
        return section.html()

    def portfolio_priorities(self) -> Html:
        cat = self.cat
        table = self._portfolio()
        if table is None or table.empty or self.findings.eu_priorities is None:
            return Html("")
        names = table.attrs.get("eu_priority_names", {})
        shares = pd.DataFrame(table["eu_chosen_share"].tolist())
        priorities = [p for p in names if p in shares.columns]
        if not priorities:
            return Html("")
        keys = [f"p{k}" for k in range(len(priorities))]
        shown = pd.DataFrame({"idea": table["label"].to_numpy(),
                              **{key: shares[p].to_numpy() for key, p in zip(keys, priorities)}})
        section = self.section().h(2, cat.text("portfolio.eu_heading"), "idea-priorities")
        section.p(cat.text("portfolio.eu_what", threshold=cat.integer(self.findings.threshold)), "note")
        section.add(render_table(shown, [Column("idea", cat.label("idea"))] +
                                 [Column(key, names[p], "pct") for key, p in zip(keys, priorities)], cat))
        return section.html()

    def portfolio_rest(self) -> Html:
        cat = self.cat
        table = self._portfolio()
        if table is None:
            return Html("")
        small = table.attrs.get("small_ideas", {})
        section = self.section().h(2, cat.text("portfolio.rest_heading"), "idea-rest")
        section.p(cat.text("portfolio.rest", ideas=cat.integer(small.get("ideas", 0)),
                           members=cat.count("unit.members", int(small.get("members", 0))),
                           threshold=cat.integer(self.findings.threshold),
                           ungrouped=cat.count("unit.answers", int(table.attrs.get("ungrouped", 0)))))
        if table.attrs.get("note"):
            section.p(table.attrs["note"], "note")
        return section.html()
