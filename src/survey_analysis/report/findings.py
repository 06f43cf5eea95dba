"""Everything a report shows, computed once from a loaded survey.

:class:`Findings` holds the survey, the membership register and the report's
options (disclosure threshold, random seed) and computes each analysis the
pages need on first use, from the earlier stages: who answered, the evidence
per direction, the order of the directions and how sure each step is, the
member groups that differ, the segments of members, the free-text proposals,
the EU-presidency priorities and the participation in the coming year.  Each
part is ``None`` when the questionnaire lacks what it needs (no ranking
question, no register, no free text, no multi-select question with that
role), and the pages then say so in one sentence.

A report run computes the findings once and saves them; every notebook of the
run loads that file (:meth:`Findings.load` with ``reuse=``) instead of
computing them again.  Questions are always found by their codebook role,
never by their id.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import DEFAULT_CODEBOOK
from .provenance import Provenance
from .statistics import headline_support, order_steps, respondent_direction_scores

__all__ = ["Findings", "MultiChoice", "Proposals", "Segments", "TOP_TWO"]

# The notebooks of a report run load saved findings and compute nothing, so the computing
# stages (and SciPy behind them) are imported where they are used, not here.
DEFAULT_THRESHOLD = 5  # disclosure.DEFAULT_THRESHOLD (a test checks that they agree)

#: The two highest levels of a scale: "top-two-box".
TOP_TWO = 2


@dataclass
class MultiChoice:
    """A multi-select question's answers: shares, by member category, and favoured directions."""

    question: Any
    n: int                      # respondents who ticked at least one option
    shares: pd.DataFrame        # option, label, count, share, low, high (options in codebook order)
    by_category: pd.DataFrame | None  # categories x options: share (NaN = hidden), attrs["n"], attrs["hidden"]
    favoured: pd.DataFrame | None     # options x directions: mean support of the members choosing it
    overall: pd.Series | None         # mean support of all members, per direction


@dataclass
class Segments:
    """Segments of members by priority profile, with every small segment hidden."""

    k: int
    n: int                      # respondents segmented (complete profiles)
    n_excluded: int
    table: pd.DataFrame         # segment, n, share, wants (list of direction codes), suppressed
    relative: pd.DataFrame      # segments x directions: profile minus the members' mean (NaN = hidden)
    choice: pd.DataFrame        # k, silhouette, stability, chosen
    by_category: pd.DataFrame | None  # segments x member categories, counts (<NA> = hidden)
    distinct: bool = True       # False: no k gave segments clearly apart (k = 1)


@dataclass
class Proposals:
    """The free-text proposals, masked, mapped onto the directions."""

    texts: pd.Series            # masked answers, index "respondent:question"
    mapped: pd.DataFrame        # direction, score, runner_up per answer
    counts: pd.DataFrame        # direction, n, share
    themes: pd.DataFrame        # theme, n, top_terms, quotes
    distinct: pd.DataFrame      # one row per distinct proposal: proposal, direction, count, score
    questions: list[str] = field(default_factory=list)
    method: str = "training"    # what the mapping learned from: "training" (bundled proposals) or "lexicon"


class Findings:
    """The analyses behind the reports of one survey.

    Parameters
    ----------
    survey : Survey
        From :func:`survey_analysis.load_responses`.
    register : DataFrame, optional
        The membership register (:func:`survey_analysis.read_register`).
    threshold : int, default 5
        Disclosure threshold: groups, segments and cells with fewer
        respondents are hidden.
    random_state : int, default 0
        Seed of every random step (bootstrap, segmentation, text mapping).
    provenance : Provenance, optional
        Where the figures come from (files and their SHA-256, version, run).
    allow_partial : bool, default False
        Compute on an export that fits the codebook only in part (the fit
        guard of the analyses warns instead of refusing; the pages then open
        with a banner saying what is missing).
    """

    def __init__(self, survey: Any, *, register: pd.DataFrame | None = None, threshold: int = DEFAULT_THRESHOLD,
                 random_state: int = 0, provenance: Provenance | None = None, allow_partial: bool = False) -> None:
        self.survey = survey
        self.allow_partial = bool(allow_partial)
        self.codebook = survey.codebook
        self.register = register
        self.threshold = int(threshold)
        self.random_state = int(random_state)
        self.provenance = provenance

    # ---- loading and saving -----------------------------------------------------------
    @classmethod
    def load(cls, input_path: str | Path, codebook_path: str | Path | None = None, *,
             register_path: str | Path | None = None, sheet: str | None = None,
             threshold: int = DEFAULT_THRESHOLD, random_state: int = 0, allow_partial: bool = False,
             reuse: str | Path | None = None) -> "Findings":
        """Load an export (and register) and return its findings.

        An export that fits the codebook only in part is refused
        (:class:`~survey_analysis.errors.PartialMatchError`) unless
        ``allow_partial``.  ``reuse`` names a file saved by :meth:`save` in the same report run:
        when it was made from the same files (same SHA-256) with the same
        options, it is loaded instead of computing everything again.
        """
        from ..coverage import read_register
        from ..survey import load_responses
        from ..survey.fit import ANALYSIS_NEEDS, check_fit

        codebook_path = codebook_path if codebook_path is not None else DEFAULT_CODEBOOK
        provenance = Provenance.of(input_path, codebook_path, register_path, sheet=sheet,
                                   threshold=threshold, random_state=random_state)
        if reuse is not None and Path(reuse).is_file():
            with open(reuse, "rb") as handle:
                saved = pickle.load(handle)
            if isinstance(saved, Findings) and saved.provenance is not None \
                    and saved.provenance.same_inputs(provenance):
                return saved
        survey = load_responses(input_path, codebook_path, sheet=sheet)
        # The fit guard, as every analysis applies it: a partial fit stops here unless allowed.
        check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
        provenance = provenance.with_sheet(survey.report.sheet)
        register = read_register(register_path) if register_path is not None else None
        return cls(survey, register=register, threshold=threshold, random_state=random_state,
                   provenance=provenance, allow_partial=allow_partial)

    def save(self, path: str | Path) -> Path:
        """Save the findings computed so far, for the notebooks of the same run."""
        path = Path(path)
        with open(path, "wb") as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    #: Every part a report shows, in the order :meth:`compute_all` computes them.
    PARTS = ("evidence", "headline", "steps", "scores", "who_answered", "groups", "group_means", "items", "likert",
             "ranking", "rank_above", "reliability", "eu_priorities", "participation", "segments", "proposals")
    # The free text (mapping, then the portfolio) is the slowest part: computed in a second process.
    _APART = ("proposals",)

    def compute_all(self, *, processes: int = 1, lang: str = "en") -> "Findings":
        """Compute every part now (a report run does this once, before the notebooks).

        With ``processes`` > 1 the free-text mapping and the project portfolio
        (in ``lang``) run in a second process while this one computes the rest
        (the results are the same: every part is seeded on its own).
        """
        apart = [name for name in self._APART if name not in self.__dict__] if processes > 1 else []
        pool = future = None
        if apart:
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(max_workers=1)
            future = pool.submit(_compute_parts, self, apart, lang)
        try:
            for name in self.PARTS:
                if name not in apart:
                    getattr(self, name)
            if future is not None:
                self.__dict__.update(future.result())
            self.portfolio(lang)
        finally:
            if pool is not None:
                pool.shutdown()
        return self

    def __getstate__(self) -> dict:
        # the fitted text mapper serves the portfolio in this process only: it is not saved
        return {k: v for k, v in self.__dict__.items() if k != "_mapper"}

    def portfolio(self, lang: str = "en") -> pd.DataFrame | None:
        """The members' project ideas grouped and ordered for the workshops, in ``lang``.

        None when no question has the role ``project_ideas`` (see
        :func:`survey_analysis.project_portfolio`).
        """
        cache = self.__dict__.setdefault("_portfolio", {})
        if lang not in cache:
            from ..errors import CodebookError
            from ..portfolio import project_portfolio

            if self.role_column("project_ideas") is None:
                cache[lang] = None
            else:
                try:
                    # a report run has already applied the fit guard: a partial fit got this far only if allowed
                    self.proposals  # noqa: B018 - fits the text mapper the portfolio reuses
                    mapper = self.__dict__.get("_mapper")
                    reuse = _FittedMapper(mapper) if getattr(mapper, "trained_on_", None) == "training" else None
                    cache[lang] = project_portfolio(self.survey, language=lang, threshold=self.threshold,
                                                    allow_partial=True, mapper=reuse)
                except CodebookError:
                    cache[lang] = None
        return cache[lang]

    # ---- the questionnaire ------------------------------------------------------------
    def role_column(self, role: str) -> str | None:
        """The response column of the question with ``role``, when the export has it."""
        question = self.codebook.question_with_role(role)
        if question is None or question.id not in self.survey.responses:
            return None
        return question.id

    @property
    def fit(self) -> Any:
        """How well the codebook fits the export (``survey.fit``), when the loader gives it."""
        return getattr(self.survey, "fit", None)

    @property
    def n(self) -> int:
        return self.survey.n

    def directions(self) -> list[str]:
        return [code for code, items in self.survey.items_by_direction().items() if items]

    # ---- evidence per direction ---------------------------------------------------------
    @cached_property
    def evidence(self) -> pd.DataFrame:
        from ..evidence import direction_evidence

        # Resampling 20,000 members 2,000 times costs seconds and changes no figure that is shown.
        n_boot = 2000 if self.n <= 5000 else 1000
        return direction_evidence(self.survey, register=self.register, threshold=self.threshold,
                                  n_boot=n_boot, random_state=self.random_state, allow_partial=self.allow_partial)

    @cached_property
    def headline(self) -> pd.DataFrame:
        """Support per direction, weighted to the membership when there is a register."""
        return headline_support(self.evidence)

    @cached_property
    def steps(self) -> pd.DataFrame:
        """The order of the directions by headline support, step by step, settled or not."""
        return order_steps(self.evidence)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Each respondent's score per direction."""
        return respondent_direction_scores(self.survey)

    @cached_property
    def items(self) -> pd.DataFrame:
        """One row per Likert item with a direction: text, n, mean and top-two share as answered."""
        from ..score_tables import item_likert_table

        table = item_likert_table(self.survey)
        rows = []
        for item, answers in table.groupby("item", sort=False):
            k = int(answers["level"].max())
            n = int(answers["n"].max())
            counts = answers.set_index("level")["count"]
            rows.append({"item": item, "direction": answers["direction"].iloc[0],
                         "scale": answers["scale"].iloc[0], "reversed": bool(answers["reversed"].iloc[0]),
                         "n": n, "mean": float((counts * counts.index).sum() / n) if n else np.nan,
                         "top_two": float(counts[counts.index > k - TOP_TWO].sum() / n) if n else np.nan,
                         "levels": k})
        return pd.DataFrame(rows)

    @cached_property
    def likert(self) -> pd.DataFrame:
        """Answer counts per item and level (the table behind the stacked Likert charts)."""
        from ..score_tables import item_likert_table

        return item_likert_table(self.survey)

    # ---- who answered -------------------------------------------------------------------
    @cached_property
    def who_answered(self) -> pd.DataFrame | None:
        """Respondents (and, with a register, members and response rate) by category and size."""
        from ..coverage import response_rates

        by = {}
        for role in ("member_category", "size"):
            column = self.role_column(role)
            if column is not None and (self.register is None or role in self.register.columns):
                by[column] = role
        if not by:
            return None
        table = response_rates(self.survey.responses, self.register, by=by, threshold=self.threshold)
        return table.assign(grouping=table["grouping"].map(by))

    @property
    def members(self) -> int | None:
        """Members in the register, or None without one."""
        return None if self.register is None else int(len(self.register))

    # ---- groups ---------------------------------------------------------------------------
    @cached_property
    def groups(self) -> pd.DataFrame | None:
        """Direction scores compared across member category, size and region."""
        from ..evidence import group_differences

        roles = tuple(r for r in ("member_category", "size", "region") if self.role_column(r))
        if not roles:
            return None
        table = group_differences(self.survey, roles=roles, threshold=self.threshold)
        return table[table["direction"].notna()].reset_index(drop=True)

    @cached_property
    def group_means(self) -> pd.DataFrame | None:
        """Mean direction score per member category (hidden below the threshold)."""
        from ..disclosure import suppress_group_rows

        column = self.role_column("member_category")
        if column is None:
            return None
        scores = self.scores.assign(_group=self.survey.responses[column].astype("string"))
        sizes = scores.groupby("_group", observed=True).size().rename("n")
        means = scores.groupby("_group", observed=True)[self.directions()].mean()
        means = means.reindex(self.option_order("member_category", means.index))
        table = suppress_group_rows(means.join(sizes).reset_index(), n_column="n",
                                    columns=self.directions(), threshold=self.threshold)
        return table.rename(columns={"_group": "group"}).set_index("group")

    def option_order(self, role: str, present: Any) -> list[str]:
        """The answers in ``present`` (coded labels) in the order the codebook lists them."""
        question = self.codebook.question_with_role(role)
        present = [str(p) for p in present]
        listed = [o.en for o in question.options if o.en in present] if question is not None else []
        return listed + [p for p in present if p not in listed]

    # ---- ranking and reliability --------------------------------------------------------------
    @cached_property
    def ranking(self) -> pd.DataFrame | None:
        """The ranking question's summary (mean rank, share first, Borda, Schulze), or None."""
        from ..ranking import rank_summary
        from ..summary import wilson_interval

        question = self.codebook.ranking_question()
        if question is None:
            return None
        ranks = self.survey.ranks()
        if ranks.empty or ranks.notna().sum().sum() == 0:
            return None
        table = rank_summary(ranks)
        n = int(table["n"].iloc[0])
        intervals = [wilson_interval(share * n, n) if n else (np.nan, np.nan) for share in table["first_share"]]
        return table.assign(first_low=[lo for lo, _ in intervals], first_high=[hi for _, hi in intervals])

    @cached_property
    def rank_above(self) -> pd.DataFrame | None:
        """Probability (bootstrap) that the row's direction is ranked above the column's."""
        from ..ranking import rank_above_probability

        if self.ranking is None:
            return None
        # A chance near 0 or 1 needs no more resamples; beyond a few thousand members they cost seconds.
        n_boot = 2000 if int(self.ranking["n"].iloc[0]) <= 5000 else 500
        return rank_above_probability(self.survey.ranks(), n_boot=n_boot, random_state=self.random_state)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        from ..reliability import direction_reliability

        directions = {c: i for c, i in self.survey.items_by_direction().items() if i}
        return direction_reliability(self.survey.numeric([i for its in directions.values() for i in its]),
                                     directions=directions, reverse=sorted(self.codebook.reverse_items))

    # ---- segments -----------------------------------------------------------------------------
    @cached_property
    def segments(self) -> Segments | None:
        """Segments of members by priority profile (None with too few complete profiles)."""
        from ..profiles import priority_profiles
        from ..segment import BALANCED_MARGIN, Segmentation, segment_crosstab, segment_profile_table

        profiles = priority_profiles(self.survey, allow_partial=self.allow_partial)
        complete = profiles.notna().all(axis=1)
        usable = profiles[complete]
        if len(usable) < max(3 * self.threshold, 20) or usable.shape[1] < 2:
            return None
        model = Segmentation("kmeans", random_state=self.random_state).fit(usable)
        summary = model.summary(threshold=self.threshold)
        relative = segment_profile_table(usable, model.segments(), relative=True, threshold=self.threshold)
        relative.index = summary["segment"].to_numpy()
        wants = {}
        for segment, row in relative.iterrows():
            excess = row.dropna().sort_values(ascending=False, kind="stable")
            if excess.empty or not excess.iloc[0] > BALANCED_MARGIN:
                wants[segment] = []
                continue
            top = excess.iloc[0]
            picked = [c for c, v in excess.iloc[:3].items() if v > BALANCED_MARGIN and v >= 0.5 * top]
            wants[segment] = [c for c in relative.columns if c in picked]
        table = summary[["segment", "n", "share", "suppressed"]].assign(
            wants=[None if hidden else wants.get(s, []) for s, hidden in zip(summary["segment"], summary["suppressed"])])
        choice = model.choice_[[c for c in ("k", "silhouette", "reference_p95", "stability", "qualifies", "chosen")
                                if c in model.choice_.columns]]
        by_category = None
        column = self.role_column("member_category")
        if column is not None:
            by_category = segment_crosstab(model.segments(), self.survey.responses.loc[model.index_, column],
                                           threshold=self.threshold)
        return Segments(k=int(model.n_segments_), n=int(len(usable)), n_excluded=int((~complete).sum()),
                        table=table, relative=relative, choice=choice, by_category=by_category,
                        distinct=not bool(getattr(model, "no_distinct_segments_", False)))

    # ---- free text --------------------------------------------------------------------------
    def proposal_questions(self) -> list[str]:
        """The open questions whose answers are proposals: by role, else every free-text question."""
        by_role = [self.role_column(r) for r in ("project_ideas", "other_proposals")]
        found = [q for q in by_role if q is not None]
        if found:
            return found
        return [q for q in self.codebook.text_questions() if q in self.survey.responses]

    @cached_property
    def proposals(self) -> Proposals | None:
        """Every proposal, masked, mapped to a direction or to outside the five; None without free text."""
        from ..survey import mask_contacts
        from ..text import OUTSIDE, TextMapper, direction_counts, fold_text

        questions = self.proposal_questions()
        parts = {q: self.survey.responses[q].dropna() for q in questions}
        parts = {q: s[s.astype(str).str.strip() != ""] for q, s in parts.items()}
        parts = {q: s for q, s in parts.items() if len(s)}
        if not parts:
            return None
        texts = pd.concat(parts)
        texts.index = [f"{respondent}:{question}" for question, respondent in texts.index]
        texts = mask_contacts(texts.astype(str))
        # Trained on the bundled proposals, the mapper maps each answer on its own, so identical
        # answers (common in a large survey) are mapped once; learning from the answers
        # themselves (lexicon mode) needs them all, repeats included.
        distinct = texts.drop_duplicates()
        mapper = TextMapper(self.codebook, random_state=self.random_state).fit(distinct)
        if getattr(mapper, "trained_on_", None) == "training":
            first = pd.Series(distinct.index, index=distinct.to_numpy())
            mapped = mapper.mapped_.loc[first.reindex(texts.to_numpy()).to_numpy()].set_axis(texts.index)
        else:
            mapper = TextMapper(self.codebook, random_state=self.random_state).fit(texts)
            mapped = mapper.mapped_
        self.__dict__["_mapper"] = mapper  # the portfolio maps its answers with it (not saved)
        themes = mapper.themes(texts, mapped) if (mapped["direction"] == OUTSIDE).any() else \
            pd.DataFrame(columns=["theme", "n", "top_terms", "quotes", "answers"])
        frame = mapped[["direction", "score"]].assign(proposal=texts.reindex(mapped.index).to_numpy())
        frame["key"] = [" ".join(fold_text(t).split()) for t in frame["proposal"]]
        distinct = (frame.sort_values("score", ascending=False, kind="stable")
                    .groupby("key", sort=False)
                    .agg(proposal=("proposal", "first"), direction=("direction", "first"),
                         score=("score", "first"), count=("proposal", "size"))
                    .reset_index(drop=True)
                    .sort_values(["direction", "count", "score"], ascending=[True, False, False], kind="stable"))
        return Proposals(texts=texts, mapped=mapped, counts=direction_counts(mapped, directions=self.directions()),
                         themes=themes.drop(columns=["answers"], errors="ignore"), distinct=distinct,
                         questions=list(parts),
                         method="training" if getattr(mapper, "trained_on_", "none") == "training" else "lexicon")

    # ---- multi-select questions by role ---------------------------------------------------
    @cached_property
    def eu_priorities(self) -> MultiChoice | None:
        return self._multi_choice("eu_priorities", favoured=True)

    @cached_property
    def participation(self) -> MultiChoice | None:
        return self._multi_choice("participation", favoured=False)

    def _multi_choice(self, role: str, *, favoured: bool) -> MultiChoice | None:
        from ..disclosure import suppress_counts, suppress_group_rows
        from ..summary import wilson_interval

        question = self.codebook.question_with_role(role)
        if question is None or question.type != "multi":
            return None
        chosen = self.survey.multi(question.id)
        if chosen.empty:
            return None
        chosen = chosen.fillna(False).astype(bool)
        answered = chosen.any(axis=1)
        chosen = chosen[answered]
        n = int(len(chosen))
        if n == 0:
            return None
        labels = {o.id: o for o in question.options}
        rows = []
        for option in chosen.columns:
            count = int(chosen[option].sum())
            low, high = wilson_interval(count, n)
            rows.append({"option": option, "count": count, "share": count / n, "low": low, "high": high})
        shares = pd.DataFrame(rows)
        by_category = None
        column = self.role_column("member_category")
        if column is not None:
            groups = self.survey.responses.loc[chosen.index, column].astype("string")
            known = groups.notna()
            counts = chosen[known].groupby(groups[known], observed=True).sum().astype("int64")
            counts = counts.reindex(self.option_order("member_category", counts.index))
            bases = groups[known].value_counts()
            if len(counts):
                # Small cells are hidden with their secondary suppression (the option totals are
                # published); a category too small to show is hidden whole.
                shown = suppress_counts(counts, threshold=self.threshold)
                shown.attrs = {}
                cells = shown.drop(index="Total", columns="Total").astype("float64")
                base = suppress_group_rows(bases.rename("n").rename_axis("group").reset_index(), n_column="n",
                                           threshold=self.threshold).set_index("group")["n"].reindex(cells.index)
                by_category = cells.div(bases.reindex(cells.index).astype(float), axis=0)
                by_category.loc[base.isna().to_numpy()] = np.nan
                by_category.attrs["n"] = base
        favoured_table = overall = None
        if favoured and self.directions():
            scores = self.scores.loc[chosen.index, self.directions()]
            overall = self.scores[self.directions()].mean()
            favoured_rows = {}
            for option in chosen.columns:
                members = scores[chosen[option].to_numpy()]
                if len(members) >= max(self.threshold, 10):
                    favoured_rows[option] = members.mean()
                else:
                    favoured_rows[option] = pd.Series(np.nan, index=self.directions())
            favoured_table = pd.DataFrame(favoured_rows).T
            favoured_table["n"] = [int(chosen[o].sum()) for o in favoured_table.index]
        return MultiChoice(question=question, n=n, shares=shares.assign(label=[labels[o] for o in shares["option"]]),
                           by_category=by_category, favoured=favoured_table, overall=overall)


class _FittedMapper:
    """A text mapper already trained on the bundled proposals, for a caller that fits one.

    Trained on the bundled proposals, a :class:`survey_analysis.TextMapper`
    maps each answer on its own, so "fitting" it on new answers is mapping
    them: this saves training it a second time on the same proposals.
    """

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper

    def fit(self, texts: Any) -> "_FittedMapper":
        self.mapped_ = self.mapper.transform(texts)
        return self


def _compute_parts(findings: Findings, names: list[str], lang: str) -> dict[str, Any]:
    """Compute some parts of ``findings`` (in a worker process), with the portfolio in ``lang``."""
    parts = {name: getattr(findings, name) for name in names}
    findings.portfolio(lang)
    parts["_portfolio"] = findings.__dict__["_portfolio"]
    return parts
