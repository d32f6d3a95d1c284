"""One ticket: both SLA clocks with their explain timeline, the event log, its handoffs; quick actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static

from comanage_tui.data.errors import NotFound
from comanage_tui.data.models import Handoff, Ticket, TicketEvent
from comanage_tui.data.readmodel.clocks import NO_POLICY, TicketClock, ticket_clocks
from comanage_tui.data.readmodel.figures import left_text
from comanage_tui.data.readmodel.held import ClockHeld, held_for_rows
from comanage_tui.data.sla.engine import Clock, Event
from comanage_tui.data.sla.explain import Explanation, exact_duration, explain, format_duration, held_text
from comanage_tui.screens.base import ComanageScreen
from comanage_tui.screens.ticket_actions import Lookups, TicketActions, load_lookups
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.safe import clean, text
from comanage_tui.widgets.states import clock_label, handoff_label, status_label, tone_style

SEGMENT_LABELS = {
    "running": "● running", "paused": "‖ paused", "outside_hours": "· off hours",
    "holiday": "✱ holiday", "closed": "· closed", "stopped": "■ stopped",
}


@dataclass
class DetailLoaded(Message):
    ticket: Ticket
    clocks: TicketClock | None
    explanation: Explanation | None
    events: list[TicketEvent]
    handoffs: list[Handoff]
    lookups: Lookups
    zone: str
    held: ClockHeld | None = None
    """Each clock's time per holding party and paused (readmodel.held), None without clocks."""


@dataclass
class DetailMissing(Message):
    ticket_id: int


class TicketDetailScreen(TicketActions, ComanageScreen):
    """Everything about one ticket. Escape goes back to where it was opened from."""

    EDIT_ACTIONS = frozenset({"edit", "status", "reassign", "respond"})

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the list", id="ticket.back"),
        Binding("e", "edit", "Edit", tooltip="Edit the ticket (form)", id="ticket.edit"),
        Binding("s", "status", "Status", tooltip="Set the status", id="ticket.status"),
        Binding("a", "reassign", "Assign", tooltip="Reassign: hand the ticket to another party or person", id="ticket.reassign"),
        Binding("r", "respond", "Reply", tooltip="Record a response (reply) to the requester now", id="ticket.respond"),
    ]

    def __init__(self, ticket_id: int):
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: Ticket | None = None
        self.held: ClockHeld | None = None
        """Time held per party of both clocks, as shown (readmodel.held)."""
        self.sub_title = "Ticket"

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("Loading…", id="detail-title", classes="screen-title")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-clocks")
            yield Static(id="detail-timeline")
            yield Static(id="detail-events")
            yield Static(id="detail-handoffs")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#detail-body").focus()

    def reload(self) -> None:
        self._load(self.comanage.now())

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load(self, now: int) -> None:
        store = self.comanage.store
        try:
            ticket = store.tickets.get(self.ticket_id)
        except NotFound:
            self.post_message(DetailMissing(self.ticket_id))
            return
        ctx = self.read_context(store, now)
        rows = ticket_clocks(store, ctx, "t.id = ?", (self.ticket_id,), now)
        row = rows[0] if rows else None
        held = held_for_rows(store, ctx, rows, now).get(self.ticket_id)
        events = store.tickets.events(self.ticket_id)
        expl = None
        policy = next((p for p in ctx.policies if row is not None and p.name == row.policy), None)
        if policy is not None and row.policy != NO_POLICY and policy.calendar in ctx.calendars:
            log = [Event(e.at, e.kind.value, e.status.value if e.status else None, e.party_key, e.person_id,
                         e.priority.value if e.priority else None) for e in events]
            expl = explain(log, policy, ctx.calendars[policy.calendar], now)
        cal = ctx.internal_calendar()
        zone = expl.timezone if expl is not None else (cal.spec.timezone if cal is not None else "UTC")
        handoffs = [h for h in ctx.handoffs(store, open_only=False) if h.ticket_id == self.ticket_id] \
            if ctx.past is not None else store.handoffs.list(open_only=False, ticket_id=self.ticket_id)
        self.post_message(DetailLoaded(ticket, row, expl, events, handoffs, load_lookups(store), zone, held))

    def on_detail_missing(self, message: DetailMissing) -> None:
        self.app.notify(f"Ticket {message.ticket_id} no longer exists.", severity="warning", markup=False)
        self.dismiss_detail()

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self.ticket, self.lookups = message.ticket, message.lookups
        self.held = message.held
        zone = ZoneInfo(message.zone)
        t = message.ticket
        self.sub_title = f"Ticket {clean(t.ref)}"
        people = {p.id: p.name for p in message.lookups.people}
        title = text(f"{t.ref} · {t.priority.value} · ", "bold")
        status, tone = status_label(t.status)
        title.append(status, style=tone_style(self.app, tone) + Style(bold=True))
        holder = f"{t.holder_party_key}" + (f" ({people.get(t.holder_person_id, '?')})" if t.holder_person_id else "")
        title.append_text(text(f" · held by {holder} · area {t.area_key or '–'}"))
        self.query_one("#detail-title", Static).update(title)
        self.query_one("#detail-clocks", Static).update(self._clocks(message, zone))
        self.query_one("#detail-timeline", Static).update(self._timeline(message.explanation, zone))
        self.query_one("#detail-events", Static).update(self._events(message.events, people, zone))
        self.query_one("#detail-handoffs", Static).update(self._handoffs(message.handoffs, zone))

    # --- rendering -----------------------------------------------------------------------

    def _clocks(self, m: DetailLoaded, zone: ZoneInfo) -> Text:
        out = text(m.ticket.title, "bold", single_line=False)
        out.append("\n")
        if m.clocks is None or m.clocks.policy == NO_POLICY:
            out.append("No SLA policy matches this ticket: no clocks.\n")
            return out
        out.append_text(text(f"Policy {m.clocks.policy}", "dim"))
        if m.explanation is not None:
            out.append_text(text(f" · calendar {m.explanation.calendar} ({m.explanation.timezone})", "dim"))
        out.append("\n")
        for clock in m.clocks.clocks():
            out.append_text(self._clock_line(clock, zone))
            if m.held is not None:
                # To the second, so the parties add up to the elapsed time explain gives.
                out.append(" " * 11 + "held: ", style="dim")
                verdict = f" · counts for {clock.verdict_holder}" if clock.state in ("met", "missed") else ""
                out.append_text(text(held_text(m.held.of(clock.name)) + verdict, single_line=False))
                out.append("\n")
        return out

    def _clock_line(self, c: Clock, zone: ZoneInfo) -> Text:
        label, tone = clock_label(c.state)
        line = Text(f"{c.name.capitalize():<11}", end="")
        line.append(f"{label:<11}", style=tone_style(self.app, tone))
        line.append(f" {format_duration(c.elapsed_seconds)} of {format_duration(c.target_seconds)} ({c.elapsed_percent:.0f}%)")
        if c.stopped_at is not None and c.state in ("met", "missed"):
            line.append(f", stopped {_when(c.stopped_at, zone)}")
        else:
            line.append(f", {left_text(c)}")
            if c.due_at is not None and c.state != "breached":
                line.append(f", due {_when(c.due_at, zone)}")
        if c.breached_at is not None:
            line.append(f", ran out {_when(c.breached_at, zone)}")
            if c.breach_holder:
                line.append_text(text(f" while held by {c.breach_holder}"))
        line.append("\n")
        return line

    def _timeline(self, expl: Explanation | None, zone: ZoneInfo) -> Text:
        out = Text("\nSLA timeline (business time each segment adds to the clocks, who held it)\n", style="bold", end="")
        if expl is None:
            out.append("(no explanation: no policy)\n")
            return out
        if not expl.segments:
            out.append("(no history before now)\n")
        for seg in expl.segments:
            start = dt.datetime.fromtimestamp(seg.start, zone)
            end = dt.datetime.fromtimestamp(seg.end, zone)
            end_text = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%d %b %H:%M")
            out.append(f"{start:%d %b %H:%M}–{end_text:<12} {SEGMENT_LABELS.get(seg.kind, seg.kind):<11} "
                       f"{exact_duration(seg.counted_seconds) if seg.kind == 'running' else '–':>7}  ")
            # "outside business hours" says again what the label says; the other reasons add to it.
            reason = "" if seg.kind in ("outside_hours", "closed") else f": {seg.reason}"
            out.append_text(text(f"{seg.holder}/{seg.status.replace('_', ' ')}{reason}"))
            out.append("\n")
        return out

    def _events(self, events: list[TicketEvent], people: dict[int, str], zone: ZoneInfo) -> Text:
        out = Text("\nEvents\n", style="bold", end="")
        for e in events:
            parts = [e.kind.value]
            if e.status:
                parts.append(status_label(e.status)[0])
            if e.party_key:
                parts.append(f"→ {e.party_key}" + (f" ({people.get(e.person_id, e.person_id)})" if e.person_id else ""))
            if e.priority:
                parts.append(e.priority.value)
            out.append(f"{_when(e.at, zone)}  ")
            out.append_text(text(" ".join(str(p) for p in parts) + (f" · {e.note}" if e.note else ""), limit=300))
            out.append("\n")
        return out

    def _handoffs(self, handoffs: list[Handoff], zone: ZoneInfo) -> Text:
        out = Text(f"\nHandoffs ({len(handoffs)})\n", style="bold", end="")
        if not handoffs:
            out.append("none\n")
        for h in handoffs:
            label, tone = handoff_label(h.state)
            out.append(f"{label:<15}", style=tone_style(self.app, tone))
            bounced = f" · bounced {h.bounce_count}×" if h.bounce_count else ""
            out.append_text(text(f" {h.from_party_key}→{h.to_party_key} {_when(h.requested_at, zone)}{bounced}: {h.summary}"))
            if h.return_reason:
                out.append_text(text(f" (returned: {h.return_reason})"))
            out.append("\n")
        return out

    # --- actions ---------------------------------------------------------------------------

    def dismiss_detail(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss_detail()

    def _loaded(self) -> Ticket | None:
        if self.ticket is None:
            self.app.notify("Still loading the ticket.", markup=False)
        return self.ticket

    def action_edit(self) -> None:
        """Edit the ticket."""
        if (t := self._loaded()) is not None:
            self.open_edit_form(t)

    def action_status(self) -> None:
        """Set the status."""
        if (t := self._loaded()) is not None:
            self.open_status_form(t)

    def action_reassign(self) -> None:
        """Hand the ticket to another party or person."""
        if (t := self._loaded()) is not None:
            self.open_reassign_form(t)

    def action_respond(self) -> None:
        """Record a response to the requester now."""
        if (t := self._loaded()) is not None:
            self.ask_response(t)


def _when(t: float, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(t, zone).strftime("%a %d %b %H:%M")
