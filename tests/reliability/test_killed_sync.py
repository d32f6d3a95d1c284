"""`kill -9` of the real `comanage sync` at random moments, and another writer during a sync.

Killed at 20 random moments against a local ServiceNow instance (tests/sync/servicenow_instance.py):
after each kill the database is whole, every ticket in it is exactly what a complete sync
writes (never half an event log, never an event twice), and no version is recorded for a
ticket that is not there; a final run completes it to the same result as a clean sync.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW_ISO
from tests.sync.helpers import differences, sync, tickets_and_events, write_source
from tests.sync.servicenow_instance import serve, synthetic

KILLS = 20


@pytest.fixture
def server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.sync.helpers import SN_ENV
    from tests.sync.servicenow_instance import PASSWORD

    monkeypatch.setenv(SN_ENV, PASSWORD)


def _start(db: Path, source: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*comanage_cmd(), "--db", str(db), "--now", FIXED_NOW_ISO, "sync", str(source), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def _consistent(db: Path, expected: dict[str, tuple]) -> int:
    """Checks the invariants after a kill; returns how many tickets are in."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM sync_items i LEFT JOIN tickets t ON t.ref = i.ref "
                            "WHERE t.id IS NULL").fetchone()[0] == 0
        dupes = conn.execute("SELECT count(*) FROM (SELECT ticket_id, seq FROM ticket_events GROUP BY 1, 2 HAVING count(*) > 1)")
        assert dupes.fetchone()[0] == 0
    finally:
        conn.close()
    have = tickets_and_events(db)
    wrong = [ref for ref in have if have[ref] != expected.get(ref)]
    assert wrong == [], f"tickets that are not what a complete sync writes: {wrong[:5]}"
    return len(have)


@pytest.mark.slow
def test_kill_nine_at_random_moments_loses_and_duplicates_nothing(server, tmp_path: Path) -> None:
    inst = synthetic(400)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 20")
    clean = tmp_path / "clean.db"
    sync(clean, source)
    expected = tickets_and_events(clean)

    def slow(req, n):
        time.sleep(0.02)  # a remote instance is not instant: kills land inside pulls, not only between them
        return None

    inst.fault = slow
    db = tmp_path / "killed.db"
    rng = random.Random(17)
    landed = 0
    finished = False
    for round_ in range(KILLS):
        # once a run has completed, an incremental run has almost nothing to pull and ends before
        # the kill; the next run is then a full one, so every round has a sync in flight to kill
        proc = _start(db, source, *(["--full"] if finished or round_ % 4 == 3 else []))
        time.sleep(rng.uniform(0.3, 3.0))
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
            landed += 1
        proc.wait(timeout=60)
        assert b"Traceback" not in proc.stderr.read()
        proc.stderr.close()
        _consistent(db, expected)
    print(f"kills landed mid-sync: {landed} of {KILLS}")
    assert landed >= KILLS // 2, f"only {landed} kills landed mid-sync"
    final = _start(db, source)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    final.stderr.close()
    assert _consistent(db, expected) == len(expected)
    assert differences(expected, tickets_and_events(db)) == []


def test_another_writer_succeeds_while_a_sync_pulls(server, tmp_path: Path) -> None:
    inst = synthetic(120)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 10")

    def slow(req, n):
        if req.path.endswith("/incident"):
            time.sleep(0.4)
        return None

    inst.fault = slow
    db = tmp_path / "w.db"
    Store(db).close()
    proc = _start(db, source)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the first committed page
            conn = sqlite3.connect(db)
            try:
                row = conn.execute("SELECT cursor FROM sync_sources").fetchone() if conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sync_sources'").fetchone() else None
            finally:
                conn.close()
            if row and row[0]:
                break
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        for n in range(5):
            started = time.monotonic()
            with Store(db, actor="colleague") as other:
                other.set_meta(f"note-{n}", "written during the sync")
            took = time.monotonic() - started
            assert took < 1.0, f"a write waited {took:.1f} s for the sync's lock"
            assert proc.poll() is None, "the sync should still be pulling"
            time.sleep(0.3)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    with Store(db, create=False) as store:
        assert store.tickets.count() == 120
        assert [store.get_meta(f"note-{n}") for n in range(5)] == ["written during the sync"] * 5
