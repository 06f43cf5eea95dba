"""Project portfolio: members' proposals grouped into project ideas for the workshops."""

from __future__ import annotations

from .grouping import UNGROUPED, ProposalGrouper, group_proposals

__all__ = ["UNGROUPED", "ProposalGrouper", "group_proposals"]
