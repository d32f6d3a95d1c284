"""Every file comanage writes, attacked as on a shared jump box: planted links, loose umasks, full disks.

Each output kind (Markdown, HTML, JSON, CSV folder, CSV zip, import report, backup) is
written by the installed command in a subprocess. A link planted at the output name must
leave its target byte-for-byte unchanged; files must be 0600 under umask 022 (0660 with
`--shared`); a write that fails (RLIMIT_FSIZE stands in for a full disk) must leave no
partial file and the previous output intact.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import resource
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import comanage_cmd
from tests.cli.test_import_cli import export

AS_OF = "2026-11-23T08:30:00Z"
VICTIM = b"# the lead's own .profile\nexport PATH=$HOME/bin:$PATH\n"
KINDS = ("md", "html", "json", "zip", "csv-dir", "report", "report-default", "backup")


def _run(*args: str, cwd: Path | None = None, umask: int = 0o022, fsize: int | None = None) -> subprocess.CompletedProcess:
    def child() -> None:
        os.umask(umask)
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([*comanage_cmd(), *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          stdin=subprocess.DEVNULL, preexec_fn=child)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    out = _run("--db", str(db), "demo", "--tickets", "400", "--now", AS_OF)
    assert out.returncode == 0, out.stderr
    # Rollback-journal mode: reading it creates no 32 KB -shm, which a small RLIMIT_FSIZE would refuse.
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return db


def _db(demo_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "team.db"
    shutil.copyfile(demo_db, db)
    os.chmod(db, 0o600)  # as comanage creates it
    return db


def _write(kind: str, db: Path, target: Path, *extra: str, umask: int = 0o022, fsize: int | None = None,
           ) -> subprocess.CompletedProcess:
    """Run the command that writes output `kind` to `target` (for report-default: the folder it runs in)."""
    base = ("--db", str(db), *extra)
    if kind in ("md", "html", "json", "zip", "csv-dir"):
        fmt = "csv" if kind in ("zip", "csv-dir") else kind
        return _run(*base, "snapshot", "--format", fmt, "--include-notes", "--as-of", AS_OF, "--out", str(target),
                    umask=umask, fsize=fsize)
    if kind == "backup":
        return _run(*base, "backup", str(target), umask=umask, fsize=fsize)
    source = export(target.parent / "bad.csv", bad=True)
    if kind == "report":
        return _run(*base, "import", str(source), "--preset", "servicenow", "--dry-run", "--report", str(target),
                    umask=umask, fsize=fsize)
    return _run(*base, "import", str(source), "--preset", "servicenow", "--skip-bad-rows", cwd=target.parent,
                umask=umask, fsize=fsize)


def _target(kind: str, folder: Path) -> Path:
    return folder / {"md": "s.md", "html": "s.html", "json": "s.json", "zip": "s.zip", "csv-dir": "csv",
                     "report": "r.txt", "report-default": "bad.csv.import-report.txt", "backup": "copy.db"}[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_planted_at_the_output_name_is_refused_and_its_target_unchanged(kind: str, demo_db: Path,
                                                                               tmp_path: Path) -> None:
    db = _db(demo_db, tmp_path)
    victim = tmp_path / "home" / ".profile"
    victim.parent.mkdir()
    victim.write_bytes(VICTIM)
    os.chmod(victim, 0o644)
    drop = tmp_path / "drop"
    drop.mkdir(mode=0o777)
    target = _target(kind, drop)
    # The CSV folder is attacked file by file as in the report: the folder holds a link per table.
    if kind == "csv-dir":
        target.mkdir()
        os.symlink(victim, target / "kt_items.csv")
    else:
        os.symlink(victim, target)
    out = _write(kind, db, target)
    assert "Traceback" not in out.stderr
    assert victim.read_bytes() == VICTIM and stat.S_IMODE(victim.stat().st_mode) == 0o644
    if kind == "report-default" or kind == "report":
        assert out.returncode == 1 and "symbolic link" in out.stderr and str(target) in out.stderr
    elif kind == "csv-dir":
        assert out.returncode == 1 and "kt_items.csv" in out.stderr and str(target) in out.stderr
        assert os.listdir(target) == ["kt_items.csv"]
    else:
        assert out.returncode == 1 and str(target) in out.stderr, out.stderr
        assert "symbolic link" in out.stderr or "already exists" in out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
    assert [p.name for p in drop.iterdir() if p.name.startswith(".")] == []


def test_a_csv_folder_prepared_by_another_user_is_refused(demo_db: Path, tmp_path: Path) -> None:
    """The report's scenario: someone else's world-writable folder holding `kt_items.csv -> ~/.profile`."""
    db = _db(demo_db, tmp_path)
    victim = tmp_path / ".profile"
    victim.write_bytes(VICTIM)
    trap = tmp_path / "shared-out"
    trap.mkdir()
    os.chmod(trap, 0o777)
    os.symlink(victim, trap / "kt_items.csv")
    nobody = pwd.getpwnam("nobody")
    os.chown(trap, nobody.pw_uid, nobody.pw_gid)
    out = _write("csv-dir", db, trap)
    assert out.returncode == 1 and "another user" in out.stderr and str(trap) in out.stderr
    assert victim.read_bytes() == VICTIM
    os.chown(trap, os.geteuid(), os.getegid())  # ours now, but anyone can still write to it
    out = _write("csv-dir", db, trap)
    assert out.returncode == 1 and "anyone can write" in out.stderr
    assert victim.read_bytes() == VICTIM and os.listdir(trap) == ["kt_items.csv"]


def test_a_csv_folder_appears_whole_and_replaces_an_earlier_snapshot_whole(demo_db: Path, tmp_path: Path) -> None:
    db = _db(demo_db, tmp_path)
    out_dir = tmp_path / "csv"
    assert _write("csv-dir", db, out_dir).returncode == 0
    first = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    assert len(first) == 12 and all(name.endswith(".csv") for name in first)  # every table but delta.csv
    (out_dir / "kpis.csv").write_text("stale\n")
    again = _write("csv-dir", db, out_dir)
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "team.db"]  # no staging or old folder left


@pytest.mark.parametrize("shared", [False, True], ids=["private", "shared"])
def test_every_output_has_the_exact_mode_whatever_the_umask(shared: bool, demo_db: Path, tmp_path: Path) -> None:
    db = _db(demo_db, tmp_path)
    want = 0o660 if shared else 0o600
    flags = ("--shared",) if shared else ()
    for kind in KINDS:
        folder = tmp_path / kind
        folder.mkdir()
        target = _target(kind, folder)
        out = _write(kind, db, target, *flags, umask=0o022 if not shared else 0o077)
        assert out.returncode in (0, 1), out.stderr  # a dry run with rejected rows exits 1 by design
        files = list(target.iterdir()) if target.is_dir() else [target]
        assert files, kind
        for f in files:
            assert stat.S_IMODE(f.stat().st_mode) == want, (kind, f.name, oct(f.stat().st_mode))
        if target.is_dir():
            assert stat.S_IMODE(target.stat().st_mode) == (0o770 if shared else 0o700)


@pytest.mark.parametrize("kind", ["md", "csv-dir", "zip", "backup", "report"])
def test_a_full_disk_leaves_no_partial_file_and_the_previous_output_intact(kind: str, demo_db: Path,
                                                                            tmp_path: Path) -> None:
    db = _db(demo_db, tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    target = _target(kind, folder)
    fresh = _target(kind, tmp_path / "fresh")
    (tmp_path / "fresh").mkdir()
    # The report's own data grows with the rejected rows; a limit below the smallest output fails every kind.
    limit = {"md": 8_000, "csv-dir": 2_000, "zip": 2_000, "backup": 64_000, "report": 100}[kind]
    if kind != "backup":  # a backup never replaces a file: the "previous output" case does not apply
        assert _write(kind, db, target).returncode in (0, 1)
        before = {p.name: p.read_bytes() for p in target.iterdir()} if target.is_dir() else target.read_bytes()
        failed = _write(kind, db, target, fsize=limit)
        assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
        after = {p.name: p.read_bytes() for p in target.iterdir()} if target.is_dir() else target.read_bytes()
        assert after == before
        assert sorted(p.name for p in folder.iterdir() if p.name != "bad.csv") == [target.name]
    failed = _write(kind, db, fresh, fsize=limit)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert failed.stderr.count("\n") == 1, failed.stderr
    assert sorted(p.name for p in fresh.parent.iterdir() if p.name != "bad.csv") == [], failed.stderr


@pytest.fixture
def tiny_disk(tmp_path: Path):  # yields a Path
    """A real 64 KB tmpfs (ENOSPC, not a size limit); skipped where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_really_full_disk_keeps_the_earlier_csv_folder_and_leaves_nothing_half_written(demo_db: Path, tmp_path: Path,
                                                                                          tiny_disk: Path) -> None:
    db = _db(demo_db, tmp_path)
    out_dir = tiny_disk / "csv"
    assert _write("csv-dir", db, out_dir).returncode == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    free = os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize
    (tiny_disk / "filler").write_bytes(b"x" * max(free - 6_000, 0))  # room for a few tables, not all ten
    for target in (out_dir, tiny_disk / "new-csv", tiny_disk / "s.md"):
        failed = _write("md" if target.suffix == ".md" else "csv-dir", db, target)
        assert failed.returncode == 1 and "No space left" in failed.stderr and "Traceback" not in failed.stderr, failed.stderr
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["csv", "filler"]
