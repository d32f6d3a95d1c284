"""Why a clock says what it says: timeline segments, plain-text rendering, compliance %."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from comanage_tui.data.calendar import BusinessCalendar
from comanage_tui.data.sla import (
    PAUSED,
    STOPPED,
    Clock,
    ClockState,
    Event,
    SlaPolicy,
    compute_clocks,
    walk,
)

COMPLIANCE_RULE = (
    "Compliance % = met / (met + missed) over clocks that stopped within the window; "
    "open clocks (running, paused, at risk, breached) are reported separately as in flight."
)
SEGMENT_KINDS = ("running", "paused", "outside_hours", "holiday", "closed", "stopped")


@dataclass(slots=True)
class Segment:
    """A stretch of the ticket's life in which nothing relevant to its clocks changed."""

    start: float
    end: float
    kind: str
    """One of SEGMENT_KINDS."""
    holder: str
    """Party holding the ticket (even while paused; the status says why)."""
    status: str
    business_seconds: float
    """Calendar business time inside the segment; it counts towards the clocks only when running."""
    reason: str


@dataclass(slots=True)
class Explanation:
    policy: str
    calendar: str
    timezone: str
    now: float
    priority: str | None
    response: Clock
    resolution: Clock
    segments: list[Segment]


def explain(events: Sequence[Event], policy: SlaPolicy, calendar: BusinessCalendar, now: float) -> Explanation:
    """Both clocks plus the merged timeline that produced them."""
    clocks = compute_clocks(events, policy, calendar, now)
    w = walk(events, policy, now)
    segments: list[Segment] = []
    for s, e, phase, holder, status, resp_open in w.segments:
        if phase == STOPPED:
            _append(segments, Segment(s, e, "stopped", holder, status, calendar.business_seconds(s, e),
                                      f"status {status} stops the resolution clock"))
        elif phase == PAUSED:
            _append(segments, Segment(s, e, "paused", holder, status, calendar.business_seconds(s, e),
                                      f"status {status} pauses the clock"))
        else:
            for a, b, kind, label in calendar.split_labeled(s, e):
                _append(segments, _running_piece(a, b, kind, label, holder, status, resp_open))
    return Explanation(policy.name, calendar.name, calendar.timezone, now, w.priority,
                       clocks.response, clocks.resolution, segments)


def _running_piece(a: float, b: float, kind: str, label: str | None, holder: str, status: str,
                   resp_open: bool) -> Segment:
    if kind == "open":
        reason = "both clocks running" if resp_open else "resolution clock running"
        return Segment(a, b, "running", holder, status, b - a, reason)
    if kind == "holiday":
        reason = "custom holiday" if label == "custom holiday" else f"public holiday: {label}"
    else:
        reason = "outside business hours" if kind == "outside_hours" else "closed period"
    return Segment(a, b, kind, holder, status, 0, reason)


def _append(segments: list[Segment], seg: Segment) -> None:
    """Append, merging into the previous segment when it is the same situation."""
    if segments:
        last = segments[-1]
        if (last.end == seg.start and last.kind == seg.kind and last.holder == seg.holder
                and last.status == seg.status and last.reason == seg.reason):
            last.end = seg.end
            last.business_seconds += seg.business_seconds
            return
    segments.append(seg)


def format_duration(seconds: float) -> str:
    """Render like "2h 15m"; hours are not rolled into days (business days vary in length)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if 0 < seconds < 60:
        return f"{sign}{int(seconds)}s"
    minutes = int(seconds // 60)
    return f"{sign}{minutes // 60}h {minutes % 60}m"


def _clock_line(clock: Clock, zone: ZoneInfo) -> str:
    line = (f"{clock.name.capitalize():<11} {clock.state.value:<9} "
            f"{format_duration(clock.elapsed_seconds)} of {format_duration(clock.target_seconds)} "
            f"({clock.elapsed_percent:.0f}%)")
    if clock.state in (ClockState.MET, ClockState.MISSED) and clock.stopped_at is not None:
        line += f", stopped {_when(clock.stopped_at, zone)}"
    elif clock.due_at is not None and clock.state != ClockState.BREACHED:
        line += f", due {_when(clock.due_at, zone)}"
    if clock.breached_at is not None:
        line += f", ran out {_when(clock.breached_at, zone)}"
        if clock.breach_holder:
            line += f" while held by {clock.breach_holder}"
    return line


def _when(t: float, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(t, zone).strftime("%a %Y-%m-%d %H:%M %Z")


def format_explanation(expl: Explanation, tz: str | None = None) -> str:
    """Plain-text report: header, both clocks, then one line per segment in local time."""
    zone = ZoneInfo(tz or expl.timezone)
    lines = [
        f"SLA explanation as of {_when(expl.now, zone)}",
        f"Policy {expl.policy!r}, calendar {expl.calendar!r} ({expl.timezone}), priority {expl.priority}",
        _clock_line(expl.response, zone),
        _clock_line(expl.resolution, zone),
        f"Timeline (times in {zone.key}; business time per segment):",
    ]
    if not expl.segments:
        lines.append("  (no history before this time)")
    for seg in expl.segments:
        start = dt.datetime.fromtimestamp(seg.start, zone)
        end = dt.datetime.fromtimestamp(seg.end, zone)
        end_text = end.strftime("%H:%M %Z" if end.date() == start.date() else "%a %Y-%m-%d %H:%M %Z")
        lines.append(
            f"  {start:%a %Y-%m-%d %H:%M %Z} -> {end_text:<24} {seg.kind:<13} "
            f"{format_duration(seg.business_seconds):>9}  {seg.holder} / {seg.status}: {seg.reason}"
        )
    return "\n".join(lines)


@dataclass(slots=True)
class ComplianceRow:
    key: str
    met: int
    missed: int
    in_flight: int
    """Clocks not stopped yet (running, paused, at risk or breached)."""
    breached: int
    """In-flight clocks already past their target."""
    percent: float | None
    """met / (met + missed) * 100; None when no clock in the group has stopped."""


def compliance(rows: Iterable[tuple[Mapping[str, str], Clock]], by: str) -> list[ComplianceRow]:
    """Group clocks by ``attrs[by]`` (missing/empty -> "(none)"); see COMPLIANCE_RULE.

    The caller chooses the window by choosing the rows.
    """
    groups: dict[str, ComplianceRow] = {}
    for attrs, clock in rows:
        key = attrs.get(by) or "(none)"
        row = groups.get(key)
        if row is None:
            row = groups[key] = ComplianceRow(key, 0, 0, 0, 0, None)
        if clock.state == ClockState.MET:
            row.met += 1
        elif clock.state == ClockState.MISSED:
            row.missed += 1
        else:
            row.in_flight += 1
            row.breached += clock.state == ClockState.BREACHED
    for row in groups.values():
        closed = row.met + row.missed
        row.percent = row.met * 100 / closed if closed else None
    return [groups[k] for k in sorted(groups)]
