"""survey-analysis: turn member questionnaires into evidence for a strategic agenda.

The package is a one-way pipeline, one module per stage:

read      -> :mod:`survey_analysis.readers`   raw rows out of any export, safely (a package)
codebook  -> :mod:`survey_analysis.codebook`  what each question is (YAML)
validate  -> :mod:`survey_analysis.survey`    the questionnaire model; every row accounted for (a package)
score     -> summary, scores, consensus, ranking, reliability, groups, crosstabs, coverage, disclosure,
             headline, paired, inputs, evidence, score_tables
segment   -> profiles, segment, text, portfolio  segments of members; free text mapped to directions;
                                              proposals grouped into project ideas
plot      -> :mod:`survey_analysis.plot`      charts drawn from the tables above
export    -> :mod:`survey_analysis.export`    tables written to CSV/xlsx safely
report    -> :mod:`survey_analysis.report`    the brief and the notebooks' pages, in English or Romanian (a package)

The most used functions are importable from the package itself; the heavier
stages (segmentation, text mapping, plotting, reports) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .codebook import Codebook, Direction, Question, fold_diacritics, normalise_text, read_codebook
from .errors import *  # noqa: F401,F403  (the exception family is public API)
from .errors import __all__ as _error_names
from .readers import RawTable, read_raw
from .survey import (FitSummary, LoadReport, Survey, check_fit, detect_source, draft_codebook, load_responses,
                     mask_contacts)

__version__ = "0.1.0"

# name -> module for the public functions of the later stages, imported on first use.
_LAZY = {
    # score
    "wilson_interval": "summary", "kish_effective_n": "summary", "item_summary": "summary",
    "likert_counts": "summary",
    "reverse_key": "scores", "respondent_scores": "scores", "direction_scores": "scores",
    "bootstrap_mean_interval": "scores", "mean_interval": "scores", "MIN_N": "scores",
    "TOO_FEW_ANSWERS": "scores", "finite_population_correction": "scores",
    "consensus_measure": "consensus", "polarisation": "consensus", "item_consensus": "consensus",
    "direction_consensus": "consensus",
    "clean_rankings": "ranking", "rank_summary": "ranking", "pairwise_preferences": "ranking",
    "strongest_paths": "ranking", "schulze_ranking": "ranking", "condorcet_winner": "ranking",
    "rank_first_probability": "ranking", "rank_above_probability": "ranking",
    "cronbach_alpha": "reliability", "item_reliability": "reliability", "direction_reliability": "reliability",
    "construct_check": "reliability",
    "holm_adjust": "groups", "group_summary": "groups", "kruskal_wallis": "groups",
    "pairwise_mann_whitney": "groups", "crosstab": "groups", "association_test": "groups",
    "compare_directions_by_group": "groups", "compare_groups": "groups",
    "read_register": "coverage", "response_rates": "coverage", "register_margins": "coverage",
    "rake_weights": "coverage", "WEIGHT_CAP": "coverage",
    "register_weighting": "headline", "member_means": "headline",
    "paired_differences": "paired",
    "DEFAULT_THRESHOLD": "disclosure", "suppression_mask": "disclosure", "suppress_counts": "disclosure",
    "suppress_group_rows": "disclosure",
    "direction_evidence": "evidence", "group_differences": "evidence", "evidence_records": "evidence",
    "paired_comparisons": "evidence", "SUPPORT_DEFINITION": "evidence",
    "direction_support_table": "score_tables", "item_likert_table": "score_tables",
    # segment / text
    "priority_profiles": "profiles", "profiles_from_items": "profiles",
    "Segmentation": "segment", "segment_profile_table": "segment", "segment_sizes": "segment",
    "segment_crosstab": "segment", "segments_result": "segment",
    "TextMapper": "text", "direction_lexicon": "text", "direction_counts": "text", "read_text_column": "text",
    "map_text_result": "text", "choose_threshold": "text", "fold_text": "text", "detect_language": "text",
    "OUTSIDE": "text", "learn_keywords": "text", "read_training_proposals": "text", "DEFAULT_TRAINING": "text",
    # project portfolio
    "project_portfolio": "portfolio", "portfolio_records": "portfolio", "ProposalGrouper": "portfolio",
    "group_proposals": "portfolio",
    # plot / report / sample
    "plot_direction_support": "plot", "plot_likert": "plot", "plot_rank_first": "plot",
    "plot_segment_profiles": "plot", "plot_text_directions": "plot", "plot_choice_shares": "plot",
    "plot_idea_counts": "plot",
    "direction_palette": "plot", "DIRECTION_COLOURS": "plot",
    "build_reports": "report", "Findings": "report", "Sections": "report",
    "write_table": "export", "neutralise_formula": "export",
    "write_sample": "sample", "make_sample": "sample",
}

__all__ = [
    "Codebook", "Direction", "Question", "read_codebook", "normalise_text", "fold_diacritics",
    "LoadReport", "Survey", "load_responses", "draft_codebook", "detect_source", "mask_contacts",
    "FitSummary", "check_fit",
    "RawTable", "read_raw",
    *_error_names,
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'survey_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
