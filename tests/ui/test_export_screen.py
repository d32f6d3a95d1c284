"""The export dialog: writes the snapshot in a worker, names the file in a notification, survives errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Button, Input, Select

from comanage_tui.screens.export import ExportScreen
from tests.conftest import FIXED_NOW
from tests.ui.test_forms import demo_db, demo_template, open_store, settle  # noqa: F401 - fixtures


class ExportApp(App):
    """The two attributes the dialog relies on (`store`, `now()`), nothing else."""

    def __init__(self, store: Any) -> None:
        super().__init__()
        self.store = store
        self.result: Any = "not dismissed"

    def now(self) -> int:
        return FIXED_NOW

    def on_mount(self) -> None:
        self.push_screen(ExportScreen(), self._done)

    def _done(self, result: Any) -> None:
        self.result = result


async def until(pilot: Any, condition: Any, seconds: float = 20) -> None:
    """Wait for `condition()` while the app runs; only our own state, not every worker of the app."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out waiting for the export")


def notes(app: App) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


async def test_exports_markdown_to_the_dated_default_path(demo_db: Path, tmp_path: Path) -> None:
    with open_store(demo_db, read_only=True) as store:
        app = ExportApp(store)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            expected = tmp_path / "exports" / "comanage-snapshot-2026-11-23.md"
            assert app.screen.query_one("#export-path", Input).value == str(expected)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert expected.read_text(encoding="utf-8").startswith("# Co-managed IT status snapshot")
            assert app.result == expected and not isinstance(app.screen, ExportScreen)
            assert (f"Snapshot written to {expected}", "information") in notes(app)


async def test_changing_the_format_changes_the_suggested_extension(demo_db: Path, tmp_path: Path) -> None:
    with open_store(demo_db, read_only=True) as store:
        app = ExportApp(store)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.screen.query_one("#export-format", Select).value = "json"
            await settle(pilot)
            path = app.screen.query_one("#export-path", Input)
            assert path.value.endswith("comanage-snapshot-2026-11-23.json")
            await pilot.click("#export-go")
            await settle(pilot)
            data = json.loads(Path(path.value).read_text(encoding="utf-8"))
            assert data["as_of"] == "2026-11-23T09:30:00+01:00" and data["schema_version"] == 1


async def test_a_bad_path_keeps_the_dialog_open_and_says_why(demo_db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with open_store(demo_db, read_only=True) as store:
        app = ExportApp(store)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.screen.query_one("#export-path", Input).value = str(blocker / "snap.md")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen) and app.result == "not dismissed"
            status = str(app.screen.query_one("#export-status").render())
            assert status == f"Not exported: the folder {blocker} does not exist."
            assert not app.screen.query_one("#export-go", Button).disabled
            await pilot.press("escape")
            await settle(pilot)
            assert app.result is None


async def test_the_real_app_exports_html(demo_db: Path, tmp_path: Path) -> None:
    from comanage_tui.app import ComanageApp

    with open_store(demo_db) as store:
        app = ComanageApp(store, now=FIXED_NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.push_screen(ExportScreen("html"))
            await until(pilot, lambda: isinstance(app.screen, ExportScreen))
            await pilot.press("ctrl+s")
            page = tmp_path / "exports" / "comanage-snapshot-2026-11-23.html"
            await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
            assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
            assert any(str(page) in msg for msg, _sev in notes(app))
