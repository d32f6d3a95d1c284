"""The vocabulary of clock figures (docs/FIGURES.md): one definition, name, glyph and unit each.

Light on purpose: `comanage check` counts with these rules and must not load pydantic, the
Store or the UI, so this module imports only the SLA engine's plain types.

* **breached**: an open clock whose business time elapsed exceeds its target (state BREACHED).
* **at risk**: an open, running clock past the policy's at-risk threshold (state AT_RISK).
* **due today**: an open clock, running or at risk, that will run out before close of business
  today on the internal team's calendar (`end_of_business`). A deadline, not a state: an
  at-risk clock may be due today or not, and a clock due today need not be at risk.
* **left / over**: business time remaining on a clock's target, in whole minutes:
  `target - elapsed`, with elapsed floored to the minute. Positive is time left ("2h 5m left"),
  negative is time over ("8h 33m over"); every surface says it this way, never as wall time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from comanage_tui.data.sla.attribution import ATTRIBUTION_RULE
from comanage_tui.data.sla.engine import Clock, ClockState

if TYPE_CHECKING:
    from comanage_tui.data.sla.calendar import BusinessCalendar

OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.AT_RISK, ClockState.BREACHED)
# name -> (glyph, words): the three counts the Overview, the SLA screen, check and the snapshot share.
NAMES = {
    "breached": ("✖", "breached"),
    "at_risk": ("▲", "at risk"),
    "due_today": ("◷", "due today"),
}

# One line per figure for the `?` help of the screens that show it (docs/FIGURES.md has the full glossary).
GLOSSARY = {
    "breached": "✖ breached: open clock whose business time elapsed is past its target.",
    "at_risk": "▲ at risk: open, running clock past the policy's at-risk threshold (not yet breached).",
    "due_today": "◷ due today: running or at-risk clock that runs out by close of business today "
                 "(internal calendar); a deadline, not a state.",
    "left": "Left / over: business time to the target, target minus elapsed in whole minutes; "
            "\"2h 5m left\" before the target, \"8h 33m over\" past it.",
    "held": "Us / Ptnr (w): business time this clock counted while the internal team / a partner held the "
            "ticket; with unassigned time they add up to elapsed. The ticket screen and explain give each party "
            "and the paused time.",
    "attribution": ATTRIBUTION_RULE,
    "uncovered": "⚠ no policy: open tickets no SLA policy covers (none matches them, or the first that does "
                 "has no target for their priority); they have no clocks and count in no other figure.",
}


def label(name: str) -> str:
    """"▲ at risk" for a figure name of NAMES."""
    glyph, words = NAMES[name]
    return f"{glyph} {words}"


def is_due_today(clock: Clock, eob: float) -> bool:
    """Running or at risk, and runs out by `eob` (paused clocks' due times move, so they are not due)."""
    return (clock.state in (ClockState.RUNNING, ClockState.AT_RISK) and clock.due_at is not None
            and clock.due_at <= eob)


@dataclass
class ClockCounts:
    """How many open clocks are in each figure at one moment (see the module docstring)."""

    open_clocks: int = 0
    breached: int = 0
    breached_response: int = 0
    breached_resolution: int = 0
    at_risk: int = 0
    due_today: int = 0
    running: int = 0
    paused: int = 0

    def add(self, clock: Clock, eob: float) -> None:
        if clock.state not in OPEN_STATES:
            return
        self.open_clocks += 1
        if clock.state == ClockState.BREACHED:
            self.breached += 1
            self.breached_response += clock.name == "response"
            self.breached_resolution += clock.name == "resolution"
        elif clock.state == ClockState.AT_RISK:
            self.at_risk += 1
        elif clock.state == ClockState.RUNNING:
            self.running += 1
        else:
            self.paused += 1
        self.due_today += is_due_today(clock, eob)


def count_clocks(clocks: Iterable[Clock], eob: float) -> ClockCounts:
    out = ClockCounts()
    for c in clocks:
        out.add(c, eob)
    return out


def elapsed_minutes(clock: Clock) -> int:
    """Business minutes elapsed, floored (the minute the clock is in)."""
    return int(clock.elapsed_seconds // 60)


def target_minutes(clock: Clock) -> int:
    return int(clock.target_seconds // 60)


def left_minutes(clock: Clock) -> int:
    """Business minutes left on the target; negative when over. Always target - elapsed minutes,
    so elapsed and left add up to the target on every surface."""
    return target_minutes(clock) - elapsed_minutes(clock)


def hm(minutes: int) -> str:
    """Whole minutes as "8h 33m" (hours are not rolled into days: business days vary in length)."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}h {minutes % 60}m"


def left_text(clock: Clock) -> str:
    """"2h 5m left" or "8h 33m over": the one way every surface states business time to the target."""
    m = left_minutes(clock)
    return f"{hm(m)} left" if m >= 0 else f"{hm(-m)} over"


def short_duration(seconds: float) -> str:
    """Business time in at most five cells for a narrow column: "45m", "7h05", "12h30", "130h"
    (floored to the minute, like every duration here)."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if hours < 100 else f"{hours}h"


def format_duration(seconds: float) -> str:
    """Render like "2h 15m" (floored to the minute; under a minute in seconds)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if 0 < seconds < 60:
        return f"{sign}{int(seconds)}s"
    return sign + hm(int(seconds // 60))


def end_of_business(cal: BusinessCalendar | None, now: float) -> float:
    """When today's last business period ends on `cal` (the end of the local day if it is closed
    today or always open; UTC midnight without a calendar): the "due today" deadline."""
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC
    local = dt.datetime.fromtimestamp(now, zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), zone).timestamp()
    if cal is None or cal.spec.always_open:
        return midnight
    ends = [e for _s, e, kind in cal.split(now, midnight) if kind == "open"]
    return ends[-1] if ends else midnight
