"""Tickets no SLA policy covers: they have no clocks, so no SLA figure counts them; this one does.

A ticket is covered when the first policy that matches it (in order, `fall_through` policies
passing on priorities they have no target for) has a target for its priority and names a
calendar that exists (`clocks.resolve`, the rule every clock is computed with). Counted from
one grouped query: a 100k-ticket database has only a few hundred distinct combinations of
area, priority, kind and holder, each matched once.
"""

from __future__ import annotations

from dataclasses import dataclass

from comanage_tui.data.readmodel.clocks import resolve
from comanage_tui.data.readmodel.context import Context
from comanage_tui.data.store import Store

UNCOVERED_RULE = ("Not covered: tickets no SLA policy covers (none matches them, or the first that does has no target "
                  "for their priority or names a missing calendar); they have no clocks and count in no SLA figure.")


@dataclass(frozen=True, slots=True)
class Coverage:
    uncovered_open: int
    """Tickets opened by `now` and not closed by then that no policy covers."""
    uncovered_total: int
    """Every ticket opened by `now` that no policy covers (closed ones too: missing from compliance)."""


def uncovered_tickets(store: Store, ctx: Context, now: float, *, party: str | None = None) -> Coverage:
    """How many tickets, open at `now` and in all, no SLA policy covers (UNCOVERED_RULE); `party`: held by it now."""
    groups = store.rows(
        "SELECT t.area_id, t.priority, t.kind, t.holder_party_id, count(*), "
        "sum(t.closed_at IS NULL OR t.closed_at > ?) FROM tickets t WHERE +t.opened_at <= ? GROUP BY 1, 2, 3, 4",
        (now, now))
    open_, total = 0, 0
    for area_id, priority, kind, holder_id, n, n_open in groups:
        _area, holder, found = resolve(ctx, area_id, priority, kind, holder_id)
        if found is None and party in (None, holder):
            total += n
            open_ += n_open or 0
    return Coverage(open_, total)
