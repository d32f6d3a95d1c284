"""Tickets no SLA policy covers: they have no clocks, so no SLA figure counts them; this one does.

A ticket is covered when the first policy that matches it (in order, `fall_through` policies
passing on priorities they have no target for) has a target for its priority and names a
calendar that exists (`clocks.resolve`, the rule every clock is computed with). A database has
only a few hundred distinct combinations of area, priority, kind and holder, however many
tickets: they are found by skipping through an index (`candidates.policy_combinations`), each
matched once, and only the tickets of combinations no policy covers are counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from comanage_tui.data.readmodel import candidates
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
    open_, total = 0, 0
    with store.reading() as cur:
        for combo in candidates.policy_combinations(cur):
            _area, holder, found = resolve(ctx, *combo)
            if found is None and party in (None, holder):
                n, n_open = candidates.count_combination(cur, combo, now)
                total += n
                open_ += n_open
    return Coverage(open_, total)
