"""The sections of the evidence page: the order of the directions, one block per direction,
the ranking question, reliability, and the kinds of members that differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..plot import plot_rank_first
from .base import PageBase
from .html import Column, Html, esc, markup, render_table
from .wording import (agreement_level, carrying_groups, compose_step, effect_size_level, segment_name,
                      support_level)

__all__ = ["EvidenceSections", "significant_pairs"]


def significant_pairs(text: str) -> list[tuple[str, str]]:
    """``"A > B; C > D"`` (the statistics stage's pairs, higher group first) as ``[(A, B), (C, D)]``."""
    pairs = []
    for part in str(text or "").split("; "):
        if " > " in part:
            higher, lower = part.split(" > ", 1)
            pairs.append((higher.strip(), lower.strip()))
    return pairs


def _differ(row: pd.Series) -> bool:
    if "differ" in row and not pd.isna(row["differ"]):
        return bool(row["differ"])
    return bool(row.get("n_significant_pairs", 0) or 0)


class EvidenceSections(PageBase):
    """Sections of ``02_evidence``."""

    # ---- the order and how sure each step is ------------------------------------------------
    def order_line(self) -> str:
        """The order by headline support, e.g. ``SD1 > SD3 > SD2 > SD5 > SD4`` (checked by nbval)."""
        head = self.findings.headline["support"].dropna().sort_values(ascending=False, kind="stable")
        return self.cat.text("evidence.order_line", order=" > ".join(head.index))

    def step_items(self, *, names: bool = True) -> list[str]:
        """One list item per step of the order, "A ahead of B: settled" (markup)."""
        steps = self.findings.steps
        items = []
        for _, step in steps.iterrows():
            settled = None if pd.isna(step["settled"]) else bool(step["settled"])
            upper = self.direction_label(step["upper"]) if names else step["upper"]
            lower = self.direction_label(step["lower"]) if names else step["lower"]
            items.append(compose_step(self.cat, upper, lower, settled))
        return items

    def order(self) -> Html:
        f, cat = self.findings, self.cat
        section = self.section().h(2, cat.text("evidence.order.heading"), "order")
        head = f.headline["support"].dropna().sort_values(ascending=False, kind="stable")
        if len(head) < 2:
            return section.p(cat.text("evidence.order.single"), "note").html()
        section.p(cat.text("evidence.order.what"))
        steps = f.steps.set_index("upper") if len(f.steps) else None
        rows = []
        for position, code in enumerate(head.index, start=1):
            step = steps.loc[code] if steps is not None and code in steps.index else None
            if step is None:
                state = None
            else:
                settled = None if pd.isna(step["settled"]) else bool(step["settled"])
                state = "unknown" if settled is None else ("settled" if settled else "not_settled")
            rows.append({"position": position, "label": self.direction_label(code),
                         "support": f.headline.loc[code, "support"], "low": f.headline.loc[code, "low"],
                         "high": f.headline.loc[code, "high"],
                         "step": None if state is None else cat.text(f"evidence.order.cell.{state}"),
                         "gap": None if step is None else step["difference"],
                         "gap_low": None if step is None else step["low"],
                         "gap_high": None if step is None else step["high"]})
        section.add(render_table(pd.DataFrame(rows), [
            Column("position", cat.label("position"), "int"), Column("label", cat.label("direction")),
            Column("support", cat.label("support"), "num"),
            Column("low", cat.label("interval"), "interval", high="high"),
            Column("step", cat.label("step_next")), Column("gap", cat.label("gap_next"), "num"),
            Column("gap_low", cat.label("interval"), "interval", high="gap_high")], cat))
        section.add(self.explain("evidence.order.settled_means"))
        ranking = f.ranking
        if ranking is not None:
            schulze = ranking["schulze_position"].sort_values(kind="stable")
            ranked = [c for c in schulze.index if c in head.index]
            if ranked == list(head.index):
                section.p(cat.text("evidence.order.ranking_agrees"))
            else:
                section.p(cat.text("evidence.order.ranking_differs", order=" > ".join(ranked)))
        return section.html()

    # ---- one evidence block per direction -------------------------------------------------------
    def groups_behind(self, code: str) -> tuple[list[str], bool]:
        """Member categories carrying a direction, and whether categories were compared at all."""
        groups = self.findings.groups
        if groups is None:
            return [], False
        rows = groups[(groups["grouping"] == "member_category") & (groups["direction"] == code)]
        if rows.empty:
            return [], False
        row = rows.iloc[0]
        compared = bool((row.get("n_groups") or 0) >= 2)
        if not _differ(row):
            return [], compared
        names = carrying_groups(significant_pairs(row.get("significant_pairs", "")))
        return [self.role_label("member_category", g) for g in names], compared

    def segments_behind(self, code: str) -> list[str]:
        segments = self.findings.segments
        if segments is None:
            return []
        out = []
        for row in segments.table.itertuples():
            if row.suppressed or not row.wants or code not in row.wants:
                continue
            out.append(self.cat.text("evidence.block.segment_ref", name=segment_name(self.cat, row.wants),
                                     members=self.cat.count("unit.members", int(row.n))))
        return out

    def direction_blocks(self) -> Html:
        f, cat = self.findings, self.cat
        section = self.section().h(2, cat.text("evidence.blocks.heading"), "directions")
        section.p(cat.text("evidence.blocks.what"))
        head = f.headline.sort_values("support", ascending=False, kind="stable")
        evidence = f.evidence
        ranking = f.ranking
        weighted = bool(head["weighted"].any())
        proposals = f.proposals
        for code in head.index:
            ev = evidence.loc[code]
            h = head.loc[code]
            direction = self.codebook.directions.get(code)
            block = [f'<section class="block" id="dir-{esc(code)}"><h3>{esc(self.direction_label(code))}</h3>']
            if direction is not None and self._pick(direction.description):
                block.append(f'<p class="note">{esc(self._pick(direction.description))}</p>')
            figures = [(cat.number(h["support"]), cat.text("evidence.block.support_weighted" if weighted
                                                          else "evidence.block.support",
                                                          interval=cat.interval(h["low"], h["high"]),
                                                          members=cat.count("unit.members", int(h["n"]))))]
            figures.append((cat.percent(ev["top_box_share"]), cat.text("evidence.block.top_two")))
            agreement = agreement_level(ev["consensus"], ev.get("polarised"))
            if agreement:
                figures.append((cat.number(ev["consensus"]), cat.text(f"evidence.block.consensus.{agreement}")))
            if ranking is not None and code in ranking.index:
                figures.append((cat.percent(ranking.loc[code, "first_share"]), cat.text("evidence.block.first")))
                if not pd.isna(ev.get("p_first")):
                    figures.append((cat.probability(ev["p_first"]), cat.text("evidence.block.p_first")))
            block.append('<div class="figures">' + "".join(
                f'<div><span class="value">{esc(v)}</span><span class="what">{esc(w)}</span></div>'
                for v, w in figures) + "</div>")
            level = support_level(h["low"], h["high"])
            if level:
                block.append(f"<p>{markup(cat.text(f'wording.support.{level}'))}</p>")
            groups, compared = self.groups_behind(code)
            if groups:
                block.append(f"<p>{esc(cat.text('evidence.block.groups', groups=cat.join(groups)))}</p>")
            elif compared:
                block.append(f"<p>{esc(cat.text('evidence.block.groups_alike'))}</p>")
            segments = self.segments_behind(code)
            if segments:
                block.append(f"<p>{esc(cat.text('evidence.block.segments', segments=cat.join(segments)))}</p>")
            block.append(self._items_table(code))
            if proposals is not None:
                quotes = _distinct_ideas(proposals.distinct.loc[proposals.distinct["direction"] == code,
                                                                "proposal"], 3)
                if quotes:
                    block.append(f"<p><strong>{esc(cat.text('evidence.block.quotes'))}</strong></p>")
                    block.extend(f"<blockquote>{esc(q)}</blockquote>" for q in quotes)
            block.append("</section>")
            section.add("".join(block))
        return section.html()

    def _items_table(self, code: str) -> str:
        cat = self.cat
        items = self.findings.items
        rows = items[items["direction"] == code]
        if rows.empty:
            return ""
        rows = rows.assign(text=[self.item_text(i) + (" " + cat.text("evidence.block.reversed") if r else "")
                                 for i, r in zip(rows["item"], rows["reversed"])])
        return render_table(rows, [Column("text", cat.label("item")), Column("n", cat.label("members_n"), "int"),
                                   Column("mean", cat.label("mean_answer"), "num"),
                                   Column("top_two", cat.label("top_two"), "pct")], cat)

    # ---- the ranking question -------------------------------------------------------------------
    def ranking(self) -> Html:
        f, cat = self.findings, self.cat
        ranking = f.ranking
        if ranking is None:
            return self.missing("evidence.ranking.heading", "evidence.ranking.missing")
        section = self.section().h(2, cat.text("evidence.ranking.heading"), "ranking")
        n = int(ranking["n"].iloc[0])
        section.p(cat.text("evidence.ranking.what", members=cat.count("unit.members", n)))
        table = ranking.reset_index().rename(columns={"option": "direction"})
        alt = cat.text("evidence.ranking.alt", shares=cat.join(
            f"{self.direction_label(r.direction)} {cat.percent(r.first_share)}" for r in table.itertuples()))
        section.add(self.chart(lambda ax: plot_rank_first(table, ax=ax, title=cat.text("evidence.ranking.chart_title"),
                                                          xlabel=cat.text("evidence.ranking.chart_x"),
                                                          names=self.direction_names(), pct=self.pct()),
                               name="ranked_first_by_direction", alt=alt, size=(9, 3.3)))
        p_first = f.evidence["p_first"] if "p_first" in f.evidence else pd.Series(dtype=float)
        table = table.assign(label=[self.direction_label(c) for c in table["direction"]],
                             p_first=[p_first.get(c, np.nan) for c in table["direction"]])
        section.add(render_table(table, [
            Column("label", cat.label("direction")), Column("mean_rank", cat.label("mean_rank"), "num"),
            Column("first_share", cat.label("first_share"), "pct"),
            Column("first_low", cat.label("interval"), "interval", percent=True, high="first_high"),
            Column("borda", cat.label("borda"), "int"), Column("schulze_position", cat.label("schulze"), "int"),
            Column("p_first", cat.label("p_first"), "prob")], cat))
        section.add(self.explain("evidence.ranking.terms",
                                 samples=cat.integer(f.evidence.attrs.get("n_boot", 2000))))
        winner = table.loc[table["condorcet_winner"].astype(bool), "direction"].tolist()
        section.p(cat.text("evidence.ranking.condorcet", direction=self.direction_label(winner[0])) if winner
                  else cat.text("evidence.ranking.no_condorcet"))
        above = f.rank_above
        if above is not None:
            order = list(table["direction"])
            matrix = above.reindex(index=order, columns=order)
            shown = matrix.reset_index(drop=True).assign(label=[self.direction_label(c) for c in order])
            section.h(3, cat.text("evidence.ranking.pairs_heading"))
            section.p(cat.text("evidence.ranking.pairs_what", samples=cat.integer(above.attrs.get("n_boot", 2000))),
                      "note")
            section.add(render_table(shown, [Column("label", cat.label("ranked_above"))] +
                                     [Column(c, c, "prob") for c in order], cat))
        return section.html()

    # ---- reliability --------------------------------------------------------------------------
    def reliability(self) -> Html:
        f, cat = self.findings, self.cat
        table = f.reliability.reset_index()
        section = self.section().h(2, cat.text("evidence.reliability.heading"), "reliability")
        section.p(cat.text("evidence.reliability.what"))
        table = table.assign(label=[self.direction_label(c) for c in table["direction"]],
                             level=[cat.text(f"evidence.reliability.level.{self._alpha_level(a)}")
                                    for a in table["raw_alpha"]])
        section.add(render_table(table, [Column("label", cat.label("direction")),
                                         Column("n_items", cat.label("items"), "int"),
                                         Column("raw_alpha", cat.label("alpha"), "num"),
                                         Column("ci_low", cat.label("interval"), "interval", high="ci_high"),
                                         Column("level", cat.label("reading"))], cat))
        from ..reliability import construct_check

        directions = {c: i for c, i in f.survey.items_by_direction().items() if i}
        check = construct_check(f.survey.numeric([i for its in directions.values() for i in its]),
                                directions=directions, reverse=sorted(self.codebook.reverse_items))
        flagged = check[check["flagged"].fillna(False).astype(bool)]
        if flagged.empty:
            section.p(cat.text("evidence.reliability.no_flags"))
        else:
            section.p(cat.text("evidence.reliability.flags", items=cat.join(
                cat.text("evidence.reliability.flag", item=self.item_text(i), own=r.direction,
                         other=r.closest_other) for i, r in flagged.iterrows())))
        return section.html()

    @staticmethod
    def _alpha_level(alpha: float) -> str:
        if pd.isna(alpha):
            return "unknown"
        return "good" if alpha >= 0.8 else "acceptable" if alpha >= 0.7 else "weak"

    # ---- kinds of members that differ -------------------------------------------------------------
    def groups(self) -> Html:
        f, cat = self.findings, self.cat
        groups = f.groups
        if groups is None:
            return self.missing("evidence.groups.heading", "evidence.groups.missing")
        section = self.section().h(2, cat.text("evidence.groups.heading"), "groups")
        section.p(cat.text("evidence.groups.what", threshold=cat.integer(f.threshold)))
        for grouping, rows in groups.groupby("grouping", sort=False):
            rows = rows.reset_index(drop=True)
            shown = pd.DataFrame({
                "label": [self.direction_label(c) for c in rows["direction"]],
                "differ": [cat.text("common.yes") if _differ(r) else cat.text("common.no") for _, r in rows.iterrows()],
                "strength": [cat.text(f"evidence.groups.effect.{effect_size_level(e)}") if not pd.isna(e) else None
                             for e in rows["epsilon_squared"]],
                "p": rows["p_holm"] if "p_holm" in rows else rows["p_value"],
                "higher": [cat.join(self.role_label(grouping, g) for g in carrying_groups(significant_pairs(t)))
                           or cat.text("common.none") for t in rows["significant_pairs"]],
                "left_out": [cat.join(self.role_label(grouping, g) for g in str(t).split(";") if g) or None
                             for t in rows["groups_below_threshold"].fillna("")],
            })
            section.h(3, cat.text(f"roles.{grouping}"))
            columns = [Column("label", cat.label("direction")), Column("differ", cat.label("differ")),
                       Column("strength", cat.label("strength")), Column("p", cat.label("p_value"), "p"),
                       Column("higher", cat.label("higher_groups"))]
            if shown["left_out"].notna().any():
                columns.append(Column("left_out", cat.label("left_out")))
            section.add(render_table(shown, columns, cat))
        section.add(self.explain("evidence.groups.terms"))
        means = f.group_means
        if means is not None:
            section.h(3, cat.text("evidence.groups.means_heading"))
            shown = means.reset_index()
            shown = shown.assign(label=[self.role_label("member_category", g) for g in shown["group"]])
            columns = [Column("label", cat.text("roles.member_category")), Column("n", cat.label("members_n"), "int")]
            columns += [Column(c, self.direction_label(c), "num") for c in f.directions()]
            section.add(render_table(shown, columns, cat, hidden="suppressed", css="wide"))
        return section.html()


def _distinct_ideas(proposals, n: int) -> list[str]:
    """The first ``n`` proposals that say different things: the same idea behind another opening
    ("We suggest X", "I would propose X") is quoted once."""
    from ..portfolio.labels import without_lead_in
    from ..text.language import fold_text

    quotes, said = [], set()
    for text in proposals:
        gist = fold_text(without_lead_in(str(text)))
        if gist in said:
            continue
        said.add(gist)
        quotes.append(str(text))
        if len(quotes) == n:
            break
    return quotes
