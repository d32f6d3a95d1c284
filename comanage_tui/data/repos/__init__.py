"""Repositories: typed reads and writes per part of the domain, sharing one Store."""

from comanage_tui.data.repos.handoffs import HandoffRepo
from comanage_tui.data.repos.knowledge import KtRepo
from comanage_tui.data.repos.org import OrgRepo
from comanage_tui.data.repos.slaconfig import SlaRepo
from comanage_tui.data.repos.tickets import TicketQuery, TicketRepo

__all__ = ["HandoffRepo", "KtRepo", "OrgRepo", "SlaRepo", "TicketQuery", "TicketRepo"]
