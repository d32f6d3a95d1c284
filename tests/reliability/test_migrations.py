"""Every earlier schema version upgrades with a backup first; a failing migration changes nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from comanage_tui.data import migrations as mig
from comanage_tui.data.db import applied_migrations, connect
from comanage_tui.data.store import Store

KNOWN = mig.known_migrations()


def _at_version(path: Path, last: str) -> None:
    """A database whose schema stops at `last`, holding a party and a ticket."""
    path.touch(mode=0o600)
    conn = connect(path)
    later = KNOWN[KNOWN.index(last) + 1:]
    mig.migrations.apply(Database(conn), stop_before=later[0] if later else None)
    conn.execute("INSERT INTO parties (key, name, kind, updated_at) VALUES ('msp', 'MSP', 'partner', 1)")
    conn.execute("INSERT INTO tickets (ref, title, priority, status, holder_party_id, opened_at, updated_at) "
                 "VALUES ('T-1', 'kept', 'P2', 'new', 1, 1, 1)")
    conn.close()


@pytest.mark.parametrize("last", KNOWN[:-1])
def test_every_earlier_version_upgrades_after_a_backup(tmp_path: Path, last: str) -> None:
    db = tmp_path / "old.db"
    _at_version(db, last)
    with Store(db) as s:
        assert applied_migrations(s.conn) == KNOWN
        assert s.tickets.by_ref("T-1").title == "kept"
        s.tickets.add({"ref": "T-2", "title": "after upgrade", "party": "msp", "opened_at": 2})
    (backup,) = tmp_path.glob(f"old.db.bak-{last}-*")
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    conn = connect(backup)
    assert applied_migrations(conn) == KNOWN[: KNOWN.index(last) + 1]
    assert conn.execute("SELECT title FROM tickets").fetchall() == [("kept",)]
    conn.close()


def test_failed_migration_rolls_back_and_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.db"
    _at_version(db, KNOWN[0])

    def m999_broken(database: Database) -> None:
        database.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration failed half way")

    broken = mig.Migrations(mig.MIGRATION_SET)
    for m in mig.migrations._migrations:  # rebuilding the set with one more step
        broken(name=m.name)(m.fn)
    broken(name="m999_broken")(m999_broken)
    monkeypatch.setattr(mig, "migrations", broken)
    monkeypatch.setattr("comanage_tui.data.db.known_migrations", lambda: [m.name for m in broken._migrations])
    with pytest.raises(RuntimeError, match="half way"):
        Store(db)
    monkeypatch.undo()
    conn = connect(db)
    assert applied_migrations(conn) == [KNOWN[0]]  # neither m002 nor the broken one was recorded
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "half_done" not in tables
    assert conn.execute("SELECT title FROM tickets").fetchall() == [("kept",)]
    conn.close()
    assert list(tmp_path.glob("old.db.bak-*")), "the backup was written before migrating"


def test_m004_adds_empty_sync_state_to_a_database_with_tickets(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _at_version(db, "m002_query_indexes")
    with Store(db) as s:
        assert applied_migrations(s.conn)[2:5] == ["m003_olas", "m004_sync_state", "m005_history_at_scale"]
        assert s.scalar("SELECT count(*) FROM sync_sources") == s.scalar("SELECT count(*) FROM sync_items") == 0
        assert s.tickets.by_ref("T-1").title == "kept"
        with s.write() as conn:
            conn.execute("INSERT INTO sync_sources (name, kind, ticket_source, updated_at) VALUES ('sn', 'servicenow', 'servicenow', 1)")
            conn.execute("INSERT INTO sync_items VALUES ('sn', 'abc', 'INC1', '3')")
            conn.execute("DELETE FROM sync_sources WHERE name = 'sn'")
        assert s.scalar("SELECT count(*) FROM sync_items") == 0  # a source's versions go with it
        columns = {r[1] for r in s.query("PRAGMA table_info(sync_sources)")}
        assert not {c for c in columns if "secret" in c or "password" in c or "token" in c}
