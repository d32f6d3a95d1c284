"""OLA figures: each ticket's hops with their OLA clocks (explain, the SLA screen), OLA compliance per party.

The hop semantics are `sla/ola.py`'s. A ticket's hops need its SLA policy (its pause and stop
statuses), so tickets no policy covers have no OLA clocks, as they have no SLA clocks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from comanage_tui.data.readmodel import stops_cache
from comanage_tui.data.readmodel.candidates import TIMES, active_since
from comanage_tui.data.readmodel.clocks import ACTIVE_SINCE, TICKET_COLS, TicketClock, resolve, stream_events
from comanage_tui.data.readmodel.context import Context, load_olas
from comanage_tui.data.readmodel.figures import hm
from comanage_tui.data.sla.engine import ClockState, Event, Walk, walk
from comanage_tui.data.sla.ola import Hop, hops_of_walk, ola_hops
from comanage_tui.data.sla.ola_spec import OlaSpec
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.store import Store
from comanage_tui.data.timerange import times_in_range

OLA_RULE = (
    "OLA compliance % = met / (met + missed) over hops that ended (passed on or resolved) within the window, "
    "each credited to the party that held the ticket on that hop and judged on its own OLA calendar; hops still "
    "open at the window's end are in flight; hops of a party with no OLA target for the priority are counted apart."
)


def ticket_ola_hops(store: Store, ticket_id: int, now: float) -> list[Hop]:
    """One ticket's hops as of `now`, with the policy `explain` matches for it (none: no hops)."""
    from comanage_tui.data.sla.engine import match_policy

    t = store.tickets.get(ticket_id)
    policy = match_policy(store.sla.policies(), party=t.holder_party_key, area=t.area_key, priority=t.priority, kind=t.kind)
    if policy is None:
        return []
    events = [Event(e.at, e.kind.value, e.status, e.party_key, e.person_id, e.priority) for e in store.tickets.events(ticket_id)]
    return ola_hops(events, policy, load_olas(store), store.sla.calendar_map(), now)


def current_hops(ctx: Context, olas: dict[str, OlaSpec], rows: Sequence[TicketClock], now: float) -> dict[int, Hop]:
    """The open hop of each listed ticket (the SLA screen's OLA line), by ticket id.

    Uses the events `open_ticket_clocks` left in `ctx.events`; a ticket whose open hop has no
    OLA clock is still listed (the screen says "no OLA").
    """
    policies = {p.name: p for p in ctx.policies}
    out: dict[int, Hop] = {}
    for r in rows:
        policy = policies.get(r.policy)
        events = ctx.events.get(r.ticket_id)
        if policy is None or not events:
            continue
        hops = ola_hops(events, policy, olas, ctx.calendars, now)
        if hops and hops[-1].is_open:
            out[r.ticket_id] = hops[-1]
    return out


@dataclass
class OlaRow:
    """One party's (or one party and priority's) hops in a window."""

    key: str
    met: int = 0
    missed: int = 0
    in_flight: int = 0
    """Hops open at the window's end (running, paused, at risk or breached)."""
    breached: int = 0
    """In-flight hops already past their target."""
    without_target: int = 0
    """Hops that ended in the window, or are open, with no OLA target (no OLA, or none for the priority)."""

    @property
    def percent(self) -> float | None:
        """met / (met + missed) * 100; None when no hop with a target ended."""
        judged = self.met + self.missed
        return self.met * 100 / judged if judged else None

    def add(self, state: ClockState | None) -> None:
        """Count one hop in this state (None: no OLA clock)."""
        if state is None:
            self.without_target += 1
        elif state == ClockState.MET:
            self.met += 1
        elif state == ClockState.MISSED:
            self.missed += 1
        else:
            self.in_flight += 1
            self.breached += state == ClockState.BREACHED


@dataclass
class OlaCompliance:
    """OLA compliance per party in [start, end), judged as of `end` (see OLA_RULE)."""

    start: float
    end: float
    rule: str
    by_party: dict[str, OlaRow] = field(default_factory=dict)
    by_priority: dict[str, dict[str, OlaRow]] = field(default_factory=dict)
    """party -> priority -> row."""

    def party(self, key: str) -> OlaRow:
        return self.by_party.get(key) or OlaRow(key)


def ola_compliance(store: Store, ctx: Context, start: float, end: float, olas: dict[str, OlaSpec] | None = None) -> OlaCompliance:
    """Hops that ended in [start, end) and hops open at `end`, per party and priority."""
    return ola_compliances(store, ctx, [(start, end)], olas)[0]


def ola_compliances(store: Store, ctx: Context, windows: Sequence[tuple[float, float]],
                    olas: dict[str, OlaSpec] | None = None) -> list[OlaCompliance]:
    """`ola_compliance` of each window, from one read of the tickets any of them needs.

    Candidates are the tickets a clock could stop or run for in a window (`ACTIVE_SINCE`,
    as for SLA compliance): a hop ends at a stop or a reassignment, which an active ticket
    has. The hops the stops cache holds (when it was filled with these OLAs) are counted from
    it; the other tickets are walked, their events read a batch of tickets at a time.
    """
    olas = ctx.olas if olas is None else olas
    lo, hi = min(start for start, _ in windows), max(end for _, end in windows)
    cached = olas == ctx.olas and stops_cache.usable(store, ctx)
    params = (hi, lo, lo, lo)  # every window's candidates are among these
    where = stops_cache.UNCACHED_ACTIVE_SINCE if cached else ACTIVE_SINCE
    tickets = store.rows(f"SELECT {TICKET_COLS}, {TIMES} FROM tickets t WHERE {where} ORDER BY t.id", params)
    counters = [OlaCounter(ctx, start, end, olas, {r[0] for r in tickets if active_since(r[8:], end, start)})
                for start, end in windows]
    for row, events in stream_events(store, ctx, tickets):
        _tid, _ref, _title, area_id, priority, kind, _status, holder_id = row[:8]
        _area, _holder, found = resolve(ctx, area_id, priority, kind, holder_id)
        if found is None or not events or not times_in_range(events):
            continue
        for counter in counters:
            if row[0] in counter.candidates:
                counter.visit(row, events, found[0], walk(events, found[0], counter.end))
    if cached:
        with store.reading() as cur:
            hops = cur.execute(_CACHED_HOPS, (*params, lo, hi)).fetchall()
        for counter in counters:
            for party, priority, state in cached_hop_states(hops, counter.start, counter.end):
                _count_state(counter.out, party, priority, state)
    return [counter.out for counter in counters]


_CACHED_HOPS = (
    f"SELECT {TIMES}, h.party, h.priority, h.target, h.elapsed, h.exceeded, h.started_at, h.ended_at FROM tickets t "
    "JOIN clock_cache c ON c.ticket_id = t.id JOIN clock_cache_hops h ON h.ticket_id = t.id "
    f"WHERE {ACTIVE_SINCE} AND {stops_cache.CACHED} AND (h.ended_at IS NULL OR h.ended_at >= ?) AND h.started_at < ?")
"""The cached hops of the candidates of [lo, hi) (ACTIVE_SINCE's parameters, then lo, hi) that any window in it may count."""


def cached_hop_states(hops: list[tuple], start: float, end: float) -> Iterator[tuple[str, str | None, ClockState | None]]:
    """(party, priority, state at `end`) of each cached hop (`_CACHED_HOPS` rows) `OlaCounter` counts
    in [start, end): a candidate's hop that ended in it (met or missed), or is open at its end
    (breached once over its target, else running: only "in flight" is counted of the rest)."""
    for *times, party, priority, target, elapsed, exceeded, started_at, ended_at in hops:
        ended_in = ended_at is not None and start <= ended_at < end
        open_at_end = started_at < end and (ended_at is None or ended_at > end)  # one ending at `end` is neither
        if not (ended_in or open_at_end) or not active_since(times, end, start):
            continue
        if target is None:
            state = None
        elif ended_in:
            state = ClockState.MET if elapsed <= target else ClockState.MISSED
        else:
            state = ClockState.BREACHED if exceeded is not None and end > exceeded else ClockState.RUNNING
        yield party, priority, state


class OlaCounter:
    """`ola_compliance` counted from walks made elsewhere: `history.replay(..., on_walk=counter.visit)`
    walks each ticket once for the snapshot's compliance, trend, held time and OLAs alike.

    `visit` gets every ticket the replay walks at `end` (its candidates may reach further back
    than `start`); only the candidates of [start, end) count, as `ola_compliance` selects them.
    """

    def __init__(self, ctx: Context, start: float, end: float, olas: dict[str, OlaSpec], candidates: set[int]):
        self.out = OlaCompliance(start, end, OLA_RULE)
        self.start, self.end, self.olas, self.calendars = start, end, olas, ctx.calendars
        self.candidates = candidates

    @classmethod
    def for_window(cls, store: Store, ctx: Context, start: float, end: float, olas: dict[str, OlaSpec]) -> OlaCounter:
        """A counter for [start, end) whose candidates are read here (for a replay that walks more tickets)."""
        ids = {r[0] for r in store.rows(f"SELECT t.id FROM tickets t WHERE {ACTIVE_SINCE}", (end, start, start, start))}
        return cls(ctx, start, end, olas, ids)

    def visit(self, row: tuple, events: list[tuple], policy: SlaPolicy, w: Walk) -> None:
        if row[0] not in self.candidates:
            return
        start, end = self.start, self.end
        for hop in hops_of_walk(w, events, policy, self.olas, self.calendars, end):
            if hop.is_open or (hop.end is not None and start <= hop.end < end):
                _count(self.out, hop)


def _count(out: OlaCompliance, hop: Hop) -> None:
    _count_state(out, hop.party, hop.priority, hop.state)


def _count_state(out: OlaCompliance, party: str, priority: str | None, state: ClockState | None) -> None:
    row = out.by_party.get(party)
    if row is None:
        row = out.by_party[party] = OlaRow(party)
    row.add(state)
    prio = priority or "(none)"
    rows = out.by_priority.setdefault(party, {})
    by_prio = rows.get(prio)
    if by_prio is None:
        by_prio = rows[prio] = OlaRow(prio)
    by_prio.add(state)


def left_seconds(hop: Hop) -> float | None:
    """Business seconds to the hop's target (negative when over); None without a clock."""
    return None if hop.target_seconds is None else hop.target_seconds - hop.elapsed_seconds


def left_minutes(hop: Hop) -> int | None:
    """Whole business minutes left (target minus elapsed minutes, as `figures.left_minutes` for SLA clocks)."""
    if hop.target_seconds is None:
        return None
    return int(hop.target_seconds // 60) - int(hop.elapsed_seconds // 60)


def hop_left_text(hop: Hop) -> str:
    """"50m left" / "1h 10m over" / "no OLA": the one way the screens and explain state an open hop."""
    m = left_minutes(hop)
    if m is None:
        return "no OLA"
    return f"{hm(m)} left" if m >= 0 else f"{hm(-m)} over"



# --- explain: the OLA section of `comanage explain` (text and --json) -------------------------

_ENDED = {"passed_on": "passed on", "resolved": "resolved", "open": "open"}


def format_hops(hops: Sequence[Hop], tz: str) -> str:
    """The OLA section of the explain text: one entry per hop, within 80 columns."""
    from zoneinfo import ZoneInfo

    from comanage_tui.data.sla.explain import _when, _wrap, exact_duration
    from comanage_tui.data.text import clean

    zone = ZoneInfo(tz)
    lines = ["OLA hops (each judged on its party's OLA calendar; business time while running):"]
    if not hops:
        return "\n".join([*lines, "  (no hop before this time)"])
    for h in hops:
        end = "now" if h.end is None else _when(h.end, zone)
        how = f", passed to {clean(h.next_party)}" if h.next_party else (", resolved" if h.ended == "resolved" else ", open")
        lines += _wrap(f"{h.index}. {clean(h.party)}  {_when(h.start, zone)} -> {end}{how}", "  ")
        if h.state is None:
            why = (f"no OLA for {clean(h.party)}" if h.calendar is None
                   else f"the {clean(h.party)} OLA has no {h.priority} target")
            lines += _wrap(f"{why}: not judged", "      ")
            continue
        took = f"{exact_duration(h.elapsed_seconds)} so far" if h.is_open else f"took {exact_duration(h.elapsed_seconds)}"
        what = (f"calendar {clean(h.calendar or '')}, {h.priority} target {exact_duration(h.target_seconds or 0)}: "
                f"{took}, {h.state.value.replace('_', ' ')}")
        if h.is_open:
            what += f", {hop_left_text(h)}"
            if h.due_at is not None and h.state != ClockState.BREACHED:
                what += f", due {_when(h.due_at, zone)}"
        if h.breached_at is not None:
            what += f", ran out {_when(h.breached_at, zone)}"
        lines += _wrap(what, "      ")
    return "\n".join(lines)


def hops_data(hops: Sequence[Hop]) -> list[dict]:
    """The OLA section of `explain --json` (fields in docs/FIGURES.md)."""
    from comanage_tui.data.text import clean

    def epoch(t: float | None) -> int | None:
        return None if t is None else int(t)

    return [{
        "hop": h.index, "party": clean(h.party), "start": epoch(h.start), "end": epoch(h.end), "ended": h.ended,
        "next_party": None if h.next_party is None else clean(h.next_party), "calendar": h.calendar, "priority": h.priority,
        "target_minutes": None if h.target_seconds is None else int(h.target_seconds // 60),
        "elapsed_seconds": round(h.elapsed_seconds), "elapsed_minutes": int(h.elapsed_seconds // 60),
        "left_minutes": left_minutes(h) if h.is_open else None,
        "state": None if h.state is None else h.state.value, "breached_at": epoch(h.breached_at), "due_at": epoch(h.due_at),
    } for h in hops]
