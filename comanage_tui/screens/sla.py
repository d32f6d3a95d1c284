"""SLA: every open clock, soonest to breach first; filter by party, area, priority and state.

Clocks are recomputed from the event logs (readmodel.clocks.open_ticket_clocks) on the app's
reader connection and counted with readmodel.figures; the list is paged like the tickets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from comanage_tui.data.models import Priority
from comanage_tui.screens.base import ComanageScreen
from comanage_tui.screens.filter_line import FilterLine
from comanage_tui.widgets.fields import FieldInput
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.paged_table import Column, ListSource, PagedTable, Row, Sort
from comanage_tui.widgets.safe import clean, text
from comanage_tui.widgets.states import CLOCK_ORDER, clock_label

if TYPE_CHECKING:  # the read model is imported by the load worker, off the UI thread
    from comanage_tui.data.readmodel.clocks import TicketClock
    from comanage_tui.data.readmodel.figures import ClockCounts
    from comanage_tui.data.sla.attribution import Held
    from comanage_tui.data.sla.engine import Clock
    from comanage_tui.data.sla.ola import Hop

# At 80 columns the title gets what the narrow columns leave (36 cells); `w` adds holder and area,
# then the time held by us / by partners (all four at once from 120 columns).
COLUMNS = [
    Column("due", "Left (bus.)", 12, right=True),
    Column("state", "State", 10),
    Column("clock", "Clock", 6),
    Column("ref", "Ref", 9),
    Column("priority", "P", 2),
    Column("holder", "Holder", 8, optional=True, group=1),
    Column("area", "Area", 10, optional=True, group=1),
    Column("us", "Us", 5, right=True, optional=True, group=2),
    Column("them", "Ptnr", 5, right=True, optional=True, group=2),
    Column("title", "Title", 10, flex=True),
]
STATES = ["breached", "at_risk", "running", "paused"]
FILTER_HELP = "/ words party:KEY area:KEY p:P1 state:breached|at_risk|running|paused"


@dataclass(frozen=True, slots=True)
class OpenClock:
    """One open clock of one ticket (a ticket with both clocks open is two rows)."""

    ticket: TicketClock
    clock: Clock
    left: int
    """Business minutes left to the target, negative when over (readmodel.figures.left_minutes)."""
    text: str
    """The same as "2h 5m left" / "8h 33m over" (readmodel.figures.left_text)."""
    us: float = 0.0
    """Business seconds this clock counted while an internal party held the ticket (readmodel.held.by_side)."""
    them: float = 0.0
    """The same while a partner held it."""
    held: Held | None = None
    """Every party's held time and the paused time (readmodel.held.clock_held)."""

    @property
    def key(self) -> str:
        return f"{self.ticket.ticket_id}:{self.clock.name}"

    @property
    def due_in(self) -> tuple[int, float]:
        """Sort key: least business time left first, then the soonest deadline."""
        return self.left, self.clock.due_at if self.clock.due_at is not None else math.inf


@dataclass(frozen=True)
class SlaFilter:
    text: str = ""
    party: str | None = None
    area: str | None = None
    priority: str | None = None
    state: str | None = None


def parse_sla_filter(line: str) -> SlaFilter:
    words, fields = [], {}
    names = {"party": "party", "area": "area", "p": "priority", "prio": "priority", "state": "state"}
    for part in line.split():
        name, sep, value = part.partition(":")
        field = names.get(name.lower()) if sep and value else None
        if field is None:
            words.append(part.casefold())
        else:
            fields[field] = value.upper() if field == "priority" else value.lower().replace(" ", "_")
    return SlaFilter(" ".join(words), **fields)


def matches(item: OpenClock, f: SlaFilter) -> bool:
    t = item.ticket
    if f.party and t.holder != f.party or f.area and t.area != f.area:
        return False
    if f.priority and t.priority != f.priority or f.state and item.clock.state.value != f.state:
        return False
    return not f.text or all(w in f"{t.ref} {t.title}".casefold() for w in f.text.split())


def clock_row(item: OpenClock) -> Row:
    t, c = item.ticket, item.clock
    label, tone = clock_label(c.state)
    return Row(item.key, (item.text, label, "resp." if c.name == "response" else "resol.", clean(t.ref), t.priority,
                          clean(t.holder), clean(t.area or "–"), _held(item.us), _held(item.them),
                          clean(t.title)), (tone, tone))


def _held(seconds: float) -> str:
    from comanage_tui.data.readmodel.figures import short_duration  # loaded by the worker that made the items

    return short_duration(seconds) if seconds else "–"


SORT_KEYS = {
    "due": lambda i: (i.due_in, i.ticket.ticket_id),
    "state": lambda i: (CLOCK_ORDER.index(i.clock.state.value), i.due_in),
    "clock": lambda i: (i.clock.name, i.due_in),
    "ref": lambda i: i.ticket.ref,
    "priority": lambda i: (i.ticket.priority, i.due_in),
    "holder": lambda i: (i.ticket.holder, i.due_in),
    "area": lambda i: (i.ticket.area or "", i.due_in),
    "us": lambda i: (-i.us, i.due_in),
    "them": lambda i: (-i.them, i.due_in),
    "title": lambda i: i.ticket.title.casefold(),
}


@dataclass
class ClocksLoaded(Message):
    items: list[OpenClock]
    parties: list[str]
    areas: list[str]
    counts: ClockCounts
    uncovered: int = 0
    """Open tickets no SLA policy covers (readmodel.coverage): they have no rows here."""


@dataclass
class OlaHopsLoaded(Message):
    """The open OLA hop of each listed ticket (by ticket id), for the line under the table."""

    hops: dict[int, Hop]
    zone: str


def ola_line(ticket_id: int | None, hops: dict[int, Hop], zone: str) -> str:
    """"OLA msp: 6h 45m left of 24h 0m · ● running · since 19 Nov 12:14 · 24x7" for the highlighted clock."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from comanage_tui.data.readmodel.figures import hm
    from comanage_tui.data.readmodel.ola import hop_left_text

    if ticket_id is None:
        return ""
    hop = hops.get(ticket_id)
    if hop is None:
        return "OLA: no open hop"
    since = dt.datetime.fromtimestamp(hop.start, ZoneInfo(zone)).strftime("%d %b %H:%M")
    if hop.state is None:
        return f"OLA {hop.party}: no OLA target for {hop.priority} · held since {since}"
    return (f"OLA {hop.party}: {hop_left_text(hop)} of {hm(int((hop.target_seconds or 0) // 60))} · "
            f"{clock_label(hop.state)[0]} · since {since} · {hop.calendar}")


class SlaScreen(FilterLine, ComanageScreen):
    """Open clocks by time to breach; Enter opens the ticket with its explain timeline."""

    MODE = "sla"
    FIGURES = ("breached", "at_risk", "due_today", "left", "held", "attribution", "uncovered")  # explained in the ? help
    AUTO_FOCUS = "#clocks"  # the table, not the filter line: a key pressed at once is a command, not filter text
    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip=FILTER_HELP, id="sla.filter"),
        Binding("f", "cycle_state", "State", tooltip="Cycle: all → breached → at risk → running → paused", id="sla.cycle_state"),
        Binding("p", "cycle_party", "Party", tooltip="Cycle the holder party", id="sla.cycle_party"),
        Binding("a", "cycle_area", "Area", show=False, tooltip="Cycle the area", id="sla.cycle_area"),
        Binding("exclamation_mark", "cycle_priority", "Priority", show=False, tooltip="Cycle the priority", id="sla.cycle_priority"),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="Clear the filter line", id="sla.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "SLA"
        self.items: list[OpenClock] = []
        self.parties: list[str] = []
        self.areas: list[str] = []
        self.counts: ClockCounts | None = None
        self.hops: dict[int, Hop] = {}
        self.hop_zone = "UTC"
        self.uncovered = 0

    def compose(self) -> ComposeResult:
        yield from self.header()
        yield FieldInput(placeholder=FILTER_HELP, id="sla-filter", compact=True, classes="filter-line")
        yield Static("Computing the open clocks…", id="sla-status", classes="status-line")
        yield PagedTable(COLUMNS, None, query=SlaFilter(), sort=Sort("due"), id="clocks")
        yield Static("", id="sla-ola", classes="status-line")  # the highlighted ticket's OLA hop
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#clocks", PagedTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#sla-filter", Input)

    def reload(self) -> None:
        self._load(self.comanage.now())

    @work(thread=True, exclusive=True, group="sla-load", exit_on_error=False)
    def _load(self, now: int) -> None:
        from comanage_tui.data.readmodel.clocks import open_ticket_clocks
        from comanage_tui.data.readmodel.context import end_of_business_today
        from comanage_tui.data.readmodel.coverage import uncovered_tickets
        from comanage_tui.data.readmodel.figures import count_clocks, left_minutes, left_text
        from comanage_tui.data.readmodel.held import by_side, held_for_rows

        store = self.comanage.reader
        ctx = self.read_context(store, now)
        rows = open_ticket_clocks(store, ctx, now)
        held = held_for_rows(store, ctx, rows, now)
        kinds = {p.key: p.kind.value for p in ctx.parties.values()}
        items = []
        for r in rows:
            for c in r.open_clocks:
                h = held[r.ticket_id].of(c.name)
                items.append(OpenClock(r, c, left_minutes(c), left_text(c), *by_side(h, kinds), h))
        counts = count_clocks((i.clock for i in items), end_of_business_today(ctx, now))
        self.post_message(ClocksLoaded(items, sorted(p.key for p in ctx.parties.values()),
                                       sorted(a.key for a in ctx.areas.values()), counts,
                                       uncovered_tickets(store, ctx, now).uncovered_open))
        # Then each listed ticket's open OLA hop (readmodel/ola.py), from the events already read.
        from comanage_tui.data.readmodel.ola import current_hops

        cal = ctx.internal_calendar()
        self.post_message(OlaHopsLoaded(current_hops(ctx, ctx.olas, rows, now), cal.timezone if cal else "UTC"))

    def on_clocks_loaded(self, message: ClocksLoaded) -> None:
        self.items, self.parties, self.areas = message.items, message.parties, message.areas
        self.counts = message.counts
        self.uncovered = message.uncovered
        source = ListSource(message.items, clock_row, SORT_KEYS, matches)
        table = self.table
        if table.source is None:
            table.set_source(source, parse_sla_filter(self.filter_input.value))
        else:
            table.source = source
            table.reload()

    def on_ola_hops_loaded(self, message: OlaHopsLoaded) -> None:
        self.hops, self.hop_zone = message.hops, message.zone
        self._show_ola()

    def _show_ola(self) -> None:
        table = self.table
        key = table.cursor_key if table.total else None
        ticket_id = int(str(key).split(":")[0]) if key is not None else None
        self.query_one("#sla-ola", Static).update(text(ola_line(ticket_id, self.hops, self.hop_zone)), layout=False)

    def on_paged_table_moved(self, message: PagedTable.Moved) -> None:
        self._show_ola()
        t = message.table
        n = self.counts
        if n is None:
            return
        arrow = "▼" if t.sort.descending else "▲"
        where = f"{t.cursor + 1:,}/{t.total:,}" if t.total else "no clocks match"
        shown = "" if t.total == len(self.items) else f" of {len(self.items):,}"
        # Tickets without a policy have no clocks to list: said instead of the sort, which the header's arrow shows too.
        last = f"⚠ {self.uncovered:,} no policy" if self.uncovered else f"sorted by {t.sort.column} {arrow}"
        self.query_one("#sla-status", Static).update(clean(
            f"{where}{shown} open clocks · ✖ {n.breached} breached · ▲ {n.at_risk} at risk · ◷ {n.due_today} due today · "
            f"{last}"),
            layout=False)

    @on(Input.Changed, "#sla-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_query(parse_sla_filter(event.value))

    @on(Input.Submitted, "#sla-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def action_cycle_state(self) -> None:
        """All → breached → at risk → running → paused."""
        self._cycle("state", STATES, parse_sla_filter(self.filter_input.value).state)

    def action_cycle_party(self) -> None:
        """Cycle the holder party."""
        self._cycle("party", self.parties, parse_sla_filter(self.filter_input.value).party)

    def action_cycle_area(self) -> None:
        """Cycle the area."""
        self._cycle("area", self.areas, parse_sla_filter(self.filter_input.value).area)

    def action_cycle_priority(self) -> None:
        """Cycle the priority."""
        self._cycle("p", [p.value for p in Priority], parse_sla_filter(self.filter_input.value).priority)

    def on_paged_table_row_selected(self, message: PagedTable.RowSelected) -> None:
        if message.key is not None:
            from comanage_tui.screens.ticket_detail import TicketDetailScreen

            self.app.push_screen(TicketDetailScreen(int(str(message.key).split(":")[0])))
