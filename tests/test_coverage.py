"""Tests of survey_analysis.coverage: register reading, response rates, raking."""

import numpy as np
import pandas as pd
import pytest

from survey_analysis.coverage import rake_weights, read_register, register_margins, response_rates
from survey_analysis.errors import (
    AnalysisInputError,
    FileProblemError,
    HeaderProblemError,
    SurveyError,
    WrongFormatError,
)


def test_raking_a_balanced_2x2_sample_gives_the_product_of_the_margins():
    data = pd.DataFrame({"sex": ["M", "M", "F", "F"], "age": ["young", "old", "young", "old"]})
    out = rake_weights(data, margins={"sex": {"M": 60, "F": 40},
                                      "age": {"young": 30, "old": 70}})
    # by hand: w(cell) = 4 * p(sex) * p(age), e.g. M-young 4 * 0.6 * 0.3 = 0.72
    np.testing.assert_allclose(out["weight"], [0.72, 1.68, 0.48, 1.12])
    np.testing.assert_allclose(out["population_weight"], [18, 42, 12, 28])
    assert out.attrs["converged"]
    assert out.attrs["kish_effective_n"] == pytest.approx(16 / (0.72**2 + 1.68**2 + 0.48**2
                                                                + 1.12**2))


def test_raking_an_unbalanced_sample_meets_both_margins():
    data = pd.DataFrame({"sex": ["M", "M", "M", "F", "F", "F", "F"],
                         "age": ["young", "young", "old", "young", "old", "old", "old"]})
    out = rake_weights(data, margins={"sex": pd.Series({"M": 0.5, "F": 0.5}),
                                      "age": pd.Series({"young": 0.5, "old": 0.5})})
    w = out["weight"]
    assert w.mean() == pytest.approx(1.0)
    for col, cat in [("sex", "M"), ("sex", "F"), ("age", "young"), ("age", "old")]:
        assert w[data[col] == cat].sum() / w.sum() == pytest.approx(0.5, abs=1e-9)
    # IPF gives multiplicative weights: no sex x age interaction in the cell weights
    cell = w.groupby([data["sex"], data["age"]]).first()
    assert cell["M", "young"] * cell["F", "old"] == pytest.approx(cell["M", "old"] *
                                                                  cell["F", "young"])


def test_raking_errors_name_column_and_value():
    data = pd.DataFrame({"sex": ["M", "F", None]})
    with pytest.raises(AnalysisInputError, match="no value") as err:
        rake_weights(data, margins={"sex": {"M": 1, "F": 1}})
    assert err.value.column == "sex"
    with pytest.raises(AnalysisInputError, match="has a target but no respondent") as err:
        rake_weights(pd.DataFrame({"sex": ["M", "M"]}), margins={"sex": {"M": 1, "F": 1}})
    assert err.value.value == "F"
    with pytest.raises(AnalysisInputError, match="no target"):
        rake_weights(pd.DataFrame({"sex": ["M", "X"]}), margins={"sex": {"M": 1}})
    with pytest.raises(AnalysisInputError, match="max_iter"):
        rake_weights(pd.DataFrame({"sex": ["M"]}), margins={"sex": {"M": 1}}, max_iter=0)


def test_raking_margins_that_cannot_both_be_met_raise():
    # every man is young and every woman old: sex and age margins must agree, and 60 % men
    # cannot be 30 % young
    data = pd.DataFrame({"sex": ["M", "M", "F", "F"], "age": ["young", "young", "old", "old"]})
    with pytest.raises(AnalysisInputError, match="did not meet the margins") as err:
        rake_weights(data, margins={"sex": {"M": 60, "F": 40}, "age": {"young": 30, "old": 70}})
    message = str(err.value)
    assert "'sex'" in message and "'age'" in message
    # after the last pass age matches; sex is off by 0.6 - 0.3 = 0.3 for both categories
    assert "0.3 away" in message and err.value.column == "sex"
    assert err.value.hint and "max_iter" in err.value.hint
    assert isinstance(err.value, SurveyError)
    # the same respondents with agreeing margins converge
    out = rake_weights(data, margins={"sex": {"M": 30, "F": 70}, "age": {"young": 30, "old": 70}})
    assert out.attrs["converged"]
    np.testing.assert_allclose(out["weight"], [0.6, 0.6, 1.4, 1.4])


def test_raking_stopped_too_early_raises_and_names_max_iter():
    data = pd.DataFrame({"sex": ["M", "M", "M", "F", "F", "F", "F"],
                         "age": ["young", "young", "old", "young", "old", "old", "old"]})
    margins = {"sex": {"M": 0.5, "F": 0.5}, "age": {"young": 0.5, "old": 0.5}}
    with pytest.raises(AnalysisInputError, match="after 1 pass: "):
        rake_weights(data, margins=margins, max_iter=1)


@pytest.fixture
def register_rows():
    return pd.DataFrame({"Organisation": [f"org{i}" for i in range(20)],
                         "Category": ["University"] * 8 + ["Medtech"] * 10 + ["Other"] * 2,
                         "Size": ["250+"] * 10 + ["1-9"] * 10})


def test_read_register_csv_with_bom_and_xlsx(tmp_path, register_rows):
    csv = tmp_path / "members.csv"
    csv.write_text(register_rows.to_csv(index=False), encoding="utf-8-sig")
    xlsx = tmp_path / "members.xlsx"
    register_rows.to_excel(xlsx, index=False)
    cols = {"member_category": "Category", "size": "Size"}
    for path in (csv, xlsx):
        reg = read_register(path, columns=cols)
        assert list(reg.columns) == ["member_category", "size"] and len(reg) == 20
        assert register_margins(reg, columns=["member_category"])["member_category"][
            "Medtech"] == 10


def test_read_register_errors(tmp_path, register_rows):
    with pytest.raises(FileProblemError) as err:
        read_register(tmp_path / "missing.csv")
    assert "missing.csv" in str(err.value)
    with pytest.raises(FileProblemError):
        read_register(tmp_path)
    (tmp_path / "members.ods").write_bytes(b"xx")
    with pytest.raises(WrongFormatError, match=".ods"):
        read_register(tmp_path / "members.ods")
    csv = tmp_path / "members.csv"
    csv.write_text(register_rows.to_csv(index=False), encoding="utf-8")
    with pytest.raises(HeaderProblemError) as err:
        read_register(csv)  # default headers member_category / size are absent
    assert err.value.column == "member_category"
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SurveyError):
        read_register(tmp_path / "empty.csv")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(WrongFormatError):
        read_register(fake, columns={"member_category": "Category"})


def test_response_rates_with_and_without_register(register_rows):
    responses = pd.DataFrame({"A3": ["University"] * 6 + ["Medtech"] * 5 + [None]})
    register = pd.DataFrame({"member_category": register_rows["Category"]})
    known = response_rates(responses, register, by={"A3": "member_category"})
    uni = known[known["group"] == "University"].iloc[0]
    assert uni["respondents"] == 6 and uni["members"] == 8
    assert uni["response_rate"] == pytest.approx(6 / 8)
    other = known[known["group"] == "Other"].iloc[0]
    assert other["members"] == 2 and other["respondents"] == 0
    assert (known["coverage"] == "known").all() and known.attrs["coverage"] == "known"
    noans = known[known["group"] == "(no answer)"].iloc[0]
    assert noans["suppressed"]  # 1 respondent: below the threshold
    unknown = response_rates(responses, by={"A3": "member_category"})
    assert unknown.attrs["coverage"] == "unknown" and (unknown["coverage"] == "unknown").all()
    assert unknown["members"].isna().all() and unknown["response_rate"].isna().all()
    with pytest.raises(AnalysisInputError, match="does not appear in the register") as err:
        response_rates(pd.DataFrame({"A3": ["NGO"] * 6}), register, by={"A3": "member_category"})
    assert err.value.value == "NGO"


def test_weights_trimmed_at_the_cap_by_hand():
    # one margin: 1 respondent of 10 in A, whose target share is one half. Untrimmed, A's weight
    # is 0.5 * 10 / 1 = 5 and each B's 0.5 * 10 / 9. With the cap at 3 (times the mean), by hand:
    # A stays at 3 and the nine B share the rest, (10 - 3) / 9 each; A's share is then 0.3, so
    # the margin misses its target by 0.2 -- and says so.
    data = pd.DataFrame({"g": ["A"] + ["B"] * 9})
    free = rake_weights(data, margins={"g": {"A": 1, "B": 1}})
    assert free["weight"].iloc[0] == pytest.approx(5.0)
    trimmed = rake_weights(data, margins={"g": {"A": 1, "B": 1}}, cap=3.0)
    assert trimmed["weight"].iloc[0] == pytest.approx(3.0)
    assert trimmed["weight"].iloc[1:].to_numpy() == pytest.approx(np.full(9, 7 / 9))
    assert trimmed.attrs["max_error"] == pytest.approx(0.2)
    assert trimmed.attrs["n_trimmed"] == 1 and not trimmed.attrs["converged"]
    # Kish's effective n by hand: (sum w)^2 / sum w^2 = 100 / (9 + 9 * 49 / 81)
    assert trimmed.attrs["kish_effective_n"] == pytest.approx(100 / (9 + 49 / 9))
