"""Shared fixtures: every test runs against files under tmp_path, never a real user directory."""

from __future__ import annotations

import datetime as dt
import os
import select
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import settings

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    # The suite also runs under libfaketime with the clock moved (see .ci/run), to prove no test
    # depends on today's date. libfaketime 0.9.10 (Debian's) breaks Python 3.11's time.sleep when
    # the monotonic clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC=1, needed for thread waits):
    # it shifts the absolute CLOCK_MONOTONIC deadline Python passes to clock_nanosleep and the kernel
    # answers EINVAL (libfaketime issue #426). A select() timeout is relative and passes untouched.
    def _relative_sleep(seconds: float) -> None:
        select.select([], [], [], max(0.0, seconds))

    time.sleep = _relative_sleep

# In CI (`CI` set, as .ci/run and most CI services do) hypothesis draws the same examples on
# every run, so a merge is never blocked by a case it happened to find that day; run the suite
# locally to explore new ones, and turn what they find into a named regression test.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# A fixed moment for the whole suite: Monday 2026-11-23 09:30 in Berlin (08:30 UTC).
FIXED_NOW = int(dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC).timestamp())
FIXED_NOW_ISO = "2026-11-23T08:30:00Z"
"""FIXED_NOW for the command line: every test that starts `comanage` passes a moment (`--now`,
`--as-of`), so no result depends on the day or the time zone the suite runs in."""


@pytest.fixture(autouse=True)
def _isolated_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every location comanage could write to at the test's own folder."""
    monkeypatch.setenv("COMANAGE_DB", str(tmp_path / "default.db"))
    monkeypatch.setenv("COMANAGE_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("COMANAGE_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COMANAGE_SHARED", raising=False)


@pytest.fixture
def fixed_now() -> int:
    return FIXED_NOW


@pytest.fixture
def store(tmp_path: Path):
    """An empty store on a real file, with a pinned clock and a known actor."""
    from comanage_tui.data.store import Store

    s = Store(tmp_path / "test.db", actor="tester", clock=lambda: FIXED_NOW)
    yield s
    s.close()


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of a database file (SQLite's backup API, so a WAL's contents come along),
    for a test that changes a database a module-scoped fixture built once."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target
