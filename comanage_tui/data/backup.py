"""Backup and restore with SQLite's online backup API: safe while other sessions write.

A backup is copied to a temporary name beside its destination, checked, and renamed into
place only when complete: a killed or failed backup never leaves a file under the name the
user asked for. Restore trusts a file only when it opens, passes `integrity_check`, has no
journal beside it (a copy caught mid-write) and has exactly the schema a fresh database at
its migration level has (no missing or extra table, index, trigger or view). It keeps a copy
of the current database and then copies the backup *into* the live file through the backup
API, so other open sessions see the old or the new database, never a half-written one.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

from comanage_tui.data.db import PRIVATE_MODE, applied_migrations, known_migrations
from comanage_tui.data.errors import DatabaseProblem
from comanage_tui.data.safe_files import RefusedPath, file_mode, staged_file
from comanage_tui.data.schema_check import schema_differences
from comanage_tui.data.text import clean

JOURNALS = ("-journal", "-wal")


def _stamp(now: float | None) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() if now is None else now))


def backup(db_path: Path, dest: Path | None = None, *, now: float | None = None, shared: bool = False) -> Path:
    """Copy the database to `dest` (default: next to it, dated). Never overwrites a file.

    The copy is 0600, or 0660 when `shared` or the database itself is group-writable (a team's).
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise DatabaseProblem(f"no database at {db_path}")
    dest = Path(dest) if dest else db_path.with_name(f"{db_path.name}.backup-{_stamp(now)}")
    mode = file_mode(shared or bool(os.stat(db_path).st_mode & stat.S_IWGRP))
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        with staged_file(dest, mode=mode, replace=False) as tmp:
            copy = sqlite3.connect(str(tmp))
            try:
                conn.backup(copy)
                # One self-contained file: a WAL-mode copy would need its -wal beside it.
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
            _check_file(tmp, dest, schema=False)
    except RefusedPath as exc:
        raise DatabaseProblem(f"cannot write {dest}: {exc.strerror}") from None
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(f"backup of {db_path} failed: {exc}; nothing was written") from None
    except OSError as exc:
        raise DatabaseProblem(f"cannot write {dest}: {exc.strerror or exc}; nothing was written") from None
    finally:
        conn.close()
    return dest


def verify(path: Path) -> list[str]:
    """Check a database file without changing it; returns its applied migrations.

    Raises:
        DatabaseProblem: unreadable, damaged, caught mid-write, not exactly comanage's
            schema, or from a newer version.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise DatabaseProblem(f"{path} is missing or empty; nothing to restore from")
    for suffix in JOURNALS:
        journal = Path(f"{path}{suffix}")
        if journal.exists() and journal.stat().st_size > 0:
            raise DatabaseProblem(
                f"{path} has a {suffix} file beside it: it was copied or killed mid-write and is incomplete; "
                "it was not restored (restore a backup made with 'comanage backup')")
    return _check_file(path, path, schema=True)


def _check_file(path: Path, shown: Path, *, schema: bool) -> list[str]:
    """Integrity, a known migration history, and (with `schema`) exactly the expected schema."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"cannot open {shown}: {exc}") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            detail = clean("; ".join(str(r[0]) for r in result[:3]), limit=300)
            raise DatabaseProblem(f"{shown} is damaged ({detail}); it was not restored")
        applied = applied_migrations(conn)
        if not applied:
            raise DatabaseProblem(f"{shown} is not a comanage database (no schema); it was not restored")
        known = known_migrations()
        unknown = [m for m in applied if m not in known]
        if unknown:
            raise DatabaseProblem(f"{shown} was written by a newer comanage ({clean(unknown[-1], limit=80)}); upgrade comanage first")
        if applied != known[: len(applied)]:
            raise DatabaseProblem(f"{shown} has an unexpected migration history; it was not restored")
        if schema:
            differences = schema_differences(conn, applied)
            if differences:
                raise DatabaseProblem(f"{shown} does not have comanage's schema ({differences}); it was not restored")
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(f"{shown} is not a comanage database ({exc}); it was not restored") from None
    finally:
        conn.close()
    return applied


def restore(backup_path: Path, db_path: Path, *, now: float | None = None) -> Path | None:
    """Replace the database's content with the backup's. Returns the safety copy of the old one."""
    verify(backup_path)
    db_path = Path(db_path)
    safety = None
    if db_path.exists():
        safety = backup(db_path, db_path.with_name(f"{db_path.name}.before-restore-{_stamp(now)}"))
    else:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, PRIVATE_MODE)
        os.fchmod(fd, PRIVATE_MODE)
        os.close(fd)
    src = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    dst = sqlite3.connect(str(db_path))
    try:
        dst.execute("PRAGMA busy_timeout = 5000")
        src.backup(dst)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"restore into {db_path} failed ({exc}); the previous database is kept in {safety}") from None
    finally:
        src.close()
        dst.close()
    return safety
