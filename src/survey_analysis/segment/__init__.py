"""Segments of members by their priority profile.

This module owns the grouping of respondents into segments that want similar
things: :class:`Segmentation` clusters the priority profiles of
:mod:`survey_analysis.profiles` (k-means, Ward or a Gaussian mixture), chooses
the number of segments against profiles without structure (and answers "no
distinct segments", k = 1, when no k beats them; :mod:`.choice`), reports how
stable each choice is under resampling, and names each segment by the
directions that set it apart.  Helper functions give the tables behind the charts (segment profile
heatmap) and the breakdowns by member category and size.  Every table meant
to be shown passes through :mod:`survey_analysis.disclosure`: a segment smaller
than the disclosure threshold has its size, share and profile hidden (and so
have others, so that no total gives it away).
"""


from .model import BALANCED_MARGIN, BALANCED_NAME, METHODS, WARD_MAX, Segmentation
from .result import segments_result
from .tables import segment_crosstab, segment_profile_table, segment_sizes

__all__ = [
    "METHODS",
    "WARD_MAX",
    "BALANCED_MARGIN",
    "BALANCED_NAME",
    "Segmentation",
    "segment_profile_table",
    "segment_sizes",
    "segment_crosstab",
    "segments_result",
]
