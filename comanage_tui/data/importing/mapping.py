"""The import mapping: how a PSA/ITSM CSV export's columns and values become comanage tickets.

A mapping is a TOML file (documented in docs/IMPORT.md) laid over a preset's defaults:
tables merge key by key, lists and plain values replace. Matching of source values
(states, priorities, groups, categories) ignores case and surrounding spaces.
"""

from __future__ import annotations

import copy
import re
import string
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.models import Criticality, Key, Name, PartyKind, Priority, TicketKind, TicketStatus
from comanage_tui.data.validation import validate

KEEP = "keep"
"""A state mapped to "keep" leaves the status as it was (for stray values such as ServiceNow's -100)."""

PRESETS = ("servicenow", "jira", "generic")
RESPONSE_RULES = ("first_touch", "first_non_new", "first_person", "none")


def norm(value: str) -> str:
    """How source values are compared: case and surrounding spaces do not matter."""
    return value.strip().casefold()


MAX_TEMPLATE_WIDTH = 500
"""Largest width or precision a title_template field may ask for."""


class _Blank(dict):
    """A row of empty cells, to try a template on."""

    def __missing__(self, key: str) -> str:
        return ""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Columns(_Strict):
    """Source column names. `None` means the export has no such column."""

    ref: str = "ref"
    title: str | None = None
    title_template: str | None = None
    """Alternative to `title`: "{colA} / {colB}" built from any columns of the row."""
    opened_at: str = "opened_at"
    updated_at: str | None = None
    """When the row's change happened (required with event_rows)."""
    order: str | None = None
    """Integer column ordering an incident's update rows (ServiceNow: sys_mod_count)."""
    status: str | None = None
    priority: str | None = None
    group: str | None = None
    """Queue / assignment group / board: decides the holder party."""
    assignee: str | None = None
    category: str | None = None
    """Decides the area (see [areas] and [[area]])."""
    resolved_at: str | None = None
    closed_at: str | None = None
    first_response_at: str | None = None
    sla_met: str | None = None
    reassignment_count: str | None = None
    reopen_count: str | None = None
    time_worked: str | None = None
    """The ticket's total time worked (ServiceNow `time_worked`; Autotask, ConnectWise, Halo hours): see
    `time_worked_unit`. With event_rows, the last update's value counts (the total so far)."""

    @field_validator("title_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        """Refuse a template that could not format every row, or would build a huge string per row."""
        if value is None:
            return value
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError as exc:
            raise ValueError(f"not a valid template: {exc}") from None
        for _literal, name, spec, _conversion in parts:
            widths = [int(n) for n in re.findall(r"\d+", spec or "")]
            if spec and ("{" in spec or max(widths, default=0) > MAX_TEMPLATE_WIDTH):
                raise ValueError(f"'{{{name}:{spec}}}' asks for a width or precision over {MAX_TEMPLATE_WIDTH} (the limit; "
                                 "titles are cut to 500 characters) or nests a field; use a plain {column}")
        try:
            value.format_map(_Blank())
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"cannot format a row: {exc}") from None
        return value


class PartySpec(_Strict):
    key: Key
    name: Name
    kind: PartyKind = PartyKind.PARTNER
    groups: list[str] = []
    """Source group/queue names this party works under."""


class PartiesSettings(_Strict):
    default: Key
    """Party for groups the mapping does not name (each such group is reported)."""
    missing: Literal["keep", "default"] = "keep"
    """A row with no group keeps the current holder ("keep") or goes to the default party."""


class AreaSpec(_Strict):
    key: Key
    name: Name
    criticality: Criticality = Criticality.MEDIUM
    categories: list[str] = []


class AreasSettings(_Strict):
    auto_create: bool = False
    """Create an area per unmapped category (key from its name) instead of leaving the ticket without one."""
    default: Key | None = None
    """Area for unmapped categories when auto_create is off (None: no area; reported either way)."""


class ResponseSettings(_Strict):
    rule: Literal["first_touch", "first_non_new", "first_person", "none"] = "first_touch"


class SlaMetValues(_Strict):
    true: list[str] = ["true", "yes", "1", "met"]
    false: list[str] = ["false", "no", "0", "missed", "breached"]


class ImportMapping(_Strict):
    """A validated mapping; build it with `load_mapping`."""

    preset: Literal["servicenow", "jira", "generic"] = "generic"
    source: str = Field(default="csv", min_length=1, max_length=40)
    """Written to tickets.source; a ref already owned by another source is rejected."""
    kind: TicketKind = TicketKind.INCIDENT
    timezone: str = "UTC"
    date_format: str = "iso"
    """"iso" (offsets honoured; naive times in `timezone`) or a strptime pattern."""
    missing_values: list[str] = [""]
    event_rows: bool = False
    """True: one row per update, grouped by ref; False: one row per ticket."""
    default_priority: Priority | None = None
    time_worked_unit: Literal["seconds", "minutes", "hours"] = "hours"
    """What a plain number in the time_worked column means. "H:MM:SS" / "H:MM" and ServiceNow's
    "1970-01-02 03:30:00" (a duration written as a date since 1970-01-01) are read whatever the unit."""
    columns: Columns = Columns()
    status: dict[str, str] = {}
    priority: dict[str, Priority] = {}
    sla_met: SlaMetValues = SlaMetValues()
    parties: PartiesSettings
    party: list[PartySpec] = []
    areas: AreasSettings = AreasSettings()
    area: list[AreaSpec] = []
    response: ResponseSettings = ResponseSettings()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use a name such as Europe/Lisbon)") from None
        return value

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {s.value for s in TicketStatus} | {KEEP}
        for source, target in value.items():
            if target not in allowed:
                raise ValueError(f"{source!r} = {target!r}: use one of {', '.join(sorted(allowed))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ImportMapping:
        keys = [p.key for p in self.party]
        if len(set(keys)) != len(keys):
            raise ValueError("party: the same key appears twice")
        _no_value_twice("party", "groups", [(p.key, p.groups) for p in self.party])
        _no_value_twice("area", "categories", [(a.key, a.categories) for a in self.area])
        if self.parties.default not in keys:
            raise ValueError(f"parties.default: '{self.parties.default}' is not one of the [[party]] keys")
        if self.areas.default is not None and self.areas.default not in {a.key for a in self.area}:
            raise ValueError(f"areas.default: '{self.areas.default}' is not one of the [[area]] keys")
        if self.columns.title is None and self.columns.title_template is None:
            raise ValueError("columns: give `title` (a column) or `title_template`")
        if self.event_rows and self.columns.updated_at is None:
            raise ValueError("columns.updated_at: needed when event_rows = true (when did each update happen?)")
        if self.columns.priority is None and self.default_priority is None:
            raise ValueError("default_priority: needed when the export has no priority column")
        return self

    def party_of_group(self) -> dict[str, str]:
        return {norm(g): p.key for p in self.party for g in p.groups}

    def area_of_category(self) -> dict[str, str]:
        return {norm(c): a.key for a in self.area for c in a.categories}

    def status_map(self) -> dict[str, str]:
        return {norm(k): v for k, v in self.status.items()}

    def priority_map(self) -> dict[str, str]:
        out = {norm(k): v.value for k, v in self.priority.items()}
        # P1..P4 written as such always mean themselves.
        out.update({p.value.casefold(): p.value for p in Priority})
        return out


def _no_value_twice(table: str, field: str, entries: list[tuple[str, list[str]]]) -> None:
    seen: dict[str, str] = {}
    for key, values in entries:
        for value in values:
            other = seen.setdefault(norm(value), key)
            if other != key:
                raise ValueError(f"{table}.{field}: {value!r} is given to both '{other}' and '{key}'")


# A preset is a plain TOML-shaped dict: what the mapping file would say for that export.
_SERVICENOW: dict[str, Any] = {
    "preset": "servicenow",
    "source": "servicenow",
    "date_format": "%d/%m/%Y %H:%M",
    "missing_values": ["?", ""],
    "time_worked_unit": "seconds",  # time_worked exports as seconds (or as a duration, read either way)
    "event_rows": True,
    "columns": {
        "ref": "number",
        "title_template": "{u_symptom} ({category} / {subcategory})",
        "opened_at": "opened_at",
        "updated_at": "sys_updated_at",
        "order": "sys_mod_count",
        "status": "incident_state",
        "priority": "priority",
        "group": "assignment_group",
        "assignee": "assigned_to",
        "category": "category",
        "sla_met": "made_sla",
        "reassignment_count": "reassignment_count",
        "reopen_count": "reopen_count",
    },
    "status": {
        "New": "new",
        "Active": "in_progress",
        "Awaiting User Info": "waiting_customer",
        "Awaiting Evidence": "waiting_customer",
        "Awaiting Vendor": "waiting_vendor",
        "Awaiting Problem": "waiting_vendor",
        "Resolved": "resolved",
        "Closed": "closed",
        "Canceled": "closed",
    },
    "priority": {"1 - Critical": "P1", "2 - High": "P2", "3 - Moderate": "P3", "4 - Low": "P4", "5 - Planning": "P4"},
    "parties": {"default": "internal"},
    "party": [{"key": "internal", "name": "Internal IT", "kind": "internal"}],
    "response": {"rule": "first_touch"},
}

# Jira Service Management through its REST API (`comanage sync`): the columns are the issue's
# field ids, which is what the Jira source names the values of each update it rebuilds. A Jira
# CSV export names its columns differently ("Issue key", "Created" …): give [columns] then.
_JIRA: dict[str, Any] = {
    "preset": "jira",
    "source": "jira",
    "date_format": "iso",
    "missing_values": [""],
    "event_rows": True,
    "columns": {
        "ref": "key",
        "title": "summary",
        "opened_at": "created",
        "updated_at": "updated",
        "status": "status",
        "priority": "priority",
        "assignee": "assignee",
        "category": "issuetype",
        "resolved_at": "resolutiondate",
        "sla_met": "sla_met",
    },
    # JSM's default workflows; a project's own statuses go in the mapping's [status] table.
    "status": {
        # "Waiting for support": nobody has taken the request (yet, or again after the customer answered).
        "Open": "new", "New": "new", "To Do": "new", "Waiting for support": "new",
        "In Progress": "in_progress", "Work in progress": "in_progress",
        "Escalated": "in_progress", "Under investigation": "in_progress",
        "Waiting for customer": "waiting_customer", "Pending": "waiting_customer",
        "Waiting for vendor": "waiting_vendor",
        "Resolved": "resolved", "Done": "resolved",
        "Closed": "closed", "Canceled": "closed", "Cancelled": "closed", "Declined": "closed",
    },
    "priority": {"Highest": "P1", "Blocker": "P1", "Critical": "P1", "High": "P2", "Major": "P2",
                 "Medium": "P3", "Minor": "P3", "Low": "P4", "Lowest": "P4", "Trivial": "P4"},
    "parties": {"default": "internal"},
    "party": [{"key": "internal", "name": "Internal IT", "kind": "internal"}],
    "response": {"rule": "first_touch"},
}

_GENERIC: dict[str, Any] = {
    "preset": "generic",
    "source": "csv",
    "columns": {"ref": "ref", "title": "title", "opened_at": "opened_at", "status": "status", "priority": "priority"},
    "status": {s.value: s.value for s in TicketStatus},
    "parties": {"default": "internal"},
    "party": [{"key": "internal", "name": "Internal IT", "kind": "internal"}],
    "response": {"rule": "none"},
}

_PRESET_DEFAULTS = {"servicenow": _SERVICENOW, "jira": _JIRA, "generic": _GENERIC}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; everything else (lists included) is replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_mapping(
    path: Path | str | None = None, *, preset: str | None = None, timezone: str | None = None, text: str | None = None
) -> ImportMapping:
    """The mapping for an import: preset defaults, then the TOML file (or `text`), then `--tz`.

    The preset comes from `preset`, else the file's `preset = ...`, else "generic".

    Raises:
        InvalidInput: unreadable TOML, an unknown preset or a value the mapping cannot accept.
    """
    doc: dict[str, Any] = {}
    where = "mapping"
    if path is not None:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(where, f"cannot read the mapping: {exc}") from None
    if text is not None:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(where, f"not valid TOML: {exc}") from None
    chosen = preset or doc.get("preset") or "generic"
    if chosen not in PRESETS:
        raise InvalidInput("preset", f"unknown preset {chosen!r} (use {' or '.join(PRESETS)})")
    if preset and doc.get("preset") not in (None, preset):
        raise InvalidInput("preset", f"--preset {preset} but {where} says preset = {doc['preset']!r}")
    base = _PRESET_DEFAULTS[chosen]
    if "party" in doc and "parties" not in doc:
        # A file that lists its own parties must say which is the default; the preset's would not exist.
        base = {k: v for k, v in base.items() if k != "parties"}
    merged = _merge(base, doc | {"preset": chosen})
    if timezone is not None:
        merged["timezone"] = timezone
    return validate(ImportMapping, merged, where, sep=": ")


MAX_WORKED_HOURS = 100_000.0
_HMS = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")
_SN_DURATION = re.compile(r"^1970-01-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


def worked_hours(value: str, unit: str) -> float:
    """A time-worked cell as hours: a number in `unit`, "H:MM[:SS]", or ServiceNow's "1970-01-DD HH:MM:SS".

    Raises:
        ValueError: anything else, a negative value, or more than MAX_WORKED_HOURS.
    """
    v = value.strip()
    m = _HMS.match(v)
    n = _SN_DURATION.match(v)
    if m:
        seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
    elif n:
        seconds = (int(n.group(1)) - 1) * 86_400 + int(n.group(2)) * 3600 + int(n.group(3)) * 60 + int(n.group(4))
    else:
        try:
            number = float(v.replace(",", ".")) if v.count(",") == 1 and "." not in v else float(v)
        except ValueError:
            raise ValueError(f"'{value}' is not a time worked (a number of {unit}, H:MM:SS, or 1970-01-01 HH:MM:SS)") from None
        if number != number or number < 0:  # NaN or negative
            raise ValueError(f"'{value}' is not a time worked (negative or not a number)")
        seconds = number * _UNIT_SECONDS[unit]
    hours = seconds / 3600
    if hours > MAX_WORKED_HOURS:
        raise ValueError(f"'{value}' is more than {MAX_WORKED_HOURS:,.0f} hours")
    return round(hours, 4)
