"""The candidate conditions (readmodel.candidates) select exactly what their plain definitions do,
in both spellings, and the index skip scan finds exactly the distinct policy keys."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from comanage_tui.data.demo import DemoOptions, write_demo_file
from comanage_tui.data.readmodel import candidates
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.coverage import uncovered_tickets
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW, copy_database

DAY = 86_400
PLAIN_OPEN_AT = "t.opened_at <= :now AND (t.closed_at IS NULL OR t.closed_at > :now)"
PLAIN_ACTIVE_SINCE = ("t.opened_at <= :now AND (t.closed_at IS NULL OR t.closed_at >= :start OR t.resolved_at >= :start "
                      "OR t.first_response_at >= :start)")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cand") / "demo.db"
    write_demo_file(path, DemoOptions(seed=5, tickets=1_200, now=FIXED_NOW, weeks=30))
    with Store(path, clock=lambda: FIXED_NOW, actor="t") as store:
        for n in range(5):  # tickets with no area: NULL sorts first in the index
            store.tickets.add({"ref": f"NOAREA-{n}", "title": "no area", "party": "msp" if n % 2 else "internal",
                               "priority": f"P{n % 4 + 1}", "opened_at": FIXED_NOW - n * DAY})
    return path


def test_the_two_spellings_say_the_same() -> None:
    assert re.sub(r":now|:start", "?", candidates.OPEN_AT_NAMED) == candidates.OPEN_AT
    assert re.sub(r":now|:start", "?", candidates.ACTIVE_SINCE_NAMED) == candidates.ACTIVE_SINCE


@pytest.mark.parametrize("back_days", [0, 3, 7, 30, 90, 400, 5_000])
def test_the_index_forms_select_what_the_plain_conditions_do(db: Path, back_days: int) -> None:
    conn = sqlite3.connect(db)
    try:
        for now in (FIXED_NOW, FIXED_NOW - 60 * DAY):
            params = {"now": now, "start": now - back_days * DAY}

            def ids(where: str) -> list[int]:
                return [r[0] for r in conn.execute(f"SELECT t.id FROM tickets t WHERE {where} ORDER BY t.id", params)]

            assert ids(candidates.ACTIVE_SINCE_NAMED) == ids(PLAIN_ACTIVE_SINCE)
            rows = conn.execute(f"SELECT t.id, {candidates.TIMES} FROM tickets t ORDER BY t.id").fetchall()
            assert [r[0] for r in rows if candidates.active_since(r[1:], now, params["start"])] == ids(PLAIN_ACTIVE_SINCE)
            assert ids(candidates.OPEN_AT_NAMED) == ids(PLAIN_OPEN_AT)
            positional = (params["now"], params["start"], params["start"], params["start"])
            assert [r[0] for r in conn.execute(f"SELECT t.id FROM tickets t WHERE {candidates.ACTIVE_SINCE_PLAIN} "
                                               "ORDER BY t.id", positional)] == ids(PLAIN_ACTIVE_SINCE)
            assert [r[0] for r in conn.execute(f"SELECT t.id FROM tickets t WHERE {candidates.OPEN_AT_PLAIN} ORDER BY t.id",
                                               (now, now))] == ids(PLAIN_OPEN_AT)
            assert ids(PLAIN_OPEN_AT), "an empty selection would prove nothing"
    finally:
        conn.close()


def test_the_skip_scan_finds_every_combination_and_so_does_an_older_file(db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        distinct = [tuple(r) for r in conn.execute(f"SELECT DISTINCT {candidates.POLICY_KEYS} FROM tickets "
                                                   f"ORDER BY {candidates.POLICY_KEYS}")]
        assert distinct[0][0] is None and len(distinct) > 20
        assert candidates.policy_combinations(conn) == distinct
        plan = " ".join(r[3] for r in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT {candidates.POLICY_KEYS} FROM tickets WHERE ({candidates.POLICY_KEYS}) > (?, ?, ?, ?) "
            f"ORDER BY {candidates.POLICY_KEYS} LIMIT 1", distinct[5]))
        assert "idx_tickets_policy_keys" in plan
        for combo in distinct[:10]:
            n, n_open = candidates.count_combination(conn, combo, FIXED_NOW)
            where = "area_id IS ? AND priority = ? AND kind = ? AND holder_party_id = ? AND opened_at <= ?"
            assert n == conn.execute(f"SELECT count(*) FROM tickets WHERE {where}", (*combo, FIXED_NOW)).fetchone()[0]
            assert n_open == conn.execute(f"SELECT count(*) FROM tickets WHERE {where} AND (closed_at IS NULL OR closed_at > ?)",
                                          (*combo, FIXED_NOW, FIXED_NOW)).fetchone()[0]
    finally:
        conn.close()
    dst = sqlite3.connect(copy_database(db, tmp_path / "old.db"))
    dst.execute("DROP INDEX idx_tickets_policy_keys")
    assert candidates.policy_combinations(dst) == distinct
    dst.close()


def test_uncovered_counts_match_a_count_of_every_ticket(db: Path, tmp_path: Path) -> None:
    copy = copy_database(db, tmp_path / "copy.db")
    with Store(copy, clock=lambda: FIXED_NOW, actor="t") as store:
        calendar = next(iter(store.sla.calendar_map()))
        # Only P1 and P2 of the MSP are covered: most tickets are not.
        store.sla.replace_policies([{"name": "msp-urgent", "calendar": calendar, "match_parties": ["msp"],
                                     "match_priorities": ["P1", "P2"],
                                     "targets": {"P1": {"response_minutes": 15, "resolution_minutes": 240},
                                                 "P2": {"response_minutes": 30, "resolution_minutes": 480}}}])
        ctx = load_context(store)
        from comanage_tui.data.readmodel.clocks import resolve

        for now in (FIXED_NOW, FIXED_NOW - 45 * DAY):
            rows = store.rows("SELECT area_id, priority, kind, holder_party_id, closed_at FROM tickets WHERE opened_at <= ?", (now,))
            uncovered = [r for r in rows if resolve(ctx, *r[:4])[2] is None]
            got = uncovered_tickets(store, ctx, now)
            assert got.uncovered_total == len(uncovered) > 100
            assert got.uncovered_open == sum(r[4] is None or r[4] > now for r in uncovered) > 0
            msp = [r for r in uncovered if ctx.parties[r[3]].key == "msp"]
            assert uncovered_tickets(store, ctx, now, party="msp").uncovered_total == len(msp) > 0
