"""History: compliance verdicts, the weekly trend and time held, from one replay of the event logs."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from comanage_tui.data.readmodel import stops_cache
from comanage_tui.data.readmodel.clocks import (
    ACTIVE_SINCE,
    TICKET_COLS,
    TicketClock,
    open_ticket_clocks,
    resolve,
    stream_events,
    ticket_clocks,
)
from comanage_tui.data.readmodel.context import DAY, Context
from comanage_tui.data.readmodel.held_stats import Samples, add_sample
from comanage_tui.data.sla.attribution import ATTRIBUTION_RULE, verdict_holder
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.engine import ClockState, Stop, Walk, clock_stops, targets_at, walk
from comanage_tui.data.sla.explain import COMPLIANCE_RULE, ComplianceRow
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.store import Store
from comanage_tui.data.timerange import times_in_range

WEEK = 7 * DAY
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
    held_samples: Samples | None = None
    """With `held_stats`: per priority and party, the resolution time each ticket that stopped in
    [window_start, now) was held (held_stats.add_sample)."""
    weeks_response: list[list[int]] = dataclasses.field(default_factory=list)
    """[met, missed] response clocks per week, as `weeks` counts resolution clocks."""


def replay(
    store: Store, ctx: Context, now: float, *, window_start: float | None = None, weeks: int = 0,
    held_from: float | None = None, party: str | None = None, held_stats: bool = False,
    on_walk: Callable[[tuple, list, SlaPolicy, Walk], None] | None = None,
) -> Replay:
    """Walk every ticket active since the earliest of the starts once, and count what is asked for.

    - `window_start`: met/missed of clocks that stopped in [window_start, now), as of `now`;
    - `weeks`: met/missed of resolution (and, in `weeks_response`, response) clocks per week of
      the `weeks` weeks before `now`, each week [end - 7 days, end) judged as of its own `end`
      (see `weekly_trend` for why): the last two are the windows of the Overview's week tiles;
    - `held_from`: business seconds each party held a running ticket in [held_from, now).
    - `held_stats` (needs `window_start`): the samples of `held_stats.HELD_RULE`.
    - `on_walk(ticket row, events, policy, walk)` sees every ticket walked, so another count
      (the snapshot's OLA compliance, `ola.OlaCounter`) needs no walk of its own: at least every
      ticket active since `window_start` (since the earliest start without one).

    `party` keeps only the verdicts that belong to that party (held time covers everyone).
    A verdict belongs to the party that held the ticket when the clock stopped (met) or ran
    out (missed), never to whoever holds it now (`sla.attribution.verdict_holder`; ATTRIBUTION_RULE).
    Verdicts come from `sla.clock_stops`, which gives every stop of both clocks with the time
    they had counted, so a clock's verdict at any of these moments costs no second walk; it
    equals `stopped_clocks` per window (tests/data/test_readmodel.py, test_snapshot.py). Events
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
    response_buckets = [[0, 0] for _ in range(weeks)]
    held: dict[str, float] = {}
    samples: Samples | None = {} if held_stats and window_start is not None else None
    out = Replay(now, window_start, stopped, trend_start, buckets, held_from, held, samples, response_buckets)
    if lo == inf:
        return out
    held_into = held if held_from is not None else None
    held_since = held_from if held_from is not None else inf
    window_from = window_start if window_start is not None else inf
    rows_for: dict[tuple, list[ComplianceRow]] = {}  # (clock, verdict holder, area, priority) -> the rows it counts in

    def count_window(index: int, owner: str, area: str | None, priority: str, met: int, missed: int) -> None:
        """Add verdicts of stops in the window, judged at `now`, to every grouping they count in."""
        key = (index, owner, area, priority)
        rows = rows_for.get(key)
        if rows is None:
            by = stopped["response" if index == 0 else "resolution"]
            rows = rows_for[key] = [
                _row(by["all"], "all"), _row(by["party"], owner), _row(by["area"], area), _row(by["priority"], priority)]
        for row in rows:
            row.met += met
            row.missed += missed

    def tally(stop: Stop, area: str | None, priority: str, w: Walk, policy: SlaPolicy, cal: BusinessCalendar,
              targets: tuple[int, int] | None) -> None:
        """Count one walked stop: in its trend week (judged at the week's end) and in the window (at `now`).

        A verdict is met when the elapsed time is within the target in force at the moment judged
        (sla.stopped_state); `targets` is that pair when the ticket kept one priority. The verdict
        holder is found only when needed. The cached stops are counted the same way in SQL
        (stops_cache.TREND_COUNTS, WINDOW_COUNTS).
        """
        at, until, elapsed = stop.at, stop.until, stop.elapsed
        index = 0 if stop.clock == "response" else 1
        if at >= trend_start and weeks:
            i = min(int((at - trend_start) // WEEK), weeks - 1)
            end = trend_start + (i + 1) * WEEK
            if until > end:  # still stopped at the week's end (not reopened by then)
                target = (targets or targets_at(policy, w, end))[index]
                if party is None or verdict_holder(w, cal, stop, target) == party:
                    (buckets if index else response_buckets)[i][0 if elapsed <= target else 1] += 1
        if at >= window_from and until > now:
            target = (targets or targets_at(policy, w, now))[index]
            owner = verdict_holder(w, cal, stop, target)
            if party is None or owner == party:
                count_window(index, owner, area, priority, *((1, 0) if elapsed <= target else (0, 1)))

    params = (now, lo, lo, lo)
    # The stops cache (stops_cache) answers for the tickets it holds, when it was filled for this
    # configuration: their stops are counted by SQLite, grouped, and only the other tickets are
    # walked and counted here. What only a walk gives (held time, the samples, `on_walk`) needs
    # a shorter span than the trend: the cached tickets active in it are walked for that alone.
    cached = stops_cache.usable(store, ctx)
    counted: set[int] | None = None  # with the cache: the walked tickets whose stops are counted here
    if cached:
        spans = [held_from] if held_into is not None else []
        if samples is not None or on_walk is not None:
            spans.append(window_start if window_start is not None else lo)
        with store.reading() as cur:
            tickets = cur.execute(
                f"SELECT {TICKET_COLS} FROM tickets t WHERE {stops_cache.UNCACHED_ACTIVE_SINCE} "
                "ORDER BY t.id", params).fetchall()
            if spans:
                counted = {r[0] for r in tickets}
                since = min(spans)
                also = cur.execute(f"SELECT {TICKET_COLS} FROM tickets t WHERE {ACTIVE_SINCE} ORDER BY t.id",
                                   (now, since, since, since)).fetchall()
                tickets = sorted({r[0]: r for r in (*tickets, *also)}.values())
            mine = {"now": now, "lo": lo, "party": party}
            only = "" if party is None else "AND s.owner = :party"
            if weeks:
                for index, i, met, missed in cur.execute(stops_cache.TREND_COUNTS.format(party=only),
                                                         {**mine, "start": trend_start, "week": WEEK}):
                    bucket = (buckets if index else response_buckets)[min(i, weeks - 1)]
                    bucket[0] += met
                    bucket[1] += missed
            if window_start is not None:
                for index, owner, area, priority, met, missed in cur.execute(stops_cache.WINDOW_COUNTS.format(party=only),
                                                                             {**mine, "start": window_start}):
                    count_window(index, owner, area, priority, met, missed)
    else:
        tickets = store.rows(f"SELECT {TICKET_COLS} FROM tickets t WHERE {ACTIVE_SINCE} ORDER BY t.id", params)
    for ticket, events in stream_events(store, ctx, tickets):
        _tid, _ref, _title, area_id, priority, kind, _status, holder_id = ticket
        area, _holder, found_policy = resolve(ctx, area_id, priority, kind, holder_id)
        if found_policy is None or not events or not times_in_range(events):
            continue  # an out-of-range stored date is labelled in ticket_clocks, never counted here
        policy, cal = found_policy
        w = walk(events, policy, now)
        if on_walk is not None:
            on_walk(ticket, events, policy, w)
        stops = clock_stops(w, cal, held_into, held_since)
        if samples is not None:
            add_sample(samples, w, cal, priority, window_start, now, party)
        if counted is not None and ticket[0] not in counted:
            continue  # its stops are in the cache, counted above
        # Nearly every ticket keeps one priority, so one target pair serves every moment judged.
        targets = targets_at(policy, w, now) if len(w.priorities) < 2 else None
        for stop in stops:
            if verdicts_from <= stop.at < now:
                tally(stop, area, priority, w, policy, cal, targets)
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
    """COMPLIANCE_RULE, then ATTRIBUTION_RULE: how verdicts are counted and whose they are."""
    overall: dict[str, ComplianceRow]  # "response"/"resolution"
    by: dict[str, dict[str, list[ComplianceRow]]]  # clock -> grouping ("party", "area", "priority") -> rows


def compliance_in_window(
    store: Store, ctx: Context, start: float, end: float, open_rows: list[TicketClock] | None = None,
    replayed: Replay | None = None, *, party: str | None = None,
) -> Compliance:
    """met / (met + missed) over clocks stopped in [start, end) as of `end`; clocks open at `end` in flight.

    `open_rows` (`open_ticket_clocks` at `end`) and `replayed` (a `replay` at `end` with
    `window_start=start`, and the same `party`) may be passed when the caller has them already.
    `party` counts only the clocks that belong to it (ATTRIBUTION_RULE), in flight too.
    """
    r = replay(store, ctx, end, window_start=start, party=party) if replayed is None else replayed
    if (r.now, r.window_start) != (end, start):
        raise ValueError(f"replay covers [{r.window_start}, {r.now}), not [{start}, {end})")
    groups = {name: {g: {k: dataclasses.replace(row) for k, row in rows.items()} for g, rows in by.items()}
              for name, by in r.stopped.items()}
    # In flight: the party holding the ticket now; once breached, the one that held it when it ran out.
    for name, owner, area, priority, breached in _in_flight(store, ctx, end, open_rows):
        if party is not None and owner != party:
            continue
        by = groups[name]
        for row in (_row(by["all"], "all"), _row(by["party"], owner), _row(by["area"], area), _row(by["priority"], priority)):
            row.in_flight += 1
            row.breached += breached
    overall = {}
    by_grouping: dict[str, dict[str, list[ComplianceRow]]] = {}
    for name, by in groups.items():
        for rows in by.values():
            for row in rows.values():
                closed = row.met + row.missed
                row.percent = row.met * 100 / closed if closed else None
        overall[name] = by["all"].get("all") or ComplianceRow("all", 0, 0, 0, 0, None)
        by_grouping[name] = {g: [by[g][k] for k in sorted(by[g])] for g in _GROUPINGS}
    return Compliance(start, end, f"{COMPLIANCE_RULE} {ATTRIBUTION_RULE}", overall, by_grouping)


def _in_flight(store: Store, ctx: Context, now: float,
               open_rows: list[TicketClock] | None) -> Iterator[tuple[str, str, str | None, str, bool]]:
    """(clock, owner, area, priority, breached) of every clock open at `now`: from `open_rows`
    when given, else from the stops cache for the tickets it holds and computed for the rest."""
    if open_rows is None:
        if stops_cache.usable(store, ctx):
            yield from stops_cache.in_flight(store, ctx, now)
            open_rows = ticket_clocks(store, ctx, stops_cache.UNCACHED_OPEN_AT, (now, now), now)
        else:
            open_rows = open_ticket_clocks(store, ctx, now)
    for t in open_rows:
        for c in t.open_clocks:
            yield c.name, t.owner(c), t.area, t.priority, c.state == ClockState.BREACHED


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

    `party` counts only the verdicts that belong to that party (see `replay`). `replayed` may carry a `replay` at
    `now` with these `weeks` (the snapshot shares one with compliance and workload).
    Memory stays bounded: events are read a batch of tickets at a time, only counters kept.
    """
    r = replay(store, ctx, now, weeks=weeks, party=party) if replayed is None else replayed
    if (r.now, len(r.weeks)) != (now, weeks):
        raise ValueError(f"replay has {len(r.weeks)} weeks to {r.now}, not {weeks} to {now}")
    return [(r.trend_start + i * WEEK, m * 100 / (m + x) if m + x else None, m + x) for i, (m, x) in enumerate(r.weeks)]


