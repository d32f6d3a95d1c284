"""The installed `comanage` command, run in a subprocess as a user (or cron) would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from comanage_tui.data.store import Store


def comanage_cmd() -> list[str]:
    """The console script installed next to this interpreter, else `python -m comanage_tui`."""
    script = Path(sys.executable).with_name("comanage")
    if script.exists():
        return [str(script)]
    found = shutil.which("comanage")
    return [found] if found else [sys.executable, "-m", "comanage_tui"]


def run(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*comanage_cmd(), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def test_help_reads_well() -> None:
    out = run("--help")
    assert out.returncode == 0
    for word in ("dashboard", "--db", "--as", "--read-only", "demo", "init", "info", "sla"):
        assert word in out.stdout
    demo = run("demo", "--help")
    assert demo.returncode == 0
    assert "--seed" in demo.stdout and "--tickets" in demo.stdout and "--force" in demo.stdout


def test_demo_refuses_to_overwrite_and_force_recreates(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    first = run("--db", str(db), "demo", "--tickets", "50", "--now", "2026-11-23T08:30:00Z")
    assert first.returncode == 0, first.stderr
    assert "50 tickets" in first.stdout
    again = run("--db", str(db), "demo", "--tickets", "50")
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    with Store(db) as store:
        assert store.tickets.count() == 50  # untouched, not doubled
    forced = run("--db", str(db), "demo", "--tickets", "30", "--force", "--now", "2026-11-23T08:30:00Z")
    assert forced.returncode == 0, forced.stderr
    with Store(db) as store:
        assert store.tickets.count() == 30


def test_db_comes_from_environment_variable(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    assert run("init", env={"COMANAGE_DB": str(db)}).returncode == 0
    info = run("info", env={"COMANAGE_DB": str(db)})
    assert info.returncode == 0 and str(db) in info.stdout and "m006_review_at_scale" in info.stdout


def test_missing_database_is_a_one_line_error(tmp_path: Path) -> None:
    out = run("--db", str(tmp_path / "nothing.db"), "info")
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "comanage demo" in out.stderr
    assert "Traceback" not in out.stderr


def test_naive_now_is_refused(tmp_path: Path) -> None:
    out = run("--db", str(tmp_path / "x.db"), "demo", "--now", "2026-11-23 08:00")
    assert out.returncode == 2 and "UTC offset" in out.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("fmt_ok", [True])
def test_sla_config_round_trip(tmp_path: Path, fmt_ok: bool) -> None:
    db = tmp_path / "sla.db"
    assert run("--db", str(db), "demo", "--tickets", "10", "--now", "2026-11-23T08:30:00Z").returncode == 0
    shown = run("--db", str(db), "sla", "show")
    assert shown.returncode == 0 and "[[policy]]" in shown.stdout and 'timezone = "Europe/Berlin"' in shown.stdout
    cfg = tmp_path / "sla.toml"
    cfg.write_text(shown.stdout.replace("response_minutes = 15", "response_minutes = 20", 1))
    loaded = run("--db", str(db), "sla", "load", str(cfg))
    assert loaded.returncode == 0, loaded.stderr
    assert "response_minutes = 20" in run("--db", str(db), "sla", "show").stdout
    cfg.write_text('[[policy]]\nname = "x"\ncalendar = "nope"\nmatch_priorities = ["P1"]\n'
                   '[policy.targets.P1]\nresponse_minutes = 1\nresolution_minutes = 2\n')
    bad = run("--db", str(db), "sla", "load", str(cfg))
    assert bad.returncode == 1 and "unknown calendar 'nope'" in bad.stderr and "nothing was changed" in bad.stderr


def test_explain_prints_the_timeline(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert run("--db", str(db), "demo", "--tickets", "60", "--now", "2026-11-23T08:30:00Z").returncode == 0
    with Store(db) as s:
        ref = s.scalar("SELECT ref FROM tickets WHERE id IN (SELECT ticket_id FROM ticket_events WHERE status = 'waiting_customer') LIMIT 1")
    out = run("--db", str(db), "explain", ref, "--as-of", "2026-11-23T08:30:00Z")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(ref)
    for words in ("Policy 'Business hours'", "calendar 'office' (Europe/Berlin)", "Response", "Resolution", "paused",
                  "status waiting_customer pauses the clock", "outside business hours"):
        assert words in out.stdout
    missing = run("--db", str(db), "explain", "NOPE-1")
    assert missing.returncode == 1 and "no ticket with reference 'NOPE-1'" in missing.stderr
