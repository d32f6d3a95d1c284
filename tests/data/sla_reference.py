"""Deliberately simple, slow SLA reference: walks minute by minute in local wall time.

Used only by the tests to check the engine. Everything here is the plain reading of the
rules in comanage_tui/data/sla/calendar.py and sla.py; inputs must be minute-aligned.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from comanage_tui.data.sla.calendar_spec import CalendarSpec
from comanage_tui.data.sla.engine import Clock, ClockState
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.sla.terms import WEEKDAYS

MINUTE = 60


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@cache
def _country_holidays(country: str, subdivision: str | None, year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


class RefCalendar:
    """Answers "is minute t open?" by looking at the local wall clock at t."""

    def __init__(self, spec: CalendarSpec):
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self.windows = {d: [(_minutes(a), _minutes(b)) for a, b in spec.weekly.get(d, [])] for d in WEEKDAYS}
        self.closed = [(a.timestamp(), b.timestamp()) for a, b in spec.closed_periods]

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.spec.custom_holidays:
            return True
        if self.spec.holiday_country:
            return day in _country_holidays(self.spec.holiday_country, self.spec.holiday_subdivision, day.year)
        return False

    def kind(self, t: int) -> str:
        """"open", "closed", "holiday" or "outside_hours" for the minute starting at t."""
        if self.spec.always_open:
            return "open"
        if any(a <= t < b for a, b in self.closed):
            return "closed"
        local = dt.datetime.fromtimestamp(t, self.zone)
        if self.is_holiday(local.date()):
            return "holiday"
        minute = local.hour * 60 + local.minute
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        for start, end in self.windows[today]:
            if start < end and start <= minute < end:
                return "open"
            if end <= start and minute >= start:  # evening part of an overnight window
                return "open"
        for start, end in self.windows[yesterday]:
            if end <= start and minute < end:  # morning part of yesterday's overnight window
                return "open"
        return "outside_hours"

    def is_open(self, t: int) -> bool:
        return self.kind(t) == "open"

    def business_seconds(self, start: int, end: int) -> int:
        return sum(MINUTE for t in range(start, end, MINUTE) if self.is_open(t))

    def add(self, start: int, seconds: int, max_days: int = 60) -> int | None:
        """Earliest instant where ``seconds`` of business time have passed; None if too far."""
        if seconds <= 0:
            return start
        done = 0
        for t in range(start, start + max_days * 86400, MINUTE):
            if self.is_open(t):
                if done + MINUTE >= seconds:
                    return t + (seconds - done)
                done += MINUTE
        return None


def ref_clocks(events, policy: SlaPolicy, cal: RefCalendar, now: int) -> dict:
    """Both clocks plus attribution, walking every minute from opening to ``now``.

    Also, per clock: "held" (party -> seconds counted while it held the ticket), "paused"
    (pause status -> seconds paused while the clock was open) and "stopped_by" (the holder
    once every event at the instant the clock last stopped was applied).
    """
    events = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    priority = None
    for e in events:
        if e.priority is not None:
            priority = e.priority
    resp_target = policy.targets[priority].response_minutes * 60
    res_target = policy.targets[priority].resolution_minutes * 60
    pause = set(policy.pause_statuses)
    stops = {"resolved", "closed"} if policy.resolution_stop == "resolved" else {"closed"}

    state = {"status": "new", "holder": "unassigned", "resp_stopped": None, "res_stopped": None}

    def apply(e) -> None:
        if e.party is not None:
            state["holder"] = e.party
        if e.status is not None:
            was_stopped = state["status"] in stops
            state["status"] = e.status
            if e.status in stops and not was_stopped:
                state["res_stopped"] = e.at
            if e.status not in stops:
                state["res_stopped"] = None
        if state["resp_stopped"] is None:
            if e.status in ("resolved", "closed"):
                state["resp_stopped"] = e.at
            elif policy.response_stop == "first_response" and e.kind == "response":
                state["resp_stopped"] = e.at
            elif policy.response_stop == "first_assignment" and (
                e.status == "in_progress" or (e.kind in ("assign", "opened") and e.person is not None)
            ):
                state["resp_stopped"] = e.at

    resp = {"elapsed": 0, "reached": None}
    res = {"elapsed": 0, "reached": None}
    attribution: dict[str, int] = {}
    split = {name: {"held": {}, "paused": {}} for name in ("response", "resolution")}
    stopped_by: dict[str, tuple] = {}

    def note_stops() -> None:  # after every event of an instant: who holds the ticket as it stops
        for name, key in (("response", "resp_stopped"), ("resolution", "res_stopped")):
            at = state[key]
            if at is not None and stopped_by.get(name, (None,))[0] != at:
                stopped_by[name] = (at, state["holder"])

    i = 0
    t = events[0].at
    while t < now:
        while i < len(events) and events[i].at <= t:
            apply(events[i])
            i += 1
        note_stops()
        status = state["status"]
        if cal.is_open(t) and status not in stops:
            key = status if status in pause else state["holder"]
            attribution[key] = attribution.get(key, 0) + MINUTE
            open_clocks = ["resolution"] + (["response"] if state["resp_stopped"] is None else [])
            for name in open_clocks:
                bucket = split[name]["paused" if status in pause else "held"]
                bucket[key] = bucket.get(key, 0) + MINUTE
            if status not in pause:
                clocks = [(res, res_target)]
                if state["resp_stopped"] is None:
                    clocks.append((resp, resp_target))
                for clock, target in clocks:
                    clock["elapsed"] += MINUTE
                    if clock["elapsed"] == target:
                        clock["reached"] = (t + MINUTE, state["holder"])
        t += MINUTE
    while i < len(events):
        apply(events[i])
        i += 1
    note_stops()
    paused = state["status"] in pause and state["status"] not in stops
    return {
        "response": _ref_clock(resp, resp_target, state["resp_stopped"], paused, policy, cal, now),
        "resolution": _ref_clock(res, res_target, state["res_stopped"], paused, policy, cal, now),
        "attribution": attribution,
        "split": split,
        "stopped_by": {name: holder for name, (_at, holder) in stopped_by.items()},
    }


def _ref_clock(clock: dict, target: int, stopped_at, paused: bool, policy: SlaPolicy, cal: RefCalendar, now: int):
    elapsed = clock["elapsed"]
    remaining = target - elapsed
    breached = elapsed > target
    breached_at, holder = clock["reached"] if breached else (None, None)
    due_at = None
    if stopped_at is not None:
        state = ClockState.MISSED if breached else ClockState.MET
    elif breached:
        state, due_at = ClockState.BREACHED, breached_at
    else:
        due_at = cal.add(now, remaining)
        at_risk = elapsed >= target * policy.at_risk_percent / 100
        if policy.at_risk_minutes_remaining is not None and remaining <= policy.at_risk_minutes_remaining * 60:
            at_risk = True
        if paused:
            state = ClockState.PAUSED
        elif at_risk:
            state = ClockState.AT_RISK
        else:
            state = ClockState.RUNNING
    return Clock("ref", state, target, elapsed, remaining, elapsed * 100 / target, due_at, breached_at,
                 stopped_at, holder)
