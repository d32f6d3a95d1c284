"""The demo organisation tells the story the screens need, the same way every time."""

from __future__ import annotations

from pathlib import Path

from comanage_tui.data.demo import DemoOptions, build_demo
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW


def _dump(path: Path) -> list:
    with Store(path) as s:
        return [tuple(r) for r in s.query("SELECT ref, title, priority, status, holder_party_id, opened_at FROM tickets ORDER BY id")] + [
            tuple(r) for r in s.query("SELECT ticket_id, seq, at, kind, status, party_id FROM ticket_events ORDER BY id")
        ]


def test_same_seed_same_database(tmp_path: Path) -> None:
    for name in ("a.db", "b.db"):
        with Store(tmp_path / name, clock=lambda: FIXED_NOW) as s:
            build_demo(s, DemoOptions(seed=3, tickets=120, now=FIXED_NOW))
    assert _dump(tmp_path / "a.db") == _dump(tmp_path / "b.db")
    with Store(tmp_path / "c.db", clock=lambda: FIXED_NOW) as s:
        build_demo(s, DemoOptions(seed=4, tickets=120, now=FIXED_NOW))
    assert _dump(tmp_path / "c.db") != _dump(tmp_path / "a.db")


def test_demo_story_has_the_ingredients(tmp_path: Path) -> None:
    with Store(tmp_path / "d.db", clock=lambda: FIXED_NOW) as s:
        counts = build_demo(s, DemoOptions(seed=7, tickets=400, now=FIXED_NOW))
        assert counts["tickets"] == 400 and counts["parties"] == 3
        assert len(s.org.people("internal")) == 5
        assert 14 <= len(s.org.areas()) <= 16
        raci = s.org.raci()
        letters = {}
        for (area, _party), letter in raci.items():
            letters.setdefault(area, []).append(letter)
        assert any("R" not in ls for ls in letters.values())  # a gap
        assert any(ls.count("A") > 1 for ls in letters.values())  # an overlap
        assert s.scalar("SELECT min(opened_at) FROM tickets") >= FIXED_NOW - 91 * 86_400
        assert s.scalar("SELECT max(at) FROM ticket_events") <= FIXED_NOW  # nothing from the future
        assert s.scalar("SELECT count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed')") >= 5
        assert s.scalar("SELECT count(*) FROM ticket_events WHERE status IN ('waiting_customer', 'waiting_vendor')") > 20
        assert s.scalar("SELECT count(*) FROM handoffs WHERE state IN ('requested', 'acknowledged')") >= 3
        assert s.scalar("SELECT max(bounce_count) FROM handoffs") == 2
        assert s.scalar("SELECT count(*) FROM kt_items WHERE status = 'done'") >= 3
        # drift: most ERP tickets are held by the internal team although the MSP is R
        erp = s.query("SELECT p.key, count(*) FROM tickets t JOIN areas a ON a.id = t.area_id JOIN parties p ON p.id = t.holder_party_id "
                      "WHERE a.key = 'erp' GROUP BY p.key")
        held = dict(erp)
        assert held.get("internal", 0) > held.get("msp", 0)
