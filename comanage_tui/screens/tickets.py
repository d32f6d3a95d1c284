"""Tickets: every record through the paged table; filter, sort, open, new and edit.

The filter line is the single source of truth: free words match reference and title, and
tokens narrow further (`is:open`, `is:closed`, `party:msp`, `p:P1`, `area:network`,
`status:new`). The cycle keys (f, p, a, !) rewrite their token in that line, so what is
applied is always what is written there. Filtering, sorting and paging run in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from comanage_tui.data.models import Priority
from comanage_tui.data.repos.tickets import TicketQuery
from comanage_tui.screens.base import ComanageScreen
from comanage_tui.screens.filter_line import FilterLine
from comanage_tui.screens.ticket_actions import Lookups, TicketActions, load_lookups
from comanage_tui.screens.ticket_source import TicketSource
from comanage_tui.widgets.fields import FieldInput
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.paged_table import Column, PagedTable, Sort
from comanage_tui.widgets.safe import clean

# At 80 columns the title gets what the narrow columns leave; `w` adds area and opened.
COLUMNS = [
    Column("ref", "Ref", 9),
    Column("priority", "P", 2),
    Column("status", "Status", 13),
    Column("holder", "Holder", 8),
    Column("area", "Area", 10, optional=True),
    Column("opened", "Opened", 11, optional=True),
    Column("title", "Title", 12, flex=True),
]
TOKENS = {"is": "open", "party": "party", "p": "priority", "prio": "priority", "area": "area", "status": "status"}
FILTER_HELP = "/ words is:open|closed party:KEY p:P1 area:KEY status:NAME"


@dataclass
class LookupsLoaded(Message):
    """Parties, areas and people for the forms and the cycle keys."""

    lookups: Lookups


def parse_filter(line: str) -> TicketQuery:
    """The TicketQuery a filter line means; unknown tokens are kept as words (so nothing is lost)."""
    words: list[str] = []
    fields: dict[str, object] = {}
    for part in line.split():
        name, sep, value = part.partition(":")
        field = TOKENS.get(name.lower()) if sep and value else None
        if field == "open":
            if value.lower() in ("open", "closed"):
                fields["open"] = value.lower() == "open"
                continue
            field = None
        if field == "priority":
            value = value.upper()
        elif field is not None:
            value = value.lower()
        if field is not None:
            fields[field] = value
        else:
            words.append(part)
    return TicketQuery(text=" ".join(words), **fields)  # type: ignore[arg-type]


class TicketsScreen(FilterLine, TicketActions, ComanageScreen):
    """All tickets, newest first; `/` filters, `>`/`<` sort, Enter opens."""

    MODE = "tickets"
    AUTO_FOCUS = "#tickets"  # the table, not the filter line: a key pressed at once is a command, not filter text
    EDIT_ACTIONS = frozenset({"new", "edit"})
    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip=FILTER_HELP, id="tickets.filter"),
        Binding("n", "new", "New", tooltip="New ticket (form)", id="tickets.new"),
        Binding("e", "edit", "Edit", tooltip="Edit the highlighted ticket (form)", id="tickets.edit"),
        Binding("f", "cycle_open", "Open/closed", show=False, tooltip="Cycle: all → open → closed", id="tickets.cycle_open"),
        Binding("p", "cycle_party", "Party", show=False, tooltip="Cycle the holder party filter", id="tickets.cycle_party"),
        Binding("a", "cycle_area", "Area", show=False, tooltip="Cycle the area filter", id="tickets.cycle_area"),
        Binding("exclamation_mark", "cycle_priority", "Priority", show=False, tooltip="Cycle the priority filter", id="tickets.cycle_priority"),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="Clear the filter line", id="tickets.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "Tickets"
        self.lookups: Lookups | None = None

    def compose(self) -> ComposeResult:
        yield from self.header()
        yield FieldInput(placeholder=FILTER_HELP, id="ticket-filter", compact=True, classes="filter-line")
        yield Static("Loading…", id="ticket-status", classes="status-line")
        self.source = TicketSource(self.comanage.store, lambda: self.comanage.reader)
        yield PagedTable(COLUMNS, self.source, query=TicketQuery(), sort=Sort("opened", True),
                         id="tickets")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#tickets", PagedTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#ticket-filter", Input)

    def reload(self) -> None:
        if self.is_mounted:
            self.source.forget()
            self.table.reload()
        self._load_lookups()

    @work(thread=True, exclusive=True, group="ticket-lookups", exit_on_error=False)
    def _load_lookups(self) -> None:
        self.post_message(LookupsLoaded(load_lookups(self.comanage.store)))

    def on_lookups_loaded(self, message: LookupsLoaded) -> None:
        self.lookups = message.lookups

    # --- filter ---------------------------------------------------------------------------

    @on(Input.Changed, "#ticket-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_query(parse_filter(event.value))

    @on(Input.Submitted, "#ticket-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def on_paged_table_moved(self, message: PagedTable.Moved) -> None:
        t = message.table
        q = t.query or TicketQuery()
        total = f"{t.total:,}" if t.counted else f"{t.total:,}+"
        position = f"{t.cursor + 1:,}/{total}" if t.total else "no tickets match"
        arrow = "▼" if t.sort.descending else "▲"
        scope = {True: "open", False: "closed", None: "all"}[q.open]
        # layout=False: the line's size never changes, so no relayout of the screen per keystroke.
        self.query_one("#ticket-status", Static).update(
            clean(f"{position} · {scope} · sorted by {t.sort.column} {arrow}" + (" · filtered" if self.filter_input.value.strip() else "")),
            layout=False)

    def action_cycle_open(self) -> None:
        """All → open → closed."""
        current = {True: "open", False: "closed", None: None}[parse_filter(self.filter_input.value).open]
        self._cycle("is", ["open", "closed"], current)

    def action_cycle_party(self) -> None:
        """Cycle the holder party."""
        parties = [p.key for p in self.lookups.parties] if self.lookups else []
        self._cycle("party", parties, parse_filter(self.filter_input.value).party)

    def action_cycle_area(self) -> None:
        """Cycle the area."""
        areas = [a.key for a in self.lookups.areas] if self.lookups else []
        self._cycle("area", areas, parse_filter(self.filter_input.value).area)

    def action_cycle_priority(self) -> None:
        """Cycle the priority."""
        self._cycle("p", [p.value for p in Priority], parse_filter(self.filter_input.value).priority)

    # --- open, new, edit ---------------------------------------------------------------------

    def on_paged_table_row_selected(self, message: PagedTable.RowSelected) -> None:
        if message.key is not None:
            from comanage_tui.screens.ticket_detail import TicketDetailScreen

            self.app.push_screen(TicketDetailScreen(int(message.key)))

    def action_new(self) -> None:
        """A new ticket."""
        self.open_new_form()

    def action_edit(self) -> None:
        """Edit the highlighted ticket (read fresh, so the form starts from what is saved)."""
        if self.refuse_edit():
            return
        key = self.table.cursor_key
        if key is None:
            self.app.notify("No ticket highlighted.", markup=False)
            return
        self._fetch_for_edit(int(key))

    @work(thread=True, exclusive=True, group="ticket-edit", exit_on_error=False)
    def _fetch_for_edit(self, ticket_id: int) -> None:
        ticket = self.comanage.store.tickets.get(ticket_id)
        self.app.call_from_thread(self.open_edit_form, ticket)
