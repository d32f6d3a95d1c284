"""Handoffs between parties: requested → acknowledged → accepted | returned (and re-requested).

A return is a bounce: `bounce_count` counts them. Accepting a handoff that names a ticket
moves the ticket to the receiving party in the same transaction, so the SLA attribution
and the handoff never disagree about who holds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from comanage_tui.data.errors import InvalidInput, NotFound
from comanage_tui.data.models import EventKind, Handoff, HandoffIn, HandoffState, HandoffUpdate
from comanage_tui.data.repos.base import Repo
from comanage_tui.data.validation import validate

_SELECT = (
    "SELECT h.*, t.ref AS ticket_ref, f.key AS from_party_key, o.key AS to_party_key FROM handoffs h "
    "JOIN parties f ON f.id = h.from_party_id JOIN parties o ON o.id = h.to_party_id "
    "LEFT JOIN tickets t ON t.id = h.ticket_id"
)
# Which states each action may start from.
_ALLOWED = {
    "acknowledge": {HandoffState.REQUESTED},
    "accept": {HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED},
    "return": {HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED},
    "rerequest": {HandoffState.RETURNED},
}


class HandoffRepo(Repo):
    """Create handoffs and move them through their states."""

    def get(self, handoff_id: int) -> Handoff:
        row = self.store.query_one(f"{_SELECT} WHERE h.id = ?", (handoff_id,))
        if row is None:
            raise NotFound(f"handoff {handoff_id} does not exist")
        return Handoff.model_validate(dict(row))

    def list(self, *, open_only: bool = True, ticket_id: int | None = None, limit: int = 1000,
             open_at: float | None = None, states: Sequence[str] | None = None,
             requested_from: float | None = None) -> list[Handoff]:
        """Oldest request first. `open_at`: only those open at that moment (requested by then, not closed by then);
        `states`: only those in these states; `requested_from`: only those requested then or later."""
        clauses, params = [], []
        if open_only:
            clauses.append("h.state IN ('requested', 'acknowledged')")
        if states is not None:
            clauses.append(f"h.state IN ({','.join('?' * len(states))})")
            params += list(states)
        if requested_from is not None:
            clauses.append("h.requested_at >= ?")
            params.append(requested_from)
        if open_at is not None:
            clauses.append("h.requested_at <= ? AND (h.closed_at IS NULL OR h.closed_at > ?)")
            params += [open_at, open_at]
        if ticket_id is not None:
            clauses.append("h.ticket_id = ?")
            params.append(ticket_id)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.store.query(f"{_SELECT}{where} ORDER BY h.requested_at, h.id LIMIT ?", [*params, limit])
        return [Handoff.model_validate(dict(r)) for r in rows]

    def create(self, data: HandoffIn | Mapping[str, Any]) -> Handoff:
        h = validate(HandoffIn, data)
        with self.store.write() as conn:
            from_id = self.id_for_key(conn, "parties", h.from_party, "from_party")
            to_id = self.id_for_key(conn, "parties", h.to_party, "to_party")
            self.check_person(conn, h.from_person_id, "from_person_id", from_id)
            self.check_person(conn, h.to_person_id, "to_person_id", to_id)
            ticket_id = None
            if h.ticket_ref:
                row = conn.execute("SELECT id FROM tickets WHERE ref = ?", (h.ticket_ref,)).fetchone()
                if row is None:
                    raise InvalidInput("ticket_ref", f"no ticket with reference '{h.ticket_ref}'")
                ticket_id = row[0]
            cur = conn.execute(
                "INSERT INTO handoffs (ticket_id, from_party_id, from_person_id, to_party_id, to_person_id, summary, context, "
                "state, ack_target_minutes, requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?)",
                (ticket_id, from_id, h.from_person_id, to_id, h.to_person_id, h.summary, h.context, h.ack_target_minutes, h.requested_at, self.store.now()),
            )
            new_id = int(cur.lastrowid)
            self.store.audit(conn, "insert", "handoff", new_id, None, h.model_dump(mode="json"))
        return self.get(new_id)

    def update(self, handoff_id: int, data: HandoffUpdate | Mapping[str, Any], *, expected_version: int | None = None) -> Handoff:
        """Edit what a handoff says, who is named on it and its ack target (not its state).

        Raises:
            Conflict: `expected_version` is given and someone saved the handoff since.
            InvalidInput: an accepted handoff (history by then), a bad value, or a person
                who does not belong to that side's party.
        """
        given = validate(HandoffUpdate, data).model_dump(exclude_unset=True)
        with self.store.write() as conn:
            row = self.fetch_for_update(conn, "handoffs", handoff_id, expected_version)
            if row["state"] == HandoffState.ACCEPTED:
                raise InvalidInput("state", "an accepted handoff is history and cannot be edited")
            sets: dict[str, Any] = {}
            for field in ("summary", "context", "ack_target_minutes"):
                if given.get(field) is not None and given[field] != row[field]:
                    sets[field] = given[field]
            for field, party_id in (("from_person_id", row["from_party_id"]), ("to_person_id", row["to_party_id"])):
                if field in given and given[field] != row[field]:
                    self.check_person(conn, given[field], field, party_id)
                    sets[field] = given[field]
            if sets:
                assignments = ", ".join(f"{k} = ?" for k in sets)
                conn.execute(f"UPDATE handoffs SET {assignments}, version = version + 1, updated_at = ? WHERE id = ?",
                             [*sets.values(), self.store.now(), handoff_id])
                self.store.audit(conn, "update", "handoff", handoff_id, {k: row[k] for k in sets}, sets)
        return self.get(handoff_id)

    def acknowledge(self, handoff_id: int, *, at: int | None = None, expected_version: int | None = None) -> Handoff:
        return self._transition(handoff_id, "acknowledge", at, expected_version)

    def accept(self, handoff_id: int, *, at: int | None = None, expected_version: int | None = None) -> Handoff:
        return self._transition(handoff_id, "accept", at, expected_version)

    def return_(self, handoff_id: int, reason: str, *, at: int | None = None, expected_version: int | None = None) -> Handoff:
        if not reason or not reason.strip():
            raise InvalidInput("reason", "say why the handoff goes back")
        if len(reason) > 2000:
            raise InvalidInput("reason", "at most 2000 characters")
        return self._transition(handoff_id, "return", at, expected_version, reason=reason.strip())

    def rerequest(self, handoff_id: int, *, at: int | None = None, expected_version: int | None = None) -> Handoff:
        return self._transition(handoff_id, "rerequest", at, expected_version)

    def _transition(self, handoff_id: int, action: str, at: int | None, expected_version: int | None, reason: str = "") -> Handoff:
        with self.store.write() as conn:
            row = self.fetch_for_update(conn, "handoffs", handoff_id, expected_version)
            state = HandoffState(row["state"])
            if state not in _ALLOWED[action]:
                raise InvalidInput("state", f"cannot {action} a handoff that is {state.value}")
            when = self.store.now() if at is None else at
            if when < row["requested_at"]:
                raise InvalidInput("at", "cannot be before the handoff was requested")
            sets: dict[str, Any]
            if action == "acknowledge":
                sets = {"state": "acknowledged", "acknowledged_at": when}
            elif action == "accept":
                sets = {"state": "accepted", "acknowledged_at": row["acknowledged_at"] or when, "closed_at": when}
                if row["ticket_id"] is not None:
                    self._move_ticket(conn, row, when)
            elif action == "return":
                sets = {"state": "returned", "acknowledged_at": row["acknowledged_at"] or when, "closed_at": when,
                        "return_reason": reason, "bounce_count": row["bounce_count"] + 1}
            else:
                sets = {"state": "requested", "requested_at": when, "acknowledged_at": None, "closed_at": None}
            assignments = ", ".join(f"{k} = ?" for k in sets)
            conn.execute(
                f"UPDATE handoffs SET {assignments}, version = version + 1, updated_at = ? WHERE id = ?",
                [*sets.values(), self.store.now(), handoff_id],
            )
            self.store.audit(conn, action, "handoff", handoff_id, {k: row[k] for k in sets}, sets)
        return self.get(handoff_id)

    def restore(self, handoff_id: int, before: Handoff, *, expected_version: int,
                ticket_holder: tuple[str, int | None] | None = None) -> Handoff:
        """Undo one state change: put back the state fields `before` had (audited as "undo").

        `ticket_holder` (party key, person id): who held the handoff's ticket before an
        accept moved it; the ticket goes back to them with an assign event.

        Raises:
            Conflict: the handoff changed since the change being undone (`expected_version`).
        """
        fields = ("state", "requested_at", "acknowledged_at", "closed_at", "return_reason", "bounce_count")
        with self.store.write() as conn:
            row = self.fetch_for_update(conn, "handoffs", handoff_id, expected_version)
            sets = {f: getattr(before, f).value if f == "state" else getattr(before, f) for f in fields}
            if ticket_holder is not None and row["ticket_id"] is not None:
                party_id = self.id_for_key(conn, "parties", ticket_holder[0], "party")
                self._move_ticket(conn, {**dict(row), "to_party_id": party_id, "to_person_id": ticket_holder[1]},
                                  self.store.now(), note=f"handoff {handoff_id} accept undone")
            conn.execute(f"UPDATE handoffs SET {', '.join(f'{k} = ?' for k in sets)}, version = version + 1, updated_at = ? "
                         "WHERE id = ?", [*sets.values(), self.store.now(), handoff_id])
            self.store.audit(conn, "undo", "handoff", handoff_id, {k: row[k] for k in sets}, sets)
        return self.get(handoff_id)

    def _move_ticket(self, conn, handoff_row, when: int, note: str = "") -> None:  # sqlite3 types
        """The receiving party now holds the ticket: an assign event on the ticket."""
        ticket = conn.execute("SELECT holder_party_id, reassignment_count FROM tickets WHERE id = ?", (handoff_row["ticket_id"],)).fetchone()
        if ticket is None or ticket["holder_party_id"] == handoff_row["to_party_id"]:
            return
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM ticket_events WHERE ticket_id = ?", (handoff_row["ticket_id"],)).fetchone()[0]
        conn.execute(
            "INSERT INTO ticket_events (ticket_id, seq, at, kind, party_id, person_id, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (handoff_row["ticket_id"], seq, when, EventKind.ASSIGN.value, handoff_row["to_party_id"], handoff_row["to_person_id"], note or f"handoff {handoff_row['id']} accepted"),
        )
        conn.execute(
            "UPDATE tickets SET holder_party_id = ?, holder_person_id = ?, reassignment_count = reassignment_count + 1, "
            "version = version + 1, updated_at = ? WHERE id = ?",
            (handoff_row["to_party_id"], handoff_row["to_person_id"], self.store.now(), handoff_row["ticket_id"]),
        )
