"""OlaSpec: one party's operational level agreement as stored (JSON) and edited (TOML `[[ola]]`).

An OLA sets, per priority, how much business time a party may hold a ticket on one hop
(from the assignment to it until it passes the ticket on or resolves it), counted on the
party's own calendar. The pure hop clocks are in `sla/ola.py`; this module only validates.

TOML, in the same file as `[[calendar]]` and `[[policy]]` (see README.md):

    [[ola]]
    party = "msp"
    calendar = "24x7"
    at_risk_percent = 75        # optional, as for policies
    [ola.targets]
    P1 = "1h"
    P2 = "4h"
    P3 = "1h 30m"               # or a whole number of minutes: P3 = 90
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from comanage_tui.data.sla.policy import MAX_TARGET_MINUTES
from comanage_tui.data.sla.terms import PRIORITIES

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def parse_duration(value: object) -> int:
    """Whole minutes from "4h", "30m", "1h 30m" or a whole number of minutes.

    Days are refused on purpose: a business day's length depends on the calendar.

    Raises:
        ValueError: anything else, saying what is accepted.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration such as \"4h\", \"30m\" or \"1h 30m\"")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (m := _DURATION.match(value)) and (m[1] or m[2]):
        minutes = int(m[1] or 0) * 60 + int(m[2] or 0)
    else:
        hint = " (business days vary in length: write hours)" if isinstance(value, str) and "d" in value.lower() else ""
        raise ValueError(f"{value!r} is not a duration such as \"4h\", \"30m\" or \"1h 30m\"{hint}")
    if not 0 < minutes <= MAX_TARGET_MINUTES:
        raise ValueError(f"{value!r} must be more than 0 and at most {MAX_TARGET_MINUTES} minutes (one year)")
    return minutes


def duration_text(minutes: int) -> str:
    """"4h", "30m", "1h 30m": how `sla show` writes a target back (parse_duration reads it)."""
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours}h" if hours else "", f"{rest}m" if rest else "") if part)


FIELDS = ("party", "calendar", "targets", "at_risk_percent")


class OlaSpec(BaseModel):
    """One party's OLA: hop targets per priority on one calendar. The list holds one per party."""

    model_config = ConfigDict(extra="forbid")  # a misspelt `target =` must be refused, not ignored

    party: str
    """Party key whose hops the OLA judges (checked against the parties when loaded)."""
    calendar: str
    """CalendarSpec.name whose business hours a hop's clock counts (checked when loaded)."""
    targets: dict[str, int]
    """Priority -> business minutes a hop may take; a priority without a target has no OLA clock."""
    at_risk_percent: float = Field(default=75.0, gt=0, le=100)

    @field_validator("party")
    @classmethod
    def _check_party(cls, value: str) -> str:
        if not _KEY.match(value):
            raise ValueError(f"party: {value!r} is not a party key (a-z, 0-9, - and _)")
        return value

    @field_validator("targets", mode="before")
    @classmethod
    def _check_targets(cls, value: object) -> dict[str, int]:
        if not isinstance(value, dict):
            raise ValueError("a table of priority = duration, e.g. P1 = \"1h\"")
        unknown = sorted(str(k) for k in value if k not in PRIORITIES)
        if unknown:
            raise ValueError(f"unknown priority {', '.join(unknown)} (use P1..P4)")
        if not value:
            raise ValueError("at least one priority needs a target")
        out = {}
        for prio, raw in value.items():
            try:
                out[prio] = parse_duration(raw)
            except ValueError as exc:
                raise ValueError(f"{prio}: {exc}") from None
        return out
