"""The fixed terms of SLA configuration, shared by the engine and the pydantic specs: statuses, priorities, weekdays, HH:MM."""

from __future__ import annotations

import re

PRIORITIES = ("P1", "P2", "P3", "P4")
STATUSES = ("new", "assigned", "in_progress", "waiting_customer", "waiting_vendor", "resolved", "closed")
"""The ticket status vocabulary (models.TicketStatus has the same values; tests/data/test_policy_load.py checks)."""
RESOLUTION_STOPS = ("resolved", "closed")
"""What `resolution_stop` may name: "resolved" (resolved or closed stops the clock) or "closed" (only closed)."""
RESPONSE_STOPS = ("first_response", "first_assignment")
"""What `response_stop` may name (events, not statuses: a reply, or the first assignment to a person)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hhmm(value: str, *, end: bool) -> int:
    """Minutes after local midnight for "HH:MM"; "24:00" only as a window end."""
    match = _HHMM.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if end and hours == 24 and minutes == 0:
        return 1440
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value!r} is not a time of day")
    return hours * 60 + minutes
