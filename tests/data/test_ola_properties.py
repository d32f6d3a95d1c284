"""Property tests for OLA hops on random calendars, policies and event logs (the SLA property tests' generators)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.engine import ClockState, compute_clocks
from comanage_tui.data.sla.ola import OPEN, PASSED_ON, ola_hops
from comanage_tui.data.sla.ola_spec import OlaSpec
from tests.data.test_sla_properties import PROPS, ticket_cases

PARTIES = ("internal", "msp", "secops")
targets = st.fixed_dictionaries({p: st.integers(1, 3000) for p in ("P1", "P2", "P3", "P4")})


@settings(PROPS, max_examples=150)
@given(ticket_cases(), targets)
def test_hops_on_the_policy_calendar_add_up_to_the_resolution_clock(case, minutes):
    """When every OLA counts on the policy's calendar, the hops split the resolution clock's time exactly."""
    spec, policy, events, now = case
    cal = BusinessCalendar(spec)
    olas = {p: OlaSpec(party=p, calendar="random", targets=minutes) for p in PARTIES}
    hops = ola_hops(events, policy, olas, {"random": cal}, now)
    assert sum(h.elapsed_seconds for h in hops) == compute_clocks(events, policy, cal, now).resolution.elapsed_seconds
    # Hops follow each other in time, one party each; only the last may be open; a pass goes to another party.
    for a, b in zip(hops, hops[1:]):
        assert a.end is not None and a.start <= a.end <= b.start
        if a.ended == PASSED_ON:
            assert a.next_party != a.party and (a.end < b.start or a.next_party == b.party)
    assert all(h.ended != OPEN for h in hops[:-1])
    for h in hops:
        if h.state in (ClockState.MET, ClockState.MISSED, ClockState.BREACHED):
            assert (h.state != ClockState.MET) == (h.elapsed_seconds > h.target_seconds)


@settings(PROPS, max_examples=150)
@given(ticket_cases(), targets, st.integers(0, 14 * 86400))
def test_a_hop_that_has_ended_never_changes(case, minutes, later):
    """Whatever happens after a hop ended (reassignments, reopens, priority changes), it stays as it was."""
    spec, policy, events, now = case
    cal = BusinessCalendar(spec)
    olas = {p: OlaSpec(party=p, calendar="random", targets=minutes) for p in PARTIES[:2]}  # secops: no OLA
    before = [h for h in ola_hops(events, policy, olas, {"random": cal}, now) if h.ended != OPEN]
    after = ola_hops(events, policy, olas, {"random": cal}, now + later)
    assert after[:len(before)] == before
