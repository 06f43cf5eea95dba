"""Charts for the working group.

Every chart draws a table that another stage computed (the functions named in
each docstring), takes an optional Matplotlib ``ax`` (the current Axes when
none is given) and returns the Axes.  The library never calls ``plt.show()``.
Charts say what n is, label their axes in words, and cope with empty tables by
saying there is nothing to show.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .errors import AnalysisInputError

__all__ = [
    "DIRECTION_COLOURS",
    "plot_direction_support",
    "plot_likert",
    "plot_rank_first",
    "plot_segment_profiles",
    "plot_text_directions",
]

#: One colour per strategic direction, the same in every chart.
DIRECTION_COLOURS = {
    "SD1": "#1b6ca8",
    "SD2": "#2a9d8f",
    "SD3": "#e9c46a",
    "SD4": "#e76f51",
    "SD5": "#8e6bbf",
    "outside": "#9a9a9a",
}

# Diverging colours for a 5-point scale, from the lowest to the highest level.
_SCALE_COLOURS = ["#c0392b", "#f1948a", "#d5d8dc", "#85c1e9", "#1f618d"]


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


def plot_direction_support(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Mean support per direction with its 95% interval and n.

    Parameters
    ----------
    table : DataFrame
        From :func:`survey_analysis.evidence.direction_support_table`: columns
        ``direction, name, n, mean, ci_low, ci_high, scale_min, scale_max``.
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["direction", "name", "n", "mean", "ci_low", "ci_high"], "plot_direction_support")
    if table.empty:
        return _empty(ax, "No direction scores to show")
    data = table.sort_values("mean").reset_index(drop=True)
    y = np.arange(len(data))
    colours = [DIRECTION_COLOURS.get(d, "#555555") for d in data["direction"]]
    ax.barh(y, data["mean"], color=colours, alpha=0.85)
    err = np.vstack([data["mean"] - data["ci_low"], data["ci_high"] - data["mean"]])
    ax.errorbar(data["mean"], y, xerr=err, fmt="none", ecolor="#222222", capsize=4, lw=1.2)
    ax.set_yticks(y, [f"{d} {n}" for d, n in zip(data["direction"], data["name"])])
    low = float(table["scale_min"].min()) if "scale_min" in table else 1.0
    high = float(table["scale_max"].max()) if "scale_max" in table else 5.0
    ax.set_xlim(low, high + 0.6)
    for yi, (mean, hi, n) in enumerate(zip(data["mean"], data["ci_high"], data["n"])):
        ax.text(hi + 0.05, yi, f"{mean:.2f}  (n={int(n)})", va="center", fontsize=9)
    ax.set_xlabel(f"Mean support ({low:g} = lowest, {high:g} = highest), 95% bootstrap interval")
    ax.set_title(title or "Support for each strategic direction")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_likert(table: pd.DataFrame, *, ax=None, title: str | None = None, wrap: int = 45):
    """Diverging stacked bars of answer shares per item.

    Parameters
    ----------
    table : DataFrame
        From :func:`survey_analysis.evidence.item_likert_table`: one row per
        item and level with ``item, level, label, percent, n, item_text``.
    """
    import textwrap

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
    colours = _SCALE_COLOURS if len(levels) == 5 else plt.get_cmap("RdBu")(np.linspace(0.1, 0.9, len(levels)))
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
        left = left + width
    text_by_item = table.drop_duplicates("item").set_index("item")
    names = []
    for item in items:
        text = str(text_by_item.loc[item, "item_text"]) if "item_text" in text_by_item else ""
        label = f"{item} {text}".strip()
        names.append("\n".join(textwrap.wrap(label, wrap)) + f" (n={int(n_by_item[item])})")
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel("Share of answers (%), negative side = lower levels")
    ax.set_xlim(-100, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(5, len(levels)), fontsize=8, frameon=False)
    ax.set_title(title or "Answers per item")
    return ax


def plot_rank_first(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Probability that each direction ranks first (bootstrap).

    Parameters
    ----------
    table : DataFrame
        Columns ``direction`` and ``p_first`` (e.g. from
        :func:`survey_analysis.evidence.direction_evidence`, reset_index()).
    """
    ax = ax if ax is not None else plt.gca()
    table = _need_columns(table, ["direction", "p_first"], "plot_rank_first")
    if table.empty or table["p_first"].isna().all():
        return _empty(ax, "No ranking answers to show")
    data = table.sort_values("p_first")
    ax.barh(data["direction"], data["p_first"], color=[DIRECTION_COLOURS.get(d, "#555") for d in data["direction"]])
    ax.set_xlim(0, 1)
    ax.set_xlabel("Probability of ranking first (bootstrap over respondents)")
    ax.set_title(title or "How stable is the first place?")
    for yi, p in enumerate(data["p_first"]):
        ax.text(min(p + 0.02, 0.9), yi, f"{p:.2f}", va="center", fontsize=9)
    return ax


def plot_segment_profiles(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Heat map of each segment's mean priority profile over the directions.

    Parameters
    ----------
    table : DataFrame
        Rows = segments (index labels shown), columns = directions, values =
        mean profile (e.g. :func:`survey_analysis.segment.segment_profile_table`).
        A column ``n`` (segment size) is shown in the row labels when present.
    """
    ax = ax if ax is not None else plt.gca()
    if not isinstance(table, pd.DataFrame):
        raise AnalysisInputError("plot_segment_profiles needs a DataFrame", value=type(table).__name__,
                                 hint="pass the table from segment_profile_table().")
    if table.empty:
        return _empty(ax, "No segments to show")
    directions = [c for c in table.columns if c != "n" and pd.api.types.is_numeric_dtype(table[c])]
    values = table[directions].astype(float)
    labels = [f"{idx} (n={int(n)})" if "n" in table else str(idx)
              for idx, n in zip(table.index, table["n"] if "n" in table else [None] * len(table))]
    finite = np.abs(values.to_numpy())
    limit = float(np.nanmax(finite)) if np.isfinite(finite).any() else 1.0
    image = ax.imshow(values.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(directions)), directions)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for (i, j), v in np.ndenumerate(values.to_numpy()):
        # Suppressed segments (too few members) stay blank.
        ax.text(j, i, "" if np.isnan(v) else f"{v:+.2f}", ha="center", va="center", fontsize=8)
    ax.figure.colorbar(image, ax=ax, label="Relative priority (profile units)")
    ax.set_title(title or "What each segment of members wants")
    return ax


def plot_text_directions(table: pd.DataFrame, *, ax=None, title: str | None = None):
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
    if table.empty or table["count"].sum() == 0:
        return _empty(ax, "No free-text answers to show")
    ax.bar(table["direction"].astype(str), table["count"],
           color=[DIRECTION_COLOURS.get(str(d), "#555") for d in table["direction"]])
    ax.set_ylabel("Proposals")
    ax.set_title(title or f"Members' proposals by direction (n={int(table['count'].sum())})")
    for x, c in enumerate(table["count"]):
        ax.text(x, c, str(int(c)), ha="center", va="bottom", fontsize=9)
    return ax
