"""The moment on the command line: global `--as-of` (look, read-only) and `--now` (pretend), as a user gives them.

Every command that computes clocks takes the moment explicitly, so what it prints depends on
the database and the moment only, never on the day or the time zone it runs in.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import FIXED_NOW_ISO

EARLIER = "2026-11-20T10:00:00Z"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("moment") / "demo.db"
    out = run("--db", str(path), "demo", "--tickets", "120", "--now", FIXED_NOW_ISO)
    assert out.returncode == 0, out.stderr
    return path


def test_global_as_of_is_what_check_snapshot_and_explain_use(demo_db: Path) -> None:
    local = run("--db", str(demo_db), "check", "--json", "--as-of", EARLIER)
    shared = run("--db", str(demo_db), "--as-of", EARLIER, "check", "--json")
    assert json.loads(local.stdout) == json.loads(shared.stdout)
    snap_local = run("--db", str(demo_db), "snapshot", "--format", "json", "--as-of", EARLIER)
    snap_shared = run("--db", str(demo_db), "--as-of", EARLIER, "snapshot", "--format", "json")
    assert snap_local.returncode == 0 and snap_local.stdout == snap_shared.stdout
    # A command's own --as-of wins over the global one.
    own = run("--db", str(demo_db), "--as-of", FIXED_NOW_ISO, "snapshot", "--format", "json", "--as-of", EARLIER)
    assert own.stdout == snap_local.stdout
    ref = sqlite3.connect(demo_db).execute("SELECT ref FROM tickets ORDER BY id LIMIT 1").fetchone()[0]
    explain_local = run("--db", str(demo_db), "explain", ref, "--as-of", EARLIER)
    explain_shared = run("--db", str(demo_db), "--now", EARLIER, "explain", ref)
    assert explain_local.returncode == 0 and explain_local.stdout == explain_shared.stdout


def test_moments_differ_where_the_clocks_do(demo_db: Path) -> None:
    """The global moment really reaches the read model: a week earlier, the figures are not today's."""
    now = json.loads(run("--db", str(demo_db), "--as-of", FIXED_NOW_ISO, "check", "--json").stdout)
    week_before = json.loads(run("--db", str(demo_db), "--as-of", "2026-11-16T08:30:00Z", "check", "--json").stdout)
    assert now != week_before


def test_as_of_and_now_together_are_refused(demo_db: Path) -> None:
    out = run("--db", str(demo_db), "--as-of", EARLIER, "--now", FIXED_NOW_ISO, "info")
    assert out.returncode == 2 and "either --as-of" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("option", ["--as-of", "--now"])
def test_a_naive_or_malformed_moment_is_a_one_line_error(demo_db: Path, option: str) -> None:
    for value in ("2026-11-23 08:30", "yesterday"):
        out = run("--db", str(demo_db), option, value, "info")
        assert out.returncode == 2 and option in out.stderr and "Traceback" not in out.stderr


def test_as_of_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "view.db"
    assert run("--db", str(db), "demo", "--tickets", "10", "--now", FIXED_NOW_ISO).returncode == 0
    before = db.read_bytes()
    sla = run("--db", str(db), "sla", "show").stdout
    (tmp_path / "sla.toml").write_text(sla.replace('name = "Internal office hours"', 'name = "Renamed hours"'))
    out = run("--db", str(db), "--as-of", EARLIER, "sla", "load", str(tmp_path / "sla.toml"))
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert db.read_bytes() == before


def test_now_stamps_changes_with_the_pretended_moment(tmp_path: Path) -> None:
    db = tmp_path / "pretend.db"
    assert run("--db", str(db), "demo", "--tickets", "10", "--now", FIXED_NOW_ISO).returncode == 0
    config = tmp_path / "sla.toml"
    config.write_text(run("--db", str(db), "sla", "show").stdout)
    out = run("--db", str(db), "--now", EARLIER, "--as", "trainer", "sla", "load", str(config))
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(db)
    stamped = conn.execute("SELECT DISTINCT at FROM audit_log WHERE actor = 'trainer'").fetchall()
    assert stamped == [(int(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC).timestamp()),)]
