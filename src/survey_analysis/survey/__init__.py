"""The questionnaire model: an export's columns mapped onto the codebook, every row accounted for.

This package owns everything between the raw rows of :mod:`survey_analysis.readers`
and the analysis: the survey tools' header layouts (:mod:`.tools`, with the
tools' own headers in their interface languages in :mod:`.signatures`), the
column-to-question plan (:mod:`.plan`), answer coding (:mod:`.coding`,
:mod:`.rankings`, :mod:`.dates`), the rules that set responses aside
(:mod:`.setaside`), privacy (:mod:`.privacy`), codebook drafting
(:mod:`.draft`, with the ordered scales it recognises in :mod:`.scales`), and the result,
:class:`Survey` with its :class:`LoadReport` (:mod:`.model`, :mod:`.loadreport`) and its
:class:`FitSummary` (:mod:`.fit`: how the export fits the codebook, and :func:`check_fit`,
the guard the analyses call).  Answers worded otherwise than the codebook's labels are
matched in :mod:`.answers`; ``codebook align`` lives in :mod:`.align`.  :func:`load_responses` (:mod:`.load`)
runs them in order.
"""

from __future__ import annotations

from .coding import MISSING_ANSWERS
from .draft import KNOWN_SCALES, draft_codebook
from .fit import FitSummary, check_fit
from .load import load_responses
from .loadreport import LoadReport
from .model import Survey
from .privacy import mask_contacts
from .tools import SOURCES, detect_source

__all__ = [
    "SOURCES",
    "MISSING_ANSWERS",
    "KNOWN_SCALES",
    "Survey",
    "LoadReport",
    "load_responses",
    "draft_codebook",
    "detect_source",
    "mask_contacts",
    "FitSummary",
    "check_fit",
]
