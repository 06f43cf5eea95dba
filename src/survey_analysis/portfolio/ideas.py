"""The project portfolio of a survey: members' ideas grouped, described and ordered for the workshops.

:func:`project_portfolio` reads the answers to the project-ideas question (and
to the other-proposals question, as a second source), found by their codebook
roles, groups them into ideas (:class:`~survey_analysis.portfolio.grouping.ProposalGrouper`),
and describes each idea for the working group: how many members propose it and
of which member categories, the directions it serves, the EU-presidency
priorities it touches beside how its proposers answered the EU-priority
question, how many of its proposers will join project-generation workshops or
joint funding applications, and two quotes.  :func:`portfolio_records` gives
the same as plain data for ``survey-analysis portfolio --json``.

Disclosure: an idea proposed by fewer members than the threshold is counted
only in one aggregate line; member categories with fewer members than the
threshold are hidden (with secondary suppression).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from ..codebook import Question, fold_diacritics
from ..disclosure import DEFAULT_THRESHOLD, suppress_counts
from ..errors import AnalysisInputError, CodebookError
from ..summary import wilson_interval
from ..survey.privacy import mask_contacts
from ..text import OUTSIDE, TextMapper
from .grouping import UNGROUPED, ProposalGrouper
from .labels import idea_label
from .vocabulary import ConceptMatcher, read_eu_priorities

__all__ = ["IDEA_COLUMNS", "project_portfolio", "portfolio_records", "portfolio_summary"]

#: Columns of the table :func:`project_portfolio` returns.
IDEA_COLUMNS = [
    "rank", "label", "n", "n_answers", "from_other_question", "member_categories", "directions",
    "eu_priorities", "eu_chosen_share", "n_willing", "n_participation", "willing_share", "willing_low",
    "willing_high", "quotes", "order_note", "terms", "answers",
]

_WILLING_IDS = ("workshops", "funding")
_WILLING_WORDS = ("workshop", "atelier", "funding", "finantare")
_LANGUAGES = ("en", "ro")


def _fit_at_boundary(survey: Any, allow_partial: bool) -> dict | None:
    """The fit guard at the boundary of the portfolio (``survey_analysis.check_fit``).

    Returns ``fit.to_dict()``; raises ``PartialMatchError`` when the export
    covers the codebook only in part and ``allow_partial`` is False.  Where the
    fit guard is not part of the package, there is nothing to check: None.
    """
    try:
        from ..survey.fit import check_fit
    except ImportError:
        return None
    return check_fit(survey, allow_partial=allow_partial).to_dict()


def _question(survey: Any, role: str) -> Question | None:
    question = survey.codebook.question_with_role(role)
    if question is None or (question.type == "text" and question.id not in survey.responses):
        return None
    return question


def _willing_options(question: Question) -> list[str]:
    ids = [o.id for o in question.options if o.id in _WILLING_IDS]
    if ids:
        return ids
    return [o.id for o in question.options
            if any(w in fold_diacritics(f"{o.en} {o.ro}") for w in _WILLING_WORDS)]


def _answers(survey: Any, questions: list[Question]) -> pd.DataFrame:
    rows = []
    row_numbers = survey.row_numbers
    for question in questions:
        column = survey.responses[question.id]
        for respondent, text in column.items():
            if text is None or pd.isna(text) or not str(text).strip():
                continue
            rows.append({
                "respondent": respondent,
                "question": question.id,
                "row": None if row_numbers is None else int(row_numbers.get(respondent)),
                "text": str(text).strip(),
            })
    return pd.DataFrame(rows, columns=["respondent", "question", "row", "text"])


def _label(parts: list[str]) -> str:
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _quotes(texts: list[str], centrality: list[float], grouper: ProposalGrouper, n: int = 2) -> list[str]:
    quotes, seen = [], set()
    for k in np.argsort(-np.asarray(centrality), kind="stable"):
        # near-identical answers ("We suggest X" / "Perhaps X") are quoted once
        concepts, words, _ = grouper.glossary_.analyse(texts[k])
        gist = " ".join(sorted(set(concepts) | set(words)))
        if gist in seen:
            continue
        seen.add(gist)
        quotes.append(texts[k])
        if len(quotes) == n:
            break
    return quotes


def _order_note(a: int, b: int, language: str) -> str:
    """Whether the order of two neighbours by willing members is settled (exact binomial test)."""
    if a + b == 0:
        return ""
    p = binomtest(a, a + b, 0.5).pvalue
    if p >= 0.05:
        return (f"order with the next idea not settled ({a} vs {b} willing members)" if language == "en" else
                f"ordinea față de ideea următoare nu e sigură ({a} față de {b} membri dispuși)")
    return ""


def project_portfolio(
    survey: Any,
    *,
    language: str = "en",
    threshold: int = DEFAULT_THRESHOLD,
    allow_partial: bool = False,
    grouper: ProposalGrouper | None = None,
    mapper: TextMapper | None = None,
) -> pd.DataFrame:
    """Members' project ideas, grouped across languages and ordered for the workshops.

    Parameters
    ----------
    survey : Survey
        A loaded survey whose codebook gives a question the role
        ``project_ideas`` (and, optionally, ``other_proposals``,
        ``eu_priorities``, ``participation``, ``member_category``).
    language : {"en", "ro"}, default "en"
        Language of the labels, category names and notes.
    threshold : int, default 5
        Disclosure threshold: ideas with fewer proposers are only counted in the
        aggregate line; member categories with fewer members are hidden.
    allow_partial : bool, default False
        Go on when the export covers the codebook only in part (the fit guard).
    grouper : ProposalGrouper, optional
        The grouping (default: ``ProposalGrouper(survey.codebook)``).
    mapper : TextMapper, optional
        The mapping of answers onto the directions (default:
        ``TextMapper(survey.codebook)``, trained on the bundled proposals).

    Returns
    -------
    DataFrame
        One row per idea with at least ``threshold`` proposers, in workshop
        order, columns :data:`IDEA_COLUMNS`: ``rank``; ``label`` (the phrase of
        its most representative answer in ``language``, see
        :func:`~survey_analysis.portfolio.labels.idea_label`); ``n`` (members proposing
        it); ``n_answers``; ``from_other_question`` (answers from the
        other-proposals question); ``member_categories`` (category -> members,
        None where hidden); ``directions`` (direction codes mapped from its
        answers, most first, those of at least a quarter of them);
        ``eu_priorities`` (priority ids its text touches); ``eu_chosen_share``
        (priority id -> share of its proposers who chose it; ``None`` where it
        would reveal fewer than ``threshold`` members choosing, or not
        choosing, the priority); ``n_willing``
        (proposers who will join project-generation workshops or joint
        funding applications), ``n_participation`` (proposers who answered
        the participation question), ``willing_share`` with its 95% Wilson
        interval ``willing_low``-``willing_high``; ``quotes`` (two
        representative answers, contact details masked); ``order_note`` (when
        the order with the next idea is not settled); ``terms`` (concept ids);
        ``answers`` (``(row, question)`` of each answer: for the analyst only).

        ``attrs`` hold ``threshold``, ``language``, ``n_answers`` (answers
        read), ``n_proposers``, ``ungrouped`` (answers in no idea),
        ``ungrouped_answers`` (their ``(row, question)``), ``small_ideas``
        (``{"ideas", "members", "answers"}`` of the ideas below the threshold),
        ``note`` (what the working group should read first), ``sources``
        (question ids), ``eu_priority_names`` and ``fit`` (the fit guard's
        summary, or None).

    Raises
    ------
    CodebookError
        No question has the role ``project_ideas``, or it is not in the export.
    AnalysisInputError
        ``language`` or ``threshold`` is not valid.
    """
    if language not in _LANGUAGES:
        raise AnalysisInputError(f"language must be one of {', '.join(_LANGUAGES)}, got {language!r}",
                                 value=language, hint="pass language='en' or language='ro'.")
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise AnalysisInputError(f"threshold must be a whole number of at least 1, got {threshold!r}",
                                 value=threshold, hint="pass the disclosure threshold, 5 by default.")
    fit = _fit_at_boundary(survey, allow_partial)
    ideas_q = _question(survey, "project_ideas")
    if ideas_q is None:
        raise CodebookError(
            "no question of this export has the role 'project_ideas'", path=survey.codebook.path,
            hint="give the project-ideas question 'role: project_ideas' in the codebook, and check with "
                 "'survey-analysis inspect' that the export has its column.")
    sources = [ideas_q] + [q for q in [_question(survey, "other_proposals")] if q is not None]
    answers = _answers(survey, sources)
    masked = mask_contacts(answers["text"].astype("object")) if len(answers) else answers["text"]
    answers["text"] = masked.astype(str).tolist() if len(answers) else []

    grouper = grouper if grouper is not None else ProposalGrouper(survey.codebook)
    labels = grouper.fit(answers["text"].tolist()).labels_ if len(answers) else np.array([], dtype=int)
    answers["idea"] = labels
    if len(answers):
        mapper = mapper if mapper is not None else TextMapper(survey.codebook)
        answers["direction"] = mapper.fit(answers["text"].reset_index(drop=True))\
            .mapped_["direction"].to_numpy()
    else:
        answers["direction"] = []

    priorities = read_eu_priorities()
    priority_matcher = ConceptMatcher(priorities)
    eu_q = _question(survey, "eu_priorities")
    chosen = survey.multi(eu_q.id) if eu_q is not None else None
    if chosen is not None:
        by_label = {fold_diacritics(o.en): o.id for o in eu_q.options} | {fold_diacritics(o.ro): o.id
                                                                          for o in eu_q.options}
        column_of = {}
        for p in priorities:
            if p.id in chosen.columns:
                column_of[p.id] = p.id
            else:
                found = [by_label.get(fold_diacritics(name)) for name in p.name.values()]
                found = [f for f in found if f is not None and f in chosen.columns]
                if found:
                    column_of[p.id] = found[0]
    part_q = _question(survey, "participation")
    participation = survey.multi(part_q.id) if part_q is not None else None
    willing_cols = _willing_options(part_q) if part_q is not None else []
    cat_q = _question(survey, "member_category")
    categories = survey.responses[cat_q.id] if cat_q is not None and cat_q.id in survey.responses else None
    cat_names = ({o.en: getattr(o, language) for o in cat_q.options} if cat_q is not None else {})

    rows, small = [], {"ideas": 0, "members": set(), "answers": 0}
    for idea in range(int(labels.max()) + 1 if len(labels) else 0):
        block = answers[answers["idea"] == idea]
        proposers = list(dict.fromkeys(block["respondent"]))
        if len(proposers) < threshold:
            small["ideas"] += 1
            small["members"].update(proposers)
            small["answers"] += len(block)
            continue
        description = grouper.ideas_.iloc[idea]
        centrality = dict(zip(description["members"], description["centrality"]))
        texts = block["text"].tolist()
        closeness = [centrality[i] for i in block.index]
        quotes = _quotes(texts, closeness, grouper)
        languages = [grouper.glossary_.analyse(t)[2] for t in texts]
        counts = block.loc[block["direction"] != OUTSIDE, "direction"].value_counts()
        directions = [d for d, k in counts.items() if k >= max(1, len(block) / 4) and d != "(blank)"]
        touched = sorted({p for t in texts for p in priority_matcher.concepts_of(t)},
                         key=[p.id for p in priorities].index)
        shares = {}
        if chosen is not None:
            sub = chosen.loc[proposers]
            answered = sub.fillna(False).any(axis=1)
            n_answered = int(answered.sum())
            for pid, col in column_of.items():
                # The proposers who chose it and those who did not are two cells of the disclosure rule:
                # a share that would reveal fewer than ``threshold`` members on either side is hidden.
                chose = int(sub.loc[answered, col].fillna(False).astype(bool).sum())
                hidden = 0 < chose < threshold or 0 < n_answered - chose < threshold
                shares[pid] = None if not n_answered or hidden else chose / n_answered
        n_willing = n_part = 0
        if participation is not None and willing_cols:
            sub = participation.loc[proposers].fillna(False)
            answered = sub.any(axis=1)
            n_part = int(answered.sum())
            n_willing = int(sub.loc[answered, willing_cols].any(axis=1).sum())
        low, high = wilson_interval(n_willing, n_part) if n_part else (float("nan"), float("nan"))
        member_categories = None
        if categories is not None:
            cats = categories.loc[proposers].astype("object").fillna("(no answer)").value_counts()
            table = suppress_counts(cats, threshold=threshold)
            member_categories = {cat_names.get(k, k): (None if pd.isna(v) else int(v))
                                 for k, v in table["count"].items() if k != "Total"}
        rows.append({
            "label": idea_label(texts, closeness, languages, language,
                                fallback=_label([grouper.concept(c).label(language)
                                                 for c in description["concepts"][:2]]),
                                last_resort=_label(list(description["words"][:2])) or "(no shared terms)"),
            "n": len(proposers),
            "n_answers": len(block),
            "from_other_question": int((block["question"] != ideas_q.id).sum()),
            "member_categories": member_categories,
            "directions": directions,
            "eu_priorities": touched,
            "eu_chosen_share": shares,
            "n_willing": n_willing,
            "n_participation": n_part,
            "willing_share": n_willing / n_part if n_part else float("nan"),
            "willing_low": low,
            "willing_high": high,
            "quotes": quotes,
            "terms": list(description["concepts"]),
            "answers": list(zip(block["row"], block["question"])),
        })
    table = pd.DataFrame(rows, columns=[c for c in IDEA_COLUMNS if c not in ("rank", "order_note")])
    if len(table):
        # Ties keep the grouping's order of the ideas (largest first), the same in every language.
        table = table.sort_values(["n_willing", "n"], ascending=[False, False], kind="stable")
        table = table.reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    willing = table["n_willing"].tolist()
    notes = [_order_note(a, b, language) for a, b in zip(willing, willing[1:])] + [""] if len(table) else []
    table.insert(table.columns.get_loc("quotes") + 1, "order_note", notes)
    table = table[IDEA_COLUMNS]

    ungrouped = answers[answers["idea"] == UNGROUPED]
    if len(answers) == 0:
        note = ("no member answered the project-ideas question" if language == "en" else
                "niciun membru nu a răspuns la întrebarea despre idei de proiecte")
    elif table.empty:
        note = (f"no idea is proposed by {threshold} or more members" if language == "en" else
                f"nicio idee nu este propusă de cel puțin {threshold} membri")
    else:
        note = ""
    table.attrs.update({
        "threshold": int(threshold),
        "language": language,
        "n_answers": int(len(answers)),
        "n_proposers": int(answers["respondent"].nunique()) if len(answers) else 0,
        "ungrouped": int(len(ungrouped)),
        "ungrouped_answers": list(zip(ungrouped["row"], ungrouped["question"])),
        "small_ideas": {"ideas": small["ideas"], "members": len(small["members"]), "answers": small["answers"]},
        "note": note,
        "sources": [q.id for q in sources],
        "eu_priority_names": {p.id: p.label(language) for p in priorities},
        "fit": fit,
    })
    return table


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 4)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return _plain(float(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _rows(pairs: list[tuple]) -> list[dict]:
    return [{"row": None if row is None or pd.isna(row) else int(row), "question": str(q)} for row, q in pairs]


def portfolio_records(table: pd.DataFrame, *, rows: bool = False) -> dict[str, Any]:
    """The portfolio as plain data (``survey-analysis portfolio --json``).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`project_portfolio`.
    rows : bool, default False
        Add where each answer is in the file: every idea's ``answers`` and the
        top-level ``ungrouped_answers`` as ``[{"row": R, "question": ID}]``
        (R as the spreadsheet numbers the row, or the CSV record).  For the
        analyst only: never put them in a report.

    Returns
    -------
    dict
        ``{"ideas": [{"rank", "label", "n", "directions", "eu_priorities",
        "willing_share", ...}], "ungrouped": n, "small_ideas": {...},
        "threshold", "note", "sources"}`` and ``"fit"`` when the fit guard ran.
    """
    ideas = []
    for record in table.to_dict("records"):
        answers = record.pop("answers")
        out = {k: _plain(v) for k, v in record.items()}
        out["eu_priorities"] = [{"id": p, "name": table.attrs["eu_priority_names"].get(p, p)}
                                for p in record["eu_priorities"]]
        if rows:
            out["answers"] = _rows(answers)
        ideas.append(out)
    result: dict[str, Any] = {
        "ideas": ideas,
        "ungrouped": table.attrs["ungrouped"],
        "small_ideas": table.attrs["small_ideas"],
        "threshold": table.attrs["threshold"],
        "n_answers": table.attrs["n_answers"],
        "n_proposers": table.attrs["n_proposers"],
        "note": table.attrs["note"],
        "sources": table.attrs["sources"],
    }
    if rows:
        result["ungrouped_answers"] = _rows(table.attrs["ungrouped_answers"])
    if table.attrs.get("fit") is not None:
        result["fit"] = table.attrs["fit"]
    return result


def portfolio_summary(table: pd.DataFrame, *, top: int = 3) -> list[str]:
    """Sentences for a summary page: the ideas with the most willing members, or why there are none."""
    language = table.attrs.get("language", "en")
    if table.empty:
        return [table.attrs.get("note", "")]
    lines = []
    for record in table.head(top).itertuples():
        if language == "en":
            lines.append(f"{record.label}: proposed by {record.n} members, {record.n_willing} of them willing "
                         "to join workshops or joint funding applications")
        else:
            lines.append(f"{record.label}: propusă de {record.n} membri, dintre care {record.n_willing} dispuși "
                         "să participe la ateliere sau la cereri de finanțare comune")
    return lines
