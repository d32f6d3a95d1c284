"""Who does what: handoffs and their acknowledgement clocks, the RACI split with its problems, workload."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from comanage_tui.data.models import Area, Handoff, Party
from comanage_tui.data.readmodel import candidates
from comanage_tui.data.readmodel.context import DAY, Context
from comanage_tui.data.readmodel.history import Replay, replay
from comanage_tui.data.sla.engine import Clock, ack_clock
from comanage_tui.data.store import Store
from comanage_tui.data.timerange import in_range

DRIFT_SHARE = 0.25  # an area drifts when a quarter of its recent tickets sit with a non-R party
DRIFT_MIN_TICKETS = 3
TIME_FREED_RULE = "Hours logged on tickets that partners resolved in the window (work the internal team did not have to do)."


@dataclass(slots=True)
class HandoffStatus:
    handoff: Handoff
    ack: Clock
    age_seconds: float
    """Business seconds since it was (last) requested, on the receiving party's calendar."""
    waiting_on: str
    """The party that has to act: the receiver while open."""


def handoff_statuses(store: Store, ctx: Context, now: float, *, open_only: bool = True,
                     open_at_now: bool = False, states: Sequence[str] | None = None,
                     requested_from: float | None = None, listed: Sequence[Handoff] | None = None) -> list[HandoffStatus]:
    """Handoffs requested by `now` with their acknowledgement clocks, longest waiting first.

    `open_only`: those open today; `open_at_now`: those open at `now` (not closed by then),
    which is what a past `now` asks for; `states`, `requested_from`: only those (Context.handoffs).
    `listed`: judge these handoffs instead (read once by a caller that judges them at several moments).
    """
    out = []
    fallback = ctx.internal_calendar()
    by_key = {p.key: p for p in ctx.parties.values()}
    if listed is None:
        listed = ctx.handoffs(store, open_only=open_only, open_at=now if open_at_now else None, states=states,
                              requested_from=requested_from)
    for h in listed:
        if h.requested_at > now or not (in_range(h.requested_at) and in_range(h.acknowledged_at) and in_range(h.closed_at)):
            continue  # not yet requested, or a hand-edited time the calendar cannot walk
        receiver = by_key.get(h.to_party_key)
        cal = ctx.calendars.get(receiver.calendar) if receiver and receiver.calendar else None
        cal = cal or fallback
        ack = ack_clock(h.requested_at, h.acknowledged_at, h.ack_target_minutes, cal, now, holder=h.to_party_key)
        end = h.closed_at if h.closed_at and h.closed_at <= now else now
        out.append(HandoffStatus(h, ack, cal.business_seconds(h.requested_at, end), h.to_party_key))
    out.sort(key=lambda s: (-s.age_seconds, s.handoff.id))
    return out


@dataclass
class AreaSplit:
    area: Area
    letters: dict[str, str]  # party key -> R/A/C/I
    gap: list[str] = field(default_factory=list)  # "no Responsible", "no Accountable"
    overlap: list[str] = field(default_factory=list)  # parties sharing A
    drift: dict[str, float] = field(default_factory=dict)  # non-R party -> share of recent tickets
    recent_tickets: int = 0

    @property
    def problems(self) -> list[str]:
        out = list(self.gap)
        if self.overlap:
            out.append("two Accountable: " + ", ".join(self.overlap))
        out += [f"drift: {share:.0%} of tickets held by {party}" for party, share in sorted(self.drift.items())]
        return out


def raci_split(store: Store, ctx: Context, now: float, window_days: float = 30) -> list[AreaSplit]:
    """The matrix with its problems: gaps (no R / no A), overlaps (two A), drift (work held by a non-R party)."""
    raci = ctx.raci(store)
    held = store.query(
        "SELECT t.area_id, t.holder_party_id, count(*) FROM tickets t WHERE t.opened_at >= ? AND t.opened_at <= ? "
        "AND t.area_id IS NOT NULL GROUP BY 1, 2",
        (now - window_days * DAY, now),
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for area_id, party_id, n in held:
        counts[area_id][ctx.party_keys.get(party_id, "?")] = n
    out = []
    for area in sorted(ctx.areas.values(), key=lambda a: a.name):
        letters = {p: letter for (a, p), letter in raci.items() if a == area.key}
        split = AreaSplit(area, letters)
        if "R" not in letters.values():
            split.gap.append("no Responsible")
        if "A" not in letters.values():
            split.gap.append("no Accountable")
        accountable = sorted(p for p, letter in letters.items() if letter == "A")
        if len(accountable) > 1:
            split.overlap = accountable
        area_counts = counts.get(area.id, {})
        split.recent_tickets = total = sum(area_counts.values())
        if total >= DRIFT_MIN_TICKETS and "R" in letters.values():
            for party, n in area_counts.items():
                if letters.get(party) != "R" and n / total >= DRIFT_SHARE:
                    split.drift[party] = n / total
        out.append(split)
    return out


@dataclass(slots=True)
class Workload:
    party: Party
    open_tickets: int
    business_hours_held: float
    """Business hours the party held tickets in the window (paused time excluded)."""
    hours_logged: float
    """Hours spent logged on tickets the party resolved in the window."""


def workload(store: Store, ctx: Context, now: float, window_days: int = 30, *, replayed: Replay | None = None) -> list[Workload]:
    """Per party: open tickets at `now`, business hours held in the window, hours logged on what it resolved.

    `replayed` may carry a `replay` at `now` with `held_from=now - window_days` days.
    """
    start = now - window_days * DAY
    open_counts = dict(store.query(
        f"SELECT t.holder_party_id, count(*) FROM tickets t WHERE {candidates.OPEN_AT} "
        "AND (t.resolved_at IS NULL OR t.resolved_at > ?) GROUP BY 1", (now, now, now)))
    logged = dict(store.query(
        "SELECT holder_party_id, sum(hours_spent) FROM tickets WHERE resolved_at >= ? AND resolved_at <= ? GROUP BY 1", (start, now)))
    # The running time of every ticket active in the window, clipped to the window, per holder.
    r = replay(store, ctx, now, held_from=start) if replayed is None else replayed
    if (r.now, r.held_from) != (now, start):
        raise ValueError(f"replay holds time from {r.held_from} to {r.now}, not {start} to {now}")
    return [Workload(p, open_counts.get(pid, 0), round(r.held.get(p.key, 0) / 3600, 1), round(logged.get(pid, 0.0) or 0.0, 1))
            for pid, p in ctx.parties.items()]


def time_freed_hours(loads: list[Workload]) -> float:
    """See TIME_FREED_RULE."""
    return round(sum(w.hours_logged for w in loads if w.party.kind == "partner"), 1)


