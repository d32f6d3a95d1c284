"""The dashboard refuses to start without a terminal instead of spinning at full CPU."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import comanage_cmd, run

MESSAGE = "comanage: no terminal; did you mean a subcommand? (see comanage --help)\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tty") / "demo.db"
    assert run("--db", str(path), "demo", "--tickets", "5", "--now", "2026-11-23T08:30:00Z").returncode == 0
    return path


@pytest.mark.parametrize("argv", [[], ["--as", "check"], ["--read-only"]], ids=["plain", "as-swallowed-check", "read-only"])
def test_dashboard_without_a_terminal_refuses_promptly(db: Path, argv: list[str]) -> None:
    started = time.monotonic()
    try:
        out = subprocess.run([*comanage_cmd(), "--db", str(db), *argv], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the dashboard started without a terminal (it used to spin until killed)")
    assert out.returncode == 2
    assert out.stderr == MESSAGE and out.stdout == ""
    assert time.monotonic() - started < 20


def test_demo_open_without_a_terminal_refuses_before_writing(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    out = run("--db", str(db), "demo", "--open", "--tickets", "5", "--now", "2026-11-23T08:30:00Z")
    assert out.returncode == 2 and out.stderr == MESSAGE
    assert not db.exists()
