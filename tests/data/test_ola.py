"""OLA hop clocks (sla/ola.py) on hand-computed tickets: each hop judged in its party's own calendar.

The ticket of the issue: held by the internal team 2 h, by the MSP 5 h, by the internal team
again 1 h (business time of each party's OLA calendar), across a weekend and the end of
summer time in Berlin (Sunday 2026-10-25, 03:00 CEST -> 02:00 CET, i.e. at 01:00 UTC).
"""

from __future__ import annotations

import datetime as dt

import pytest

from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.calendar_spec import CalendarSpec
from comanage_tui.data.sla.engine import ClockState, Event, compute_clocks
from comanage_tui.data.sla.ola import OPEN, PASSED_ON, RESOLVED, ola_hops
from comanage_tui.data.sla.ola_spec import OlaSpec, duration_text, parse_duration
from comanage_tui.data.sla.policy import SlaPolicy

H = 3600
UTC = dt.UTC


def utc(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=UTC).timestamp())


OFFICE = BusinessCalendar(CalendarSpec(name="office", timezone="Europe/Berlin",
                                       weekly={d: [("08:00", "18:00")] for d in ("mon", "tue", "wed", "thu", "fri")}))
ALWAYS = BusinessCalendar(CalendarSpec(name="24x7", timezone="Europe/Berlin", always_open=True))
CALENDARS = {"office": OFFICE, "24x7": ALWAYS}
POLICY = SlaPolicy(name="office hours", calendar="office", match_priorities=["P1", "P2"],
                   targets={"P1": {"response_minutes": 15, "resolution_minutes": 240},
                            "P2": {"response_minutes": 30, "resolution_minutes": 480}})
OLAS = {
    "internal": OlaSpec(party="internal", calendar="office", targets={"P1": "1h", "P2": "2h"}),
    "msp": OlaSpec(party="msp", calendar="24x7", targets={"P1": "1h", "P2": "4h"}),
}

# Times in UTC; Berlin is UTC+2 (CEST) until Sun 01:00 UTC, UTC+1 (CET) after.
OPENED = utc(2026, 10, 23, 14, 0)     # Fri 16:00 CEST
TO_MSP = utc(2026, 10, 24, 22, 30)    # Sat 22:30 UTC = Sun 00:30 CEST
PAUSE = utc(2026, 10, 25, 0, 0)       # Sun 02:00 CEST: waiting for the vendor
RESUME = utc(2026, 10, 25, 0, 30)     # Sun 02:30 CEST
BACK = utc(2026, 10, 25, 4, 0)        # Sun 05:00 CET: back to the internal team
RESOLVED_AT = utc(2026, 10, 26, 8, 0)  # Mon 09:00 CET

TICKET = [
    Event(OPENED, "opened", "in_progress", "internal", None, "P2"),
    Event(TO_MSP, "assign", None, "msp", 7),
    Event(PAUSE, "status", "waiting_vendor"),
    Event(RESUME, "status", "in_progress"),
    Event(BACK, "assign", None, "internal", 3),
    Event(RESOLVED_AT, "status", "resolved"),
]
# Hand computation, hop by hop, each in its party's OLA calendar:
# 1. internal (office, Mon-Fri 08-18 Berlin) from Fri 16:00 CEST to Sun 00:30 CEST: Fri 16:00-18:00
#    is 2 h; Saturday and Sunday are closed. Elapsed 2 h = the P2 target 2 h: met (reaching the
#    target exactly is not a breach).
# 2. msp (24x7) from Sat 22:30 UTC to Sun 04:00 UTC: 5 h 30 m of real time (the local clock shows
#    00:30 CEST -> 05:00 CET, 4 h 30 m apart, because 02:00-03:00 is lived twice), less the 30 m
#    waiting for the vendor: 22:30-00:00 (1 h 30 m) + 00:30-04:00 (3 h 30 m) = 5 h > the P2
#    target 4 h: missed. The target ran out after 1 h 30 m + 2 h 30 m of running time:
#    00:30 UTC + 2 h 30 m = 03:00 UTC = 04:00 CET (a wall-clock count would say 05:00).
# 3. internal (office) from Sun 05:00 CET to Mon 09:00 CET: Sunday closed, Mon 08:00-09:00 = 1 h
#    <= 2 h: met.
# The SLA resolution clock (office calendar) counts 2 h + 0 h (the MSP held it at the weekend) + 1 h.


def test_each_hop_is_judged_in_its_partys_calendar_across_a_weekend_and_dst() -> None:
    now = utc(2026, 10, 26, 12, 0)
    hops = ola_hops(TICKET, POLICY, OLAS, CALENDARS, now)
    assert [(h.index, h.party, h.start, h.end, h.ended, h.next_party) for h in hops] == [
        (1, "internal", OPENED, TO_MSP, PASSED_ON, "msp"),
        (2, "msp", TO_MSP, BACK, PASSED_ON, "internal"),
        (3, "internal", BACK, RESOLVED_AT, RESOLVED, None),
    ]
    assert [(h.calendar, h.priority, h.target_seconds) for h in hops] == [
        ("office", "P2", 2 * H), ("24x7", "P2", 4 * H), ("office", "P2", 2 * H)]
    assert [h.elapsed_seconds for h in hops] == [2 * H, 5 * H, 1 * H]
    assert [h.state for h in hops] == [ClockState.MET, ClockState.MISSED, ClockState.MET]
    assert hops[1].breached_at == utc(2026, 10, 25, 3, 0)
    assert dt.datetime.fromtimestamp(hops[1].breached_at, OFFICE.zone).strftime("%H:%M %Z") == "04:00 CET"
    assert hops[0].breached_at is None and hops[2].breached_at is None
    assert all(h.due_at is None for h in hops)
    # The customer SLA runs alongside on the policy's calendar: 2 h + 0 h + 1 h.
    assert compute_clocks(TICKET, POLICY, OFFICE, now).resolution.elapsed_seconds == 3 * H


@pytest.mark.parametrize(("now", "state", "elapsed", "due"), [
    # In the pause: 1 h 30 m counted; due when the 2 h 30 m left have run from now (24x7).
    (utc(2026, 10, 25, 0, 15), ClockState.PAUSED, 1.5 * H, utc(2026, 10, 25, 2, 45)),
    # 02:00 UTC: 1 h 30 m + 1 h 30 m = 3 h of 4 h = 75 %: at risk; 1 h left.
    (utc(2026, 10, 25, 2, 0), ClockState.AT_RISK, 3 * H, utc(2026, 10, 25, 3, 0)),
    # Exactly at the target: not breached yet.
    (utc(2026, 10, 25, 3, 0), ClockState.AT_RISK, 4 * H, utc(2026, 10, 25, 3, 0)),
    # Past it: breached, due is when it ran out.
    (utc(2026, 10, 25, 3, 30), ClockState.BREACHED, 4.5 * H, utc(2026, 10, 25, 3, 0)),
])
def test_the_open_hop_runs_pauses_and_breaches_on_its_own(now: int, state: ClockState, elapsed: float, due: int) -> None:
    hops = ola_hops(TICKET, POLICY, OLAS, CALENDARS, now)
    assert [h.ended for h in hops] == [PASSED_ON, OPEN]
    msp = hops[-1]
    assert (msp.party, msp.end, msp.state, msp.elapsed_seconds, msp.due_at) == ("msp", None, state, elapsed, due)
    assert hops[0].state == ClockState.MET  # the internal hop stays judged as it ended


def test_reassigning_reopening_and_reprioritising_later_change_no_past_hop() -> None:
    before = ola_hops(TICKET, POLICY, OLAS, CALENDARS, utc(2026, 10, 26, 12, 0))
    later = [*TICKET,
             Event(utc(2026, 10, 27, 9, 0), "status", "in_progress"),         # reopened Tue 10:00 CET
             Event(utc(2026, 10, 27, 9, 0), "assign", None, "msp", 7),        # and passed straight to the MSP
             Event(utc(2026, 10, 27, 10, 0), "priority", priority="P1"),      # then raised to P1
             Event(utc(2026, 10, 27, 11, 0), "assign", None, "msp", 8)]       # another MSP engineer: same hop
    after = ola_hops(later, POLICY, OLAS, CALENDARS, utc(2026, 10, 27, 12, 0))
    assert after[:3] == before
    fourth = after[3]
    # Opened 09:00 UTC with the MSP, P1 now (target 1 h, 24x7): 3 h elapsed, ran out at 10:00 UTC.
    assert (fourth.party, fourth.start, fourth.ended, fourth.priority) == ("msp", utc(2026, 10, 27, 9, 0), OPEN, "P1")
    assert (fourth.state, fourth.elapsed_seconds, fourth.breached_at) == (ClockState.BREACHED, 3 * H, utc(2026, 10, 27, 10, 0))
    assert len(after) == 4


def test_a_party_without_an_ola_has_hops_without_a_clock() -> None:
    events = [Event(OPENED, "opened", "in_progress", "secops", None, "P2"),
              Event(OPENED + 2 * H, "assign", None, "msp", 7)]
    first, second = ola_hops(events, POLICY, OLAS, CALENDARS, OPENED + 3 * H)
    assert (first.party, first.state, first.target_seconds, first.calendar, first.elapsed_seconds) == ("secops", None, None, None, 0)
    assert (second.party, second.state, second.elapsed_seconds) == ("msp", ClockState.RUNNING, 1 * H)
    # A priority the OLA has no target for: the hop has no clock either.
    p4 = [Event(OPENED, "opened", "in_progress", "msp", None, "P4")]
    (only,) = ola_hops(p4, POLICY, OLAS, CALENDARS, OPENED + H)
    assert (only.calendar, only.priority, only.state) == ("24x7", "P4", None)


def test_a_pass_or_a_stop_exactly_at_now_ends_the_hop() -> None:
    passed = ola_hops(TICKET, POLICY, OLAS, CALENDARS, TO_MSP)
    assert [(h.party, h.ended, h.end) for h in passed] == [("internal", PASSED_ON, TO_MSP)]
    stopped = ola_hops(TICKET, POLICY, OLAS, CALENDARS, RESOLVED_AT)
    assert [(h.ended, h.state) for h in stopped][-1] == (RESOLVED, ClockState.MET)
    assert ola_hops(TICKET, POLICY, OLAS, CALENDARS, OPENED - 1) == []


@pytest.mark.parametrize(("text", "minutes"), [("4h", 240), ("30m", 30), ("1h 30m", 90), ("1h30m", 90), (45, 45)])
def test_durations_read_and_write_back(text: object, minutes: int) -> None:
    assert parse_duration(text) == minutes
    assert parse_duration(duration_text(minutes)) == minutes


@pytest.mark.parametrize("bad", ["2d", "", "h", "1.5h", "-1h", 0, True, "10000000h"])
def test_bad_durations_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="duration|more than 0"):
        parse_duration(bad)
