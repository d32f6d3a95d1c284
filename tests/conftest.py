"""Shared fixtures: every test runs against files under tmp_path, never a real user directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import os

import pytest
from hypothesis import settings

# In CI (`CI` set, as .ci/run and most CI services do) hypothesis draws the same examples on
# every run, so a merge is never blocked by a case it happened to find that day; run the suite
# locally to explore new ones, and turn what they find into a named regression test.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# A fixed moment for the whole suite: Monday 2026-11-23 09:30 in Berlin (08:30 UTC).
FIXED_NOW = int(dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.timezone.utc).timestamp())


@pytest.fixture(autouse=True)
def _isolated_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every location comanage could write to at the test's own folder."""
    monkeypatch.setenv("COMANAGE_DB", str(tmp_path / "default.db"))
    monkeypatch.setenv("COMANAGE_EXPORT_DIR", str(tmp_path / "exports"))
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
