"""SLA policies and clocks, recomputed from a ticket's event log on every read.

Semantics (decided once; tested in tests/data/test_sla*.py):

* Time is unix epoch seconds. Events are taken in the given order (ties keep it); a log
  that goes back in time is sorted stably first. Events after ``now`` are ignored, so a
  past ``now`` reconstructs history. The first event at or before ``now`` opens the ticket.
* A status is *stopped* when it ends the resolution clock (``resolution_stop="resolved"``:
  resolved or closed; ``"closed"``: closed only), *paused* when listed in
  ``pause_statuses``, else *running*. Both clocks count only business seconds of the
  policy's calendar spent in a running status, so a ticket opened after hours starts at the
  next opening and a pause consumes business time only.
* Response stops at the first "response" event (``first_response``) or the first "assign"
  naming a person / first status to in_progress (``first_assignment``; an "opened" event
  carrying a person or in_progress counts too). Any resolution (status resolved or closed)
  also stops it. It never restarts.
* Reopen: leaving a stopped status resumes the resolution clock from its accumulated
  elapsed; it stops again at the next stop. ``stopped_at`` is the latest stop.
* Priority changed mid-flight: the target of the priority in force at ``now`` applies to
  all elapsed time (a downgrade can turn a breach back into "running").
* States, first that applies: stopped -> met (elapsed <= target) or missed; breached
  (elapsed > target; reaching exactly the target is not a breach); paused; at_risk
  (elapsed >= at_risk_percent of target, or remaining <= at_risk_minutes_remaining);
  running.
* ``breached_at`` is the instant the remaining time ran out (elapsed first reached the
  target) for clocks that went on to exceed it; ``breach_holder`` held the ticket then.
  ``due_at`` for an open clock is that instant when breached, else ``now`` plus the
  remaining business time (so it moves out while paused); None when stopped.
* Holder: the party key last named on "opened"/"assign" ("unassigned" before any).
* Verdict holder (``Clock.verdict_holder``): a met clock belongs to the party holding the
  ticket at the instant it stopped (events at that instant applied, ``holder_at``); a missed
  or breached one to ``breach_holder``. A later reassignment changes neither. Time held per
  party and paused per status are in ``sla/attribution.py``.

compute_clocks is the hot path (every ticket on every refresh): one pass over the events,
plain tuples and attribute reads only, no pydantic or datetime work per ticket. For
compliance over many windows, ``walk`` also records every stop and priority change, and
``clock_stops`` turns one walk into the verdict each stopped clock had at any later moment.

``explain``, ``format_explanation``, ``compliance`` and ``COMPLIANCE_RULE`` live in
``sla/explain.py``, ``SlaPolicy`` and ``PriorityTarget`` (pydantic) in ``sla/policy.py``;
this module imports neither, so it loads without pydantic (``comanage check``).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from comanage_tui.data.sla.calendar import BusinessCalendar
    from comanage_tui.data.sla.policy import SlaPolicy

UNASSIGNED = "unassigned"
_RESOLVED = frozenset({"resolved", "closed"})
_STOPS = {"resolved": _RESOLVED, "closed": frozenset({"closed"})}
RUNNING, PAUSED, STOPPED = 0, 1, 2  # segment phases


class Event(NamedTuple):
    """One row of a ticket's event log."""

    at: int | float
    kind: str  # "opened" | "status" | "assign" | "priority" | "response" | "note"
    status: str | None = None
    party: str | None = None
    person: str | None = None
    priority: str | None = None


def match_policy(
    policies: Sequence[SlaPolicy], *, party: str | None, area: str | None, priority: str, kind: str | None
) -> SlaPolicy | None:
    """First policy whose non-empty match lists all contain the ticket's value; a policy with
    ``fall_through`` and no target for the ticket's priority passes it on to the next one."""
    for policy in policies:
        if (
            (not policy.match_parties or party in policy.match_parties)
            and (not policy.match_areas or area in policy.match_areas)
            and (not policy.match_priorities or priority in policy.match_priorities)
            and (not policy.match_kinds or kind in policy.match_kinds)
            and not (policy.fall_through and priority not in policy.targets)
        ):
            return policy
    return None


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"


@dataclass(slots=True)
class Clock:
    name: str
    state: ClockState
    target_seconds: float
    elapsed_seconds: float
    remaining_seconds: float
    elapsed_percent: float
    due_at: float | None
    breached_at: float | None
    stopped_at: float | None
    breach_holder: str | None
    verdict_holder: str | None = None
    """The party the verdict belongs to: who held the ticket when the clock stopped (met) or ran
    out (missed, and breached while open: ``breach_holder``); None while it runs within its target."""


@dataclass(slots=True)
class TicketClocks:
    response: Clock
    resolution: Clock


class Walk(NamedTuple):
    """A ticket's life up to ``now`` as segments (start, end, phase, holder, status, response_open)."""

    segments: list[tuple[Any, Any, int, str, str, bool]]
    opened: float | None
    status: str
    priority: str | None
    phase: int
    response_stop: float | None
    resolution_stop: float | None
    stops: list[tuple[Any, Any]]
    """Every stop of the resolution clock: (stopped at, restarted at), ``math.inf`` while still stopped."""
    priorities: list[tuple[Any, str]]
    """(at, priority) each time the priority in force changed, the opening one included."""
    holder: str
    """The party holding the ticket at ``now`` (after every event up to it)."""


_AT = itemgetter(0)


def walk(events: Sequence[Event], policy: SlaPolicy, now: float) -> Walk:
    """Replay the event log up to ``now`` (the single pass every computation here builds on)."""
    pause = policy.pause_statuses
    stop = _STOPS[policy.resolution_stop]
    by_assign = policy.response_stop == "first_assignment"
    segments: list = []
    stops: list = []
    priorities: list = []
    status, holder, priority = "new", UNASSIGNED, None
    phase = RUNNING
    opened = t_prev = resp_stop = res_stop = None
    last = -math.inf
    for ev in events:
        at, kind, st, party, person, prio = ev
        if at < last:
            return walk(sorted(events, key=_AT), policy, now)
        last = at
        if at > now:
            continue
        if t_prev is None:
            opened = at
        elif at > t_prev:
            segments.append((t_prev, at, phase, holder, status, resp_stop is None))
        t_prev = at
        if party is not None:
            holder = party
        if prio is not None and prio != priority:
            priority = prio
            priorities.append((at, prio))
        if st is not None:
            status = st
            phase = STOPPED if st in stop else PAUSED if st in pause else RUNNING
            if phase == STOPPED:
                if res_stop is None:
                    res_stop = at
                    stops.append((at, math.inf))
            elif res_stop is not None:
                res_stop = None
                stops[-1] = (stops[-1][0], at)
        if resp_stop is None:
            if st in _RESOLVED:
                resp_stop = at
            elif by_assign:
                if st == "in_progress" or (person is not None and (kind == "assign" or kind == "opened")):
                    resp_stop = at
            elif kind == "response":
                resp_stop = at
    if t_prev is not None and now > t_prev:
        segments.append((t_prev, now, phase, holder, status, resp_stop is None))
    if priority is None and events:
        # Not opened yet as of ``now``: take the priority it will open with.
        priority = next((e[5] for e in events if e[5] is not None), None)
    return Walk(segments, opened, status, priority, phase, resp_stop, res_stop, stops, priorities, holder)


def _targets(policy: SlaPolicy, priority: str | None) -> tuple[int, int]:
    target = policy.targets.get(priority) if priority is not None else None
    if target is None:
        raise ValueError(f"policy {policy.name!r} has no target for priority {priority!r}")
    return target.response_minutes * 60, target.resolution_minutes * 60


def compute_clocks(events: Sequence[Event], policy: SlaPolicy, calendar: BusinessCalendar, now: float) -> TicketClocks:
    """Response and resolution clocks of one ticket as of ``now`` (see the module docstring).

    Raises:
        ValueError: the log is empty or the policy has no target for the ticket's priority.
    """
    if not events:
        raise ValueError("empty event log: a ticket needs at least its 'opened' event")
    return clocks_of_walk(walk(events, policy, now), policy, calendar, now)


def clocks_of_walk(w: Walk, policy: SlaPolicy, calendar: BusinessCalendar, now: float) -> TicketClocks:
    """`compute_clocks` for a ticket already walked up to ``now`` with ``policy`` (one walk, not two)."""
    resp_target, res_target = _targets(policy, w.priority)
    bs = calendar.business_seconds
    resp_el = res_el = 0
    running = []  # (start, business seconds, holder, response_open), reused to date a breach
    for s, e, phase, holder, _status, resp_open in w.segments:
        if phase == RUNNING:
            b = bs(s, e)
            res_el += b
            if resp_open:
                resp_el += b
            running.append((s, b, holder, resp_open))
    paused = w.phase == PAUSED
    response = _clock("response", resp_target, resp_el, w.response_stop, paused, running, True, policy, calendar, now)
    resolution = _clock(
        "resolution", res_target, res_el, w.resolution_stop, paused, running, False, policy, calendar, now
    )
    if w.opened is None:  # not opened yet as of ``now``: nothing is due
        response.due_at = resolution.due_at = None
    for c in (response, resolution):
        c.verdict_holder = c.breach_holder if c.breach_holder is not None else \
            holder_at(w, c.stopped_at) if c.state == ClockState.MET else None
    return TicketClocks(response, resolution)


def _clock(
    name: str,
    target: float,
    elapsed: float,
    stopped_at: float | None,
    paused: bool,
    running: list,
    response_only: bool,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: float,
) -> Clock:
    remaining = target - elapsed
    breached_at = holder = None
    if elapsed > target:
        breached_at, holder = _ran_out(running, target, response_only, calendar)
    if stopped_at is not None:
        state = ClockState.MISSED if elapsed > target else ClockState.MET
        due_at = None
    elif elapsed > target:
        state, due_at = ClockState.BREACHED, breached_at
    else:
        due_at = calendar.add_business_seconds(now, remaining)
        if due_at == math.inf:
            due_at = None
        minutes_left = policy.at_risk_minutes_remaining
        if paused:
            state = ClockState.PAUSED
        elif elapsed * 100 >= target * policy.at_risk_percent or (
            minutes_left is not None and remaining <= minutes_left * 60
        ):
            state = ClockState.AT_RISK
        else:
            state = ClockState.RUNNING
    return Clock(name, state, target, elapsed, remaining, elapsed * 100 / target, due_at, breached_at, stopped_at, holder)


def _ran_out(running: list, target: float, response_only: bool, calendar: BusinessCalendar) -> tuple[float, str]:
    """Instant and holder at which accumulated running time first reached ``target``."""
    acc = 0
    for start, b, holder, resp_open in running:
        if response_only and not resp_open:
            break  # the response clock never restarts once stopped
        if acc + b >= target:
            return calendar.add_business_seconds(start, target - acc), holder
        acc += b
    raise AssertionError("elapsed exceeds target but no segment reaches it")  # pragma: no cover


def ran_out(w: Walk, calendar: BusinessCalendar, target: float, response_only: bool) -> tuple[float, str]:
    """When and while whom a clock of ``w`` whose elapsed time exceeds ``target`` ran out (as compute_clocks dates it)."""
    bs = calendar.business_seconds
    running = [(s, bs(s, e), holder, resp_open) for s, e, phase, holder, _st, resp_open in w.segments if phase == RUNNING]
    return _ran_out(running, target, response_only, calendar)


def holder_at(w: Walk, t: float) -> str:
    """The party holding the ticket at instant ``t`` (not after the walk's ``now``), once every event
    at ``t`` has been applied: a reassignment recorded with the stop belongs to the stop."""
    segments = w.segments
    i = bisect_right(segments, t, key=_AT) - 1
    if i >= 0 and t < segments[i][1]:
        return segments[i][3]
    return w.holder  # at ``now`` itself, or after the last event


def holder_before(w: Walk, t: float, events: Sequence[Event]) -> str:
    """The party holding the ticket just before ``t`` (the running or paused segment ending at ``t``),
    or the party it opened with when nothing came before (resolved the instant it opened).

    The review credits a resolution to this party; unlike ``holder_at``, a reassignment
    recorded with the stop does not count.
    """
    holder = None
    for s, _e, _phase, h, _status, _resp in w.segments:
        if s < t:
            holder = h
        else:
            break
    if holder is None:
        holder = next((e[3] for e in events if e[3] is not None), "?")
    return holder


def exceeding(pieces: Sequence[tuple[float, float, str]], target: float,
              calendar: BusinessCalendar) -> tuple[float, float, str] | None:
    """When a clock counting business time over ``pieces`` runs out, and from when it is over its target.

    ``pieces``: the (start, end, holder) stretches in which the clock runs, oldest first; the
    last may end at ``math.inf`` (running on with no further event). Returns ``(ran_out,
    exceeded, holder)``: ``ran_out`` is the instant the elapsed time first reached ``target``
    (``compute_clocks``'s ``breached_at``) and ``holder`` held the ticket then (its
    ``breach_holder``); as of any moment ``t``, the elapsed time is over the target exactly
    when ``t > exceeded`` (later than ``ran_out`` when the target is reached at a close of
    business or a pause: the clock is only breached once it runs again). None when the
    clock never goes over its target.

    What the stops cache keeps so that "breached as of ``t``" needs no walk at any ``t``.
    """
    bs, add = calendar.business_seconds, calendar.add_business_seconds
    acc = 0
    ran = None
    for s, e, holder in pieces:
        b = math.inf if e == math.inf else bs(s, e)
        if ran is None and acc + b >= target:
            ran = (add(s, target - acc), holder)
        if acc + b > target:
            reached = add(s, target - acc)
            if reached == math.inf or ran[0] == math.inf:
                return None  # the calendar never opens again
            return ran[0], calendar.next_open(reached), ran[1]
        acc += b
    return None


class Stop(NamedTuple):
    """One stop of a clock, found in a walk: what a compliance verdict is made of."""

    clock: str
    """"response" or "resolution"."""
    at: Any
    """When it stopped: its ``stopped_at`` as of any moment in [at, until)."""
    until: Any
    """When it restarted (a reopen), ``math.inf`` if still stopped at the walk's ``now``."""
    elapsed: Any
    """Business seconds counted when it stopped (nothing runs while it is stopped)."""


def clock_stops(w: Walk, calendar: BusinessCalendar, held: dict | None = None, held_from: float = -math.inf) -> list[Stop]:
    """Every stop of both clocks in one walk, so verdicts at many moments need one replay.

    As of any moment ``t`` with ``s.at <= t < s.until`` (and ``t`` not after the walk's
    ``now``), ``compute_clocks(events, policy, calendar, t)`` reports that clock stopped at
    ``s.at`` with ``s.elapsed``; its state is ``stopped_state(s, policy, w, t)``. The response
    clock stops at most once and never restarts.

    ``held``, when given, gains the running business seconds of every segment in
    [``held_from``, ``now``) per holder (what ``workload`` attributes), from the same
    calendar lookups.
    """
    bs = calendar.business_seconds
    res_stops = w.stops
    n = len(res_stops)
    k = 0
    out: list[Stop] = []
    res_el = resp_el = 0
    for s, e, phase, holder, _status, resp_open in w.segments:
        if phase != RUNNING:
            continue
        while k < n and res_stops[k][0] <= s:  # a stop lies on a segment boundary, never inside one
            out.append(Stop("resolution", res_stops[k][0], res_stops[k][1], res_el))
            k += 1
        b = bs(s, e)
        res_el += b
        if resp_open:
            resp_el += b
        if held is not None and e > held_from:
            held[holder] = held.get(holder, 0) + (b if s >= held_from else bs(held_from, e))
    for at, until in res_stops[k:]:
        out.append(Stop("resolution", at, until, res_el))
    if w.response_stop is not None:
        out.append(Stop("response", w.response_stop, math.inf, resp_el))
    return out


def priority_at(w: Walk, t: float) -> str | None:
    """The priority a walk up to ``t`` (not after the walk's ``now``) would end with."""
    changes = w.priorities
    if not changes:
        return w.priority  # none by ``now``: the one the ticket will open with, if any
    if len(changes) == 1 or t < changes[1][0]:
        return changes[0][1]  # before the first change too, as walk() takes the first one then
    return changes[bisect_right(changes, t, key=_AT) - 1][1]


def targets_at(policy: SlaPolicy, w: Walk, t: float) -> tuple[int, int]:
    """(response, resolution) target seconds of the priority in force as of ``t``; the same at
    every ``t`` when ``len(w.priorities) < 2``.

    Raises:
        ValueError: the policy has no target for that priority (as compute_clocks does).
    """
    return _targets(policy, priority_at(w, t))


def stopped_state(stop: Stop, policy: SlaPolicy, w: Walk, t: float) -> ClockState:
    """MET or MISSED: the verdict on ``stop`` as of ``t`` (met when elapsed <= the target in force at ``t``)."""
    response, resolution = targets_at(policy, w, t)
    return ClockState.MISSED if stop.elapsed > (response if stop.clock == "response" else resolution) else ClockState.MET


def ack_clock(
    requested_at: float,
    acknowledged_at: float | None,
    target_minutes: int,
    calendar: BusinessCalendar,
    now: float,
    *,
    holder: str | None = None,
    at_risk_percent: float = 75.0,
) -> Clock:
    """Handoff acknowledgement clock: runs in business time from request to acknowledgement.

    ``holder`` (the receiving party) is reported as ``breach_holder`` when it breaches.
    An acknowledgement after ``now`` is ignored, like any future event.
    """
    target = target_minutes * 60
    stopped = acknowledged_at if acknowledged_at is not None and acknowledged_at <= now else None
    end = stopped if stopped is not None else now
    elapsed = calendar.business_seconds(requested_at, end)
    remaining = target - elapsed
    breached_at = calendar.add_business_seconds(requested_at, target) if elapsed > target else None
    due_at = None
    if stopped is not None:
        state = ClockState.MISSED if elapsed > target else ClockState.MET
    elif elapsed > target:
        state, due_at = ClockState.BREACHED, breached_at
    else:
        due = calendar.add_business_seconds(max(now, requested_at), remaining)
        due_at = None if due == math.inf else due
        state = ClockState.AT_RISK if elapsed * 100 >= target * at_risk_percent else ClockState.RUNNING
    return Clock(
        "ack", state, target, elapsed, remaining, elapsed * 100 / target, due_at, breached_at, stopped,
        holder if breached_at is not None else None, holder if breached_at is not None or stopped is not None else None,
    )


def stored_policy(text: str) -> SimpleNamespace:
    """A policy as the database stores it (SlaPolicy JSON, validated when it was saved), read
    without pydantic: an object with SlaPolicy's attributes that every function here takes.

    For `comanage check`, which must not pay for importing pydantic. Fields missing from the
    JSON get SlaPolicy's defaults; tests/data/test_sla.py checks both agree.

    Raises:
        ValueError: the text is not JSON. KeyError, TypeError: it is not a policy.
    """
    d = json.loads(text)
    return SimpleNamespace(
        name=d["name"],
        calendar=d["calendar"],
        targets={p: SimpleNamespace(response_minutes=int(t["response_minutes"]), resolution_minutes=int(t["resolution_minutes"]))
                 for p, t in d["targets"].items()},
        pause_statuses=list(d.get("pause_statuses", ["waiting_customer", "waiting_vendor"])),
        resolution_stop=d.get("resolution_stop", "resolved"),
        response_stop=d.get("response_stop", "first_response"),
        at_risk_percent=float(d.get("at_risk_percent", 75.0)),
        at_risk_minutes_remaining=d.get("at_risk_minutes_remaining"),
        match_parties=list(d.get("match_parties") or []),
        match_areas=list(d.get("match_areas") or []),
        match_priorities=list(d.get("match_priorities") or []),
        match_kinds=list(d.get("match_kinds") or []),
        fall_through=bool(d.get("fall_through", False)),
    )

