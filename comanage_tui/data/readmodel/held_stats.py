"""Time held per party over a window: how long each party kept the tickets it held, per priority.

One rule (HELD_RULE), collected ticket by ticket with `add_sample` and summed with `summarise`.
Light on purpose (the engine and the attribution only, no Store, no pydantic): the read model's
replay (`history.replay(..., held_stats=True)`, which the snapshot uses) and `comanage check`
collect with the same two functions, so their figures are the same by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from comanage_tui.data.sla.attribution import clock_holds

if TYPE_CHECKING:
    from comanage_tui.data.sla.calendar import BusinessCalendar
    from comanage_tui.data.sla.engine import Walk

WINDOW_DAYS = 30
HELD_RULE = (
    "Time held by priority: for each ticket whose resolution clock stopped in the window and is still stopped, "
    "the business time its resolution clock counted while each party held it (all its hops together); a party's "
    "figures cover only the tickets it held for some of that time. Median and 90th percentile by nearest rank "
    "(an actual ticket's time), in whole business minutes."
)

Samples = dict[str, dict[str, list[float]]]
"""priority -> party -> business seconds held, one entry per ticket."""


@dataclass(frozen=True, slots=True)
class HeldRow:
    """One party's held time on the tickets of one priority that closed in the window."""

    party: str
    priority: str
    tickets: int
    median_minutes: int
    p90_minutes: int
    total_minutes: int


def add_sample(samples: Samples, w: Walk, calendar: BusinessCalendar, priority: str | None, start: float, now: float,
               party: str | None = None) -> None:
    """Count one ticket's walk (up to `now`) when its resolution clock stopped in [start, now) and
    stayed stopped; `party` keeps only that party's time."""
    stop = w.resolution_stop
    if stop is None or not start <= stop < now:
        return
    _response, resolution = clock_holds(w, calendar)
    by_party = samples.setdefault(priority or "(none)", {})
    for key, seconds in resolution.held.items():
        if party is None or key == party:
            by_party.setdefault(key, []).append(seconds)


def nearest_rank(values: list[float], percent: float) -> float:
    """The smallest value with at least `percent` % of `values` at or below it (`values` sorted, not empty)."""
    return values[max(0, math.ceil(percent / 100 * len(values)) - 1)]


def summarise(samples: Samples) -> list[HeldRow]:
    """One row per priority and party that held a ticket, by priority then party key."""
    rows = []
    for priority in sorted(samples):
        for party in sorted(samples[priority]):
            values = sorted(samples[priority][party])
            rows.append(HeldRow(party, priority, len(values), int(nearest_rank(values, 50) // 60),
                                int(nearest_rank(values, 90) // 60), int(sum(values) // 60)))
    return rows
