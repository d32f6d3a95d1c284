"""Issue #15, items 9-10: Home/End/g/G, Escape along the path, forms at the top, returned handoffs, export."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from textual.widgets import Input

from comanage_tui.data.models import HandoffState
from comanage_tui.screens.export import ExportScreen
from comanage_tui.screens.handoffs import HandoffsScreen
from comanage_tui.screens.knowledge import KnowledgeScreen
from comanage_tui.screens.overview import OverviewScreen
from comanage_tui.screens.split import SplitScreen
from comanage_tui.widgets.form import FormScreen, PromptScreen
from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW_ISO
from tests.ui.conftest import wait_until
from tests.ui.test_export_screen import ExportApp
from tests.ui.test_forms import open_app, open_store, press, screen_text, settle


def row(screen) -> int:
    return screen.table().cursor_coordinate.row


async def test_home_end_g_shift_g_go_to_the_first_and_last_row_on_every_list(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        for key, kind in (("2", SplitScreen), ("3", HandoffsScreen), ("5", KnowledgeScreen)):
            await press(pilot, key)
            screen = pilot.app.screen
            assert isinstance(screen, kind)
            last = screen.table().row_count - 1
            assert last > 1
            column = screen.table().cursor_coordinate.column
            await press(pilot, "end")
            assert row(screen) == last and screen.table().cursor_coordinate.column == column  # down, not sideways
            await press(pilot, "home")
            assert row(screen) == 0
            await press(pilot, "G")
            assert row(screen) == last
            await press(pilot, "g")
            assert row(screen) == 0
        await press(pilot, "4")
        table = pilot.app.screen.query_one("#clocks")
        await wait_until(pilot, lambda: table.total > 2, what="clocks")
        await press(pilot, "G")
        assert table.cursor == table.total - 1
        await press(pilot, "g")
        assert table.cursor == 0


async def test_escape_goes_back_along_the_path_after_a_jump_from_the_overview(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        overview = pilot.app.screen
        assert isinstance(overview, OverviewScreen)
        await wait_until(pilot, lambda: overview.items, what="attention list")
        item = next(a for a in overview.items if a.target[0] in ("split", "knowledge", "handoffs"))
        overview._open(item.key)  # what Enter on the attention row does
        await settle(pilot)
        assert pilot.app.current_mode == item.target[0]
        await press(pilot, "escape")
        assert pilot.app.current_mode == "overview"
        await press(pilot, "2", "5", "escape")
        assert pilot.app.current_mode == "split"
        await press(pilot, "escape")
        assert pilot.app.current_mode == "overview"


async def test_the_edit_form_opens_at_the_top_showing_the_start_of_each_text(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        h = next(h for h in store.handoffs.list() if h.state == HandoffState.REQUESTED)
        store.handoffs.update(h.id, {"summary": "Start of a long summary " + "x" * 150})
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        pilot.app.screen.select_id(h.id)
        await settle(pilot)
        await press(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, FormScreen)
        summary = form.query_one("#field-summary", Input)
        assert summary.cursor_position == 0
        assert form.query_one("#form-fields").scroll_y == 0
        assert "Start of a long summary" in screen_text(pilot.app)


async def test_a_returned_handoff_stays_in_the_default_list_waiting_on_the_sender(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        h = next(h for h in store.handoffs.list() if h.state == HandoffState.REQUESTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        screen = pilot.app.screen
        screen.select_id(h.id)
        await settle(pilot)
        await press(pilot, "b")
        assert isinstance(pilot.app.screen, PromptScreen)
        await press(pilot, *"wrong team", "enter")
        with open_store(ui_db) as store:
            assert store.handoffs.get(h.id).state == HandoffState.RETURNED
        assert not screen.show_closed
        assert h.id in [s.handoff.id for s in screen.visible()]
        screen.select_id(h.id)
        await settle(pilot)
        assert f"waiting on {h.from_party_key}" in str(screen.query_one("#ho-preview").render())


async def test_export_path_keeps_its_text_refuses_a_missing_folder_and_names_the_default(ui_db: Path, tmp_path: Path) -> None:
    with open_store(ui_db, read_only=True) as store:
        app = ExportApp(store)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            path = app.screen.query_one("#export-path", Input)
            start = path.value
            assert path.cursor_position == len(start) and path.selection.is_empty
            await pilot.press("x")  # the first key edits, it does not erase the path
            assert path.value == start + "x"
            assert str(app.screen.query_one("#export-folder").render()) == f"Default folder: {tmp_path / 'exports'}"
            missing = tmp_path / "nonexistent" / "dir" / "snap.md"
            path.value = str(missing)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
            assert "does not exist" in str(app.screen.query_one("#export-status").render())
            assert not missing.parent.exists()


def test_info_names_the_default_export_folder(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    env = {**os.environ, "COMANAGE_EXPORT_DIR": str(tmp_path / "snaps")}
    made = subprocess.run([*comanage_cmd(), "--db", str(db), "init"], capture_output=True, text=True, env=env, timeout=60)
    assert made.returncode == 0, made.stderr
    out = subprocess.run([*comanage_cmd(), "--db", str(db), "info"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"exports:  {tmp_path / 'snaps'}" in out.stdout


def test_explain_finds_a_ticket_ref_in_any_case(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    run = lambda *a: subprocess.run([*comanage_cmd(), "--db", str(db), *a], capture_output=True, text=True, timeout=120)  # noqa: E731
    assert run("demo", "--tickets", "30", "--now", FIXED_NOW_ISO).returncode == 0
    with open_store(db) as store:
        ref = store.scalar("SELECT ref FROM tickets ORDER BY id LIMIT 1")
    out = run("explain", ref.lower(), "--as-of", FIXED_NOW_ISO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(ref)
