"""The wording rules of the reports: which words a figure earns, and the sentences built from them.

The brief speaks to people who decide, in plain words; every plain word stands
for a rule on the figures, and the rules are here, in one place, each with
the reason for its boundary.  A rule takes figures computed by the statistics
stage and returns a word key (a category such as ``"largely_agree"``), never
a sentence.  The sentences are composed by the ``compose_*`` functions from
the catalogue of the report's language, whose texts are whole clauses
written in that language (not an English template translated afterwards).

Rules
-----
support (:func:`support_level`)
    ``supported`` when the lower end of the 95% interval of support lies
    above the middle of the scale (3 on a 1-5 scale): members lean towards
    the direction beyond what sampling could produce; ``opposed`` when the
    upper end lies below the middle; otherwise ``neutral``.
agreement (:func:`agreement_level`)
    From the consensus measure (Tastle & Wierman 2007: 1 when every member
    gives the same answer, 0 when members split between the two ends) and the
    statistics stage's polarisation flag.  ``split`` when polarised (two camps
    at both ends); ``largely_agree`` from :data:`LARGELY_AGREE` (0.70), i.e.
    answers at least about as close together as answers spread evenly over
    three neighbouring levels (consensus 0.72; two neighbouring levels give
    0.81); ``partly_agree`` from :data:`PARTLY_AGREE` (0.55), about as close
    as four neighbouring levels (0.56); ``divided`` below, towards answers
    spread evenly over all five levels (0.43).
step of the order (:func:`step_settled`)
    A step "A above B" of the order by support is ``settled`` when the
    interval of the paired difference (each member's support for A minus
    their support for B, the intervals corrected so that all steps hold
    together at 95%) lies wholly above zero; ``not settled`` otherwise;
    unknown (None) when there were too few answers to compute it.
representation (:func:`representation`)
    A group of members is ``under`` -represented when its response rate is
    below :data:`UNDER_REPRESENTED` (0.85) times the overall rate, i.e. its
    share among respondents is less than 85% of its share among members;
    ``over`` when above 1/0.85 times; else ``fair``.  Groups hidden by the
    disclosure rules are never named.
leading options (:func:`leading_options`)
    The options of a multi-select question that members "most want": the
    most chosen one and every option whose interval reaches the lower end of
    its interval (not clearly chosen less), at most three.
strength of a difference between groups (:func:`effect_size_level`)
    From epsilon squared of the Kruskal-Wallis test (the share of the
    variation in scores that goes with the grouping): ``negligible`` below
    0.01, ``small`` below 0.06, ``medium`` below 0.14, ``large`` from 0.14
    (the bounds commonly used for this measure, after Tomczak & Tomczak 2014,
    as R's rstatix::kruskal_effsize labels them).
member groups behind a direction (:func:`carrying_groups`)
    The member categories found higher than another category (Holm-corrected
    pairwise comparison) and lower than none.
direction favoured by the members choosing an option (:func:`notably_favoured`)
    Named only when their mean support for it exceeds that of all members
    by at least :data:`NOTABLE_LIFT` (0.25 points on the 1-5 scale, a quarter
    of a level); smaller differences are not told, as the choosers are most
    of the members and the difference would read as a finding it is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .catalogue import Catalogue

__all__ = [
    "LARGELY_AGREE",
    "PARTLY_AGREE",
    "UNDER_REPRESENTED",
    "MAX_LEADING",
    "NOTABLE_LIFT",
    "notably_favoured",
    "support_level",
    "agreement_level",
    "step_settled",
    "representation",
    "leading_options",
    "carrying_groups",
    "effect_size_level",
    "DirectionFigures",
    "compose_direction",
    "compose_step",
    "compose_who_answered",
    "compose_leading",
    "segment_name",
]

#: Consensus from which members "largely agree".
LARGELY_AGREE = 0.70
#: Consensus from which members "partly agree" (below: "divided").
PARTLY_AGREE = 0.55
#: Response rate relative to the overall rate below which a group is "under-represented".
UNDER_REPRESENTED = 0.85
#: At most this many options are named as the ones members most want.
MAX_LEADING = 3
#: How much more (points of mean support) the members choosing an option must favour a direction to be told.
NOTABLE_LIFT = 0.25


def notably_favoured(lift) -> str | None:
    """The direction the choosers of an option favour notably more than all members, else None.

    ``lift`` maps direction codes to (choosers' mean support - all members' mean
    support); missing values are ignored.
    """
    values = {code: float(v) for code, v in dict(lift).items() if v is not None and not math.isnan(float(v))}
    if not values:
        return None
    best = max(values, key=values.get)
    return best if values[best] >= NOTABLE_LIFT else None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return True


def support_level(low: float, high: float, *, midpoint: float = 3.0) -> str | None:
    """``supported``, ``neutral`` or ``opposed`` from the interval of support (None without one)."""
    if _missing(low) or _missing(high):
        return None
    if low > midpoint:
        return "supported"
    if high < midpoint:
        return "opposed"
    return "neutral"


def agreement_level(consensus: float, polarised: Any = False) -> str | None:
    """``split``, ``largely_agree``, ``partly_agree`` or ``divided`` (None without a consensus)."""
    if not _missing(polarised) and bool(polarised):
        return "split"
    if _missing(consensus):
        return None
    if consensus >= LARGELY_AGREE:
        return "largely_agree"
    if consensus >= PARTLY_AGREE:
        return "partly_agree"
    return "divided"


def step_settled(low: float, high: float) -> bool | None:
    """Whether a step of the order is settled: the paired difference's interval lies above zero."""
    if _missing(low) or _missing(high):
        return None
    return bool(low > 0)


def representation(rate: float, overall: float) -> str | None:
    """``under``, ``over`` or ``fair`` from a group's response rate and the overall rate."""
    if _missing(rate) or _missing(overall) or overall <= 0:
        return None
    ratio = rate / overall
    if ratio < UNDER_REPRESENTED:
        return "under"
    if ratio > 1 / UNDER_REPRESENTED:
        return "over"
    return "fair"


def leading_options(shares: Sequence[tuple[str, float, float, float]]) -> list[str]:
    """The options members most want: ``(option, share, low, high)`` in, option keys out.

    The most chosen option, then each option whose interval's upper end
    reaches the lower end of the most chosen one's interval, by share, at most
    :data:`MAX_LEADING`.
    """
    usable = [s for s in shares if not _missing(s[1])]
    if not usable:
        return []
    ranked = sorted(usable, key=lambda s: s[1], reverse=True)
    top = ranked[0]
    floor = top[2] if not _missing(top[2]) else top[1]
    leading = [top[0]]
    for option, share, low, high in ranked[1:]:
        reach = high if not _missing(high) else share
        if reach >= floor and len(leading) < MAX_LEADING:
            leading.append(option)
    return leading


def effect_size_level(epsilon_squared: float) -> str | None:
    """``negligible``, ``small``, ``medium`` or ``large`` from epsilon squared."""
    if _missing(epsilon_squared):
        return None
    if epsilon_squared < 0.01:
        return "negligible"
    if epsilon_squared < 0.06:
        return "small"
    if epsilon_squared < 0.14:
        return "medium"
    return "large"


def carrying_groups(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Groups higher than another and lower than none, from ``(higher, lower)`` pairs, in first-seen order."""
    pairs = list(pairs)
    lower = {lo for _, lo in pairs}
    seen: list[str] = []
    for hi, _ in pairs:
        if hi not in lower and hi not in seen:
            seen.append(hi)
    return seen


# ---- sentences ----------------------------------------------------------------------------

@dataclass
class DirectionFigures:
    """The figures the sentence on one direction is built from (see :func:`compose_direction`)."""

    code: str
    name: str
    support: float
    low: float
    high: float
    n: int
    weighted: bool = False
    scale_min: float = 1.0
    scale_max: float = 5.0
    top_two: float | None = None
    first_share: float | None = None
    consensus: float | None = None
    polarised: Any = False
    groups: list[str] = field(default_factory=list)
    groups_compared: bool = False
    segments: list[str] = field(default_factory=list)
    too_few: bool = False


def compose_direction(cat: Catalogue, d: DirectionFigures) -> str:
    """One plain sentence (a few clauses) on a direction, in the catalogue's language.

    Returns catalogue markup (``<strong>`` around the direction's name); the
    page escapes everything else.
    """
    parts = [cat.text("wording.direction.head", code=d.code, name=d.name,
                      support=cat.number(d.support), top=cat.number(d.scale_max, 0),
                      interval=cat.interval(d.low, d.high), members=cat.count("unit.members", d.n))]
    if d.too_few:
        parts.append(cat.text("wording.direction.too_few"))
        return " ".join(parts)
    level = support_level(d.low, d.high, midpoint=(d.scale_min + d.scale_max) / 2)
    if level:
        parts.append(cat.text(f"wording.support.{level}"))
    if not _missing(d.top_two) and not _missing(d.first_share):
        parts.append(cat.text("wording.direction.top_two_and_first", top_two=cat.percent(d.top_two),
                              first=cat.percent(d.first_share)))
    elif not _missing(d.top_two):
        parts.append(cat.text("wording.direction.top_two", top_two=cat.percent(d.top_two)))
    agreement = agreement_level(d.consensus, d.polarised)
    if agreement:
        parts.append(cat.text(f"wording.agreement.{agreement}"))
    if d.groups and d.segments:
        parts.append(cat.text("wording.direction.carried_both", groups=cat.join(d.groups),
                              segments=cat.join(d.segments)))
    elif d.groups:
        parts.append(cat.text("wording.direction.carried_groups", groups=cat.join(d.groups)))
    elif d.segments:
        parts.append(cat.text("wording.direction.carried_segments", segments=cat.join(d.segments)))
    elif d.groups_compared:
        parts.append(cat.text("wording.direction.carried_alike"))
    return " ".join(parts)


def compose_step(cat: Catalogue, upper: str, lower: str, settled: bool | None) -> str:
    """One step of the order: "SD1 ahead of SD3: settled" in the catalogue's language."""
    key = "unknown" if settled is None else ("settled" if settled else "not_settled")
    return cat.text(f"wording.step.{key}", upper=upper, lower=lower)


def compose_who_answered(cat: Catalogue, respondents: int, members: int | None,
                         under: Sequence[tuple[str, float]] = (), *, weighted: bool = False) -> str:
    """Who answered against the membership, naming the under-represented groups with their rate."""
    if members is None:
        return cat.text("wording.who.unknown", respondents=cat.count("unit.organisations", respondents))
    text = cat.text("wording.who.known", respondents=cat.integer(respondents),
                    members=cat.count("unit.member_organisations", members),
                    rate=cat.percent(respondents / members if members else float("nan")))
    if under:
        groups = cat.join(cat.text("wording.who.group_rate", group=g, rate=cat.percent(r)) for g, r in under)
        text += " " + cat.text("wording.who.under_weighted" if weighted else "wording.who.under", groups=groups)
    return text


def compose_leading(cat: Catalogue, leading: Sequence[tuple[str, float, float, float]]) -> str:
    """The options members most want, each with its share and interval."""
    return cat.join(cat.text("wording.option_share", option=label, share=cat.percent(share),
                             interval=cat.interval(low, high, percent=True))
                    for label, share, low, high in leading)


def segment_name(cat: Catalogue, wants: Sequence[str] | None) -> str:
    """A segment's name from the directions it wants more than members overall."""
    if wants is None:
        return cat.text("segment.hidden")
    if not wants:
        return cat.text("segment.balanced")
    return cat.text("segment.wants", directions=cat.join(list(wants)))
