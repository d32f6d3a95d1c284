"""Ticket writes shared by the Tickets list and the ticket detail: forms, the write worker, conflicts.

Forms come from widgets/form.py (dialogs from widgets/dialogs.py) and validate with the pydantic input models as you type.
What only the database can say (a duplicate reference, a person outside the party) comes
back as InvalidInput naming the field: the form, which writes for itself, stays open with the
reason under that field. A Conflict asks: reload theirs, or overwrite (Escape: back to the form).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from comanage_tui.data.models import Area, Party, Person, Priority, Ticket, TicketIn, TicketKind, TicketStatus, TicketUpdate
from comanage_tui.data.store import Store
from comanage_tui.screens.writes import StoreWrites
from comanage_tui.widgets.dialogs import PromptScreen
from comanage_tui.widgets.form import FormField, FormScreen, Submit
from comanage_tui.widgets.safe import clean, text
from comanage_tui.widgets.states import status_label


@dataclass
class Lookups:
    """Choices the forms offer, read by a worker (the UI thread never queries SQLite)."""

    parties: list[Party]
    areas: list[Area]
    people: list[Person]


def load_lookups(store: Store) -> Lookups:
    return Lookups(store.org.parties(), store.org.areas(), store.org.people())


def _enum_choices(enum: type) -> list[tuple[str, str]]:
    return [(m.value.replace("_", " "), m.value) for m in enum]


def ticket_fields(lookups: Lookups, *, new: bool) -> list[FormField]:
    """The fields of the new/edit ticket forms (choices are cleaned: names come from users)."""
    # Labels are Text, not str: Select would read a str as markup ("[/oops]" in a name crashes it).
    people = [(text(f"{p.name} ({p.party_key})"), p.id) for p in lookups.people]
    fields = [
        FormField("title", "Title", required=True),
        FormField("area", "Area", kind="select", choices=[(text(a.name), a.key) for a in lookups.areas]),
        FormField("priority", "Priority", kind="select", choices=[(p.value, p.value) for p in Priority], default="P3", required=True),
        FormField("kind", "Kind", kind="select", choices=_enum_choices(TicketKind), default="incident", required=True),
        FormField("status", "Status", kind="select", choices=[(status_label(s)[0], s.value) for s in TicketStatus],
                  default="new", required=True),
        FormField("party", "Held by party", kind="select", choices=[(text(p.name), p.key) for p in lookups.parties],
                  default=next((p.key for p in lookups.parties if p.kind == "internal"), None), required=True),
        FormField("person_id", "Held by person", kind="select", choices=people, help="must belong to that party"),
        FormField("hours_spent", "Hours spent", placeholder="e.g. 1.5", help="hands-on hours logged"),
        FormField("notes", "Notes", kind="multiline", empty=""),
    ]
    if new:
        fields.insert(0, FormField("ref", "Reference", required=True, help="the PSA's ticket number"))
    return fields


def ticket_values(t: Ticket) -> dict[str, Any]:
    """The form's starting values, as stored: the form shows text through `clean_input` (a stored
    escape sequence never reaches the terminal) and diffs edits against what it shows, so a
    field the user does not touch is never rewritten."""
    return {"title": t.title, "area": t.area_key, "priority": t.priority.value, "kind": t.kind.value,
            "status": t.status.value, "party": t.holder_party_key, "person_id": t.holder_person_id,
            "hours_spent": f"{t.hours_spent:g}", "notes": t.notes}


class TicketActions(StoreWrites):
    """Mixin for screens that change tickets (ComanageScreens): forms, the response prompt, then the one write path."""

    lookups: Lookups | None = None

    # --- forms ----------------------------------------------------------------------------

    def open_new_form(self) -> None:
        if self.refuse_edit() or not self._have_lookups():
            return

        def write(data: TicketIn) -> Submit:
            return Submit(lambda s: s.tickets.add(data), note=f"Created {clean(data.ref)}")

        form = FormScreen("New ticket", ticket_fields(self.lookups, new=True), TicketIn,
                          extra={"opened_at": self.comanage.now()}, write=write)
        self._push_form(form)

    def open_edit_form(self, ticket: Ticket) -> None:
        if self.refuse_edit() or not self._have_lookups():
            return
        form = FormScreen(f"Edit {clean(ticket.ref)}", ticket_fields(self.lookups, new=False), TicketUpdate,
                          values=ticket_values(ticket), only_changed=True, write=self._update(ticket, "Saved"))
        self._push_form(form)

    def open_status_form(self, ticket: Ticket) -> None:
        self._quick_form(ticket, "Set status", ["status"])

    def open_reassign_form(self, ticket: Ticket) -> None:
        self._quick_form(ticket, "Reassign", ["party", "person_id"])

    def _quick_form(self, ticket: Ticket, title: str, names: list[str]) -> None:
        if self.refuse_edit() or not self._have_lookups():
            return
        fields = [f for f in ticket_fields(self.lookups, new=False) if f.name in names]
        form = FormScreen(f"{title}: {clean(ticket.ref)}", fields, TicketUpdate,
                          values=ticket_values(ticket), only_changed=True, write=self._update(ticket, title))
        self._push_form(form)

    def _update(self, ticket: Ticket, verb: str) -> Callable[[TicketUpdate], Submit | None]:
        """The form's write: only what differs from the record, with the version it was read at."""

        def write(data: TicketUpdate) -> Submit | None:
            changes = changed_fields(data, ticket)
            if not changes:
                return None  # nothing to write: the form closes, `after_form` says so
            update, at = TicketUpdate(**changes), self.comanage.now()
            return Submit(lambda s: s.tickets.update(ticket.id, update, expected_version=ticket.version, at=at),
                          lambda s: s.tickets.update(ticket.id, update, at=at), note=f"{verb} {clean(ticket.ref)}")

        return write

    def ask_response(self, ticket: Ticket) -> None:
        """Record a reply to the requester now (stops the response clock)."""
        if self.refuse_edit():
            return

        def save(note: str | None) -> None:
            if note is not None:
                self.write(f"Response recorded on {clean(ticket.ref)}",
                           lambda s: s.tickets.record_response(ticket.id, at=self.comanage.now(), note=note))

        self.comanage.push_screen(PromptScreen(f"Record a response: {clean(ticket.ref)}", "Note (optional)",
                                               required=False, max_length=20_000), save)

    def _push_form(self, form: FormScreen) -> None:
        """Open a form that writes for itself: it stays open until the store accepts or the user cancels."""

        def closed(data: Any) -> None:
            if data is None:
                return
            if form.written is None:
                self.comanage.notify("Nothing changed.", markup=False)
                return
            self.after_write(form.written)

        self.comanage.push_screen(form, closed)

    def _have_lookups(self) -> bool:
        if self.lookups is None:
            self.comanage.notify("Still loading the parties and areas; try again in a moment.", markup=False)
            return False
        return True


def changed_fields(data: TicketUpdate, ticket: Ticket) -> dict[str, Any]:
    """The fields of `data` that differ from the ticket (None means "leave as it is" to the store)."""
    start = {**ticket_values(ticket), "hours_spent": ticket.hours_spent}
    given = data.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    return {k: v for k, v in given.items() if v != start.get(k)}
