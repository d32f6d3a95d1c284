"""Every file comanage writes: a temporary name beside it, an exact mode, fsync, rename; never through a link.

comanage runs on shared jump boxes, where another account may prepare the folder a
user writes into. So, for every output (snapshots, CSV folders and zips, import
reports, backups):

* A symbolic link at the final name is refused with an error naming the path; the
  link's target is never opened. (Were a link planted between the check and the
  rename, `rename()` replaces the link itself, never its target.)
* The data goes to a new temporary name in the target folder, created with
  O_CREAT|O_EXCL|O_NOFOLLOW and exactly `mode` (0600, or 0660 for a `--shared` team;
  the umask is not consulted), is fsynced, then renamed into place and the folder
  fsynced. A failure (full disk, kill) leaves the previous file as it was and no
  partial file under the final name.
* A folder of files (a CSV snapshot) is written whole into a fresh private folder
  beside the target, then renamed into place: the user gets every file or none.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

PRIVATE_MODE = 0o600
SHARED_MODE = 0o660  # a team on one jump box sharing through a common group


def file_mode(shared: bool) -> int:
    return SHARED_MODE if shared else PRIVATE_MODE


def folder_mode(mode: int) -> int:
    """The folder mode that goes with a file mode: 0600 -> 0700, 0660 -> 0770."""
    return mode | ((mode & 0o444) >> 2)


class RefusedPath(OSError):
    """A destination comanage will not write to; `strerror` says why, in words a person can act on.

    An OSError so every caller that already reports "cannot write PATH: reason" reports it too.
    """

    def __init__(self, path: Path | str, why: str, code: int = errno.EEXIST):
        super().__init__(code, why, str(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def _existing(path: Path) -> os.stat_result | None:
    """The final name's own status (a link is not followed); a link is refused."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise RefusedPath(path, "it is a symbolic link; comanage never writes through a link (remove it or choose another path)",
                          errno.ELOOP)
    return st


def _temp_name(path: Path, kind: str = "tmp") -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.{kind}")


def _create(path: Path, mode: int) -> int:
    """A new file at exactly `mode`; fails if anything (a link included) is already at `path`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)  # the umask narrowed or widened what os.open asked for
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = _create(path, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename durable: the folder's entry is what a crash would otherwise lose."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_file_target(path: Path, replace: bool) -> None:
    st = _existing(path)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        raise RefusedPath(path, "it is a folder; give a file name", errno.EISDIR)
    if not replace:
        raise RefusedPath(path, "it already exists; choose another destination")
    if not stat.S_ISREG(st.st_mode):
        raise RefusedPath(path, "it is not a regular file; choose another path")


def _commit(tmp: Path, path: Path, replace: bool) -> None:
    if replace:
        os.rename(tmp, path)  # atomic; replaces a link planted meanwhile, never follows it
        return
    try:
        os.link(tmp, path)  # atomic "create only if absent", whatever appeared meanwhile
    except FileExistsError:
        raise RefusedPath(path, "it already exists; choose another destination") from None
    os.unlink(tmp)


def write_file(path: Path | str, data: bytes, *, mode: int = PRIVATE_MODE, replace: bool = True) -> Path:
    """Write `data` to `path` whole or not at all. `replace=False` refuses an existing file."""
    path = Path(path)
    _check_file_target(path, replace)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        _write_new(tmp, data, mode)
        _commit(tmp, path, replace)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
    return path


@contextlib.contextmanager
def staged_file(path: Path | str, *, mode: int = PRIVATE_MODE, replace: bool = True) -> Iterator[Path]:
    """A new empty file beside `path` for a writer that needs a name (SQLite's backup).

    When the block ends without an error the file is fsynced and renamed to `path`;
    otherwise it is removed (with any `-journal` SQLite left) and `path` is untouched.
    """
    path = Path(path)
    _check_file_target(path, replace)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    os.close(_create(tmp, mode))
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _commit(tmp, path, replace)
    except BaseException:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def _check_reusable_folder(path: Path, st: os.stat_result, replaceable: Collection[str]) -> None:
    """An existing folder is replaced only when it is plainly an earlier output of ours."""
    if st.st_uid != os.geteuid():
        raise RefusedPath(path, "the folder belongs to another user; choose a folder of your own", errno.EPERM)
    if st.st_mode & stat.S_IWOTH:
        raise RefusedPath(path, "anyone can write to that folder; choose a folder of your own", errno.EPERM)
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.name not in replaceable or not entry.is_file(follow_symlinks=False):
                raise RefusedPath(path, f"the folder holds {entry.name!r}, which comanage did not write; "
                                        "choose a new or empty folder", errno.ENOTEMPTY)


def write_folder(path: Path | str, files: Mapping[str, bytes], *, mode: int = PRIVATE_MODE,
                 replaceable: Collection[str] = ()) -> list[Path]:
    """Write `files` (name -> bytes) as the folder `path`: all of them or none.

    A missing folder is created; an existing one is replaced whole, but only if it is
    ours, not writable by everyone, and holds nothing but regular files named in
    `replaceable` (an earlier snapshot); anything else is refused, naming the reason.
    """
    path = Path(path)
    st = _existing(path)
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise RefusedPath(path, "it exists and is not a folder", errno.ENOTDIR)
        _check_reusable_folder(path, st, replaceable)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _temp_name(path)
    os.mkdir(staging, 0o700)
    old: Path | None = None
    try:
        os.chmod(staging, folder_mode(mode))
        for name, data in files.items():
            _write_new(staging / name, data, mode)
        fsync_folder(staging)
        if st is not None:
            old = _temp_name(path, "old")
            os.rename(path, old)
        os.rename(staging, path)  # fails, changing nothing, if anything took the name meanwhile
    except BaseException:
        if old is not None and not os.path.lexists(path):
            os.rename(old, path)  # put the earlier snapshot back
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_folder(path.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [path / name for name in files]
