"""Issue #15, items 4-8 at 80×24: the text column first, every attention item reachable, help and
palette in words, titles, read-only footer, NO_COLOR tick box, one cross glyph, plurals, toasts."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, Static
from textual.widgets._toast import ToastRack

from comanage_tui.commands import ComanageCommands
from comanage_tui.screens.listing import count, plural
from comanage_tui.screens.overview import OverviewScreen
from comanage_tui.screens.sla import FILTER_HELP as SLA_HELP
from comanage_tui.screens.tickets import FILTER_HELP as TICKETS_HELP
from comanage_tui.widgets.fields import TickBox
from comanage_tui.widgets.paged_render import column_widths
from comanage_tui.widgets.paged_table import PagedTable
from comanage_tui.widgets.states import CLOCK_STATES, HANDOFF_STATES
from tests.ui.conftest import wait_until
from tests.ui.test_forms import flat, open_app, press, screen_text, settle

TEXT_COLUMN = {"2": ("#split-matrix", "area"), "3": ("#ho-table", "summary"), "5": ("#kt-backlog", "topic")}


def width_of(table: DataTable, key: str) -> int:
    return next(c.width for c in table.columns.values() if c.key.value == key)


async def test_every_list_gives_its_text_column_at_least_30_cells_at_80x24(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        for key, (table_id, column) in TEXT_COLUMN.items():
            await press(pilot, key)
            table = pilot.app.screen.query_one(table_id, DataTable)
            assert width_of(table, column) >= 30, (key, width_of(table, column))
            # The highlighted row's text is on screen, at least its first 30 characters.
            shown = pilot.app.screen
            full = {"2": lambda: shown.current().area.name, "3": lambda: shown.current().handoff.summary,
                    "5": lambda: shown.current_item().topic}[key]()
            assert full[:30] in screen_text(pilot.app), (key, full)
        for key, table_id in (("4", "#clocks"), ("6", "#tickets")):
            await press(pilot, key)
            table = pilot.app.screen.query_one(table_id, PagedTable)
            await wait_until(pilot, lambda: table.settled and table.total, what="rows")
            shown_columns = [c for _i, c in table.shown]
            widths = column_widths(shown_columns, table.scrollable_content_region.width)
            title = next(w for c, w in zip(shown_columns, widths) if c.key == "title")
            assert title >= 30, (key, title)
            assert table.cursor_row.cells[-1][:29] in screen_text(pilot.app)


async def test_w_shows_the_optional_columns_and_hides_them_again(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(100, 30)) as pilot:
        await press(pilot, "3")
        table = pilot.app.screen.query_one("#ho-table", DataTable)
        keys = lambda: [c.key.value for c in table.columns.values()]  # noqa: E731
        assert "ticket" not in keys() and "waited" not in keys()
        await press(pilot, "w")
        assert "ticket" in keys() and "waited" in keys() and "INC" in screen_text(pilot.app)
        await press(pilot, "w")
        assert "ticket" not in keys()
        await press(pilot, "6")
        tickets = pilot.app.screen.query_one("#tickets", PagedTable)
        assert "opened" not in [c.key for _i, c in tickets.shown]
        await press(pilot, "w")
        assert "opened" in [c.key for _i, c in tickets.shown]


async def test_filter_hints_and_title_lines_fit_80_columns_without_wrapping(ui_db: Path) -> None:
    assert len(SLA_HELP) <= 76 and len(TICKETS_HELP) <= 76
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "2", "slash", "a")
        line = pilot.app.screen.query_one("#split-title", Static)
        body = str(line.render())
        assert "matches" in body and "match " not in body + " " and len(body) <= 78
        assert line.size.height == 1
        await press(pilot, "escape", "escape", "3", "slash", "e")
        body = str(pilot.app.screen.query_one("#ho-title", Static).render())
        assert body.endswith("matches") and len(body) <= 78


def test_counts_have_no_warning_glyph_for_zero_and_plural_forms() -> None:
    assert count(0, "⚠", "gap") == "0 gaps"
    assert count(1, "⚠", "gap") == "⚠ 1 gap"
    assert count(3, "⚠", "overlap") == "⚠ 3 overlaps"
    assert plural(4, "match", "matches") == "4 matches" and plural(1, "match", "matches") == "1 match"


async def test_the_attention_list_shows_every_item_with_m(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, OverviewScreen)
        await wait_until(pilot, lambda: screen.figures is not None, what="attention")
        assert screen.candidates > len(screen.items) == 10
        assert f"10 of {screen.candidates} · m shows all" in screen_text(pilot.app)
        await press(pilot, "m")
        assert len(screen.items) == screen.candidates
        table = screen.query_one("#attention", PagedTable)
        await wait_until(pilot, lambda: table.total == screen.candidates, what="all rows")
        await press(pilot, "end")
        assert table.cursor == screen.candidates - 1  # the last of them is reachable


async def test_overview_tiles_are_not_cut_at_80_columns(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.figures is not None and screen.current is not None, what="tiles")
        await settle(pilot)
        for tile in screen.query(".kpi"):
            for line in str(tile.render()).split("\n"):
                assert len(line) <= tile.size.width, (line, tile.size.width)
        assert "…" not in "\n".join(screen_text(pilot.app).splitlines()[3:7])


async def test_help_and_palette_list_actions_by_description_once_export_included(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "2", "question_mark")
        help_text = pilot.app.screen.text()
        for leak in ("Screen)", "SplitScreen", "PagedTable", "DataTable", "ListTable"):
            assert leak not in help_text
        descriptions = [line.split("  ")[-1] for line in help_text.splitlines() if line.startswith("  ")]
        assert len(descriptions) == len(set(descriptions)), descriptions
        assert "Export" in help_text and "Undo" in help_text
        await press(pilot, "escape")
        provider = ComanageCommands(pilot.app.screen)
        labels = [label for label, _c, _h in provider._commands()]
        assert "Export" in labels and "Set R" in labels
        assert len(labels) == len(set(labels))
        assert not [label for label in labels if "Screen" in label or "Table" in label]
        system = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert "Quit" not in system and "Keys" not in system and "Theme" in system


async def test_each_screen_title_names_the_screen(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        for key, name in (("1", "Overview"), ("2", "Split"), ("3", "Handoffs"), ("4", "SLA"), ("5", "Knowledge"), ("6", "Tickets")):
            await press(pilot, key)
            assert pilot.app.screen.sub_title == name
            assert f"comanage — {name}" in screen_text(pilot.app).splitlines()[0]


async def test_read_only_footer_does_not_offer_edits(ui_db: Path) -> None:
    async with open_app(ui_db, read_only=True).run_test(size=(120, 30)) as pilot:
        await press(pilot, "3")
        footer = screen_text(pilot.app).splitlines()[-1]
        for offer in ("Acknowledge", "Accept", "Return", "New"):
            assert offer not in footer, footer
        assert "Filter" in footer
        await press(pilot, "a")  # the key still says why
        assert any("nothing can be changed" in str(n.message) for n in pilot.app._notifications)
        await press(pilot, "5")
        assert "Next status" not in screen_text(pilot.app).splitlines()[-1]


class TickApp(App):
    def compose(self):
        yield TickBox("Include private notes")


async def test_the_tick_box_reads_the_same_without_colour() -> None:
    async with TickApp().run_test(size=(60, 5)) as pilot:
        box = pilot.app.query_one(TickBox)
        assert str(box.render()).startswith("[ ]")
        box.value = True
        await pilot.pause()
        assert str(box.render()).startswith("[x]")


async def test_one_cross_glyph_and_toasts_stay_clear_of_the_detail(ui_db: Path) -> None:
    assert not [g for g, _w, _t in CLOCK_STATES.values() if g == "✗"]
    assert not [g for g, _w, _t in HANDOFF_STATES.values() if g == "✗"]
    async with open_app(ui_db).run_test(size=(80, 24), notifications=True) as pilot:
        await press(pilot, "3", "w")
        assert "✗" not in screen_text(pilot.app) and "✖" in screen_text(pilot.app)
        assert pilot.app.NOTIFICATION_TIMEOUT <= 3
        pilot.app.notify("saved")
        await pilot.pause()
        rack = pilot.app.screen.query_one(ToastRack)
        assert rack.styles.align_vertical == "top"
        assert "handoff" in flat(pilot.app).lower()
