"""SVG snapshots of the six screens at 80×24 and 120×40 on the fixed demo database and clock.

Regenerate after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerState

from comanage_tui.widgets.nav import SCREENS

SIZES = [(80, 24), (120, 40)]


async def _quiet(pilot: Pilot, timeout: float = 20.0) -> None:
    """Wait until every worker but the live-refresh poller has finished, and what they posted is shown."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    idle_rounds = 0
    while idle_rounds < 3:  # a finished load may start the next one (pages after the count)
        busy = [w for w in app.workers if w.group != "poll" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        idle_rounds = 0 if busy else idle_rounds + 1
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still running: {busy}")
        await pilot.pause(0.05)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("info", SCREENS, ids=lambda s: s.mode)
def test_screen(snap_compare, make_app, info, size) -> None:
    async def show(pilot: Pilot) -> None:
        await pilot.press(info.number)
        await _quiet(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=show)


def test_ticket_detail(snap_compare, make_app) -> None:
    async def show(pilot: Pilot) -> None:
        await pilot.press("4")
        await _quiet(pilot)
        await pilot.press("enter")
        await _quiet(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=show)


def test_help(snap_compare, make_app) -> None:
    async def show(pilot: Pilot) -> None:
        await pilot.press("6")
        await _quiet(pilot)
        await pilot.press("question_mark")
        await _quiet(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=show)
