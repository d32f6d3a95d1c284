"""Ticket writes shared by the Tickets list and the ticket detail: forms, the write worker, conflicts.

Forms come from widgets/form.py (dialogs from widgets/dialogs.py) and validate with the pydantic input models as you type.
What only the database can say (a duplicate reference, a person outside the party) comes
back as InvalidInput naming the field: the form is reopened with the reason under that field.
A Conflict (someone saved the ticket since it was loaded) asks: reload theirs, or overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import work
from textual.message import Message

from comanage_tui.data.errors import ComanageError, Conflict, InvalidInput
from comanage_tui.data.models import Area, Party, Person, Priority, Ticket, TicketIn, TicketKind, TicketStatus, TicketUpdate
from comanage_tui.data.store import Store
from comanage_tui.ui_errors import describe
from comanage_tui.widgets.dialogs import ConfirmScreen, PromptScreen
from comanage_tui.widgets.form import FormField, FormScreen
from comanage_tui.widgets.safe import clean, text
from comanage_tui.widgets.states import status_label

Change = Callable[[Store], Any]
FORM_FIELDS = frozenset(TicketIn.model_fields) | frozenset(TicketUpdate.model_fields)


@dataclass
class Lookups:
    """Choices the forms offer, read by a worker (the UI thread never queries SQLite)."""

    parties: list[Party]
    areas: list[Area]
    people: list[Person]


@dataclass
class TicketWritten(Message):
    """A ticket write finished. On failure `error` is set; `retry` overwrites, `reopen` re-shows the form."""

    note: str
    ticket_id: int | None
    error: ComanageError | None = None
    retry: Change | None = None
    reopen: Callable[[InvalidInput], None] | None = None


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


class TicketActions:
    """Mixin for screens that change tickets. Needs `comanage`, `refuse_edit()` and `reload()`."""

    lookups: Lookups | None = None

    # --- forms ----------------------------------------------------------------------------

    def open_new_form(self, values: dict[str, Any] | None = None, error: InvalidInput | None = None) -> None:
        if self.refuse_edit() or not self._have_lookups():
            return
        form = FormScreen("New ticket", ticket_fields(self.lookups, new=True), TicketIn, values=values,
                          extra={"opened_at": self.comanage.now()}, check=_known_error(error, values))

        def save(data: TicketIn | None) -> None:
            if data is not None:
                dumped = data.model_dump(mode="json")
                self.write_ticket(f"Created {clean(data.ref)}", None, lambda s: s.tickets.add(data),
                                  reopen=lambda exc: self.open_new_form(_form_values(dumped), exc))

        self._push_form(form, save, error)

    def open_edit_form(self, ticket: Ticket, values: dict[str, Any] | None = None, error: InvalidInput | None = None) -> None:
        if self.refuse_edit() or not self._have_lookups():
            return
        # A reopened form shows the user's values, so "changed" is worked out against the record here.
        form = FormScreen(f"Edit {clean(ticket.ref)}", ticket_fields(self.lookups, new=False), TicketUpdate,
                          values={**ticket_values(ticket), **(values or {})}, only_changed=values is None,
                          check=_known_error(error, values))

        def save(data: TicketUpdate | None) -> None:
            if data is None:
                return
            changes = changed_fields(data, ticket)
            if not changes:
                self.comanage.notify("Nothing changed.", markup=False)
                return
            update = TicketUpdate(**changes)
            at = self.comanage.now()
            self.write_ticket(f"Saved {clean(ticket.ref)}", ticket.id,
                              lambda s: s.tickets.update(ticket.id, update, expected_version=ticket.version, at=at),
                              retry=lambda s: s.tickets.update(ticket.id, update, at=at),
                              reopen=lambda exc: self.open_edit_form(ticket, _form_values(changes), exc))

        self._push_form(form, save, error)

    def open_status_form(self, ticket: Ticket) -> None:
        self._quick_form(ticket, "Set status", ["status"])

    def open_reassign_form(self, ticket: Ticket) -> None:
        self._quick_form(ticket, "Reassign", ["party", "person_id"])

    def _quick_form(self, ticket: Ticket, title: str, names: list[str]) -> None:
        if self.refuse_edit() or not self._have_lookups():
            return
        fields = [f for f in ticket_fields(self.lookups, new=False) if f.name in names]
        form = FormScreen(f"{title}: {clean(ticket.ref)}", fields, TicketUpdate,
                          values=ticket_values(ticket), only_changed=True)

        def save(data: TicketUpdate | None) -> None:
            changes = changed_fields(data, ticket) if data is not None else {}
            if changes:
                update, at = TicketUpdate(**changes), self.comanage.now()
                self.write_ticket(f"{title}: {clean(ticket.ref)}", ticket.id,
                                  lambda s: s.tickets.update(ticket.id, update, expected_version=ticket.version, at=at),
                                  retry=lambda s: s.tickets.update(ticket.id, update, at=at))

        self.comanage.push_screen(form, save)

    def ask_response(self, ticket: Ticket) -> None:
        """Record a reply to the requester now (stops the response clock)."""
        if self.refuse_edit():
            return

        def save(note: str | None) -> None:
            if note is not None:
                self.write_ticket(f"Response recorded on {clean(ticket.ref)}", ticket.id,
                                  lambda s: s.tickets.record_response(ticket.id, at=self.comanage.now(), note=note))

        self.comanage.push_screen(PromptScreen(f"Record a response: {clean(ticket.ref)}", "Note (optional)",
                                               required=False, max_length=20_000), save)

    def _push_form(self, form: FormScreen, save: Callable[[Any], None], error: InvalidInput | None) -> None:
        self.comanage.push_screen(form, save)
        if error is not None:
            # Show every reason at once, the database's one under its field (save refuses while it stands).
            form.call_after_refresh(form.action_save)

    def _have_lookups(self) -> bool:
        if self.lookups is None:
            self.comanage.notify("Still loading the parties and areas; try again in a moment.", markup=False)
            return False
        return True

    # --- writing ---------------------------------------------------------------------------

    def write_ticket(self, note: str, ticket_id: int | None, change: Change, *, retry: Change | None = None,
                     reopen: Callable[[InvalidInput], None] | None = None) -> None:
        self._write_ticket(TicketWritten(note, ticket_id, None, retry, reopen), change)

    @work(thread=True, exclusive=False, group="ticket-write", exit_on_error=False)
    def _write_ticket(self, outcome: TicketWritten, change: Change) -> None:
        try:
            result = change(self.comanage.store)
        except ComanageError as exc:
            outcome.error = exc
        else:
            if isinstance(result, Ticket):
                outcome.ticket_id = result.id
        self.post_message(outcome)

    def on_ticket_written(self, message: TicketWritten) -> None:
        exc = message.error
        if exc is None:
            self.comanage.notify(message.note, markup=False)
            self.comanage.saved()
            self.after_write(message.ticket_id)
            return
        if isinstance(exc, Conflict) and message.retry is not None:
            retry = message.retry

            def choose(answer: str | None) -> None:
                if answer == "overwrite":
                    self.write_ticket(message.note + " (overwritten)", message.ticket_id, retry)
                elif answer == "reload":
                    self.reload()

            self.comanage.push_screen(ConfirmScreen.for_conflict(exc), choose)
            return
        if isinstance(exc, InvalidInput) and message.reopen is not None and exc.field.split(".")[0] in FORM_FIELDS:
            message.reopen(exc)
            return
        self.comanage.notify(describe(exc), title="Not saved", severity="error", markup=False)

    def after_write(self, ticket_id: int | None) -> None:
        """Hook: what to show after a successful save (the list reloads via DataChanged)."""


def changed_fields(data: TicketUpdate, ticket: Ticket) -> dict[str, Any]:
    """The fields of `data` that differ from the ticket (None means "leave as it is" to the store)."""
    start = {**ticket_values(ticket), "hours_spent": ticket.hours_spent}
    given = data.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    return {k: v for k, v in given.items() if v != start.get(k)}


def _form_values(dumped: dict[str, Any]) -> dict[str, Any]:
    values = dict(dumped)
    if values.get("hours_spent") is not None:
        values["hours_spent"] = f"{values['hours_spent']:g}"
    return values


def _known_error(error: InvalidInput | None, values: dict[str, Any] | None) -> Callable[[Any], dict[str, str]] | None:
    """A form check that keeps the database's complaint under its field until that value changes."""
    if error is None:
        return None
    field = error.field.split(".")[0]
    bad = (values or {}).get(field)

    def check(model: Any) -> dict[str, str]:
        current = getattr(model, field, None)
        current = getattr(current, "value", current)
        return {field: error.message} if current == bad else {}

    return check
