"""PagedTable: a keyboard table over a window of rows fetched page by page from a data source.

The stock DataTable lays out every row it holds (about 15 s for 100k tickets); this one only
knows the row count and the pages it has fetched, renders with the Line API, and asks the
source for missing pages in a thread worker. Sorting and filtering happen in the source (in
SQL for tickets), so a keystroke costs one page query. Rows carry stable keys, so the cursor
stays on the same record when the data is reloaded underneath it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

from rich.segment import Segment
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState, get_current_worker

from comanage_tui.ui_errors import ReportWorkerErrors
from comanage_tui.widgets.paged_render import column_at, column_widths, header_strip, row_strip
from comanage_tui.widgets.paged_source import Column, ListSource, PageRequest, PagesLoaded, PageSource, Row, Sort
from comanage_tui.widgets.states import tone_style

__all__ = ["Column", "ListSource", "PageSource", "PagedTable", "Row", "Sort"]

WIDE_TEXT = 38
"""The optional columns show by themselves when the text column keeps this many cells with them (120
columns keep 38-39 for the SLA list's title with holder, area and held time), counted as if the
vertical scrollbar were there, so columns do not come and go as the list grows past the screen."""
MIN_TEXT = 10
"""`w` shows every optional column at once only if the text column keeps this many cells; else one group at a time."""
PAGE_SIZE = 100
MAX_PAGES = 40  # pages kept in memory; far-away ones are dropped and fetched again if needed


class PagedTable(ReportWorkerErrors, ScrollView, can_focus=True, inherit_bindings=False):
    """A virtual table: row count + fetched pages, Line-API rendering, SQL-side sort and filter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", tooltip="Open the highlighted row", id="table.select"),
        Binding("greater_than_sign", "sort_next", "Sort", show=False, tooltip="Sort by the next column", id="table.sort_next"),
        Binding("less_than_sign", "sort_reverse", "Reverse", show=False, tooltip="Reverse the sort direction", id="table.sort_reverse"),
        Binding("up", "cursor(-1)", "Up", show=False, id="table.cursor_-1"),
        Binding("down", "cursor(1)", "Down", show=False, id="table.cursor_1"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_-1"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_1"),
        Binding("home,g", "home", "First row", show=False, id="table.home"),
        Binding("end,G", "end", "Last row", show=False, id="table.end"),
        Binding("w", "toggle_columns", "More columns", show=False, id="list.columns",
                tooltip="Show or hide the optional columns; where they do not all fit, one group after the other"),
    ]
    """Movement keys are not shown in the footer; `?` lists them all. ScrollView's own bindings are
    not inherited: there is no horizontal scrolling, and these move the cursor, not the view."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--cursor-blurred",
        "paged-table--placeholder",
    }

    DEFAULT_CSS = """
    PagedTable {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        height: 1fr;
    }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    PagedTable > .paged-table--cursor-blurred { background: $block-cursor-blurred-background; }
    PagedTable > .paged-table--placeholder { color: $text-muted; }
    """

    class RowSelected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: PagedTable, key: Hashable, row: Row | None):
            super().__init__()
            self.table, self.key, self.row = table, key, row

        @property
        def control(self) -> PagedTable:
            return self.table

    class Moved(Message):
        """The cursor, the row count or the sort changed (a status line shows "12 of 1,234")."""

        def __init__(self, table: PagedTable):
            super().__init__()
            self.table = table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PagedTable.Moved) and message.table is self.table

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, columns: Sequence[Column], source: PageSource | None = None, *, query: Any = None,
                 sort: Sort | None = None, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.optional_view: int | None = None
        """Which of `optional_views()` is shown (`w` moves on); None: all of them when the text column
        keeps WIDE_TEXT cells with them, else none."""
        self.source = source
        self.query = query
        self.sort = sort or Sort(next((c.key for c in self.columns if c.sortable), ""))
        self.total = 0
        self.counted = False
        self.cursor = 0
        self.loads_applied = 0
        """Increments each time fetched rows are applied (tests and the bench wait on it)."""
        self._pages: dict[int, list[Row]] = {}
        self._generation = 0
        self._pending_replace = source is not None
        self._inflight: PageRequest | None = None
        self._fresh = False
        self._missing_scheduled = False
        self._cursor_key: Hashable | None = None

    # --- public API ------------------------------------------------------------------

    @property
    def cursor_row(self) -> Row | None:
        return self._row(self.cursor)

    @property
    def cursor_key(self) -> Hashable | None:
        row = self.cursor_row
        return row.key if row is not None else self._cursor_key

    @property
    def settled(self) -> bool:
        """Nothing is being fetched and the rows in view are loaded."""
        return self._inflight is None and not self._pending_replace and self.counted

    def loaded_rows(self) -> list[Row]:
        """Rows currently held, in order (tests and the attention list use this)."""
        return [r for p in sorted(self._pages) for r in self._pages[p]]

    def set_source(self, source: PageSource, query: Any = None) -> None:
        self.source, self.query = source, query
        self._reset()

    def set_query(self, query: Any) -> None:
        """New filter: start from the top of the new result."""
        if query != self.query:
            self.query = query
            self._reset()

    def set_sort(self, sort: Sort) -> None:
        if sort != self.sort:
            self.sort = sort
            self._reset()
            self.refresh()

    def reload(self) -> None:
        """Fetch again in place (the data changed): same query, same cursor row if it still exists."""
        self._cursor_key = self.cursor_key
        self._generation += 1
        self._pending_replace = True
        self.counted = False
        self._request()

    def move_cursor(self, index: int) -> None:
        last = max(0, self.total - 1)
        self.cursor = max(0, min(index, last))
        self._cursor_key = None
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Moved(self))

    def select_key(self, key: Hashable) -> bool:
        """Move the cursor to the loaded row with `key`; False if it is not loaded."""
        for page, rows in self._pages.items():
            for i, row in enumerate(rows):
                if row.key == key:
                    self.move_cursor(page * PAGE_SIZE + i)
                    return True
        return False

    # --- loading -----------------------------------------------------------------------

    def _reset(self) -> None:
        self._generation += 1
        self._pages.clear()
        self._pending_replace = True
        self.counted = False
        self._fresh = True
        self.total = 0
        self.cursor = 0
        self._cursor_key = None
        if self.is_mounted:
            self.scroll_to(y=0, animate=False, force=True)
        self._request()

    def _visible_pages(self) -> list[int]:
        top = int(self.scroll_offset.y)
        bottom = top + max(1, self.size.height)
        pages = {p for p in range(top // PAGE_SIZE, bottom // PAGE_SIZE + 1)}
        pages.add(self.cursor // PAGE_SIZE)
        return sorted(p for p in pages if p == 0 or p * PAGE_SIZE < self.total)

    def _request(self) -> None:
        """Ask for everything still needed; a newer request supersedes (cancels) an older one."""
        if self.source is None or not self.is_mounted:
            return
        wanted = self._visible_pages()
        pages = wanted if self._pending_replace else [p for p in wanted if p not in self._pages]
        if not pages and self.counted:
            return
        req = PageRequest(self._generation, pages, not self.counted, self._pending_replace, self._fresh,
                       (self.source, self.query, self.sort))
        if self._inflight is not None and self._inflight.covers(req):
            return
        self._inflight = req
        self._load(req)

    def _request_missing(self) -> None:
        self._missing_scheduled = False
        self._request()

    @work(thread=True, exclusive=True, group="paged-table", exit_on_error=False)
    def _load(self, req: PageRequest) -> None:
        worker = get_current_worker()
        source, query, sort = req.payload
        replace = req.replace
        pages: dict[int, list[Row]] = {}
        for i, page in enumerate(req.pages):
            if worker.is_cancelled:
                return
            pages[page] = source.fetch(page * PAGE_SIZE, PAGE_SIZE, sort, query)
            if i == 0 and replace and req.fresh:
                # Paint the first page at once; the count (a full scan when filtered) follows.
                exact = len(pages[page]) if page == 0 and len(pages[page]) < PAGE_SIZE else None
                last = exact is not None and len(req.pages) == 1
                self.post_message(PagesLoaded(req.generation, pages, exact, True, last))
                if last:
                    return
                pages, replace = {}, False
        total = None
        if req.count and not worker.is_cancelled:
            total = source.count(query)
        if not worker.is_cancelled:
            self.post_message(PagesLoaded(req.generation, pages, total, replace, True))

    def on_pages_loaded(self, msg: PagesLoaded) -> None:
        msg.stop()
        if msg.generation != self._generation:
            return
        if msg.replace:
            self._pages = dict(msg.pages)
            self._pending_replace = False
            self._fresh = False
        else:
            self._pages.update(msg.pages)
        if msg.total is not None:
            self.total, self.counted = msg.total, True
        elif not self.counted:
            loaded_end = max((p * PAGE_SIZE + len(rows) for p, rows in self._pages.items()), default=0)
            self.total = max(self.total, loaded_end)
        if msg.done:
            self._inflight = None
        self._trim_pages()
        self._follow_cursor_key()
        self._set_virtual_size(Size(self.scrollable_content_region.width, self.total + 1))
        self.loads_applied += 1
        self.refresh()
        self.post_message(self.Moved(self))
        if any(p not in self._pages for p in self._visible_pages()):
            self._request()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # ReportWorkerErrors's handler runs too (Textual dispatches along the MRO): it notifies.
        if event.state == WorkerState.ERROR and event.worker.group == "paged-table":
            self._inflight = None

    def _follow_cursor_key(self) -> None:
        """After a reload, put the cursor back on the row it was on (it may have moved)."""
        key = self._cursor_key
        if key is not None:
            for page, rows in self._pages.items():
                for i, row in enumerate(rows):
                    if row.key == key:
                        # The viewport stays put (new rows at the top remain visible) unless
                        # the cursor's row moved out of it.
                        self.cursor = page * PAGE_SIZE + i
                        self._scroll_to_cursor()
                        self._cursor_key = None
                        return
        self.cursor = max(0, min(self.cursor, self.total - 1))
        if self.counted and not self._pending_replace:
            self._cursor_key = None

    def _trim_pages(self) -> None:
        if len(self._pages) <= MAX_PAGES:
            return
        keep = set(self._visible_pages())
        centre = self.cursor // PAGE_SIZE
        for page in sorted(self._pages, key=lambda p: -abs(p - centre)):
            if len(self._pages) <= MAX_PAGES:
                break
            if page not in keep:
                del self._pages[page]

    def _row(self, index: int) -> Row | None:
        rows = self._pages.get(index // PAGE_SIZE)
        if rows is None:
            return None
        offset = index % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    # --- cursor and scrolling ------------------------------------------------------------

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + self._body_height:
            top = self.cursor - self._body_height + 1
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False, force=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * self._body_height)

    def action_home(self) -> None:
        self.move_cursor(0)

    def action_end(self) -> None:
        self.move_cursor(self.total - 1)

    def action_select(self) -> None:
        if self.total:
            self.post_message(self.RowSelected(self, self.cursor_key, self.cursor_row))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sort_next", "sort_reverse"):
            return any(c.sortable for c in self.columns)
        if action == "toggle_columns":
            return any(c.optional for c in self.columns)
        return True

    def _width(self) -> int:
        return self.scrollable_content_region.width or self.app.size.width

    def _text_cells(self, groups: frozenset[int], *, with_scrollbar: bool = False) -> int:
        """Cells the text (flex) column keeps when the optional columns of `groups` are shown
        (`with_scrollbar`: as if the vertical scrollbar took its cells, whether it shows now or not)."""
        columns = [c for c in self.columns if not c.optional or c.group in groups]
        width = self._width()
        if with_scrollbar and self.size.width and width == self.size.width:
            width -= self.styles.scrollbar_size_vertical
        return min((w for c, w in zip(columns, column_widths(columns, width)) if c.flex), default=WIDE_TEXT)

    def optional_views(self) -> list[frozenset[int]]:
        """What `w` cycles through: no optional column, then all of them, or (when all of them
        would leave the text column under MIN_TEXT cells) each group on its own."""
        groups = sorted({c.group for c in self.columns if c.optional})
        every = frozenset(groups)
        if len(groups) <= 1 or self._text_cells(every) >= MIN_TEXT:
            return [frozenset(), every]
        return [frozenset(), *(frozenset({g}) for g in groups)]

    @property
    def shown_groups(self) -> frozenset[int]:
        """The groups of optional columns drawn now."""
        views = self.optional_views()
        if self.optional_view is not None:
            return views[self.optional_view % len(views)]
        every = views[-1] if len(views) == 2 else frozenset(g for v in views for g in v)
        return every if self._text_cells(every, with_scrollbar=True) >= WIDE_TEXT else frozenset()

    @property
    def optional_shown(self) -> bool:
        """Whether any optional column is drawn."""
        return bool(self.shown_groups)

    @property
    def shown(self) -> list[tuple[int, Column]]:
        """(index into a row's cells, column) of the columns drawn now."""
        groups = self.shown_groups
        return [(i, c) for i, c in enumerate(self.columns) if not c.optional or c.group in groups]

    def action_toggle_columns(self) -> None:
        """Show or hide the optional columns (one group after the other where they do not all fit)."""
        views = self.optional_views()
        current = self.shown_groups
        at = views.index(current) if current in views else 0
        self.optional_view = (at + 1) % len(views)
        self.refresh()

    def action_sort_next(self) -> None:
        keys = [c.key for c in self.columns if c.sortable]
        if not keys:
            return
        nxt = keys[(keys.index(self.sort.column) + 1) % len(keys)] if self.sort.column in keys else keys[0]
        self.set_sort(Sort(nxt, self.sort.descending))

    def action_sort_reverse(self) -> None:
        self.set_sort(Sort(self.sort.column, not self.sort.descending))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if any(p not in self._pages for p in self._visible_pages()):
            self._request()

    def _set_virtual_size(self, size: Size) -> None:
        """The scrollable size, without relaying out the whole screen when only the total changed.

        `virtual_size` is a layout reactive: assigned on every keystroke's result it cost a
        screen layout per keystroke (~9 ms of the ~50 ms to repaint at 100k tickets). The
        scrollbars are updated here instead; when one appears or goes, its own reactive
        still asks for the layout that needs.
        """
        if size != self.virtual_size:
            self.set_reactive(PagedTable.virtual_size, size)
            self._scroll_update(size)
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total + 1)
        self._request()

    def on_mount(self) -> None:
        if self.source is not None:
            self._request()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None and column.sortable:
                same = column.key == self.sort.column
                self.set_sort(Sort(column.key, not self.sort.descending if same else False))
            return
        index = int(self.scroll_offset.y) + offset.y - 1
        if index < self.total:
            self.move_cursor(index)
            if event.chain >= 2:
                self.action_select()

    # --- rendering ----------------------------------------------------------------------

    def _column_at(self, x: int) -> Column | None:
        return column_at([c for _i, c in self.shown], self.scrollable_content_region.width, x)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return header_strip([c for _i, c in self.shown], self.sort, width,
                                base + self.get_component_rich_style("paged-table--header"))
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total:
            return Strip.blank(width, base)
        row = self._row(index)
        style = base
        if index == self.cursor:
            style += self.get_component_rich_style("paged-table--cursor" if self.has_focus else "paged-table--cursor-blurred")
        if row is None:
            if not self._missing_scheduled:
                self._missing_scheduled = True
                self.call_later(self._request_missing)
            placeholder = base + self.get_component_rich_style("paged-table--placeholder")
            return Strip([Segment(" …", placeholder)]).adjust_cell_length(width, style)
        shown = self.shown
        return row_strip([c for _i, c in shown], row, width, style, "›" if index == self.cursor else " ",
                         lambda tone: tone_style(self.app, tone), [i for i, _c in shown])
