"""Tests of survey_analysis.ranking: Borda, Schulze, Condorcet, ties and gaps, bootstrap."""

import numpy as np
import pandas as pd
import pytest

from survey_analysis.errors import AnalysisInputError, RankingError
from survey_analysis.ranking import (
    clean_rankings,
    condorcet_winner,
    pairwise_preferences,
    rank_above_probability,
    rank_first_probability,
    rank_summary,
    schulze_ranking,
    strongest_paths,
)

# Wikipedia, "Schulze method", example with 45 voters over A-E.
WIKIPEDIA_BALLOTS = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"),
                     (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
# The article's published matrix of pairwise preferences d[X, Y] ...
WIKIPEDIA_D = {"A": [0, 20, 26, 30, 22], "B": [25, 0, 16, 33, 18], "C": [19, 29, 0, 17, 24],
               "D": [15, 12, 28, 0, 14], "E": [23, 27, 21, 31, 0]}
# ... and of strongest-path strengths p[X, Y].
WIKIPEDIA_P = {"A": [0, 28, 28, 30, 24], "B": [25, 0, 28, 33, 24], "C": [25, 29, 0, 29, 24],
               "D": [25, 28, 28, 0, 24], "E": [25, 28, 28, 31, 0]}


def ballots_frame(ballots, prefix="D"):
    rows = []
    for count, order in ballots:
        rows += [{f"{prefix}[{o}]": order.index(o) + 1 for o in sorted(order)}] * count
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))])


@pytest.fixture
def wikipedia():
    return ballots_frame(WIKIPEDIA_BALLOTS)


def test_pairwise_matrix_and_strongest_paths_match_the_published_example(wikipedia):
    pw = pairwise_preferences(wikipedia)
    expected = pd.DataFrame(WIKIPEDIA_D, index=list("ABCDE")).T
    np.testing.assert_array_equal(pw.to_numpy(), expected.to_numpy())
    paths = strongest_paths(pw)
    np.testing.assert_array_equal(paths.to_numpy(),
                                  pd.DataFrame(WIKIPEDIA_P, index=list("ABCDE")).T.to_numpy())
    order = schulze_ranking(pw)
    assert list(order["option"]) == list("EACBD")  # E > A > C > B > D
    assert list(order["position"]) == [1, 2, 3, 4, 5]
    assert condorcet_winner(pw) is None  # the example has a cycle


def test_schulze_positions_come_from_the_relation_ties_shared():
    # two voters: A > B > C and C > A > B. By hand: d(A,B) = 2, d(B,A) = 0, every other pair
    # is 1 : 1, so the only link is A -> B. A and C are beaten by no one (both winners,
    # position 1); B is beaten by A only (position 2), not placed level with C.
    data = ballots_frame([(1, "ABC"), (1, "CAB")])
    order = schulze_ranking(pairwise_preferences(data)).set_index("option")
    assert order.loc["A", "position"] == 1 and order.loc["C", "position"] == 1
    assert order.loc["B", "position"] == 2
    assert order["winner"].to_dict() == {"A": True, "C": True, "B": False}
    table = rank_summary(data)
    assert table["schulze_position"].to_dict() == {"A": 1, "C": 1, "B": 2}
    # Borda by hand: A 2 + 1 = 3, C 0 + 2 = 2, B 1 + 0 = 1
    assert table["borda_position"].to_dict() == {"A": 1, "C": 2, "B": 3}


def test_borda_scores_by_hand(wikipedia):
    hand = dict.fromkeys("ABCDE", 0)
    for count, order in WIKIPEDIA_BALLOTS:
        for position, option in enumerate(order):
            hand[option] += count * (4 - position)
    assert hand["E"] == 102
    table = rank_summary(wikipedia)
    for option, points in hand.items():
        assert table.loc[option, "borda"] == points
        assert table.loc[option, "mean_rank"] == pytest.approx(5 - points / 45)
    assert list(table.index) == sorted(hand, key=hand.get, reverse=True)
    assert table.loc["E", "schulze_position"] == 1
    # first choices: A 10, B 8, C 12, D 7, E 8 of 45
    assert table.loc["C", "first_share"] == pytest.approx(12 / 45)


def test_condorcet_winner_exists():
    # 4 x A>B>C, 2 x B>C>A, 1 x C>A>B: A beats B 5-2 and C 4-3 (hand count)
    data = ballots_frame([(4, "ABC"), (2, "BCA"), (1, "CAB")])
    pw = pairwise_preferences(data)
    assert pw.loc["A", "B"] == 5 and pw.loc["B", "A"] == 2
    assert pw.loc["A", "C"] == 4 and pw.loc["C", "A"] == 3
    assert condorcet_winner(pw) == "A"
    assert schulze_ranking(pw)["option"].iloc[0] == "A"
    assert rank_summary(data).loc["A", "condorcet_winner"]


def test_ties_gaps_partial_and_empty_rankings_follow_the_documented_rules():
    data = pd.DataFrame(
        {"D[SD1]": [1, 1, 1, None, 2], "D[SD2]": [2, 1, 3, None, None],
         "D[SD3]": [3, 2, 4, None, None], "D[SD4]": [4, 3, None, None, 1]},
        index=["complete", "tie", "gap_partial", "empty", "partial"])
    clean = clean_rankings(data)
    assert list(clean.loc["complete", ["SD1", "SD2", "SD3", "SD4"]]) == [1, 2, 3, 4]
    # SD1 and SD2 tie for first: they share (1 + 2) / 2
    assert list(clean.loc["tie", ["SD1", "SD2", "SD3", "SD4"]]) == [1.5, 1.5, 3, 4]
    # ranks 1, 3, 4 compact to 1, 2, 3; the unranked SD4 takes place 4
    assert list(clean.loc["gap_partial", ["SD1", "SD2", "SD3", "SD4"]]) == [1, 2, 3, 4]
    # SD4 first, SD1 second, SD2 and SD3 share places 3 and 4
    assert list(clean.loc["partial", ["SD1", "SD2", "SD3", "SD4"]]) == [2, 3.5, 3.5, 1]
    assert clean.loc["tie", "tied"] and clean.loc["gap_partial", "gaps"]
    assert clean.loc["gap_partial", "partial"] and clean.loc["empty", "no_ranks"]
    assert clean.loc["empty", ["SD1", "SD2"]].isna().all()
    summary = rank_summary(data)
    assert (summary["n"] == 4).all() and (summary["n_no_ranks"] == 1).all()
    assert summary.loc["SD4", "n_explicit"] == 3
    # first-place credit: complete SD1, tie 1/2 each, gap SD1, partial SD4
    assert summary.loc["SD1", "first_share"] == pytest.approx(2.5 / 4)
    assert summary.loc["SD2", "first_share"] == pytest.approx(0.5 / 4)
    assert pairwise_preferences(data).attrs["n_no_ranks"] == 1


def test_invalid_rank_raises_ranking_error_naming_the_value():
    data = pd.DataFrame({"D[SD1]": [1, 2.5], "D[SD2]": [2, 1]}, index=["a", "b"])
    with pytest.raises(RankingError) as err:
        clean_rankings(data)
    assert err.value.column == "D[SD1]" and err.value.value == 2.5
    with pytest.raises(RankingError):
        clean_rankings(pd.DataFrame({"x": ["first", "2"], "y": ["2", "1"]}))


def test_bootstrap_probabilities_are_seeded_and_consistent(wikipedia):
    before = wikipedia.copy()
    first = rank_first_probability(wikipedia, n_boot=400, random_state=1)
    again = rank_first_probability(wikipedia, n_boot=400, random_state=1)
    pd.testing.assert_frame_equal(first, again)
    assert first["p_first"].sum() == pytest.approx(1.0)
    assert first["p_first"].idxmax() == "E"
    above = rank_above_probability(wikipedia, n_boot=400, random_state=1)
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose((above.to_numpy() + above.to_numpy().T)[off], 1.0)
    assert above.loc["E", "D"] > 0.95
    pd.testing.assert_frame_equal(wikipedia, before)


def test_unanimous_ranking_is_certain():
    data = ballots_frame([(20, "BAC")])
    assert rank_first_probability(data, n_boot=50).loc["B", "p_first"] == 1.0
    assert rank_above_probability(data, n_boot=50).loc["A", "C"] == 1.0


def test_bad_options_name_parameter_and_value(wikipedia):
    with pytest.raises(AnalysisInputError, match="n_boot") as err:
        rank_first_probability(wikipedia, n_boot=0)
    assert "0" in str(err.value)
    with pytest.raises(AnalysisInputError, match="random_state"):
        rank_above_probability(wikipedia, random_state="seed")
    with pytest.raises(AnalysisInputError, match="options"):
        rank_summary(wikipedia, options={"nope": "X"})
    empty = pd.DataFrame({"D[SD1]": [None, None], "D[SD2]": [None, None]}, dtype="Float64")
    with pytest.raises(AnalysisInputError, match="no respondent"):
        rank_first_probability(empty)


def test_clean_ranks_of_every_respondent_match_ranking_each_one_alone():
    """The whole table at once gives what scipy's rankdata gives respondent by respondent."""
    from scipy import stats

    from survey_analysis.ranking import clean_rankings

    rng = np.random.default_rng(7)
    for _ in range(100):
        k, n = int(rng.integers(2, 7)), int(rng.integers(0, 25))
        given = rng.integers(1, k + 3, size=(n, k)).astype(float)
        given[rng.random((n, k)) < 0.3] = np.nan
        table = clean_rankings(pd.DataFrame(given, columns=[f"D[{i}]" for i in range(k)]))
        for r in range(n):
            ranked = ~np.isnan(given[r])
            m = int(ranked.sum())
            row = table.iloc[r]
            assert row["n_ranked"] == m and row["no_ranks"] == (m == 0)
            if m == 0:
                assert row[table.attrs["options"]].isna().all()
                continue
            values = given[r][ranked]
            expected = np.full(k, (m + 1 + k) / 2)
            expected[ranked] = stats.rankdata(values, method="average")
            assert np.allclose(row[table.attrs["options"]].to_numpy(dtype=float), expected)
            assert row["tied"] == (len(set(values)) < m)
            assert row["gaps"] == (max(values) != len(set(values)))
