"""`comanage --as-of`: the dashboard shows the RACI letters, KT statuses and handoff states of that moment.

The real app under Pilot, on a small organisation built through the Store, changed an hour
after it was set up (tests/past_org.py); opened before and after the change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.app import ComanageApp
from comanage_tui.data.store import Store
from tests.past_org import T0, T1, Clock, build_org
from tests.ui.conftest import wait_until


@pytest.fixture
def changed_db(tmp_path: Path) -> Path:
    db = tmp_path / "org.db"
    clock = Clock(T0)
    with Store(db, actor="tester", clock=clock) as store:
        ids = build_org(store)
        clock.at = T1
        store.org.set_raci("erp", "msp", "A")
        store.kt.set_status(ids["kt"], "in_progress")
        store.handoffs.acknowledge(ids["handoff"])
    return db


async def seen(db: Path, moment: int) -> tuple[str | None, str, str]:
    """(erp/msp letter, runbook status, handoff state) as the Split, Knowledge and Handoffs screens show them."""
    store = Store(db, actor="viewer", create=False, read_only=True)
    try:
        app = ComanageApp(store, now=moment, as_of=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("2")
            await wait_until(pilot, lambda: getattr(app.screen, "splits", None), what="split loaded")
            letter = app.screen.splits[0].letters.get("msp")
            await pilot.press("5")
            await wait_until(pilot, lambda: getattr(app.screen, "items", None), what="KT loaded")
            status = app.screen.items[0].status.value
            await pilot.press("3")
            await wait_until(pilot, lambda: getattr(app.screen, "statuses", None), what="handoffs loaded")
            state = app.screen.statuses[0].handoff.state.value
            return letter, status, state
    finally:
        store.close()


async def test_the_dashboard_as_of_before_and_after_the_changes(changed_db: Path) -> None:
    assert await seen(changed_db, T1 - 60) == ("R", "planned", "requested")
    assert await seen(changed_db, T1 + 60) == ("A", "in_progress", "acknowledged")


async def test_a_moment_before_the_log_begins_says_so(changed_db: Path) -> None:
    from tests.ui.test_app import record_notifications

    store = Store(changed_db, actor="viewer", create=False, read_only=True)
    try:
        app = ComanageApp(store, now=T0 - 86_400, as_of=True)
        notes = record_notifications(app)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
        assert any(m.startswith("Nothing is recorded before ") for m, _ in notes)
        app = ComanageApp(store, now=T1, as_of=True)
        notes = record_notifications(app)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
        assert not any(m.startswith("Nothing is recorded") for m, _ in notes)
    finally:
        store.close()


async def test_the_dashboard_and_the_snapshot_agree_as_of_a_moment(changed_db: Path) -> None:
    """The same moment, two surfaces: `comanage snapshot --as-of` (a subprocess) and the dashboard under --as-of."""
    import datetime as dt
    import json

    from tests.cli.test_cli import run

    for moment in (T1 - 60, T1 + 60):
        iso = dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        snap = json.loads(run("--db", str(changed_db), "snapshot", "--format", "json", "--as-of", iso).stdout)
        letter = next(a["letters"] for a in snap["raci"] if a["area"] == "erp").get("msp")
        status = snap["knowledge"]["items"][0]["status"]
        state = snap["handoffs"][0]["state"]
        assert await seen(changed_db, moment) == (letter, status, state)
