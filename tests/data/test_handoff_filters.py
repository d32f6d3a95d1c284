"""Handoff lists narrowed in SQL (states, requested since) are exactly the full list narrowed
afterwards, today and as of a past moment: screens and windows need not read every handoff."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.data.demo import DemoOptions, write_demo_file
from comanage_tui.data.models import HandoffState
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.org import handoff_statuses
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW

DAY = 86_400
WAITING = (HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED, HandoffState.RETURNED)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ho") / "demo.db"
    write_demo_file(path, DemoOptions(seed=9, tickets=1_500, now=FIXED_NOW, weeks=20))
    return path


@pytest.mark.parametrize("as_of", [None, FIXED_NOW - 10 * DAY])
def test_narrowed_lists_equal_the_full_list_narrowed(db: Path, as_of: int | None) -> None:
    now = FIXED_NOW if as_of is None else as_of
    with Store(db, read_only=True) as store:
        ctx = load_context(store, as_of=as_of)
        everything = handoff_statuses(store, ctx, now, open_only=False)
        assert len(everything) > 100
        waiting = handoff_statuses(store, ctx, now, open_only=False, states=WAITING)
        assert [s.handoff.id for s in waiting] == [s.handoff.id for s in everything if s.handoff.state in WAITING]
        assert 0 < len(waiting) < len(everything)
        since = now - 30 * DAY
        recent = handoff_statuses(store, ctx, now, open_only=False, requested_from=since)
        assert [s.handoff.id for s in recent] == [s.handoff.id for s in everything if s.handoff.requested_at >= since]
        assert 0 < len(recent) < len(everything)
        assert [s.ack for s in recent] == [s.ack for s in everything if s.handoff.requested_at >= since]
