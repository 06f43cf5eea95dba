"""Project portfolio: members' proposals grouped into project ideas for the workshops.

Modules
-------
vocabulary  the concepts a text names: the bundled EN-RO field glossary, the EU-presidency
            priorities, the codebook's direction keywords (Snowball stems of both languages)
grouping    :class:`ProposalGrouper`: proposals grouped into ideas across languages
ideas       :func:`project_portfolio`: the ideas of a survey described and ordered for the workshops
"""

from __future__ import annotations

from .grouping import UNGROUPED, ProposalGrouper, group_proposals
from .ideas import IDEA_COLUMNS, portfolio_records, portfolio_summary, project_portfolio
from .vocabulary import (
    DEFAULT_EU_PRIORITIES,
    DEFAULT_GLOSSARY,
    ConceptMatcher,
    read_eu_priorities,
    read_glossary,
)

__all__ = [
    "UNGROUPED",
    "ProposalGrouper",
    "group_proposals",
    "IDEA_COLUMNS",
    "project_portfolio",
    "portfolio_records",
    "portfolio_summary",
    "DEFAULT_GLOSSARY",
    "DEFAULT_EU_PRIORITIES",
    "ConceptMatcher",
    "read_glossary",
    "read_eu_priorities",
]
