"""Time held per party: for each ticket and clock, the business time each party held it and the time paused;
and per window, the median and p90 time each party held the tickets of each priority (`held_in_window`).

THE owner of these figures (docs/FIGURES.md, "Time held and attribution"): the ticket screen,
`explain` (text and JSON) and the SLA screen's Us / Ptnr columns all come from `clock_held`,
which replays the ticket's events once and splits each clock's business time with
`sla.attribution.clock_holds`. Held time over every party adds up exactly to the clock's
elapsed time; held plus paused is the business time the clock was open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from comanage_tui.data.readmodel.clocks import TicketClock, load_events
from comanage_tui.data.readmodel.context import Context
from comanage_tui.data.readmodel.held_stats import HELD_RULE, HeldRow, summarise
from comanage_tui.data.readmodel.history import Replay, replay
from comanage_tui.data.sla.attribution import Held, clock_holds
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.engine import walk
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.store import Store

__all__ = ["ClockHeld", "Held", "HeldRow", "HeldWindow", "by_side", "clock_held", "held_for_rows", "held_in_window"]


@dataclass(slots=True)
class ClockHeld:
    """Held and paused time of both clocks of one ticket, as of one moment."""

    response: Held
    resolution: Held

    def of(self, clock: str) -> Held:
        return self.response if clock == "response" else self.resolution


def clock_held(events: Sequence, policy: SlaPolicy, calendar: BusinessCalendar, now: float) -> ClockHeld:
    """Business time each party held the ticket, and time paused per status, for both clocks as of `now`."""
    return ClockHeld(*clock_holds(walk(events, policy, now), calendar))


def held_for_rows(store: Store, ctx: Context, rows: Iterable[TicketClock], now: float) -> dict[int, ClockHeld]:
    """`clock_held` of every row that has clocks (a policy and valid dates), by ticket id.

    Reuses the event logs `ticket_clocks` left in `ctx.events` and reads the others.
    """
    rows = [r for r in rows if r.matched is not None]
    events = load_events(store, ctx, [r.ticket_id for r in rows])
    return {r.ticket_id: clock_held(events[r.ticket_id], *r.matched, now) for r in rows}


def by_side(held: Held, kinds: Mapping[str, str]) -> tuple[float, float]:
    """(held by internal parties, held by partners) in business seconds; `kinds`: party key -> kind.
    Time nobody held ("unassigned") and paused time are in neither."""
    us = sum(s for key, s in held.held.items() if kinds.get(key) == "internal")
    them = sum(s for key, s in held.held.items() if kinds.get(key) == "partner")
    return us, them


@dataclass(slots=True)
class HeldWindow:
    """Held time per party and priority over [start, end) (held_stats.HELD_RULE)."""

    start: float
    end: float
    rule: str
    rows: list[HeldRow]


def held_in_window(store: Store, ctx: Context, start: float, end: float, *, replayed: Replay | None = None,
                   party: str | None = None) -> HeldWindow:
    """Median and p90 business time each party held the tickets that closed in [start, end), per priority.

    `replayed` may carry a `history.replay` at `end` with `window_start=start`, `held_stats=True`
    (and the same `party`): the snapshot shares one walk per ticket with compliance and the trend.
    """
    r = replay(store, ctx, end, window_start=start, party=party, held_stats=True) if replayed is None else replayed
    if r.held_samples is None or (r.now, r.window_start) != (end, start):
        raise ValueError(f"replay has no held time for [{start}, {end})")
    return HeldWindow(start, end, HELD_RULE, summarise(r.held_samples))
