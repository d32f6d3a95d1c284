"""The two records an import passes along: a source row as the replay reads it, a replayed ticket as a sink writes it."""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    """The few values of a source row the replay needs (not the whole row)."""

    ref: str
    line: int
    order: int
    at: int | None
    opened: int
    status: str | None  # comanage status, KEEP, or None when the row says nothing
    state_raw: str
    party: int | None
    group: str
    priority: str
    person: str | None
    area: int | None
    met: bool | None
    reassign: int | None
    reopen: int | None
    fields: list[str]  # kept only while the ticket's group is open: the title is built from the last row
    resolved: int | None
    closed: int | None
    responded: int | None
    worked: float | None = None
    """Hours worked as of this row (the time_worked column), None when the export says nothing."""


class TicketRecord(NamedTuple):
    """A replayed ticket as the sinks write it: the summary columns and the event log."""

    ref: str
    title: str
    area: int | None
    priority: str
    status: str
    party: int
    opened: int
    responded: int | None
    resolved: int | None
    closed: int | None
    reassign: int
    reopen: int
    met: bool | None
    events: list[tuple]  # (at, kind, status, party_id, priority, note)
    hours: float | None = None
    """Hours worked on the ticket (the last value the export gives), None to leave hours_spent as it is."""
