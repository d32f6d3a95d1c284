"""Open clocks: each ticket's response and resolution clocks as of `now`, chosen in SQL, computed from events.

Everything here takes `now` (epoch seconds) and recomputes clocks from ticket events;
nothing is cached between calls except the BusinessCalendar tables inside SlaRepo.
Candidate rows are chosen in SQL so a 100k-ticket database costs only what is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from comanage_tui.data.readmodel import candidates
from comanage_tui.data.readmodel.context import Context
from comanage_tui.data.readmodel.figures import OPEN_STATES
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.engine import Clock, ClockState, compute_clocks, match_policy
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.store import Store
from comanage_tui.data.timerange import times_in_range

NO_POLICY = "(no matching policy)"
INVALID_DATE = "(a stored date outside 1970-2200)"  # shown instead of clocks; see data/timerange.py
# Which tickets a computation needs (readmodel.candidates): ACTIVE_SINCE takes (now, start, start, start).
ACTIVE_SINCE = candidates.ACTIVE_SINCE


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
    matched: tuple[SlaPolicy, BusinessCalendar] | None = field(default=None, repr=False, compare=False)
    """The policy and calendar the clocks were computed with (None without clocks)."""

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

    def owner(self, clock: Clock) -> str:
        """The party an open clock of this ticket counts for: the breach holder once breached, else the holder now."""
        return clock.verdict_holder or self.holder

    @property
    def worst(self) -> ClockState | None:
        order = [ClockState.BREACHED, ClockState.AT_RISK, ClockState.RUNNING, ClockState.PAUSED]
        states = [c.state for c in self.open_clocks]
        return next((s for s in order if s in states), None)


def concerns(row: TicketClock, party: str) -> bool:
    """The ticket is `party`'s business now: it holds it, or held it when an open clock ran out."""
    return row.holder == party or any(c.verdict_holder == party for c in row.open_clocks)


TICKET_COLS = "t.id, t.ref, t.title, t.area_id, t.priority, t.kind, t.status, t.holder_party_id"


_EVENT_COLS = "e.at, e.kind, e.status, p.key, e.person_id, e.priority"
_EVENT_FROM = "FROM ticket_events e LEFT JOIN parties p ON p.id = e.party_id"
_BATCH = 500  # tickets per read of events: SQLite walks idx_events_ticket for an IN list as fast as for a range


def read_event_logs(store: Store, ids: list[int]) -> dict[int, list[tuple]]:
    """Event logs of `ids` (at most a few hundred) as the plain tuples `sla.walk` unpacks:
    `(at, kind, status, party key, person id, priority)`, read in one transaction (candidates.event_logs)."""
    with store.reading() as cur:
        return candidates.event_logs(cur, ids, _EVENT_COLS, _EVENT_FROM)


def _load(store: Store, ctx: Context, where: str, params: list | tuple) -> tuple[list, dict[int, list[tuple]]]:
    """Ticket rows that `where` selects (a SQL condition on alias `t`) and their events.

    Events (see `read_event_logs`) already loaded into `ctx.events` by an earlier call are not
    read again; the ones read here are kept there.
    """
    tickets = store.rows(f"SELECT {TICKET_COLS} FROM tickets t WHERE {where} ORDER BY t.id", params)
    return tickets, load_events(store, ctx, [r[0] for r in tickets])


def load_events(store: Store, ctx: Context, ids: list[int]) -> dict[int, list[tuple]]:
    """`ctx.events`, with the event logs of `ids` it did not hold yet read (a batch at a time) and kept."""
    cache = ctx.events
    missing = [tid for tid in ids if tid not in cache]
    for i in range(0, len(missing), _BATCH):
        chunk = missing[i:i + _BATCH]
        found = read_event_logs(store, chunk)
        for tid in chunk:
            cache[tid] = found.get(tid, [])
    return cache


def load_tickets(store: Store, ctx: Context, where: str, params: list | tuple) -> list:
    """Ticket rows `where` selects, with their events read into `ctx.events` for later passes to reuse."""
    return _load(store, ctx, where, params)[0]


def stream_events(store: Store, ctx: Context, tickets: list[tuple]) -> Iterator[tuple[tuple, list[tuple]]]:
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
        local = read_event_logs(store, missing) if missing else {}
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
        area, holder, found = resolve(ctx, area_id, priority, kind, holder_id)
        if found is None:
            out.append(TicketClock(tid, ref, title, area, priority, kind, status, holder, NO_POLICY, None, None))
            continue
        policy, calendar = found
        if not times_in_range(events[tid]):  # hand-edited or old data: skipped, labelled, not fatal
            out.append(TicketClock(tid, ref, title, area, priority, kind, status, holder, INVALID_DATE, None, None))
            continue
        clocks = compute_clocks(events[tid], policy, calendar, now)
        out.append(TicketClock(tid, ref, title, area, priority, kind, status, holder, policy.name, clocks.response,
                               clocks.resolution, found))
    return out


def resolve(ctx: Context, area_id: int | None, priority: str, kind: str, holder_id: int) -> tuple:
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

    Candidates are chosen so a past `now` works too: opened by then and not closed by then
    (candidates.OPEN_AT).
    """
    rows = ticket_clocks(store, ctx, candidates.OPEN_AT, (now, now), now)
    rows = [r for r in rows if r.open_clocks]
    rows.sort(key=lambda r: (r.next_due, r.ticket_id))
    return rows


def stopped_clocks(store: Store, ctx: Context, start: float, end: float) -> list[tuple[TicketClock, Clock]]:
    """Clocks stopped within [start, end) as of `end`, each computed afresh with `compute_clocks`.

    The plain definition, kept as the reference `replay` is tested against; the read model
    itself counts compliance with `replay` (one walk per ticket for any number of windows).
    """
    rows = ticket_clocks(store, ctx, ACTIVE_SINCE, (end, start, start, start), end)
    out = []
    for r in rows:
        for c in r.clocks():
            if c.state in (ClockState.MET, ClockState.MISSED) and c.stopped_at is not None and start <= c.stopped_at < end:
                out.append((r, c))
    return out


