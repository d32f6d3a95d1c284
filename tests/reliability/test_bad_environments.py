"""Bad files and environments: each gets a one-line error that says what to do, and nothing is overwritten.

Run as root (as CI does), file permissions do not stop writes, so read-only files and
folders are made with `chattr +i` (immutable even for root); those tests skip, saying
so, where the filesystem does not support it. A full disk is simulated with RLIMIT_FSIZE.
"""

from __future__ import annotations

import contextlib
import hashlib
import resource
import sqlite3
import subprocess
from pathlib import Path

import pytest

from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd, run


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line_error(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
    for w in words:
        assert w in out.stderr, out.stderr


def _small_db(path: Path) -> Path:
    with Store(path) as s:
        s.org.add_party({"key": "msp", "name": "MSP"})
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@contextlib.contextmanager
def immutable(path: Path):
    """`chattr +i` for the duration, or skip the test where it is not supported."""
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make {path.name} immutable here (chattr: {done.stderr.strip() or 'unavailable'})")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_corrupt_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    db.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    before = _sha(db)
    _one_line_error(run("--db", str(db), "info"), "damaged", "comanage restore")
    assert _sha(db) == before


def test_empty_file_and_foreign_database_are_not_adopted(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    _one_line_error(run("--db", str(empty), "info"), "empty file")
    assert empty.stat().st_size == 0
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = _sha(foreign)
    _one_line_error(run("--db", str(foreign), "info"), "another application")
    assert _sha(foreign) == before


def test_database_from_newer_version(tmp_path: Path) -> None:
    db = _small_db(tmp_path / "new.db")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('comanage', 'm900_future', 'x')")
    conn.commit()
    conn.close()
    before = _sha(db)
    _one_line_error(run("--db", str(db), "info"), "newer comanage", "upgrade")
    assert _sha(db) == before


def test_read_only_database_file(tmp_path: Path) -> None:
    db = _small_db(tmp_path / "ro.db")
    before = _sha(db)
    with immutable(db):
        _one_line_error(run("--db", str(db), "init"), "already exists")
        cfg = tmp_path / "cal.toml"
        cfg.write_text('[[calendar]]\nname = "x"\nalways_open = true\n')
        _one_line_error(run("--db", str(db), "sla", "load", str(cfg)), "read-only", "nothing was changed")
        for flags in ([], ["--read-only"]):  # reading works either way
            viewing = run("--db", str(db), *flags, "info")
            assert viewing.returncode == 0, viewing.stderr
            assert "parties" in viewing.stdout
    assert _sha(db) == before


def test_directory_that_is_not_writable(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with immutable(folder):
        _one_line_error(run("--db", str(folder / "x.db"), "init"), "cannot create", "--db")
        _one_line_error(run("--db", str(folder / "x.db"), "demo", "--tickets", "5"), str(folder))
    assert list(folder.iterdir()) == []


def _limit_file_size() -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_500_000, 1_500_000))


def test_full_disk_during_demo_keeps_the_old_database(tmp_path: Path) -> None:
    db = _small_db(tmp_path / "full.db")
    before = _sha(db)
    out = subprocess.run([*comanage_cmd(), "--db", str(db), "demo", "--force", "--tickets", "20000"],
                         capture_output=True, text=True, preexec_fn=_limit_file_size, timeout=300)
    _one_line_error(out, "disk is full", "nothing was saved")
    assert _sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.db"]
