"""Split screen: who owns what (the RACI matrix, with its gaps, overlaps and drift) and workload.

The matrix is areas × parties; a cell is edited in place (R/A/C/I or cleared) through
`store.org.set_raci` in a worker, then the whole split is recomputed. Under it, each
party's workload over the last 30 days and the "time freed" figure with its rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static

from comanage_tui.data.models import AreaIn, Criticality, Party
from comanage_tui.data.readmodel.org import TIME_FREED_RULE, AreaSplit, Workload, raci_split, time_freed_hours, workload
from comanage_tui.data.store import Store
from comanage_tui.screens.listing import ListingScreen, count, flex_width, list_bindings, make_table, plural
from comanage_tui.screens.undo import UndoEntry
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.form import FormField, FormScreen, InfoScreen, Submit
from comanage_tui.widgets.list_table import ListTable
from comanage_tui.widgets.safe import clean, text

WINDOW_DAYS = 30
CRIT_ORDER = [c.value for c in Criticality]
SORTS: list[tuple[str, Callable[[AreaSplit], object]]] = [
    ("area", lambda s: s.area.name.casefold()),
    ("problems", lambda s: (not (s.gap or s.overlap or s.drift), s.area.name.casefold())),
    ("criticality", lambda s: (-CRIT_ORDER.index(s.area.criticality.value), s.area.name.casefold())),
]
FIXED_COLS = [("Area", "area", None), ("Crit.", "crit", 8)]
PROBLEMS_WIDTH = 18  # "⚠ gap: no R, no A", "↝ drift 33 % msp": one problem per line
PROBLEMS_MAX = 26  # grows to the longest problem ("↝ drift 100 % internal") up to this; the area name keeps the rest
LOAD_COLS = [("Party", "party", 20), ("Kind", "kind", 8), ("Open", "open", 5),
             (f"Held h/{WINDOW_DAYS}d", "held", 10), (f"Logged h/{WINDOW_DAYS}d", "logged", 12)]


def problem_marks(s: AreaSplit) -> str:
    """Every problem of an area as glyph + words, never colour alone."""
    marks = []
    if s.gap:
        missing = [g.removeprefix("no ").replace("Responsible", "R").replace("Accountable", "A") for g in s.gap]
        marks.append(f"⚠ gap: no {', no '.join(missing)}")
    if s.overlap:
        marks.append(f"⚠ overlap: {len(s.overlap)}×A")
    marks += [f"↝ drift {share:.0%} {party}".replace("%", " %") for party, share in sorted(s.drift.items())]
    # One problem per line: the row grows instead of the column, so 80 columns still show them all.
    return "\n".join(marks) or "✔ ok"


@dataclass
class SplitLoaded(Message):
    """A worker computed the split and the workload."""

    parties: list[Party]
    splits: list[AreaSplit]
    loads: list[Workload]
    freed: float


class SplitScreen(ListingScreen):
    """The RACI matrix with problems marked, cell editing, and workload by party."""

    MODE = "split"
    TITLE_ID, FILTER_ID, TABLE_ID = "split-title", "split-filter", "split-matrix"
    EDIT_ACTIONS = frozenset({"set", "new"})
    CONFLICT_RELOADS = False  # RACI writes carry no version: a conflict is reported like any refusal

    DEFAULT_CSS = """
    SplitScreen #split-matrix { height: 1fr; }
    SplitScreen #split-preview { height: auto; max-height: 3; padding: 0 1; }
    SplitScreen #split-load { height: auto; max-height: 6; border-top: solid $primary; }
    SplitScreen #split-freed { height: auto; padding: 0 1; }
    """

    # The footer shows the first few; `?` lists them all (with the movement keys).
    BINDINGS = [
        Binding("r", "set('R')", "Set R", tooltip="Make the party under the cursor Responsible for the area", id="split.set_r"),
        Binding("a", "set('A')", "Set A", tooltip="Make the party under the cursor Accountable for the area", id="split.set_a"),
        Binding("c", "set('C')", "Set C", tooltip="Make the party under the cursor Consulted", id="split.set_c"),
        Binding("i", "set('I')", "Set I", tooltip="Make the party under the cursor Informed", id="split.set_i"),
        Binding("delete,backspace,minus", "set('')", "Clear cell", tooltip="Clear the cell under the cursor", id="split.set_clear"),
        Binding("enter", "detail", "Detail", tooltip="The area's letters, problems and recent tickets", id="split.detail"),
        Binding("n", "new", "New area", show=False, tooltip="Add a service area", id="split.new"),
        Binding("p", "scorecard", "Scorecard", show=False, id="split.scorecard",
                tooltip="The party scorecard of the party under the cursor (SLA, OLAs, handoffs, KT, areas)"),
        *list_bindings(filter_tooltip="Filter areas by text (Escape clears)"),
    ]
    AUTO_FOCUS = "#split-matrix"

    def __init__(self, *args, **kwargs) -> None:  # Screen's signature
        super().__init__(*args, **kwargs)
        self.parties: list[Party] = []
        self.splits: list[AreaSplit] = []
        self.loads: list[Workload] = []
        self.freed = 0.0

    def compose(self) -> ComposeResult:
        yield from self.list_head("filter: area name, key or problem")
        yield ListTable(id="split-matrix", cursor_type="cell", zebra_stripes=True)
        yield Static(id="split-preview")
        load = make_table("split-load", LOAD_COLS, cursor_type="none", zebra_stripes=True)
        load.can_focus = False  # read-only figures: Tab should not stop here
        yield load
        yield Static(id="split-freed")
        yield KeyFooter()

    # -- loading ------------------------------------------------------------------

    def fetch(self, store: Store, now: int) -> SplitLoaded:
        """Recompute the split and the workload (in the load worker)."""
        ctx = self.read_context(store, now)
        splits = raci_split(store, ctx, now, WINDOW_DAYS)
        loads = workload(store, ctx, now, WINDOW_DAYS)
        return SplitLoaded(list(ctx.parties.values()), splits, loads, time_freed_hours(loads))

    def on_split_loaded(self, message: SplitLoaded) -> None:
        self.parties, self.splits, self.loads, self.freed = message.parties, message.splits, message.loads, message.freed
        self.loaded()

    # -- showing ------------------------------------------------------------------

    def sorts(self) -> list[tuple[str, Callable[[AreaSplit], object]]]:
        return SORTS

    def visible(self) -> list[AreaSplit]:
        """The areas after filter and sort, in table order."""
        needle = self.filter_text.casefold().strip()
        rows = [s for s in self.splits
                if not needle or needle in f"{s.area.key} {s.area.name} {problem_marks(s)}".casefold()]
        return sorted(rows, key=SORTS[self.sort_index][1], reverse=self.sort_reverse)

    def _cells(self, s: AreaSplit) -> list:
        letters = [Text(s.letters.get(p.key, "·"), justify="center") for p in self.parties]
        marks = problem_marks(s)
        crit = [Text(s.area.criticality.value)] if self.wide() else []
        return [text(s.area.name), *crit, *letters, Text(marks, style="" if marks == "✔ ok" else "bold", no_wrap=True)]

    def refresh_rows(self) -> None:
        """Fill the matrix (in place when rows and parties are unchanged) and the workload."""
        if not self.is_mounted or not self._loaded:
            return
        table = self.table()
        fixed = [(label, key, width) for label, key, width in FIXED_COLS if key != "crit" or self.wide()]
        party_cols = [(text(p.key), f"p:{p.key}", max(3, len(clean(p.key, limit=12)))) for p in self.parties]
        # The area name gets the width the letters and the problems leave (Crit. only with `w`).
        longest = max((cell_len(line) for s in self.splits for line in problem_marks(s).split("\n")), default=0)
        problems = min(max(PROBLEMS_WIDTH, longest), PROBLEMS_MAX)
        area = flex_width(table, [w for _l, _k, w in fixed + party_cols if w is not None] + [problems])
        layout = [(label, key, area if width is None else width) for label, key, width in fixed] + party_cols + [
            ("Problems", "problems", problems)]
        cols = [key for _l, key, _w in layout]
        rows = [(s.area.key, self._cells(s)) for s in self.visible()]
        keys = [k for k, _ in rows]
        cursor = table.cursor_coordinate
        with self.app.batch_update():
            if [(c.key.value, c.width) for c in table.columns.values()] != [(k, w) for _l, k, w in layout]:
                table.clear(columns=True)
                for label, key, width in layout:
                    table.add_column(label, key=key, width=width)
            # In place unless the rows or a problem list changed (a row's height may change with it).
            same = keys == [k.value for k in table.rows] and all(
                table.get_cell(key, "problems") == cells[-1] for key, cells in rows)
            self.fill_table(table, cols, rows, in_place=same, height=None,
                            place=lambda shown, current: self._place_cursor(cursor, shown, current))
        self._fill_workload()
        self.show_title(len(rows))
        self.show_preview()

    def wide(self) -> bool:
        """Crit. is shown: as `w` set it, else from 100 columns on."""
        self._optional_shown = self.show_optional if self.show_optional is not None else self.app.size.width >= 100
        return self._optional_shown

    def _place_cursor(self, before: Coordinate, keys: list[str], current: str | None) -> None:
        """After a refill: the same area, else the same row number; the same column, else the first party's."""
        row = keys.index(current) if current in keys else min(before.row, max(len(keys) - 1, 0))
        # Start on the first party's column: the cells are what this screen edits.
        first_party = next((i for i, c in enumerate(self.table().columns) if c.value.startswith("p:")), 1)
        column = before.column if current is not None else first_party
        self.table().move_cursor(row=row, column=column)

    def _fill_workload(self) -> None:
        load = self.query_one("#split-load", DataTable)
        load.clear()
        for w in self.loads:
            load.add_row(text(w.party.name), Text(w.party.kind.value), Text(str(w.open_tickets), justify="right"),
                         Text(f"{w.business_hours_held:.1f}", justify="right"), Text(f"{w.hours_logged:.1f}", justify="right"),
                         key=w.party.key)
        self.query_one("#split-freed", Static).update(
            Text.assemble(("Time freed: ", "bold"), (f"{self.freed:.1f} h", "bold"), f" in {WINDOW_DAYS} days. ", TIME_FREED_RULE))

    def title_parts(self) -> list[str]:
        gaps = sum(bool(s.gap) for s in self.splits)
        overlaps = sum(bool(s.overlap) for s in self.splits)
        drift = sum(bool(s.drift) for s in self.splits)
        return [f"Split: {plural(len(self.splits), 'area')}", count(gaps, "⚠", "gap"), count(overlaps, "⚠", "overlap"),
                count(drift, "↝", "drift", "drifts"), self.sort_caption()]

    def cursor_area(self) -> str | None:
        """The key of the area under the cursor."""
        return self.cursor_key()

    def cursor_party(self) -> str | None:
        """The party whose column the cursor is in, or None on the other columns."""
        table = self.table()
        if table.row_count == 0:
            return None
        col = table.coordinate_to_cell_key(table.cursor_coordinate).column_key.value or ""
        return col.removeprefix("p:") if col.startswith("p:") else None

    def current(self) -> AreaSplit | None:
        key = self.cursor_area()
        return next((s for s in self.splits if s.area.key == key), None)

    def select_id(self, item_id: int) -> None:
        """Put the cursor on the area with this id (what the Overview's attention list passes)."""

        def select() -> None:
            key = next((s.area.key for s in self.splits if s.area.id == item_id), None)
            self.select_area(key if key is not None else f"#{item_id}")

        self.when_loaded(select)

    def select_area(self, area_key: str, party_key: str | None = None) -> None:
        """Put the cursor on an area's row (and a party's cell), clearing the filter if it hides it."""
        self.when_loaded(lambda: self._select_area(area_key, party_key))

    def _select_area(self, area_key: str, party_key: str | None) -> None:
        if self.filter_text:
            self.action_close_filter()
        cols = [c.value for c in self.table().columns]
        column = cols.index(f"p:{party_key}") if f"p:{party_key}" in cols else None  # None: keep the column
        if not self.move_to_row(area_key, column=column):
            self.notify(f"area {area_key} is not in this database", severity="warning", markup=False)

    @on(DataTable.CellHighlighted, "#split-matrix")
    def show_preview(self) -> None:
        s, preview = self.current(), self.query_one("#split-preview", Static)
        if s is None:
            preview.update(text("No areas match." if self._loaded else "Loading…"))
            return
        party = self.cursor_party()
        where = f" · cell {party}: {s.letters.get(party, 'empty')}" if party else " · move onto a party column to edit"
        problems = "; ".join(s.problems) or "no problems"
        preview.update(Text.assemble(text(f"{s.area.name} ({s.area.criticality.value}){where}", "bold"), "\n",
                                     text(f"{problems} · {s.recent_tickets} tickets in {WINDOW_DAYS} d", single_line=False)))

    # -- editing --------------------------------------------------------------------

    def action_set(self, letter: str) -> None:
        """Set (or with '' clear) the RACI letter of the cell under the cursor."""
        if self.refuse_edit():
            return
        area, party = self.cursor_area(), self.cursor_party()
        if area is None or party is None:
            self.notify("move the cursor onto a party's column to set a letter", severity="warning")
            return
        s = self.current()
        before = s.letters.get(party) if s is not None else None
        if (before or "") == letter:
            self.notify(f"{area}/{party} is {letter or 'empty'} already", markup=False)
            return
        what = f"{area}/{party}: {letter or 'cleared'}"
        undo = UndoEntry(f"{what} (back to {before or 'empty'})",
                         lambda st, _version: st.org.set_raci(area, party, before, expected=letter or None))
        self.write(what, lambda st: st.org.set_raci(area, party, letter or None, expected=before),
                    undo=lambda _result: undo)

    def action_new(self) -> None:
        """Add a service area (it starts with an empty RACI row: a gap until filled)."""
        if self.refuse_edit():
            return
        fields = [
            FormField("key", "Key", required=True, help="short id: a-z, 0-9, - and _"),
            FormField("name", "Name", required=True),
            FormField("criticality", "Criticality", kind="select", choices=[(c, c) for c in CRIT_ORDER], default="medium", required=True),
            FormField("description", "Description", kind="multiline", empty=""),
        ]

        def write(data: AreaIn) -> Submit:
            return Submit(lambda st: st.org.add_area(data), note=f"area {data.key} added")

        self.app.push_screen(FormScreen("New service area", fields, AreaIn, write=write), self.form_saved)

    def action_scorecard(self) -> None:
        """Open the scorecard of the party whose column the cursor is in (else the internal team's)."""
        from comanage_tui.screens.scorecard import ScorecardScreen

        self.app.push_screen(ScorecardScreen(self.cursor_party()))

    # -- detail ---------------------------------------------------------------------

    @on(DataTable.CellSelected, "#split-matrix")
    def _cell_selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        """The area's letters per party, its problems and its recent tickets."""
        if (s := self.current()) is None:
            return
        lines = [text(f"{s.area.name} ({s.area.key}) · criticality {s.area.criticality.value}", "bold")]
        if s.area.description:
            lines.append(text(s.area.description, single_line=False))
        lines += [Text(""), Text("RACI", style="bold")]
        names = {"R": "Responsible", "A": "Accountable", "C": "Consulted", "I": "Informed"}
        lines += [text(f"{p.name} ({p.key}): {s.letters[p.key]} {names.get(s.letters[p.key], '')}" if p.key in s.letters
                       else f"{p.name} ({p.key}): · none") for p in self.parties]
        lines += [Text(""), Text("Problems", style="bold"), Text(problem_marks(s))]
        lines += [text(p) for p in s.problems]
        lines.append(Text(f"{s.recent_tickets} tickets opened in the last {WINDOW_DAYS} days."))
        lines.append(Text("Rules: exactly one A and at least one R per area; drift when ≥ 25 % of recent tickets sit with a party that is not R."))
        self.app.push_screen(InfoScreen(f"Area {clean(s.area.key)}", lines))
