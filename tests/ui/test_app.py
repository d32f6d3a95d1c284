"""The app shell: screen keys, help, command palette, quit, read-only, live refresh, error notifications."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from comanage_tui.data.errors import DatabaseProblem
from comanage_tui.data.store import Store
from comanage_tui.screens.help import HelpScreen
from comanage_tui.widgets.form import FormScreen
from comanage_tui.widgets.nav import SCREENS
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until

EXPECTED = {
    "overview": "OverviewScreen", "split": "SplitScreen", "handoffs": "HandoffsScreen",
    "sla": "SlaScreen", "knowledge": "KnowledgeScreen", "tickets": "TicketsScreen",
    "activity": "ActivityScreen",
}


def record_notifications(app) -> list[tuple[str, str]]:
    """Capture (message, severity) of every notification the app raises."""
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message, **kwargs):
        seen.append((str(message), kwargs.get("severity", "information")))
        return original(message, **kwargs)

    app.notify = notify
    return seen


async def test_starts_on_the_overview(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.current_mode == "overview"
        assert "Overview" in screen_text(app)


@pytest.mark.parametrize("info", SCREENS, ids=lambda s: s.mode)
async def test_every_screen_key_switches(make_app, info) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        start = "tickets" if info.mode == "overview" else "overview"
        for key in (info.number, info.letter):
            await pilot.press(start[0] if start == "overview" else "6")
            assert app.current_mode == start
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == info.mode, key
            assert type(app.screen).__name__ == EXPECTED[info.mode]


async def test_help_lists_every_binding_of_the_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.text()
        for expected in ("Filter", "New", "Edit", "Open/closed", "Party", "Area", "Priority",  # the screen's
                         "Open", "Sort", "Reverse", "Page down",  # the table's, shown or not
                         "Help", "Quit", "Tickets", "Overview"):  # the app's
            assert expected in body, expected
        assert body.index("This screen") < body.index("Everywhere")
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "tickets" and not isinstance(app.screen, HelpScreen)


async def test_command_palette_opens_and_switches_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"go to tickets")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_mode == "tickets", what="tickets mode")


async def test_command_palette_offers_the_screen_actions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"new")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="new ticket form")


async def test_x_opens_the_export_dialog(make_app) -> None:
    from comanage_tui.screens.export import ExportScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), what="export dialog")
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SlaScreen", what="back on the SLA screen")


async def test_q_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_read_only_session_refuses_edits(ui_db) -> None:
    from comanage_tui.app import ComanageApp

    store = Store(ui_db, read_only=True, create=False)
    try:
        before = store.scalar("SELECT count(*) FROM audit_log")
        app = ComanageApp(store, now=FIXED_NOW)
        notes = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            assert "read-only" in app.title
            await pilot.press("6")
            table = app.screen.query_one(PagedTable)
            await wait_until(pilot, lambda: table.settled, what="tickets loaded")
            for key in ("n", "e"):
                await pilot.press(key)
                await pilot.pause()
                assert not isinstance(app.screen, FormScreen), key
            await pilot.press("enter")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "TicketDetailScreen", what="detail")
            for key in ("s", "a", "r", "e"):
                await pilot.press(key)
                await pilot.pause()
                assert type(app.screen).__name__ == "TicketDetailScreen", key
        assert sum("read-only" in m for m, _ in notes) == 6
        assert store.scalar("SELECT count(*) FROM audit_log") == before
    finally:
        store.close()


async def test_as_of_session_is_read_only_even_on_a_writable_store(ui_store) -> None:
    """`comanage --as-of`: the moment is in the header and nothing can be changed, whatever the store allows."""
    import os
    import time

    from comanage_tui.app import ComanageApp

    zone = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"  # the header shows local time: pin the zone for the expected text
    time.tzset()
    before = ui_store.scalar("SELECT count(*) FROM audit_log")
    moment = FIXED_NOW - 3 * 86400
    app = ComanageApp(ui_store, now=moment, as_of=True)
    notes = record_notifications(app)
    try:
        async with app.run_test(size=(100, 24)) as pilot:
            assert app.title == "comanage · as of 2026-11-20 08:30 UTC · read-only"
            assert app.now() == moment and app.read_only
            await pilot.press("6")
            table = app.screen.query_one(PagedTable)
            await wait_until(pilot, lambda: table.settled, what="tickets loaded")
            await pilot.press("n")
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
    finally:
        if zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = zone
        time.tzset()
    assert any("(--as-of): nothing can be changed" in m for m, _ in notes)
    assert ui_store.scalar("SELECT count(*) FROM audit_log") == before


async def test_another_session_commit_shows_up_with_cursor_kept(make_app, ui_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        table = app.screen.query_one(PagedTable)
        await wait_until(pilot, lambda: table.settled, what="tickets loaded")
        await pilot.press("down", "down", "down")
        key = table.cursor_key
        other = Store(ui_db, actor="colleague", clock=lambda: FIXED_NOW, create=False)
        try:
            ticket = other.tickets.get(int(key))
            other.tickets.update(ticket.id, {"title": "Edited by a colleague"}, expected_version=ticket.version)
        finally:
            other.close()
        # The title column is narrow at 80 columns: the start of the new title is what shows.
        await wait_until(pilot, lambda: "Edited by" in screen_text(app), timeout=2.0, what="refresh")
        assert table.cursor_row.cells[-1] == "Edited by a colleague"
        assert table.cursor_key == key and table.cursor == 3


async def test_a_commit_before_the_poller_starts_still_reloads(make_app, ui_db) -> None:
    """The poller starts after the first frame, but compares with the version the app opened on."""
    app = make_app()
    other = Store(ui_db, actor="colleague", clock=lambda: FIXED_NOW, create=False)
    try:
        ticket = other.tickets.get(1)
        other.tickets.update(ticket.id, {"title": "Edited while the dashboard opened"}, expected_version=ticket.version)
    finally:
        other.close()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.data_generation > 0, timeout=2.0, what="a reload")


async def test_store_error_in_a_worker_becomes_a_notification(make_app, monkeypatch) -> None:
    from comanage_tui.data.repos import TicketRepo

    def broken(*_args, **_kwargs):
        raise DatabaseProblem("the disk went away")

    # On the class: counts run on the app's second (reader) connection.
    monkeypatch.setattr(TicketRepo, "count", broken)
    app = make_app()
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await wait_until(pilot, lambda: any("disk went away" in m for m, _ in notes), what="notification")
        assert ("the disk went away", "error") in notes
        assert app.is_running
        await pilot.press("1")
        await pilot.pause()
        assert app.current_mode == "overview"


async def test_nothing_essential_is_cut_off_at_80x24(make_app) -> None:
    """Every tile, all ten attention rows, the trend numbers, the key columns and `? Help` fit."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        overview = app.screen
        table = overview.query_one(PagedTable)
        await wait_until(pilot, lambda: overview.trend is not None and overview.previous is not None and table.settled,
                         timeout=15, what="overview")
        shown = screen_text(app)
        for label in ("Resolution, 7 d", "Response, 7 d", "Breached now", "Due 18:00 · risk", "Handoffs, oldest",
                      "Waiting us/them", "KT late · stale", "RACI gap·overlap", "(prev "):
            assert label in shown, label
        for item in overview.items:
            assert item.state in shown and item.when in shown, item
        assert len([p for p in overview.trend if p[1] is not None]) == len(shown.splitlines()[-2].split())
        assert "? Help" in shown.splitlines()[-1]
        for key, needles in (("6", ("Ref", "Status", "Holder", "Title", "? Help")),
                             ("4", ("Left (bus.)", "State", "Clock", "Ref", "Title", "? Help"))):
            await pilot.press(key)
            await wait_until(pilot, lambda: app.screen.query_one(PagedTable).settled, what=key)
            shown = screen_text(app)
            for needle in needles:
                assert needle in shown, (key, needle)
