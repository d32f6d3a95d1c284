"""Build the period review once (readmodel.review.model.Review); the renderers in data/review only format it.

Every figure is computed for the period and for the previous period of the same length,
each judged as of its own end (a past period reads as the lead saw it when it closed,
like the weekly trend). Nothing here reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

from comanage_tui.data.models import Handoff
from comanage_tui.data.readmodel import clocks as RC
from comanage_tui.data.readmodel import context as RX
from comanage_tui.data.readmodel import history as RH
from comanage_tui.data.readmodel import kt as RK
from comanage_tui.data.readmodel import ola as RL
from comanage_tui.data.readmodel import org as RO
from comanage_tui.data.readmodel import stops_cache
from comanage_tui.data.readmodel.candidates import TIMES, active_since
from comanage_tui.data.readmodel.clocks import ACTIVE_SINCE, TICKET_COLS, resolve, stream_events
from comanage_tui.data.readmodel.past import state_as_of
from comanage_tui.data.readmodel.review import audit as RA
from comanage_tui.data.readmodel.review import model as M
from comanage_tui.data.readmodel.review.period import Period
from comanage_tui.data.sla.attribution import ATTRIBUTION_RULE
from comanage_tui.data.sla.engine import STOPPED, ClockState, clock_stops, compute_clocks, holder_before, priority_at, walk
from comanage_tui.data.sla.estimates import Estimates
from comanage_tui.data.store import Store
from comanage_tui.data.text import UNSAFE
from comanage_tui.data.timerange import times_in_range

DAY = 86_400
PRIORITIES = ("P1", "P2", "P3", "P4")
AGE_BUCKETS = (("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), (">90", 91, math.inf))
TOP_AREAS = 5
NO_AREA = "(none)"

VOLUME_RULE = ("Opened: tickets whose opening falls in the period, by the priority and party they opened with. "
               "Resolved: tickets whose resolution clock stopped in the period (once each), by the priority in force "
               "and the party holding the ticket then. Area: the ticket's area.")
RESOLVE_RULE = ("Business hours the resolution clock counted (open hours of the policy calendar, paused time "
                "excluded) for tickets resolved in the period; median of all, p90 the nearest-rank 90th percentile.")
BREACH_RULE = ("SLA clocks (response and resolution) whose target ran out in the period, by the party that "
               "held the ticket at that instant (the engine's breach holder).")
HANDOFF_RULE = ("Handoffs (last) requested in the period, judged at its end. On time % = acknowledged within the "
                "target / (acknowledged + past the target unacknowledged); waiting ones still within the target "
                "are left out. Median wait: business minutes from request to acknowledgement on the receiver's "
                "calendar. Bounces: times the handoffs were returned (today's count).")
KT_RULE = ("Verified: KT items moved to verified in the period (audit log). Coverage at each period's end: people "
           "recorded as able (capability changes undone from the audit log; their party today) and whether a "
           "done or verified runbook existed. Single point of knowledge: nobody, one person, or only partners.")
SPLIT_RULE = ("Changes: RACI cells changed in the period (audit log). Drift: a party that is not Responsible "
              f"holding at least {RO.DRIFT_SHARE:.0%} of the area's tickets opened in the period (today's holder and "
              f"letters; areas with at least {RO.DRIFT_MIN_TICKETS} tickets).")
ROI_RULE = ("Hours of work on tickets a partner resolved in the period (the party holding the ticket when its "
            "resolution clock stopped): the hours recorded on the ticket when there are any (more than 0), else the "
            "estimate for its priority (and area) from the SLA configuration's [estimates]; a ticket with neither "
            "counts 0 h. These are hours the internal team did not have to work.")
OLA_NOTE = ("SLA compliance only: OLA compliance (the internal targets between parties) appears here when OLAs "
            "are configured.")


def clean(value: object) -> str:
    """User text made inert for every format (control and bidi characters removed), one line."""
    return UNSAFE.sub("", " ".join(("" if value is None else str(value)).split()))


@dataclass
class TicketFigures:
    """What one pass over the tickets active in [start, end) counts, judged as of `end`."""

    opened: Counter = field(default_factory=Counter)  # ("priority"|"party"|"area"|"all", key) -> n
    resolved: Counter = field(default_factory=Counter)
    resolve_seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    backlog: Counter = field(default_factory=Counter)  # bucket -> n; "all" -> n
    breaches: Counter = field(default_factory=Counter)  # party -> n; "all" -> n
    area_tickets: Counter = field(default_factory=Counter)
    area_breaches: Counter = field(default_factory=Counter)
    partner_resolved: int = 0
    recorded: tuple[int, float] = (0, 0.0)
    estimated: tuple[int, float] = (0, 0.0)
    unestimated: int = 0


class _Tally:
    """Counts the facts of one ticket into TicketFigures; a walked and a cached ticket give the same facts."""

    def __init__(self, ctx: RX.Context, start: int, end: int, estimates: Estimates):
        self.out, self.start, self.end, self.estimates = TicketFigures(), start, end, estimates
        self.kinds = {p.key: p.kind for p in ctx.parties.values()}
        self.rec_n = self.est_n = 0
        self.rec_h = self.est_h = 0.0

    def ticket(self, area: str | None, hours_spent: float | None, opened: float, first_party: str, first_priority: str,
               resolved: tuple[str, str, float] | None, open_at_end: bool, breach_holders: list[str]) -> None:
        """One ticket opened before `end`. `resolved`: (priority, party, business seconds) of its last
        resolution in the period; `breach_holders`: who held it when each clock that ran out in the period did."""
        out, start, end = self.out, self.start, self.end
        area_key = area or NO_AREA
        if opened >= start:
            for key in (("all", "all"), ("priority", first_priority), ("party", first_party), ("area", area_key)):
                out.opened[key] += 1
            out.area_tickets[area_key] += 1
        if resolved is not None:
            prio, party, elapsed = resolved
            for key in (("all", "all"), ("priority", prio), ("party", party), ("area", area_key)):
                out.resolved[key] += 1
            out.resolve_seconds[prio].append(elapsed)
            if self.kinds.get(party) == "partner":
                out.partner_resolved += 1
                if hours_spent and hours_spent > 0:
                    self.rec_n, self.rec_h = self.rec_n + 1, self.rec_h + hours_spent
                else:
                    guess = self.estimates.for_ticket(prio, area)
                    if guess is None:
                        out.unestimated += 1
                    else:
                        self.est_n, self.est_h = self.est_n + 1, self.est_h + guess
        if open_at_end:
            age = (end - opened) // DAY
            bucket = next(name for name, lo, hi in AGE_BUCKETS if lo <= age <= hi)
            out.backlog[bucket] += 1
            out.backlog["all"] += 1
        for holder in breach_holders:
            out.breaches[holder] += 1
            out.breaches["all"] += 1
            out.area_breaches[area_key] += 1

    def done(self) -> TicketFigures:
        self.out.recorded = (self.rec_n, round(self.rec_h, 4))
        self.out.estimated = (self.est_n, round(self.est_h, 4))
        return self.out


def ticket_figures(store: Store, ctx: RX.Context, start: int, end: int, estimates: Estimates | None = None) -> TicketFigures:
    """Volume, backlog, time to resolve, breaches and partner hours of [start, end), judged at `end`."""
    return ticket_figures_of(store, ctx, [(start, end)], estimates)[0]


def ticket_figures_of(store: Store, ctx: RX.Context, windows: Sequence[tuple[int, int]],
                      estimates: Estimates | None = None) -> list[TicketFigures]:
    """`ticket_figures` of each window, from one read of the tickets any of them needs.

    The tickets the stops cache holds are counted from it (`stops_cache.ticket_entry` keeps what
    a walk finds here: the opening, each stop and who held the ticket before it, when each
    clock ran out and from when it was over its target); the others are walked, once per
    window. The figures are the same either way (tests/data/test_stops_cache.py).
    """
    tallies = [_Tally(ctx, start, end, estimates or Estimates()) for start, end in windows]
    lo, hi = min(start for start, _ in windows), max(end for _, end in windows)
    cached = stops_cache.usable(store, ctx)
    params = (hi, lo, lo, lo)  # every window's candidates (ACTIVE_SINCE) are among these
    where = stops_cache.UNCACHED_ACTIVE_SINCE if cached else ACTIVE_SINCE
    tickets = store.rows(f"SELECT {TICKET_COLS}, t.hours_spent, {TIMES} FROM tickets t WHERE {where} ORDER BY t.id", params)
    for row, events in stream_events(store, ctx, tickets):
        for tally in tallies:
            if active_since(row[9:], tally.end, tally.start):
                _walked_ticket(tally, ctx, row[:9], events)
    if cached:
        _cached_tickets(tallies, store, ctx, params)
    return [tally.done() for tally in tallies]


def _walked_ticket(tally: _Tally, ctx: RX.Context, row: tuple, events: list[tuple]) -> None:
    _tid, _ref, _title, area_id, priority, kind, _status, holder_id, hours_spent = row
    area, holder, found = resolve(ctx, area_id, priority, kind, holder_id)
    if found is None or not events or not times_in_range(events):
        return  # no policy, or a stored date the calendar cannot walk (labelled on the ticket screens)
    policy, cal = found
    start, end = tally.start, tally.end
    w = walk(events, policy, end)
    opened = w.opened
    if opened is None or opened >= end:
        return
    first_party = next((e[3] for e in events if e[3] is not None), holder)
    first_priority = w.priorities[0][1] if w.priorities else priority
    resolved = None
    if any(start <= at < end for at, _until in w.stops):  # business time only when needed
        stop = [s for s in clock_stops(w, cal) if s.clock == "resolution" and start <= s.at < end][-1]
        resolved = (priority_at(w, stop.at) or priority, holder_before(w, stop.at, events), stop.elapsed)
    holders = []
    if not (w.phase == STOPPED and w.resolution_stop < start):  # else every breach it had came earlier
        clocks = compute_clocks(events, policy, cal, end)
        holders = [c.breach_holder or "?" for c in (clocks.response, clocks.resolution)
                   if c.breached_at is not None and start <= c.breached_at < end]
    tally.ticket(area, hours_spent, opened, first_party, first_priority, resolved, w.phase != STOPPED, holders)


def _cached_tickets(tallies: list[_Tally], store: Store, ctx: RX.Context, params: tuple) -> None:
    """The candidates the stops cache holds, counted in each window as `_walked_ticket` counts a walk.

    One row per resolution stop (or one without a stop) of each ticket, in ticket order. A
    clock counts as breached in a window when it ran out in it and was over its target by
    the window's end (`sla.engine.exceeding`: a target reached at a close of business is
    only exceeded once the clock runs again).
    """
    cols = ", ".join(f"c.{c}" for c in stops_cache.SUMMARY_COLS)
    with store.reading() as cur:
        rows = cur.execute(
            f"SELECT t.id, t.area_id, t.priority, t.kind, t.holder_party_id, t.hours_spent, {TIMES}, {cols}, "
            "s.at, s.until, s.elapsed, s.held_by FROM tickets t JOIN clock_cache c ON c.ticket_id = t.id "
            "LEFT JOIN clock_cache_stops s ON s.ticket_id = t.id AND s.at <= ? AND s.clock = 1 "
            f"WHERE {ACTIVE_SINCE} AND {stops_cache.CACHED} ORDER BY t.id, s.at", (params[0], *params)).fetchall()
    for _tid, group in groupby(rows, key=itemgetter(0)):
        first, *more = group
        (_tid, area_id, priority, kind, holder_id, hours_spent, *times), summary = first[:10], first[10:19]
        opened, first_party, first_priority, r_ran_out, r_exceeded, r_holder, s_ran_out, s_exceeded, s_holder = summary
        if opened is None:
            continue  # counted in no figure
        area = resolve(ctx, area_id, priority, kind, holder_id)[0]
        stops = [r[19:] for r in (first, *more) if r[19] is not None]  # (at, until, elapsed, held_by), oldest first
        for tally in tallies:
            start, end = tally.start, tally.end
            if opened >= end or not active_since(times, end, start):
                continue
            in_period = [s for s in stops if start <= s[0] < end]
            resolved = (first_priority, in_period[-1][3], in_period[-1][2]) if in_period else None
            stopped = any(at <= end and (until is None or until > end) for at, until, _el, _by in stops)
            holders = [holder for ran_out, exceeded, holder in ((r_ran_out, r_exceeded, r_holder),
                                                                (s_ran_out, s_exceeded, s_holder))
                       if ran_out is not None and start <= ran_out < end and exceeded < end]
            tally.ticket(area, hours_spent, opened, first_party, first_priority, resolved, not stopped, holders)


@dataclass
class HandoffCounts:
    count: int = 0
    on_time: int = 0
    late: int = 0
    waits: list[float] = field(default_factory=list)
    bounces: int = 0

    def percent(self) -> float | None:
        judged = self.on_time + self.late
        return self.on_time * 100 / judged if judged else None

    def median_wait(self) -> float | None:
        return statistics.median(self.waits) / 60 if self.waits else None


def handoff_counts(store: Store, ctx: RX.Context, start: int, end: int,
                   listed: Sequence[Handoff] | None = None) -> dict[str, HandoffCounts]:
    """"all" and per direction ("from → to"): handoffs requested in [start, end), judged at `end`.

    `listed`: the handoffs requested since `start` or earlier, when the caller has read them.
    """
    out: dict[str, HandoffCounts] = defaultdict(HandoffCounts)
    for s in RO.handoff_statuses(store, ctx, end, open_only=False, requested_from=start, listed=listed):
        h = s.handoff
        if not start <= h.requested_at < end:
            continue
        direction = f"{h.from_party_key} → {h.to_party_key}"
        for c in (out["all"], out[direction]):
            c.count += 1
            c.bounces += h.bounce_count
            if s.ack.state == ClockState.MET:
                c.on_time += 1
            elif s.ack.state in (ClockState.MISSED, ClockState.BREACHED):
                c.late += 1
            if s.ack.stopped_at is not None:
                c.waits.append(s.ack.elapsed_seconds)
    return out


def coverage_at(store: Store, ctx: RX.Context, t: int) -> dict[str, RK.Coverage]:
    """KT coverage per area key at `t`: KT items, who can do what and people's parties as they stood
    then (readmodel.past, the one place that rolls records back through the audit log)."""
    past = state_as_of(store, t)
    today = RX.local_today(ctx, t - 1)
    return {c.area.key: c for c in RK.kt_coverage(store, ctx, today, items=list(past.kt_items),
                                                  caps=list(past.capabilities))}


def _pct(row) -> float | None:
    closed = row.met + row.missed
    return row.met * 100 / closed if closed else None


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _iso(t: int, zone: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(t, zone).isoformat()


def _period_ref(p: Period, zone: dt.tzinfo) -> M.PeriodRef:
    start, end = p.bounds(zone)
    return M.PeriodRef(label=p.label, kind=p.kind, first_day=p.first.isoformat(), last_day=p.last.isoformat(),
                       start=_iso(start, zone), end=_iso(end, zone), days=p.days)


def _key_figs(cur: Counter, prev: Counter, group: str, keys: list[str], good: M.Good) -> list[M.KeyFig]:
    seen = {k for (g, k) in (*cur, *prev) if g == group}
    ordered = [k for k in keys if k in seen] + sorted(seen - set(keys))
    return [M.KeyFig(key=clean(k), fig=M.fig(cur[(group, k)], prev[(group, k)], good, 0)) for k in ordered]


def build_review(store: Store, period: Period) -> M.Review:
    """The review of `period` against `period.previous()`: every figure of docs/FIGURES.md "Review"."""
    ctx = RX.load_context(store)
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC
    prev_period = period.previous()
    (start, end), (p_start, p_end) = period.bounds(zone), prev_period.bounds(zone)
    parties = sorted(ctx.parties.values(), key=lambda p: (p.kind != "internal", p.key))
    party_keys = [p.key for p in parties]
    area_keys = sorted(a.key for a in ctx.areas.values())
    estimates = store.sla.estimates()
    # The tickets of both periods that the stops cache does not hold (all of them without it) are
    # read once, events kept in ctx.events: the walks below reuse them instead of reading them
    # from SQLite each time (two quarters of a 100k-ticket demo: ~300k events).
    walked = stops_cache.UNCACHED_ACTIVE_SINCE if stops_cache.usable(store, ctx) else ACTIVE_SINCE
    RC.load_tickets(store, ctx, walked, (end, p_start, p_start, p_start))

    cur, prev = ticket_figures_of(store, ctx, [(start, end), (p_start, p_end)], estimates)

    def volume(c: Counter, p: Counter, good: M.Good) -> M.Volume:
        return M.Volume(total=M.fig(c[("all", "all")], p[("all", "all")], good, 0),
                        by_priority=_key_figs(c, p, "priority", list(PRIORITIES), "neither"),
                        by_party=_key_figs(c, p, "party", party_keys, "neither"),
                        by_area=_key_figs(c, p, "area", [*area_keys, NO_AREA], "neither"))

    backlog = M.Backlog(total=M.fig(cur.backlog["all"], prev.backlog["all"], "down", 0),
                        buckets=[M.KeyFig(key=name, fig=M.fig(cur.backlog[name], prev.backlog[name], "down", 0))
                                 for name, _lo, _hi in AGE_BUCKETS])

    comp_cur = RH.compliance_in_window(store, ctx, start, end)
    comp_prev = RH.compliance_in_window(store, ctx, p_start, p_end)
    clocks = []
    for name in ("response", "resolution"):
        rows = []
        for grouping, keys in (("party", party_keys), ("priority", list(PRIORITIES))):
            c_rows = {r.key: r for r in comp_cur.by[name][grouping]}
            p_rows = {r.key: r for r in comp_prev.by[name][grouping]}
            ordered = [k for k in keys if k in c_rows or k in p_rows] + sorted((set(c_rows) | set(p_rows)) - set(keys))
            rows.append([M.KeyFig(key=clean(k), fig=M.fig(_pct(c_rows[k]) if k in c_rows else None,
                                                          _pct(p_rows[k]) if k in p_rows else None, "up"))
                         for k in ordered])
        o_cur, o_prev = comp_cur.overall[name], comp_prev.overall[name]
        clocks.append(M.ClockReview(clock=name, overall=M.fig(_pct(o_cur), _pct(o_prev), "up"), met=o_cur.met,
                                    missed=o_cur.missed, by_party=rows[0], by_priority=rows[1]))
    olas = ctx.olas
    ola_rows: list[M.KeyFig] = []
    if olas:
        o_cur, o_prev = (o.by_party for o in RL.ola_compliances(store, ctx, [(start, end), (p_start, p_end)], olas))
        ordered = [k for k in party_keys if k in o_cur or k in o_prev] + sorted((set(o_cur) | set(o_prev)) - set(party_keys))
        ola_rows = [M.KeyFig(key=clean(k), fig=M.fig(_pct(o_cur[k]) if k in o_cur else None,
                                                     _pct(o_prev[k]) if k in o_prev else None, "up")) for k in ordered]
    sla = M.Sla(rule=f"{comp_cur.rule} {ATTRIBUTION_RULE}", ola_note=RL.OLA_RULE if olas else OLA_NOTE, clocks=clocks,
                ola_by_party=ola_rows)

    times = []
    for prio in PRIORITIES:
        c_vals, p_vals = cur.resolve_seconds.get(prio, []), prev.resolve_seconds.get(prio, [])
        if not c_vals and not p_vals:
            continue
        times.append(M.ResolveTime(
            priority=prio, resolved=len(c_vals),
            median_hours=M.fig(statistics.median(c_vals) / 3600 if c_vals else None,
                               statistics.median(p_vals) / 3600 if p_vals else None, "down"),
            p90_hours=M.fig(_p90(c_vals) / 3600 if c_vals else None, _p90(p_vals) / 3600 if p_vals else None, "down")))

    breach_keys = [k for k in party_keys if cur.breaches[k] or prev.breaches[k]] + sorted(
        {k for k in (*cur.breaches, *prev.breaches) if k not in party_keys and k != "all"})
    breaches = M.Breaches(rule=BREACH_RULE, total=M.fig(cur.breaches["all"], prev.breaches["all"], "down", 0),
                          by_party=[M.KeyFig(key=clean(k), fig=M.fig(cur.breaches[k], prev.breaches[k], "down", 0))
                                    for k in breach_keys])

    def top(c: Counter, p: Counter) -> list[M.TopArea]:
        ranked = sorted((k for k in c if c[k] > 0), key=lambda k: (-c[k], k))[:TOP_AREAS]
        return [M.TopArea(area=clean(k), fig=M.fig(c[k], p[k], "down", 0)) for k in ranked]

    top_areas = M.TopAreas(most_tickets=top(cur.area_tickets, prev.area_tickets),
                           most_breaches=top(cur.area_breaches, prev.area_breaches))

    listed = ctx.handoffs(store, open_only=False, requested_from=p_start)  # both periods' (and later ones)
    h_cur, h_prev = handoff_counts(store, ctx, start, end, listed), handoff_counts(store, ctx, p_start, p_end, listed)

    def h_figs(c: HandoffCounts, p: HandoffCounts) -> dict:
        return {"count": M.fig(c.count, p.count, "neither", 0), "on_time_percent": M.fig(c.percent(), p.percent(), "up"),
                "median_wait_minutes": M.fig(c.median_wait(), p.median_wait(), "down"),
                "bounces": M.fig(c.bounces, p.bounces, "down", 0)}

    directions = sorted(k for k in {*h_cur, *h_prev} if k != "all")
    handoffs = M.Handoffs(rule=HANDOFF_RULE, overall=M.HandoffFigs(**h_figs(h_cur["all"], h_prev["all"])),
                          by_direction=[M.DirectionFigs(direction=clean(d), **h_figs(h_cur[d], h_prev[d])) for d in directions])

    cov_end, cov_start = coverage_at(store, ctx, end), coverage_at(store, ctx, start)
    coverage, opened_sp, closed_sp = [], [], []
    for key in area_keys:
        a, b = cov_start[key], cov_end[key]
        if b.single_point and not a.single_point:
            opened_sp.append(clean(key))
        if a.single_point and not b.single_point:
            closed_sp.append(clean(key))
        coverage.append(M.CoverageChange(
            area=clean(key), internal_people=M.fig(b.internal_people, a.internal_people, "up", 0),
            partner_people=M.fig(b.partner_people, a.partner_people, "neither", 0),
            documented_before=a.documented, documented_after=b.documented,
            single_point_before=a.single_point, single_point_after=b.single_point))
    verified_cur, verified_prev = RA.kt_verified(store, start, end), RA.kt_verified(store, p_start, p_end)
    knowledge = M.Knowledge(
        rule=KT_RULE, verified_items=M.fig(len(verified_cur), len(verified_prev), "up", 0),
        single_points=M.fig(sum(1 for c in cov_end.values() if c.single_point),
                            sum(1 for c in cov_start.values() if c.single_point), "down", 0),
        single_points_opened=opened_sp, single_points_closed=closed_sp, coverage=coverage)

    ch_cur, ch_prev = RA.raci_changes(store, start, end), RA.raci_changes(store, p_start, p_end)
    d_cur = {s.area.key: s.drift for s in RO.raci_split(store, ctx, end, window_days=period.days)}
    d_prev = {s.area.key: s.drift for s in RO.raci_split(store, ctx, p_end, window_days=prev_period.days)}
    drift_rows = [M.DriftRow(area=clean(a), party=clean(p), share_percent=M.fig(
                      d_cur.get(a, {}).get(p, 0) * 100, d_prev.get(a, {}).get(p, 0) * 100, "down"))
                  for a in area_keys for p in sorted({*d_cur.get(a, {}), *d_prev.get(a, {})})]
    split = M.Split(
        rule=SPLIT_RULE,
        changes=[M.RaciChangeRow(at=_iso(c.at, zone), area=clean(c.area), party=clean(c.party), before=c.before, after=c.after)
                 for c in ch_cur],
        changes_count=M.fig(len(ch_cur), len(ch_prev), "neither", 0),
        drifting_areas=M.fig(sum(1 for d in d_cur.values() if d), sum(1 for d in d_prev.values() if d), "down", 0),
        drift=drift_rows)

    roi = _roi(period, cur, prev, clocks)
    notes = ["Figures are computed from ticket events and the audit log; areas, RACI letters and people's parties "
             "are today's where the audit log does not say otherwise."]
    return M.Review(period=_period_ref(period, zone), previous=_period_ref(prev_period, zone),
                    timezone=getattr(zone, "key", "UTC"), parties=[clean(k) for k in party_keys],
                    opened=volume(cur.opened, prev.opened, "down"), resolved=volume(cur.resolved, prev.resolved, "up"),
                    backlog=backlog, sla=sla, resolve_times=M.ResolveTimes(rule=RESOLVE_RULE, by_priority=times),
                    breaches=breaches, top_areas=top_areas, handoffs=handoffs, knowledge=knowledge, split=split,
                    roi=roi, notes=notes)


def _roi(period: Period, cur: TicketFigures, prev: TicketFigures, clocks: list[M.ClockReview]) -> M.Roi:
    def total(f: TicketFigures) -> float:
        return f.recorded[1] + f.estimated[1]

    rec_n, rec_h = cur.recorded
    est_n, est_h = cur.estimated
    source = ("recorded and estimates" if rec_n and est_n else "recorded" if rec_n else "estimates" if est_n else "none")
    hours = round(total(cur), 1)
    noun = period.noun
    text = [f"This {noun} ({period.label}) the partners resolved {cur.partner_resolved:,} ticket"
            f"{'' if cur.partner_resolved == 1 else 's'}, about {hours:,.0f} hours of work the internal team did "
            "not have to do"]
    parts = []
    if rec_n:
        parts.append(f"{rec_h:,.1f} h recorded on {rec_n:,} ticket{'' if rec_n == 1 else 's'}")
    if est_n:
        parts.append(f"{est_h:,.1f} h estimated for {est_n:,} ticket{'' if est_n == 1 else 's'}")
    if cur.unestimated:
        parts.append(f"{cur.unestimated:,} without hours or an estimate")
    text[0] += f" ({'; '.join(parts)})." if parts else "."
    if prev.partner_resolved or total(prev):
        text.append(f"Last {noun}: {prev.partner_resolved:,} ticket{'' if prev.partner_resolved == 1 else 's'}, "
                    f"about {total(prev):,.0f} hours.")
    res = next(c for c in clocks if c.clock == "resolution").overall
    if res.current is not None:
        line = f"Resolution SLA compliance was {res.current:.1f} %"
        line += f" ({res.previous:.1f} % the {noun} before)." if res.previous is not None else "."
        text.append(line)
    return M.Roi(rule=ROI_RULE, partner_resolved=M.fig(cur.partner_resolved, prev.partner_resolved, "up", 0),
                 hours=M.fig(total(cur), total(prev), "up"), recorded_tickets=rec_n, recorded_hours=round(rec_h, 1),
                 estimated_tickets=est_n, estimated_hours=round(est_h, 1), unestimated_tickets=cur.unestimated,
                 source=source, summary=" ".join(text))
