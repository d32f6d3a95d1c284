"""Property tests: the engine agrees with the minute-by-minute reference on random inputs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comanage_tui.data.sla.attribution import attribute, clock_holds, verdict_holder
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.calendar_spec import CalendarSpec
from comanage_tui.data.sla.engine import (
    RUNNING,
    ClockState,
    Event,
    clock_stops,
    compute_clocks,
    stopped_state,
    targets_at,
    walk,
)
from comanage_tui.data.sla.policy import PriorityTarget, SlaPolicy
from comanage_tui.data.sla.terms import STATUSES, WEEKDAYS
from tests.data.sla_reference import RefCalendar, ref_clocks

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe", "Asia/Kolkata"]
# Local dates of DST changes: drawn spans start within a few days of these.
DST_DATES = {
    "Europe/Berlin": ["2023-03-26", "2023-10-29", "2024-03-31", "2024-10-27", "2025-03-30", "2025-10-26"],
    "America/New_York": ["2023-03-12", "2023-11-05", "2024-03-10", "2024-11-03", "2025-03-09", "2025-11-02"],
    "Australia/Lord_Howe": ["2024-04-07", "2024-10-06"],
}
PROPS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# Window edges on the half hour, so they regularly land inside the DST change hours.
window = st.tuples(st.integers(0, 47), st.integers(0, 48)).map(lambda w: (_hhmm(w[0] * 30), _hhmm(w[1] * 30)))


@st.composite
def spans(draw, max_days: int = 21):
    """(zone, start, end) minute-aligned; mostly around DST changes, sometimes anywhere 2000-2099."""
    zone = draw(st.sampled_from(ZONES))
    if zone in DST_DATES and draw(st.integers(0, 9)) < 7:
        anchor = dt.date.fromisoformat(draw(st.sampled_from(DST_DATES[zone])))
        anchor += dt.timedelta(days=draw(st.integers(-3, 2)))
    else:
        anchor = dt.date(2000, 1, 1) + dt.timedelta(days=draw(st.integers(0, 36500)))
    start = int(dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.UTC).timestamp())
    start += 60 * draw(st.integers(0, 1439))
    end = start + 60 * draw(st.integers(0, max_days * 1440))
    return zone, start, end


@st.composite
def calendars(draw, zone: str, start: int, end: int):
    """A random CalendarSpec with holidays and closed periods inside [start, end)."""
    always = draw(st.integers(0, 14)) == 0
    weekly = {day: draw(st.lists(window, max_size=3)) for day in WEEKDAYS}
    if not any(weekly.values()):
        weekly["mon"] = [("09:00", "17:00")]
    first = dt.datetime.fromtimestamp(start, ZoneInfo(zone)).date()
    days = max(1, (end - start) // 86400 + 1)
    custom = draw(st.lists(st.integers(0, days), max_size=3))
    country = draw(st.sampled_from([None, None, ("DE", None), ("DE", "BE"), ("US", None), ("US", "NY")]))
    closed = []
    for _ in range(draw(st.integers(0, 2))):
        a = start + 60 * draw(st.integers(0, max(0, (end - start) // 60)))
        b = a + 60 * draw(st.integers(1, 3 * 1440))
        closed.append((dt.datetime.fromtimestamp(a, dt.UTC), dt.datetime.fromtimestamp(b, dt.UTC)))
    return CalendarSpec(
        name="random",
        timezone=zone,
        always_open=always,
        weekly=weekly,
        holiday_country=country and country[0],
        holiday_subdivision=country and country[1],
        custom_holidays=[first + dt.timedelta(days=d) for d in custom],
        closed_periods=closed,
    )


@st.composite
def calendar_and_span(draw, max_days: int = 21):
    zone, start, end = draw(spans(max_days))
    return draw(calendars(zone, start, end)), start, end


@settings(PROPS, max_examples=250)
@given(calendar_and_span())
def test_business_seconds_match_reference(case):
    spec, start, end = case
    assert BusinessCalendar(spec).business_seconds(start, end) == RefCalendar(spec).business_seconds(start, end)


@st.composite
def dst_days(draw):
    """A calendar whose window edges sit around the small hours of a DST change day, and a span over it."""
    zone = draw(st.sampled_from(sorted(DST_DATES)))
    day = dt.date.fromisoformat(draw(st.sampled_from(DST_DATES[zone])))
    edge = st.integers(0, 5 * 4).map(lambda q: _hhmm(q * 15))  # 00:00 .. 05:00 in quarter hours
    small_hours = st.tuples(edge, edge | st.sampled_from(["08:00", "24:00"]))
    weekly = {d: draw(st.lists(small_hours | window, min_size=1, max_size=3)) for d in WEEKDAYS}
    midnight = int(dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).timestamp())
    start = midnight - 60 * draw(st.integers(0, 1440))
    end = midnight + 60 * draw(st.integers(0, 2 * 1440))
    return CalendarSpec(name="dst", timezone=zone, weekly=weekly), start, end


@settings(PROPS, max_examples=150)
@given(dst_days())
def test_dst_days_match_reference(case):
    spec, start, end = case
    assert BusinessCalendar(spec).business_seconds(start, end) == RefCalendar(spec).business_seconds(start, end)


@settings(PROPS, max_examples=120)
@given(calendar_and_span(max_days=4))
def test_split_and_is_open_match_reference(case):
    spec, start, end = case
    cal, ref = BusinessCalendar(spec), RefCalendar(spec)
    pieces = cal.split(start, end)
    if end > start:
        assert pieces[0][0] == start and pieces[-1][1] == end
    for (_, e1, _), (s2, _, _) in zip(pieces, pieces[1:]):
        assert e1 == s2
    for s, e, kind in pieces:
        for t in range(int(s), int(e), 60):
            assert ref.kind(t) == kind, (t, kind)
            assert cal.is_open(t) == (kind == "open")


@settings(PROPS)
@given(calendar_and_span(), st.floats(0, 1), st.floats(0, 1))
def test_business_seconds_is_additive(case, f1, f2):
    spec, start, end = case
    cal = BusinessCalendar(spec)
    a, c = start + 0.5, end + 17.25  # off the minute grid on purpose
    b = a + (c - a) * min(f1, f2)
    assert abs(cal.business_seconds(a, c) - (cal.business_seconds(a, b) + cal.business_seconds(b, c))) < 1e-6


@settings(PROPS)
@given(calendar_and_span(max_days=3), st.integers(0, 5 * 86400))
def test_add_business_seconds_inverts_business_seconds(case, seconds):
    spec, start, _ = case
    cal = BusinessCalendar(spec)
    t = cal.add_business_seconds(start, seconds)
    assert t >= start
    assert cal.business_seconds(start, t) == seconds
    if seconds > 0:
        assert cal.business_seconds(start, t - 1) < seconds  # earliest such instant
    if seconds % 60 == 0 and t - start <= 20 * 86400:
        assert RefCalendar(spec).add(start, seconds, max_days=21) == t
    nxt = cal.next_open(start)
    assert nxt >= start and cal.is_open(nxt) and cal.business_seconds(start, nxt) == 0


@st.composite
def tickets(draw, start: int, end: int):
    """A random event log starting at ``start`` and a ``now`` that may fall anywhere in it."""
    parties = st.sampled_from(["internal", "msp", "secops"])
    prios = st.sampled_from(["P1", "P2", "P3", "P4"])
    horizon = max(60, end - start)
    t = start
    events = [Event(t, "opened", draw(st.sampled_from(STATUSES[:4])), draw(parties),
                    draw(st.none() | st.just("ann")), draw(prios))]
    statuses = st.sampled_from(STATUSES + ("resolved", "closed", "in_progress"))  # stops and reopens often
    for _ in range(draw(st.integers(0, 10))):
        t += 60 * draw(st.integers(0, horizon // 60 // 4))  # zero gaps give same-time events
        kind = draw(st.sampled_from(["status", "status", "assign", "priority", "response", "note"]))
        if kind == "status":
            events.append(Event(t, kind, status=draw(statuses)))
        elif kind == "assign":
            events.append(Event(t, kind, party=draw(parties), person=draw(st.none() | st.just("bob"))))
        elif kind == "priority":
            events.append(Event(t, kind, priority=draw(prios)))
        else:
            events.append(Event(t, kind))
    now = start + 60 * draw(st.integers(0, horizon // 60 + 1440))
    return events, now


policies = st.builds(
    SlaPolicy,
    name=st.just("p"),
    calendar=st.just("random"),
    targets=st.fixed_dictionaries({
        p: st.builds(PriorityTarget, response_minutes=st.integers(1, 600),
                     resolution_minutes=st.integers(1, 300) | st.integers(1, 4000))
        for p in ("P1", "P2", "P3", "P4")
    }),
    pause_statuses=st.sampled_from([[], ["waiting_customer", "waiting_vendor"], ["waiting_vendor"], ["assigned"]]),
    resolution_stop=st.sampled_from(["resolved", "closed"]),
    response_stop=st.sampled_from(["first_response", "first_assignment"]),
    at_risk_percent=st.sampled_from([50.0, 75.0, 90.0, 100.0]),
    at_risk_minutes_remaining=st.none() | st.integers(0, 240),
)


@st.composite
def ticket_cases(draw):
    zone, start, end = draw(spans(max_days=10))
    spec = draw(calendars(zone, start, end))
    events, now = draw(tickets(start, end))
    return spec, draw(policies), events, now


@settings(PROPS, max_examples=200)
@given(ticket_cases())
def test_clocks_match_reference(case):
    spec, policy, events, now = case
    cal, ref = BusinessCalendar(spec), RefCalendar(spec)
    got = compute_clocks(events, policy, cal, now)
    want = ref_clocks(events, policy, ref, now)
    for name in ("response", "resolution"):
        g, w = getattr(got, name), want[name]
        assert (g.state, g.elapsed_seconds, g.target_seconds, g.stopped_at) == (
            w.state, w.elapsed_seconds, w.target_seconds, w.stopped_at), name
        assert (g.breached_at, g.breach_holder) == (w.breached_at, w.breach_holder), name
        if w.due_at is not None:  # the reference only looks 60 days ahead
            assert g.due_at == w.due_at, name
    attribution = attribute(events, policy, cal, now)
    assert {k: v for k, v in attribution.items() if v} == want["attribution"]
    # Time held per party and paused per status, per clock; held time adds up to elapsed.
    for held in clock_holds(walk(events, policy, now), cal):
        assert (held.held, held.paused) == (want["split"][held.clock]["held"], want["split"][held.clock]["paused"])
        assert held.counted == getattr(got, held.clock).elapsed_seconds
    # The verdict holder: the holder at the stop when met, the breach holder when missed or breached.
    for name in ("response", "resolution"):
        g = getattr(got, name)
        expected = (g.breach_holder if g.state in (ClockState.MISSED, ClockState.BREACHED)
                    else want["stopped_by"][name] if g.state == ClockState.MET else None)
        assert g.verdict_holder == expected, name


@settings(PROPS, max_examples=300)
@given(ticket_cases(), st.lists(st.integers(0, 10**6), max_size=4), st.integers(0, 10**6))
def test_stops_of_one_walk_give_every_earlier_moments_verdict(case, picks, held_pick):
    """clock_stops on a walk up to `now` says, for any moment t <= now, what compute_clocks(t) says of stopped clocks."""
    spec, policy, events, now = case
    cal = BusinessCalendar(spec)
    w = walk(events, policy, now)
    held: dict[str, float] = {}
    opened = events[0].at
    held_from = opened + (held_pick % max(1, now - opened + 1)) if now >= opened else opened
    stops = clock_stops(w, cal, held, held_from)
    # Every event time (where verdicts change), a second either side, now, and a few anywhere up to now.
    moments = {now} | {e.at + d for e in events for d in (-1, 0, 1)} | {opened + p % max(1, now - opened + 1) for p in picks}
    for t in sorted(m for m in moments if m <= now):
        want = compute_clocks(events, policy, cal, t)
        for name in ("response", "resolution"):
            ref = getattr(want, name)
            current = [s for s in stops if s.clock == name and s.at <= t < s.until]
            if ref.state in (ClockState.MET, ClockState.MISSED):
                assert len(current) == 1, (name, t)
                got = current[0]
                assert (got.at, got.elapsed, stopped_state(got, policy, w, t)) == (ref.stopped_at, ref.elapsed_seconds, ref.state), (name, t)
                # Whose verdict it is, from the walk up to `now`, judged with the target in force at t.
                target = targets_at(policy, w, t)[0 if name == "response" else 1]
                assert verdict_holder(w, cal, got, target) == ref.verdict_holder, (name, t)
            else:
                assert current == [], (name, t)
    expected: dict[str, float] = {}
    for s, e, phase, holder, _status, _resp in w.segments:
        if phase == RUNNING and e > held_from:
            expected[holder] = expected.get(holder, 0) + cal.business_seconds(max(s, held_from), e)
    assert held == expected
