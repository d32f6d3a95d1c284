"""The read model: what the dashboard, the snapshot and `comanage check` show, computed from the store.

Everything here takes `now` (epoch seconds) and recomputes clocks from ticket events;
nothing is cached between calls except the BusinessCalendar tables inside SlaRepo.
Candidate rows are chosen in SQL so a 100k-ticket database costs only what is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import groupby
from operator import itemgetter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from comanage_tui.data.calendar import BusinessCalendar
from comanage_tui.data.models import Area, Handoff, KtItem, KtStatus, Party
from comanage_tui.data.sla import RUNNING, Clock, ClockState, SlaPolicy, ack_clock, compute_clocks, match_policy, walk
from comanage_tui.data.sla_explain import COMPLIANCE_RULE, ComplianceRow, compliance
from comanage_tui.data.store import Store

DAY = 86_400
OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.AT_RISK, ClockState.BREACHED)
DRIFT_SHARE = 0.25  # an area drifts when a quarter of its recent tickets sit with a non-R party
DRIFT_MIN_TICKETS = 3
NO_POLICY = "(no matching policy)"
TIME_FREED_RULE = "Hours logged on tickets that partners resolved in the window (work the internal team did not have to do)."


@dataclass
class Context:
    """Everything a computation needs besides tickets: loaded once per refresh."""

    policies: list[SlaPolicy]
    calendars: dict[str, BusinessCalendar]
    parties: dict[int, Party]
    areas: dict[int, Area]
    events: dict[int, list[tuple]] = field(default_factory=dict, repr=False)
    """Event tuples per ticket id, loaded once per context: clocks, trend and workload share them."""
    resolved: dict[tuple, tuple] = field(default_factory=dict, repr=False)
    """Memo of `_resolve`: policy matching per (area, priority, kind, holder)."""

    @property
    def party_keys(self) -> dict[int, str]:
        return {pid: p.key for pid, p in self.parties.items()}

    def internal_calendar(self) -> BusinessCalendar | None:
        for p in self.parties.values():
            if p.kind == "internal" and p.calendar in self.calendars:
                return self.calendars[p.calendar]
        return next(iter(self.calendars.values()), None)


def load_context(store: Store) -> Context:
    return Context(
        policies=store.sla.policies(),
        calendars=store.sla.calendar_map(),
        parties={p.id: p for p in store.org.parties()},
        areas={a.id: a for a in store.org.areas()},
    )


@dataclass(slots=True)
class TicketClock:
    """One ticket with both clocks as of `now`, and what they were computed with."""

    ticket_id: int
    ref: str
    title: str
    area: str | None
    priority: str
    kind: str
    status: str
    holder: str
    policy: str
    response: Clock | None
    resolution: Clock | None

    def clocks(self) -> Iterable[Clock]:
        return (c for c in (self.response, self.resolution) if c is not None)

    @property
    def open_clocks(self) -> list[Clock]:
        return [c for c in self.clocks() if c.state in OPEN_STATES]

    @property
    def next_due(self) -> float:
        """The soonest due time of an open clock (breached clocks sort first by their breach)."""
        dues = [c.due_at for c in self.open_clocks if c.due_at is not None]
        return min(dues) if dues else float("inf")

    @property
    def worst(self) -> ClockState | None:
        order = [ClockState.BREACHED, ClockState.AT_RISK, ClockState.RUNNING, ClockState.PAUSED]
        states = [c.state for c in self.open_clocks]
        return next((s for s in order if s in states), None)


_TICKET_COLS = "t.id, t.ref, t.title, t.area_id, t.priority, t.kind, t.status, t.holder_party_id"


_EVENT_COLS = "e.ticket_id, e.at, e.kind, e.status, p.key, e.person_id, e.priority"
_EVENT_FROM = "FROM ticket_events e LEFT JOIN parties p ON p.id = e.party_id"


def _load(store: Store, ctx: Context, where: str, params: list | tuple) -> tuple[list, dict[int, list[tuple]]]:
    """Ticket rows that `where` selects (a SQL condition on alias `t`) and their events.

    Events are plain `(at, kind, status, party key, person id, priority)` tuples, which is
    what `sla.walk` unpacks, built by SQLite rather than Python; those already loaded into
    `ctx.events` by an earlier call are not read again.
    """
    tickets = store.rows(f"SELECT {_TICKET_COLS} FROM tickets t WHERE {where} ORDER BY t.id", params)
    cache = ctx.events
    missing = [r[0] for r in tickets if r[0] not in cache]
    if not missing:
        return tickets, cache
    if len(missing) == len(tickets):
        batches = [(f"e.ticket_id IN (SELECT t.id FROM tickets t WHERE {where})", list(params))]
    else:
        batches = [(f"e.ticket_id IN ({','.join('?' * len(chunk))})", chunk)
                   for chunk in (missing[i:i + 900] for i in range(0, len(missing), 900))]
    for tid in missing:
        cache[tid] = []
    for condition, args in batches:
        rows = store.rows(f"SELECT {_EVENT_COLS} {_EVENT_FROM} WHERE {condition} ORDER BY e.ticket_id, e.seq", args)
        for tid, group in groupby(rows, itemgetter(0)):
            cache[tid] = [r[1:] for r in group]
    return tickets, cache


def _stream_events(store: Store, ctx: Context, tickets: list[tuple], size: int = 2_000) -> Iterator[tuple[tuple, list[tuple]]]:
    """(ticket row, events) for `tickets` (sorted by id), reading events one id range at a time.

    Events already in `ctx.events` are reused; the ones read here are not kept, so memory
    stays bounded by one chunk however many tickets there are (the Split screen's 30-day
    workload on 100k tickets otherwise held a quarter of a million events at once).
    """
    for i in range(0, len(tickets), size):
        part = tickets[i:i + size]
        local: dict[int, list[tuple]] = {}
        if any(r[0] not in ctx.events for r in part):
            rows = store.rows(f"SELECT {_EVENT_COLS} {_EVENT_FROM} WHERE e.ticket_id BETWEEN ? AND ? "
                              "ORDER BY e.ticket_id, e.seq", (part[0][0], part[-1][0]))
            for tid, group in groupby(rows, itemgetter(0)):
                local[tid] = [r[1:] for r in group]
        for r in part:
            cached = ctx.events.get(r[0])
            yield r, cached if cached is not None else local.get(r[0], [])


def _policy_for(ctx: Context, area: str | None, priority: str, kind: str, holder: str) -> tuple[SlaPolicy, BusinessCalendar] | None:
    """The first matching policy that has a target for the priority, with its calendar."""
    policy = match_policy(ctx.policies, party=holder, area=area, priority=priority, kind=kind)
    if policy is None or priority not in policy.targets or policy.calendar not in ctx.calendars:
        return None
    return policy, ctx.calendars[policy.calendar]


def ticket_clocks(store: Store, ctx: Context, where: str, params: list | tuple, now: float) -> list[TicketClock]:
    """Compute clocks for the tickets `where` selects (a SQL condition on alias `t`)."""
    tickets, events = _load(store, ctx, where, params)
    out: list[TicketClock] = []
    for tid, ref, title, area_id, priority, kind, status, holder_id in tickets:
        area, holder, found = _resolve(ctx, area_id, priority, kind, holder_id)
        if found is None:
            out.append(TicketClock(tid, ref, title, area, priority, kind, status, holder, NO_POLICY, None, None))
            continue
        policy, calendar = found
        clocks = compute_clocks(events[tid], policy, calendar, now)
        out.append(TicketClock(tid, ref, title, area, priority, kind, status, holder, policy.name, clocks.response, clocks.resolution))
    return out


def _resolve(ctx: Context, area_id: int | None, priority: str, kind: str, holder_id: int) -> tuple:
    """(area key, holder key, (policy, calendar) or None), memoised per context.

    A 100k-ticket database has only a few hundred distinct combinations, and matching
    the ordered policy list for each ticket was a third of the time of computing clocks.
    """
    key = (area_id, priority, kind, holder_id)
    hit = ctx.resolved.get(key)
    if hit is None:
        area = ctx.areas[area_id].key if area_id in ctx.areas else None
        holder = ctx.parties[holder_id].key if holder_id in ctx.parties else "?"
        hit = ctx.resolved[key] = (area, holder, _policy_for(ctx, area, priority, kind, holder))
    return hit


def open_ticket_clocks(store: Store, ctx: Context, now: float) -> list[TicketClock]:
    """Tickets with a clock still open at `now`, soonest due first.

    Candidates are chosen so a past `now` works too: opened by then and not closed by then.
    """
    rows = ticket_clocks(store, ctx, "t.opened_at <= ? AND (t.closed_at IS NULL OR t.closed_at > ?)", (now, now), now)
    rows = [r for r in rows if r.open_clocks]
    rows.sort(key=lambda r: (r.next_due, r.ticket_id))
    return rows


def stopped_clocks(store: Store, ctx: Context, start: float, end: float) -> list[tuple[TicketClock, Clock]]:
    """Clocks that stopped within [start, end): what compliance is computed over."""
    rows = ticket_clocks(
        store, ctx,
        "t.opened_at < ? AND (t.first_response_at >= ? OR t.resolved_at >= ? OR t.closed_at >= ?)",
        (end, start, start, start), end,
    )
    out = []
    for r in rows:
        for c in r.clocks():
            if c.state in (ClockState.MET, ClockState.MISSED) and c.stopped_at is not None and start <= c.stopped_at < end:
                out.append((r, c))
    return out


@dataclass
class Compliance:
    """Compliance in one window, per clock and grouping, with the rule stated."""

    start: float
    end: float
    rule: str
    overall: dict[str, ComplianceRow]  # "response"/"resolution"
    by: dict[str, dict[str, list[ComplianceRow]]]  # clock -> grouping ("party", "area", "priority") -> rows


def compliance_in_window(
    store: Store, ctx: Context, start: float, end: float, open_rows: list[TicketClock] | None = None,
    stopped: list[tuple[TicketClock, Clock]] | None = None,
) -> Compliance:
    """met / (met + missed) over clocks stopped in the window; open clocks counted as in flight.

    `open_rows` (clocks open at `end`) and `stopped` (clocks stopped in any window that
    covers this one) may be passed when the caller computed them already.
    """
    stopped = stopped_clocks(store, ctx, start, end) if stopped is None else stopped
    open_rows = open_ticket_clocks(store, ctx, end) if open_rows is None else open_rows
    per_clock: dict[str, list] = {"response": [], "resolution": []}
    for r, c in stopped:
        if start <= c.stopped_at < end:
            per_clock[c.name].append((_attrs(r), c))
    for r in open_rows:
        for c in r.open_clocks:
            per_clock[c.name].append((_attrs(r), c))
    overall = {}
    by: dict[str, dict[str, list[ComplianceRow]]] = {}
    for name, rows in per_clock.items():
        total = compliance([({"all": "all"}, c) for _a, c in rows], "all")
        overall[name] = total[0] if total else ComplianceRow("all", 0, 0, 0, 0, None)
        by[name] = {g: compliance(rows, g) for g in ("party", "area", "priority")}
    return Compliance(start, end, COMPLIANCE_RULE, overall, by)


def _attrs(r: TicketClock) -> dict[str, str]:
    return {"party": r.holder, "area": r.area or "", "priority": r.priority}


def weekly_trend(
    store: Store, ctx: Context, now: float, weeks: int = 12, stopped: list[tuple[TicketClock, Clock]] | None = None,
) -> list[tuple[float, float | None, int]]:
    """Resolution compliance per 7-day window ending at `now`: (window start, percent, closed clocks).

    `stopped` may carry clocks already computed for a window that covers these weeks.
    """
    start = now - weeks * 7 * DAY
    pairs = stopped_clocks(store, ctx, start, now) if stopped is None else stopped
    stopped = [c for _r, c in pairs if c.name == "resolution" and start <= c.stopped_at < now]
    buckets = [[0, 0] for _ in range(weeks)]
    for c in stopped:
        i = min(int((c.stopped_at - start) // (7 * DAY)), weeks - 1)
        buckets[i][0 if c.state == ClockState.MET else 1] += 1
    return [(start + i * 7 * DAY, (m * 100 / (m + x)) if m + x else None, m + x) for i, (m, x) in enumerate(buckets)]


# --- handoffs ----------------------------------------------------------------------


@dataclass(slots=True)
class HandoffStatus:
    handoff: Handoff
    ack: Clock
    age_seconds: float
    """Business seconds since it was (last) requested, on the receiving party's calendar."""
    waiting_on: str
    """The party that has to act: the receiver while open."""


def handoff_statuses(store: Store, ctx: Context, now: float, *, open_only: bool = True) -> list[HandoffStatus]:
    out = []
    fallback = ctx.internal_calendar()
    by_key = {p.key: p for p in ctx.parties.values()}
    for h in store.handoffs.list(open_only=open_only, limit=100_000):
        if h.requested_at > now:
            continue
        receiver = by_key.get(h.to_party_key)
        cal = ctx.calendars.get(receiver.calendar) if receiver and receiver.calendar else None
        cal = cal or fallback
        ack = ack_clock(h.requested_at, h.acknowledged_at, h.ack_target_minutes, cal, now, holder=h.to_party_key)
        end = h.closed_at if h.closed_at and h.closed_at <= now else now
        out.append(HandoffStatus(h, ack, cal.business_seconds(h.requested_at, end), h.to_party_key))
    out.sort(key=lambda s: (-s.age_seconds, s.handoff.id))
    return out


# --- the split ---------------------------------------------------------------------


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


def raci_split(store: Store, ctx: Context, now: float, window_days: int = 30) -> list[AreaSplit]:
    """The matrix with its problems: gaps (no R / no A), overlaps (two A), drift (work held by a non-R party)."""
    raci = store.org.raci()
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


def workload(store: Store, ctx: Context, now: float, window_days: int = 30) -> list[Workload]:
    start = now - window_days * DAY
    open_counts = dict(store.query(
        "SELECT holder_party_id, count(*) FROM tickets WHERE opened_at <= ? AND (closed_at IS NULL OR closed_at > ?) "
        "AND (resolved_at IS NULL OR resolved_at > ?) GROUP BY 1", (now, now, now)))
    logged = dict(store.query(
        "SELECT holder_party_id, sum(hours_spent) FROM tickets WHERE resolved_at >= ? AND resolved_at <= ? GROUP BY 1", (start, now)))
    held: dict[str, float] = defaultdict(float)
    # Attribute the running time of every ticket active in the window, clipped to the window.
    tickets = store.rows(f"SELECT {_TICKET_COLS} FROM tickets t WHERE t.opened_at <= ? AND (t.closed_at IS NULL OR "
                         "t.closed_at >= ?) ORDER BY t.id", (now, start))
    for (_tid, _ref, _title, area_id, priority, kind, _status, holder_id), events in _stream_events(store, ctx, tickets):
        found = _resolve(ctx, area_id, priority, kind, holder_id)[2]
        if found is None:
            continue
        policy, cal = found
        for s, e, phase, holder, _st, _resp in walk(events, policy, now).segments:
            if phase == RUNNING:
                a, b = max(s, start), min(e, now)
                if b > a:
                    held[holder] += cal.business_seconds(a, b) / 3600
    return [Workload(p, open_counts.get(pid, 0), round(held.get(p.key, 0.0), 1), round(logged.get(pid, 0.0) or 0.0, 1))
            for pid, p in ctx.parties.items()]


def time_freed_hours(loads: list[Workload]) -> float:
    """See TIME_FREED_RULE."""
    return round(sum(w.hours_logged for w in loads if w.party.kind == "partner"), 1)


# --- knowledge transfer ------------------------------------------------------------


@dataclass
class Coverage:
    area: Area
    documented: bool
    """A runbook for the area is done or verified."""
    stale: int
    internal_people: int
    partner_people: int
    open_items: int
    overdue: int

    @property
    def single_point(self) -> str | None:
        """Why the area depends on too few people, or None."""
        total = self.internal_people + self.partner_people
        if total <= 1:
            return "only one person can do it" if total == 1 else "nobody is recorded as able to do it"
        if self.internal_people == 0:
            return "only the partner can do it"
        return None


def kt_coverage(store: Store, ctx: Context, today: dt.date, items: list[KtItem] | None = None) -> list[Coverage]:
    items = store.kt.list() if items is None else items
    caps = store.org.capabilities()
    kinds = {p.key: p.kind for p in ctx.parties.values()}
    people: dict[str, list[str]] = defaultdict(list)
    for area, _pid, party in caps:
        people[area].append(kinds.get(party, "partner"))
    by_area: dict[str, list[KtItem]] = defaultdict(list)
    for it in items:
        by_area[it.area_key].append(it)
    out = []
    for area in sorted(ctx.areas.values(), key=lambda a: a.name):
        its = by_area.get(area.key, [])
        out.append(Coverage(
            area=area,
            documented=any(i.kind == "runbook" and i.status in (KtStatus.DONE, KtStatus.VERIFIED) for i in its),
            stale=sum(i.is_stale(today) for i in its),
            internal_people=people[area.key].count("internal"),
            partner_people=sum(1 for k in people[area.key] if k != "internal"),
            open_items=sum(i.status in (KtStatus.PLANNED, KtStatus.IN_PROGRESS) for i in its),
            overdue=sum(i.is_overdue(today) for i in its),
        ))
    return out


def local_today(ctx: Context, now: float) -> dt.date:
    """Today's date in the internal team's time zone (KT due dates and reviews are local dates)."""
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.timezone.utc
    return dt.datetime.fromtimestamp(now, zone).date()


def end_of_business_today(ctx: Context, now: float) -> float:
    """When the internal team's working day ends (end of the local day if it is closed today)."""
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.timezone.utc
    local = dt.datetime.fromtimestamp(now, zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), zone).timestamp()
    if cal is None or cal.spec.always_open:
        return midnight
    ends = [e for _s, e, kind in cal.split(now, midnight) if kind == "open"]
    return ends[-1] if ends else midnight
