"""The party scorecard: what one party delivered over a window, for the lead to send to the partner.

Built from the read model's own figures, never recomputed here: SLA verdicts per party
(`history.compliance_in_window`), OLA compliance (`ola.ola_compliance`), handoffs and their
acknowledgement clocks (`org.handoff_statuses`), the RACI split with its drift
(`org.raci_split`), time held per priority (`held.held_in_window`). Only what no read-model
function had yet is counted here: KT items per teaching party and the handoff tallies.
Every surface (the dashboard's view, `comanage scorecard`, the snapshot's section) shows
these figures; `SCORECARD_RULES` states how each is counted.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from comanage_tui.data.models import Area, KtItem, KtStatus, Party, PartyKind
from comanage_tui.data.readmodel.context import DAY, Context, local_today
from comanage_tui.data.readmodel.held import HeldWindow, held_in_window
from comanage_tui.data.readmodel.held_stats import HELD_RULE
from comanage_tui.data.readmodel.history import Compliance, compliance_in_window
from comanage_tui.data.readmodel.ola import OLA_RULE, OlaCompliance, OlaRow, ola_compliance
from comanage_tui.data.readmodel.org import handoff_statuses, raci_split
from comanage_tui.data.sla.engine import ClockState
from comanage_tui.data.store import Store

DEFAULT_DAYS = 30
PRIORITIES = ("P1", "P2", "P3", "P4")
SCORECARD_RULES = {
    "sla": "Clocks that stopped in the window, met or missed, credited per party by the read model's "
           "compliance (a met verdict to the party holding the ticket when the clock stopped, a missed one to the party "
           "holding it when the target ran out); open clocks are in flight. Compliance % = met / (met + missed).",
    "ola": OLA_RULE,
    "held": HELD_RULE,
    "handoffs": "Those to the party last requested in the window. On time: acknowledged within the target; "
                "wait: business time from request to acknowledgement on the party's calendar (median of the "
                "acknowledged ones). Bounces caused: times the party returned a handoff sent to it (stored per handoff, "
                "not per return, so a handoff counts in the window of its latest request).",
    "kt": "Items the party teaches (its person is the teacher; an untaught internal-to-partner item "
          "is the internal team's), as recorded today: owed = planned or in progress (overdue: past the due date), "
          "delivered = done or verified.",
    "areas": "Where the party is R or A today; drift = another party that is not R holding at least 25 % of the "
             "area's tickets opened in the window.",
}


@dataclass(slots=True)
class Verdicts:
    """One SLA clock's verdicts credited to the party in the window."""

    clock: str
    met: int
    missed: int
    in_flight: int
    breached: int

    @property
    def percent(self) -> float | None:
        judged = self.met + self.missed
        return self.met * 100 / judged if judged else None


@dataclass(slots=True)
class Held:
    """Business time the party held tickets of one priority (resolved in the window)."""

    priority: str
    tickets: int
    median_seconds: float
    p90_seconds: float


@dataclass(slots=True)
class Handoffs:
    received: int = 0
    on_time: int = 0
    late: int = 0
    waiting: int = 0
    """Not acknowledged by the window's end."""
    waiting_late: int = 0
    """Of those, already past their target."""
    median_wait_seconds: float | None = None
    bounces_caused: int = 0
    sent: int = 0


@dataclass(slots=True)
class Knowledge:
    owed: list[KtItem] = field(default_factory=list)
    overdue: int = 0
    delivered: int = 0
    today: dt.date | None = None
    """The day overdue is judged on: the window's end, in the internal team's zone."""


@dataclass(slots=True)
class AreaRole:
    area: Area
    letter: str
    drift: dict[str, float]
    """Party that is not R -> share of the area's tickets opened in the window."""
    recent_tickets: int


@dataclass
class Scorecard:
    """One party's scorecard over [start, end)."""

    party: Party
    start: float
    end: float
    sla: list[Verdicts]
    ola: OlaRow
    ola_by_priority: list[OlaRow]
    held: list[Held]
    handoffs: Handoffs
    kt: Knowledge
    areas: list[AreaRole]
    rules: dict[str, str] = field(default_factory=lambda: dict(SCORECARD_RULES))


def default_window(now: float, days: int = DEFAULT_DAYS) -> tuple[float, float]:
    """The default window: `days` days ending at `now`."""
    return now - days * DAY, now


def party_scorecards(store: Store, ctx: Context, start: float, end: float, parties: Sequence[str] | None = None, *,
                     compliance: Compliance | None = None, held: HeldWindow | None = None,
                     ola: OlaCompliance | None = None) -> list[Scorecard]:
    """Scorecards of `parties` (keys; default every party, internal first) over [start, end), from one pass each source.

    `compliance` may carry `compliance_in_window` over the same window (unscoped), and `held`
    `held_in_window` over it (unscoped), and `ola` `ola_compliance` over it, when the caller has
    them (the snapshot does, from its one replay).

    Raises:
        ValueError: `start` is not before `end`, or a key is not a party.
    """
    if not start < end:
        raise ValueError("the window's start must be before its end")
    by_key = {p.key: p for p in ctx.parties.values()}
    keys = list(parties) if parties is not None else [p.key for p in sorted(by_key.values(), key=_party_order)]
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise ValueError(f"unknown party '{unknown[0]}' (known: {', '.join(sorted(by_key)) or 'none'})")
    comp = compliance if compliance is not None else compliance_in_window(store, ctx, start, end)
    if (comp.start, comp.end) != (start, end):
        raise ValueError(f"compliance covers [{comp.start}, {comp.end}), not [{start}, {end})")
    if ola is not None and (ola.start, ola.end) != (start, end):
        raise ValueError(f"OLA compliance covers [{ola.start}, {ola.end}), not [{start}, {end})")
    olas = ola if ola is not None else ola_compliance(store, ctx, start, end)
    if held is not None and (held.start, held.end) != (start, end):
        raise ValueError(f"held time covers [{held.start}, {held.end}), not [{start}, {end})")
    held_rows = (held if held is not None else held_in_window(store, ctx, start, end)).rows
    statuses = [s for s in handoff_statuses(store, ctx, end, open_only=False, requested_from=start)
                if start <= s.handoff.requested_at < end]
    splits = raci_split(store, ctx, end, window_days=(end - start) / DAY)
    kt = _kt_by_party(store, ctx, end)
    out = []
    for key in keys:
        sla = []
        for clock in ("response", "resolution"):
            row = next((r for r in comp.by[clock]["party"] if r.key == key), None)
            sla.append(Verdicts(clock, row.met, row.missed, row.in_flight, row.breached) if row else Verdicts(clock, 0, 0, 0, 0))
        ola_prio = olas.by_priority.get(key, {})
        out.append(Scorecard(
            party=by_key[key], start=start, end=end, sla=sla, ola=olas.party(key),
            ola_by_priority=[ola_prio[p] for p in sorted(ola_prio)],
            held=[Held(r.priority, r.tickets, r.median_minutes * 60, r.p90_minutes * 60)
                  for r in sorted(held_rows, key=lambda r: _rank(r.priority)) if r.party == key],
            handoffs=_handoffs(key, statuses),
            kt=kt.get(key, Knowledge()),
            areas=[AreaRole(s.area, s.letters[key], dict(sorted(s.drift.items())), s.recent_tickets)
                   for s in splits if s.letters.get(key) in ("R", "A")],
        ))
    return out


def party_scorecard(store: Store, ctx: Context, party: str, start: float, end: float) -> Scorecard:
    """One party's scorecard (see `party_scorecards`)."""
    return party_scorecards(store, ctx, start, end, [party])[0]


def _party_order(p: Party) -> tuple:
    return (p.kind != PartyKind.INTERNAL, p.key)


def _rank(priority: str) -> tuple[int, str]:
    return (PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES), priority)


def _handoffs(key: str, statuses: list) -> Handoffs:  # list[org.HandoffStatus]
    out = Handoffs()
    waits = []
    for s in statuses:
        h = s.handoff
        out.sent += h.from_party_key == key
        if h.to_party_key != key:
            continue
        out.received += 1
        out.bounces_caused += h.bounce_count
        state = s.ack.state
        if state in (ClockState.MET, ClockState.MISSED):
            out.on_time += state == ClockState.MET
            out.late += state == ClockState.MISSED
            waits.append(s.ack.elapsed_seconds)
        else:
            out.waiting += 1
            out.waiting_late += state == ClockState.BREACHED
    out.median_wait_seconds = statistics.median(waits) if waits else None
    return out


def _kt_by_party(store: Store, ctx: Context, end: float) -> dict[str, Knowledge]:
    today = local_today(ctx, end)
    people = {p.id: p.party_key for p in store.org.people()}
    internal = [p.key for p in ctx.parties.values() if p.kind == PartyKind.INTERNAL]
    out: dict[str, Knowledge] = {}
    for item in store.kt.list():
        owner = people.get(item.teacher_id) if item.teacher_id is not None else None
        if owner is None and item.direction == "internal_to_partner" and len(internal) == 1:
            owner = internal[0]
        if owner is None:
            continue
        k = out.setdefault(owner, Knowledge(today=today))
        if item.status in (KtStatus.DONE, KtStatus.VERIFIED):
            k.delivered += 1
        else:
            k.owed.append(item)
            k.overdue += item.is_overdue(today)
    for k in out.values():
        k.owed.sort(key=lambda i: (i.due_date is None, i.due_date, i.id))
    return out
