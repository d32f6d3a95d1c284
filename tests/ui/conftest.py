"""UI test fixtures: the seeded demo database (built once per session, copied per test) and the app.

Every UI test runs the real app on a real SQLite file with the clock pinned to FIXED_NOW.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW

DEMO_TICKETS = 400


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 400-ticket demo (seed 7, now = FIXED_NOW), built once; tests copy it."""
    from comanage_tui.data.demo import DemoOptions, build_demo
    from comanage_tui.data.store import Store

    path = tmp_path_factory.mktemp("ui-template") / "demo.db"
    store = Store(path, actor="demo", clock=lambda: FIXED_NOW)
    try:
        build_demo(store, DemoOptions(seed=7, tickets=DEMO_TICKETS, now=FIXED_NOW))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return path


@pytest.fixture
def ui_db(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database for one test."""
    target = tmp_path / "ui.db"
    shutil.copyfile(demo_template, target)
    target.chmod(0o600)
    return target


@pytest.fixture
def ui_store(ui_db: Path) -> Iterator:
    from comanage_tui.data.store import Store

    store = Store(ui_db, actor="tester", clock=lambda: FIXED_NOW, create=False)
    yield store
    store.close()


@pytest.fixture
def make_app(ui_store) -> Callable:
    """`make_app()` -> a ComanageApp on the test's demo copy with now pinned to FIXED_NOW."""
    from comanage_tui.app import ComanageApp

    def make(store=None, now: int | None = FIXED_NOW) -> ComanageApp:  # Store
        return ComanageApp(store or ui_store, now=now)

    return make


async def wait_until(pilot, condition: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    """Let the app run until `condition()` is true (workers post back asynchronously)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


def screen_text(app) -> str:  # App
    """Every character on the screen, one line per row (from the SVG export, markup-free)."""
    import html
    import re

    svg = app.export_screenshot()
    rows: dict[int, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                         r'clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>', svg):
        rows.setdefault(int(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    lines = []
    for line in sorted(rows):
        out = ""
        for x, chunk in sorted(rows[line]):
            out = out.ljust(round(x / 12.2)) + chunk
        lines.append(out.replace("\xa0", " "))
    return "\n".join(lines)
