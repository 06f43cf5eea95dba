"""The evidence table: one row per strategic direction, ready to cite.

This module owns the assembly of the score stage's results for a loaded
survey — support with its interval, top-two-box share, consensus,
reliability, the probability of ranking first and the member categories that
differ — plus the JSON-able records behind the ``evidence`` command and the
tables behind the direction-support and stacked-Likert charts.

It works on any object following the loaded-survey contract:
``survey.responses`` (DataFrame indexed by respondent), ``survey.numeric(items)``
(Likert items coded 1..k, not reverse-keyed) and ``survey.codebook`` (with
``directions``, ``questions``, ``scales``, ``items_by_direction()`` and
``column_for_role(role)``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .arguments import bad_option, check_int, check_probability, check_random_state
from .consensus import direction_consensus
from .coverage import rake_weights, read_register, register_margins, response_rates
from .disclosure import DEFAULT_THRESHOLD
from .errors import AnalysisInputError
from .groups import compare_directions_by_group
from .ranking import rank_first_probability, rank_summary
from .reliability import direction_reliability
from .scores import direction_scores, respondent_scores
from .summary import likert_counts
from .survey.fit import ANALYSIS_NEEDS, check_fit

__all__ = [
    "direction_evidence",
    "group_differences",
    "evidence_records",
    "evidence_command",
    "direction_support_table",
    "item_likert_table",
]


class _Parts:
    """What the score stage needs from a loaded survey."""

    def __init__(self, survey: Any) -> None:
        for attr in ("responses", "numeric", "codebook"):
            if not hasattr(survey, attr):
                raise AnalysisInputError(
                    f"the survey object has no {attr!r}.",
                    value=type(survey).__name__,
                    hint="Pass the result of survey_analysis.load_responses().",
                )
        self.survey = survey
        cb = survey.codebook
        self.codebook = cb
        # Only the items the export holds: a codebook item missing from this year's form is skipped.
        present = set(survey.responses.columns)
        self.directions = {code: [i for i in items if i in present]
                           for code, items in cb.items_by_direction().items()}
        self.directions = {code: items for code, items in self.directions.items() if items}
        self.items = list(dict.fromkeys(i for its in self.directions.values() for i in its))
        self.values = survey.numeric(self.items)
        self.reverse = [i for i in self.items if getattr(cb.questions[i], "reverse", False)]
        self.scale_points = {i: len(cb.scales[cb.questions[i].scale]) for i in self.items}
        self.ranking_columns: dict[str, str] = {}
        for q in cb.questions.values():
            if q.type == "ranking":
                for opt in q.options:
                    col = f"{q.id}[{opt.id}]"
                    if col in survey.responses.columns:
                        self.ranking_columns[col] = str(opt.id)
                break

    def name(self, code: str, language: str = "en") -> str:
        direction = self.codebook.directions.get(code)
        if direction is None:
            return code
        name = direction.name
        return str(name.get(language, name.get("en", code))) if isinstance(name, dict) \
            else str(name)

    def role_column(self, role: str) -> str | None:
        try:
            column = self.codebook.column_for_role(role)
        except (KeyError, LookupError, ValueError):
            return None
        return column if column in self.survey.responses.columns else None


def _pooled_top_box(values: pd.DataFrame, items: list[Hashable], points: dict, top_box: int
                    ) -> tuple[float, int]:
    top = answered = 0
    for item in items:
        x = values[item].dropna()
        top += int((x > points[item] - top_box).sum())
        answered += int(x.size)
    return (top / answered if answered else np.nan), answered


def direction_evidence(
    survey: Any,
    *,
    register: pd.DataFrame | str | Path | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    min_items: int | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    alpha: float = 0.05,
    random_state: int | None = 0,
    language: str = "en",
    allow_partial: bool = False,
) -> pd.DataFrame:
    """One row of evidence per strategic direction.

    Parameters
    ----------
    survey : loaded survey
        See the module docstring for the contract.
    register : DataFrame or path, optional
        Membership register (see :func:`survey_analysis.coverage.read_register`);
        without it ``coverage`` is "unknown".
    threshold : int, default 5
        Disclosure threshold: member categories with fewer respondents are not
        compared.
    min_items : int, optional
        Minimum answered items for a direction score (default: half).
    n_boot : int, default 2000
        Bootstrap resamples for the support interval and ranking probability.
    confidence : float, default 0.95
    alpha : float, default 0.05
        Significance level of the Holm-corrected category comparisons.
    random_state : int or None, default 0
        Seed; the same seed gives the same table.
    language : {"en", "ro"}, default "en"
        Language of the direction names.
    allow_partial : bool, default False
        Run on an export that matches the codebook only in part (see
        :func:`survey_analysis.check_fit`): warn instead of refusing.

    Returns
    -------
    DataFrame
        One row per direction (index ``direction``) with

        - ``name``; ``n_items``; ``n`` (respondents with a score) and
          ``n_too_few_items``;
        - ``support`` (mean direction score, 1..k after reverse keying),
          ``support_low``, ``support_high`` (percentile bootstrap interval);
        - ``top_box_share``: share of the direction's item answers in the two
          highest levels (after reverse keying) and ``n_answers``;
        - ``consensus`` (Tastle-Wierman, pooled answers) and ``polarised``;
        - ``alpha`` (raw Cronbach's alpha), ``alpha_low``, ``alpha_high``
          (Feldt);
        - ``p_first`` (bootstrap probability of the top Borda score in the
          ranking question), ``mean_rank``, ``schulze_position``, ``n_ranked``,
          ``n_no_ranks`` (NaN / <NA> when the survey has no ranking question);
        - ``category_p_value`` (Kruskal-Wallis across member categories),
          ``categories_differ`` (pairs of member categories that differ after
          Holm's correction, higher first; "" when none) and
          ``categories_compared``;
        - ``coverage``: "known" with a register, else "unknown".
        - ``support_weighted``, ``n_effective``: with a register, support
          weighted to the membership by raking on member category and size
          (:func:`survey_analysis.coverage.rake_weights`), and Kish's
          effective number of respondents under those weights; else NaN.

        ``attrs`` hold the options, the coverage table (``"response_rates"``)
        and how the export fits the codebook (``"fit"``, see
        :meth:`survey_analysis.FitSummary.to_dict`).

    Raises
    ------
    PartialMatchError
        A direction's items or the ranking question are not in the export, or
        too many of their answers (or of the member category's) could not be
        coded, and ``allow_partial`` is False.

    Notes
    -----
    Each component is computed by its own module: :mod:`.scores`,
    :mod:`.consensus`, :mod:`.reliability`, :mod:`.ranking`, :mod:`.groups`,
    :mod:`.coverage`; see those for formulas and references.  The random
    generator seeded with ``random_state`` feeds the support intervals first,
    then the ranking bootstrap.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    n_boot = check_int("n_boot", n_boot, minimum=1)
    confidence = check_probability("confidence", confidence)
    alpha = check_probability("alpha", alpha)
    if language not in ("en", "ro"):
        raise bad_option("language", "'en' or 'ro'", language)
    rng = check_random_state(random_state)
    fit = check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
    parts = _Parts(survey)
    if not parts.directions:
        raise AnalysisInputError("the codebook assigns no Likert item to any direction.",
                                 hint="Give the Likert questions a direction: in the codebook.")
    values, directions = parts.values, parts.directions
    common = {"directions": directions, "reverse": parts.reverse,
              "scale_points": parts.scale_points}
    support = direction_scores(values, **common, min_items=min_items, n_boot=n_boot,
                               confidence=confidence, random_state=rng)
    consensus = direction_consensus(values, **common)
    reliability = direction_reliability(values, **common, confidence=confidence)
    keyed = values.copy()
    for item in parts.reverse:
        keyed[item] = parts.scale_points[item] + 1 - keyed[item]

    ranking = None
    if parts.ranking_columns:
        ranks = survey.responses[list(parts.ranking_columns)]
        summary = rank_summary(ranks, options=parts.ranking_columns)
        first = rank_first_probability(ranks, options=parts.ranking_columns, n_boot=n_boot,
                                       random_state=rng) if summary["n"].iloc[0] > 0 else None
        ranking = (summary, first)

    category_col = parts.role_column("member_category")
    comparison = None
    if category_col is not None:
        scores = respondent_scores(values, **common, min_items=min_items)
        scores[category_col] = survey.responses[category_col]
        comparison = compare_directions_by_group(scores, directions=list(directions),
                                                 group=category_col, threshold=threshold,
                                                 alpha=alpha)

    rates = None
    if register is not None:
        if not isinstance(register, pd.DataFrame):
            register = read_register(register)
        by = {col: role for role in ("member_category", "size")
              if (col := parts.role_column(role)) is not None and role in register.columns}
        if by:
            rates = response_rates(survey.responses, register, by=by, threshold=threshold)
    coverage = "known" if rates is not None else "unknown"

    # With a register, support is also weighted to the membership (raking on category and size),
    # so that groups that answered less count as much as they weigh among the members.
    weighted = None
    if rates is not None:
        raking = survey.responses[list(by)].astype(object).astype("string")
        complete = raking.notna().all(axis=1)
        margins = register_margins(register, columns=list(by.values()))
        weights = rake_weights(raking[complete], margins={col: margins[role] for col, role in by.items()})
        scores = respondent_scores(values, **common, min_items=min_items).loc[complete[complete].index]
        weighted = {}
        for code in directions:
            answered = scores[code].notna()
            w = weights.loc[answered[answered].index, "weight"]
            weighted[code] = (float((scores.loc[w.index, code] * w).sum() / w.sum()) if len(w) else np.nan,
                              float(w.sum() ** 2 / (w ** 2).sum()) if len(w) else np.nan)

    rows = []
    for code, items in directions.items():
        top, n_answers = _pooled_top_box(keyed, items, parts.scale_points, 2)
        row = {
            "direction": code, "name": parts.name(code, language), "n_items": len(items),
            "n": int(support.loc[code, "n"]),
            "n_too_few_items": int(support.loc[code, "n_too_few_items"]),
            "support": support.loc[code, "mean"], "support_low": support.loc[code, "ci_low"],
            "support_high": support.loc[code, "ci_high"],
            "top_box_share": top, "n_answers": n_answers,
            "consensus": consensus.loc[code, "consensus"],
            "polarised": bool(consensus.loc[code, "polarised"]),
            "alpha": reliability.loc[code, "raw_alpha"],
            "alpha_low": reliability.loc[code, "ci_low"],
            "alpha_high": reliability.loc[code, "ci_high"],
            "support_weighted": weighted[code][0] if weighted else np.nan,
            "n_effective": weighted[code][1] if weighted else np.nan,
            "p_first": np.nan, "mean_rank": np.nan, "schulze_position": pd.NA,
            "n_ranked": pd.NA, "n_no_ranks": pd.NA,
            "category_p_value": np.nan, "categories_differ": "", "categories_compared": 0,
            "coverage": coverage,
        }
        if ranking is not None and code in ranking[0].index:
            summary, first = ranking
            row.update({"mean_rank": summary.loc[code, "mean_rank"],
                        "schulze_position": int(summary.loc[code, "schulze_position"]),
                        "n_ranked": int(summary.loc[code, "n"]),
                        "n_no_ranks": int(summary.loc[code, "n_no_ranks"])})
            if first is not None:
                row["p_first"] = first.loc[code, "p_first"]
        if comparison is not None:
            row.update({"category_p_value": comparison.loc[code, "p_value"],
                        "categories_differ": comparison.loc[code, "significant_pairs"],
                        "categories_compared": int(comparison.loc[code, "n_groups"])})
        rows.append(row)
    out = pd.DataFrame(rows).set_index("direction")
    for col in ("schulze_position", "n_ranked", "n_no_ranks"):
        out[col] = out[col].astype("Int64")
    out.attrs.update({"threshold": threshold, "n_boot": n_boot, "confidence": confidence,
                      "alpha": alpha, "random_state": random_state, "coverage": coverage,
                      "n_respondents": int(len(survey.responses)), "fit": fit.to_dict()})
    if rates is not None:
        out.attrs["response_rates"] = rates
    return out


def group_differences(
    survey: Any,
    *,
    roles: tuple[str, ...] = ("member_category", "size", "region"),
    threshold: int = DEFAULT_THRESHOLD,
    min_items: int | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Direction scores compared across member category, size and region.

    Parameters
    ----------
    survey : loaded survey
    roles : tuple of str
        Codebook roles of the grouping questions; a role the codebook or the
        data lacks is listed with a ``note`` instead of results.
    threshold, min_items, alpha
        As in :func:`direction_evidence`.

    Returns
    -------
    DataFrame
        One row per grouping and direction: ``grouping`` (the role),
        ``column``, ``direction`` and the columns of
        :func:`survey_analysis.groups.compare_directions_by_group`
        (Kruskal-Wallis ``H``, ``p_value``, ``epsilon_squared``, the
        Holm-significant pairs, groups left out below the threshold).
    """
    threshold = check_int("threshold", threshold, minimum=1)
    alpha = check_probability("alpha", alpha)
    if isinstance(roles, str) or not all(isinstance(r, str) for r in roles):
        raise bad_option("roles", "a tuple of codebook roles", roles)
    parts = _Parts(survey)
    scores = respondent_scores(parts.values, directions=parts.directions, reverse=parts.reverse,
                               scale_points=parts.scale_points, min_items=min_items)
    frames = []
    for role in roles:
        column = parts.role_column(role)
        if column is None:
            frames.append(pd.DataFrame([{"grouping": role, "column": None, "direction": None,
                                         "note": "no question with this role in the data"}]))
            continue
        table = compare_directions_by_group(scores.assign(**{column: survey.responses[column]}),
                                            directions=list(parts.directions), group=column,
                                            threshold=threshold, alpha=alpha)
        table = table.reset_index()
        table.insert(0, "column", column)
        table.insert(0, "grouping", role)
        frames.append(table.drop(columns=["group_by"]))
    return pd.concat(frames, ignore_index=True)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def evidence_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The evidence table as a list of plain dicts (JSON-serialisable).

    Missing values become ``None``; numpy scalars become Python numbers.
    """
    if not isinstance(table, pd.DataFrame):
        raise bad_option("table", "the DataFrame returned by direction_evidence",
                         type(table).__name__)
    records = []
    for code, row in table.iterrows():
        records.append({"direction": str(code), **{str(k): _plain(v) for k, v in row.items()}})
    return records


def evidence_command(
    path: str | Path,
    *,
    codebook: str | Path | None = None,
    as_json: bool = False,
    sheet: str | None = None,
    register: str | Path | None = None,
    random_state: int | None = 0,
    allow_partial: bool = False,
) -> str:
    """Text printed by ``survey-analysis evidence FILE [--codebook CB] [--json] [--allow-partial]``.

    Loads the export with :func:`survey_analysis.load_responses`, builds
    :func:`direction_evidence` and returns either a JSON document
    (``{"file", "n_respondents", "coverage", "fit", "directions": [records]}``) or a
    plain-text table, headed by what is missing when the export matches the
    codebook only in part.
    """
    from .survey import load_responses  # the earlier stage; imported when used

    survey = load_responses(path, codebook, sheet=sheet)
    table = direction_evidence(survey, register=register, random_state=random_state, allow_partial=allow_partial)
    fit = table.attrs["fit"]
    if as_json:
        doc = {"file": str(path), "n_respondents": table.attrs["n_respondents"],
               "coverage": table.attrs["coverage"], "fit": fit, "directions": evidence_records(table)}
        return json.dumps(doc, ensure_ascii=False, indent=2)
    shown = table[["name", "n", "support", "support_low", "support_high", "top_box_share",
                   "consensus", "alpha", "p_first", "categories_differ"]].copy()
    head = ""
    if fit["partial"] or fit["left_out"]:
        head = "".join(f"MISSING: {line}\n" for line in fit["missing"] + fit["left_out"])
    return (head + f"{path}: {table.attrs['n_respondents']} respondents, coverage "
            f"{table.attrs['coverage']}\n" + shown.round(3).to_string())


def direction_support_table(
    survey: Any,
    *,
    min_items: int | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = 0,
    language: str = "en",
    allow_partial: bool = False,
) -> pd.DataFrame:
    """Table behind the direction-support chart: mean score with its interval.

    Refuses an export that matches the codebook only in part unless
    ``allow_partial`` (see :func:`direction_evidence`); ``attrs["fit"]`` says
    how it fits.

    Returns
    -------
    DataFrame
        One row per direction in codebook order: ``direction``, ``name``,
        ``n``, ``mean``, ``ci_low``, ``ci_high``, ``scale_min`` (1) and
        ``scale_max`` (k), ready for a point-and-interval plot.
    """
    if language not in ("en", "ro"):
        raise bad_option("language", "'en' or 'ro'", language)
    fit = check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
    parts = _Parts(survey)
    scores = direction_scores(parts.values, directions=parts.directions,
                              reverse=parts.reverse, scale_points=parts.scale_points,
                              min_items=min_items, n_boot=n_boot, confidence=confidence,
                              random_state=random_state)
    out = scores.reset_index()[["direction", "n", "mean", "ci_low", "ci_high"]]
    out.insert(1, "name", [parts.name(c, language) for c in out["direction"]])
    out["scale_min"] = 1
    out["scale_max"] = [max(parts.scale_points[i] for i in parts.directions[c])
                        for c in out["direction"]]
    out.attrs["fit"] = fit.to_dict()
    return out


def item_likert_table(survey: Any, *, language: str = "en") -> pd.DataFrame:
    """Table behind the stacked Likert chart: answer counts per item and level.

    Returns
    -------
    DataFrame
        The columns of :func:`survey_analysis.summary.likert_counts`
        (``item``, ``level``, ``label``, ``count``, ``percent``, ``n``) plus
        ``direction``, ``item_text``, ``reversed`` and ``scale`` (the
        codebook's scale name, so items on different scales can be drawn
        apart) — raw answers, not reverse-keyed, so the labels read as the
        respondents saw them.
    """
    if language not in ("en", "ro"):
        raise bad_option("language", "'en' or 'ro'", language)
    parts = _Parts(survey)
    cb = parts.codebook
    labels = {i: [getattr(level, language) for level in cb.scales[cb.questions[i].scale]]
              for i in parts.items}
    table = likert_counts(parts.values, items=parts.items, scale_points=parts.scale_points,
                          labels=labels)
    direction_of = {i: code for code, items in parts.directions.items() for i in items}
    table["direction"] = table["item"].map(direction_of)
    table["item_text"] = [cb.questions[i].text.get(language, "") for i in table["item"]]
    table["reversed"] = table["item"].isin(parts.reverse)
    table["scale"] = [cb.questions[i].scale for i in table["item"]]
    return table
