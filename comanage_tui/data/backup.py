"""Backup and restore with SQLite's online backup API: safe while other sessions write.

Restore checks the backup (it opens, passes `integrity_check`, and has a schema this code
knows) before touching anything, keeps a copy of the current database, and then copies
the backup *into* the live file through the backup API, so other open sessions see the
old or the new database, never a half-written one.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from comanage_tui.data.db import PRIVATE_MODE, applied_migrations, backup_to, known_migrations
from comanage_tui.data.errors import DatabaseProblem


def _stamp(now: float | None) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() if now is None else now))


def backup(db_path: Path, dest: Path | None = None, *, now: float | None = None) -> Path:
    """Copy the database to `dest` (default: next to it, dated). Never overwrites a file."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise DatabaseProblem(f"no database at {db_path}")
    dest = Path(dest) if dest else db_path.with_name(f"{db_path.name}.backup-{_stamp(now)}")
    if dest.exists():
        raise DatabaseProblem(f"{dest} already exists; choose another destination")
    mode = os.stat(db_path).st_mode & 0o777
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        backup_to(conn, dest, mode)
    except sqlite3.DatabaseError as exc:
        dest.unlink(missing_ok=True)
        raise DatabaseProblem(f"backup of {db_path} failed: {exc}") from None
    except OSError as exc:
        dest.unlink(missing_ok=True)
        raise DatabaseProblem(f"cannot write {dest}: {exc.strerror}") from None
    finally:
        conn.close()
    return dest


def verify(path: Path) -> list[str]:
    """Check a database file without changing it; returns its applied migrations.

    Raises:
        DatabaseProblem: unreadable, damaged, not a comanage database, or from a newer version.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise DatabaseProblem(f"{path} is missing or empty; nothing to restore from")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"cannot open {path}: {exc}") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise DatabaseProblem(f"{path} is damaged ({'; '.join(r[0] for r in result[:3])}); it was not restored")
        applied = applied_migrations(conn)
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(f"{path} is not a comanage database ({exc}); it was not restored") from None
    finally:
        conn.close()
    if not applied:
        raise DatabaseProblem(f"{path} is not a comanage database (no schema); it was not restored")
    unknown = [m for m in applied if m not in known_migrations()]
    if unknown:
        raise DatabaseProblem(f"{path} was written by a newer comanage ({unknown[-1]}); upgrade comanage first")
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
        fd = os.open(db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE)
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
