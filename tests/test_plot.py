"""Charts draw the tables of the compute stages, return the Axes and cope with empty data."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import survey_analysis as sa


def test_support_chart_draws_one_bar_per_direction_with_n(sample_survey):
    table = sa.direction_support_table(sample_survey)
    fig, ax = plt.subplots()
    out = sa.plot_direction_support(table, ax=ax)
    assert out is ax
    assert len(ax.patches) == 5
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "n=150" in texts


def test_likert_chart_refuses_mixed_scales(sample_survey):
    with pytest.raises(sa.AnalysisInputError) as err:
        sa.plot_likert(sa.item_likert_table(sample_survey))
    assert "scale" in str(err.value)


def test_likert_chart_stacks_every_level(sample_survey):
    table = sa.item_likert_table(sample_survey)
    table = table[table["scale"] == "importance5"]
    ax = sa.plot_likert(table)
    n_items = table["item"].nunique()
    assert len(ax.patches) == n_items * 5
    assert ax is plt.gca()


@pytest.mark.parametrize("func", [sa.plot_direction_support, sa.plot_likert, sa.plot_text_directions])
def test_wrong_table_names_the_missing_columns(func):
    with pytest.raises(sa.AnalysisInputError) as err:
        func(pd.DataFrame({"x": [1]}))
    assert "missing" in str(err.value)


def test_empty_tables_say_there_is_nothing_to_show():
    ax = sa.plot_text_directions(pd.DataFrame({"direction": [], "count": []}))
    assert "No free-text" in ax.texts[0].get_text()


def _luminance(colour) -> float:
    from matplotlib.colors import to_rgb

    channels = []
    for c in to_rgb(colour):
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _contrast(a, b) -> float:
    hi, lo = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_directions_have_the_okabe_ito_palette_everywhere():
    okabe_ito = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"}
    assert {sa.DIRECTION_COLOURS[f"SD{k}"] for k in range(1, 6)} == okabe_ito
    assert sa.direction_palette(["SD3", "SD1"]) == {"SD3": "#009E73", "SD1": "#0072B2"}
    other = sa.direction_palette(["D1", "D2", "outside"])
    assert other["D1"] == "#0072B2" and other["outside"] == sa.DIRECTION_COLOURS["outside"]


@pytest.mark.parametrize("background", ["#08306b", "#fff7bc", "#D55E00", "#92c5de", "#7f3b08", "#f7f7f7"])
def test_annotation_colour_is_the_one_with_more_contrast(background):
    from survey_analysis.plot import text_colour_on

    chosen = text_colour_on(background)
    other = "#111111" if chosen == "#ffffff" else "#ffffff"
    assert _contrast(chosen, background) >= _contrast(other, background)


def test_heatmap_numbers_contrast_with_their_cells():
    table = pd.DataFrame({"SD1": [0.5, -0.5, 0.0], "SD2": [-0.45, 0.4, 0.05]}, index=["a", "b", "c"])
    fig, ax = plt.subplots()
    sa.plot_segment_profiles(table, ax=ax, names={"SD1": "RDI & products", "SD2": "Capacity"})
    image = ax.images[0]
    for text in ax.texts:
        x, y = (int(round(v)) for v in text.get_position())
        cell = image.cmap(image.norm(table.to_numpy()[y, x]))
        assert _contrast(text.get_color(), cell) >= 4.5, (text.get_text(), text.get_color())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["SD1 RDI &\nproducts", "SD2 Capacity"]


def test_charts_name_the_directions_and_keep_legends_off_the_axes(sample_survey):
    table = sa.direction_support_table(sample_survey)
    fig, ax = plt.subplots()
    sa.plot_direction_support(table, ax=ax)
    assert "SD1 RDI & products" in [t.get_text() for t in ax.get_yticklabels()]
    answers = sa.item_likert_table(sample_survey)
    fig, ax = plt.subplots(figsize=(9, 6), layout="constrained")
    sa.plot_likert(answers[answers["scale"] == "importance5"], ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    for other in (ax.get_window_extent(renderer), ax.xaxis.label.get_window_extent(renderer),
                  ax.title.get_window_extent(renderer)):
        assert not legend.overlaps(other)
    assert fig.get_window_extent(renderer).contains(legend.x1 - 1, legend.y1 - 1)


def test_choice_shares_and_idea_counts_draw_one_bar_per_row():
    shares = pd.DataFrame({"label": ["e-Health", "Vaccination"], "share": [0.8, 0.33], "low": [0.72, 0.26],
                           "high": [0.86, 0.41]})
    ax = sa.plot_choice_shares(shares, pct=lambda v: f"{v * 100:.0f} %")
    assert len(ax.patches) == 2 and "80 %" in [t.get_text() for t in ax.texts]
    ideas = pd.DataFrame({"label": ["Teleradiology", "Training"], "n": [12, 9], "n_willing": [8, 9]})
    fig, ax = plt.subplots()
    sa.plot_idea_counts(ideas, ax=ax)
    assert len(ax.patches) == 4
