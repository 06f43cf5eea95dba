"""Charts for the working group.

Every chart draws a table that another stage computed (the functions named in
each docstring), takes an optional Matplotlib ``ax`` (the current Axes when
none is given) and returns the Axes.  The library never calls ``plt.show()``.
Charts say what n is, label their axes in words, name the directions (not
only their codes), keep legends off the data and the axes, choose the colour
of every annotation for contrast with what lies under it, and cope with empty
tables by saying there is nothing to show.

The words of a chart (title, axis labels, legend) are parameters with English
defaults, so that a report passes them from its own language's catalogue;
``fmt`` and ``pct`` format the numbers written on a chart for that language.
The five directions have one colour-blind-safe palette (Okabe & Ito 2008)
used by every chart: :data:`DIRECTION_COLOURS`.
"""

from __future__ import annotations

import textwrap
from typing import Any, Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb

from .errors import AnalysisInputError

__all__ = [
    "DIRECTION_COLOURS",
    "direction_palette",
    "text_colour_on",
    "plot_direction_support",
    "plot_likert",
    "plot_rank_first",
    "plot_segment_profiles",
    "plot_text_directions",
    "plot_choice_shares",
    "plot_idea_counts",
]

#: One colour per strategic direction, the same in every chart: the Okabe-Ito
#: palette, told apart by people with any common form of colour blindness.
DIRECTION_COLOURS = {
    "SD1": "#0072B2",   # blue
    "SD2": "#E69F00",   # orange
    "SD3": "#009E73",   # bluish green
    "SD4": "#D55E00",   # vermillion
    "SD5": "#CC79A7",   # reddish purple
    "outside": "#8C8C8C",
}
# For codebooks whose directions are not SD1-SD5: the rest of the same palette, by position.
_MORE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

# Diverging colours for a 5-point scale, lowest to highest (ColorBrewer RdBu, colour-blind safe).
_SCALE_COLOURS = ["#ca0020", "#f4a582", "#e0e0e0", "#92c5de", "#0571b0"]

Formatter = Callable[[float], str]


def _two(value: float) -> str:
    return f"{value:.2f}"


def _share(value: float) -> str:
    return f"{value:.0%}"


def direction_palette(codes: list[str] | pd.Index | Any) -> dict[str, str]:
    """The colour of each direction code: SD1-SD5 their own, others by position."""
    codes = [str(c) for c in codes]
    if all(c in DIRECTION_COLOURS for c in codes):
        return {c: DIRECTION_COLOURS[c] for c in codes}
    palette = {}
    position = 0
    for code in codes:
        if code == "outside":
            palette[code] = DIRECTION_COLOURS["outside"]
        else:
            palette[code] = _MORE[position % len(_MORE)]
            position += 1
    return palette


def text_colour_on(colour: Any) -> str:
    """Black or white, whichever contrasts more with ``colour`` (WCAG relative luminance)."""
    rgb = np.array(to_rgb(colour))
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ [0.2126, 0.7152, 0.0722])
    # contrast with white (1.05 / (L + 0.05)) against contrast with black ((L + 0.05) / 0.05)
    return "#ffffff" if 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.05 else "#111111"


def _need_columns(table: Any, columns: list[str], where: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise AnalysisInputError(
            f"{where} needs a DataFrame; got {type(table).__name__}",
            hint="pass the table returned by the matching compute function.",
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise AnalysisInputError(
            f"{where} needs the columns {columns}; missing {missing}",
            value=list(table.columns),
            hint="pass the table returned by the matching compute function, unchanged.",
        )
    return table


def _empty(ax, message: str):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_axis_off()
    return ax


def _direction_label(code: str, names: Mapping[str, str] | None, table: pd.DataFrame | None = None,
                     row: Any = None, wrap: int = 28) -> str:
    name = (names or {}).get(code)
    if name is None and row is not None and "name" in row and isinstance(row["name"], str):
        name = row["name"]
    label = f"{code} {name}" if name and name != code else str(code)
    return "\n".join(textwrap.wrap(label, wrap)) or label


def plot_direction_support(table: pd.DataFrame, *, ax=None, title: str | None = None, xlabel: str | None = None,
                           names: Mapping[str, str] | None = None, fmt: Formatter = _two,
                           n_text: str = "n={n}"):
    """Mean support per direction with its 95% interval and n.

    Parameters
    ----------
    table : DataFrame
        From :func:`survey_analysis.evidence.direction_support_table`: columns
        ``direction, name, n, mean, ci_low, ci_high`` (``scale_min``,
        ``scale_max`` optional).
    names : mapping code -> name, optional
        Direction names shown beside the codes (default: the ``name`` column).
    fmt : callable
        Formats the means written beside the bars.
    n_text : str
        How n is written (``{n}`` is replaced).
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["direction", "name", "n", "mean", "ci_low", "ci_high"], "plot_direction_support")
    if table.empty:
        return _empty(ax, "No direction scores to show")
    data = table.sort_values("mean", kind="stable").reset_index(drop=True)
    y = np.arange(len(data))
    palette = direction_palette(table["direction"])
    ax.barh(y, data["mean"], color=[palette[str(d)] for d in data["direction"]], height=0.62)
    err = np.vstack([data["mean"] - data["ci_low"], data["ci_high"] - data["mean"]])
    ax.errorbar(data["mean"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#222222", capsize=4, lw=1.2)
    ax.set_yticks(y, [_direction_label(str(d), names, row=r) for d, (_, r) in zip(data["direction"], data.iterrows())])
    low = float(table["scale_min"].min()) if "scale_min" in table else 1.0
    high = float(table["scale_max"].max()) if "scale_max" in table else 5.0
    ax.set_xlim(low, high + 0.9)
    ax.set_xticks(np.arange(low, high + 0.5, 1.0))
    for yi, (mean, hi, n) in enumerate(zip(data["mean"], data["ci_high"], data["n"])):
        right = hi if np.isfinite(hi) else mean
        ax.text(right + 0.06, yi, f"{fmt(mean)}  ({n_text.format(n=int(n))})", va="center", fontsize=9,
                color="#111111")
    ax.set_xlabel(xlabel or f"Mean support ({low:g} = lowest, {high:g} = highest), 95% interval")
    ax.set_title(title or "Support for each strategic direction", loc="left")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_likert(table: pd.DataFrame, *, ax=None, title: str | None = None, wrap: int = 45,
                xlabel: str | None = None, n_text: str = "n={n}"):
    """Diverging stacked bars of answer shares per item.

    Parameters
    ----------
    table : DataFrame
        From :func:`survey_analysis.evidence.item_likert_table`: one row per
        item and level with ``item, level, label, percent, n, item_text``.

    The legend (the scale's levels) sits above the bars, clear of the axis.
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["item", "level", "label", "percent", "n"], "plot_likert")
    if table.empty:
        return _empty(ax, "No answers to show")
    label_sets = {tuple(group.sort_values("level")["label"]) for _, group in table.groupby("item", sort=False)}
    if len(label_sets) > 1:
        raise AnalysisInputError(
            "plot_likert draws items answered on one scale, but these items use different scales",
            value=sorted({labels[0] for labels in label_sets}),
            hint="draw each scale apart, e.g. table[table['scale'] == 'agreement5'].")
    items = list(dict.fromkeys(table["item"]))
    levels = sorted(table["level"].unique())
    labels = table.drop_duplicates("level").set_index("level")["label"].to_dict()
    shares = table.pivot_table(index="item", columns="level", values="percent", aggfunc="sum").reindex(items).fillna(0)
    n_by_item = table.groupby("item")["n"].max().reindex(items)
    mid = (len(levels) + 1) / 2
    colours = _SCALE_COLOURS if len(levels) == 5 else [plt.get_cmap("RdBu")(x) for x in np.linspace(0.1, 0.9,
                                                                                                   len(levels))]
    left = np.zeros(len(items))
    # Start each bar so that the neutral middle is centred on zero.
    for level in levels:
        if level < mid:
            left -= shares[level].to_numpy()
        elif level == mid:
            left -= shares[level].to_numpy() / 2
    y = np.arange(len(items))[::-1]
    for colour, level in zip(colours, levels):
        width = shares[level].to_numpy()
        ax.barh(y, width, left=left, color=colour, label=labels.get(level, str(level)), edgecolor="white", lw=0.5)
        for yi, (x0, w) in enumerate(zip(left, width)):
            if w >= 8:
                ax.text(x0 + w / 2, y[yi], f"{w:.0f}", ha="center", va="center", fontsize=7,
                        color=text_colour_on(colour))
        left = left + width
    text_by_item = table.drop_duplicates("item").set_index("item")
    names = []
    for item in items:
        text = str(text_by_item.loc[item, "item_text"]) if "item_text" in text_by_item else ""
        label = text.strip() or str(item)
        names.append("\n".join(textwrap.wrap(label, wrap)) + f" ({n_text.format(n=int(n_by_item[item]))})")
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="#333333", lw=0.8, zorder=0.5)
    ax.set_xlabel(xlabel or "Share of answers (%), lower levels to the left")
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100", "50", "0", "50", "100"])
    # One row of legend when the level labels are short, two otherwise, centred above the bars.
    text_length = sum(len(str(labels.get(level, level))) for level in levels)
    ncol = len(levels) if text_length <= 64 else (len(levels) + 1) // 2
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol, fontsize=8, frameon=False,
              borderaxespad=0.2, handlelength=1.2, columnspacing=1.0)
    ax.set_title(title or "Answers per item", pad=22 if ncol == len(levels) else 36)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_rank_first(table: pd.DataFrame, *, ax=None, title: str | None = None, xlabel: str | None = None,
                    names: Mapping[str, str] | None = None, pct: Formatter = _share):
    """Share of members ranking each direction first, with its 95% interval.

    Parameters
    ----------
    table : DataFrame
        Columns ``direction`` and ``first_share`` (0-1), optionally
        ``first_low`` and ``first_high`` (e.g. from
        :func:`survey_analysis.ranking.rank_summary`, reset_index() and the
        option renamed ``direction``).
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["direction", "first_share"], "plot_rank_first")
    if table.empty or table["first_share"].isna().all():
        return _empty(ax, "No ranking answers to show")
    data = table.sort_values("first_share", kind="stable").reset_index(drop=True)
    palette = direction_palette(table["direction"])
    y = np.arange(len(data))
    ax.barh(y, data["first_share"], color=[palette[str(d)] for d in data["direction"]], height=0.62)
    if {"first_low", "first_high"} <= set(data.columns):
        err = np.vstack([data["first_share"] - data["first_low"], data["first_high"] - data["first_share"]])
        ax.errorbar(data["first_share"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#222222", capsize=3, lw=1)
    ax.set_yticks(y, [_direction_label(str(d), names) for d in data["direction"]])
    top = float(np.nanmax(data.get("first_high", data["first_share"])))
    ax.set_xlim(0, min(1.0, top + 0.15) if top < 0.85 else 1.12)
    for yi, (p, hi) in enumerate(zip(data["first_share"], data.get("first_high", data["first_share"]))):
        ax.text((hi if np.isfinite(hi) else p) + 0.01, yi, pct(p), va="center", fontsize=9, color="#111111")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: pct(v)))
    ax.set_xlabel(xlabel or "Share of members who rank it first, 95% interval")
    ax.set_title(title or "Which direction do members rank first?", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_segment_profiles(table: pd.DataFrame, *, ax=None, title: str | None = None,
                          colorbar_label: str | None = None, names: Mapping[str, str] | None = None,
                          fmt: Callable[[float], str] = lambda v: f"{v:+.2f}", hidden_text: str = "–"):
    """Heat map of each segment's priority profile over the directions.

    Parameters
    ----------
    table : DataFrame
        Rows = segments (index labels shown), columns = directions, values =
        mean profile (e.g. :func:`survey_analysis.segment.segment_profile_table`).
        A column ``n`` (segment size) is shown in the row labels when present.
        A hidden segment's row is all missing and shows ``hidden_text``.
    names : mapping code -> name, optional
        Direction names written under the codes.
    """
    ax = ax if ax is not None else plt.gca()
    if not isinstance(table, pd.DataFrame):
        raise AnalysisInputError("plot_segment_profiles needs a DataFrame", value=type(table).__name__,
                                 hint="pass the table from segment_profile_table().")
    if table.empty:
        return _empty(ax, "No segments to show")
    directions = [c for c in table.columns if c != "n" and pd.api.types.is_numeric_dtype(table[c])]
    values = table[directions].astype(float)
    labels = [f"{idx} (n={int(n)})" if "n" in table and pd.notna(n) else str(idx)
              for idx, n in zip(table.index, table["n"] if "n" in table else [None] * len(table))]
    finite = np.abs(values.to_numpy())
    limit = float(np.nanmax(finite)) if np.isfinite(finite).any() else 1.0
    cmap = plt.get_cmap("PuOr_r")
    image = ax.imshow(values.to_numpy(), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(directions)), [_direction_label(str(d), names, wrap=14) for d in directions], fontsize=8)
    ax.set_yticks(range(len(labels)), ["\n".join(textwrap.wrap(lab, 34)) for lab in labels], fontsize=8)
    for (i, j), v in np.ndenumerate(values.to_numpy()):
        if np.isnan(v):
            ax.text(j, i, hidden_text, ha="center", va="center", fontsize=9, color="#111111")
            continue
        colour = cmap((v + limit) / (2 * limit) if limit else 0.5)
        ax.text(j, i, fmt(v), ha="center", va="center", fontsize=9, color=text_colour_on(colour))
    # the label wrapped so that a longer language's wording is not cut at the figure's edge; the ticks
    # written with the chart's number format (a decimal comma in Romanian)
    label = "\n".join(textwrap.wrap(colorbar_label or "More (+) or less (-) than members overall", 34))
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label(label, fontsize=8)
    bar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _pos: fmt(v)))
    ax.set_title(title or "What each segment of members wants", loc="left")
    return ax


def plot_text_directions(table: pd.DataFrame, *, ax=None, title: str | None = None, ylabel: str | None = None,
                         names: Mapping[str, str] | None = None, outside_label: str = "outside the five"):
    """Number of free-text proposals mapped to each direction and outside them.

    Parameters
    ----------
    table : DataFrame
        Columns ``direction`` and ``n`` (or ``count``), e.g. from
        :func:`survey_analysis.text.direction_counts`.
    """
    ax = ax if ax is not None else plt.gca()
    if isinstance(table, pd.DataFrame) and "count" not in table.columns and "n" in table.columns:
        table = table.rename(columns={"n": "count"})
    table = _need_columns(table, ["direction", "count"], "plot_text_directions")
    table = table[table["direction"].astype(str) != "(blank)"]
    if table.empty or table["count"].sum() == 0:
        return _empty(ax, "No free-text answers to show")
    codes = [str(d) for d in table["direction"]]
    palette = direction_palette(codes)
    labels = [outside_label if c == "outside" else _direction_label(c, names, wrap=14) for c in codes]
    ax.bar(range(len(codes)), table["count"], color=[palette[c] for c in codes])
    ax.set_xticks(range(len(codes)), ["\n".join(textwrap.wrap(lab, 14)) for lab in labels], fontsize=8)
    ax.set_ylabel(ylabel or "Proposals")
    ax.set_title(title or f"Members' proposals by direction (n={int(table['count'].sum())})", loc="left")
    ax.set_ylim(0, float(table["count"].max()) * 1.15 + 1)
    for x, c in enumerate(table["count"]):
        ax.text(x, c, str(int(c)), ha="center", va="bottom", fontsize=9, color="#111111")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_choice_shares(table: pd.DataFrame, *, ax=None, title: str | None = None, xlabel: str | None = None,
                       pct: Formatter = _share, wrap: int = 34, colour: str = "#0072B2"):
    """Share of members choosing each option of a multi-select question, with its 95% interval.

    Parameters
    ----------
    table : DataFrame
        Columns ``label`` (the option as shown), ``share`` (0-1), optionally
        ``low`` and ``high`` (its interval), one row per option.
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["label", "share"], "plot_choice_shares")
    if table.empty:
        return _empty(ax, "No answers to show")
    data = table.sort_values("share", kind="stable").reset_index(drop=True)
    y = np.arange(len(data))
    ax.barh(y, data["share"], color=colour, height=0.62)
    if {"low", "high"} <= set(data.columns):
        err = np.vstack([data["share"] - data["low"], data["high"] - data["share"]])
        ax.errorbar(data["share"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#222222", capsize=3, lw=1)
    ax.set_yticks(y, ["\n".join(textwrap.wrap(str(label), wrap)) for label in data["label"]], fontsize=9)
    highs = data["high"] if "high" in data else data["share"]
    ax.set_xlim(0, min(1.15, float(np.nanmax(highs)) + 0.16))
    for yi, (p, hi) in enumerate(zip(data["share"], highs)):
        ax.text((hi if np.isfinite(hi) else p) + 0.01, yi, pct(p), va="center", fontsize=9, color="#111111")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: pct(v) if v <= 1 else ""))
    ax.set_xlabel(xlabel or "Share of members who chose it, 95% interval")
    ax.set_title(title or "", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_idea_counts(table: pd.DataFrame, *, ax=None, title: str | None = None, xlabel: str | None = None,
                     proposing: str = "members proposing it", willing: str = "willing to work on it",
                     wrap: int = 34):
    """Members proposing each project idea, and how many of them are willing to work on it.

    Parameters
    ----------
    table : DataFrame
        From :func:`survey_analysis.project_portfolio`: ``label``, ``n``,
        ``n_willing``, one row per idea in workshop order (drawn top to bottom).
    proposing, willing : str
        The legend's words for the two bars.
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["label", "n", "n_willing"], "plot_idea_counts")
    if table.empty:
        return _empty(ax, "No project ideas to show")
    y = np.arange(len(table))[::-1]
    ax.barh(y + 0.2, table["n"], height=0.38, color="#9ecae1", label=proposing)
    ax.barh(y - 0.2, table["n_willing"], height=0.38, color="#08519c", label=willing)
    for yi, n, w in zip(y, table["n"], table["n_willing"]):
        ax.text(n + 0.3, yi + 0.2, str(int(n)), va="center", fontsize=8, color="#111111")
        ax.text(w + 0.3, yi - 0.2, str(int(w)), va="center", fontsize=8, color="#111111")
    ax.set_yticks(y, ["\n".join(textwrap.wrap(str(label), wrap)) for label in table["label"]], fontsize=8)
    ax.set_xlim(0, float(table["n"].max()) * 1.12 + 1)
    ax.set_xlabel(xlabel or "Members")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    ax.set_title(title or "", pad=22)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
