"""Tests of survey_analysis.segment: planted segments are recovered, tables checked by hand."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

import survey_analysis as sa
from survey_analysis.codebook import fold_diacritics, read_codebook
from survey_analysis.errors import AnalysisInputError
from survey_analysis.segment import (
    Segmentation,
    segment_crosstab,
    segment_profile_table,
    segment_sizes,
    segments_result,
)

DIRECTIONS = ["SD1", "SD2", "SD3", "SD4", "SD5"]
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

# four planted segment centres (centred profiles): SD1+SD3, SD2+SD5, SD4, SD3
CENTRES = np.array(
    [
        [0.30, -0.15, 0.25, -0.25, -0.15],
        [-0.15, 0.30, -0.10, -0.30, 0.25],
        [0.00, -0.15, -0.15, 0.40, -0.10],
        [-0.10, -0.05, 0.35, -0.10, -0.10],
    ]
)


def planted(n=240, noise=0.06, seed=0):
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(4), n // 4)
    rng.shuffle(truth)
    X = CENTRES[truth] + rng.normal(0, noise, size=(len(truth), 5))
    index = pd.Index([f"R{i:04d}" for i in range(len(truth))], name="respondent_id")
    return pd.DataFrame(X, columns=DIRECTIONS, index=index), truth


@pytest.mark.parametrize("method, k_range", [("kmeans", (2, 8)), ("ward", (3, 5)),
                                             ("gmm", (3, 5))])
def test_planted_segments_recovered(method, k_range):
    X, truth = planted(n=160)
    model = Segmentation(method, k_range=k_range, random_state=1).fit(X)
    assert model.n_segments_ == 4 and not model.no_distinct_segments_
    assert adjusted_rand_score(truth, model.labels_) >= 0.95
    assert model.silhouette_.loc[model.silhouette_.chosen, "k"].item() == 4
    assert list(model.choice_["k"]) == list(range(k_range[0], k_range[1] + 1))
    assert (model.choice_["n_reference"] == 20).all() and (model.choice_["n_bootstrap"] == 50).all()
    # well separated: the chosen k reproduces itself on resamples and beats the reference
    four = model.choice_.set_index("k").loc[4]
    assert four["stability"] > 0.9 and four["qualifies"]


def test_silhouette_equals_sklearn_on_full_data():
    X, _ = planted(n=200)
    model = Segmentation("kmeans", n_segments=4, n_bootstrap=0, n_reference=0,
                         sample_size=1000, random_state=0).fit(X)
    # recompute the silhouette of the chosen labels independently
    expected = silhouette_score(X.to_numpy(), model.labels_)
    chosen = model.silhouette_.set_index("k").loc[model.n_segments_, "silhouette"]
    assert chosen == pytest.approx(expected, rel=1e-9)
    # and on labels with a segment of one (silhouette 0 by convention, as scikit-learn)
    from survey_analysis.segment.choice import pairwise_distances, silhouette_from_distances
    labels = model.labels_.copy()
    labels[0] = 9
    assert silhouette_from_distances(pairwise_distances(X.to_numpy()), labels) == pytest.approx(
        silhouette_score(X.to_numpy(), labels), rel=1e-9)


def test_quick_kmeans_finds_the_partition_scikit_learn_finds():
    from sklearn.cluster import KMeans

    from survey_analysis.segment.choice import quick_kmeans

    X, truth = planted(n=200, noise=0.1)
    ours = quick_kmeans(X.to_numpy(), 4, np.random.RandomState(0))
    theirs = KMeans(n_clusters=4, n_init=4, random_state=0).fit_predict(X.to_numpy())
    assert adjusted_rand_score(theirs, ours) == pytest.approx(1.0)
    assert adjusted_rand_score(truth, ours) == pytest.approx(1.0)


def test_structureless_profiles_give_no_distinct_segments():
    # uniformly random answers give profiles without segments: no k may qualify (k = 1).
    # Two seeded data sets of 150 members; each k must beat its reference and be stable.
    rng = np.random.default_rng(11)
    for run in range(2):
        raw = rng.uniform(0, 1, size=(150, 5))
        X = pd.DataFrame(raw - raw.mean(axis=1, keepdims=True), columns=DIRECTIONS)
        model = Segmentation("kmeans", random_state=run).fit(X)
        assert model.n_segments_ == 1 and model.no_distinct_segments_
        assert not model.choice_["qualifies"].any()
        assert model.segment_names_ == {1: "all members (no distinct segments)"}
        assert model.sizes_.tolist() == [150] and (model.labels_ == 1).all()


def test_one_segment_can_be_asked_for_and_near_ties_are_reported():
    X, _ = planted(n=80)
    one = Segmentation("kmeans", n_segments=1).fit(X)
    assert one.n_segments_ == 1 and one.no_distinct_segments_ and one.choice_.empty
    np.testing.assert_allclose(one.centres_.loc[1], X.mean())
    from survey_analysis.segment.choice import choose_k
    table = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.50, 0.61, 0.60],
                          "reference_p95": [0.30, 0.30, 0.30], "stability": [0.9, 0.8, 0.95]})
    assert choose_k(table) == (3, (3, 4, pytest.approx(0.01)))
    table["stability"] = [0.9, 0.7, 0.95]  # k = 3 is not stable enough: no tie left
    assert choose_k(table) == (4, None)
    table["silhouette"] = [0.2, 0.25, 0.3]  # nothing beats the reference
    assert choose_k(table) == (1, None)


def test_labels_ordered_by_size_and_centres_are_means():
    X, _ = planted(n=200)
    X = pd.concat([X, X.iloc[:30]])  # unequal sizes
    X.index = pd.Index([f"R{i}" for i in range(len(X))], name="respondent_id")
    model = Segmentation("kmeans", n_segments=4, n_bootstrap=0, random_state=0).fit(X)
    sizes = np.bincount(model.labels_)[1:]
    assert sorted(model.labels_.tolist())[0] == 1
    assert all(sizes[i] >= sizes[i + 1] for i in range(len(sizes) - 1))
    for seg in range(1, 5):
        np.testing.assert_allclose(model.centres_.loc[seg], X[model.labels_ == seg].mean())
    assert model.sizes_.sum() == len(X)


def test_segment_names_use_distinguishing_directions():
    X, truth = planted()
    names = {"SD1": "RDI & products", "SD2": "Institutional capacity", "SD3": "Competencies", "SD4": "Lobby & advocacy", "SD5": "Visibility & branding"}
    model = Segmentation("kmeans", n_segments=4, n_bootstrap=0, direction_names=names, random_state=0).fit(X)
    seg_of_truth0 = pd.Series(model.labels_[truth == 0]).mode().item()
    seg_of_truth2 = pd.Series(model.labels_[truth == 2]).mode().item()
    # planted segment 0 is high on SD1 and SD3 (relative to the overall mean)
    assert model.segment_names_[seg_of_truth0].startswith("SD1+SD3 (RDI & products, Competencies)")
    assert model.segment_names_[seg_of_truth2] == "SD4 (Lobby & advocacy)"


def test_seeded_fit_is_reproducible():
    X, _ = planted(n=160, noise=0.15)
    a = Segmentation("kmeans", n_segments=4, n_bootstrap=5, random_state=7).fit(X)
    b = Segmentation("kmeans", n_segments=4, n_bootstrap=5, random_state=7).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.stability_, b.stability_)
    pd.testing.assert_frame_equal(a.choice_, b.choice_)


def test_large_n_uses_sampling_and_still_recovers():
    X, truth = planted(n=24000, noise=0.06, seed=3)
    model = Segmentation("kmeans", k_range=(3, 5), max_exact=20000, sample_size=1000,
                         random_state=0).fit(X)
    assert model.n_segments_ == 4
    assert adjusted_rand_score(truth, model.labels_) >= 0.95


def test_sizes_and_threshold_flags():
    segments = pd.Series([1] * 7 + [2] * 4 + [3] * 5)
    table = segment_sizes(segments, threshold=5, suppress=False)
    assert table["n"].tolist() == [7, 4, 5]
    assert table["below_threshold"].tolist() == [False, True, False]
    assert table["share"].tolist() == pytest.approx([7 / 16, 4 / 16, 5 / 16])


def test_sizes_hide_small_segments_with_secondary_suppression():
    segments = pd.Series([1] * 7 + [2] * 4 + [3] * 5 + [4] * 9)
    table = segment_sizes(segments, threshold=5)
    # segment 2 (4 < 5) is hidden; with the total (25) known, 4 = 25 - 7 - 5 - 9, so the next
    # smallest (segment 3, n = 5) is hidden as well; neither says which one is the small one
    assert table["suppressed"].tolist() == [False, True, True, False]
    assert table["n"].iloc[[0, 3]].tolist() == [7, 9]
    assert table["n"].iloc[[1, 2]].isna().all() and table["share"].iloc[[1, 2]].isna().all()
    assert table["below_threshold"].iloc[[1, 2]].isna().all()
    assert table["share"].iloc[0] == pytest.approx(7 / 25)


def _with_a_lone_respondent():
    X, truth = planted(n=80)
    lone = pd.DataFrame([[0.9, -0.9, 0.9, -0.9, 0.9]], columns=DIRECTIONS,
                        index=pd.Index(["LONE"], name="respondent_id"))
    return pd.concat([X, lone])


def test_summary_hides_a_segment_of_one_respondent():
    X = _with_a_lone_respondent()
    model = Segmentation("kmeans", n_segments=5, n_bootstrap=0, random_state=0).fit(X)
    lone = int(model.segments()["LONE"])
    assert model.sizes_[lone] == 1  # the outlier forms its own segment
    raw = model.summary(suppress=False).set_index("segment")
    assert raw.loc[lone, "n"] == 1
    table = model.summary().set_index("segment")
    assert table.loc[lone, "suppressed"] and pd.isna(table.loc[lone, "n"])
    assert table.loc[lone, DIRECTIONS + ["share", "name"]].isna().all()
    # nothing of the lone respondent's answers is shown anywhere in the table
    shown = table.drop(columns=["suppressed"]).to_numpy(dtype=object).ravel()
    for value in X.loc["LONE"]:
        assert not any(isinstance(v, float) and v == pytest.approx(value) for v in shown)
    # secondary suppression: exactly one other (the next smallest) segment is hidden too
    assert table["suppressed"].sum() == 2
    other = table.index[table["suppressed"] & (table.index != lone)].item()
    assert model.sizes_[other] == model.sizes_.drop(lone).min()
    shown_sizes = table["n"].dropna().astype(int)
    pd.testing.assert_series_equal(shown_sizes, model.sizes_[shown_sizes.index].rename("n"),
                                   check_dtype=False, check_names=False)


def test_profile_table_hides_small_segments():
    X = _with_a_lone_respondent()
    model = Segmentation("kmeans", n_segments=5, n_bootstrap=0, random_state=0).fit(X)
    lone = int(model.segments()["LONE"])
    table = segment_profile_table(X, model.segments(), names=model.segment_names_)
    assert f"{lone} (suppressed)" in table.index
    assert table.loc[f"{lone} (suppressed)"].isna().all()
    assert model.segment_names_[lone] not in table.index
    assert lone in table.attrs["suppressed"] and len(table.attrs["suppressed"]) == 2
    full = segment_profile_table(X, model.segments(), suppress=False)
    np.testing.assert_allclose(full.loc[lone].to_numpy(), X.loc["LONE"].to_numpy())


def test_crosstab_counts_and_small_cells():
    segments = pd.Series([1, 1, 1, 2, 2, 1, 2, 1], index=list("abcdefgh"))
    category = pd.Series(
        pd.Categorical(["Uni", "Uni", "Clinic", "Clinic", None, "Uni", "Clinic", "Uni"], categories=["Uni", "Clinic"]),
        index=list("abcdefgh"),
        name="A3",
    )
    raw = segment_crosstab(segments, category, threshold=3, suppress=False)
    assert list(raw.columns) == ["Uni", "Clinic", "(no answer)", "Total"]
    assert raw.loc[1, "Uni"] == 4 and raw.loc[1, "Clinic"] == 1
    assert raw.loc[2, "Clinic"] == 2 and raw.loc[2, "(no answer)"] == 1
    assert raw.loc["Total", "Total"] == 8
    assert (1, "Clinic") in raw.attrs["below_threshold"]
    assert (1, "Uni") not in raw.attrs["below_threshold"]
    shown = segment_crosstab(segments, category, threshold=3)
    # primary suppression of the small cells; the grand total is always shown
    assert pd.isna(shown.loc[1, "Clinic"]) and pd.isna(shown.loc[2, "(no answer)"])
    assert shown.loc["Total", "Total"] == 8
    # which hidden cells are the small ones is not published with the table
    assert "below_threshold" not in shown.attrs
    assert not any("below" in str(key) or "primary" in str(key) for key in shown.attrs)
    np.testing.assert_array_equal(shown.attrs["suppressed"].to_numpy(), shown.isna().to_numpy())


def test_profile_table_relative_to_overall_mean():
    X, _ = planted(n=80)
    segments = pd.Series(np.where(X["SD4"] > 0.2, 1, 2), index=X.index)
    table = segment_profile_table(X, segments, relative=True, names={1: "policy", 2: "rest"})
    expected = X[segments == 1].mean() - X.mean()
    np.testing.assert_allclose(table.loc["policy"].to_numpy(), expected.to_numpy())


@pytest.mark.parametrize(
    "kwargs, data",
    [
        ({"method": "dbscan"}, None),
        ({"n_segments": 0}, None),
        ({"k_range": (1, 3)}, None),
        ({}, "nan"),
        ({}, "tiny"),
    ],
)
def test_bad_input_raises_analysis_error(kwargs, data):
    X, _ = planted(n=40)
    if data == "nan":
        X.iloc[3, 2] = np.nan
    if data == "tiny":
        X = X.iloc[:2]
    with pytest.raises(AnalysisInputError):
        Segmentation(**kwargs).fit(X)


def test_segment_below_average_everywhere_is_called_balanced():
    # uncentred profiles: one group wants SD1, one SD2, the third wants everything less
    rng = np.random.default_rng(4)
    centres = np.array([[0.9, 0.5, 0.5, 0.5, 0.5], [0.5, 0.9, 0.5, 0.5, 0.5], [0.2, 0.2, 0.2, 0.2, 0.2]])
    truth = np.repeat(np.arange(3), 30)
    X = pd.DataFrame(centres[truth] + rng.normal(0, 0.02, size=(90, 5)), columns=DIRECTIONS)
    model = Segmentation("kmeans", n_segments=3, n_bootstrap=0, random_state=0).fit(X)
    low = pd.Series(model.labels_[truth == 2]).mode().item()
    # by hand: the low group's mean is below the overall mean on every direction
    assert (model.centres_.loc[low] < X.mean()).all()
    assert model.segment_names_[low] == "balanced (no direction above average)"
    high1 = pd.Series(model.labels_[truth == 0]).mode().item()
    assert model.segment_names_[high1] == "SD1"


def test_default_fit_is_reproducible():
    assert Segmentation().random_state == 0
    X, _ = planted(n=120, noise=0.2)
    a = Segmentation("kmeans", k_range=(3, 5)).fit(X)
    b = Segmentation("kmeans", k_range=(3, 5)).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.stability_, b.stability_)
    pd.testing.assert_frame_equal(a.silhouette_, b.silhouette_)


def test_more_segments_than_distinct_profiles_is_refused():
    X = pd.DataFrame([[0.2, -0.2, 0, 0, 0]] * 6 + [[-0.2, 0.2, 0, 0, 0]] * 6, columns=DIRECTIONS)
    with pytest.raises(AnalysisInputError, match="n_segments=3") as err:
        Segmentation("kmeans", n_segments=3, n_bootstrap=0).fit(X)
    assert "2 distinct profile" in str(err.value) and err.value.value == 3
    # as many segments as distinct profiles is fine
    model = Segmentation("kmeans", n_segments=2, n_bootstrap=0).fit(X)
    assert model.n_segments_ == 2 and model.sizes_.tolist() == [6, 6]
    # when k is chosen, only the k the profiles allow are tried, and the table says so
    model = Segmentation("kmeans").fit(X)
    assert model.silhouette_["k"].tolist() == [2] and model.n_segments_ == 2
    # identical profiles: no distinct segments
    same = Segmentation("kmeans").fit(X.iloc[:6])
    assert same.n_segments_ == 1 and same.no_distinct_segments_
    with pytest.raises(AnalysisInputError, match="k_range"):
        Segmentation("kmeans", k_range=(3, 5)).fit(X)
    with pytest.raises(AnalysisInputError, match="n_bootstrap must be an integer of at least 50"):
        Segmentation("kmeans", n_bootstrap=10).fit(X)
    with pytest.raises(AnalysisInputError, match="n_reference must be an integer of at least 20"):
        Segmentation("kmeans", n_reference=5).fit(X)


# ---- surveys ---------------------------------------------------------------------------

def _survey_from_sample_answers(sample):
    """Code the generator's raw answers with the codebook (what the loader does)."""
    book = sample.codebook
    kept = [(a, t) for a, t in zip(sample.answers, sample.truth) if t["status"] == "kept"]
    likert = book.likert_items()
    rows, ranks, ids, truth, category = [], [], [], [], []
    for number, (answer, record) in enumerate(kept, start=1):
        coded = {}
        for item in likert:
            levels = book.scales[book.questions[item].scale]
            lookup = {fold_diacritics(getattr(lv, lang)): lv.value for lv in levels for lang in ("en", "ro")}
            coded[item] = float(lookup[fold_diacritics(answer[item])])
        rows.append(coded)
        ranks.append(answer["D"])
        ids.append(str(record["submission"]))
        truth.append(record["segment"])
        category.append(fold_diacritics(answer["A3"]))
    index = pd.Index(ids, name="respondent_id")
    numeric = pd.DataFrame(rows, index=index)
    responses = pd.DataFrame({f"D[{d}]": pd.array([r[d] for r in ranks], dtype="Int64") for d in DIRECTIONS}, index=index)
    responses["A3"] = category
    responses["A4"] = "10-49"
    survey = SimpleNamespace(codebook=book, responses=responses, numeric=lambda items=None: numeric.copy())
    return survey, pd.Series(truth, index=index)


def test_recovers_planted_segments_of_generated_sample():
    sample_module = pytest.importorskip("survey_analysis.sample")
    survey, truth = _survey_from_sample_answers(sample_module.make_sample())
    result = segments_result(survey, n_segments=3, random_state=0, rows=True)
    json.dumps(result)
    found = pd.Series(result["respondents"]).reindex(truth.index)
    assert result["k"] == 3 and result["choice"][0]["qualifies"]
    assert adjusted_rand_score(truth, found) >= 0.95
    assert sum(s["n"] for s in result["segments"]) == len(truth)
    counts = result["breakdowns"]["member_category"]["counts"]
    assert counts["Total"]["Total"] == len(truth)


def test_recovers_planted_segments_of_bundled_sample_files():
    if not (SAMPLE / "truth.csv").is_file():
        pytest.skip("data/sample/ is absent")
    truth = pd.read_csv(SAMPLE / "truth.csv", dtype=str)
    truth = truth[truth["status"] == "kept"].set_index("respondent_id")["segment"]
    for export, k in (("google_forms.xlsx", None), ("microsoft_forms.xlsx", 3)):
        survey = sa.load_responses(SAMPLE / export, ROOT / "data" / "codebook.yml")
        result = segments_result(survey, n_segments=k, random_state=0, rows=True)
        assert result["k"] == 3
        found = pd.Series(result["respondents"])
        common = truth.index.intersection(found.index)
        assert len(common) == len(truth)
        assert adjusted_rand_score(truth[common], found[common]) >= 0.95


def test_four_planted_segments_of_20_to_26_members_are_found(tmp_path):
    from planted import FOUR_SEGMENTS, write_planted_export

    export = tmp_path / "four_segments.xlsx"
    planted_segments = write_planted_export(export, FOUR_SEGMENTS, seed=0)
    assert len(planted_segments) == 90
    assert sorted(size for size, _ in FOUR_SEGMENTS.values()) == [20, 22, 22, 26]
    survey = sa.load_responses(export, ROOT / "data" / "codebook.yml")
    result = segments_result(survey, random_state=0, rows=True)
    assert result["k"] == 4
    found = pd.Series(result["respondents"])
    truth = pd.Series(planted_segments, index=survey.responses.index.astype(str))
    assert adjusted_rand_score(truth[found.index], found) >= 0.8


def _planted_survey_with_a_lone_respondent():
    """A survey object over the real codebook: two planted groups of 25 and one lone member."""
    book = read_codebook(ROOT / "data" / "codebook.yml")
    items = book.items_by_direction()
    rng = np.random.default_rng(8)
    rows, ids = [], []
    for group, size in (("SD1", 25), ("SD2", 25), ("SD5", 1)):
        for _ in range(size):
            row = {}
            for direction, its in items.items():
                for item in its:
                    high = direction == group
                    value = int(np.clip(rng.integers(4, 6) if high else rng.integers(1, 3), 1, 5))
                    row[item] = float(6 - value if book.questions[item].reverse else value)
            rows.append(row)
            ids.append(f"M{len(ids):03d}")
    index = pd.Index(ids, name="respondent_id")
    numeric = pd.DataFrame(rows, index=index)
    responses = pd.DataFrame({"A3": ["University", "Company"] * 25 + ["Company"]}, index=index)
    survey = SimpleNamespace(codebook=book, responses=responses, numeric=lambda items=None: numeric.copy())
    return survey


def test_segments_result_hides_a_segment_of_one_member_but_keeps_the_assignment():
    survey = _planted_survey_with_a_lone_respondent()
    result = segments_result(survey, n_segments=3, n_bootstrap=0, random_state=0, rows=True)
    json.dumps(result)
    # the map never places a member in a hidden segment: both hidden segments map to None
    assert result["respondents"]["M050"] is None
    hidden_ids = [r for r, s in result["respondents"].items() if s is None]
    shown = [s for s in result["segments"] if not s["suppressed"]]
    assert len(hidden_ids) == 51 - sum(s["n"] for s in shown)
    assert "respondents" not in segments_result(survey, n_segments=3, n_bootstrap=0,
                                                random_state=0)
    hidden = next(s for s in result["segments"] if s["suppressed"] and s["segment"] != 1)
    assert hidden["suppressed"] and hidden["n"] is None and hidden["share"] is None
    assert hidden["name"] is None and hidden["below_threshold"] is None
    assert all(v is None for v in hidden["profile"].values())
    assert sum(s["suppressed"] for s in result["segments"]) == 2  # plus the next smallest
    assert [s["n"] for s in result["segments"] if not s["suppressed"]] == [25]
