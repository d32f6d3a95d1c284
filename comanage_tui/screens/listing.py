"""What the list screens (Split, Handoffs, Knowledge) share: filter line, sort keys, in-place table fill, writes.

A list screen shows rows of one DataTable (the one `table()` returns), a title line
above it, a filter line that `/` opens and Escape closes, and a preview under it. It
reads in a worker (`fetch()`), refills its table in place so the cursor stays on the
same row key, and runs store writes through screens/writes.py (`write()`, answered by `WriteResult`).
Subclasses say what is particular to them: the ids of their widgets, their sorts,
their rows, title parts and preview, and what the detail (Enter) shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from comanage_tui.data.errors import ComanageError
from comanage_tui.data.store import Store
from comanage_tui.screens.base import ComanageScreen
from comanage_tui.screens.writes import LoadFailed, StoreWrites
from comanage_tui.widgets.fields import FieldInput
from comanage_tui.widgets.list_table import ListTable
from comanage_tui.widgets.safe import text

Row = tuple[str, Sequence[Any]]
"""(row key, cells) as a list screen puts it in its table."""


def list_bindings(*, filter_tooltip: str = "Filter by text (Escape clears)", show_filter: bool = False) -> list[Binding]:
    """The keys every list screen shares, for the end of its BINDINGS.

    Not a BINDINGS of `ListingScreen`: Textual merges a base class's bindings ahead of
    the subclass's, which would put these first in the footer and in the `?` list.
    """
    return [
        Binding("greater_than_sign", "sort", "Sort", show=False, tooltip="Sort by the next key", id="list.sort"),
        Binding("less_than_sign", "reverse", "Reverse sort", show=False, tooltip="Reverse the sort direction", id="list.reverse"),
        Binding("slash", "filter", "Filter", show=show_filter, tooltip=filter_tooltip, id="list.filter"),
        Binding("w", "toggle_columns", "More columns", show=False, id="list.columns",
                tooltip="Show or hide the optional columns (the highlighted row is always shown whole below)"),
        Binding("escape", "close_filter", "Clear filter", show=False, id="list.close_filter"),
    ]


Spec = tuple[str, str, int | None]
"""(label, key, width) of a column; width None: the text column, which gets the free width."""


def flex_width(table: DataTable, fixed: Sequence[int], minimum: int = 12) -> int:
    """The text column's width: the table's width less the other columns, their padding and a scrollbar."""
    pad = 2 * table.cell_padding
    width = table.size.width or table.app.size.width
    return max(minimum, width - sum(w + pad for w in fixed) - pad - 1)


def make_table(table_id: str, columns: Sequence[tuple[str, str, int | None]], **options: Any) -> DataTable:
    """A DataTable with these (label, key, width) columns; `options` go to DataTable."""
    table: DataTable = ListTable(id=table_id, **options)
    for label, key, width in columns:
        table.add_column(label, key=key, width=width)
    return table


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 gap", "2 gaps", "0 gaps"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def count(n: int, glyph: str, one: str, many: str | None = None) -> str:
    """A problem count: with its warning glyph only when there is something to warn about ("0 gaps", "⚠ 1 gap")."""
    return f"{glyph} {plural(n, one, many)}" if n else plural(n, one, many)


class ListingScreen(StoreWrites, ComanageScreen):
    """A ComanageScreen showing one filterable, sortable table; see the module docstring."""

    # Classes rather than the screens' ids, so the three screens share one rule each.
    DEFAULT_CSS = """
    ListingScreen .listing-title { height: 1; text-style: bold; background: $boost; padding: 0 1; }
    ListingScreen DataTable { scrollbar-size-vertical: 1; }
    ListingScreen .listing-filter { display: none; }
    ListingScreen .listing-filter.-shown { display: block; }
    """

    TITLE_ID: ClassVar[str] = ""
    """Id of the Static title line above the table."""
    FILTER_ID: ClassVar[str] = ""
    """Id of the filter Input (hidden until `/` adds `-shown`)."""
    TABLE_ID: ClassVar[str] = ""
    """Id of the DataTable, unless `table()` is overridden."""

    filter_text: reactive[str] = reactive("")
    """Case-insensitive text every shown row contains."""
    sort_index: reactive[int] = reactive(0)
    """Index into `sorts()`."""
    sort_reverse: reactive[bool] = reactive(False)
    """Flip the sort direction."""
    show_optional: reactive[bool | None] = reactive(None)
    """Show the optional columns (`w`); None: when the text column keeps 40 cells with them."""
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    """Keys of the columns shown only with `w`."""

    def __init__(self, *args, **kwargs) -> None:  # Screen's signature
        super().__init__(*args, **kwargs)
        self._loaded = False
        """True once the first load landed."""
        self._pending: Callable[[], None] | None = None
        """A selection waiting for the next load to land."""

    # -- hooks the screens fill in --------------------------------------------------

    def sorts(self) -> Sequence[tuple[Any, ...]]:
        """The sort keys `>` cycles through; each starts with its label."""
        return ()

    def rows(self) -> list[Row]:
        """The rows to show, after filter and sort, in table order."""
        return []

    def column_spec(self) -> Sequence[Spec]:
        """Every column of the current table, in the order of a row's cells ([]: the table keeps its own)."""
        return []

    def column_keys(self) -> list[str]:
        """The table's column keys, in the order of a row's cells."""
        return [c.value or "" for c in self.table().columns]

    def lay_out_columns(self, table: DataTable) -> list[int]:
        """Give `table` the shown columns, the text column taking the free width; which cells of a row they hold."""
        spec = list(self.column_spec())
        if not spec:
            return list(range(len(table.columns)))
        every = self.show_optional
        if every is None:  # as wide as the text column allows (at 80 columns: the text first)
            every = flex_width(table, [w for _l, _k, w in spec if w is not None]) >= 40
        self._optional_shown = every
        shown = [(i, c) for i, c in enumerate(spec) if every or c[1] not in self.OPTIONAL]
        fixed = [w for _i, (_l, _k, w) in shown if w is not None]
        flex = flex_width(table, fixed)
        wanted = [(k, w if w is not None else flex) for _i, (_l, k, w) in shown]
        if [(c.key.value, c.width) for c in table.columns.values()] != wanted:
            table.clear(columns=True)
            for _i, (label, key, width) in shown:
                table.add_column(label, key=key, width=width if width is not None else flex)
        return [i for i, _c in shown]

    def on_resize(self) -> None:
        self.refresh_rows()

    def watch_show_optional(self) -> None:
        self.refresh_rows()

    def action_toggle_columns(self) -> None:
        """Show or hide the optional columns."""
        self.show_optional = not getattr(self, "_optional_shown", False)

    def title_parts(self) -> list[str]:
        """The title line's parts (the match count is added while filtering)."""
        return []

    def show_preview(self) -> None:
        """Describe the row under the cursor under the table."""

    def action_detail(self) -> None:
        """Everything about the row under the cursor."""

    def fetch(self, store: Store, now: int, *args: Any) -> Message:
        """Read what the screen shows (in a worker thread); the message that carries it back."""
        raise NotImplementedError

    # -- loading --------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read in a worker; the cursor stays on the same row."""
        self._load(self.app.now())

    def read_store(self) -> Store:
        """The store to read from: the app's read connection when it has one."""
        return getattr(self.app, "reader", None) or self.app.store

    @work(thread=True, exclusive=True, group="listing-load", exit_on_error=False)
    def _load(self, now: int, *args: Any) -> None:
        try:
            message = self.fetch(self.read_store(), now, *args)
        except ComanageError as exc:
            self.post_message(LoadFailed(exc))
            return
        self.post_message(message)

    def loaded(self) -> None:
        """Call from the load handler once the data is stored: fill the table, run a waiting selection."""
        self._loaded = True
        self.refresh_rows()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending()

    def when_loaded(self, select: Callable[[], None]) -> None:
        """Run `select` now, or once the first load has landed; it replaces any waiting selection."""
        self._pending = None if self._loaded else select
        if self._loaded:
            select()

    def after_next_load(self, select: Callable[[], None]) -> None:
        """Run `select` once the next load lands (e.g. after asking for more rows)."""
        self._pending = select

    def watch_filter_text(self) -> None:
        self.refresh_rows()

    def watch_sort_index(self) -> None:
        self.refresh_rows()

    def watch_sort_reverse(self) -> None:
        self.refresh_rows()

    # -- showing --------------------------------------------------------------------

    def list_head(self, placeholder: str) -> ComposeResult:
        """The header, the title line and the (hidden) filter line, for `compose()`."""
        yield from self.header()
        yield Static(id=self.TITLE_ID, classes="listing-title")
        yield FieldInput(placeholder=placeholder, id=self.FILTER_ID, compact=True, classes="listing-filter")

    def table(self) -> DataTable:
        """The table the cursor, filter and sort act on."""
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    def refresh_rows(self) -> None:
        """Fill the table (cells in place when the rows are the same), then the title and preview."""
        if not self.is_mounted:
            return
        rows = self.rows()
        table = self.table()
        before = self.cursor_key(table)  # a new column layout empties the table: keep the cursor's row
        cells = self.lay_out_columns(table)
        rows = [(key, [row[i] for i in cells]) for key, row in rows]

        def place(keys: list[str], _current: str | None) -> None:
            if before in keys:
                table.move_cursor(row=keys.index(before))

        self.fill_table(table, self.column_keys(), rows, place=place)
        self.show_title(len(rows))
        self.show_preview()

    def fill_table(self, table: DataTable, columns: Sequence[str], rows: Sequence[Row], *, in_place: bool = True,
                   height: int | None = 1, place: Callable[[list[str], str | None], None] | None = None) -> None:
        """Show `rows` in `table`, keeping the cursor on its row key.

        With the same row keys (and `in_place`) only changed cells are updated, so the
        cursor and the scroll position stay where they are. Otherwise the table is
        refilled and `place(keys, key the cursor was on)` puts the cursor back; by
        default onto the same key when it is still shown.
        """
        keys = [key for key, _ in rows]
        current = self.cursor_key(table)
        with self.app.batch_update():
            if in_place and keys == [k.value for k in table.rows]:
                for key, cells in rows:
                    for col, value in zip(columns, cells):
                        if table.get_cell(key, col) != value:
                            table.update_cell(key, col, value)
                return
            table.clear()
            for key, cells in rows:
                table.add_row(*cells, key=key, height=height)
            if place is not None:
                place(keys, current)
            elif current in keys:
                table.move_cursor(row=keys.index(current))

    def show_title(self, shown: int) -> None:
        """Put `title_parts()` (and "N matches" while filtering) on the one title line.

        It never wraps or cuts: when the line is too narrow, the least important parts (the
        last ones before the sort) are left out, then the sort; the match count never.
        """
        parts = self.title_parts()
        matches = [plural(shown, "match", "matches")] if self.filter_text else []
        line = self.query_one(f"#{self.TITLE_ID}", Static)
        room = (line.size.width or self.app.size.width) - 2
        while len(parts) > 1 and len(" · ".join(parts + matches)) > room:
            droppable = [i for i, p in enumerate(parts) if i and not p.startswith("sort ")]
            parts.pop(droppable[-1] if droppable else len(parts) - 1)
        line.update(text(" · ".join(parts + matches)))

    def sort_caption(self) -> str:
        """ "sort <label>", with ⇅ when reversed, for the title line."""
        return f"sort {self.sorts()[self.sort_index][0]}{' ⇅' if self.sort_reverse else ''}"

    def cursor_key(self, table: DataTable | None = None) -> str | None:
        """The row key under the cursor, None when the table is empty."""
        table = self.table() if table is None else table
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def move_to_row(self, key: str, table: DataTable | None = None, column: int | None = None) -> bool:
        """Put the cursor on row `key` (and `column`) and focus the table; False when not shown."""
        table = self.table() if table is None else table
        keys = [k.value for k in table.rows]
        if key not in keys:
            return False
        table.move_cursor(row=keys.index(key), column=column)
        table.focus()
        return True

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self.show_preview()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_detail()

    # -- filter and sort ------------------------------------------------------------

    def filter_box(self) -> Input:
        return self.query_one(f"#{self.FILTER_ID}", Input)

    def action_filter(self) -> None:
        """Show the filter line and type into it."""
        box = self.filter_box()
        box.add_class("-shown")
        box.focus()

    # Without a selector (it is a class variable): the filter line is the screen's only Input.
    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.FILTER_ID:
            self.filter_text = event.value

    @on(Input.Submitted)
    def _filter_done(self, event: Input.Submitted) -> None:
        if event.input.id == self.FILTER_ID:
            self.table().focus()

    def action_close_filter(self) -> None:
        """Clear the filter and hide its line."""
        box = self.filter_box()
        box.value = ""
        box.remove_class("-shown")
        self.filter_text = ""
        self.table().focus()

    def clear_filter(self) -> None:
        """Empty the filter (its line stays as it is), e.g. before selecting a row it may hide."""
        self.filter_box().value = ""
        self.filter_text = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_filter":  # otherwise Escape belongs to the app
            return self.is_mounted and (bool(self.filter_text) or self.filter_box().has_class("-shown"))
        return super().check_action(action, parameters)

    def action_sort(self) -> None:
        """Cycle the sort order."""
        self.sort_index = (self.sort_index + 1) % len(self.sorts())

    def action_reverse(self) -> None:
        """Reverse the sort direction."""
        self.sort_reverse = not self.sort_reverse

    # -- writing --------------------------------------------------------------------

    def form_saved(self, data: object) -> None:
        """A form that wrote for itself closed: show what it saved (None: cancelled, nothing to do)."""
        if data is not None:
            self.reload()

