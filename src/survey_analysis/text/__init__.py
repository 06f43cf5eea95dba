"""Free-text answers: mapped to the strategic directions, and the themes outside them.

This package owns what members proposed in their own words: every answer (in
English or Romanian, with or without diacritics) is mapped to one of the five
strategic directions SD1-SD5 or to ``"outside"`` (none of the five), with a
score and the runner-up direction; the answers outside all five are grouped
into themes with their top terms and representative quotes.

Modules
-------
language   folding, function words, language detection, the word-stem analyser
lexicon    the directions' keywords (codebook, extra file, learned) and their weights
mapping    :class:`TextMapper` (supervised and lexicon modes)
training   the labelled proposals it trains on; the threshold chosen on labels
themes     themes of the answers outside the directions
columns    one text column read from any file; counts per direction; a mapping as plain data
"""

from __future__ import annotations

from .columns import direction_counts, map_text_result, read_text_column
from .language import detect_language, fold_text
from .lexicon import BLANK, DEFAULT_EXTRA_KEYWORDS, OUTSIDE, direction_lexicon, learn_keywords
from .mapping import DEFAULT_THRESHOLD, TextMapper
from .themes import outside_themes
from .training import DEFAULT_TRAINING, DEFAULT_TRAINING_FILES, choose_threshold, read_training_proposals

__all__ = [
    "OUTSIDE",
    "BLANK",
    "DEFAULT_THRESHOLD",
    "DEFAULT_EXTRA_KEYWORDS",
    "fold_text",
    "detect_language",
    "direction_lexicon",
    "learn_keywords",
    "DEFAULT_TRAINING",
    "DEFAULT_TRAINING_FILES",
    "read_training_proposals",
    "TextMapper",
    "direction_counts",
    "choose_threshold",
    "read_text_column",
    "map_text_result",
    "outside_themes",
]
