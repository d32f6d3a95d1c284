"""`comanage backup` and `comanage restore`: online copies, and restores that check before replacing."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

from comanage_tui.data.store import Store
from tests.cli.test_cli import run


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _db(tmp_path: Path, n: int = 3) -> Path:
    db = tmp_path / "live.db"
    with Store(db) as s:
        s.org.add_party({"key": "msp", "name": "MSP"})
        for i in range(n):
            s.tickets.add({"ref": f"T{i}", "title": "x", "party": "msp", "opened_at": 1_700_000_000})
    return db


def test_backup_while_another_process_writes_then_restore(tmp_path: Path) -> None:
    db = _db(tmp_path)
    stop = threading.Event()

    def keep_writing() -> None:
        with Store(db) as s:
            i = 100
            while not stop.is_set():
                s.tickets.add({"ref": f"W{i}", "title": "busy", "party": "msp", "opened_at": 1_700_000_000})
                i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        out = run("--db", str(db), "backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        writer.join()
    assert out.returncode == 0, out.stderr
    copy = tmp_path / "copy.db"
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    with Store(copy, read_only=True) as s:
        assert s.scalar("PRAGMA integrity_check") == "ok"
        assert s.tickets.count() >= 3
    with Store(db) as s:
        s.tickets.add({"ref": "AFTER", "title": "made after the backup", "party": "msp", "opened_at": 1_700_000_000})
    restored = run("--db", str(db), "restore", str(copy), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "previous database is kept" in restored.stdout
    with Store(db) as s:
        refs = {r[0] for r in s.query("SELECT ref FROM tickets")}
    assert "AFTER" not in refs and {"T0", "T1", "T2"} <= refs
    kept = list(tmp_path.glob("live.db.before-restore-*"))
    assert len(kept) == 1
    with Store(kept[0], read_only=True) as s:
        assert s.tickets.by_ref("AFTER")


def test_restore_refuses_damaged_empty_and_foreign_files_and_changes_nothing(tmp_path: Path) -> None:
    db = _db(tmp_path)
    with Store(db) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _sha(db)
    empty = tmp_path / "empty.db"
    empty.touch()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    for bad, words in ((empty, "missing or empty"), (junk, "not"), (tmp_path / "absent.db", "missing or empty")):
        out = run("--db", str(db), "restore", str(bad), "--yes")
        assert out.returncode == 1, out.stdout
        assert words in out.stderr and "Traceback" not in out.stderr
    assert _sha(db) == before
    assert not list(tmp_path.glob("live.db.before-restore-*"))


def test_backup_never_overwrites(tmp_path: Path) -> None:
    db = _db(tmp_path)
    target = tmp_path / "taken.db"
    target.write_text("precious")
    out = run("--db", str(db), "backup", str(target))
    assert out.returncode == 1 and "already exists" in out.stderr
    assert target.read_text() == "precious"
