"""Permission and disk problems are named as such (cause and file), never reported as a damaged database.

The tests run comanage as `nobody` (the suite runs as root, whom permissions do not stop),
in a folder under /tmp that `nobody` can reach; they skip, saying why, where that is not
possible. A full disk is a 1 MB tmpfs filled to the brim, mounted in a private mount
namespace (`unshare -m`); that test skips where the namespace cannot be made.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import comanage_cmd, run

AS_OF = "2026-11-23T08:30:00Z"
NOBODY = 65534


def _as_nobody() -> list[str]:
    """A command prefix that runs the rest as uid/gid 65534 with no extra groups.

    Skips, saying why, when `nobody` cannot run this checkout's `comanage` at all (a checkout
    under a folder only root may enter, such as a `mktemp -d` one): then every result would be
    that permission error, not the one under test.
    """
    for prefix in (["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"], ["runuser", "-u", "nobody", "--"]):
        if shutil.which(prefix[0]) and subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            probe = subprocess.run([*prefix, *comanage_cmd(), "--version"], capture_output=True, text=True,
                                   stdin=subprocess.DEVNULL, timeout=60)
            if probe.returncode != 0:
                pytest.skip(f"nobody cannot run this checkout's comanage ({probe.stderr.strip()[-160:]})")
            return prefix
    pytest.skip("cannot run a command as nobody here (neither setpriv nor runuser works)")


def nobody(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*_as_nobody(), *comanage_cmd(), *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(out: subprocess.CompletedProcess, *words: str) -> str:
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert "damaged" not in out.stderr, out.stderr
    for w in words:
        assert w in out.stderr, out.stderr
    return out.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("perm") / "demo.db"
    assert run("--db", str(path), "demo", "--tickets", "30", "--now", AS_OF).returncode == 0
    return path


@pytest.fixture
def box() -> Iterator[Path]:
    """A folder under /tmp that nobody can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="comanage-perm-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_wal_left_by_another_user_is_named_with_the_setgid_hint(demo: Path, box: Path) -> None:
    """--shared without a setgid folder: the last opener owns -wal/-shm and the next user is locked out."""
    team = box / "team"
    team.mkdir()
    os.chmod(team, 0o777)
    db = team / "comanage.db"
    shutil.copy(demo, db)
    os.chmod(db, 0o666)
    holder = sqlite3.connect(db)  # another user's session, still open, with changes in its WAL
    try:
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("INSERT INTO meta (key, value) VALUES ('probe', 'x')")
        holder.commit()
        for side in ("-wal", "-shm"):
            os.chmod(f"{db}{side}", 0o600)
        for flags in ([], ["--read-only"]):
            err = _one_line(nobody(*flags, "--db", str(db), "info"), f"{db}-wal", "permission denied",
                            "owned by uid 0", f"chmod g+s {team}")
            assert "restore" not in err
        probe = nobody("--db", str(db), "check", "--as-of", AS_OF)
        assert probe.returncode == 3 and probe.stdout.count("\n") == 1, probe.stdout + probe.stderr
        assert "permission denied" in probe.stdout and f"{db}-wal" in probe.stdout
    finally:
        holder.close()


def test_viewer_in_a_folder_they_cannot_write_still_reads(demo: Path, box: Path) -> None:
    db = box / "comanage.db"
    shutil.copy(demo, db)
    os.chmod(db, 0o644)
    before = _sha(db)
    for args in (["--read-only", "info"], ["snapshot", "--as-of", AS_OF], ["explain", "INC100000", "--as-of", AS_OF],
                 ["org", "show"]):
        out = nobody("--db", str(db), *args)
        assert out.returncode == 0, (args, out.stderr)
        assert out.stdout
    probe = nobody("--db", str(db), "check", "--as-of", AS_OF)
    assert probe.returncode in (0, 1, 2) and probe.stdout.startswith("COMANAGE "), probe.stdout
    # `info` only reads (it never migrates or rolls back a file), so it works for the viewer too.
    assert nobody("--db", str(db), "info").returncode == 0
    # Writing says why it cannot, and what to do.
    config = box / "sla.toml"
    config.write_text(run("--db", str(db), "sla", "show").stdout, encoding="utf-8")
    os.chmod(config, 0o644)
    _one_line(nobody("--db", str(db), "sla", "load", str(config)), "cannot write", str(db), "permission denied", "--read-only")
    assert _sha(db) == before and sorted(p.name for p in box.iterdir()) == ["comanage.db", "sla.toml"]


def test_read_only_file_says_nothing_was_changed_once(demo: Path, box: Path) -> None:
    """A file this user may read but not write, in a folder they can: the write is refused with one reason."""
    os.chmod(box, 0o777)
    db = box / "comanage.db"
    shutil.copy(demo, db)
    os.chmod(db, 0o644)
    config = box / "sla.toml"
    config.write_text(run("--db", str(db), "sla", "show").stdout, encoding="utf-8")
    os.chmod(config, 0o644)
    before = _sha(db)
    for args in (["sla", "load", str(config)], ["org", "load", str(Path(__file__).parents[2] / "examples" / "org.toml")]):
        err = _one_line(nobody("--db", str(db), *args), "permission denied")
        assert err.count("nothing was changed") == 1, err
    assert _sha(db) == before


def test_check_unreadable_file_is_unknown_with_one_line(demo: Path, box: Path) -> None:
    db = box / "comanage.db"
    shutil.copy(demo, db)
    os.chmod(db, 0o600)
    probe = nobody("--db", str(db), "check", "--as-of", AS_OF)
    assert probe.returncode == 3, probe.stdout + probe.stderr
    assert probe.stdout.count("\n") == 1 and probe.stderr == "", probe.stderr
    assert probe.stdout.startswith("COMANAGE UNKNOWN - ") and "not readable" in probe.stdout


_FULL_DISK = """
mount -t tmpfs -o size=1m tmpfs "$1" || exit 1
cp "$2" "$1/comanage.db" || exit 1
dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
"""


def test_full_disk_is_named_and_reading_still_works(demo: Path, box: Path, tmp_path: Path) -> None:
    mnt = box / "disk"
    mnt.mkdir()
    config = tmp_path / "sla.toml"
    config.write_text(run("--db", str(demo), "sla", "show").stdout, encoding="utf-8")
    cmd = " ".join(comanage_cmd())
    db = mnt / "comanage.db"
    script = _FULL_DISK + "\n".join(
        f'{cmd} --db {db} {args} >"{box}/{i}.out" 2>"{box}/{i}.err" </dev/null; echo $? >"{box}/{i}.rc"'
        for i, args in enumerate(["info", f"sla load {config}", "--read-only info", f"check --as-of {AS_OF}",
                                  f"snapshot --as-of {AS_OF}"]))
    done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(mnt), str(demo)], capture_output=True, text=True)
    if done.returncode != 0 or not (box / "0.rc").exists():
        pytest.skip(f"cannot mount a small tmpfs in a private namespace here: {done.returncode} {done.stderr.strip()[:200]}")

    def result(i: int) -> tuple[int, str, str]:
        return int((box / f"{i}.rc").read_text()), (box / f"{i}.out").read_text(), (box / f"{i}.err").read_text()

    rc, _out, err = result(1)  # writing
    assert rc == 1 and err.count("\n") == 1, err
    assert "disk is full" in err and str(db) in err and "damaged" not in err
    for i in (0, 2, 3, 4):  # viewing (info only reads) needs no free space
        rc, out, err = result(i)
        assert rc in (0, 1, 2) and out and "Traceback" not in err, (i, err)
