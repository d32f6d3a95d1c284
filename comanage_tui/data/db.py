"""Open the database: file creation and mode, pragmas, version check, backup, migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

from comanage_tui.data.errors import DatabaseProblem

MIGRATION_SET = "comanage"
# The migrations this code knows, in order (tests assert it matches migrations.py). Kept
# as plain names so opening an up-to-date database needs no sqlite-utils import.
SCHEMA = ("m001_core_schema", "m002_query_indexes", "m003_olas", "m004_sync_state", "m005_history_at_scale",
          "m006_review_at_scale")


def known_migrations() -> list[str]:
    return list(SCHEMA)

BUSY_TIMEOUT_MS = 5_000
PRIVATE_MODE = 0o600
SHARED_MODE = 0o660  # a team on one jump box sharing the file through a common group


def file_mode(shared: bool) -> int:
    return SHARED_MODE if shared else PRIVATE_MODE


def _create_file(path: Path, mode: int) -> None:
    """Create an empty database file with exactly `mode` (umask would otherwise widen or narrow it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def connect(path: Path | str, *, read_only: bool = False, immutable: bool = False) -> sqlite3.Connection:
    """A connection for use from any thread (callers serialise access with a lock).

    `isolation_level=None` leaves transactions to us: every write is `BEGIN IMMEDIATE`,
    because a deferred read-then-write fails at once when another process writes.
    """
    path = Path(path)
    if read_only:
        # An absolute URI, so a file name holding '?' or '#' is not read as URI syntax.
        uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def enable_wal(conn: sqlite3.Connection) -> None:
    """WAL lets dashboards keep reading while another session writes.

    Called only once the file is known to be ours: switching modes rewrites its header.
    """
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='_sqlite_migrations'").fetchone()
    if not exists:
        return []
    rows = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id", (MIGRATION_SET,)
    ).fetchall()
    return [r[0] for r in rows]


def backup_to(conn: sqlite3.Connection, target: Path, mode: int) -> Path:
    """Copy the live database with SQLite's online backup API (safe while others write).

    Staged under a temporary name and renamed when complete (`safe_files`): a killed copy
    never shows under `target`, and an existing file or link there is refused.
    """
    from comanage_tui.data.safe_files import staged_file

    with staged_file(target, mode=mode, replace=False) as tmp:
        dest = sqlite3.connect(str(tmp))
        try:
            conn.backup(dest)
        finally:
            dest.close()
    return target


def _damaged(path: Path, exc: sqlite3.Error, *, writing: bool = True) -> DatabaseProblem:
    """Damage only when the error is not about rights, disk space or locks (those name their own cause)."""
    from comanage_tui.data.db_errors import describe  # only on the error path

    found = describe(path, exc, writing=writing)
    if found is not None:
        return found
    return DatabaseProblem(
        f"{path} is not a comanage database or is damaged ({exc}); restore it with 'comanage restore BACKUP' or point --db elsewhere"
    )


def _is_empty_beside(path: Path, suffix: str) -> bool:
    """True when the `-wal`/`-journal` beside `path` is missing or empty (nothing waits to be applied)."""
    try:
        return os.stat(path.with_name(path.name + suffix)).st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _unfinished_write(path: Path) -> DatabaseProblem:
    return DatabaseProblem(
        f"{path} has an unfinished write beside it ({path.name}-journal, left by a killed process); reading it "
        "now would show half of that write. Open it once by someone who can write it (that rolls the write "
        "back), or restore a backup; nothing was changed"
    )


def connect_checked(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Connect and read the schema once, so an unusable file fails here with its real cause.

    A viewer who cannot write the folder (or the -shm beside the file) cannot set up WAL's
    shared index; when no WAL content is waiting, the file alone is the whole database and is
    opened `immutable` instead: they see it as it stands, and nothing is written. Immutable
    takes no locks, so a checkpoint by a writer elsewhere during a read could show a torn
    page; such a viewer could not have coordinated with that writer anyway (no -shm access).
    """
    conn = None
    try:
        conn = connect(path, read_only=read_only)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        from comanage_tui.data.db_errors import is_environment  # only on the error path

        if read_only and not _is_empty_beside(path, "-journal"):
            # A hot rollback journal: only a writer may roll it back, and an immutable read would
            # show the half-written pages (a killed backup looked like an empty, valid database).
            raise _unfinished_write(path) from None
        if read_only and is_environment(exc) and _is_empty_beside(path, "-wal"):
            with contextlib.suppress(sqlite3.DatabaseError):
                conn = connect(path, read_only=True, immutable=True)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
        raise _damaged(path, exc, writing=not read_only) from None


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """An existing file without our schema is someone else's: never adopt it silently."""
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if tables:
        raise DatabaseProblem(f"{path} is a SQLite database of another application; choose another --db")


def open_database(
    path: Path | str,
    *,
    create: bool = True,
    shared: bool = False,
    read_only: bool = False,
    now: float | None = None,
) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the database at `path`.

    Raises:
        DatabaseProblem: missing file with create=False, a damaged file, a schema newer than
            this code, or a read-only database that needs upgrading. Nothing is changed then.
    """
    path = Path(path)
    is_new = not path.exists()
    if not is_new and path.stat().st_size == 0:
        # Checked before connecting: switching to WAL would write a header into it.
        raise DatabaseProblem(f"{path} is an empty file, not a comanage database; delete it or choose another --db")
    if is_new:
        if not create or read_only:
            raise DatabaseProblem(f"no database at {path}; create one with 'comanage demo' or 'comanage init'")
        try:
            _create_file(path, file_mode(shared))
        except OSError as exc:
            raise DatabaseProblem(f"cannot create {path}: {exc.strerror}; choose a writable folder with --db") from None
    conn = connect_checked(path, read_only=read_only)
    try:
        applied = applied_migrations(conn)
        if not applied and not is_new:
            _refuse_foreign(conn, path)
        known = known_migrations()
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise DatabaseProblem(
                f"{path} was written by a newer comanage (schema {applied[-1]}); upgrade comanage to open it"
            )
        if not read_only:
            try:
                enable_wal(conn)
            except sqlite3.OperationalError as exc:
                raise _damaged(path, exc) from None
        pending = [name for name in known if name not in applied]
        if pending:
            if read_only:
                raise DatabaseProblem(f"{path} needs upgrading to schema {known[-1]}; open it once without --read-only")
            if applied:
                stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now if now is not None else time.time()))
                backup = path.with_name(f"{path.name}.bak-{applied[-1]}-{stamp}")
                # The backup is as private as the database it copies.
                backup_to(conn, backup, os.stat(path).st_mode & 0o777)
            migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations as one IMMEDIATE transaction: all of them, or none."""
    from sqlite_utils import Database  # only needed when there is something to apply

    from comanage_tui.data.migrations import migrations

    db = Database(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)  # nested atomic() blocks become savepoints inside ours
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
