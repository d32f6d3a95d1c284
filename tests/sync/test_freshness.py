"""Freshness is visible: the Overview header, the snapshot and `check` say "data as of" per source, from one owner."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from comanage_tui.data.store import Store
from comanage_tui.data.sync.http import SyncError
from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW
from tests.sync.helpers import sync, write_source
from tests.sync.servicenow_instance import serve, synthetic

HOUR = 3600


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*comanage_cmd(), "--db", str(db), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def synced(server, tmp_path: Path) -> tuple[Path, Path]:
    source = write_source(tmp_path / "sources", serve(server, synthetic(6)), extra='stale_after = "26h"')
    db = tmp_path / "f.db"
    sync(db, source, now=FIXED_NOW)
    return db, source


def test_check_warns_when_a_source_is_older_than_stale_after(synced) -> None:
    db, _source = synced
    fresh = _cli(db, "check", "--as-of", _iso(FIXED_NOW + 25 * HOUR))
    assert fresh.returncode == 0, fresh.stdout
    assert "sync_age_sn=90000s;93600;;0" in fresh.stdout
    stale = _cli(db, "check", "--as-of", _iso(FIXED_NOW + 27 * HOUR))
    assert stale.returncode == 1
    # The synced tickets have no SLA policy: the line says so after the source (no --warn-uncovered: no warning).
    assert stale.stdout.startswith("COMANAGE WARNING - 0 breached, 0 at risk, 0 handoffs late, source sn last synced 27 h ago "
                                   "(limit 26 h), 6 open tickets without SLA policy |"), stale.stdout
    data = json.loads(_cli(db, "check", "--json", "--as-of", _iso(FIXED_NOW + 27 * HOUR)).stdout)
    assert data["state"] == "WARNING"
    assert data["sources"] == [{"name": "sn", "kind": "servicenow", "data_as_of": FIXED_NOW, "last_success_at": FIXED_NOW,
                                "age_seconds": 27 * HOUR, "stale_after": 26 * HOUR, "stale": True, "last_error": ""}]


def test_a_failed_sync_keeps_the_last_success_and_says_why(synced, server) -> None:
    db, source = synced
    server.clear()  # the instance is gone: every request now answers 500
    with pytest.raises(SyncError):
        sync(db, source, now=FIXED_NOW + 30 * HOUR)
    data = json.loads(_cli(db, "check", "--json", "--as-of", _iso(FIXED_NOW + 30 * HOUR)).stdout)
    (row,) = data["sources"]
    assert (row["last_success_at"], row["stale"]) == (FIXED_NOW, True)
    assert row["last_error"].startswith("sn: incident (newest update): HTTP 500")


def test_a_source_that_never_synced_is_stale(server, tmp_path: Path) -> None:
    source = write_source(tmp_path / "sources", f"http://127.0.0.1:{server.port}")
    db = tmp_path / "n.db"
    with pytest.raises(SyncError):
        sync(db, source)
    out = _cli(db, "check", "--as-of", _iso(FIXED_NOW))
    assert out.returncode == 1 and "source sn never synced successfully" in out.stdout


async def test_the_overview_the_snapshot_and_check_say_the_same_data_as_of(synced) -> None:
    from comanage_tui.app import ComanageApp
    from tests.ui.test_overview import loaded_overview

    db, _source = synced
    now = FIXED_NOW + 2 * HOUR
    with Store(db, actor="tester", clock=lambda: now, create=False) as store:
        async with ComanageApp(store, now=now).run_test(size=(100, 30)) as pilot:
            screen = await loaded_overview(pilot.app, pilot)
            header = screen.sub_title
    # No calendar is set up, so times are UTC: FIXED_NOW is 08:30Z, the same day as `now`.
    assert header == "Overview · data as of sn 08:30"
    snap = json.loads(_cli(db, "snapshot", "--format", "json", "--as-of", _iso(now)).stdout)
    assert [s["shown"] for s in snap["sources"]] == ["sn 08:30"]
    assert snap["sources"][0]["data_as_of"] == "2026-11-23T08:30:00+00:00" and snap["sources"][0]["stale"] is False
    md = _cli(db, "snapshot", "--format", "md", "--as-of", _iso(now)).stdout
    assert "**Data as of** sn 08:30" in md
    check = json.loads(_cli(db, "check", "--json", "--as-of", _iso(now)).stdout)
    assert [(s["name"], s["data_as_of"], s["stale"]) for s in check["sources"]] == [("sn", FIXED_NOW, False)]
    tomorrow = json.loads(_cli(db, "snapshot", "--format", "json", "--as-of", _iso(now + 24 * HOUR)).stdout)
    assert [s["shown"] for s in tomorrow["sources"]] == ["sn 2026-11-23 08:30"]


def test_the_cron_line_syncs_then_checks(synced, tmp_path: Path) -> None:
    db, source = synced
    env = {"COMANAGE_SOURCES": str(source.parent), "COMANAGE_DB": str(db)}
    out = subprocess.run(["sh", "-c", f"comanage --now {_iso(FIXED_NOW + HOUR)} sync && "
                                      f"comanage check --as-of {_iso(FIXED_NOW + HOUR)}"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, **env, "PATH": f"{Path(comanage_cmd()[0]).parent}:/usr/bin:/bin"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("COMANAGE OK - ") and out.stderr == ""
