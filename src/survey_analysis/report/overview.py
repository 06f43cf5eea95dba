"""The sections of the overview page: who answered, support, EU priorities, 2019, item by item.

Each method returns one section (:class:`.html.Html`) that a notebook
displays; a section whose inputs the questionnaire lacks says so in one
sentence instead.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..plot import plot_choice_shares, plot_direction_support, plot_likert
from .base import PageBase
from .html import Column, Html, esc, render_table
from .wording import compose_leading, compose_who_answered, leading_options, notably_favoured, representation

__all__ = ["OverviewSections", "NONE_OPTIONS"]

#: Option ids of a participation question that mean "will take part in nothing".
NONE_OPTIONS = {"none", "nothing", "niciuna"}


class OverviewSections(PageBase):
    """Sections of ``01_overview``."""

    # ---- headline (checked by nbval) ------------------------------------------------
    def headline(self) -> str:
        """One line: respondents of rows read, and of members when there is a register."""
        f, cat = self.findings, self.cat
        text = cat.text("overview.headline", respondents=cat.count("unit.respondents", f.n),
                        rows=cat.count("unit.rows", f.survey.report.rows_read))
        if f.members is not None:
            text += " " + cat.text("overview.headline_members", members=cat.count("unit.members", f.members))
        return text

    # ---- who answered ----------------------------------------------------------------------
    def under_represented(self) -> list[tuple[str, float]]:
        """(group label, response rate) of the shown groups answering clearly less than the others."""
        f, cat = self.findings, self.cat
        table = f.who_answered
        if table is None or f.members is None or not f.members:
            return []
        overall = f.n / f.members
        found = []
        for _, row in table.iterrows():
            if bool(row["suppressed"]) or row["group"] == "(no answer)":
                continue
            if representation(row["response_rate"], overall) == "under":
                label = self.role_label(row["grouping"], row["group"])
                if row["grouping"] != "member_category":
                    label = f"{cat.text(f'roles.{row.grouping}')} {label}"
                found.append((label, float(row["response_rate"])))
        return found

    def who_answered(self) -> Html:
        f, cat = self.findings, self.cat
        table = f.who_answered
        if table is None:
            return self.missing("overview.who.heading", "overview.who.no_roles")
        section = self.section().h(2, cat.text("overview.who.heading"), "who-answered")
        weighted = bool(f.headline["weighted"].any())
        section.p(compose_who_answered(cat, f.n, f.members, self.under_represented(), weighted=weighted))
        known = f.members is not None
        if not known:
            section.p(cat.text("overview.who.coverage_unknown"), "note")
        for grouping, rows in table.groupby("grouping", sort=False):
            rows = rows.assign(label=[self.role_label(grouping, g) for g in rows["group"]])
            columns = [Column("label", cat.text(f"roles.{grouping}")), Column("respondents", cat.label("respondents"),
                                                                               "int")]
            if known:
                columns += [Column("members", cat.label("members"), "int"),
                            Column("response_rate", cat.label("response_rate"), "pct"),
                            Column("respondent_share", cat.label("respondent_share"), "pct"),
                            Column("member_share", cat.label("member_share"), "pct")]
            else:
                columns += [Column("respondent_share", cat.label("respondent_share"), "pct")]
            section.add(render_table(rows, columns, cat, hidden="suppressed"))
        if known:
            section.add(self.explain("overview.who.explain", threshold=cat.integer(f.threshold)))
        return section.html()

    # ---- support ------------------------------------------------------------------------------
    def support_table(self) -> pd.DataFrame:
        """The headline support as the chart draws it (weighted when there is a register)."""
        f = self.findings
        head = f.headline
        scale_max = {code: max(len(self.codebook.scales[self.codebook.questions[i].scale]) for i in items)
                     for code, items in f.survey.items_by_direction().items() if items}
        return pd.DataFrame({"direction": head.index, "name": [self.direction_name(c) for c in head.index],
                             "n": head["n"].to_numpy(), "mean": head["support"].to_numpy(),
                             "ci_low": head["low"].to_numpy(), "ci_high": head["high"].to_numpy(),
                             "scale_min": 1, "scale_max": [scale_max.get(c, 5) for c in head.index]})

    def support(self) -> Html:
        f, cat = self.findings, self.cat
        table = self.support_table()
        weighted = bool(f.headline["weighted"].any())
        top = int(table["scale_max"].max())
        section = self.section().h(2, cat.text("overview.support.heading"), "support")
        section.p(cat.text("overview.support.what", top=cat.integer(top)))
        section.p(cat.text("overview.support.weighted" if weighted else "overview.support.plain"), "note")
        order = table.sort_values("mean", ascending=False, kind="stable")
        alt = cat.text("overview.support.alt", order=cat.join(
            f"{self.direction_label(r.direction)} {cat.number(r.mean)}" for r in order.itertuples()))
        section.add(self.chart(lambda ax: plot_direction_support(
            table, ax=ax, title=cat.text("overview.support.chart_title"),
            xlabel=cat.text("overview.support.chart_x", top=cat.integer(top)), names=self.direction_names(),
            fmt=self.fmt(), n_text=cat.text("common.n_equals", n="{n}")), name="support_by_direction", alt=alt,
            size=(9, 3.6)))
        shown = order.assign(label=[self.direction_label(c) for c in order["direction"]])
        columns = [Column("label", cat.label("direction")), Column("mean", cat.label("support"), "num"),
                   Column("ci_low", cat.label("interval"), "interval", high="ci_high"),
                   Column("n", cat.label("members_n"), "int")]
        if weighted:
            plain = f.evidence["support_plain"]  # "support" there is the weighted headline
            shown = shown.assign(plain=[plain.get(c, np.nan) for c in shown["direction"]])
            columns.append(Column("plain", cat.label("support_plain"), "num"))
        section.add(render_table(shown, columns, cat))
        return section.html()

    # ---- multi-select questions -------------------------------------------------------------
    def _choice_table(self, choice) -> pd.DataFrame:
        return choice.shares.assign(label=[self.option_label(choice.question, o) for o in choice.shares["option"]])

    def eu_priorities(self) -> Html:
        f, cat = self.findings, self.cat
        choice = f.eu_priorities
        if choice is None:
            return self.missing("overview.eu.heading", "overview.eu.missing")
        shares = self._choice_table(choice)
        section = self.section().h(2, cat.text("overview.eu.heading"), "eu-priorities")
        section.p(cat.text("overview.eu.asked", question=self.question_text(choice.question),
                           members=cat.count("unit.members", choice.n)))
        leading = leading_options(list(shares[["option", "share", "low", "high"]].itertuples(index=False, name=None)))
        lead_rows = [(r.label, r.share, r.low, r.high) for r in shares.set_index("option").loc[leading].itertuples()]
        section.p(cat.text("overview.eu.leading", options=compose_leading(cat, lead_rows)))
        section.add(self.chart(lambda ax: plot_choice_shares(shares, ax=ax, title=cat.text("overview.eu.chart_title"),
                                                             xlabel=cat.text("common.share_chose_axis"),
                                                             pct=self.pct()),
                               name="eu_priorities_share", size=(9, 3.4),
                               alt=cat.text("overview.eu.alt", options=compose_leading(
                                   cat, [(r.label, r.share, r.low, r.high) for r in shares.itertuples()]))))
        section.add(self._by_category(choice, "overview.eu.by_category"))
        if choice.favoured is not None and choice.overall is not None:
            section.h(3, cat.text("overview.eu.favoured_heading"))
            section.p(cat.text("overview.eu.favoured_what"), "note")
            favoured = choice.favoured.copy()
            rows = []
            for option, row in favoured.iterrows():
                values = row.drop("n").astype(float)
                lift = values - choice.overall.reindex(values.index)
                best = notably_favoured(lift)  # a dash where no direction stands out by a quarter of a level
                rows.append({"label": self.option_label(choice.question, option), "n": row["n"],
                             **{code: values[code] for code in values.index},
                             "best": self.direction_label(best) if best is not None else None,
                             "lift": lift.max() if best is not None else np.nan})
            table = pd.DataFrame(rows)
            overall = {"label": cat.text("common.all_members"), "n": choice.n,
                       **{code: choice.overall[code] for code in choice.overall.index}, "best": None, "lift": np.nan}
            table = pd.concat([table, pd.DataFrame([overall])], ignore_index=True)
            columns = [Column("label", cat.label("priority")), Column("n", cat.label("members_n"), "int")]
            columns += [Column(code, self.direction_label(code), "num") for code in choice.overall.index]
            columns += [Column("best", cat.label("favoured_most"))]
            section.add(render_table(table, columns, cat))
            section.add(self.explain("overview.eu.favoured_note", minimum=cat.integer(max(f.threshold, 10))))
        return section.html()

    def _by_category(self, choice, heading_key: str) -> str:
        """Options as rows, member categories as columns (with their n): narrow enough for A4."""
        cat = self.cat
        if choice.by_category is None or choice.by_category.empty:
            return ""
        table = choice.by_category
        sizes = table.attrs["n"]
        groups = [f"g{k}" for k in range(len(table.index))]
        shown = pd.DataFrame({"label": [self.option_label(choice.question, o) for o in table.columns]})
        for key, group in zip(groups, table.index):
            shown[key] = table.loc[group].to_numpy()
        columns = [Column("label", cat.label("option"))]
        for key, group in zip(groups, table.index):
            n = sizes.get(group)
            header = self.role_label("member_category", group)
            if not pd.isna(n):
                header += f" ({cat.text('common.n_equals', n=cat.integer(n))})"
            columns.append(Column(key, header, "pct"))
        return f"<h3>{esc(cat.text(heading_key))}</h3>" + render_table(shown, columns, cat, dashes_hidden=True)

    def participation(self) -> Html:
        f, cat = self.findings, self.cat
        choice = f.participation
        if choice is None:
            return self.missing("overview.part.heading", "overview.part.missing")
        shares = self._choice_table(choice)
        section = self.section().h(2, cat.text("overview.part.heading"), "participation")
        section.p(cat.text("overview.part.asked", question=self.question_text(choice.question),
                           members=cat.count("unit.members", choice.n)))
        chosen = f.survey.multi(choice.question.id).fillna(False).astype(bool)
        active = [o for o in chosen.columns if o not in NONE_OPTIONS]
        taking_part = int(chosen[active].any(axis=1).sum()) if active else 0
        section.p(cat.text("overview.part.any", organisations=cat.count("unit.organisations", taking_part)))
        section.add(self.chart(lambda ax: plot_choice_shares(shares, ax=ax, title=cat.text("overview.part.chart_title"),
                                                             xlabel=cat.text("common.share_chose_axis"),
                                                             pct=self.pct(), colour="#009E73"),
                               name="participation_2019", size=(9, 3.2),
                               alt=cat.text("overview.part.alt", activities=cat.join(
                                   f"{r.label} {cat.percent(r.share)}" for r in shares.itertuples()))))
        columns = [Column("label", cat.label("activity")), Column("count", cat.label("organisations"), "int"),
                   Column("share", cat.label("share"), "pct"),
                   Column("low", cat.label("interval"), "interval", percent=True, high="high")]
        # in the chart's order: the activity most members will take part in first
        section.add(render_table(shares.sort_values("share", ascending=False, kind="stable"), columns, cat))
        section.add(self._by_category(choice, "overview.part.by_category"))
        section.add(self.explain("overview.part.note"))
        return section.html()

    # ---- item by item ---------------------------------------------------------------------------
    def items(self) -> Html:
        f, cat = self.findings, self.cat
        answers = f.likert
        if answers.empty:
            return self.missing("overview.items.heading", "overview.items.missing")
        section = self.section().h(2, cat.text("overview.items.heading"), "items")
        section.p(cat.text("overview.items.what"))
        for scale, table in answers.groupby("scale", sort=False):
            labels = self.level_labels(scale)
            table = table.assign(label=[labels[int(v) - 1] for v in table["level"]],
                                 item_text=[self.item_text(i) for i in table["item"]])
            grid = {self.codebook.questions[i].grid.get(self.words) or "" for i in table["item"].unique()}
            title = grid.pop() if len(grid) == 1 and "" not in grid else cat.text("overview.items.chart_title",
                                                                                    scale=scale)
            n_items = table["item"].nunique()
            section.add(self.chart(lambda ax, table=table, title=title: plot_likert(
                table, ax=ax, title=title, xlabel=cat.text("overview.items.chart_x"),
                n_text=cat.text("common.n_equals", n="{n}")), name=f"answers_{scale}",
                alt=cat.text("overview.items.alt", title=title, items=cat.integer(n_items)),
                size=(9.5, 1.2 + 0.42 * n_items)))
        reverse = [self.item_text(i) for i in sorted(self.codebook.reverse_items) if i in f.survey.responses]
        if reverse:
            section.p(cat.text("overview.items.reversed", items=cat.join(cat.quote(t) for t in reverse)), "note")
        return section.html()

    # ---- appendix: every row accounted for ------------------------------------------------
    def accounting(self) -> Html:
        f, cat = self.findings, self.cat
        report = f.survey.report
        section = self.section().h(2, cat.text("overview.rows.heading"), "rows")
        reasons = Counter(d["reason"] for d in report.dropped)
        section.p(cat.text("overview.rows.summary", read=cat.count("unit.rows", report.rows_read), kept=cat.integer(f.n),
                           dropped=cat.integer(len(report.dropped))))
        body = []
        if reasons:
            rows = pd.DataFrame([{"reason": cat.text(f"drop_reason.{k}") if cat.has(f"drop_reason.{k}") else k,
                                  "rows": v} for k, v in sorted(reasons.items())])
            body.append(render_table(rows, [Column("reason", cat.label("reason")), Column("rows", cat.label("rows"),
                                                                                         "int")], cat))
            dropped = report.dropped_frame()
            if len(dropped):
                dropped = dropped.assign(
                    reason=[cat.text(f"drop_reason.{r}") if cat.has(f"drop_reason.{r}") else r for r in dropped["reason"]],
                    detail=[drop_detail(cat, d) for d in report.dropped])
            body.append(render_table(dropped, [Column("row", cat.label("row"), "int"),
                                               Column("reason", cat.label("reason")),
                                               Column("detail", cat.label("detail"))], cat))
        groups = self._problem_groups()
        if groups is not None and len(groups):
            body.append(f"<h3>{esc(cat.text('overview.rows.problems_heading'))}</h3>")
            body.append(render_table(groups, [Column("column", cat.label("column")),
                                              Column("question", cat.label("question")),
                                              Column("kind", cat.label("problem")),
                                              Column("count", cat.label("cells"), "int"),
                                              Column("examples", cat.label("examples"))], cat))
        else:
            body.append(f'<p>{esc(cat.text("overview.rows.no_problems"))}</p>')
        section.add(f"<details><summary>{esc(cat.text('overview.rows.details'))}</summary>{''.join(body)}</details>")
        return section.html()

    def _problem_groups(self) -> pd.DataFrame | None:
        """Coding problems grouped by column and kind (the loader's grouping when it has one)."""
        report = self.findings.survey.report
        grouped = getattr(report, "problem_groups_frame", None)
        if grouped is not None:
            table = grouped()
        else:
            problems = report.problems_frame()
            if problems.empty:
                return None
            table = (problems.groupby(["column", "question", "kind"], sort=False, dropna=False)
                     .agg(count=("value", "size"),
                          examples=("value", lambda v: list(dict.fromkeys(map(str, v)))[:3]))
                     .reset_index().sort_values("count", ascending=False, kind="stable"))
        if "examples" in table:
            table = table.assign(examples=["; ".join(str(e.get("value", e)) if isinstance(e, dict) else str(e)
                                                     for e in ex) if isinstance(ex, list) else ex
                                           for ex in table["examples"]])
        return table.head(40)


def drop_detail(cat, entry: dict) -> str:
    """A set-aside row's detail in the report's language, worded from its key and values (see
    :func:`survey_analysis.survey.setaside.detail`); one without a key is shown as the loader wrote it."""
    key = entry.get("detail_key")
    if key and cat.has(f"drop_detail.{key}"):
        return cat.text(f"drop_detail.{key}", **{name: _detail_value(cat, v)
                                                 for name, v in (entry.get("detail_values") or {}).items()})
    text = entry.get("detail")
    return "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)


def _detail_value(cat, value) -> str:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer():
            return cat.integer(number)
        return cat.number(number, digits=len(f"{number:g}".split(".")[-1]))  # as many places as it has
    return str(value)
