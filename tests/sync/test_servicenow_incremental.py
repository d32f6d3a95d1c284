"""Incremental ServiceNow pulls: the cursor, the overlap window, records moving during a pull, --full, --dry-run."""

from __future__ import annotations

import calendar
import sqlite3
import time
from pathlib import Path

from comanage_tui.data.store import Store
from tests.sync.helpers import differences, sync, tickets_and_events, write_source
from tests.sync.servicenow_instance import serve, synthetic, utc


def _cursor(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT cursor FROM sync_sources").fetchone()[0]
    finally:
        conn.close()


def test_only_changed_records_are_rebuilt(server, tmp_path: Path) -> None:
    inst = synthetic(40)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 10")
    db = tmp_path / "i.db"
    first = sync(db, source)
    assert (first.records, first.rebuilt) == (40, 40)
    newest = max(i.updated for i in inst.incidents.values())
    later = utc(calendar.timegm(time.strptime(newest, "%Y-%m-%d %H:%M:%S")) + 3600)
    changed = sorted(inst.incidents)[:3]
    for sid in changed:
        inst.update(sid, {"incident_state": "Resolved"}, later)
    again = sync(db, source)
    assert (again.rebuilt, again.imported.tickets_existing, again.imported.tickets_new) == (3, 3, 0)
    assert again.unchanged == again.records - 3
    assert _cursor(db) == later
    with Store(db, create=False) as store:
        for sid in changed:
            t = store.tickets.by_ref(inst.incidents[sid].values["number"])
            assert t.status == "resolved"


def test_records_updated_in_the_cursors_second_after_the_pull_are_not_lost(server, tmp_path: Path) -> None:
    """Two records share the cursor's second; the second one becomes visible only after the first pull."""
    inst = synthetic(5)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 10\noverlap = 0")
    db = tmp_path / "o.db"
    first_sid = sorted(inst.incidents)[0]
    second_sid = sorted(inst.incidents)[1]
    same_second = "2026-12-01 09:00:00"
    inst.update(first_sid, {"priority": "2 - High"}, same_second)
    sync(db, source)
    assert _cursor(db) == same_second
    inst.update(second_sid, {"priority": "1 - Critical"}, same_second)  # committed late, in the cursor's second
    again = sync(db, source)
    assert again.rebuilt == 1  # `>=` the cursor: the same second is read again, the known record skipped
    with Store(db, create=False) as store:
        assert store.tickets.by_ref(inst.incidents[second_sid].values["number"]).priority == "P1"


def test_the_overlap_window_reads_late_commits_before_the_cursor(server, tmp_path: Path) -> None:
    inst = synthetic(5)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 10\noverlap = \"2m\"")
    db = tmp_path / "w.db"
    a, b = sorted(inst.incidents)[:2]
    inst.update(a, {"priority": "2 - High"}, "2026-12-01 09:00:00")
    sync(db, source)
    # A transaction that began earlier commits now with a sys_updated_on 90 s before the cursor.
    inst.update(b, {"priority": "1 - Critical"}, "2026-12-01 08:58:30")
    assert sync(db, source).rebuilt == 1
    with Store(db, create=False) as store:
        assert store.tickets.by_ref(inst.incidents[b].values["number"]).priority == "P1"
    assert _cursor(db) == "2026-12-01 09:00:00"  # the cursor never moves back


def test_a_record_updated_during_the_pull_restarts_it_without_skipping(server, tmp_path: Path) -> None:
    inst = synthetic(50)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 10")
    moved = []

    def move_one(req, n):
        # Before page 3 is answered, a record of page 1 is updated: it leaves the window, every offset shifts by one.
        if req.path.endswith("/incident") and req.args.get("sysparm_offset") == "20" and not moved:
            sid = inst.ordered()[0].sys_id
            inst.update(sid, {"incident_state": "Resolved"}, "2026-12-24 10:00:00")
            moved.append(sid)
        return None

    inst.fault = move_one
    db = tmp_path / "m.db"
    report = sync(db, source)
    assert moved and report.records > 50  # started again from what was committed
    inst.fault = None
    sync(db, source)  # and the moved record comes with the next run
    assert differences(tickets_and_events(db), tickets_and_events(_fresh(server, inst, tmp_path))) == []


def _fresh(server, inst, tmp_path: Path) -> Path:
    db = tmp_path / "fresh.db"
    sync(db, write_source(tmp_path / "fresh-sources", f"http://{server.host}:{server.port}", extra="page_size = 7"))
    return db


def test_a_dry_run_writes_nothing_and_full_rewrites_everything(server, tmp_path: Path) -> None:
    inst = synthetic(12)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 5")
    db = tmp_path / "d.db"
    dry = sync(db, source, dry_run=True)
    assert dry.imported.tickets_new == 12 and dry.commits == 0
    with Store(db, create=False) as store:  # `sync` created the file empty; nothing was written into it
        assert store.scalar("SELECT count(*) FROM tickets") == store.scalar("SELECT count(*) FROM sync_sources") == 0
        assert store.scalar("SELECT count(*) FROM audit_log") == 0
    sync(db, source)
    before = tickets_and_events(db)
    raw = Path(db).read_bytes()
    again = sync(db, source, dry_run=True)
    assert (again.rebuilt, again.commits) == (0, 0) and Path(db).read_bytes() == raw
    full = sync(db, source, full=True)
    assert (full.rebuilt, full.imported.tickets_existing) == (12, 12)
    assert tickets_and_events(db) == before
