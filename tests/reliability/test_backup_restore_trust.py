"""Backups a kill cannot fake, and restores that trust nothing but comanage's exact schema.

A `backup` killed at random moments of its copy must leave either nothing under the name
asked for or a complete backup that verifies; a file with a hot journal beside it is
refused and never changed (not by `info`, not by `restore`); a file whose migrations table
looks right but whose schema is not exactly comanage's (only `_sqlite_migrations`, or an
extra trigger that deletes audit rows) is refused, naming what differs.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd, run

AS_OF = "2026-11-23T08:30:00Z"
KILLS = 12


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("big") / "big.db"
    out = run("--db", str(db), "demo", "--tickets", "20000", "--now", AS_OF, timeout=300)
    assert out.returncode == 0, out.stderr
    return db


@pytest.fixture
def live(tmp_path: Path) -> Path:
    db = tmp_path / "live.db"
    out = run("--db", str(db), "demo", "--tickets", "30", "--now", AS_OF)
    assert out.returncode == 0, out.stderr
    return db


def _tickets(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        conn.close()


def test_a_killed_backup_never_leaves_a_file_under_the_final_name(big_db: Path, tmp_path: Path) -> None:
    """Killed as soon as the copy has started (its file appeared), plus a random delay."""
    rng = random.Random(13)
    expected = _tickets(big_db)
    out_dir = tmp_path / "backups"
    out_dir.mkdir()
    caught_mid_copy = 0
    for k in range(KILLS):
        dest = out_dir / f"b{k}.db"
        proc = subprocess.Popen([*comanage_cmd(), "--db", str(big_db), "backup", str(dest)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.name.startswith((dest.name, f".{dest.name}")) for p in out_dir.iterdir()):
                break
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.15))
        if proc.poll() is None:
            caught_mid_copy += 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if dest.exists():  # finished before the kill: then it is whole, and verifies
            assert _tickets(dest) == expected
            assert not Path(f"{dest}-journal").exists()
            restored = run("--db", str(tmp_path / f"r{k}.db"), "restore", str(dest), "--yes")
            assert restored.returncode == 0, restored.stderr
    assert caught_mid_copy >= KILLS // 2  # the kills really landed while the backup was running


def test_a_file_with_a_hot_journal_is_refused_and_left_as_it_was(big_db: Path, live: Path, tmp_path: Path) -> None:
    """The report's case: a partial file plus a hot journal, which `info` used to roll back and migrate."""
    partial = tmp_path / "partial.db"
    partial.write_bytes(big_db.read_bytes())
    writer = ("import sqlite3, sys, time\n"
              "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "c.execute('PRAGMA journal_mode = DELETE'); c.execute('PRAGMA cache_size = 10')\n"
              "c.execute('BEGIN'); c.execute('DELETE FROM ticket_events'); c.execute('DELETE FROM tickets')\n"
              "print('ready', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", writer, str(partial)], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    journal = Path(f"{partial}-journal")
    assert journal.stat().st_size > 0
    before, live_before = _sha(partial), _sha(live)
    info = run("--db", str(partial), "info")
    assert info.returncode == 1 and "Traceback" not in info.stderr
    restored = run("--db", str(live), "restore", str(partial), "--yes")
    assert restored.returncode == 1 and "-journal" in restored.stderr and "not restored" in restored.stderr
    assert _sha(partial) == before and journal.exists()
    assert _sha(live) == live_before and _tickets(live) == 30


def test_info_describes_a_backup_without_changing_it(live: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    assert run("--db", str(live), "backup", str(copy)).returncode == 0
    before = _sha(copy)
    info = run("--db", str(copy), "info")
    assert info.returncode == 0 and "tickets" in info.stdout
    assert _sha(copy) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]


def _restore_refused(live: Path, bad: Path, *words: str) -> None:
    before = _sha(live)
    out = run("--db", str(live), "restore", str(bad), "--yes")
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
    for w in words:
        assert w in out.stderr, out.stderr
    assert _sha(live) == before
    assert not list(live.parent.glob(f"{live.name}.before-restore-*"))


def test_restore_refuses_a_file_with_only_the_migrations_table(live: Path, tmp_path: Path) -> None:
    hollow = tmp_path / "hollow.db"
    assert run("--db", str(live), "backup", str(hollow)).returncode == 0
    conn = sqlite3.connect(hollow)
    conn.execute("PRAGMA foreign_keys = OFF")
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'")]
    for t in tables:
        conn.execute(f'DROP TABLE "{t}"')
    conn.commit()
    conn.close()
    _restore_refused(live, hollow, "does not have comanage's schema", "missing table areas, table audit_log", "not restored")


def test_restore_refuses_an_extra_trigger_that_hides_one_actors_changes(live: Path, tmp_path: Path) -> None:
    doctored = tmp_path / "doctored.db"
    assert run("--db", str(live), "backup", str(doctored)).returncode == 0
    conn = sqlite3.connect(doctored)
    conn.execute("CREATE TRIGGER keep_quiet AFTER INSERT ON audit_log WHEN NEW.actor = 'mallory' "
                 "BEGIN DELETE FROM audit_log WHERE id = NEW.id; END")
    conn.commit()
    conn.close()
    _restore_refused(live, doctored, "extra trigger keep_quiet", "not restored")
    # A changed index is refused too (the schema is compared, not only counted).
    changed = tmp_path / "changed.db"
    assert run("--db", str(live), "backup", str(changed)).returncode == 0
    conn = sqlite3.connect(changed)
    conn.execute("DROP INDEX idx_audit_entity")
    conn.execute("CREATE INDEX idx_audit_entity ON audit_log(entity)")
    conn.commit()
    conn.close()
    _restore_refused(live, changed, "different index idx_audit_entity")


def test_restore_accepts_an_honest_backup_of_an_older_schema(live: Path, tmp_path: Path) -> None:
    from sqlite_utils import Database

    from comanage_tui.data.migrations import migrations

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    migrations.apply(Database(conn), stop_before="m002_query_indexes")
    conn.close()
    out = run("--db", str(live), "restore", str(old), "--yes")
    assert out.returncode == 0, out.stderr
    with Store(live) as s:  # opened read-write: brought up to date, then usable
        assert s.tickets.count() == 0
        assert s.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'idx_audit_entity'") == 1
