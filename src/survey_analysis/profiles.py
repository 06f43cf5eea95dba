"""Priority profiles: one number per member and strategic direction.

This module owns the step from a member's answers to a *priority profile*, a
row of five numbers (SD1-SD5) saying how much that member wants each direction.
The profile combines the three kinds of evidence the questionnaire collects:

* importance items (section B, ``importance5`` scale),
* agreement statements (section C, ``agreement5`` scale; negatively worded ones
  reverse-keyed as ``k + 1 - x``),
* the ranking of the five directions (section D, rank 1 = highest).

Each kind is rescaled to 0-1 so they can be averaged, then combined per
direction with documented weights, and (by default) centred per respondent so
that the profile is about *relative* priority: a member who rates everything
"extremely important" and one who rates everything "moderately important" but
with the same order get the same centred profile.  Segmentation
(:mod:`survey_analysis.segment`) clusters these profiles.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from .errors import AnalysisInputError
from .survey.fit import ANALYSIS_NEEDS, check_fit
from .ranking import clean_rankings

__all__ = [
    "DEFAULT_WEIGHTS",
    "profiles_from_items",
    "priority_profiles",
]

#: Weight of each kind of evidence in the profile.  Equal weights: the three
#: importance items of a direction count as much together as its one agreement
#: statement and as its rank.  Keys are component names; ``"ranking"`` is the
#: ranking question, the others are the names given in ``components``.
DEFAULT_WEIGHTS: dict[str, float] = {"importance": 1.0, "agreement": 1.0, "ranking": 1.0}

_COMPONENT_OF_SCALE = {"importance5": "importance", "agreement5": "agreement"}


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    clean: dict[str, float] = {}
    for name, value in weights.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise AnalysisInputError(
                f"weight of component '{name}' must be a non-negative number, got {value!r}",
                value=value,
                hint="give weights such as {'importance': 1, 'agreement': 1, 'ranking': 1}.",
            )
        clean[str(name)] = number
    if not any(v > 0 for v in clean.values()):
        raise AnalysisInputError(
            "at least one component weight must be positive",
            value=dict(weights),
            hint="give at least one of the components a weight above 0.",
        )
    return clean


def profiles_from_items(
    items: pd.DataFrame,
    *,
    directions: Mapping[str, str],
    reverse: set[str] | frozenset[str] | tuple = (),
    ranks: pd.DataFrame | None = None,
    components: Mapping[str, str] | None = None,
    scale_points: int | Mapping[str, int] = 5,
    weights: Mapping[str, float] | None = None,
    centre: bool = True,
) -> pd.DataFrame:
    """Priority profiles from plain frames (no codebook needed).

    Parameters
    ----------
    items : DataFrame
        One row per respondent, one column per item, values coded 1..k (NaN when
        unanswered), *not* reverse-keyed.
    directions : mapping
        Item -> direction code (e.g. ``{"B1": "SD1", ...}``).  Every column of
        ``items`` used must be listed; items not listed are ignored.
    reverse : set of str
        Items that are negatively worded; they are scored ``k + 1 - x``.
    ranks : DataFrame, optional
        One row per respondent (same index as ``items``), one column per
        direction code holding the rank given (1 = highest priority), read
        by the rules of :func:`survey_analysis.ranking.clean_rankings`: ties
        share the average rank, gaps are closed up, unranked directions tie
        below the ranked ones, and a respondent who ranked nothing gives no
        ranking evidence.  ``None`` means no ranking evidence.
    components : mapping, optional
        Item -> component name (e.g. ``"importance"`` / ``"agreement"``).  Items
        not listed belong to the component ``"items"``.  Default: all items in
        ``"items"``.
    scale_points : int or mapping
        ``k``, the number of scale points, for all items or per item.
    weights : mapping, optional
        Component name -> weight (``"ranking"`` for the ranks).  A component
        without a weight gets 1.  Default :data:`DEFAULT_WEIGHTS`.
    centre : bool, default True
        Subtract each respondent's mean over the directions, so the profile
        shows relative priority.

    Returns
    -------
    DataFrame
        Index as ``items``; one float column per direction (in the order the
        directions first appear in ``directions``, or ``ranks``' columns).
        Uncentred values lie in 0-1; centred values in -1..1.  A cell is NaN
        only when the respondent gave no evidence at all for that direction;
        with ``centre=True`` the whole row is then NaN (a centre over fewer
        directions would not be comparable).

    Raises
    ------
    AnalysisInputError
        An item value lies outside 1..k, a weight is negative, or the frames
        do not share their index (a rank that is not a whole number >= 1
        raises :class:`~survey_analysis.errors.RankingError`).

    Notes
    -----
    For item :math:`i` with :math:`k` points and answer :math:`x`, the rescaled
    score is :math:`s = (x' - 1) / (k - 1)` where :math:`x' = k + 1 - x` for
    reverse-keyed items and :math:`x' = x` otherwise.  For a clean rank
    :math:`r` out of :math:`m` directions, :math:`s = (m - r) / (m - 1)` (rank
    1 -> 1, rank m -> 0): two directions tied first (clean rank 1.5 of 5)
    get 0.875 each, ranks 1, 3, 4, 5 are read as 1, 2, 3, 4, and a direction
    left unranked by a member who ranked only one gets the average of places
    2-5 (3.5, i.e. 0.375).  For respondent :math:`j` and direction :math:`d`, each component
    :math:`c` gives the mean :math:`\\bar s_{jdc}` of its answered items, and

    .. math:: p_{jd} = \\frac{\\sum_c w_c \\bar s_{jdc}}{\\sum_c w_c [\\bar s_{jdc}\\ \\text{present}]}

    i.e. a missing component is left out and the remaining weights are
    renormalised.  Centring: :math:`p^c_{jd} = p_{jd} - \\frac{1}{D}\\sum_{d'} p_{jd'}`.

    References
    ----------
    .. [1] Fischer, R. (2004). Standardization to account for cross-cultural
       response bias: a classification of score adjustment procedures and
       review of research in JCCP. *Journal of Cross-Cultural Psychology*,
       35(3), 263-282 (within-subject centring, "ipsatisation").
    """
    if not isinstance(items, pd.DataFrame):
        raise AnalysisInputError(
            f"items must be a DataFrame, got {type(items).__name__}",
            hint="pass survey.numeric() or a frame of item scores.",
        )
    weights = _check_weights(DEFAULT_WEIGHTS if weights is None else weights)
    components = dict(components or {})
    used = [c for c in items.columns if c in directions]
    order: list[str] = []
    for item in used:
        if directions[item] not in order:
            order.append(directions[item])
    if ranks is not None:
        if not isinstance(ranks, pd.DataFrame):
            raise AnalysisInputError(
                f"ranks must be a DataFrame, got {type(ranks).__name__}",
                hint="pass one column of ranks per direction.",
            )
        if not ranks.index.equals(items.index):
            raise AnalysisInputError(
                "items and ranks do not have the same respondents (index)",
                hint="take both from the same survey, in the same order.",
            )
        for code in ranks.columns:
            if code not in order:
                order.append(str(code))
    if not order:
        raise AnalysisInputError(
            "no item is mapped to a direction and no ranking was given",
            value=list(items.columns)[:10],
            hint="give 'directions' as a mapping item -> direction code for the item columns.",
        )

    # sums[component][direction] and counts, as per-respondent Series
    parts: dict[str, dict[str, tuple[pd.Series, pd.Series]]] = {}
    for item in used:
        k = scale_points[item] if isinstance(scale_points, Mapping) else scale_points
        k = int(k)
        values = pd.to_numeric(items[item], errors="coerce").astype(float)
        bad = values.notna() & ((values < 1) | (values > k) | (values != np.round(values)))
        if bad.any():
            first = values[bad].index[0]
            raise AnalysisInputError(
                f"item {item} has a value outside its scale 1..{k}",
                column=str(item),
                value=values[first],
                hint=f"code the item 1..{k} (respondent {first!r}).",
            )
        if item in reverse:
            values = k + 1 - values
        score = (values - 1.0) / (k - 1.0)
        comp = components.get(item, "items")
        direction = directions[item]
        bucket = parts.setdefault(comp, {})
        total, count = bucket.get(direction, (0.0 * score.fillna(0), 0.0 * score.fillna(0)))
        bucket[direction] = (total + score.fillna(0.0), count + score.notna().astype(float))

    numerator = pd.DataFrame(0.0, index=items.index, columns=order)
    denominator = pd.DataFrame(0.0, index=items.index, columns=order)
    for comp, by_direction in parts.items():
        w = weights.get(comp, 1.0)
        for direction, (total, count) in by_direction.items():
            present = count > 0
            mean = (total / count.where(present)).fillna(0.0)
            numerator[direction] = numerator[direction] + w * mean
            denominator[direction] = denominator[direction] + w * present.astype(float)

    if ranks is not None:
        m = ranks.shape[1]
        # the ranking module's rules: ties share the average rank, gaps are closed up, unranked
        # options tie below the ranked ones, a respondent who ranked nothing gives no evidence
        clean = clean_rankings(ranks, options={c: str(c) for c in ranks.columns})
        clean = clean[[str(c) for c in ranks.columns]]
        w = weights.get("ranking", 1.0)
        rank_score = (m - clean) / (m - 1.0)
        for code in rank_score.columns:
            present = rank_score[code].notna()
            numerator[code] = numerator[code] + w * rank_score[code].fillna(0.0)
            denominator[code] = denominator[code] + w * present.astype(float)

    profile = numerator / denominator.where(denominator > 0)
    if centre:
        complete = profile.notna().all(axis=1)
        centred = profile.sub(profile.mean(axis=1), axis=0)
        profile = centred.where(complete, np.nan)
    profile = profile.astype(float)
    profile.columns.name = "direction"
    return profile


def _ranks_from_responses(responses: pd.DataFrame, question: Any) -> pd.DataFrame | None:
    if question is None:
        return None
    columns = {}
    for option in question.options:
        name = f"{question.id}[{option.id}]"
        if name in responses.columns:
            columns[option.id] = responses[name]
    if not columns:
        return None
    return pd.DataFrame(columns, index=responses.index)


def priority_profiles(
    survey: Any,
    *,
    weights: Mapping[str, float] | None = None,
    centre: bool = True,
    allow_partial: bool = False,
) -> pd.DataFrame:
    """Priority profile of every respondent over the strategic directions.

    Parameters
    ----------
    survey : Survey
        A loaded survey (``survey_analysis.load_responses``): its
        ``numeric()`` likert items, its ``codebook`` (direction, scale and
        ``reverse`` of each item) and its ranking columns ``D[SD1]``...
    weights : mapping, optional
        Weight per component: ``"importance"`` (items on the ``importance5``
        scale), ``"agreement"`` (``agreement5``), ``"ranking"``; items on any
        other scale form the component named after that scale.  Default
        :data:`DEFAULT_WEIGHTS` (equal).
    centre : bool, default True
        Centre each respondent's profile on its own mean (relative priority).
    allow_partial : bool, default False
        Profile an export that matches the codebook only in part (see
        :func:`survey_analysis.check_fit`): warn instead of refusing.

    Returns
    -------
    DataFrame
        Index ``respondent_id``; columns the direction codes (SD1..SD5) in
        codebook order; see :func:`profiles_from_items` for the values.
        ``attrs["fit"]`` says how the export fits the codebook.

    Raises
    ------
    PartialMatchError
        The export matches the codebook only in part and ``allow_partial`` is False.

    Notes
    -----
    See :func:`profiles_from_items` for the formula.  The ranking option ids
    must be the direction codes (as in the bundled codebook) for the ranks to
    count towards the profile.

    Examples
    --------
    >>> from survey_analysis import load_responses       # doctest: +SKIP
    >>> survey = load_responses("data/sample/google_forms.xlsx")  # doctest: +SKIP
    >>> priority_profiles(survey).round(2).head()             # doctest: +SKIP
    """
    fit = check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
    codebook = survey.codebook
    numeric = survey.numeric()
    directions: dict[str, str] = {}
    components: dict[str, str] = {}
    points: dict[str, int] = {}
    reverse: set[str] = set()
    for qid in numeric.columns:
        question = codebook.questions.get(qid)
        if question is None or not question.direction:
            continue
        directions[qid] = question.direction
        scale = question.scale or "items"
        components[qid] = _COMPONENT_OF_SCALE.get(scale, scale)
        points[qid] = len(codebook.scales[scale]) if scale in codebook.scales else 5
        if question.reverse:
            reverse.add(qid)
    ranks = _ranks_from_responses(survey.responses, codebook.ranking_question())
    if ranks is not None:
        ranks = ranks[[c for c in ranks.columns if c in codebook.directions]]
        if ranks.shape[1] == 0:
            ranks = None
        else:
            ranks = ranks.reindex(numeric.index)
    profile = profiles_from_items(
        numeric,
        directions=directions,
        reverse=reverse,
        ranks=ranks,
        components=components,
        scale_points=points,
        weights=weights,
        centre=centre,
    )
    ordered = [c for c in codebook.directions if c in profile.columns]
    ordered += [c for c in profile.columns if c not in ordered]
    profile = profile[ordered]
    profile.index.name = "respondent_id"
    profile.attrs["fit"] = fit.to_dict()
    return profile
