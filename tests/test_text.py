"""Tests of survey_analysis.text: mapping free text to directions, themes, reading a text column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

import survey_analysis as sa
from survey_analysis.errors import (
    AnalysisInputError,
    CodebookError,
    EmptyFileError,
    FileProblemError,
    HeaderProblemError,
    SurveyError,
)
from survey_analysis.text import (
    BLANK,
    DEFAULT_TRAINING,
    OUTSIDE,
    TextMapper,
    choose_threshold,
    detect_language,
    direction_counts,
    direction_lexicon,
    fold_text,
    learn_keywords,
    map_text_result,
    read_text_column,
    read_training_proposals,
)

ROOT = Path(__file__).resolve().parents[1]
PROPOSALS = ROOT / "data" / "proposals" / "labelled_proposals.csv"
HELDOUT = ROOT / "data" / "proposals" / "heldout_proposals.csv"
EXTRA = ROOT / "data" / "proposals" / "training_extra.csv"
TEST3 = ROOT / "data" / "proposals" / "test3_proposals.csv"


@pytest.fixture(scope="module")
def development():
    """All 260 labelled proposals: the data the method was developed on."""
    return pd.read_csv(PROPOSALS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def heldout():
    """The 160 proposals of the second author (scored once, now development data)."""
    if not HELDOUT.is_file():
        pytest.skip("data/proposals/heldout_proposals.csv is absent")
    return pd.read_csv(HELDOUT, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def extra():
    """The 320 proposals of the third author (training data)."""
    if not EXTRA.is_file():
        pytest.skip("data/proposals/training_extra.csv is absent")
    return pd.read_csv(EXTRA, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def all_development(development, heldout, extra):
    """The 740 development proposals, with their file and a group per idea.

    Groups: the two texts of an English/Romanian pair of labelled_proposals.csv
    form one group; every other text is a group of its own.
    """
    pairs = _pair_groups(development)
    parts = [
        development.assign(file="labelled", group=[f"L{g}" for g in pairs]),
        heldout.assign(file="heldout", group=heldout["id"]),
        extra.assign(file="extra", group=extra["id"]),
    ]
    columns = ["id", "language", "text", "direction", "file", "group"]
    return pd.concat([p[columns] for p in parts], ignore_index=True)


@pytest.fixture(scope="module")
def test3():
    """The 180 proposals of the fourth author: the test set (scored once)."""
    if not TEST3.is_file():
        pytest.skip("data/proposals/test3_proposals.csv is absent")
    return pd.read_csv(TEST3, dtype=str, keep_default_na=False)


def _pair_groups(table):
    """Group each English proposal with its Romanian counterpart.

    The pairs share direction and split; within each (direction, split) cell the
    English and Romanian texts are matched one to one so that the summed cosine
    similarity of their character n-grams is highest (names, numbers and
    cognates such as PACS/cloud/teleradiologie carry the match).
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.feature_extraction.text import TfidfVectorizer

    folded = [fold_text(t) for t in table["text"]]
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform(folded)
    group = np.arange(len(table))
    for _, cell in table.groupby(["direction", "split"]):
        en = np.flatnonzero((table.index.isin(cell.index)) & (table["language"] == "en").to_numpy())
        ro = np.flatnonzero((table.index.isin(cell.index)) & (table["language"] == "ro").to_numpy())
        rows, cols = linear_sum_assignment(-(X[en] @ X[ro].T).toarray())
        group[ro[cols]] = group[en[rows]]
    return group


# ---- normalisation ---------------------------------------------------------------------

def test_fold_text_treats_all_romanian_forms_alike():
    forms = ["Școală și instruire", "Şcoală şi instruire", "Scoala si instruire", "ȘCOALĂ  ŞI\u00a0instruire!"]
    assert {fold_text(f) for f in forms} == {"scoala si instruire"}
    assert fold_text("Țară, târg, înscriere, ţintă") == "tara targ inscriere tinta"
    assert fold_text(None) == "" and fold_text(float("nan")) == ""


def test_detect_language():
    assert detect_language("Cursuri practice pentru medicii tineri din spitale") == "ro"
    assert detect_language("Training for the staff of our hospital") == "en"
    assert detect_language("MRI") == "unknown"


def test_scores_do_not_depend_on_diacritics():
    texts = pd.Series(
        ["Cursuri de instruire pentru tehnicienii din secțiile de radiologie",
         "Cursuri de instruire pentru tehnicienii din secţiile de radiologie",
         "Cursuri de instruire pentru tehnicienii din sectiile de radiologie"]
    )
    for mapper in (TextMapper(cluster_weight=0, training=None), TextMapper()):
        mapped = mapper.fit_transform(texts)
        assert mapped["direction"].tolist() == ["SD3"] * 3
        assert mapped["score"].nunique() == 1


def test_inflected_romanian_keywords_match_by_prefix():
    mapper = TextMapper(extra_keywords=None, cluster_weight=0, training=None)
    mapped = mapper.fit_transform(["Proiectele comune de cercetării și inovării în imagistică"])
    assert mapped.loc[0, "direction"] == "SD1"


def test_blank_answers_are_kept_and_marked():
    texts = pd.Series(["", None, "Training courses for radiographers", "   "], index=[10, 11, 12, 13])
    for mapper in (TextMapper(cluster_weight=0, training=None), TextMapper()):
        mapped = mapper.fit_transform(texts)
        assert list(mapped.index) == [10, 11, 12, 13]
        assert mapped["direction"].tolist() == [BLANK, BLANK, "SD3", BLANK]
        assert mapped["score"].isna().tolist() == [True, True, False, True]


def test_outside_answer_keeps_best_direction_as_runner_up():
    mapper = TextMapper(cluster_weight=0, threshold=0.35, training=None)
    mapped = mapper.fit_transform(["Parking for patients at the county hospital is impossible."])
    assert mapped.loc[0, "direction"] == OUTSIDE
    scores = mapper.direction_scores(["Parking for patients at the county hospital is impossible."])
    assert mapped.loc[0, "runner_up"] == scores.iloc[0].idxmax()
    assert mapped.loc[0, "score"] == pytest.approx(scores.iloc[0].max()) and mapped.loc[0, "score"] < 0.35


def test_short_keywords_take_inflections_but_not_longer_words():
    mapper = TextMapper(extra_keywords={"SD5": {"en": ["stand"], "ro": ["curs"]}}, cluster_weight=0).fit(["x"])
    hits = mapper._keyword_hits(
        ["a stand at the fair", "standuri la targ", "quality standards", "cursurile de vara", "cursor"],
        ["en", "ro", "en", "ro", "en"],
    )
    sd5 = mapper.direction_codes_.index("SD5")
    # "stand" counts in "stand"/"standuri", never in "standards"
    assert hits[0, sd5] > 0 and hits[1, sd5] > 0 and hits[2, sd5] == 0
    assert hits[3, sd5] > 0 and hits[4, sd5] == 0


def test_outside_keywords_scale_scores_down_by_hand():
    words = {"SD3": {"en": ["training"]}, "outside": {"en": ["parking"]}}
    mapper = TextMapper(extra_keywords=words, cluster_weight=0, similarity_weight=0, outside_weight=1.0).fit(["x"])
    scores = mapper.direction_scores(["training parking", "training"])
    # hand computation: the keyword at the start gives 1 - exp(-1); "parking"
    # starts at character 9 of 16, weight 1 / (1 + 3 * 9/16), damping exp(-that)
    plain = 1 - np.exp(-1.0)
    damping = np.exp(-1.0 / (1 + 3 * 9 / 16))
    assert scores.loc[1, "SD3"] == pytest.approx(plain)
    assert scores.loc[0, "SD3"] == pytest.approx(plain * damping)
    table = direction_lexicon(None, extra_keywords=words)
    assert table.loc[table.keyword == "parking", "direction"].tolist() == [OUTSIDE]


def test_themes_join_the_same_concern_across_languages():
    texts = pd.Series(
        [
            "Parking for patients at the county hospital",
            "Parcarea spitalului judetean este prea mica",
            "Better salaries for radiographers",
            "Salarii mai bune pentru tehnicieni",
            "Kindergarten places for the children of employees",
            "Locuri la gradinita pentru copiii angajatilor",
        ]
    )
    mapper = TextMapper(threshold=10.0, training=None).fit(texts)
    themes = mapper.themes(texts, mapper.mapped_, n_themes=3)
    groups = sorted(sorted(a) for a in themes["answers"])
    assert groups == [[0, 1], [2, 3], [4, 5]]


# ---- the lexicon ------------------------------------------------------------------------

def test_lexicon_weights_shared_keywords_less():
    table = direction_lexicon(None, extra_keywords={"SD3": {"en": ["innovation"]}})
    shared = table[table["key"] == "innovat"]
    assert set(shared["direction"]) == {"SD1", "SD3"}
    assert shared["weight"].tolist() == [0.5, 0.5]


def test_extra_keywords_exclude_and_errors(tmp_path):
    table = direction_lexicon(None, extra_keywords={"exclude": {"SD3": ["staff"]}})
    assert "staff" not in table.loc[table.direction == "SD3", "keyword"].tolist()
    with pytest.raises(CodebookError):
        direction_lexicon(None, extra_keywords={"SD9": {"en": ["x"]}})
    bad = tmp_path / "extra.yml"
    bad.write_text("SD1: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError):
        direction_lexicon(None, extra_keywords=bad)
    with pytest.raises(FileProblemError):
        direction_lexicon(None, extra_keywords=tmp_path / "missing.yml")


# ---- evaluation ---------------------------------------------------------------------------
# Protocol (data/proposals/README.md): development data are the 740 proposals of
# labelled_proposals.csv, heldout_proposals.csv (scored once in an earlier round,
# so no longer held out) and training_extra.csv, three authors.  Every choice
# (features, C, weights, the learned keywords' rule) was made by cross-validation
# on them: each file left out in turn ("a new author"), and 5 folds grouped by
# idea.  The method was then frozen and scored once on test3_proposals.csv (180
# proposals of a fourth author).  The working group's target is macro-F1 >= 0.85
# on the test set; where it is not met the target is an expected failure naming
# the figure reached, and a floor a little below the measured value guards
# against regressions.

# Measured once on test3_proposals.csv with the frozen method: lexicon mode
# 0.824; supervised mode trained on the 740 development proposals 0.883, and the
# default mode (the same model, trained on the bundled proposals) 0.883.
LEXICON_FLOOR = 0.80
LEXICON_XFAIL = "target 0.85 not reached on test3 by the lexicon mode (0.824)"

FILES = ("labelled", "heldout", "extra")


def _with_learned(table):
    """The shipped extra keywords with the learned ones chosen on ``table`` only."""
    import yaml

    keywords = yaml.safe_load((ROOT / "data" / "proposals" / "extra_keywords.yml").read_text(encoding="utf-8"))
    learned = learn_keywords(table["text"], table["direction"])
    keywords["learned"] = {d: g["keyword"].tolist() for d, g in learned.groupby("direction")}
    return keywords


def _macro(truth, predicted):
    return f1_score(list(truth), list(predicted), average="macro")


def test_proposals_file_is_as_documented(development):
    table = development
    assert list(table.columns) == ["id", "language", "text", "direction", "split"]
    assert len(table) == 260 and table["id"].is_unique
    assert (table["split"] == "test").sum() == 110
    assert set(table["direction"]) == {"SD1", "SD2", "SD3", "SD4", "SD5", OUTSIDE}
    share_outside = (table["direction"] == OUTSIDE).mean()
    assert 0.12 <= share_outside <= 0.2
    ro = table[table["language"] == "ro"]["text"]
    assert ro.str.contains("[şţ]").any() and (~ro.str.contains("[șțăâîşţ]")).any()


def test_heldout_file_is_as_documented(heldout, development):
    # counts from the table of data/proposals/README.md
    assert list(heldout.columns) == ["id", "language", "text", "direction"]
    assert len(heldout) == 160 and heldout["id"].is_unique
    assert heldout["direction"].value_counts().sort_index().tolist() == [27, 27, 27, 27, 27, 25]
    assert heldout["language"].value_counts().to_dict() == {"en": 80, "ro": 80}
    assert not set(heldout["text"]) & set(development["text"])


def test_training_extra_file_is_as_documented(extra, all_development):
    # counts from the table of data/proposals/README.md
    assert list(extra.columns) == ["id", "language", "text", "direction"]
    assert len(extra) == 320 and extra["id"].is_unique
    assert extra["direction"].value_counts().sort_index().tolist() == [54, 54, 53, 53, 53, 53]
    assert extra["language"].value_counts().to_dict() == {"en": 160, "ro": 160}
    assert len(all_development) == 740 and all_development["text"].is_unique


def test_test3_file_is_disjoint_from_development(test3, all_development):
    assert list(test3.columns) == ["id", "language", "text", "direction"]
    assert len(test3) == 180 and test3["id"].is_unique
    assert set(test3["direction"]) == {"SD1", "SD2", "SD3", "SD4", "SD5", OUTSIDE}
    assert not set(test3["text"]) & set(all_development["text"])


def test_pair_groups_join_one_english_and_one_romanian_text(development):
    group = _pair_groups(development)
    sizes = pd.Series(group).value_counts()
    assert len(sizes) == 130 and set(sizes) == {2}
    by_group = development.assign(group=group).groupby("group")
    assert (by_group["language"].nunique() == 2).all() and (by_group["direction"].nunique() == 1).all()


def test_read_training_proposals_default_and_errors(tmp_path):
    table = read_training_proposals()
    assert list(table.columns) == ["text", "direction"] and len(table) == 740
    path = tmp_path / "mine.csv"
    path.write_text("text,direction\nCourses for nurses,SD3\n,SD1\nA stand at the fair,\n", encoding="utf-8")
    # rows without text or direction carry no example
    assert read_training_proposals(path).to_dict("list") == {"text": ["Courses for nurses"], "direction": ["SD3"]}
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("idea,label\nx,SD1\n", encoding="utf-8")
    with pytest.raises(HeaderProblemError):
        read_training_proposals(wrong)
    with pytest.raises(FileProblemError):
        read_training_proposals(tmp_path / "missing.csv")


def test_learn_keywords_by_hand():
    texts = [
        "Radiology courses for nurses", "Short courses on ultrasound", "Courses and webinars",
        "Courses about lobby", "Website of the cluster", "Website and logo", "Website news",
    ]
    labels = ["SD3", "SD3", "SD3", "SD4", "SD5", "SD5", "SD5"]
    table = learn_keywords(texts, labels, min_count=3, min_share=0.75)
    # "courses": 4 texts, 3 of them SD3 (share 0.75); "website": 3 of 3 SD5;
    # every other term occurs in fewer than 3 texts
    assert table.to_dict("list") == {
        "direction": ["SD3", "SD5"], "keyword": ["courses", "website"], "n": [3, 3], "share": [0.75, 1.0],
    }
    assert learn_keywords(texts, labels, min_count=3, min_share=0.8)["keyword"].tolist() == ["website"]
    with pytest.raises(AnalysisInputError):
        learn_keywords(texts, labels[:3])


def test_default_mode_is_supervised_on_the_bundled_proposals():
    texts = pd.Series(["Training courses for radiographers", "A stand at MEDICA for the cluster", ""])
    mapper = TextMapper().fit(texts)
    assert mapper.mode_ == "supervised" and mapper.trained_on_ == "training"
    assert set(mapper.directions_) == {"SD1", "SD2", "SD3", "SD4", "SD5", OUTSIDE}
    assert mapper.mapped_["direction"].tolist() == ["SD3", "SD5", BLANK]
    assert (mapper.mapped_["cluster"] == -1).all() and np.isnan(mapper.cv_macro_f1_)
    # the learned keywords stay out of the supervised mode's lexicon
    assert "learned" not in set(mapper.lexicon_["source"])
    lexicon = TextMapper(training=None).fit(texts)
    assert lexicon.mode_ == "lexicon" and lexicon.trained_on_ == "none"
    assert "learned" in set(lexicon.lexicon_["source"])


def test_default_mode_falls_back_to_lexicon_for_other_directions():
    book = {
        "directions": {
            "D1": {"name": {"en": "Training"}, "description": {"en": "courses"}, "keywords": {"en": ["course"]}},
            "D2": {"name": {"en": "Visibility"}, "description": {"en": "media"}, "keywords": {"en": ["website"]}},
        },
        "questions": [{"id": "G1", "type": "text", "text": {"en": "Ideas", "ro": "Idei"}}],
    }
    mapper = TextMapper(book, extra_keywords=None).fit(["A course for nurses", "A new website"])
    assert mapper.mode_ == "lexicon" and "not those of the bundled" in mapper.training_note_
    assert mapper.mapped_["direction"].tolist() == ["D1", "D2"]


def test_supervised_leave_one_author_out_on_development_data_floor(all_development):
    # each file (one author) predicted by the model trained on the other two;
    # measured: labelled 0.925, heldout 0.831, extra 0.737 (mean 0.831)
    scores = {}
    for name in FILES:
        train = all_development[all_development["file"] != name]
        test = all_development[all_development["file"] == name]
        mapper = TextMapper().fit(train["text"], train["direction"])
        scores[name] = _macro(test["direction"], mapper.transform(test["text"])["direction"])
    assert scores["heldout"] >= 0.80 and scores["extra"] >= 0.71
    assert np.mean(list(scores.values())) >= 0.81


def test_supervised_grouped_cv_on_development_data_floor(all_development):
    from sklearn.model_selection import StratifiedGroupKFold

    # measured with seed 0: 0.840 (seeds 0-2: 0.840, 0.832, 0.827)
    table = all_development
    y = table["direction"].to_numpy()
    predicted = np.empty(len(y), dtype=object)
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in folds.split(table["text"], y, table["group"]):
        mapper = TextMapper().fit(table["text"].iloc[train], y[train])
        predicted[test] = mapper.transform(table["text"].iloc[test])["direction"].to_numpy()
    assert _macro(y, predicted.astype(str)) >= 0.82


def test_lexicon_leave_one_author_out_on_development_data_floor(all_development):
    # the learned keywords chosen on the other two files only; measured:
    # labelled 0.931 (its extra keywords were written on it), heldout 0.716,
    # extra 0.702 (without learned keywords: 0.943, 0.698, 0.666)
    scores = {}
    for name in FILES:
        train = all_development[all_development["file"] != name]
        test = all_development[all_development["file"] == name]
        mapper = TextMapper(extra_keywords=_with_learned(train), training=None)
        scores[name] = _macro(test["direction"], mapper.fit_transform(test["text"])["direction"])
    assert scores["heldout"] >= 0.69 and scores["extra"] >= 0.68
    assert np.mean(list(scores.values())) >= 0.76


def _lexicon_test3_f1(test3):
    mapped = TextMapper(training=None).fit_transform(test3["text"])
    return _macro(test3["direction"], mapped["direction"])


def _supervised_test3_f1(all_development, test3):
    mapper = TextMapper().fit(all_development["text"], all_development["direction"])
    return _macro(test3["direction"], mapper.transform(test3["text"])["direction"]), mapper


def test_lexicon_mode_on_test3_floor(test3):
    assert _lexicon_test3_f1(test3) >= LEXICON_FLOOR


@pytest.mark.xfail(reason=LEXICON_XFAIL, strict=False)
def test_lexicon_mode_on_test3_target(test3):
    assert _lexicon_test3_f1(test3) >= 0.85


def test_supervised_mode_on_test3_target(all_development, test3):
    f1, mapper = _supervised_test3_f1(all_development, test3)
    assert mapper.mode_ == "supervised" and mapper.trained_on_ == "labels"
    assert 0 <= mapper.cv_macro_f1_ <= 1 and mapper.cv_folds_ == 5
    assert f1 >= 0.85


def test_default_mode_on_test3_target(all_development, test3):
    # the default (no labels) trains on the same 740 proposals
    default = TextMapper().fit(test3["text"])
    assert default.trained_on_ == "training"
    f1 = _macro(test3["direction"], default.mapped_["direction"])
    assert f1 >= 0.85
    assert f1 == pytest.approx(_supervised_test3_f1(all_development, test3)[0])


def test_generated_sample_texts_are_mapped():
    sample = pytest.importorskip("survey_analysis.sample")
    data = sample.make_sample()
    texts, truth = [], []
    for answer, record in zip(data.answers, data.truth):
        for qid in ("G1", "G2"):
            if answer[qid] and record[f"{qid}_direction"]:
                texts.append(answer[qid])
                truth.append(record[f"{qid}_direction"])
    for training in (None, DEFAULT_TRAINING):
        mapped = TextMapper(training=training).fit_transform(pd.Series(texts))
        assert f1_score(truth, mapped["direction"], average="macro") >= 0.85


def test_supervised_cv_macro_f1_matches_manual_folds():
    rng = np.random.default_rng(0)
    words = {"SD3": ["training", "course", "workshop"], "SD5": ["website", "logo", "press"]}
    texts, labels = [], []
    for direction, vocab in words.items():
        for _ in range(10):
            texts.append(" ".join(rng.choice(vocab, size=3)) + " for members")
            labels.append(direction)
    mapper = TextMapper(cv=5).fit(texts, labels)
    # fully separable vocabularies: every fold is predicted perfectly
    assert mapper.cv_macro_f1_ == pytest.approx(1.0)
    assert mapper.cv_report_["support"].tolist() == [10, 10]


def test_supervised_with_partial_labels_and_bad_labels():
    texts = ["training course", "website logo", "training workshop", "press website", "new idea"]
    mapper = TextMapper(cv=2).fit(texts, ["SD3", "SD5", "SD3", "SD5", None])
    assert len(mapper.mapped_) == 5 and mapper.mapped_["direction"].iloc[4] in {"SD3", "SD5"}
    with pytest.raises(AnalysisInputError):
        TextMapper().fit(texts, ["SD3", "SD9", "SD3", "SD5", None])
    with pytest.raises(AnalysisInputError):
        TextMapper().fit(texts, ["SD3"] * 5)
    with pytest.raises(AnalysisInputError):
        TextMapper().fit(texts, ["SD3"])


# ---- clusters, themes and tables -----------------------------------------------------------

def test_cluster_table_and_themes_of_outside_answers():
    outside = [
        "Parking places near the hospital for patients",
        "More parking for patients at the hospital",
        "Parking for visitors of the hospital is missing",
        "Parking spaces for hospital staff",
        "Solar panels and energy savings in hospital buildings",
        "Energy savings: solar panels on the hospital roof",
        "Reduce the energy bill with solar panels",
        "Solar energy for the hospital buildings",
    ]
    inside = ["Training courses for radiographers"] * 3 + ["Lobby the ministry on reimbursement"] * 3
    texts = pd.Series(outside + inside)
    mapper = TextMapper(threshold=0.35, training=None)
    mapped = mapper.fit_transform(texts)
    assert (mapped["direction"].iloc[:8] == OUTSIDE).all()
    assert set(mapper.cluster_table_.columns) == {"cluster", "n", "direction", "score", "top_terms"}
    assert mapper.cluster_table_["n"].sum() == len(texts)
    themes = mapper.themes(texts, mapped, n_themes=2)
    assert themes["n"].sum() == 8 and themes["theme"].tolist() == [1, 2]
    terms = " ".join(themes["top_terms"])
    # "solar" and "energy" are one concern, shown by its concept word
    assert "parking" in terms and "energy" in terms
    for quotes in themes["quotes"]:
        assert all(q in outside for q in quotes)
    auto = mapper.themes(texts, mapped)
    assert auto["n"].sum() == 8


def test_direction_counts_by_hand():
    mapped = pd.DataFrame({"direction": ["SD1", "SD1", OUTSIDE, "SD3", BLANK]})
    table = direction_counts(mapped, directions=["SD1", "SD2", "SD3", "SD4", "SD5"])
    assert table["direction"].tolist() == ["SD1", "SD2", "SD3", "SD4", "SD5", OUTSIDE, BLANK]
    assert table["n"].tolist() == [2, 0, 1, 0, 0, 1, 1]
    assert table["share"].iloc[:6].tolist() == pytest.approx([0.5, 0, 0.25, 0, 0, 0.25])
    assert np.isnan(table["share"].iloc[6])


def test_choose_threshold_by_hand():
    scores = pd.Series([0.9, 0.8, 0.3, 0.2])
    best = pd.Series(["SD1", "SD2", "SD1", "SD2"])
    truth = pd.Series(["SD1", "SD2", OUTSIDE, OUTSIDE])
    threshold, table = choose_threshold(scores, best, truth, grid=[0.1, 0.5, 0.95])
    assert threshold == 0.5
    assert table.set_index("threshold").loc[0.5, "macro_f1"] == pytest.approx(1.0)
    assert table.set_index("threshold").loc[0.95, "outside_share"] == 1.0


# ---- reading a text column -----------------------------------------------------------------

def test_read_text_column_csv_with_bom_and_cp1250(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes("id;Propunere\n1;Instruire pentru tehnicieni\n2;\n".encode("utf-8-sig"))
    series = read_text_column(path, "propunere")
    assert series.name == "Propunere" and series.index.tolist() == [2, 3]
    assert series.iloc[0] == "Instruire pentru tehnicieni" and pd.isna(series.iloc[1])
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("id,Text\n1,Cursuri în secţiile de radiologie pentru personalul tehnic\n".encode("cp1250"))
    assert read_text_column(legacy).iloc[0] == "Cursuri în secţiile de radiologie pentru personalul tehnic"


def test_read_text_column_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Timestamp", "What else should the Strategic Agenda include?"])
    sheet.append(["2019-01-14", "A stand at MEDICA for the cluster"])
    sheet.append(["2019-01-15", "Curs de ecografie"])
    path = tmp_path / "form.xlsx"
    book.save(path)
    series = read_text_column(path, "What else should the Strategic Agenda include?")
    assert series.tolist() == ["A stand at MEDICA for the cluster", "Curs de ecografie"]


def test_read_text_column_errors_name_file_column_and_choices(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("id,Idea,Comment\n1,Training for all radiographers in the region,Another long comment here\n", encoding="utf-8")
    with pytest.raises(HeaderProblemError) as info:
        read_text_column(path, "Proposal")
    message = str(info.value)
    assert "answers.csv" in message and "'Proposal'" in message and "'Idea'" in message and "'Comment'" in message
    with pytest.raises(HeaderProblemError):
        read_text_column(path)  # two text columns: ambiguous
    with pytest.raises(FileProblemError):
        read_text_column(tmp_path / "nope.csv", "Idea")
    with pytest.raises(FileProblemError):
        read_text_column(tmp_path, "Idea")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFileError):
        read_text_column(empty, "Idea")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SurveyError):
        read_text_column(broken, "Idea")


def test_map_text_result_is_json_ready():
    texts = pd.Series(
        ["Training courses for radiographers", "Parking at the university hospital", "", "Un stand la târgul MEDICA"],
        index=[2, 3, 4, 5],
    )
    for training, mode in ((None, "lexicon"), (DEFAULT_TRAINING, "supervised")):
        result = map_text_result(texts, training=training)
        json.dumps(result)
        assert result["mode"] == mode
        assert [a["row"] for a in result["answers"]] == [2, 3, 4, 5]
        assert result["answers"][0]["direction"] == "SD3"
        assert result["answers"][2]["direction"] == BLANK
        assert sum(result["counts"].values()) == 4
    assert result["trained_on"] == "training" and result["cv_macro_f1"] is None
    assert map_text_result(texts)["mode"] == "supervised"
    supervised = map_text_result(
        pd.Series(["training course", "website logo", "training workshop", "press website"] * 3),
        labels=["SD3", "SD5", "SD3", "SD5"] * 3,
    )
    json.dumps(supervised)
    assert supervised["mode"] == "supervised" and supervised["cv_macro_f1"] is not None
    assert supervised["trained_on"] == "labels"


def test_bad_parameters_raise():
    with pytest.raises(AnalysisInputError):
        TextMapper(threshold=-1).fit(["a text"])
    with pytest.raises(AnalysisInputError):
        TextMapper(cluster_weight=2).fit(["a text"])
    with pytest.raises(AnalysisInputError):
        TextMapper().fit(42)
    with pytest.raises(AnalysisInputError):
        TextMapper().transform(["not fitted"])


def test_bundled_sample_texts_through_the_loader():
    sample = ROOT / "data" / "sample"
    if not (sample / "truth.csv").is_file():
        pytest.skip("data/sample/ is absent")
    truth = pd.read_csv(sample / "truth.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["status"] == "kept"].set_index("respondent_id")
    survey = sa.load_responses(sample / "google_forms.xlsx", ROOT / "data" / "codebook.yml")
    texts, expected = [], []
    for qid in ("G1", "G2"):
        answers = survey.responses[qid]
        for rid, direction in truth[f"{qid}_direction"].items():
            if direction:
                texts.append(answers.loc[rid])
                expected.append(direction)
    for training in (None, DEFAULT_TRAINING):
        mapped = TextMapper(training=training).fit_transform(pd.Series(texts))
        assert BLANK not in set(mapped["direction"])
        assert f1_score(expected, mapped["direction"], average="macro") >= 0.85


def test_read_text_column_from_a_sample_export():
    path = ROOT / "data" / "sample" / "google_forms.xlsx"
    if not path.is_file():
        pytest.skip("data/sample/ is absent")
    series = read_text_column(path, "What else should the Strategic Agenda include?")
    assert series.notna().sum() > 10
    with pytest.raises(HeaderProblemError) as info:
        read_text_column(path, "G9")
    assert "Timestamp" in str(info.value)


def test_theme_terms_leave_out_digit_runs_and_masked_contacts():
    texts = pd.Series(
        [
            "Parking for patients, call me at [phone] or [e-mail]",
            "Parking 2019 near the hospital, 0745 123 456",
            "More parking places, write to [e-mail]",
            "Solar panels 2019 on the roof, [phone]",
            "Solar energy for the hospital 300 kW",
            "Energy savings with solar panels, [e-mail]",
        ]
    )
    mapper = TextMapper(threshold=10.0, training=None).fit(texts)
    themes = mapper.themes(texts, mapper.mapped_, n_themes=2)
    terms = " ".join(themes["top_terms"]).split(", ")
    words = " ".join(terms).split()
    assert not any(w.isdigit() for w in words)
    assert not {"mail", "phone", "e"} & set(words)
    assert sorted(sorted(a) for a in themes["answers"]) == [[0, 1, 2], [3, 4, 5]]


def test_themes_of_one_concern_are_merged_whatever_their_wording():
    from survey_analysis.text.themes import merge_by_concern, theme_text

    themed = [theme_text(t) for t in ["more parking for visitors", "parcare pentru vizitatori",
                                      "parking near the county hospital", "locuri de parcare",
                                      "higher salaries", "salarii mai mari", "night reading"]]
    # the silhouette split parking in two (themes 0 and 2); theme 3 is half parking, half other
    labels = merge_by_concern([0, 0, 2, 2, 1, 1, 3], themed)
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 3]
    assert merge_by_concern([0, 1, 3, 3], [themed[0], themed[4], themed[2], themed[6]]).tolist() == [0, 1, 3, 3]
