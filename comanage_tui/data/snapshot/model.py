"""The status snapshot as data: pydantic models that every format renders and the JSON Schema comes from.

Times are ISO-8601 strings with the UTC offset of the internal team's time zone; dates
are ISO dates. Percentages are rounded to one decimal. Lists are in a documented, stable
order so the same database and as-of time always give the same bytes.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
SCHEMA_ID = "https://comanage.example/schemas/snapshot-v1.json"


class _M(BaseModel):
    # extra="forbid": a previous snapshot read for --since must be one we could have written.
    model_config = ConfigDict(extra="forbid")


class PartyRef(_M):
    key: str
    name: str
    kind: Literal["internal", "partner"]


class Kpis(_M):
    """The headline figures, computed over what the snapshot's scope includes."""

    open_tickets: int = Field(description="Tickets with at least one open SLA clock.")
    breached_clocks: int = Field(description="Open clocks past their target (docs/FIGURES.md: breached).")
    at_risk_clocks: int = Field(description="Open clocks past the policy's at-risk threshold, not breached.")
    due_today_clocks: int = Field(description="Running or at-risk clocks that run out by close of business today "
                                  "on the internal calendar; a deadline, not a state (may overlap at_risk_clocks).")
    paused_clocks: int
    running_clocks: int
    open_handoffs: int
    late_handoffs: int = Field(description="Open handoffs not acknowledged within their target.")
    response_compliance_percent: float | None
    resolution_compliance_percent: float | None
    kt_open_items: int
    kt_overdue_items: int
    stale_documents: int
    raci_gaps: int
    raci_overlaps: int
    raci_drift: int
    single_points_of_knowledge: int
    time_freed_hours: float
    uncovered_open_tickets: int = Field(default=0, description="Tickets open at the as-of time that no SLA policy covers "
                                        "(docs/FIGURES.md): they have no clocks, so no other figure counts them.")
    uncovered_tickets: int = Field(default=0, description="Every ticket opened by the as-of time that no SLA policy covers.")


class ComplianceRow(_M):
    key: str
    met: int
    missed: int
    in_flight: int
    breached: int
    percent: float | None = Field(description="met / (met + missed) * 100; null when no clock stopped.")


class ClockCompliance(_M):
    clock: Literal["response", "resolution"]
    overall: ComplianceRow
    by_party: list[ComplianceRow]
    by_area: list[ComplianceRow]
    by_priority: list[ComplianceRow]


class Compliance(_M):
    window_start: str
    window_end: str
    window_days: int
    rule: str
    clocks: list[ClockCompliance]


class TrendWeek(_M):
    week_start: str
    week_end: str
    percent: float | None
    closed_clocks: int


class ClockRow(_M):
    """One breached or at-risk clock. Order: breached (longest overdue first), then at risk (soonest due)."""

    ticket_ref: str
    title: str
    area: str | None
    priority: str
    kind: str
    status: str
    policy: str
    clock: Literal["response", "resolution"]
    state: Literal["breached", "at_risk"]
    elapsed_minutes: int
    target_minutes: int
    elapsed_percent: float
    due_at: str | None = Field(description="When the target runs out (for breached clocks: when it ran out).")
    breached_at: str | None
    holder: str = Field(description="Party holding the ticket at the as-of time.")
    breach_holder: str | None = Field(description="Party holding the ticket when the clock ran out.")
    notes: str | None = Field(description="Private ticket notes; null unless --include-notes.")


class HandoffRow(_M):
    """An open handoff. Order: longest waiting (business time) first."""

    id: int
    ticket_ref: str | None
    from_party: str
    to_party: str
    summary: str
    state: Literal["requested", "acknowledged"]
    requested_at: str
    age_business_hours: float
    ack_state: Literal["running", "at_risk", "breached", "met", "missed"]
    ack_target_minutes: int
    ack_due_at: str | None
    ack_breached_at: str | None
    bounce_count: int
    last_return_reason: str
    waiting_on: str
    context: str | None = Field(description="Private handoff context; null unless --include-notes.")


class Drift(_M):
    party: str
    share_percent: float


class RaciArea(_M):
    area: str
    name: str
    criticality: str
    letters: dict[str, str] = Field(description="Party key -> R, A, C or I (parties without a letter are absent).")
    gaps: list[str]
    overlap: list[str] = Field(description="Parties that are all Accountable.")
    drift: list[Drift]
    recent_tickets: int
    problems: list[str]


class WorkloadRow(_M):
    party: str
    name: str
    kind: Literal["internal", "partner"]
    open_tickets: int
    business_hours_held: float
    hours_logged: float


class TimeFreed(_M):
    hours: float
    window_days: int
    rule: str


class HeldRow(_M):
    """One party's time on the tickets of one priority whose resolution clock stopped in the window."""

    party: str
    priority: str
    tickets: int = Field(description="Tickets of this priority the party held for some of their resolution time.")
    median_minutes: int = Field(description="Median business minutes the party held one of them (nearest rank).")
    p90_minutes: int = Field(description="90th percentile, nearest rank.")
    total_minutes: int


class HeldTime(_M):
    """Time held per party and priority (docs/FIGURES.md: time held)."""

    window_days: int
    rule: str
    rows: list[HeldRow] = Field(description="By priority, then party key.")


class KtItemRow(_M):
    id: int
    area: str
    topic: str
    kind: str
    direction: str
    status: Literal["planned", "in_progress", "done", "verified"]
    due_date: str | None
    overdue: bool
    last_reviewed: str | None
    review_interval_days: int | None
    stale: bool
    doc_link: str
    teacher: str | None
    learners: list[str]
    notes: str | None = Field(description="Private notes; null unless --include-notes.")


class KtCoverageRow(_M):
    area: str
    name: str
    documented: bool
    stale: int
    internal_people: int
    partner_people: int
    open_items: int
    overdue: int
    single_point: str | None


class Knowledge(_M):
    by_status: dict[str, int] = Field(description="planned, in_progress, done, verified -> count.")
    items: list[KtItemRow] = Field(description="Every item in scope, by area, due date, id.")
    coverage: list[KtCoverageRow]


class ScorecardVerdicts(_M):
    """One SLA clock's verdicts credited to the party (docs/FIGURES.md: scorecard)."""

    clock: Literal["response", "resolution"]
    met: int
    missed: int = Field(description="Missed verdicts credited to the party: the breach was theirs.")
    percent: float | None = Field(description="met / (met + missed) * 100; null when none stopped.")
    in_flight: int = Field(description="Clocks open at the window's end on tickets the party holds.")
    breached: int = Field(description="Of those, past their target.")


class ScorecardOla(_M):
    """OLA hops of the party: all of them (key "all") or one priority."""

    key: str
    met: int
    missed: int
    percent: float | None
    in_flight: int = Field(description="Hops still open at the window's end.")
    breached: int
    without_target: int = Field(description="Hops with no OLA target (no OLA, or none for the priority): not judged.")


class ScorecardHeld(_M):
    priority: Literal["P1", "P2", "P3", "P4"]
    tickets: int = Field(description="Tickets resolved in the window that the party held at all.")
    median_minutes: int = Field(description="Business minutes held per ticket, median (floored to the minute).")
    p90_minutes: int = Field(description="90th percentile, nearest rank (floored to the minute).")


class ScorecardHandoffs(_M):
    received: int = Field(description="Handoffs to the party last requested in the window.")
    acknowledged_on_time: int
    acknowledged_late: int
    waiting: int = Field(description="Not acknowledged by the window's end.")
    waiting_late: int = Field(description="Of those, past their acknowledgement target.")
    median_wait_minutes: int | None = Field(description="Business minutes from request to acknowledgement, median of "
                                            "the acknowledged ones; null when none was.")
    bounces_caused: int = Field(description="Times the party returned a handoff sent to it.")
    sent: int = Field(description="Handoffs from the party last requested in the window.")


class ScorecardKtItem(_M):
    id: int
    area: str
    topic: str
    kind: str
    status: Literal["planned", "in_progress"]
    due_date: str | None
    overdue: bool


class ScorecardKnowledge(_M):
    owed: list[ScorecardKtItem] = Field(description="Items the party teaches that are planned or in progress, soonest due first.")
    overdue: int
    delivered: int = Field(description="Items the party teaches that are done or verified.")


class ScorecardArea(_M):
    area: str
    name: str
    letter: Literal["R", "A"]
    recent_tickets: int = Field(description="Tickets of the area opened in the window.")
    drift: list[Drift] = Field(description="Parties that are not R holding at least 25 % of those tickets.")


class PartyScorecard(_M):
    """One party over a window: what `comanage scorecard --format json` prints, and one entry of `scorecards`."""

    party: str
    name: str
    kind: Literal["internal", "partner"]
    window_start: str
    window_end: str
    timezone: str
    sla: list[ScorecardVerdicts]
    ola: ScorecardOla
    ola_by_priority: list[ScorecardOla]
    held: list[ScorecardHeld]
    handoffs: ScorecardHandoffs
    knowledge: ScorecardKnowledge
    areas: list[ScorecardArea]
    rules: dict[str, str] = Field(description="How each section is counted: sla, ola, held, handoffs, kt, areas.")


class ClockChange(_M):
    ticket_ref: str
    clock: str
    title: str
    breached_at: str | None
    breach_holder: str | None


class HandoffChange(_M):
    id: int
    summary: str
    from_party: str
    to_party: str
    ack_breached_at: str | None


class KtChange(_M):
    id: int
    area: str
    topic: str
    before: str
    after: str


class RaciChange(_M):
    area: str
    party: str
    before: str | None
    after: str | None


class KpiChange(_M):
    kpi: str
    before: float | None
    after: float | None


class FigureChange(_M):
    """Something both snapshots have, with another value now (not something that appeared or went)."""

    subject: str = Field(description="What the figure belongs to: an area's name, a knowledge-transfer topic.")
    figure: str = Field(description="drift, Accountable parties, single point of knowledge, knowledge-transfer status.")
    before: str
    after: str
    detail: str = ""

    def text(self) -> str:
        """One line for every format: "drift in ERP 67 % → 50 % (tickets held by internal)"."""
        return f"{self.figure} in {self.subject} {self.before} → {self.after}" + (f" ({self.detail})" if self.detail else "")


class Delta(_M):
    """What changed since a previous snapshot (--since); computed by comparing the two."""

    since: str = Field(description="The previous snapshot's as-of time.")
    previous_scope: str | None
    notes: list[str]
    new_breaches: list[ClockChange]
    cleared_breaches: list[ClockChange]
    handoffs_now_late: list[HandoffChange]
    kt_completed: list[KtChange]
    raci_changes: list[RaciChange]
    problems_new: list[str]
    problems_resolved: list[str]
    changed: list[FigureChange] = Field(default_factory=list, description=(
        "Problems and figures present in both snapshots whose value moved (a drift share, who shares "
        "accountability, why an area is a single point of knowledge, a knowledge-transfer status other "
        "than completion), each one change rather than a resolved and a new problem."))
    kpi_changes: list[KpiChange]


class SourceRow(_M):
    """A synced source (`comanage sync`) and how fresh its data is (readmodel.freshness)."""

    name: str
    kind: str
    data_as_of: str | None = Field(description="When the last successful sync started: every change the source made "
                                               "before it is in this snapshot. Null: never synced successfully.")
    last_success_at: str | None
    stale: bool = Field(description="Never synced successfully, or the last success is older than the source's "
                                    "stale_after (then `comanage check` warns).")
    last_error: str = Field(description="Why the last attempt failed ('' when it did not).")
    shown: str = Field(description="The source as the dashboard's header says it (\"servicenow 08:12\", with "
                                   "\"⚠ stale\" when stale): readmodel.freshness.as_of_text.")


class Snapshot(_M):
    """A status snapshot of a co-managed IT operation at one moment."""

    schema_version: Literal[1] = SCHEMA_VERSION
    generated_at: str = Field(description="Equals as_of: the snapshot never reads the wall clock.")
    as_of: str
    timezone: str
    scope: str | None = Field(description="Party key when restricted with --party, else null (everything).")
    include_notes: bool
    parties: list[PartyRef]
    kpis: Kpis
    compliance: Compliance
    trend: list[TrendWeek]
    clocks: list[ClockRow]
    handoffs: list[HandoffRow]
    raci: list[RaciArea]
    workload: list[WorkloadRow]
    time_freed: TimeFreed
    held_time: HeldTime | None = Field(default=None, description="Null only in snapshots written before it existed.")
    knowledge: Knowledge
    scorecards: list[PartyScorecard] = Field(default_factory=list, description=(
        "Each party's scorecard over the compliance window (internal first); only the scoped party's with --party."))
    delta: Delta | None = None
    sources: list[SourceRow] = Field(default=[], description="Synced sources by name; empty when tickets came only "
                                                             "from imports or by hand.")
    limits: list[str] = Field(description="What this snapshot cannot know (e.g. past handoff states).")


def json_schema() -> dict:
    """The published JSON Schema of the snapshot (docs/snapshot.schema.json is this, committed)."""
    schema = Snapshot.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
