"""Activity screen: who changed what and when, newest first, from the audit log (readmodel/activity.py).

One row per recorded change with its before → after in words; `/` filters by any text of
the row, `>` sorts, `m` reads the next (older) page, Enter jumps to the changed item: the
Split row and cell, the KT item, the handoff or the ticket. In a session showing a past
moment (`--as-of`) only the changes recorded by then are listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from comanage_tui.data.readmodel.activity import PAGE, Change, changes, count, zone
from comanage_tui.data.store import Store
from comanage_tui.screens.listing import ListingScreen, Row, list_bindings, make_table
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.safe import text

COLUMNS = [("When", "when", 11), ("Who", "who", 12), ("Kind", "kind", 8), ("What", "what", None)]
SORTS: list[tuple[str, Callable[[Change], object]]] = [
    ("newest", lambda c: -c.id),
    ("oldest", lambda c: c.id),
    ("who", lambda c: (c.actor.casefold(), -c.id)),
    ("kind", lambda c: (c.kind, -c.id)),
]


@dataclass
class ActivityLoaded(Message):
    """A worker read the newest changes (up to the page count asked for) and how many there are."""

    changes: list[Change]
    total: int
    zone: dt.tzinfo


class ActivityScreen(ListingScreen):
    """The audit log in words: filter, sort, more, and Enter to the changed item."""

    MODE = "activity"
    TITLE_ID, FILTER_ID, TABLE_ID = "act-title", "act-filter", "act-table"
    OPTIONAL = frozenset({"kind"})
    DEFAULT_CSS = """
    ActivityScreen #act-table { height: 1fr; }
    ActivityScreen #act-preview { height: auto; max-height: 4; padding: 0 1; }
    """
    BINDINGS = [
        Binding("enter", "detail", "Open", tooltip="Go to the changed item (Split cell, KT item, handoff, ticket)",
                id="activity.open"),
        Binding("m", "more", "More", tooltip=f"Read the next {PAGE} (older) changes", id="activity.more"),
        *list_bindings(filter_tooltip="Filter by who, what or when (Escape clears)", show_filter=True),
    ]
    AUTO_FOCUS = "#act-table"

    def __init__(self, *args, **kwargs) -> None:  # Screen's signature
        super().__init__(*args, **kwargs)
        self.changes: list[Change] = []
        self.total = 0
        self.pages = 1
        self.zone: dt.tzinfo = dt.UTC

    def compose(self) -> ComposeResult:
        yield from self.list_head("filter: text in who, what, kind or when")
        yield make_table("act-table", COLUMNS, cursor_type="row", zebra_stripes=True)
        yield Static(id="act-preview")
        yield KeyFooter()

    # -- loading ------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.app.now(), self.pages)

    def fetch(self, store: Store, now: int, pages: int) -> ActivityLoaded:
        """The newest `pages` pages of changes (recorded by `now` in a session showing a past moment)."""
        until = now if getattr(self.app, "as_of", False) else None
        return ActivityLoaded(changes(store, until=until, limit=pages * PAGE), count(store, until=until), zone(store))

    def on_activity_loaded(self, message: ActivityLoaded) -> None:
        self.changes, self.total, self.zone = message.changes, message.total, message.zone
        self.loaded()

    def action_more(self) -> None:
        """Read the next page of older changes; the cursor stays where it is."""
        if len(self.changes) >= self.total:
            self.notify("No older changes: the whole log is shown.", markup=False)
            return
        self.pages += 1
        self.reload()

    # -- showing ------------------------------------------------------------------

    def sorts(self) -> list[tuple[str, Callable[[Change], object]]]:
        return SORTS

    def when(self, c: Change) -> str:
        return f"{dt.datetime.fromtimestamp(c.at, self.zone):%m-%d %H:%M}"

    def visible(self) -> list[Change]:
        needle = self.filter_text.casefold().strip()
        rows = [c for c in self.changes
                if not needle or needle in f"{self.when(c)} {c.actor} {c.kind} {c.what}".casefold()]
        return sorted(rows, key=SORTS[self.sort_index][1], reverse=self.sort_reverse)

    def column_spec(self) -> list[tuple[str, str, int | None]]:
        return COLUMNS

    def rows(self) -> list[Row]:
        return [(str(c.id), (Text(self.when(c)), text(c.actor), Text(c.kind), text(c.what, limit=300)))
                for c in self.visible()]

    def title_parts(self) -> list[str]:
        shown = f"{len(self.changes)} of {self.total:,}" if len(self.changes) < self.total else f"{self.total:,}"
        more = [f"m: {PAGE} older"] if len(self.changes) < self.total else []
        return [f"Activity: {shown} {'change' if self.total == 1 else 'changes'}", *more, self.sort_caption()]

    def current(self) -> Change | None:
        key = self.cursor_key()
        return next((c for c in self.changes if str(c.id) == key), None)

    def show_preview(self) -> None:
        c, preview = self.current(), self.query_one("#act-preview", Static)
        if c is None:
            preview.update(text("No changes match." if self._loaded else "Loading…"))
            return
        stamp = dt.datetime.fromtimestamp(c.at, self.zone).isoformat(timespec="seconds")
        where = "Enter opens it" if c.target is not None else "nothing to open"
        preview.update(Text.assemble(text(f"{c.actor} · {stamp} · {c.kind} {c.action} · {where}", "bold"), "\n",
                                     text(c.what, single_line=False, limit=600)))

    # -- Enter: the changed item --------------------------------------------------

    def action_detail(self) -> None:
        """Go to the changed item: the Split row (and cell), the KT item, the handoff or the ticket."""
        c = self.current()
        if c is None:
            return
        if c.target is None:
            self.notify(f"Nothing to open for a change of kind {c.kind}.", markup=False)
            return
        where, ident = c.target
        if ident is None:
            self.notify("That record no longer exists.", severity="warning", markup=False)
            return
        if where == "ticket":
            from comanage_tui.screens.ticket_detail import TicketDetailScreen

            self.app.push_screen(TicketDetailScreen(ident))
            return
        self.app.switch_mode(where)
        base = self.app.screen_stack[0]
        if where == "split":
            area, party = ident
            base.select_area(area, party)  # type: ignore[attr-defined]
        else:
            base.select_id(ident)  # type: ignore[attr-defined]
