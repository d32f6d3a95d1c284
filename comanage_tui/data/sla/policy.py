"""SlaPolicy and PriorityTarget: the SLA policy list as stored and edited, validated with pydantic.

Kept apart from the clock engine (sla.py) so that code which only computes with stored,
already validated policies (`comanage check`) never imports pydantic; importing them from
`comanage_tui.data.sla.engine` still works and lands here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from comanage_tui.data.sla.terms import PRIORITIES

# One year of minutes: longer than any real SLA, and small enough that a clock's due time
# stays a date the calendar can walk (5e9 minutes, 9,500 years, crashed `explain`).
MAX_TARGET_MINUTES = 366 * 24 * 60


class PriorityTarget(BaseModel):
    response_minutes: int = Field(gt=0, le=MAX_TARGET_MINUTES)
    resolution_minutes: int = Field(gt=0, le=MAX_TARGET_MINUTES)


class SlaPolicy(BaseModel):
    """Targets per priority on one business calendar; matched in order, first match wins."""

    name: str
    calendar: str
    """CalendarSpec.name whose business hours the clocks count."""
    targets: dict[str, PriorityTarget]
    pause_statuses: list[str] = ["waiting_customer", "waiting_vendor"]
    resolution_stop: Literal["resolved", "closed"] = "resolved"
    response_stop: Literal["first_response", "first_assignment"] = "first_response"
    at_risk_percent: float = Field(default=75.0, gt=0, le=100)
    at_risk_minutes_remaining: int | None = Field(default=None, ge=0, le=MAX_TARGET_MINUTES)
    match_parties: list[str] = []
    match_areas: list[str] = []
    match_priorities: list[str] = []
    match_kinds: list[str] = []
    fall_through: bool = False
    """A ticket this policy matches but has no target for (by priority) goes on to the next policy;
    without it such a policy is refused when saved (sla/policy_check.py)."""

    @field_validator("targets")
    @classmethod
    def _check_targets(cls, value: dict[str, PriorityTarget]) -> dict[str, PriorityTarget]:
        unknown = sorted(set(value) - set(PRIORITIES))
        if unknown:
            raise ValueError(f"targets: unknown priority {', '.join(unknown)} (use P1..P4)")
        if not value:
            raise ValueError("targets: at least one priority needs a target")
        return value

    @field_validator("match_priorities")
    @classmethod
    def _check_match_priorities(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(PRIORITIES))
        if unknown:
            raise ValueError(f"match_priorities: unknown priority {', '.join(unknown)}")
        return value
