"""Whose time it was: business time per holding party and paused time per status, for each clock of a walk,
and which party a stopped clock's verdict belongs to.

The rules (docs/FIGURES.md, "Time held and attribution"):

* **Held**: the business seconds a clock counted while a party held the ticket (running
  segments, on the policy's calendar). They add up exactly to the clock's elapsed time.
* **Paused**: the business seconds the clock did not count because the ticket sat in a
  pause status, per status. Held plus paused is the business time the clock was open:
  from the opening to its stop (or ``now``), stopped spans of a reopened ticket left out.
* **Verdict**: a met clock belongs to the party holding the ticket when it stopped, a missed
  one to the party holding it when its target ran out (``breach_holder``); reassigning the
  ticket later moves neither. An open breached clock already belongs to whoever held it
  when it ran out; an open clock within its target has no verdict yet.

Light like the engine (no pydantic), so ``comanage check`` can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from comanage_tui.data.sla.engine import RUNNING, STOPPED, Event, Stop, Walk, holder_at, ran_out, walk

if TYPE_CHECKING:
    from comanage_tui.data.sla.calendar import BusinessCalendar
    from comanage_tui.data.sla.policy import SlaPolicy

ATTRIBUTION_RULE = (
    "By party: a met clock counts for the party that held the ticket when it stopped, a missed one for the "
    "party that held it when its target ran out; reassigning the ticket later moves neither. An open clock counts "
    "in flight for the party holding the ticket now, or, once breached, for the party that held it when it ran out."
)


@dataclass(slots=True)
class Held:
    """Where one clock's business time went, as of the walk's ``now``."""

    clock: str
    """"response" or "resolution"."""
    held: dict[str, float] = field(default_factory=dict)
    """Party key (or "unassigned") -> business seconds the clock counted while that party held the ticket."""
    paused: dict[str, float] = field(default_factory=dict)
    """Pause status -> business seconds the clock sat paused in it (not counted)."""

    @property
    def counted(self) -> float:
        """Held time over every party: the clock's elapsed business time."""
        return sum(self.held.values())

    @property
    def paused_total(self) -> float:
        return sum(self.paused.values())

    @property
    def open_seconds(self) -> float:
        """Business time the clock was open: held plus paused."""
        return self.counted + self.paused_total


def clock_holds(w: Walk, calendar: BusinessCalendar) -> tuple[Held, Held]:
    """(response, resolution) held and paused time of one walk; parties and statuses with no
    business time are left out. One calendar lookup per segment."""
    bs = calendar.business_seconds
    response, resolution = Held("response"), Held("resolution")
    for s, e, phase, holder, status, resp_open in w.segments:
        if phase == STOPPED:
            continue
        b = bs(s, e)
        if not b:
            continue
        running = phase == RUNNING
        key = holder if running else status
        for h in (resolution, response) if resp_open else (resolution,):
            bucket = h.held if running else h.paused
            bucket[key] = bucket.get(key, 0) + b
    return response, resolution


def attribute(events: Sequence[Event], policy: SlaPolicy, calendar: BusinessCalendar, now: float) -> dict[str, float]:
    """The resolution clock's held time per party and paused time per status in one dict (the
    ticket's whole non-stopped life; a party named like a status would collide: prefer clock_holds)."""
    _response, resolution = clock_holds(walk(events, policy, now), calendar)
    return {**resolution.held, **resolution.paused}


def verdict_holder(w: Walk, calendar: BusinessCalendar, stop: Stop, target: float) -> str:
    """The party a stop's verdict belongs to, judged against ``target`` (seconds): the holder when
    it ran out if missed, else the holder at the instant it stopped (as ``Clock.verdict_holder``)."""
    if stop.elapsed > target:
        return ran_out(w, calendar, target, stop.clock == "response")[1]
    return holder_at(w, stop.at)
