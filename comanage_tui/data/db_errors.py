"""Why SQLite or the OS refused a database file: permissions, read-only media, a full disk, a lock — not damage."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path

from comanage_tui.data.errors import DatabaseProblem
from comanage_tui.data.text import clean

# SQLite primary result codes (the low byte of an extended code such as SQLITE_READONLY_DIRECTORY).
BUSY, LOCKED, PERM, READONLY, IOERR, FULL, CANTOPEN = 5, 6, 3, 8, 10, 13, 14
ENVIRONMENT_CODES = {BUSY, LOCKED, PERM, READONLY, IOERR, FULL, CANTOPEN}
# Extended I/O codes of a write that did not fit: WRITE, FSYNC, TRUNCATE, SHMSIZE, SHMMAP.
_WRITE_IOERRS = {778, 1034, 1546, 4874, 5386}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED_ERRNOS = {errno.EACCES, errno.EPERM}


def primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_environment(exc: BaseException) -> bool:
    """True when the file is probably fine and its surroundings (rights, disk, locks) are not."""
    if isinstance(exc, OSError):
        return True
    return isinstance(exc, sqlite3.Error) and primary_code(exc) in ENVIRONMENT_CODES


def companions(path: Path) -> list[Path]:
    """The database and the files SQLite keeps beside it in WAL mode."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _owner(st: os.stat_result) -> str:
    import pwd  # only on the error path

    try:
        return f"uid {st.st_uid} ({clean(pwd.getpwuid(st.st_uid).pw_name)})"
    except KeyError:
        return f"uid {st.st_uid}"


def _setgid_hint(folder: Path) -> str:
    try:
        if os.stat(folder).st_mode & stat.S_ISGID:
            return ""
    except OSError:
        return ""
    return f"; with --shared the folder should be setgid to the team's group: chmod g+s {clean(folder)}"


def permission_problem(path: Path, *, writing: bool) -> str | None:
    """The first file or folder around `path` this user cannot use as SQLite needs to, described; else None."""
    folder = path.parent if str(path.parent) else Path(".")
    for f in companions(path):
        try:
            st = os.stat(f)
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"cannot reach {clean(f)}: {exc.strerror}"
        # The -shm index is written by readers too; the -wal only needs reading by them.
        need_write = writing or f.name.endswith("-shm")
        if not os.access(f, os.R_OK) or (need_write and not os.access(f, os.W_OK)):
            verb = "write" if os.access(f, os.R_OK) else "read"
            what = f"cannot {verb} {clean(f)}: permission denied (owned by {_owner(st)}, mode {stat.S_IMODE(st.st_mode):04o})"
            if f == path:
                return what + ("; open it with --read-only to view it" if writing else "")
            return what + _setgid_hint(folder)
    missing = [f for f in companions(path)[1:] if not f.exists()]
    if (writing or missing) and not os.access(folder, os.W_OK | os.X_OK):
        st = os.stat(folder)
        return (f"cannot create files in {clean(folder)}: permission denied (owned by {_owner(st)}, mode "
                f"{stat.S_IMODE(st.st_mode):04o}); SQLite needs to write {clean(path.name)}-wal and -shm beside the database")
    return None


def _read_only_media(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _disk_full(path: Path) -> bool:
    try:
        vfs = os.statvfs(path.parent)
    except OSError:
        return False
    return vfs.f_bavail * vfs.f_frsize < 1024 * 1024


def describe(path: Path | str, exc: BaseException, *, writing: bool = True) -> DatabaseProblem | None:
    """A DatabaseProblem naming the real cause and the file, or None when `exc` does not come from the environment."""
    path = Path(path)
    shown = clean(path)
    if isinstance(exc, OSError):
        where = clean(exc.filename) if exc.filename else shown
        if exc.errno in _FULL_ERRNOS:
            return DatabaseProblem(f"cannot write {where}: the disk is full (or a file size limit was hit); nothing was saved")
        if exc.errno == errno.EROFS:
            return DatabaseProblem(f"cannot write {where}: the file system is read-only; open it with --read-only to view it")
        if exc.errno in _DENIED_ERRNOS:
            about_db = not exc.filename or Path(exc.filename) in companions(path) or Path(exc.filename) == path.parent
            found = permission_problem(path, writing=writing) if about_db else None
            return DatabaseProblem(found or f"cannot use {where}: permission denied")
        return DatabaseProblem(f"cannot use {where}: {exc.strerror or exc}")
    if not isinstance(exc, sqlite3.Error):
        return None
    code = primary_code(exc)
    if code in (BUSY, LOCKED):
        return DatabaseProblem(f"{shown} is locked by another comanage session or process; try again")
    if code == FULL or (code == IOERR and _disk_full(path)):
        return DatabaseProblem(f"cannot write {shown}: the disk is full (or a file size limit was hit); nothing was saved")
    if code in (PERM, READONLY, CANTOPEN, IOERR):
        found = permission_problem(path, writing=writing)
        if found:
            return DatabaseProblem(found)
        if _read_only_media(path):
            return DatabaseProblem(f"{shown} is on a read-only file system; open it with --read-only to view it")
        if code == READONLY:
            return DatabaseProblem(f"{shown} is read-only for this user; open it with --read-only to view it")
        if getattr(exc, "sqlite_errorcode", None) in _WRITE_IOERRS:
            # SQLite hides errno: a refused write is most often ENOSPC or EFBIG (a file size limit).
            return DatabaseProblem(f"cannot write {shown}: the disk is full, a file size limit was hit or the disk "
                                   f"failed ({exc}); nothing was saved")
        if code == IOERR:
            return DatabaseProblem(f"input/output error on {shown} ({exc}); the disk may be failing, full or gone")
        return DatabaseProblem(f"cannot open {shown}: {exc}; check the path and its permissions")
    return None
