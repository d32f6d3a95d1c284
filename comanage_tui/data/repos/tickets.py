"""Tickets and their event logs. Status, holder and priority changes are written as events.

The ticket row is a convenience summary of its events (current status, holder, times);
SLA clocks are always recomputed from the events, never from the summary.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from comanage_tui.data.errors import InvalidInput, NotFound
from comanage_tui.data.models import (
    EventKind,
    Ticket,
    TicketEvent,
    TicketEventIn,
    TicketIn,
    TicketStatus,
    TicketUpdate,
)
from comanage_tui.data.repos.base import Repo
from comanage_tui.data.validation import validate

OPEN_STATUSES = tuple(s.value for s in TicketStatus if s.is_open)
SORTABLE = {
    "ref": "t.ref",
    "title": "t.title",
    "area": "a.key",
    "priority": "t.priority",
    "status": "t.status",
    "holder": "p.key",
    "opened": "t.opened_at",
    "updated": "t.updated_at",
    "hours": "t.hours_spent",
}
_FROM = "FROM tickets t LEFT JOIN areas a ON a.id = t.area_id JOIN parties p ON p.id = t.holder_party_id"
_SELECT = f"SELECT t.*, a.key AS area_key, p.key AS holder_party_key {_FROM}"
_LIST_COLUMNS = "t.id, t.ref, t.title, t.priority, t.status, t.opened_at, a.key AS area_key, p.key AS holder_party_key"
"""What the Tickets list shows of a ticket (`list_rows`): no notes, no model in between."""


def _like(text: str) -> str:
    """A LIKE pattern matching `text` literally (so % and _ typed in a filter are not wildcards)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class TicketQuery:
    """What the Tickets list shows: filters, sort and one page. All of it runs in SQL."""

    text: str = ""
    open: bool | None = None  # True: open only, False: closed only, None: all
    party: str | None = None
    area: str | None = None
    priority: str | None = None
    status: str | None = None
    sort: str = "opened"
    descending: bool = True
    offset: int = 0
    limit: int = 100

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.text.strip():
            clauses.append("(t.ref LIKE ? ESCAPE '\\' OR t.title LIKE ? ESCAPE '\\')")
            params += [_like(self.text.strip())] * 2
        if self.open is not None:
            marks = ",".join("?" * len(OPEN_STATUSES))
            clauses.append(f"t.status {'IN' if self.open else 'NOT IN'} ({marks})")
            params += OPEN_STATUSES
        for column, value in (("p.key", self.party), ("a.key", self.area), ("t.priority", self.priority), ("t.status", self.status)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _where(q: TicketQuery, within: list[int] | None) -> tuple[str, list[Any]]:
    where, params = q.where()
    if within is None:
        return where, params
    clause = "t.id IN (SELECT value FROM json_each(?))"
    return (f"{where} AND {clause}" if where else f" WHERE {clause}"), [*params, json.dumps(within)]


class TicketRepo(Repo):
    """Create, edit and list tickets; every change to status, holder or priority is an event."""

    # --- reads -------------------------------------------------------------------

    def get(self, ticket_id: int) -> Ticket:
        row = self.store.query_one(f"{_SELECT} WHERE t.id = ?", (ticket_id,))
        if row is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return Ticket.model_validate(dict(row))

    def by_ref(self, ref: str) -> Ticket:
        """The ticket with this reference; `inc100046` finds `INC100046` when no ticket has the exact spelling."""
        row = self.store.query_one(f"{_SELECT} WHERE t.ref = ?", (ref,))
        if row is None:
            # A person types refs in any case; the exact match above keeps using the index.
            rows = self.store.query(f"{_SELECT} WHERE t.ref = ? COLLATE NOCASE LIMIT 2", (ref,))
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise NotFound(f"no ticket with reference '{ref}'")
        return Ticket.model_validate(dict(row))

    def list(self, q: TicketQuery = TicketQuery()) -> list[Ticket]:
        where, params = q.where()
        order = SORTABLE.get(q.sort, "t.opened_at")
        direction = "DESC" if q.descending else "ASC"
        rows = self.store.query(
            f"{_SELECT}{where} ORDER BY {order} {direction}, t.id {direction} LIMIT ? OFFSET ?",
            [*params, q.limit, q.offset],
        )
        return [Ticket.model_validate(dict(r)) for r in rows]

    def count(self, q: TicketQuery = TicketQuery(), *, within: list[int] | None = None) -> int:
        where, params = _where(q, within)
        return int(self.store.scalar(f"SELECT count(*) {_FROM}{where}", params))

    def matching_ids(self, q: TicketQuery, *, within: list[int] | None = None, cap: int) -> list[int]:
        """The ids of the tickets `q` matches (among `within` when given), at most `cap` + 1 of them.

        One row comes back (a JSON array SQLite builds): no per-row trip through Python, which
        would hold the GIL away from a UI thread waiting for its page.
        """
        where, params = _where(q, within)
        found = self.store.scalar(f"SELECT json_group_array(id) FROM (SELECT t.id AS id {_FROM}{where} LIMIT ?)",
                                  [*params, cap + 1])
        return json.loads(found)

    def list_rows(self, q: TicketQuery, *, within: list[int] | None = None) -> list[sqlite3.Row]:
        """One page of the Tickets list as plain rows (id, ref, title, priority, status, opened_at,
        area_key, holder_party_key), sorted by `q.sort`, ties by id.

        `within`: a known small set of ids to look in; it is sorted outright (unary + keeps SQLite
        from walking the sort column's index, which pays only when matches are dense).
        """
        where, params = _where(q, within)
        column = SORTABLE.get(q.sort, "t.opened_at")
        order = f"+{column}" if within is not None else column
        direction = "DESC" if q.descending else "ASC"
        return self.store.query(f"SELECT {_LIST_COLUMNS} {_FROM}{where} ORDER BY {order} {direction}, t.id {direction} "
                                "LIMIT ? OFFSET ?", [*params, q.limit, q.offset])

    def events(self, ticket_id: int) -> list[TicketEvent]:
        rows = self.store.query(
            "SELECT e.*, p.key AS party_key FROM ticket_events e LEFT JOIN parties p ON p.id = e.party_id "
            "WHERE e.ticket_id = ? ORDER BY e.seq",
            (ticket_id,),
        )
        return [TicketEvent.model_validate(dict(r)) for r in rows]

    # --- writes ------------------------------------------------------------------

    def add(self, data: TicketIn | Mapping[str, Any]) -> Ticket:
        """Create a ticket and its "opened" event in one transaction."""
        t = validate(TicketIn, data)
        with self.store.write() as conn:
            party_id = self.id_for_key(conn, "parties", t.party, "party")
            area_id = self.id_for_key(conn, "areas", t.area, "area") if t.area else None
            self.check_person(conn, t.person_id, "person_id", party_id)
            now = self.store.now()
            cur = conn.execute(
                "INSERT INTO tickets (ref, source, title, area_id, priority, kind, status, holder_party_id, holder_person_id, "
                "opened_at, hours_spent, notes, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (t.ref, t.source, t.title, area_id, t.priority, t.kind, t.status, party_id, t.person_id, t.opened_at, t.hours_spent, t.notes, now),
            )
            ticket_id = int(cur.lastrowid)
            conn.execute(
                "INSERT INTO ticket_events (ticket_id, seq, at, kind, status, party_id, person_id, priority) VALUES (?, 1, ?, 'opened', ?, ?, ?, ?)",
                (ticket_id, t.opened_at, t.status, party_id, t.person_id, t.priority),
            )
            self._apply_stop_times(conn, ticket_id, t.status, t.opened_at)
            self.store.audit(conn, "insert", "ticket", ticket_id, None, t.model_dump(mode="json"))
        return self.get(ticket_id)

    def update(
        self,
        ticket_id: int,
        data: TicketUpdate | Mapping[str, Any],
        *,
        expected_version: int | None = None,
        at: int | None = None,
        note: str = "",
    ) -> Ticket:
        """Edit a ticket. Changes of status, holder or priority append events at `at` (default now).

        Raises:
            Conflict: `expected_version` is given and someone saved the ticket since.
            InvalidInput: a value fails validation or names an unknown party/area/person.
        """
        upd = validate(TicketUpdate, data)
        changes = upd.model_dump(exclude_unset=True, exclude_none=True)
        with self.store.write() as conn:
            row = self.fetch_for_update(conn, "tickets", ticket_id, expected_version)
            when = self.store.now() if at is None else at
            if when < row["opened_at"]:
                raise InvalidInput("at", "a change cannot be dated before the ticket was opened")
            before = {k: row[k] for k in row.keys()}
            sets: dict[str, Any] = {}
            for field in ("title", "kind", "hours_spent", "notes"):
                if field in changes and changes[field] != row[field]:
                    sets[field] = changes[field]
            if "area" in changes:
                area_id = self.id_for_key(conn, "areas", changes["area"], "area")
                if area_id != row["area_id"]:
                    sets["area_id"] = area_id
            if "priority" in changes and changes["priority"] != row["priority"]:
                sets["priority"] = changes["priority"]
                self._event(conn, ticket_id, when, EventKind.PRIORITY, priority=changes["priority"], note=note)
            party_id = row["holder_party_id"]
            if "party" in changes:
                party_id = self.id_for_key(conn, "parties", changes["party"], "party")
            person_id = changes.get("person_id", row["holder_person_id"] if party_id == row["holder_party_id"] else None)
            if party_id != row["holder_party_id"] or person_id != row["holder_person_id"]:
                self.check_person(conn, person_id, "person_id", party_id)
                sets["holder_party_id"], sets["holder_person_id"] = party_id, person_id
                if party_id != row["holder_party_id"]:
                    sets["reassignment_count"] = row["reassignment_count"] + 1
                self._event(conn, ticket_id, when, EventKind.ASSIGN, party_id=party_id, person_id=person_id, note=note)
            if "status" in changes and changes["status"] != row["status"]:
                new = TicketStatus(changes["status"])
                sets["status"] = new.value
                if new.is_open and not TicketStatus(row["status"]).is_open:
                    sets["reopen_count"] = row["reopen_count"] + 1
                self._event(conn, ticket_id, when, EventKind.STATUS, status=new.value, note=note)
            if not sets:
                return self.get(ticket_id)
            assignments = ", ".join(f"{k} = ?" for k in sets)
            conn.execute(
                f"UPDATE tickets SET {assignments}, version = version + 1, updated_at = ? WHERE id = ?",
                [*sets.values(), self.store.now(), ticket_id],
            )
            if "status" in sets:
                self._apply_stop_times(conn, ticket_id, sets["status"], when)
            self.store.audit(conn, "update", "ticket", ticket_id, {k: before[k] for k in sets}, sets)
        return self.get(ticket_id)

    def record_response(self, ticket_id: int, *, at: int | None = None, note: str = "") -> Ticket:
        """The first (or a further) reply to the requester: stops the response clock."""
        with self.store.write() as conn:
            row = self.fetch_for_update(conn, "tickets", ticket_id, None)
            when = self.store.now() if at is None else at
            self._event(conn, ticket_id, when, EventKind.RESPONSE, note=note)
            if row["first_response_at"] is None:
                conn.execute(
                    "UPDATE tickets SET first_response_at = ?, version = version + 1, updated_at = ? WHERE id = ?",
                    (when, self.store.now(), ticket_id),
                )
            self.store.audit(conn, "insert", "ticket_event", ticket_id, None, {"kind": "response", "at": when})
        return self.get(ticket_id)

    def add_event(self, ticket_id: int, data: TicketEventIn | Mapping[str, Any]) -> None:
        """Append a raw event (importers and tests); the summary row follows it."""
        ev = validate(TicketEventIn, data)
        changes: dict[str, Any] = {}
        if ev.status is not None:
            changes["status"] = ev.status
        if ev.party is not None:
            changes["party"] = ev.party
        if ev.person_id is not None:
            changes["person_id"] = ev.person_id
        if ev.priority is not None:
            changes["priority"] = ev.priority
        if ev.kind == EventKind.RESPONSE:
            self.record_response(ticket_id, at=ev.at, note=ev.note)
        elif changes:
            self.update(ticket_id, changes, at=ev.at, note=ev.note)

    # --- helpers -----------------------------------------------------------------

    def _event(self, conn: sqlite3.Connection, ticket_id: int, at: int, kind: EventKind, **fields: Any) -> None:
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM ticket_events WHERE ticket_id = ?", (ticket_id,)).fetchone()[0]
        conn.execute(
            "INSERT INTO ticket_events (ticket_id, seq, at, kind, status, party_id, person_id, priority, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, seq, at, kind.value, fields.get("status"), fields.get("party_id"), fields.get("person_id"), fields.get("priority"), fields.get("note", "")),
        )

    @staticmethod
    def _apply_stop_times(conn: sqlite3.Connection, ticket_id: int, status: str, at: int) -> None:
        """Keep resolved_at/closed_at in step with the status (cleared on reopen)."""
        if status == TicketStatus.RESOLVED:
            conn.execute("UPDATE tickets SET resolved_at = ?, closed_at = NULL WHERE id = ?", (at, ticket_id))
        elif status == TicketStatus.CLOSED:
            conn.execute("UPDATE tickets SET resolved_at = coalesce(resolved_at, ?), closed_at = ? WHERE id = ?", (at, at, ticket_id))
        else:
            conn.execute("UPDATE tickets SET resolved_at = NULL, closed_at = NULL WHERE id = ?", (ticket_id,))
