"""The read model: what the dashboard, the snapshot and `comanage check` show, computed from the store.

Everything here takes `now` (epoch seconds) and recomputes clocks from ticket events;
nothing is cached between calls except the BusinessCalendar tables inside SlaRepo.
Candidate rows are chosen in SQL so a 100k-ticket database costs only what is shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from comanage_tui.data.calendar import BusinessCalendar
from comanage_tui.data.models import Area, Handoff, KtItem, KtStatus, Party
from comanage_tui.data.sla import (
    Clock,
    ClockState,
    SlaPolicy,
    ack_clock,
    clock_stops,
    compute_clocks,
    match_policy,
    targets_at,
    walk,
)
from comanage_tui.data.sla_explain import COMPLIANCE_RULE, ComplianceRow
from comanage_tui.data.store import Store
from comanage_tui.data.timerange import in_range

DAY = 86_400
OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.AT_RISK, ClockState.BREACHED)
DRIFT_SHARE = 0.25  # an area drifts when a quarter of its recent tickets sit with a non-R party
DRIFT_MIN_TICKETS = 3
NO_POLICY = "(no matching policy)"
INVALID_DATE = "(a stored date outside 1970-2200)"  # shown instead of clocks; see data/timerange.py
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


_EVENT_COLS = "e.at, e.kind, e.status, p.key, e.person_id, e.priority"
_EVENT_FROM = "FROM ticket_events e LEFT JOIN parties p ON p.id = e.party_id"
_BATCH = 500  # tickets per read of events: SQLite walks idx_events_ticket for an IN list as fast as for a range


def _read_events(store: Store, ids: list[int]) -> dict[int, list[tuple]]:
    """Event logs of `ids` (at most a few hundred) as the plain tuples `sla.walk` unpacks.

    SQLite builds the `(at, kind, status, party key, person id, priority)` tuples; how many
    belong to each ticket comes from a count in the same read transaction, so each log is a
    slice of the rows rather than every row rebuilt in Python without its ticket id.
    """
    marks = ",".join("?" * len(ids))
    with store.reading() as cur:
        counts = cur.execute(f"SELECT ticket_id, count(*) FROM ticket_events WHERE ticket_id IN ({marks}) "
                             "GROUP BY ticket_id ORDER BY ticket_id", ids).fetchall()
        rows = cur.execute(f"SELECT {_EVENT_COLS} {_EVENT_FROM} WHERE e.ticket_id IN ({marks}) "
                           "ORDER BY e.ticket_id, e.seq", ids).fetchall()
    out: dict[int, list[tuple]] = {}
    i = 0
    for tid, n in counts:
        out[tid] = rows[i:i + n]
        i += n
    return out


def _load(store: Store, ctx: Context, where: str, params: list | tuple) -> tuple[list, dict[int, list[tuple]]]:
    """Ticket rows that `where` selects (a SQL condition on alias `t`) and their events.

    Events (see `_read_events`) already loaded into `ctx.events` by an earlier call are not
    read again; the ones read here are kept there.
    """
    tickets = store.rows(f"SELECT {_TICKET_COLS} FROM tickets t WHERE {where} ORDER BY t.id", params)
    cache = ctx.events
    missing = [r[0] for r in tickets if r[0] not in cache]
    for i in range(0, len(missing), _BATCH):
        chunk = missing[i:i + _BATCH]
        found = _read_events(store, chunk)
        for tid in chunk:
            cache[tid] = found.get(tid, [])
    return tickets, cache


def _stream_events(store: Store, ctx: Context, tickets: list[tuple]) -> Iterator[tuple[tuple, list[tuple]]]:
    """(ticket row, events) for `tickets`, reading the events of a batch of tickets at a time.

    Events already in `ctx.events` are reused; the ones read here are not kept, so memory
    stays bounded by one batch however many tickets there are (a replay of 12 weeks on 100k
    tickets otherwise held 650,000 events at once). Reading by id list rather than id range
    never reads the tickets in between, however scattered the candidates are.
    """
    cache = ctx.events
    for i in range(0, len(tickets), _BATCH):
        part = tickets[i:i + _BATCH]
        missing = [r[0] for r in part if r[0] not in cache]
        local = _read_events(store, missing) if missing else {}
        for r in part:
            cached = cache.get(r[0])
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
        if not all(in_range(e[0]) for e in events[tid]):  # hand-edited or old data: skipped, labelled, not fatal
            out.append(TicketClock(tid, ref, title, area, priority, kind, status, holder, INVALID_DATE, None, None))
            continue
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
    ("+" keeps SQLite off idx_tickets_opened, which matches nearly every ticket for a recent
    `now`: a table scan is 4x faster then and costs ~20 ms at 100k tickets when it is not.)
    """
    rows = ticket_clocks(store, ctx, "+t.opened_at <= ? AND (t.closed_at IS NULL OR t.closed_at > ?)", (now, now), now)
    rows = [r for r in rows if r.open_clocks]
    rows.sort(key=lambda r: (r.next_due, r.ticket_id))
    return rows


def stopped_clocks(store: Store, ctx: Context, start: float, end: float) -> list[tuple[TicketClock, Clock]]:
    """Clocks stopped within [start, end) as of `end`, each computed afresh with `compute_clocks`.

    The plain definition, kept as the reference `replay` is tested against; the read model
    itself counts compliance with `replay` (one walk per ticket for any number of windows).
    """
    rows = ticket_clocks(store, ctx, _ACTIVE_SINCE, (end, start, start, start), end)
    out = []
    for r in rows:
        for c in r.clocks():
            if c.state in (ClockState.MET, ClockState.MISSED) and c.stopped_at is not None and start <= c.stopped_at < end:
                out.append((r, c))
    return out


# --- compliance and held time: one replay of the event logs ---------------------------

WEEK = 7 * DAY
# Tickets that can have a clock stop, or run, in [start, now): opened by `now` and not closed
# before `start`. Closing sets closed_at; resolving or reopening clears it, so a ticket resolved
# in the window and reopened since is still a candidate (its stop then is a verdict of that week).
_ACTIVE_SINCE = ("+t.opened_at <= ? AND (t.closed_at IS NULL OR t.closed_at >= ? OR t.resolved_at >= ? "
                 "OR t.first_response_at >= ?)")
_GROUPINGS = ("party", "area", "priority")


@dataclass
class Replay:
    """Verdicts on stopped clocks and time held, from one walk of each ticket's events (see `replay`)."""

    now: float
    window_start: float | None
    stopped: dict[str, dict[str, dict[str, ComplianceRow]]]
    """clock -> grouping ("all", "party", "area", "priority") -> key -> met and missed clocks that
    stopped in [window_start, now), judged as of `now`."""
    trend_start: float
    weeks: list[list[int]]
    """[met, missed] resolution clocks per 7-day week from `trend_start`, each judged as of the week's end."""
    held_from: float | None
    held: dict[str, float]
    """Business seconds per holder (party key) of running time in [held_from, now)."""


def replay(
    store: Store, ctx: Context, now: float, *, window_start: float | None = None, weeks: int = 0,
    held_from: float | None = None, party: str | None = None,
) -> Replay:
    """Walk every ticket active since the earliest of the starts once, and count what is asked for.

    - `window_start`: met/missed of clocks that stopped in [window_start, now), as of `now`;
    - `weeks`: met/missed of resolution clocks per week of the `weeks` weeks before `now`, each
      week [end - 7 days, end) judged as of its own `end` (see `weekly_trend` for why);
    - `held_from`: business seconds each party held a running ticket in [held_from, now).

    `party` keeps only the verdicts on tickets that party holds now (held time covers everyone).
    Verdicts come from `sla.clock_stops`, which gives every stop of both clocks with the time
    they had counted, so a clock's verdict at any of these moments costs no second walk; it
    equals `stopped_clocks` per window (tests/data/test_status.py, test_snapshot.py). Events
    are read a batch of tickets at a time and only counters are kept, so memory does not grow
    with the number of tickets.
    """
    trend_start = now - weeks * WEEK
    inf = math.inf
    verdicts_from = min(window_start if window_start is not None else inf, trend_start if weeks else inf)
    lo = min(verdicts_from, held_from if held_from is not None else inf)
    stopped: dict[str, dict[str, dict[str, ComplianceRow]]] = {
        name: {g: {} for g in ("all", *_GROUPINGS)} for name in ("response", "resolution")}
    buckets = [[0, 0] for _ in range(weeks)]
    held: dict[str, float] = {}
    out = Replay(now, window_start, stopped, trend_start, buckets, held_from, held)
    if lo == inf:
        return out
    held_into = held if held_from is not None else None
    held_since = held_from if held_from is not None else inf
    window_from = window_start if window_start is not None else inf
    rows_for: dict[tuple, list[ComplianceRow]] = {}  # (clock, holder, area, priority) -> the rows it counts in
    tickets = store.rows(f"SELECT {_TICKET_COLS} FROM tickets t WHERE {_ACTIVE_SINCE} ORDER BY t.id", (now, lo, lo, lo))
    for (_tid, _ref, _title, area_id, priority, kind, _status, holder_id), events in _stream_events(store, ctx, tickets):
        area, holder, found = _resolve(ctx, area_id, priority, kind, holder_id)
        if found is None or not events or not all(in_range(e[0]) for e in events):
            continue  # an out-of-range stored date is labelled in ticket_clocks, never counted here
        policy, cal = found
        w = walk(events, policy, now)
        stops = clock_stops(w, cal, held_into, held_since)
        if party is not None and holder != party:
            continue
        # A verdict is met when the elapsed time is within the target in force at the moment
        # judged (sla.stopped_state); nearly every ticket keeps one priority, so one target pair.
        targets = targets_at(policy, w, now) if len(w.priorities) < 2 else None
        for stop in stops:
            at = stop.at
            if at < verdicts_from or at >= now:
                continue
            index = 0 if stop.clock == "response" else 1
            if at >= trend_start and index and weeks:
                i = min(int((at - trend_start) // WEEK), weeks - 1)
                end = trend_start + (i + 1) * WEEK
                if stop.until > end:  # still stopped at the week's end (not reopened by then)
                    target = (targets or targets_at(policy, w, end))[1]
                    buckets[i][0 if stop.elapsed <= target else 1] += 1
            if at >= window_from and stop.until > now:
                key = (index, holder, area, priority)
                rows = rows_for.get(key)
                if rows is None:
                    by = stopped[stop.clock]
                    rows = rows_for[key] = [
                        _row(by["all"], "all"), _row(by["party"], holder), _row(by["area"], area), _row(by["priority"], priority)]
                if stop.elapsed <= (targets or targets_at(policy, w, now))[index]:
                    for row in rows:
                        row.met += 1
                else:
                    for row in rows:
                        row.missed += 1
    return out


def _row(group: dict[str, ComplianceRow], key: str | None) -> ComplianceRow:
    key = key or "(none)"  # as sla_explain.compliance names a missing value
    row = group.get(key)
    if row is None:
        row = group[key] = ComplianceRow(key, 0, 0, 0, 0, None)
    return row


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
    replayed: Replay | None = None,
) -> Compliance:
    """met / (met + missed) over clocks stopped in [start, end) as of `end`; clocks open at `end` in flight.

    `open_rows` (`open_ticket_clocks` at `end`) and `replayed` (a `replay` at `end` with
    `window_start=start`) may be passed when the caller has them already.
    """
    r = replay(store, ctx, end, window_start=start) if replayed is None else replayed
    if (r.now, r.window_start) != (end, start):
        raise ValueError(f"replay covers [{r.window_start}, {r.now}), not [{start}, {end})")
    open_rows = open_ticket_clocks(store, ctx, end) if open_rows is None else open_rows
    groups = {name: {g: {k: dataclasses.replace(row) for k, row in rows.items()} for g, rows in by.items()}
              for name, by in r.stopped.items()}
    for t in open_rows:
        for c in t.open_clocks:
            by = groups[c.name]
            for row in (_row(by["all"], "all"), _row(by["party"], t.holder), _row(by["area"], t.area),
                        _row(by["priority"], t.priority)):
                row.in_flight += 1
                row.breached += c.state == ClockState.BREACHED
    overall = {}
    by_grouping: dict[str, dict[str, list[ComplianceRow]]] = {}
    for name, by in groups.items():
        for rows in by.values():
            for row in rows.values():
                closed = row.met + row.missed
                row.percent = row.met * 100 / closed if closed else None
        overall[name] = by["all"].get("all") or ComplianceRow("all", 0, 0, 0, 0, None)
        by_grouping[name] = {g: [by[g][k] for k in sorted(by[g])] for g in _GROUPINGS}
    return Compliance(start, end, COMPLIANCE_RULE, overall, by_grouping)


def weekly_trend(
    store: Store, ctx: Context, now: float, weeks: int = 12, *, party: str | None = None, replayed: Replay | None = None,
) -> list[tuple[float, float | None, int]]:
    """Resolution compliance per week for the `weeks` weeks before `now`: (week start, percent, closed clocks).

    THE trend: the Overview's chart and the snapshot's both come from here. A week
    [end - 7 days, end) counts the resolution clocks that stopped in it, each judged as of
    the week's `end`: what the week delivered, as the lead read it when the week closed.
    What happens after a week has ended (a reopen, a priority change) does not rewrite its
    bar; it counts in the week it happens in, so a clock resolved, reopened and resolved
    again is a verdict in both weeks. That is also what makes the figures agree with each
    other: each bar is `compliance_in_window` over its week, so the last two bars are the
    Overview's this-week and previous-week tiles, and a snapshot taken at any week's end
    showed the same number for it. (Judging every week as of `now` instead would move a
    past week's bar whenever one of its tickets is reopened later.)

    `party` counts only tickets that party holds now. `replayed` may carry a `replay` at
    `now` with these `weeks` (the snapshot shares one with compliance and workload).
    Memory stays bounded: events are read a batch of tickets at a time, only counters kept.
    """
    r = replay(store, ctx, now, weeks=weeks, party=party) if replayed is None else replayed
    if (r.now, len(r.weeks)) != (now, weeks):
        raise ValueError(f"replay has {len(r.weeks)} weeks to {r.now}, not {weeks} to {now}")
    return [(r.trend_start + i * WEEK, m * 100 / (m + x) if m + x else None, m + x) for i, (m, x) in enumerate(r.weeks)]


# --- handoffs ----------------------------------------------------------------------


@dataclass(slots=True)
class HandoffStatus:
    handoff: Handoff
    ack: Clock
    age_seconds: float
    """Business seconds since it was (last) requested, on the receiving party's calendar."""
    waiting_on: str
    """The party that has to act: the receiver while open."""


def handoff_statuses(store: Store, ctx: Context, now: float, *, open_only: bool = True,
                     open_at_now: bool = False) -> list[HandoffStatus]:
    """Handoffs requested by `now` with their acknowledgement clocks, longest waiting first.

    `open_only`: those open today; `open_at_now`: those open at `now` (not closed by then),
    which is what a past `now` asks for.
    """
    out = []
    fallback = ctx.internal_calendar()
    by_key = {p.key: p for p in ctx.parties.values()}
    listed = store.handoffs.list(open_only=False, open_at=now, limit=100_000) if open_at_now else \
        store.handoffs.list(open_only=open_only, limit=100_000)
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


def workload(store: Store, ctx: Context, now: float, window_days: int = 30, *, replayed: Replay | None = None) -> list[Workload]:
    """Per party: open tickets at `now`, business hours held in the window, hours logged on what it resolved.

    `replayed` may carry a `replay` at `now` with `held_from=now - window_days` days.
    """
    start = now - window_days * DAY
    open_counts = dict(store.query(
        "SELECT holder_party_id, count(*) FROM tickets WHERE opened_at <= ? AND (closed_at IS NULL OR closed_at > ?) "
        "AND (resolved_at IS NULL OR resolved_at > ?) GROUP BY 1", (now, now, now)))
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


def kt_coverage(store: Store, ctx: Context, today: dt.date, items: list[KtItem] | None = None,
                caps: list[tuple[str, int, str]] | None = None) -> list[Coverage]:
    """Coverage per area; `items` (KT items) and `caps` (`org.capabilities()`) when the caller has them."""
    items = store.kt.list() if items is None else items
    caps = store.org.capabilities() if caps is None else caps
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
