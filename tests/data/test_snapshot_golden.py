"""Golden files: every format of the snapshot of the fixed demo at FIXED_NOW, compared byte for byte.

Any change to what a snapshot contains or how it looks fails here on purpose: look at
the diff, and if it is intended, rewrite the files with

    UPDATE_GOLDEN=1 pytest tests/data/test_snapshot_golden.py

Also: the same database and --as-of give identical bytes, in-process and from the
installed command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
from comanage_tui.data.snapshot.csv_files import tables
from comanage_tui.data.snapshot.html_page import render_html
from comanage_tui.data.snapshot.model import json_schema_text
from comanage_tui.data.snapshot.render import render_json, render_markdown
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW
from tests.data.test_snapshot import snap_db, snap_template  # noqa: F401 - fixtures

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
AS_OF = "2026-11-23T08:30:00Z"


def comanage() -> list[str]:
    script = Path(sys.executable).with_name("comanage")
    return [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]


def run(*args: str) -> subprocess.CompletedProcess:
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([*comanage(), *args], capture_output=True, timeout=120, env=env, stdin=subprocess.DEVNULL)


def outputs(db: Path) -> dict[str, bytes]:
    with Store(db, read_only=True) as store:
        snap = build_snapshot(store, SnapshotOptions(as_of=FIXED_NOW))
    out = {"snapshot.md": render_markdown(snap).encode(), "snapshot.html": render_html(snap).encode(),
           "snapshot.json": render_json(snap).encode()}
    out.update({f"snapshot-csv/{name}": data for name, data in tables(snap).items()})
    return out


def test_every_format_matches_its_golden_file(snap_db: Path) -> None:
    got = outputs(snap_db)
    if os.environ.get("UPDATE_GOLDEN"):
        for name, data in got.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    for name, data in got.items():
        path = GOLDEN / name
        assert path.exists(), f"missing golden file {name}: run with UPDATE_GOLDEN=1"
        assert path.read_bytes() == data, f"{name} changed; check the diff, then UPDATE_GOLDEN=1 if intended"
    extra = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("snapshot*") if p.is_file()} - set(got)
    assert not extra, f"golden files nothing produces any more: {sorted(extra)}"


def test_two_builds_give_identical_bytes(snap_db: Path) -> None:
    assert outputs(snap_db) == outputs(snap_db)


def test_the_installed_command_writes_the_golden_bytes_every_time(snap_db: Path, tmp_path: Path) -> None:
    for fmt, name in (("md", "snapshot.md"), ("json", "snapshot.json"), ("html", "snapshot.html")):
        first = run("--db", str(snap_db), "snapshot", "--format", fmt, "--as-of", AS_OF)
        second = run("--db", str(snap_db), "snapshot", "--format", fmt, "--as-of", AS_OF, "--out", "-")
        assert first.returncode == 0, first.stderr.decode()
        assert first.stdout == second.stdout == (GOLDEN / name).read_bytes()
    zips = []
    for i in range(2):
        out = tmp_path / f"s{i}.zip"
        done = run("--db", str(snap_db), "snapshot", "--format", "csv", "--as-of", AS_OF, "--out", str(out))
        assert done.returncode == 0 and str(out) in done.stderr.decode()
        zips.append(out.read_bytes())
    assert zips[0] == zips[1]
    with zipfile.ZipFile(tmp_path / "s0.zip") as z:
        assert all(z.read(n) == (GOLDEN / "snapshot-csv" / n).read_bytes() for n in z.namelist())


def test_command_line_errors_are_one_line(snap_db: Path, tmp_path: Path) -> None:
    schema = run("snapshot", "--schema")
    assert schema.returncode == 0 and schema.stdout.decode() == json_schema_text()
    csv_out = run("--db", str(snap_db), "snapshot", "--format", "csv")
    assert csv_out.returncode == 2 and b"directory, or a path ending in .zip" in csv_out.stderr
    party = run("--db", str(snap_db), "snapshot", "--party", "nope", "--as-of", AS_OF)
    assert party.returncode == 1 and b"unknown party 'nope' (known: internal, msp, secops)" in party.stderr
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    since = run("--db", str(snap_db), "snapshot", "--since", str(tmp_path / "bad.json"))
    assert since.returncode == 1 and b"not a comanage snapshot" in since.stderr
    missing = run("--db", str(tmp_path / "none.db"), "snapshot")
    assert missing.returncode == 1 and b"no database at" in missing.stderr and not (tmp_path / "none.db").exists()
    naive = run("--db", str(snap_db), "snapshot", "--as-of", "2026-11-23T08:30")
    assert naive.returncode == 2 and b"no UTC offset" in naive.stderr


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_out_file_is_written_whole_and_private(snap_db: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "deep" / f"snap.{fmt}"
    done = run("--db", str(snap_db), "snapshot", "--format", fmt, "--as-of", AS_OF, "--out", str(target))
    assert done.returncode == 0, done.stderr.decode()
    assert target.read_bytes() == (GOLDEN / f"snapshot.{fmt}").read_bytes()
    assert target.stat().st_mode & 0o077 == 0
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left behind
