"""OLA hop clocks: how long each party held a ticket on each hop, judged against that party's OLA.

Semantics (decided once; tested in tests/data/test_ola.py):

* A *hop* is one party's turn with the ticket: it starts when the ticket is opened with, or
  assigned to, that party (or when a resolved ticket is reopened while that party holds it),
  and ends when the ticket is assigned to a different party ("passed on") or reaches a status
  that stops the resolution clock ("resolved"). An assign to another person of the same party
  does not end the hop. The last hop is *open* while the ticket is neither passed on nor stopped.
* A hop's clock counts business seconds of the **hop party's OLA calendar** while the ticket
  is in a running status; the statuses that pause it, and the one that stops it, are the
  ticket's SLA policy's (`pause_statuses`, `resolution_stop`), so OLA and SLA agree on what
  "waiting" means. Events after ``now`` are ignored, as in the SLA engine.
* The target is the OLA's target for the priority in force when the hop ended (at ``now`` for
  the open hop), so nothing that happens after a hop ended (a reassignment, a priority change,
  a reopen) changes its verdict. A party without an OLA, or without a target for that
  priority, has hops without a clock (``state`` None).
* Verdicts: an ended hop is met (elapsed <= target) or missed; the open hop is breached
  (elapsed > target), paused, at risk (elapsed >= the OLA's ``at_risk_percent`` of the
  target) or running, in that order, like the SLA clocks (`sla.engine`).
* ``breached_at`` is when a hop's elapsed time first reached its target (for hops that went on
  past it); ``due_at`` for an open hop within its target is ``now`` plus the time left.

Pure: events, the ticket's policy, the OLAs by party, calendars by name and ``now`` in; no
database, no wall clock. The read model (`readmodel/ola.py`) feeds it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from comanage_tui.data.sla.engine import PAUSED, RUNNING, STOPPED, ClockState, Event, priority_at, walk

if TYPE_CHECKING:
    from comanage_tui.data.sla.calendar import BusinessCalendar
    from comanage_tui.data.sla.ola_spec import OlaSpec
    from comanage_tui.data.sla.policy import SlaPolicy

PASSED_ON, RESOLVED, OPEN = "passed_on", "resolved", "open"


@dataclass(slots=True)
class Hop:
    """One party's turn with a ticket and its OLA clock."""

    index: int
    """1 for the ticket's first hop."""
    party: str
    start: float
    end: float | None
    """When it was passed on or resolved; None while open at ``now``."""
    ended: str
    """PASSED_ON, RESOLVED or OPEN."""
    next_party: str | None
    """Who it was passed on to (PASSED_ON only)."""
    priority: str | None
    """The priority whose target judges the hop (in force when it ended, or at ``now``)."""
    calendar: str | None
    """The OLA's calendar; None when the party has no OLA."""
    target_seconds: float | None
    """None when the party has no OLA or no target for the priority."""
    elapsed_seconds: float
    """Business seconds of the OLA calendar in a running status (0 without an OLA)."""
    state: ClockState | None
    """met / missed (ended), breached / paused / at_risk / running (open); None without a clock."""
    breached_at: float | None
    due_at: float | None

    @property
    def has_clock(self) -> bool:
        return self.state is not None

    @property
    def is_open(self) -> bool:
        return self.ended == OPEN


def _final_holder(events: Sequence[Event], now: float) -> str | None:
    """The party named last at or before ``now`` (ties keep the log's order, as `walk` does)."""
    holder, last = None, -math.inf
    for ev in events:
        if ev[0] <= now and ev[3] is not None and ev[0] >= last:
            holder, last = ev[3], ev[0]
    return holder


def ola_hops(
    events: Sequence[Event], policy: SlaPolicy, olas: Mapping[str, OlaSpec],
    calendars: Mapping[str, BusinessCalendar], now: float,
) -> list[Hop]:
    """Every hop of the ticket up to ``now``, oldest first, each with its OLA clock (see the module docstring)."""
    if not events:
        return []
    return hops_of_walk(walk(events, policy, now), events, policy, olas, calendars, now)


def hops_of_walk(
    w, events: Sequence[Event], policy: SlaPolicy, olas: Mapping[str, OlaSpec],
    calendars: Mapping[str, BusinessCalendar], now: float,
) -> list[Hop]:
    """`ola_hops` for a ticket already walked up to ``now`` with ``policy`` (`w`, an engine Walk)."""
    spans: list[list[Any]] = []  # [party, start, end, ended, next party, running pieces [(s, e)]]
    cur: list[Any] | None = None
    for s, e, phase, holder, _status, _resp in w.segments:
        if phase == STOPPED:
            if cur is not None:
                cur[2], cur[3] = s, RESOLVED
                cur = None
            continue
        if cur is None or holder != cur[0]:
            if cur is not None:
                cur[2], cur[3], cur[4] = s, PASSED_ON, holder
            cur = [holder, s, None, OPEN, None, []]
            spans.append(cur)
        if phase == RUNNING:
            cur[5].append((s, e))
    if cur is not None:
        # The walk reached `now` with this hop on. An event exactly at `now` leaves no segment
        # after it, so a stop or a pass at that instant is read from the walk's end state.
        if w.phase == STOPPED:
            cur[2], cur[3] = now, RESOLVED
        else:
            final = _final_holder(events, now)
            if final is not None and final != cur[0]:
                cur[2], cur[3], cur[4] = now, PASSED_ON, final
    paused_now = w.phase == PAUSED
    return [_judge(i, span, policy, w, olas, calendars, now, paused_now) for i, span in enumerate(spans, 1)]


def _judge(index: int, span: list[Any], policy: SlaPolicy, w, olas: Mapping[str, OlaSpec],
           calendars: Mapping[str, BusinessCalendar], now: float, paused_now: bool) -> Hop:
    party, start, end, ended, next_party, running = span
    priority = priority_at(w, end if end is not None else now)
    ola = olas.get(party)
    cal = calendars.get(ola.calendar) if ola is not None else None
    minutes = ola.targets.get(priority) if ola is not None and priority is not None else None
    if ola is None or cal is None or minutes is None:
        return Hop(index, party, start, end, ended, next_party, priority, ola.calendar if ola else None,
                   None, 0, None, None, None)
    target = minutes * 60
    pieces = [(s, cal.business_seconds(s, e)) for s, e in running]
    elapsed = sum(b for _s, b in pieces)
    breached_at = due_at = None
    if elapsed > target:
        acc = 0
        for s, b in pieces:
            if acc + b >= target:
                breached_at = cal.add_business_seconds(s, target - acc)
                break
            acc += b
    if ended != OPEN:
        state = ClockState.MISSED if elapsed > target else ClockState.MET
    elif elapsed > target:
        state, due_at = ClockState.BREACHED, breached_at
    else:
        due = cal.add_business_seconds(now, target - elapsed)
        due_at = None if due == math.inf else due
        if paused_now:
            state = ClockState.PAUSED
        elif elapsed * 100 >= target * ola.at_risk_percent:
            state = ClockState.AT_RISK
        else:
            state = ClockState.RUNNING
    return Hop(index, party, start, end, ended, next_party, priority, ola.calendar, target, elapsed, state,
               breached_at, due_at)
