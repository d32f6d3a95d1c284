"""Cached clock stops: compliance history without walking every event log again.

A compliance figure (`history.replay`: the Overview's week tiles and trend, the review's
periods) needs, for each ticket active in its window, every stop of both clocks with the
business time counted, the target it is judged against and the party the verdict belongs
to. For a ticket whose priority never changed, all of that follows from its event log, its
own fields and the configuration, so it is kept in `clock_cache_stops` (migration m005):

- **Exact.** SQLite triggers drop a ticket's entry whenever the ticket or any of its events
  changes, whatever made the change (the dashboard, an import, a sync, a hand-run UPDATE).
  Everything else a stop depends on (policies, calendars and the holidays package that
  fills them, area and party keys, this code's version) is in a fingerprint; a context whose
  fingerprint differs (policies edited, or an as-of context with other keys) ignores the
  cache entirely.
- **Never a source of truth.** Figures are identical with the cache dropped, partly filled or
  stale (tests/data/test_stops_cache.py); `comanage cache drop` loses nothing.
- **Filled by writers.** `refresh` runs at the end of `demo`, `import`, `sync` and `sla load`,
  and as `comanage cache rebuild`, one short write transaction per batch of tickets, so
  other sessions keep writing. Readers use what is there and walk the rest; a ticket whose
  priority changed is always walked (its target depends on the moment judged).

Stops are stored from a walk of the whole log (up to just after its last event): a stop
before a moment `now` has the same time, counted business time and verdict holder as in a
walk up to `now`, and `until` (the restart) is compared with `now` only, never used as a time.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from itertools import takewhile
from typing import Any

from comanage_tui import __version__
from comanage_tui.data.readmodel.candidates import ACTIVE_SINCE_PLAIN, OPEN_AT, OPEN_AT_PLAIN
from comanage_tui.data.readmodel.clocks import TICKET_COLS, read_event_logs, resolve
from comanage_tui.data.readmodel.context import Context, load_context
from comanage_tui.data.sla.attribution import verdict_holder
from comanage_tui.data.sla.engine import RUNNING, Walk, clock_stops, exceeding, holder_before, targets_at, walk
from comanage_tui.data.sla.ola import Hop, hops_of_walk
from comanage_tui.data.store import Store
from comanage_tui.data.timerange import times_in_range

FORMAT = 2
"""Bumped when what a cached row means changes; part of the fingerprint."""
BATCH = 1_000
"""Tickets per write transaction of `refresh` (about 50 ms each on a 2-core machine)."""


def _plain(spec: Any) -> Any:
    if hasattr(spec, "model_dump"):
        return spec.model_dump(mode="json")
    return {k: v for k, v in sorted(vars(spec).items())}


def fingerprint(ctx: Context) -> str:
    """What cached stops depend on besides a ticket and its events, as one hash (memoised on `ctx`)."""
    if ctx.stops_fingerprint is None:
        try:
            holidays_version = metadata.version("holidays")
        except metadata.PackageNotFoundError:
            holidays_version = ""
        data = {
            "format": FORMAT,
            "code": __version__,
            "holidays": holidays_version,
            "policies": [p.model_dump(mode="json") for p in ctx.policies],
            "calendars": {name: _plain(cal.spec) for name, cal in sorted(ctx.calendars.items())},
            "areas": {str(i): a.key for i, a in sorted(ctx.areas.items())},
            "parties": {str(i): p.key for i, p in sorted(ctx.parties.items())},
            "olas": {key: o.model_dump(mode="json") for key, o in sorted(ctx.olas.items())},
        }
        text = json.dumps(data, sort_keys=True, default=str)
        ctx.stops_fingerprint = hashlib.sha256(text.encode()).hexdigest()
    return ctx.stops_fingerprint


def usable(store: Store, ctx: Context) -> bool:
    """True when the cache was filled for this context's configuration (and the schema has it)."""
    try:
        stored = store.scalar("SELECT fingerprint FROM clock_cache_state WHERE id = 1 AND complete = 1")
    except sqlite3.OperationalError:  # an older schema opened read-only has no cache: walk everything
        return False
    return stored is not None and stored == fingerprint(ctx)


@dataclass
class Entry:
    """What the cache keeps for one ticket whose priority never changed (see `ticket_entry`)."""

    summary: tuple | None
    """`clock_cache`'s columns from `opened` on (SUMMARY_COLS); None: the ticket counts in no figure."""
    stops: list[tuple]
    """(clock, at, until, elapsed, target, owner, area, priority, held_by) per stop of either clock."""
    hops: list[tuple]
    """(n, party, started_at, ended_at, priority, target, elapsed, exceeded) per hop (OLA clocks)."""


SUMMARY_COLS = ("opened", "first_party", "first_priority", "response_ran_out", "response_exceeded",
                "response_breach_holder", "resolution_ran_out", "resolution_exceeded", "resolution_breach_holder")
_NOT_COUNTED = Entry(None, [], [])


def ticket_entry(ctx: Context, row: tuple, events: list[tuple]) -> Entry | None:
    """What `clock_cache` keeps for one ticket (`row`: TICKET_COLS), or None when the ticket must
    be walked each time (its priority changed, it opened without one, or it has no target).

    Mirrors the readers for one ticket: a ticket they skip (no policy, no events, a time out
    of range) counts nowhere here either. The walk goes just past the last event; a clock or
    hop still running then is taken to run on (`sla.engine.exceeding`), which is what a walk
    up to any later moment sees, since a new event drops the entry.
    """
    _tid, _ref, _title, area_id, priority, kind, _status, holder_id = row
    area, holder, found = resolve(ctx, area_id, priority, kind, holder_id)
    if found is None or not events or not times_in_range(events):
        return _NOT_COUNTED
    policy, cal = found
    horizon = max(e[0] for e in events) + 1
    w = walk(events, policy, horizon)
    if len(w.priorities) >= 2 or (w.priorities and w.priorities[0][0] != w.opened):
        return None  # the target, or the priority a ticket counts under, depends on the moment judged
    try:
        targets = targets_at(policy, w, horizon)
    except ValueError:
        return None
    first_priority = w.priorities[0][1] if w.priorities else priority
    stops = []
    for stop in clock_stops(w, cal):
        index = 0 if stop.clock == "response" else 1
        target = targets[index]
        until = None if stop.until == math.inf else stop.until
        stops.append((index, stop.at, until, stop.elapsed, target, verdict_holder(w, cal, stop, target), area, priority,
                      holder_before(w, stop.at, events)))
    running = _running_on(w)
    response = list(takewhile(lambda p: p[3], running))  # the response clock runs until it stops, never again
    breaches: list = []
    for index, pieces in enumerate((response, running)):
        found_breach = exceeding([p[:3] for p in pieces], targets[index], cal)
        breaches.extend(found_breach if found_breach is not None else (None, None, None))
    first_party = next((e[3] for e in events if e[3] is not None), holder)
    summary = (w.opened, first_party, first_priority, *breaches)
    hops = [_hop_row(h, running, ctx) for h in hops_of_walk(w, events, policy, ctx.olas, ctx.calendars, horizon)]
    return Entry(summary, stops, hops)


def _running_on(w: Walk) -> list[tuple]:
    """The walk's running segments as (start, end, holder, response open), the last one taken to run on
    (end `math.inf`) when the ticket is still running after its last event."""
    out = [(s, e, holder, resp) for s, e, phase, holder, _status, resp in w.segments if phase == RUNNING]
    if out and w.segments and w.phase == RUNNING and out[-1][0] == w.segments[-1][0]:
        s, _e, holder, resp = out[-1]
        out[-1] = (s, math.inf, holder, resp)
    return out


def _hop_row(h: Hop, segments: list[tuple], ctx: Context) -> tuple:
    exceeded = None
    if h.state is not None:
        cal = ctx.calendars[h.calendar]
        until = math.inf if h.end is None else h.end
        pieces = [(s, e, holder) for s, e, holder, _resp in segments if h.start <= s < until]
        found = exceeding(pieces, h.target_seconds, cal)
        exceeded = found[1] if found is not None else None
    return (h.index, h.party, h.start, h.end, h.priority, h.target_seconds, h.elapsed_seconds, exceeded)


@dataclass
class RefreshResult:
    computed: int
    """Tickets whose stops were (re)computed."""
    reset: bool
    """True when the cache had been filled for another configuration and every entry was dropped first."""


def refresh(store: Store, ctx: Context | None = None, *, batch: int = BATCH,
            progress: Callable[[int], None] | None = None) -> RefreshResult:
    """Compute the stops of every ticket without an entry, a batch per write transaction.

    The promise readers rely on (`usable`): while `clock_cache_state` holds a complete
    fingerprint, every ticket has an entry or is listed in `clock_cache_dirty`. The triggers
    keep it for changes; here, a new configuration first empties the cache and records its
    fingerprint as incomplete (readers walk everything meanwhile), and marks it complete once
    every ticket has been computed. A rebuild that stopped half way (killed, disk full) goes
    on from where it was at the next refresh for the same configuration. Each batch reads its
    tickets and events and writes their stops in one transaction, so a change committed by
    another session either comes before (and is what gets cached) or after (and its trigger
    drops the new entry again).
    """
    ctx = ctx if ctx is not None else load_context(store)
    fp = fingerprint(ctx)
    with store.write() as conn:
        row = conn.execute("SELECT fingerprint FROM clock_cache_state WHERE id = 1").fetchone()
        reset = row is not None and row[0] != fp
        if row is None or row[0] != fp:
            _empty(conn)
            conn.execute("INSERT INTO clock_cache_state (id, fingerprint, complete) VALUES (1, ?, 0)", (fp,))
    computed = 0
    after = 0
    while True:
        with store.write() as conn:
            cur = conn.cursor()
            cur.row_factory = None
            tickets = cur.execute(
                f"SELECT {TICKET_COLS}, t.opened_at, t.closed_at, t.resolved_at, t.first_response_at FROM tickets t "
                "WHERE t.id > ? AND NOT EXISTS (SELECT 1 FROM clock_cache c WHERE c.ticket_id = t.id) "
                "ORDER BY t.id LIMIT ?", (after, batch)).fetchall()
            if not tickets:
                # Every ticket has an entry, or was changed since its batch and is listed dirty.
                cur.execute("DELETE FROM clock_cache_dirty WHERE ticket_id NOT IN (SELECT id FROM tickets)")
                cur.execute("UPDATE clock_cache_state SET complete = 1 WHERE id = 1 AND fingerprint = ?", (fp,))
                break
            ids = [t[0] for t in tickets]
            events = read_event_logs(store, ids)
            entries, stops, hops = [], [], []
            for t in tickets:
                entry = ticket_entry(ctx, t[:8], events.get(t[0], []))
                if entry is None:
                    entries.append((t[0], 1, *(None,) * len(SUMMARY_COLS)))
                    continue
                entries.append((t[0], 0, *(entry.summary or (None,) * len(SUMMARY_COLS))))
                stops.extend((s[1], t[0], n, s[0], *s[2:], *t[8:]) for n, s in enumerate(entry.stops))
                hops.extend((t[0], *h) for h in entry.hops)
            cur.executemany(_INSERT_ENTRY, entries)
            cur.executemany(_INSERT_STOP, stops)
            cur.executemany(_INSERT_HOP, hops)
            marks = ",".join("?" * len(ids))
            cur.execute(f"DELETE FROM clock_cache_dirty WHERE ticket_id IN ({marks})", ids)
            after = ids[-1]
        computed += len(tickets)
        if progress is not None:
            progress(computed)
    return RefreshResult(computed, reset)


_INSERT_ENTRY = (f"INSERT INTO clock_cache (ticket_id, replay, {', '.join(SUMMARY_COLS)}) "
                 f"VALUES ({', '.join('?' * (2 + len(SUMMARY_COLS)))})")
_INSERT_STOP = ("INSERT INTO clock_cache_stops (at, ticket_id, n, clock, until, elapsed, target, owner, area, priority, "
                "held_by, opened_at, closed_at, resolved_at, first_response_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_HOP = ("INSERT INTO clock_cache_hops (ticket_id, n, party, started_at, ended_at, priority, target, elapsed, exceeded) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _empty(conn) -> None:
    conn.execute("DELETE FROM clock_cache_state")  # first: no reader trusts what follows
    conn.execute("DELETE FROM clock_cache_stops")
    conn.execute("DELETE FROM clock_cache_hops")
    conn.execute("DELETE FROM clock_cache")  # lists every ticket dirty (the entry trigger) ...
    conn.execute("DELETE FROM clock_cache_dirty")  # ... which means nothing without a state row


def drop(store: Store) -> None:
    """Empty the cache (figures do not change; the next replays walk every ticket until `refresh`)."""
    with store.write() as conn:
        _empty(conn)


UNCACHED = ("t.id IN (SELECT ticket_id FROM clock_cache_dirty "
            "UNION ALL SELECT ticket_id FROM clock_cache INDEXED BY idx_clock_cache_replay WHERE replay = 1)")
"""SQL condition on alias `t`: the tickets a reader must walk while the cache is usable."""
UNCACHED_ACTIVE_SINCE = f"{UNCACHED} AND {ACTIVE_SINCE_PLAIN}"
UNCACHED_OPEN_AT = f"{UNCACHED} AND {OPEN_AT_PLAIN}"
"""ACTIVE_SINCE and OPEN_AT (same parameters) among the uncached tickets, found from those (a few) first."""
CACHED = "c.replay = 0 AND t.id NOT IN (SELECT ticket_id FROM clock_cache_dirty)"
"""SQL condition on `t` joined with its `clock_cache` entry `c`: the tickets read from the cache (not UNCACHED)."""


# Cached stops whose ticket is a candidate at `now` since `lo` (candidates.ACTIVE_SINCE, on the
# ticket times each stop carries). `history.replay` counts them with these two grouped queries,
# as its `tally` counts a walked stop: {party} is "" or "AND s.owner = :party".
_CANDIDATE = ("s.at < :now AND s.opened_at <= :now AND (s.closed_at IS NULL OR s.closed_at >= :lo "
              "OR s.resolved_at >= :lo OR s.first_response_at >= :lo)")
_WEEK_OF = "CAST((s.at - :start) / :week AS INTEGER)"

TREND_COUNTS = (
    f"SELECT s.clock, {_WEEK_OF} AS i, sum(s.elapsed <= s.target), sum(s.elapsed > s.target) "
    f"FROM clock_cache_stops s WHERE s.at >= :start AND {_CANDIDATE} "
    f"AND (s.until IS NULL OR s.until > :start + ({_WEEK_OF} + 1) * :week) {{party}} GROUP BY 1, 2")
"""Met and missed per clock and week from :start (week i = [start + i weeks, start + i + 1 weeks)),
judged at each week's end: still stopped then."""

WINDOW_COUNTS = (
    "SELECT s.clock, s.owner, s.area, s.priority, sum(s.elapsed <= s.target), sum(s.elapsed > s.target) "
    f"FROM clock_cache_stops s WHERE s.at >= :start AND {_CANDIDATE} "
    "AND (s.until IS NULL OR s.until > :now) {party} GROUP BY 1, 2, 3, 4")
"""Met and missed per clock, verdict holder, area and priority of stops in [:start, :now), judged at :now."""


def in_flight(store: Store, ctx: Context, now: float) -> Iterator[tuple[str, str, str | None, str, bool]]:
    """(clock, owner, area, priority, breached) of each clock open at `now` of the cached tickets
    open then (candidates.OPEN_AT): what `history.compliance_in_window` counts in flight from
    `clocks.open_ticket_clocks` rows, read from the cache (a response clock is open until its
    stop; the resolution clock while no stop holds at `now`). The owner is the breach holder
    once breached, else the holder today (`TicketClock.owner`); priority and area are the ticket's.
    """
    with store.reading() as cur:
        rows = cur.execute(
            "SELECT t.area_id, t.priority, t.kind, t.holder_party_id, c.response_exceeded, c.response_breach_holder, "
            "c.resolution_exceeded, c.resolution_breach_holder, "
            "(SELECT s.at FROM clock_cache_stops s WHERE s.ticket_id = t.id AND s.clock = 0), "
            "EXISTS (SELECT 1 FROM clock_cache_stops s WHERE s.ticket_id = t.id AND s.clock = 1 AND s.at <= ? "
            "AND (s.until IS NULL OR s.until > ?)) "
            f"FROM tickets t JOIN clock_cache c ON c.ticket_id = t.id WHERE {OPEN_AT} AND {CACHED} AND c.opened IS NOT NULL",
            (now, now, now, now)).fetchall()
    for area_id, priority, kind, holder_id, r_exceeded, r_holder, s_exceeded, s_holder, responded, stopped in rows:
        area, holder, _found = resolve(ctx, area_id, priority, kind, holder_id)
        if responded is None or responded > now:
            breached = r_exceeded is not None and now > r_exceeded
            yield "response", r_holder if breached else holder, area, priority, breached
        if not stopped:
            breached = s_exceeded is not None and now > s_exceeded
            yield "resolution", s_holder if breached else holder, area, priority, breached


@dataclass
class Status:
    tickets: int
    cached: int
    walked: int
    """Cached as "walk each time" (the priority changed)."""
    stops: int
    dirty: int
    """Tickets created or changed since they were computed (walked until the next refresh)."""
    current: bool
    """The fingerprint matches today's configuration."""


def status(store: Store, ctx: Context | None = None) -> Status:
    ctx = ctx if ctx is not None else load_context(store)
    with store.reading() as cur:
        tickets = cur.execute("SELECT count(*) FROM tickets").fetchone()[0]
        cached, walked = cur.execute("SELECT count(*), coalesce(sum(replay), 0) FROM clock_cache").fetchone()
        stops = cur.execute("SELECT count(*) FROM clock_cache_stops").fetchone()[0]
        dirty = cur.execute("SELECT count(*) FROM clock_cache_dirty").fetchone()[0]
    return Status(tickets, cached, walked, stops, dirty, usable(store, ctx))
