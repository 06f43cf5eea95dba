"""The evidence table: one row per strategic direction, ready to cite.

This module owns the assembly of the score stage's results for a loaded
survey — the headline support with its interval (weighted to the membership
when the register is given, :mod:`.headline`), its sub-scores, the top-box
share, consensus, reliability, the order of the directions with the
certainty of each step (:mod:`.paired`), the ranking question's orders and
the member groups that differ (:mod:`.groups`) — plus the JSON-able records
behind the ``evidence`` command.  The tables behind the charts are in
:mod:`.score_tables`.

It works on any object following the loaded-survey contract:
``survey.responses`` (DataFrame indexed by respondent), ``survey.numeric(items)``
(Likert items coded 1..k, not reverse-keyed) and ``survey.codebook`` (with
``directions``, ``questions``, ``scales``, ``items_by_direction()`` and
``column_for_role(role)``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .arguments import bad_option, check_int, check_probability, check_random_state
from .consensus import direction_consensus
from .coverage import WEIGHT_CAP, read_register, response_rates
from .disclosure import DEFAULT_THRESHOLD
from .errors import AnalysisInputError
from .groups import compare_groups
from .inputs import ScoreInputs
from .headline import ASSUMPTION, member_means, register_weighting
from .paired import paired_differences
from .ranking import rank_first_probability, rank_summary
from .reliability import direction_reliability
from .scores import MIN_N, respondent_scores
from .survey.fit import ANALYSIS_NEEDS, check_fit

__all__ = [
    "SUPPORT_DEFINITION",
    "direction_evidence",
    "paired_comparisons",
    "group_differences",
    "evidence_records",
    "evidence_command",
]


#: What "support" is, said wherever it is shown.
SUPPORT_DEFINITION = (
    "Support is the mean over members of each member's mean answer to the direction's importance "
    "and agreement items on their 1-5 scales (negatively worded items reversed). The two scales "
    "do not mean the same at their middle ('moderately important' is not 'neutral'), so the "
    "importance and agreement sub-scores are shown beside it.")

_GROUPING_ROLES = ("member_category", "size", "region")


def _seeded(random_state: int | None, stream: int) -> np.random.Generator:
    """One generator per use, so that one figure never depends on another's draws."""
    return np.random.default_rng(None if random_state is None else [random_state, stream])


def _order_text(order: list[str], settled: dict[tuple[str, str], Any]) -> str:
    text = order[0]
    for a, b in zip(order, order[1:]):
        text += (" > " if settled.get((a, b)) is True else " ~ ") + b
    return text


def _ranked_text(positions: pd.Series) -> str:
    groups = positions.groupby(positions).groups
    return " > ".join(" = ".join(sorted(map(str, groups[p]))) for p in sorted(groups))


def _order_note(order: list[str], settled: dict, borda: pd.Series | None,
                schulze: pd.Series | None) -> str:
    if borda is None:
        return ""
    sentences = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            against = [name for name, pos in (("Borda", borda), ("Schulze", schulze))
                       if a in pos.index and b in pos.index and pos[b] < pos[a]]
            if against:
                step = settled.get((a, b))
                certainty = ("settled" if step is True else "not settled" if step is False
                             else "not a neighbouring step")
                sentences.append(f"support puts {a} above {b} ({certainty}), the ranking "
                                 f"question's {' and '.join(against)} order puts {b} above {a}")
    if not sentences:
        return ""
    return "The orders disagree: " + "; ".join(sentences) + "."


def direction_evidence(
    survey: Any,
    *,
    register: pd.DataFrame | str | Path | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    min_items: int | None = None,
    min_n: int = MIN_N,
    weight_cap: float = WEIGHT_CAP,
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
        Membership register (see :func:`survey_analysis.coverage.read_register`).
        With it the headline figures are weighted to the membership; without
        it they are plain and coverage is "unknown".
    threshold : int, default 5
        Disclosure threshold: member groups with fewer respondents are not
        compared.
    min_items : int, optional
        Minimum answered items for a direction score (default: half).
    min_n : int, default 10
        Fewest answers for an interval or a consensus; below it the table
        says "too few answers" (``too_few_answers``) instead of numbers.
    weight_cap : float, default 5
        Raking weights are trimmed at this multiple of the mean weight.
    n_boot : int, default 2000
        Bootstrap resamples (weighted intervals; ranking probability).
    confidence : float, default 0.95
    alpha : float, default 0.05
        Family-wise error rate of the group comparisons.
    random_state : int or None, default 0
        Seed; the same seed gives the same table.  Each figure draws from its
        own generator, so no figure depends on the order of the directions.
    language : {"en", "ro"}, default "en"
        Language of the direction names.
    allow_partial : bool, default False
        Run on an export that matches the codebook only in part (see
        :func:`survey_analysis.check_fit`): warn instead of refusing.

    Returns
    -------
    DataFrame
        One row per direction (index ``direction``, codebook order):

        - ``name``, ``n_items``, ``n`` (members with a score),
          ``n_too_few_items``, ``too_few_answers`` (``n`` below ``min_n``);
        - the headline ``support`` (see :data:`SUPPORT_DEFINITION`; weighted
          to the register when given), ``support_low``, ``support_high``,
          ``weighted``, ``support_plain`` (unweighted), ``n_effective``
          (Kish), ``response_rate``, ``population``, ``fpc``, ``coverage``;
        - sub-scores ``importance``, ``importance_low``, ``importance_high``,
          ``agreement``, ``agreement_low``, ``agreement_high``;
        - ``top_box_share``, ``top_box_low``, ``top_box_high``: mean over
          members of each member's share of answers in the two highest levels;
        - ``consensus``, ``polarised``, ``n_polarised_items``
          (:func:`survey_analysis.consensus.direction_consensus`: agreement
          between members, item by item);
        - ``alpha``, ``alpha_low``, ``alpha_high`` (Cronbach, Feldt);
        - ``position`` (headline order by support), ``step_to_next``,
          ``step_low``, ``step_high``, ``step_settled`` (the paired
          comparison with the next direction down,
          :func:`survey_analysis.paired.paired_differences`);
        - ``mean_rank``, ``borda_position``, ``schulze_position``,
          ``p_first``, ``n_ranked``, ``n_no_ranks`` (ranking question);
        - ``category_p_value``, ``category_p_holm``, ``categories_differ``,
          ``categories_compared`` (member categories; Holm over every
          direction x grouping, see :func:`group_differences`).

        ``attrs``: ``order_text`` (e.g. "SD1 > SD3 ~ SD2 > SD5 > SD4", ">"
        settled, "~" not), ``borda_order``, ``schulze_order``, ``order_note``
        ("" when the orders agree), ``paired`` (every pair,
        :func:`paired_comparisons`), ``support_definition``, ``assumption``,
        ``response_rate``, ``weight_cap``, ``weighting`` (statistic ->
        weighted or not), ``notes``, ``min_n``, ``correction``, the options,
        ``fit`` (how the export fits the codebook, see
        :meth:`survey_analysis.FitSummary.to_dict`) and, with a register,
        ``response_rates``.

    Raises
    ------
    PartialMatchError
        A direction's items or the ranking question are not in the export, or
        too many of their answers (or of the member category, size or region)
        could not be coded, and ``allow_partial`` is False.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    min_n = check_int("min_n", min_n, minimum=1)
    n_boot = check_int("n_boot", n_boot, minimum=1)
    confidence = check_probability("confidence", confidence)
    alpha = check_probability("alpha", alpha)
    if language not in ("en", "ro"):
        raise bad_option("language", "'en' or 'ro'", language)
    if random_state is not None:
        check_random_state(random_state)
    fit = check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
    parts = ScoreInputs(survey)
    if not parts.directions:
        raise AnalysisInputError("the codebook assigns no Likert item to any direction.",
                                 hint="Give the Likert questions a direction: in the codebook.")
    values, directions = parts.values, parts.directions
    codes = list(directions)
    common = {"directions": directions, "reverse": parts.reverse,
              "scale_points": parts.scale_points}
    scores = respondent_scores(values, **common, min_items=min_items)
    member, bounds = parts.member_figures(scores)

    rates, weighting, notes = None, None, []
    if register is not None:
        if not isinstance(register, pd.DataFrame):
            register = read_register(register)
        by = {col: role for role in ("member_category", "size")
              if (col := parts.role_column(role)) is not None and role in register.columns}
        if by:
            rates = response_rates(survey.responses, register, by=by, threshold=threshold)
            weighting = register_weighting(survey.responses, register, by, cap=weight_cap)
            notes += weighting.notes
    coverage = "known" if rates is not None else "unknown"
    means = member_means(member, bounds=bounds, weighting=weighting, confidence=confidence,
                         min_n=min_n, n_boot=n_boot, rng=_seeded(random_state, 1))
    consensus = direction_consensus(values, **common, min_n=min_n)
    reliability = direction_reliability(values, **common, confidence=confidence)

    order = sorted(codes, key=lambda c: (-np.nan_to_num(means.loc[c, "mean"], nan=-np.inf),
                                         codes.index(c)))
    paired = paired_differences(scores[codes], order=order, confidence=confidence, min_n=min_n,
                                weights=None if weighting is None else weighting.weights,
                                population=None if weighting is None else weighting.population)
    steps = paired[paired["family"] == "step"].set_index("direction_a")
    settled = {(r.direction_a, r.direction_b): (None if pd.isna(r.settled) else bool(r.settled))
               for r in paired.itertuples()}

    ranking = None
    if parts.ranking_columns:
        ranks = survey.responses[list(parts.ranking_columns)]
        summary = rank_summary(ranks, options=parts.ranking_columns)
        first = rank_first_probability(ranks, options=parts.ranking_columns, n_boot=n_boot,
                                       random_state=_seeded(random_state, 2)) \
            if summary["n"].iloc[0] > 0 else None
        ranking = (summary, first)

    groupings = parts.groupings(_GROUPING_ROLES)
    comparison = None
    if groupings:
        comparison = compare_groups(scores.join(survey.responses[list(groupings.values())]),
                                    directions=codes, groupings=list(groupings.values()),
                                    threshold=threshold, alpha=alpha)
    category = None
    if comparison is not None and "member_category" in groupings:
        category = comparison[comparison["grouping"] == groupings["member_category"]]
        category = category.set_index("direction")

    rows = []
    for code, items in directions.items():
        m = means.loc[code]
        row = {
            "direction": code, "name": parts.name(code, language), "n_items": len(items),
            "n": int(m["n"]), "n_too_few_items": int(scores[code].isna().sum()),
            "too_few_answers": bool(m["too_few_answers"]),
            "support": m["mean"], "support_low": m["low"], "support_high": m["high"],
            "weighted": bool(m["weighted"]),
            "support_plain": float(scores[code].mean()) if scores[code].notna().any() else np.nan,
            "n_effective": m["n_effective"],
            "response_rate": weighting.response_rate if weighting else np.nan,
            "population": weighting.population if weighting else pd.NA,
            "fpc": m["fpc"], "coverage": coverage,
        }
        for figure in ("importance", "agreement"):
            f = means.loc[f"{code}:{figure}"]
            row.update({figure: f["mean"], f"{figure}_low": f["low"], f"{figure}_high": f["high"]})
        t = means.loc[f"{code}:top_box"]
        row.update({"top_box_share": t["mean"], "top_box_low": t["low"], "top_box_high": t["high"],
                    "consensus": consensus.loc[code, "consensus"],
                    "polarised": consensus.loc[code, "polarised"],
                    "n_polarised_items": int(consensus.loc[code, "n_polarised_items"]),
                    "alpha": reliability.loc[code, "raw_alpha"],
                    "alpha_low": reliability.loc[code, "ci_low"],
                    "alpha_high": reliability.loc[code, "ci_high"],
                    "position": order.index(code) + 1,
                    "step_to_next": np.nan, "step_low": np.nan, "step_high": np.nan,
                    "step_settled": pd.NA,
                    "mean_rank": np.nan, "borda_position": pd.NA, "schulze_position": pd.NA,
                    "p_first": np.nan, "n_ranked": pd.NA, "n_no_ranks": pd.NA,
                    "category_p_value": np.nan, "category_p_holm": np.nan,
                    "categories_differ": "", "categories_compared": 0})
        if code in steps.index:
            st = steps.loc[code]
            row.update({"step_to_next": st["difference"], "step_low": st["low"],
                        "step_high": st["high"], "step_settled": st["settled"]})
        if ranking is not None and code in ranking[0].index:
            summary, first = ranking
            row.update({"mean_rank": summary.loc[code, "mean_rank"],
                        "borda_position": int(summary.loc[code, "borda_position"]),
                        "schulze_position": int(summary.loc[code, "schulze_position"]),
                        "n_ranked": int(summary.loc[code, "n"]),
                        "n_no_ranks": int(summary.loc[code, "n_no_ranks"])})
            if first is not None:
                row["p_first"] = first.loc[code, "p_first"]
        if category is not None:
            row.update({"category_p_value": category.loc[code, "p_value"],
                        "category_p_holm": category.loc[code, "p_holm"],
                        "categories_differ": category.loc[code, "significant_pairs"],
                        "categories_compared": int(category.loc[code, "n_groups"])})
        rows.append(row)
    out = pd.DataFrame(rows).set_index("direction")
    for col in ("population", "borda_position", "schulze_position", "n_ranked", "n_no_ranks"):
        out[col] = out[col].astype("Int64")
    for col in ("polarised", "step_settled"):
        out[col] = out[col].astype("boolean")
    borda = schulze = None
    if ranking is not None:
        borda = ranking[0]["borda_position"]
        schulze = ranking[0]["schulze_position"]
    weighted = weighting is not None
    out.attrs.update({
        "threshold": threshold, "n_boot": n_boot, "confidence": confidence, "alpha": alpha,
        "random_state": random_state, "coverage": coverage, "min_n": min_n,
        "n_respondents": int(len(survey.responses)),
        "order_text": _order_text(order, settled),
        "borda_order": "" if borda is None else _ranked_text(borda),
        "schulze_order": "" if schulze is None else _ranked_text(schulze),
        "order_note": _order_note(order, settled, borda, schulze),
        "paired": paired,
        "support_definition": SUPPORT_DEFINITION,
        "assumption": ASSUMPTION if weighted else "",
        "response_rate": weighting.response_rate if weighted else np.nan,
        "weight_cap": weight_cap,
        "weighting": {"support": weighted, "importance": weighted, "agreement": weighted,
                      "top_box_share": weighted, "paired": weighted, "consensus": False,
                      "alpha": False, "ranking": False, "groups": False},
        "notes": notes,
        "correction": "" if comparison is None else comparison.attrs["correction"],
        "fit": fit.to_dict(),
    })
    if weighted:
        out.attrs["kish_effective_n"] = weighting.kish_effective_n
    if rates is not None:
        out.attrs["response_rates"] = rates
    return out


def paired_comparisons(
    survey: Any,
    *,
    register: pd.DataFrame | str | Path | None = None,
    min_items: int | None = None,
    min_n: int = MIN_N,
    weight_cap: float = WEIGHT_CAP,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Every pair of directions compared through the members' own differences.

    The headline order is by support (weighted to the register when given);
    see :func:`survey_analysis.paired.paired_differences` for the columns
    and the method.  Every "above" in a report comes from a row with
    ``settled`` True.
    """
    min_n = check_int("min_n", min_n, minimum=1)
    confidence = check_probability("confidence", confidence)
    parts = ScoreInputs(survey)
    scores = respondent_scores(parts.values, directions=parts.directions, reverse=parts.reverse,
                               scale_points=parts.scale_points, min_items=min_items)
    codes = list(parts.directions)
    weighting = None
    if register is not None:
        if not isinstance(register, pd.DataFrame):
            register = read_register(register)
        by = {col: role for role in ("member_category", "size")
              if (col := parts.role_column(role)) is not None and role in register.columns}
        if by:
            weighting = register_weighting(survey.responses, register, by, cap=weight_cap)
    if weighting is None:
        support = scores[codes].mean()
    else:
        w = weighting.weights
        block = scores[codes].reindex(w.index)
        support = (block.mul(w, axis=0).sum() / block.notna().mul(w, axis=0).sum())
    order = sorted(codes, key=lambda c: (-np.nan_to_num(support[c], nan=-np.inf), codes.index(c)))
    return paired_differences(scores[codes], order=order, confidence=confidence, min_n=min_n,
                              weights=None if weighting is None else weighting.weights,
                              population=None if weighting is None else weighting.population)


def group_differences(
    survey: Any,
    *,
    roles: tuple[str, ...] = _GROUPING_ROLES,
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
        :func:`survey_analysis.groups.compare_groups`: Kruskal-Wallis ``H``,
        ``p_value``, ``p_holm`` (Holm over every direction x grouping of the
        table), ``differ``, ``significant_pairs`` (only after a significant
        omnibus test; Holm over those follow-ups), the groups left out by
        disclosure control.  ``attrs["correction"]`` names the method.
    """
    threshold = check_int("threshold", threshold, minimum=1)
    alpha = check_probability("alpha", alpha)
    if isinstance(roles, str) or not all(isinstance(r, str) for r in roles):
        raise bad_option("roles", "a tuple of codebook roles", roles)
    parts = ScoreInputs(survey)
    scores = respondent_scores(parts.values, directions=parts.directions, reverse=parts.reverse,
                               scale_points=parts.scale_points, min_items=min_items)
    groupings = parts.groupings(roles)
    frames = []
    correction = ""
    if groupings:
        table = compare_groups(scores.join(survey.responses[list(groupings.values())]),
                               directions=list(parts.directions),
                               groupings=list(groupings.values()), threshold=threshold,
                               alpha=alpha)
        correction = table.attrs["correction"]
        role_of = {column: role for role, column in groupings.items()}
        table.insert(0, "column", table["grouping"])
        table["grouping"] = table["column"].map(role_of)
        frames.append(table)
    for role in roles:
        if role not in groupings:
            frames.append(pd.DataFrame([{"grouping": role, "column": None, "direction": None,
                                         "note": "no question with this role in the data"}]))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["correction"] = correction
    return out


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
    (``{"file", "n_respondents", "coverage", "directions": [records]}``) or a
    plain-text table.  The JSON document also holds ``order``,
    ``order_note``, ``support_definition``, ``assumption``,
    ``response_rate``, ``weighting``, ``notes``, ``correction`` and
    ``paired`` (every pair of directions, see :func:`paired_comparisons`) and
    ``fit`` (how the export fits the codebook); the text is headed by what is
    missing when the export matches the codebook only in part.
    """
    from .survey import load_responses  # the earlier stage; imported when used

    survey = load_responses(path, codebook, sheet=sheet)
    table = direction_evidence(survey, register=register, random_state=random_state, allow_partial=allow_partial)
    attrs = table.attrs
    if as_json:
        paired = attrs["paired"]
        doc = {"file": str(path), "n_respondents": attrs["n_respondents"],
               "coverage": attrs["coverage"], "order": attrs["order_text"],
               "borda_order": attrs["borda_order"], "schulze_order": attrs["schulze_order"],
               "order_note": attrs["order_note"],
               "support_definition": attrs["support_definition"],
               "assumption": attrs["assumption"], "response_rate": _plain(attrs["response_rate"]),
               "weighting": attrs["weighting"], "notes": attrs["notes"],
               "correction": attrs["correction"], "fit": attrs["fit"], "directions": evidence_records(table),
               "paired": [{str(k): _plain(v) for k, v in row.items()}
                          for row in paired.to_dict(orient="records")]}
        return json.dumps(doc, ensure_ascii=False, indent=2)
    shown = table[["name", "n", "support", "support_low", "support_high", "weighted",
                   "top_box_share", "consensus", "alpha", "p_first", "categories_differ"]].copy()
    fit = attrs["fit"]
    head = "".join(f"MISSING: {line}\n" for line in fit["missing"] + fit["left_out"])
    text = head + (f"{path}: {attrs['n_respondents']} respondents, coverage {attrs['coverage']}\n"
            + shown.round(3).to_string() + f"\nOrder by support: {attrs['order_text']} "
            "('>' settled, '~' not)")
    if attrs["order_note"]:
        text += "\n" + attrs["order_note"]
    return text
