"""What a sync source is: the interface ServiceNow and Jira implement, and Autotask, ConnectWise, HaloPSA will.

A source turns one remote system into what the CSV importer already reads: for every
ticket, the rows of its updates, oldest first, each holding the values the mapping's
columns name (the state after that update). The engine (engine.py) does the rest with
the importer's own Parser, replay and sinks, so a synced ticket is built exactly as an
imported one would be.

A source must:

* `pages(since)`: yield the changed records in ascending order of the remote's update
  time, a page at a time, from `since` (None: from the start) up to a bound fixed when the
  pull starts, so a record updated during the pull does not shift the pages (it is read
  by the next run). The engine commits a page before asking for the next one.
* give each record a `version` that changes whenever the remote record does: an unchanged
  record (read again in the overlap window, or on a page repeated after a kill) is skipped.
* `histories(page, items)`: build the update rows of the records the engine asks for.
* `rewind(cursor, seconds)`: the cursor moved back by the overlap window.
* keep cursors in a format that sorts as text in time order (they are compared as text).

A PSA whose API has no per-field history (Autotask's, ConnectWise's, HaloPSA's ticket
endpoints) can still implement `histories` from what it has (a ticket's notes, its
time entries, or only its current state, giving one row per record), and the same
mapping format applies.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from comanage_tui.data.importing.mapping import Columns, ImportMapping
from comanage_tui.data.sync.config import SourceConfig
from comanage_tui.data.sync.http import HttpClient

DATE_COLUMNS = ("opened_at", "updated_at", "resolved_at", "closed_at", "first_response_at")


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """One remote record as a page lists it."""

    remote_id: str
    """Stable id on the remote (ServiceNow sys_id, Jira issue id)."""
    ref: str
    """The ticket number comanage shows (INC0010001, ITSM-42)."""
    version: str
    updated: str
    """The remote's update time in the cursor's format."""


@dataclass
class Page:
    items: list[RemoteItem]
    total: int | None
    """Records in the whole pull, when the API says (ServiceNow's X-Total-Count), for progress."""
    number: int
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    """Source-private: the records as fetched, by remote id, to build rows from."""


class Source(ABC):
    """One kind of remote system."""

    kind: ClassVar[str]
    date_format: ClassVar[str]
    """How the rows write dates (DateParser format); their zone is `timezone`."""
    timezone: ClassVar[str] = "UTC"

    def __init__(self, config: SourceConfig, http: HttpClient, mapping: ImportMapping):
        self.config, self.http = config, http
        # The mapping as the pipeline reads this source's rows: same columns and values, the API's date format.
        self.mapping = mapping.model_copy(update={"date_format": self.date_format, "timezone": self.timezone})
        self.columns: Columns = mapping.columns
        self.header = header_of(mapping)
        self._dates = {getattr(self.columns, c) for c in DATE_COLUMNS} - {None}

    @abstractmethod
    def pages(self, since: str | None) -> Iterator[Page]:
        """Changed records from `since` on, oldest first, a page at a time."""

    @abstractmethod
    def histories(self, page: Page, items: list[RemoteItem]) -> Iterator[tuple[RemoteItem, list[list[str]]]]:
        """For each of `items` (all on `page`), its update rows in `self.header` order, oldest first."""

    @abstractmethod
    def rewind(self, cursor: str, seconds: int) -> str:
        """`cursor` moved `seconds` back (the overlap window)."""

    def date_column(self, name: str) -> bool:
        """Whether a header column holds a date (read as stored, not as the API displays it)."""
        return name in self._dates


def header_of(mapping: ImportMapping) -> list[str]:
    """Every column the mapping reads (template fields included), once each, in a fixed order."""
    import string

    names: list[str] = []
    cols = mapping.columns
    for name in type(cols).model_fields:
        value = getattr(cols, name)
        if name != "title_template" and value is not None and value not in names:
            names.append(value)
    if cols.title_template:
        for _lit, field_name, _spec, _conv in string.Formatter().parse(cols.title_template):
            if field_name and field_name not in names:
                names.append(field_name)
    return names
