"""The sections of the segments and proposals page.

Segments of members by priority profile (with every small segment hidden),
the members' proposals mapped onto the directions, the themes outside all
five, and every proposal, identical ones shown once with how many gave them.
Free text is shown masked (contact details replaced) and escaped.
"""

from __future__ import annotations


from ..plot import plot_segment_profiles, plot_text_directions
from .base import PageBase
from .catalogue import DASH
from .html import Column, Html, esc, render_table
from .wording import segment_name

__all__ = ["SegmentSections", "LIST_LIMIT"]

#: At most this many distinct proposals are listed per direction; the rest are counted.
LIST_LIMIT = 300


class SegmentSections(PageBase):
    """Sections of ``03_segments_and_proposals``."""

    def segments_headline(self) -> str:
        """One line for nbval: how many segments were found."""
        segments = self.findings.segments
        if segments is None:
            return self.cat.text("segments.none_line")
        return self.cat.text("segments.line", k=self.cat.integer(segments.k))

    def segments(self) -> Html:
        f, cat = self.findings, self.cat
        segments = f.segments
        if segments is None:
            return self.missing("segments.heading", "segments.missing", minimum=cat.integer(max(3 * f.threshold, 20)))
        section = self.section().h(2, cat.text("segments.heading"), "segments")
        section.p(cat.text("segments.what"))
        if not segments.distinct:
            section.p(cat.text("segments.no_distinct", members=cat.count("unit.members", segments.n)))
            section.add(self._choice(segments))
            return section.html()
        section.p(cat.count("segments.found", segments.k, members=cat.count("unit.members", segments.n)))
        if segments.n_excluded:
            section.p(cat.text("segments.excluded", members=cat.count("unit.members", segments.n_excluded)), "note")
        table = segments.table.assign(name=[segment_name(cat, w) for w in segments.table["wants"]],
                                      number=[cat.integer(s) for s in segments.table["segment"]])
        section.add(render_table(table, [Column("number", cat.label("segment")), Column("name", cat.label("wants")),
                                         Column("n", cat.label("members_n"), "int"),
                                         Column("share", cat.label("share"), "pct")], cat, hidden="suppressed"))
        relative = segments.relative.copy()
        relative.index = [f"{cat.integer(s)}. {segment_name(cat, w)}"
                          for s, w in zip(segments.table["segment"], segments.table["wants"])]
        relative["n"] = segments.table["n"].to_numpy()
        alt = cat.text("segments.alt", k=cat.integer(segments.k))
        section.add(self.chart(lambda ax: plot_segment_profiles(
            relative, ax=ax, title=cat.text("segments.chart_title"), colorbar_label=cat.text("segments.chart_bar"),
            names=self.direction_names(), fmt=lambda v: ("+" if v > 0 else "") + cat.number(v), hidden_text=DASH),
            name="segment_profiles", alt=alt, size=(9, 1.6 + 0.55 * len(relative))))
        section.add(self.explain("segments.heatmap_note"))
        section.add(self._choice(segments))
        if segments.by_category is not None:
            crosstab = segments.by_category
            shown = crosstab.reset_index()
            first = shown.columns[0]
            shown["label"] = [cat.text("common.total") if s == "Total" else
                              f"{cat.integer(int(s))}. {segment_name(cat, self._wants(int(s)))}"
                              for s in shown[first]]
            columns = [Column("label", cat.label("segment"))]
            columns += [Column(str(c), cat.text("common.total") if c == "Total" else
                               self.role_label("member_category", c), "int")
                        for c in crosstab.columns]
            shown.columns = [str(c) for c in shown.columns]
            section.h(3, cat.text("segments.by_category"))
            section.add(render_table(shown, columns, cat, dashes_hidden=True))
        return section.html()

    def _choice(self, segments) -> str:
        """How the number of segments was chosen, in a collapsed box."""
        cat = self.cat
        choice = segments.choice.assign(chosen_text=[cat.text("common.chosen") if c else "" for c in
                                                     segments.choice["chosen"]])
        columns = [Column("k", cat.label("k"), "int"), Column("silhouette", cat.label("silhouette"), "num")]
        if "reference_p95" in choice:
            columns.append(Column("reference_p95", cat.label("reference"), "num"))
        columns += [Column("stability", cat.label("stability"), "num"), Column("chosen_text", cat.label("chosen"))]
        return (f"<details><summary>{esc(cat.text('segments.choice_summary'))}</summary>"
                f"<p class='note'>{esc(cat.text('segments.choice_what'))}</p>" + render_table(choice, columns, cat)
                + "</details>")

    def _wants(self, segment: int) -> list[str] | None:
        table = self.findings.segments.table
        row = table[table["segment"] == segment]
        return None if row.empty else row["wants"].iloc[0]

    # ---- proposals --------------------------------------------------------------------------
    def proposals(self) -> Html:
        f, cat = self.findings, self.cat
        proposals = f.proposals
        if proposals is None:
            return self.missing("proposals.heading", "proposals.missing")
        section = self.section().h(2, cat.text("proposals.heading"), "proposals")
        questions = [self.question_text(self.codebook.questions[q]) for q in proposals.questions]
        section.p(cat.text("proposals.asked", questions=cat.join(cat.quote(q) for q in questions),
                           answers=cat.count("unit.answers", len(proposals.texts))))
        section.p(cat.text(f"proposals.method.{proposals.method}"), "note")
        counts = proposals.counts[proposals.counts["direction"] != "(blank)"]
        section.add(self.chart(lambda ax: plot_text_directions(
            counts, ax=ax, title=cat.text("proposals.chart_title"), ylabel=cat.text("proposals.chart_y"),
            names=self.direction_names(), outside_label=cat.text("proposals.outside")),
            name="proposals_by_direction", size=(9, 3.4),
            alt=cat.text("proposals.alt", counts=cat.join(
                f"{self._direction_or_outside(r.direction)} {cat.integer(r.n)}" for r in counts.itertuples()))))
        shown = counts.assign(label=[self._direction_or_outside(c) for c in counts["direction"]])
        section.add(render_table(shown, [Column("label", cat.label("direction")),
                                         Column("n", cat.label("proposals"), "int"),
                                         Column("share", cat.label("share"), "pct")], cat))
        return section.html()

    def _direction_or_outside(self, code: str) -> str:
        return self.cat.text("proposals.outside") if code == "outside" else self.direction_label(code)

    def themes(self) -> Html:
        f, cat = self.findings, self.cat
        proposals = f.proposals
        if proposals is None:
            return self.missing("themes.heading", "proposals.missing")
        section = self.section().h(2, cat.text("themes.heading"), "themes")
        outside = int((proposals.mapped["direction"] == "outside").sum())
        if proposals.themes.empty:
            return section.p(cat.text("themes.none")).html()
        section.p(cat.text("themes.what", outside=cat.count("unit.proposals", outside),
                           themes=cat.count("unit.themes", len(proposals.themes))))
        themes = proposals.themes.assign(
            quotes_html=["".join(f"<blockquote>{esc(q)}</blockquote>" for q in quotes)
                         for quotes in proposals.themes["quotes"]])
        section.add(render_table(themes, [Column("theme", cat.label("theme"), "int"),
                                          Column("n", cat.label("proposals"), "int"),
                                          Column("top_terms", cat.label("top_terms")),
                                          Column("quotes_html", cat.label("quotes"), "html")], cat))
        return section.html()

    def proposal_list(self) -> Html:
        f, cat = self.findings, self.cat
        proposals = f.proposals
        if proposals is None:
            return self.missing("list.heading", "proposals.missing")
        section = self.section().h(2, cat.text("list.heading"), "all-proposals")
        distinct = proposals.distinct
        section.p(cat.text("list.what", answers=cat.count("unit.answers", len(proposals.texts)),
                           distinct=cat.integer(len(distinct))))
        order = [c for c in f.directions()] + ["outside"]
        for code in order:
            rows = distinct[distinct["direction"] == code]
            if rows.empty:
                continue
            shown = rows.head(LIST_LIMIT)
            body = render_table(shown, [Column("proposal", cat.label("proposal"), css="quote"),
                                        Column("count", cat.label("times_given"), "int")], cat)
            if len(rows) > LIST_LIMIT:
                body += f'<p class="note">{esc(cat.text("list.more", more=cat.count("unit.proposals", len(rows) - LIST_LIMIT)))}</p>'
            title = cat.text("list.summary", direction=self._direction_or_outside(code),
                             proposals=cat.count("unit.proposals", int(rows["count"].sum())))
            section.add(f"<details><summary>{esc(title)}</summary>{body}</details>")
        return section.html()
