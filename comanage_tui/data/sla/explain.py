"""Why a clock says what it says: timeline segments and priority changes, text and JSON rendering, compliance %."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from comanage_tui.data.readmodel.figures import elapsed_minutes, format_duration, hm, left_minutes, left_text, target_minutes
from comanage_tui.data.sla.attribution import Held
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.engine import PAUSED, STOPPED, Clock, ClockState, Event, compute_clocks, walk
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.text import clean

COMPLIANCE_RULE = (
    "Compliance % = met / (met + missed) over clocks that stopped within the window; "
    "open clocks (running, paused, at risk, breached) are reported separately as in flight."
)
SEGMENT_KINDS = ("running", "paused", "outside_hours", "holiday", "closed", "stopped")
WIDTH = 80  # every line of the text report fits a terminal this wide


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

    @property
    def counted_seconds(self) -> float:
        """Business seconds this segment adds to the clocks: all of it when running, else none."""
        return self.business_seconds if self.kind == "running" else 0

    @property
    def wall_seconds(self) -> float:
        return self.end - self.start


@dataclass(slots=True)
class PriorityChange:
    """The priority changed at `at`: from then on the targets of `new` apply, to all elapsed time."""

    at: float
    old: str | None
    new: str


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
    priority_changes: list[PriorityChange] = field(default_factory=list)
    targets: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(response, resolution) target minutes per priority the ticket has had."""
    matched_on: str | None = None
    """Why this policy: the ticket's values the policy list was matched on (ticket_view sets it)."""
    held: dict[str, Held] = field(default_factory=dict)
    """"response"/"resolution" -> business time per holding party and paused per status
    (readmodel.held.clock_held, which ticket_view sets); empty when not asked for."""


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
    changes = [PriorityChange(at, w.priorities[i - 1][1], prio) for i, (at, prio) in enumerate(w.priorities) if i]
    targets = {prio: (t.response_minutes, t.resolution_minutes) for _at, prio in w.priorities
               if (t := policy.targets.get(prio)) is not None}
    return Explanation(policy.name, calendar.name, calendar.timezone, now, w.priority,
                       clocks.response, clocks.resolution, segments, changes, targets)


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


def exact_duration(seconds: float) -> str:
    """"3h 59m 30s", or "4h 0m" on a whole minute: to the second, so segments add up to the headline."""
    total = int(round(seconds))
    sign = "-" if total < 0 else ""
    total = abs(total)
    out = f"{sign}{total // 3600}h {total % 3600 // 60}m"
    return out + (f" {total % 60}s" if total % 60 else "")


def _clock_line(clock: Clock, zone: ZoneInfo) -> str:
    line = (f"{clock.name.capitalize():<11} {clock.state.value:<9} "
            f"{exact_duration(clock.elapsed_seconds)} of {format_duration(clock.target_seconds)} "
            f"({clock.elapsed_percent:.0f}%)")
    if clock.state in (ClockState.MET, ClockState.MISSED) and clock.stopped_at is not None:
        line += f", stopped {_when(clock.stopped_at, zone)}"
    else:
        line += f", {left_text(clock)}"
        if clock.due_at is not None and clock.state != ClockState.BREACHED:
            line += f", due {_when(clock.due_at, zone)}"
    if clock.breached_at is not None:
        line += f", ran out {_when(clock.breached_at, zone)}"
        if clock.breach_holder:
            line += f" while held by {clean(clock.breach_holder)}"
    if clock.verdict_holder and clock.state in (ClockState.MET, ClockState.MISSED):
        line += f"; counts for {clean(clock.verdict_holder)}"
    return line


def held_text(held: Held) -> str:
    """"internal 3h 0m · msp 5h 0m; paused: waiting_vendor 1h 0m": to the second, so the parties add up to elapsed."""
    parts = " · ".join(f"{clean(k)} {exact_duration(v)}" for k, v in held.held.items()) or "nothing counted yet"
    if held.paused:
        parts += "; paused: " + " · ".join(f"{clean(k)} {exact_duration(v)}" for k, v in held.paused.items())
    return parts


def _held_lines(expl: Explanation) -> list[str]:
    """Who held the ticket while each clock counted (ATTRIBUTION rules in sla/attribution.py)."""
    if not expl.held:
        return []
    lines = ["Time held by party (business time each clock counted; adds up to elapsed):"]
    for name in ("response", "resolution"):
        if name in expl.held:
            lines += _wrap(f"{name.capitalize():<11} {held_text(expl.held[name])}", "  ")
    return lines


def _when(t: float, zone: ZoneInfo, *, date: bool = True) -> str:
    """Local time to the minute, or to the second when the instant is not on a whole minute."""
    moment = dt.datetime.fromtimestamp(t, zone)
    clock = "%H:%M:%S" if moment.second else "%H:%M"
    return moment.strftime(f"%a %Y-%m-%d {clock} %Z" if date else f"{clock} %Z")


def _wrap(text: str, indent: str) -> list[str]:
    """Lines of at most WIDTH columns, continuation lines indented like kubectl describe."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False) or [indent]


def _targets_text(expl: Explanation, priority: str | None) -> str:
    minutes = expl.targets.get(priority) if priority is not None else None
    if minutes is None:
        return f"no {priority} target"
    return f"response {hm(minutes[0])}, resolution {hm(minutes[1])}"


def _timeline(expl: Explanation, zone: ZoneInfo) -> list[str]:
    """Segments and priority changes in time order, two or more lines each, within WIDTH columns."""
    entries: list[tuple[float, int, list[str]]] = []
    for seg in expl.segments:
        end = _when(seg.end, zone, date=dt.datetime.fromtimestamp(seg.end, zone).date()
                    != dt.datetime.fromtimestamp(seg.start, zone).date())
        if seg.kind == "running":
            what = f"running, counts {exact_duration(seg.counted_seconds)}"
        else:
            # Nothing counts here: the wall time is given, labelled, so it is not read as clock time.
            what = f"{seg.kind.replace('_', ' ')}, {exact_duration(seg.wall_seconds)} wall, not counted"
        lines = _wrap(f"{_when(seg.start, zone)} -> {end}  {what}", "  ")
        lines += _wrap(f"{clean(seg.holder)} / {clean(seg.status)}: {seg.reason}", "      ")
        entries.append((seg.start, 1, lines))
    final = expl.priority
    for ch in expl.priority_changes:
        why = ("the priority now, so its targets apply to all elapsed time" if ch.new == final
               else f"replaced later; the {final} targets apply to all elapsed time")
        lines = _wrap(f"{_when(ch.at, zone)}  priority {ch.old} -> {ch.new}", "  ")
        lines += _wrap(f"{ch.new} targets: {_targets_text(expl, ch.new)}; {why}", "      ")
        entries.append((ch.at, 0, lines))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [line for _at, _order, lines in entries for line in lines]


def format_explanation(expl: Explanation, tz: str | None = None) -> str:
    """Plain-text report: header, both clocks, then the timeline in local time, within 80 columns.

    Running segments give the business time they add to the clocks, to the second, so they add
    up exactly to each clock's elapsed time; the other segments count nothing and say so.
    """
    zone = ZoneInfo(tz or expl.timezone)
    lines = _wrap(f"SLA explanation as of {_when(expl.now, zone)}", "")
    lines += _wrap(f"Policy {clean(expl.policy)!r}, calendar {clean(expl.calendar)!r} ({expl.timezone})"
                   + (f", first policy matching {expl.matched_on}" if expl.matched_on else ""), "")
    changed = f" (changed {len(expl.priority_changes)} time(s); see the timeline)" if expl.priority_changes else ""
    lines += _wrap(f"Targets of priority {expl.priority}, the priority now{changed}: {_targets_text(expl, expl.priority)}", "")
    lines += _wrap(_clock_line(expl.response, zone), "")
    lines += _wrap(_clock_line(expl.resolution, zone), "")
    lines += _held_lines(expl)
    lines.append(f"Timeline (times in {zone.key}; running time counts as business time):")
    timeline = _timeline(expl, zone)
    lines += timeline or ["  (no history before this time)"]
    return "\n".join(lines)


def explanation_data(expl: Explanation) -> dict:
    """The explanation as plain JSON-ready data (`comanage explain --json`; fields in docs/FIGURES.md)."""
    def clock(c: Clock) -> dict:
        return {
            "state": c.state.value, "elapsed_seconds": round(c.elapsed_seconds), "target_seconds": round(c.target_seconds),
            "elapsed_minutes": elapsed_minutes(c), "target_minutes": target_minutes(c),
            "left_minutes": None if c.state in (ClockState.MET, ClockState.MISSED) else left_minutes(c),
            "elapsed_percent": round(c.elapsed_percent, 1), "due_at": _epoch(c.due_at), "breached_at": _epoch(c.breached_at),
            "stopped_at": _epoch(c.stopped_at), "breach_holder": None if c.breach_holder is None else clean(c.breach_holder),
            "verdict_holder": None if c.verdict_holder is None else clean(c.verdict_holder),
            **_held_data(expl.held.get(c.name)),
        }
    return {
        "as_of": _epoch(expl.now), "policy": clean(expl.policy), "calendar": clean(expl.calendar), "timezone": expl.timezone,
        "priority": expl.priority, "matched_on": expl.matched_on,
        "targets": {p: {"response_minutes": r, "resolution_minutes": x} for p, (r, x) in sorted(expl.targets.items())},
        "response": clock(expl.response), "resolution": clock(expl.resolution),
        "segments": [{"start": _epoch(s.start), "end": _epoch(s.end), "kind": s.kind, "holder": clean(s.holder),
                      "status": clean(s.status), "counted_seconds": round(s.counted_seconds),
                      "wall_seconds": round(s.wall_seconds), "reason": s.reason} for s in expl.segments],
        "priority_changes": [{"at": _epoch(c.at), "from": c.old, "to": c.new} for c in expl.priority_changes],
    }


def _held_data(held: Held | None) -> dict:
    if held is None:
        return {}
    return {"held_seconds": {clean(k): round(v) for k, v in held.held.items()},
            "paused_seconds": {clean(k): round(v) for k, v in held.paused.items()}}


def _epoch(t: float | None) -> int | None:
    return None if t is None else int(t)


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
