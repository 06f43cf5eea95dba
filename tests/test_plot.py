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
