"""Property test: `explain` adds up, for random tickets across DST changes, holidays and closed periods.

The strategies are test_sla_properties' (spans mostly around DST changes, calendars with
public and custom holidays and closed periods, logs with pauses, stops, reopens and
priority changes); here event times are moved off the whole minute, as real logs are.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.engine import Event
from comanage_tui.data.sla.explain import explain, explanation_data, format_explanation
from tests.data.test_sla_properties import PROPS, ticket_cases

DURATION = r"(\d+)h (\d+)m(?: (\d+)s)?"


def _seconds(match: tuple[str, str, str]) -> int:
    h, m, s = match
    return int(h) * 3600 + int(m) * 60 + int(s or 0)


@st.composite
def cases_off_the_minute(draw):
    spec, policy, events, now = draw(ticket_cases())
    # Non-decreasing offsets keep the log in order; now moves too, so it can fall between seconds.
    offsets = sorted(draw(st.lists(st.integers(0, 59), min_size=len(events), max_size=len(events))))
    moved = [Event(e.at + off, *e[1:]) for e, off in zip(events, offsets)]
    return spec, policy, moved, now + draw(st.integers(0, 59))


@settings(PROPS, max_examples=200)
@given(cases_off_the_minute())
def test_segments_add_up_to_the_headline(case):
    spec, policy, events, now = case
    expl = explain(events, policy, BusinessCalendar(spec), now)
    running = [s for s in expl.segments if s.kind == "running"]
    # Exactly, in seconds: what the segments count is what the clocks say elapsed.
    assert sum(s.counted_seconds for s in expl.segments) == expl.resolution.elapsed_seconds
    assert sum(s.counted_seconds for s in running if s.reason == "both clocks running") == expl.response.elapsed_seconds
    # A running segment's business time is its wall time, so "09:26 -> 13:26" cannot say 3h 59m.
    assert all(s.counted_seconds == s.wall_seconds for s in running)

    text = format_explanation(expl)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    flat = " ".join(line.strip() for line in lines)  # continuation lines joined back
    shown = [_seconds(m) for m in re.findall(rf"running, counts {DURATION}", flat)]
    assert len(shown) == len(running)
    headline = re.search(rf"Resolution\s+\w+\s+{DURATION} of", flat)
    assert headline is not None and sum(shown) == _seconds(headline.groups())
    # Only running segments carry a duration of clock time; the others say they count nothing.
    assert flat.count(" wall, not counted") == len(expl.segments) - len(running)
    assert len(re.findall(r"priority \w+ -> \w+", flat)) == len(expl.priority_changes)

    data = explanation_data(expl)
    assert sum(s["counted_seconds"] for s in data["segments"]) == data["resolution"]["elapsed_seconds"]
