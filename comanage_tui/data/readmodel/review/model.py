"""The period review as data: pydantic models every format renders; the JSON Schema comes from them.

Each compared figure is a `Fig`: this period, the previous one, the change and an arrow,
and which direction is good for it. Lists are in a stated, stable order so the same
database and period always give the same bytes. Times are ISO dates or ISO-8601 instants
with the internal team's UTC offset; durations say their unit in the field name.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
SCHEMA_ID = "https://comanage.example/schemas/review-v1.json"

Good = Literal["up", "down", "neither"]
ARROWS = {"up": "↑", "down": "↓", "same": "→"}


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Fig(_M):
    """One figure of this period against the previous one."""

    current: int | float | None
    previous: int | float | None
    delta: int | float | None = Field(description="current - previous; null when either is null.")
    arrow: Literal["↑", "↓", "→", ""] = Field(description="↑ up, ↓ down, → unchanged, empty when there is no comparison.")
    good: Good = Field(description="Which direction is good for this figure: up, down, or neither.")
    verdict: Literal["better", "worse", "same", "changed", "n/a"] = Field(
        description="better/worse when the figure has a good direction, changed when it has none, same, n/a without a comparison.")


def fig(current: float | None, previous: float | None, good: Good, digits: int = 1) -> Fig:
    """A Fig with its delta, arrow and verdict; values rounded to `digits` decimals (0: whole numbers)."""
    cur = _round(current, digits)
    prev = _round(previous, digits)
    if cur is None or prev is None:
        return Fig(current=cur, previous=prev, delta=None, arrow="", good=good, verdict="n/a")
    delta = _round(cur - prev, digits)
    if delta == 0:
        return Fig(current=cur, previous=prev, delta=0, arrow=ARROWS["same"], good=good, verdict="same")
    direction = "up" if delta > 0 else "down"
    verdict = "changed" if good == "neither" else "better" if direction == good else "worse"
    return Fig(current=cur, previous=prev, delta=delta, arrow=ARROWS[direction], good=good, verdict=verdict)


def _round(value: float | None, digits: int) -> float | None:
    if value is None:
        return None
    return int(round(value)) if digits == 0 else round(float(value), digits)


class KeyFig(_M):
    key: str
    fig: Fig


class PeriodRef(_M):
    label: str = Field(description="2026Q4, 2026-11, or first..last for a range of days.")
    kind: Literal["quarter", "month", "days"]
    first_day: str
    last_day: str
    start: str = Field(description="Local midnight starting the first day (inclusive).")
    end: str = Field(description="Local midnight after the last day (exclusive).")
    days: int


class Volume(_M):
    total: Fig
    by_priority: list[KeyFig]
    by_party: list[KeyFig]
    by_area: list[KeyFig]


class Backlog(_M):
    total: Fig
    buckets: list[KeyFig] = Field(description="Open tickets by age in whole days since opening: 0-7, 8-30, 31-90, >90.")


class ClockReview(_M):
    clock: Literal["response", "resolution"]
    overall: Fig
    met: int
    missed: int
    by_party: list[KeyFig]
    by_priority: list[KeyFig]


class Sla(_M):
    rule: str
    ola_note: str
    clocks: list[ClockReview]
    ola_by_party: list[KeyFig] = []
    """OLA compliance % per party (readmodel.ola.ola_compliance); empty when no OLA is configured."""


class ResolveTime(_M):
    priority: str
    resolved: int
    median_hours: Fig
    p90_hours: Fig


class ResolveTimes(_M):
    rule: str
    by_priority: list[ResolveTime]


class Breaches(_M):
    rule: str
    total: Fig
    by_party: list[KeyFig]


class TopArea(_M):
    area: str
    fig: Fig = Field(description="Tickets (or breaches) in the area this period against the previous one.")


class TopAreas(_M):
    most_tickets: list[TopArea]
    most_breaches: list[TopArea]


class HandoffFigs(_M):
    count: Fig
    on_time_percent: Fig
    median_wait_minutes: Fig
    bounces: Fig


class DirectionFigs(HandoffFigs):
    direction: str


class Handoffs(_M):
    rule: str
    overall: HandoffFigs
    by_direction: list[DirectionFigs]


class CoverageChange(_M):
    area: str
    internal_people: Fig
    partner_people: Fig
    documented_before: bool
    documented_after: bool
    single_point_before: str | None
    single_point_after: str | None


class Knowledge(_M):
    rule: str
    verified_items: Fig
    single_points: Fig
    single_points_opened: list[str]
    single_points_closed: list[str]
    coverage: list[CoverageChange]


class RaciChangeRow(_M):
    at: str
    area: str
    party: str
    before: str | None
    after: str | None


class DriftRow(_M):
    area: str
    party: str
    share_percent: Fig


class Split(_M):
    rule: str
    changes: list[RaciChangeRow]
    changes_count: Fig
    drifting_areas: Fig
    drift: list[DriftRow]


class Roi(_M):
    rule: str
    partner_resolved: Fig
    hours: Fig
    recorded_tickets: int
    recorded_hours: float
    estimated_tickets: int
    estimated_hours: float
    unestimated_tickets: int = Field(description="Partner-resolved tickets with no hours recorded and no estimate: counted as 0 h.")
    source: Literal["recorded", "estimates", "recorded and estimates", "none"]
    summary: str


class Review(_M):
    schema_version: int = SCHEMA_VERSION
    period: PeriodRef
    previous: PeriodRef
    timezone: str
    parties: list[str] = Field(description="Party keys, internal first.")
    opened: Volume
    resolved: Volume
    backlog: Backlog
    sla: Sla
    resolve_times: ResolveTimes
    breaches: Breaches
    top_areas: TopAreas
    handoffs: Handoffs
    knowledge: Knowledge
    split: Split
    roi: Roi
    notes: list[str]


def json_schema() -> dict:
    schema = Review.model_json_schema()
    schema["$id"] = SCHEMA_ID
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
