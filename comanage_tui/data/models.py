"""Pydantic models of the co-managed IT domain: what the store accepts and returns.

Input models (`…In`, `…Update`) validate at the boundary so that a bad value raises a
clear error naming the field before any transaction starts. Row models mirror tables.
Timestamps are unix epoch seconds (UTC ints); calendar dates are `datetime.date`.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from comanage_tui.data.timerange import MAX_EPOCH, MIN_EPOCH, check_date

# Length limits: generous for real data, small enough that a pasted log file is refused.
NAME_MAX = 200
TITLE_MAX = 500
NOTE_MAX = 20_000

Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _date_in_range(value: dt.date | None) -> dt.date | None:
    """Dates before 1970 or after 2200 are typing slips, and break the calendar arithmetic downstream."""
    return check_date(value, "the date")


def _no_control(value: str | None) -> str | None:
    """Names and keys are labels: control characters there are always a mistake."""
    if value is not None and _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


class PartyKind(StrEnum):
    INTERNAL = "internal"
    PARTNER = "partner"


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Raci(StrEnum):
    RESPONSIBLE = "R"
    ACCOUNTABLE = "A"
    CONSULTED = "C"
    INFORMED = "I"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_VENDOR = "waiting_vendor"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class TicketKind(StrEnum):
    INCIDENT = "incident"
    REQUEST = "request"
    CHANGE = "change"
    PROBLEM = "problem"


class EventKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"
    ASSIGN = "assign"
    PRIORITY = "priority"
    RESPONSE = "response"
    NOTE = "note"


class HandoffState(StrEnum):
    REQUESTED = "requested"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @property
    def is_open(self) -> bool:
        return self in (HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED)


class KtKind(StrEnum):
    RUNBOOK = "runbook"
    WALKTHROUGH = "walkthrough"
    SHADOWING = "shadowing"
    REVERSE_SHADOWING = "reverse_shadowing"
    ACCESS_HANDOVER = "access_handover"


class KtDirection(StrEnum):
    PARTNER_TO_INTERNAL = "partner_to_internal"
    INTERNAL_TO_PARTNER = "internal_to_partner"


class KtStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", from_attributes=True)


# --- parties, people, areas -------------------------------------------------


class PartyIn(_In):
    key: Key
    name: Name
    kind: PartyKind = PartyKind.PARTNER
    description: Note = ""
    calendar: Name | None = None  # business calendar used for this party's handoff ack clocks

    _names = field_validator("name")(_no_control)


class Party(_Row):
    id: int
    key: str
    name: str
    kind: PartyKind
    description: str = ""
    calendar: str | None = None


class PersonIn(_In):
    party: Key
    name: Name
    email: Annotated[str, StringConstraints(max_length=NAME_MAX)] = ""
    role: Annotated[str, StringConstraints(max_length=NAME_MAX)] = ""

    _names = field_validator("name", "email", "role")(_no_control)


class Person(_Row):
    id: int
    party_id: int
    party_key: str
    name: str
    email: str = ""
    role: str = ""
    active: bool = True


class AreaIn(_In):
    key: Key
    name: Name
    criticality: Criticality = Criticality.MEDIUM
    description: Note = ""

    _names = field_validator("name")(_no_control)


class Area(_Row):
    id: int
    key: str
    name: str
    criticality: Criticality
    description: str = ""


# --- tickets -----------------------------------------------------------------


class TicketIn(_In):
    """A new ticket. Its first event ("opened") is written from these fields."""

    ref: Ref
    title: Title
    area: Key | None = None
    priority: Priority = Priority.P3
    kind: TicketKind = TicketKind.INCIDENT
    status: TicketStatus = TicketStatus.NEW
    party: Key
    person_id: int | None = None
    opened_at: int = Field(ge=MIN_EPOCH, le=MAX_EPOCH)
    hours_spent: float = Field(default=0.0, ge=0, le=100_000)
    notes: Note = ""
    source: Annotated[str, StringConstraints(max_length=40)] = "manual"

    _ref = field_validator("ref")(_no_control)


class TicketUpdate(_In):
    """Fields an edit may change. Status, holder and priority changes become events."""

    title: Title | None = None
    area: Key | None = None
    priority: Priority | None = None
    kind: TicketKind | None = None
    status: TicketStatus | None = None
    party: Key | None = None
    person_id: int | None = None
    hours_spent: float | None = Field(default=None, ge=0, le=100_000)
    notes: Note | None = None


class Ticket(_Row):
    id: int
    ref: str
    source: str
    title: str
    area_id: int | None
    area_key: str | None = None
    priority: Priority
    kind: TicketKind
    status: TicketStatus
    holder_party_id: int
    holder_party_key: str | None = None
    holder_person_id: int | None = None
    opened_at: int
    first_response_at: int | None = None
    resolved_at: int | None = None
    closed_at: int | None = None
    hours_spent: float = 0.0
    reassignment_count: int = 0
    reopen_count: int = 0
    source_sla_met: bool | None = None
    notes: str = ""
    version: int = 1
    updated_at: int


class TicketEventIn(_In):
    at: int = Field(ge=MIN_EPOCH, le=MAX_EPOCH)
    kind: EventKind
    status: TicketStatus | None = None
    party: Key | None = None
    person_id: int | None = None
    priority: Priority | None = None
    note: Note = ""


class TicketEvent(_Row):
    id: int
    ticket_id: int
    seq: int
    at: int
    kind: EventKind
    status: TicketStatus | None = None
    party_id: int | None = None
    party_key: str | None = None
    person_id: int | None = None
    priority: Priority | None = None
    note: str = ""


# --- handoffs ----------------------------------------------------------------


class HandoffIn(_In):
    from_party: Key
    to_party: Key
    from_person_id: int | None = None
    to_person_id: int | None = None
    ticket_ref: Ref | None = None
    summary: Title
    context: Note = ""
    ack_target_minutes: int = Field(default=60, gt=0, le=60 * 24 * 30)
    requested_at: int = Field(ge=MIN_EPOCH, le=MAX_EPOCH)

    @field_validator("to_party")
    @classmethod
    def _different(cls, v: str, info):  # pydantic signature
        if v == info.data.get("from_party"):
            raise ValueError("a handoff goes to a different party than it comes from")
        return v


class HandoffUpdate(_In):
    """What an edit may change on a handoff: its words, who is named, the ack target.

    The state moves only through the actions (acknowledge, accept, return, re-request).
    A person field given as None clears it; the other fields ignore None.
    """

    summary: Title | None = None
    context: Note | None = None
    from_person_id: int | None = None
    to_person_id: int | None = None
    ack_target_minutes: int | None = Field(default=None, gt=0, le=60 * 24 * 30)


class Handoff(_Row):
    id: int
    ticket_id: int | None = None
    ticket_ref: str | None = None
    from_party_id: int
    from_party_key: str
    from_person_id: int | None = None
    to_party_id: int
    to_party_key: str
    to_person_id: int | None = None
    summary: str
    context: str = ""
    state: HandoffState
    ack_target_minutes: int
    bounce_count: int = 0
    requested_at: int
    acknowledged_at: int | None = None
    closed_at: int | None = None
    return_reason: str = ""
    version: int = 1
    updated_at: int


# --- knowledge transfer ------------------------------------------------------


class KtItemIn(_In):
    area: Key
    topic: Title
    kind: KtKind = KtKind.RUNBOOK
    direction: KtDirection = KtDirection.PARTNER_TO_INTERNAL
    teacher_id: int | None = None
    learner_ids: list[int] = []
    status: KtStatus = KtStatus.PLANNED
    due_date: dt.date | None = None
    doc_link: Annotated[str, StringConstraints(max_length=2000)] = ""
    last_reviewed: dt.date | None = None
    review_interval_days: int | None = Field(default=None, gt=0, le=3650)
    notes: Note = ""

    _dates = field_validator("due_date", "last_reviewed")(_date_in_range)


class KtItemUpdate(_In):
    topic: Title | None = None
    status: KtStatus | None = None
    due_date: dt.date | None = None
    doc_link: Annotated[str, StringConstraints(max_length=2000)] | None = None
    last_reviewed: dt.date | None = None
    review_interval_days: int | None = Field(default=None, gt=0, le=3650)
    teacher_id: int | None = None
    learner_ids: list[int] | None = None
    notes: Note | None = None

    _dates = field_validator("due_date", "last_reviewed")(_date_in_range)


class CapabilitiesIn(_In):
    """Who can do an area's work (the coverage view's form): person ids; an empty list is allowed."""

    people: list[int] = Field(default_factory=list, max_length=500)


class KtItem(_Row):
    id: int
    area_id: int
    area_key: str
    topic: str
    kind: KtKind
    direction: KtDirection
    teacher_id: int | None = None
    learner_ids: list[int] = []
    status: KtStatus
    due_date: dt.date | None = None
    doc_link: str = ""
    last_reviewed: dt.date | None = None
    review_interval_days: int | None = None
    notes: str = ""
    version: int = 1
    updated_at: int

    def is_stale(self, today: dt.date) -> bool:
        """A reviewed document whose review interval has run out."""
        if self.last_reviewed is None or self.review_interval_days is None:
            return False
        return today > self.last_reviewed + dt.timedelta(days=self.review_interval_days)

    def is_overdue(self, today: dt.date) -> bool:
        return self.due_date is not None and self.status in (KtStatus.PLANNED, KtStatus.IN_PROGRESS) and today > self.due_date


class AuditEntry(_Row):
    id: int
    at: int
    actor: str
    action: str
    entity: str
    entity_id: str | None = None
    before: str | None = None
    after: str | None = None
