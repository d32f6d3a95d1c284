"""Named SLA regressions: one behaviour per test, on a Berlin office calendar unless stated."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from comanage_tui.data.sla.attribution import attribute
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.calendar_spec import CalendarSpec
from comanage_tui.data.sla.engine import ClockState, Event, ack_clock, compute_clocks, match_policy
from comanage_tui.data.sla.explain import COMPLIANCE_RULE, compliance, explain, format_explanation
from comanage_tui.data.sla.policy import PriorityTarget, SlaPolicy
from comanage_tui.data.sla.terms import WEEKDAYS

H, M = 3600, 60
BERLIN = "Europe/Berlin"
OFFICE = CalendarSpec(name="office", timezone=BERLIN, weekly={d: [("08:00", "17:00")] for d in WEEKDAYS[:5]},
                      holiday_country="DE", holiday_subdivision="BE")
CAL = BusinessCalendar(OFFICE)


def at(*args: int, zone: str = BERLIN) -> int:
    return int(dt.datetime(*args, tzinfo=ZoneInfo(zone)).timestamp())


def policy(**kwargs) -> SlaPolicy:
    targets = {"P1": (60, 480), "P2": (120, 960), "P3": (240, 2400), "P4": (480, 4800)}
    kwargs.setdefault("targets", {p: PriorityTarget(response_minutes=r, resolution_minutes=s)
                                  for p, (r, s) in targets.items()})
    return SlaPolicy(**{"name": "std", "calendar": "office"} | kwargs)


def opened(t: int, priority: str = "P2", party: str = "internal", status: str = "new") -> Event:
    return Event(t, "opened", status=status, party=party, priority=priority)


def status(t: int, value: str) -> Event:
    return Event(t, "status", status=value)


def test_ticket_opened_after_hours_starts_at_next_opening():
    events = [opened(at(2024, 5, 10, 20))]  # Friday evening
    clocks = compute_clocks(events, policy(), CAL, at(2024, 5, 13, 9, 30))
    assert clocks.response.elapsed_seconds == 1.5 * H
    assert clocks.response.due_at == at(2024, 5, 13, 10)
    assert clocks.response.state == ClockState.AT_RISK  # 1.5 h of 2 h is exactly the 75 % threshold


def test_pause_spanning_a_weekend_consumes_business_time_only():
    events = [opened(at(2024, 5, 10, 15)), status(at(2024, 5, 10, 16), "waiting_customer"),
              status(at(2024, 5, 13, 10), "in_progress")]
    pol = policy()
    assert compute_clocks(events, pol, CAL, at(2024, 5, 13, 12)).resolution.elapsed_seconds == 3 * H
    paused = compute_clocks(events, pol, CAL, at(2024, 5, 13, 9))
    assert paused.resolution.state == paused.response.state == ClockState.PAUSED
    # While paused the due time moves out with `now`.
    assert paused.resolution.due_at == CAL.add_business_seconds(at(2024, 5, 13, 9), 15 * H)
    assert compute_clocks(events, pol, CAL, at(2024, 5, 11, 12)).resolution.due_at == at(2024, 5, 14, 14)
    assert attribute(events, pol, CAL, at(2024, 5, 13, 12)) == {"internal": 3 * H, "waiting_customer": 3 * H}


def test_holiday_during_a_pause_changes_nothing_but_the_pause_length():
    events = [opened(at(2024, 12, 23, 9)), status(at(2024, 12, 23, 10), "waiting_vendor"),
              status(at(2024, 12, 27, 9), "in_progress")]
    now = at(2024, 12, 27, 12)
    assert compute_clocks(events, policy(), CAL, now).resolution.elapsed_seconds == 4 * H
    # Mon 7h + Tue 9h + Fri 1h; Christmas Day and Boxing Day are holidays in Berlin.
    assert attribute(events, policy(), CAL, now)["waiting_vendor"] == 17 * H


def test_reaching_the_target_exactly_is_met_and_one_minute_more_is_a_breach():
    start = at(2024, 5, 6, 8)
    met = compute_clocks([opened(start, "P1"), status(start + 8 * H, "resolved")], policy(), CAL, start + 9 * H)
    assert met.resolution.state == ClockState.MET and met.resolution.remaining_seconds == 0
    assert met.resolution.breached_at is None
    running = compute_clocks([opened(start, "P1")], policy(), CAL, start + 8 * H)
    assert running.resolution.state == ClockState.AT_RISK
    assert running.resolution.due_at == start + 8 * H
    late = compute_clocks([opened(start, "P1")], policy(), CAL, start + 8 * H + M)
    assert late.resolution.state == ClockState.BREACHED
    assert late.resolution.breached_at == late.resolution.due_at == start + 8 * H
    assert late.resolution.elapsed_percent > 100


def test_breach_time_is_when_time_ran_out_even_if_exceeded_later():
    # Opened Monday 09:00, P1 resolution (8 h) runs out at Monday's closing, 17:00 ...
    events = [opened(at(2024, 5, 6, 9), "P1")]
    assert compute_clocks(events, policy(), CAL, at(2024, 5, 7, 8)).resolution.state == ClockState.AT_RISK
    clock = compute_clocks(events, policy(), CAL, at(2024, 5, 7, 9)).resolution
    # ... but only exceeds it on Tuesday; the breach is dated when the time ran out.
    assert clock.state == ClockState.BREACHED and clock.breached_at == at(2024, 5, 6, 17)
    paused_overnight = [*events, status(at(2024, 5, 6, 17), "waiting_customer"), status(at(2024, 5, 7, 8), "new")]
    clock = compute_clocks(paused_overnight, policy(), CAL, at(2024, 5, 7, 10)).resolution
    assert clock.breached_at == at(2024, 5, 6, 17) and clock.breach_holder == "internal"


def test_editing_the_policy_or_calendar_changes_the_next_answer():
    events = [opened(at(2024, 5, 6, 8))]
    now = at(2024, 5, 6, 12)
    pol = policy()
    assert compute_clocks(events, pol, CAL, now).response.state == ClockState.BREACHED
    pol.targets["P2"] = PriorityTarget(response_minutes=600, resolution_minutes=6000)
    assert compute_clocks(events, pol, CAL, now).response.state == ClockState.RUNNING
    late_opening = BusinessCalendar(OFFICE.model_copy(update={"weekly": {"mon": [("11:00", "17:00")]}}))
    assert compute_clocks(events, policy(), late_opening, now).response.elapsed_seconds == H


def test_priority_raised_mid_flight_applies_the_new_target_to_all_elapsed_time():
    start = at(2024, 5, 6, 8)
    events = [opened(start, "P4", party="msp"), Event(at(2024, 5, 6, 12), "assign", party="internal"),
              Event(at(2024, 5, 7, 12), "priority", priority="P1")]
    before = compute_clocks(events, policy(), CAL, at(2024, 5, 7, 11))
    assert before.resolution.state == ClockState.RUNNING and before.resolution.target_seconds == 4800 * M
    after = compute_clocks(events, policy(), CAL, at(2024, 5, 7, 13))
    assert after.resolution.target_seconds == 480 * M
    assert after.resolution.state == ClockState.BREACHED
    assert after.resolution.breached_at == at(2024, 5, 6, 16)  # before the change: it ran out back then
    assert after.resolution.breach_holder == "internal"
    lowered = compute_clocks([*events, Event(at(2024, 5, 7, 14), "priority", priority="P4")], policy(), CAL,
                             at(2024, 5, 7, 15))
    assert lowered.resolution.state == ClockState.RUNNING and lowered.resolution.breached_at is None


def test_reopened_ticket_resumes_from_accumulated_elapsed():
    events = [opened(at(2024, 5, 6, 8)), status(at(2024, 5, 6, 10), "resolved"),
              status(at(2024, 5, 8, 9), "in_progress"), status(at(2024, 5, 8, 10), "resolved")]
    pol = policy()
    between = compute_clocks(events, pol, CAL, at(2024, 5, 7, 12))
    assert between.resolution.state == ClockState.MET and between.resolution.stopped_at == at(2024, 5, 6, 10)
    reopened = compute_clocks(events, pol, CAL, at(2024, 5, 8, 9, 30))
    assert reopened.resolution.state == ClockState.RUNNING
    assert reopened.resolution.elapsed_seconds == 2.5 * H and reopened.resolution.stopped_at is None
    final = compute_clocks(events, pol, CAL, at(2024, 5, 9, 12))
    assert final.resolution.elapsed_seconds == 3 * H and final.resolution.stopped_at == at(2024, 5, 8, 10)
    # The response clock stopped with the first resolution and never restarts.
    assert final.response.stopped_at == at(2024, 5, 6, 10) and final.response.elapsed_seconds == 2 * H


def test_24x7_policy_counts_nights_weekends_and_holidays():
    cal = BusinessCalendar(CalendarSpec(name="24x7", timezone=BERLIN, always_open=True))
    pol = policy(calendar="24x7")
    events = [opened(at(2024, 12, 24, 23), "P1")]
    clock = compute_clocks(events, pol, cal, at(2024, 12, 25, 9)).resolution
    assert clock.state == ClockState.BREACHED and clock.breached_at == at(2024, 12, 25, 7)
    assert clock.elapsed_seconds == 10 * H


@pytest.mark.parametrize(
    ("zone", "evening", "hours"),
    [
        (BERLIN, (2024, 3, 30), 7),  # spring forward: the night is one hour shorter
        (BERLIN, (2024, 10, 26), 9),  # fall back: one hour longer
        ("America/New_York", (2024, 3, 9), 7),
        ("America/New_York", (2024, 11, 2), 9),
    ],
)
def test_dst_nights_count_real_hours_on_24x7(zone, evening, hours):
    cal = BusinessCalendar(CalendarSpec(name="24x7", timezone=zone, always_open=True))
    start = at(*evening, 22, zone=zone)
    morning = dt.date(*evening) + dt.timedelta(days=1)
    now = at(morning.year, morning.month, morning.day, 6, zone=zone)
    assert compute_clocks([opened(start)], policy(), cal, now).resolution.elapsed_seconds == hours * H


@pytest.mark.parametrize(
    ("zone", "day"),
    [(BERLIN, (2024, 3, 29)), (BERLIN, (2024, 10, 25)), ("America/New_York", (2024, 3, 8)),
     ("America/New_York", (2024, 11, 1))],
)
def test_dst_weekend_does_not_shift_office_hours(zone, day):
    spec = CalendarSpec(name="o", timezone=zone, weekly={d: [("08:00", "17:00")] for d in WEEKDAYS[:5]})
    cal = BusinessCalendar(spec)
    events = [opened(at(*day, 16, zone=zone), "P1")]  # Friday before the change
    clock = compute_clocks(events, policy(), cal, at(*day, 16, zone=zone) + 4 * 86400).response
    # The 1 h response target runs out at Friday's closing.
    assert clock.breached_at == at(*day, 17, zone=zone)
    monday = dt.date(*day) + dt.timedelta(days=3)
    resolution = compute_clocks(events, policy(), cal, at(monday.year, monday.month, monday.day, 10, zone=zone))
    assert resolution.resolution.elapsed_seconds == 3 * H


def test_response_stop_variants():
    t0 = at(2024, 5, 6, 8)
    events = [opened(t0), Event(t0 + H, "assign", party="msp"), Event(t0 + 2 * H, "assign", person="ann"),
              Event(t0 + 3 * H, "response"), status(t0 + 4 * H, "in_progress")]
    now = t0 + 5 * H
    assert compute_clocks(events, policy(), CAL, now).response.stopped_at == t0 + 3 * H
    by_assign = policy(response_stop="first_assignment")
    assert compute_clocks(events, by_assign, CAL, now).response.stopped_at == t0 + 2 * H
    no_person = [e for e in events if e.person is None]
    assert compute_clocks(no_person, by_assign, CAL, now).response.stopped_at == t0 + 4 * H
    resolved = [opened(t0), status(t0 + H, "resolved")]
    for pol in (policy(), by_assign, policy(resolution_stop="closed")):
        assert compute_clocks(resolved, pol, CAL, now).response.stopped_at == t0 + H


def test_resolution_stop_closed_keeps_counting_while_resolved():
    t0 = at(2024, 5, 6, 8)
    events = [opened(t0), status(t0 + H, "resolved"), status(t0 + 3 * H, "closed")]
    assert compute_clocks(events, policy(), CAL, t0 + 5 * H).resolution.stopped_at == t0 + H
    closed = compute_clocks(events, policy(resolution_stop="closed"), CAL, t0 + 5 * H).resolution
    assert closed.stopped_at == t0 + 3 * H and closed.elapsed_seconds == 3 * H and closed.state == ClockState.MET
    assert compute_clocks(events, policy(resolution_stop="closed"), CAL, t0 + 2 * H).resolution.state == "running"


def test_at_risk_by_percent_or_by_minutes_remaining():
    t0 = at(2024, 5, 6, 8)
    events = [opened(t0, "P1")]  # 8 h resolution target
    now = t0 + 5 * H
    assert compute_clocks(events, policy(), CAL, now).resolution.state == ClockState.RUNNING
    assert compute_clocks(events, policy(at_risk_percent=60), CAL, now).resolution.state == ClockState.AT_RISK
    assert compute_clocks(events, policy(at_risk_minutes_remaining=180), CAL, now).resolution.state == "at_risk"
    assert compute_clocks(events, policy(at_risk_minutes_remaining=179), CAL, now).resolution.state == "running"


def test_match_policy_first_match_wins_and_empty_lists_match_anything():
    p1 = policy(name="p1-partner", match_parties=["msp"], match_priorities=["P1"])
    network = policy(name="network", match_areas=["network"], match_kinds=["incident"])
    fallback = policy(name="default")
    ordered = [p1, network, fallback]
    assert match_policy(ordered, party="msp", area="network", priority="P1", kind="incident") is p1
    assert match_policy(ordered, party="msp", area="network", priority="P2", kind="incident") is network
    assert match_policy(ordered, party="msp", area="network", priority="P2", kind="request") is fallback
    assert match_policy([p1, network], party=None, area=None, priority="P3", kind=None) is None


def test_attribution_sums_to_the_business_time_of_the_tickets_life():
    t0 = at(2024, 5, 10, 14)
    events = [opened(t0, party="internal"), Event(at(2024, 5, 10, 16), "assign", party="msp", person="ann"),
              status(at(2024, 5, 13, 9), "waiting_vendor"), status(at(2024, 5, 14, 9), "in_progress"),
              Event(at(2024, 5, 14, 12), "assign", party="internal"), status(at(2024, 5, 15, 10), "resolved")]
    now = at(2024, 5, 20, 12)
    split = attribute(events, policy(), CAL, now)
    assert split == {"internal": 2 * H + 5 * H + 2 * H, "msp": H + H + 3 * H, "waiting_vendor": 9 * H}
    assert sum(split.values()) == CAL.business_seconds(t0, at(2024, 5, 15, 10))
    clocks = compute_clocks(events, policy(), CAL, now)
    assert sum(split.values()) - split["waiting_vendor"] == clocks.resolution.elapsed_seconds


def test_breach_holder_is_the_party_holding_when_time_ran_out():
    t0 = at(2024, 5, 6, 8)
    events = [opened(t0, "P1", party="internal"), Event(t0 + H, "assign", party="msp"),
              Event(t0 + 9 * H + 86400, "assign", party="internal")]
    clocks = compute_clocks(events, policy(), CAL, t0 + 2 * 86400)
    assert clocks.response.breach_holder == "internal"  # 1 h response target ran out at 09:00
    assert clocks.resolution.breach_holder == "msp"


def test_events_after_now_are_ignored_and_same_time_events_keep_their_order():
    t0 = at(2024, 5, 6, 8)
    events = [opened(t0), status(t0 + H, "resolved"), status(t0 + H, "in_progress")]
    assert compute_clocks(events, policy(), CAL, t0 + 3 * H).resolution.state == ClockState.RUNNING
    swapped = [events[0], events[2], events[1]]
    assert compute_clocks(swapped, policy(), CAL, t0 + 3 * H).resolution.state == ClockState.MET
    history = compute_clocks(events, policy(), CAL, t0 + 30 * M)
    assert history.resolution.elapsed_seconds == 30 * M and history.resolution.stopped_at is None
    shuffled = [events[1], events[0]]  # out of order: sorted by time first
    assert compute_clocks(shuffled, policy(), CAL, t0 + 3 * H).resolution.stopped_at == t0 + H


def test_ticket_not_yet_opened_and_bad_inputs():
    t0 = at(2024, 5, 6, 8)
    early = compute_clocks([opened(t0, "P3")], policy(), CAL, t0 - H)
    assert early.resolution.elapsed_seconds == 0 and early.resolution.due_at is None
    assert early.resolution.target_seconds == 2400 * M
    with pytest.raises(ValueError, match="empty"):
        compute_clocks([], policy(), CAL, t0)
    with pytest.raises(ValueError, match="P4"):
        compute_clocks([opened(t0, "P4")], policy(targets={"P1": PriorityTarget(response_minutes=1,
                                                                               resolution_minutes=2)}), CAL, t0)
    with pytest.raises(ValidationError, match="targets"):
        policy(targets={"P9": PriorityTarget(response_minutes=1, resolution_minutes=2)})
    with pytest.raises(ValidationError):
        PriorityTarget(response_minutes=0, resolution_minutes=10)


def test_explain_merges_segments_and_formats_plain_text():
    events = [opened(at(2024, 12, 23, 16), party="msp"), Event(at(2024, 12, 23, 16, 30), "response"),
              status(at(2024, 12, 24, 9), "waiting_customer"), status(at(2024, 12, 24, 10), "in_progress"),
              status(at(2024, 12, 27, 10), "resolved")]
    expl = explain(events, policy(), CAL, at(2024, 12, 27, 12))
    kinds = [s.kind for s in expl.segments]
    assert kinds == ["running", "running", "outside_hours", "running", "paused", "running", "outside_hours",
                     "holiday", "holiday", "outside_hours", "running", "stopped"]
    assert [s.reason for s in expl.segments[:2]] == ["both clocks running", "resolution clock running"]
    assert expl.segments[7].reason == "public holiday: Christmas Day"
    assert expl.segments[8].reason == "public holiday: Second Day of Christmas"
    assert expl.segments[4].holder == "msp" and expl.segments[4].business_seconds == H
    assert sum(s.business_seconds for s in expl.segments if s.kind == "running") == \
        expl.resolution.elapsed_seconds
    assert (expl.policy, expl.calendar, expl.timezone) == ("std", "office", BERLIN)
    text = format_explanation(expl)
    assert "status waiting_customer pauses the clock" in text
    assert "outside business hours" in text and "Christmas Day" in text
    assert "Mon 2024-12-23 16:00 CET" in text
    assert "[" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.count(" -> ") == len(expl.segments)
    assert "15:00 UTC" in format_explanation(expl, tz="UTC")


def test_handoff_ack_clock_states():
    t0 = at(2024, 5, 10, 16)
    running = ack_clock(t0, None, 120, CAL, t0 + 30 * M)
    assert running.state == ClockState.RUNNING and running.due_at == at(2024, 5, 13, 9)
    assert ack_clock(t0, None, 120, CAL, at(2024, 5, 13, 8, 45)).state == ClockState.AT_RISK
    late = ack_clock(t0, None, 120, CAL, at(2024, 5, 13, 10), holder="msp")
    assert (late.state, late.breached_at, late.breach_holder) == (ClockState.BREACHED, at(2024, 5, 13, 9), "msp")
    assert ack_clock(t0, at(2024, 5, 13, 8, 30), 120, CAL, at(2024, 5, 14)).state == ClockState.MET
    assert ack_clock(t0, at(2024, 5, 13, 9, 30), 120, CAL, at(2024, 5, 14)).state == ClockState.MISSED
    future_ack = ack_clock(t0, at(2024, 5, 13, 8, 30), 120, CAL, t0 + 30 * M)
    assert future_ack.state == ClockState.RUNNING and future_ack.stopped_at is None


def test_compliance_groups_and_states_its_rule():
    t0 = at(2024, 5, 6, 8)
    met = compute_clocks([opened(t0), status(t0 + H, "resolved")], policy(), CAL, t0 + 2 * H).resolution
    missed = compute_clocks([opened(t0, "P1"), status(t0 + 86400, "resolved")], policy(), CAL,
                            t0 + 2 * 86400).resolution
    breached = compute_clocks([opened(t0, "P1")], policy(), CAL, t0 + 2 * 86400).resolution
    rows = [({"party": "msp"}, met), ({"party": "msp"}, missed), ({"party": "msp"}, breached),
            ({"party": "internal"}, breached), ({}, met)]
    result = {r.key: r for r in compliance(rows, by="party")}
    assert (result["msp"].met, result["msp"].missed, result["msp"].in_flight) == (1, 1, 1)
    assert result["msp"].percent == 50.0 and result["msp"].breached == 1
    assert result["internal"].percent is None and result["(none)"].percent == 100.0
    assert "met / (met + missed)" in COMPLIANCE_RULE and "open clocks" in COMPLIANCE_RULE


def test_stored_policy_reads_what_slapolicy_saved_without_pydantic() -> None:
    from comanage_tui.data.sla.engine import stored_policy

    saved = [policy(), policy(name="odd", pause_statuses=["assigned"], resolution_stop="closed", response_stop="first_assignment",
                              at_risk_percent=90.5, at_risk_minutes_remaining=30, match_parties=["msp"], match_areas=["desk"],
                              match_priorities=["P1", "P2"], match_kinds=["incident"], fall_through=True)]
    for p in saved:
        plain = stored_policy(p.model_dump_json())
        assert set(vars(plain)) == set(SlaPolicy.model_fields)  # a new field must be read there too
        got = {name: getattr(plain, name) for name in SlaPolicy.model_fields}
        got["targets"] = {k: vars(t) for k, t in got["targets"].items()}
        assert got == p.model_dump()
        events = [Event(at(2024, 12, 23, 9), "opened", "new", "msp", None, "P2"), Event(at(2024, 12, 27, 9), "status", "waiting_vendor")]
        assert compute_clocks(events, plain, CAL, at(2025, 1, 3, 12)) == compute_clocks(events, p, CAL, at(2025, 1, 3, 12))
    minimal = stored_policy('{"name": "x", "calendar": "c", "targets": {"P1": {"response_minutes": 1, "resolution_minutes": 2}}}')
    for name, field in SlaPolicy.model_fields.items():
        if not field.is_required():
            assert getattr(minimal, name) == field.get_default(call_default_factory=True), name
