"""Opening databases: creation mode, migrations, backups, refusing what we cannot read."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from comanage_tui.data.db import applied_migrations, connect, open_database
from comanage_tui.data.errors import DatabaseProblem
from comanage_tui.data.migrations import known_migrations, migrations
from comanage_tui.data.store import Store


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_private_and_fully_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = open_database(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert applied_migrations(conn) == known_migrations()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"tickets", "ticket_events", "handoffs", "kt_items", "audit_log", "raci"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    conn.close()


def test_shared_mode_creates_group_writable_file(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    old = os.umask(0o077)  # even a strict umask must not narrow the documented mode
    try:
        conn = open_database(path, shared=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
    conn.close()


def _m001_only(path: Path) -> None:
    conn = connect(path)
    migrations.apply(Database(conn), stop_before="m002_query_indexes")
    conn.execute("INSERT INTO parties (key, name, kind, updated_at) VALUES ('internal', 'Internal IT', 'internal', 1)")
    conn.close()


def test_older_database_is_upgraded_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch(mode=0o600)
    _m001_only(path)
    with Store(path) as store:
        assert applied_migrations(store.conn) == known_migrations()
        assert store.org.party("internal").name == "Internal IT"  # data survived the upgrade
        indexes = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "idx_tickets_status" in indexes
    backups = list(tmp_path.glob("old.db.bak-m001_core_schema-*"))
    assert len(backups) == 1
    assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    backup = sqlite3.connect(backups[0])
    assert applied_migrations(backup) == ["m001_core_schema"]
    assert backup.execute("SELECT name FROM parties").fetchone() == ("Internal IT",)
    backup.close()


def test_database_from_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('comanage', 'm999_from_the_future', 'x')")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = _digest(path)
    with pytest.raises(DatabaseProblem, match="newer comanage"):
        Store(path)
    assert _digest(path) == before
    assert not list(tmp_path.glob("future.db.bak-*"))


def test_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a shopping list, not SQLite\n" * 200)
    before = _digest(path)
    with pytest.raises(DatabaseProblem, match="not a comanage database or is damaged"):
        Store(path)
    assert _digest(path) == before


def test_missing_database_without_create(tmp_path: Path) -> None:
    with pytest.raises(DatabaseProblem, match="no database"):
        Store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    Store(path).close()
    with Store(path, read_only=True) as store:
        with pytest.raises(DatabaseProblem, match="read-only"):
            store.org.add_party({"key": "x", "name": "X"})
        assert store.counts()["parties"] == 0


def test_the_schema_names_match_the_registered_migrations() -> None:
    """db.SCHEMA lets an up-to-date database open without importing sqlite-utils; it must not drift."""
    from comanage_tui.data import db

    assert list(db.SCHEMA) == [m.name for m in migrations._migrations]


def test_the_migration_set_name_matches_the_registered_set() -> None:
    """db reads applied migrations by set name without importing migrations; both must name one set."""
    from comanage_tui.data import db

    assert db.MIGRATION_SET == migrations.name == "comanage"
