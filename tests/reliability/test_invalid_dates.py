"""Dates before 1970 or after 2200: refused at every entry point, and survived when already stored.

A database written by hand or by an older version may hold such a time; reading it must
not crash `check`, `snapshot` or `explain` (it used to: `check` answered UNKNOWN for ever
and the others printed a traceback). The tickets and handoffs concerned are left out and
counted.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.store import Store
from tests.cli.test_cli import run

AS_OF = "2026-11-23T08:30:00Z"
YEAR_1 = -62_135_596_800  # 0001-01-01T00:00:00Z
YEAR_9999 = 253_402_214_400  # 9999-12-31T00:00:00Z


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dates") / "demo.db"
    assert run("--db", str(path), "demo", "--tickets", "60", "--now", AS_OF).returncode == 0
    return path


@pytest.fixture
def damaged_dates(demo: Path, tmp_path: Path) -> tuple[Path, str, str]:
    """A copy where an open ticket starts in year 1, a closed one lives in 9999 and an open handoff was asked in year 1."""
    db = tmp_path / "dates.db"
    shutil.copy(demo, db)
    conn = sqlite3.connect(db)
    now = int(time.mktime(time.strptime("2026-11-23 08:30", "%Y-%m-%d %H:%M")))
    open_id, open_ref = conn.execute("SELECT id, ref FROM tickets WHERE closed_at IS NULL ORDER BY id LIMIT 1").fetchone()
    closed_id, closed_ref = conn.execute("SELECT id, ref FROM tickets WHERE closed_at IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    conn.execute("UPDATE tickets SET opened_at = ? WHERE id = ?", (YEAR_1, open_id))
    conn.execute("UPDATE ticket_events SET at = ? WHERE ticket_id = ? AND seq = (SELECT min(seq) FROM ticket_events "
                 "WHERE ticket_id = ?)", (YEAR_1, open_id, open_id))
    conn.execute("UPDATE ticket_events SET at = ? WHERE ticket_id = ?", (YEAR_9999, closed_id))
    conn.execute("UPDATE handoffs SET requested_at = ? WHERE id = (SELECT min(id) FROM handoffs WHERE closed_at IS NULL "
                 "OR closed_at > ?)", (YEAR_1, now))
    conn.commit()
    conn.close()
    return db, open_ref, closed_ref


def _no_traceback(out) -> None:  # CompletedProcess
    assert "Traceback" not in out.stderr and "ValueError" not in out.stderr + out.stdout, out.stderr


def test_check_skips_and_counts_stored_dates_out_of_range(damaged_dates: tuple[Path, str, str]) -> None:
    db, _open_ref, _closed = damaged_dates
    out = run("--db", str(db), "check", "--as-of", AS_OF)
    assert out.returncode in (0, 1, 2), out.stdout  # a verdict on the rest, not UNKNOWN for ever
    assert out.stdout.count("\n") == 1 and "skipped: a stored date outside 1970-2200" in out.stdout, out.stdout
    assert "invalid_dates=2" in out.stdout  # the open ticket and the open handoff
    _no_traceback(out)


@pytest.mark.parametrize("fmt", ["md", "json", "html", "csv"])
def test_snapshot_leaves_them_out_and_says_which(damaged_dates: tuple[Path, str, str], fmt: str, tmp_path: Path) -> None:
    db, open_ref, closed_ref = damaged_dates
    args = ["--out", str(tmp_path / "csv")] if fmt == "csv" else []
    out = run("--db", str(db), "snapshot", "--format", fmt, "--as-of", AS_OF, *args)
    assert out.returncode == 0, out.stderr
    _no_traceback(out)
    assert "left out, a stored time lies outside" in out.stderr and open_ref in out.stderr and closed_ref in out.stderr


def test_explain_names_the_ticket_in_one_line(damaged_dates: tuple[Path, str, str]) -> None:
    db, open_ref, closed_ref = damaged_dates
    for ref in (open_ref, closed_ref):
        out = run("--db", str(db), "explain", ref, "--as-of", AS_OF)
        assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
        assert ref in out.stderr and "outside 1970-01-01 to 2200-01-01" in out.stderr
        _no_traceback(out)


@pytest.mark.parametrize("args", [["check", "--as-of", "9999-12-31T00:00:00Z"], ["check", "--as-of", "0001-01-01T00:00:00Z"]])
def test_check_refuses_as_of_out_of_range_at_once(demo: Path, args: list[str]) -> None:
    started = time.monotonic()
    out = run("--db", str(demo), *args)
    assert out.returncode == 3 and out.stdout.startswith("COMANAGE UNKNOWN - ") and out.stdout.count("\n") == 1
    assert "outside 1970-01-01 to 2200-01-01" in out.stdout
    assert time.monotonic() - started < 10  # it used to replay 8,000 years of calendar for 29 s


@pytest.mark.parametrize("args", [["snapshot", "--as-of", "1969-12-31T23:59:59Z"], ["explain", "X", "--as-of", "2200-01-02T00:00:00Z"],
                                  ["demo", "--force", "--now", "0001-01-01T00:00:00+00:00"]])
def test_other_commands_refuse_moments_out_of_range(demo: Path, args: list[str], tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(demo, db)
    before = db.read_bytes()
    out = run("--db", str(db), *args)
    assert out.returncode == 2 and "outside 1970-01-01 to 2200-01-01" in out.stderr
    _no_traceback(out)
    assert db.read_bytes() == before


def test_store_refuses_dates_out_of_range(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.org.add_party({"key": "msp", "name": "MSP"})
        store.org.add_party({"key": "it", "name": "IT", "kind": "internal"})
        store.org.add_area({"key": "net", "name": "Network"})
        for opened in (YEAR_1, YEAR_9999, -1):
            with pytest.raises(InvalidInput, match="opened_at"):
                store.tickets.add({"ref": "T-1", "title": "x", "party": "msp", "opened_at": opened})
        t = store.tickets.add({"ref": "T-1", "title": "x", "party": "msp", "opened_at": 1_795_000_000})
        with pytest.raises(InvalidInput, match="at"):
            store.tickets.add_event(t.id, {"at": YEAR_9999, "kind": "note"})
        with pytest.raises(InvalidInput, match="requested_at"):
            store.handoffs.create({"ticket_id": t.id, "from_party": "msp", "to_party": "it", "summary": "x",
                                   "requested_at": YEAR_1})
        for field in ("due_date", "last_reviewed"):
            with pytest.raises(InvalidInput, match=field):
                store.kt.add({"area": "net", "topic": "Runbook", field: "0001-01-01"})
        assert store.tickets.count() == 1 and not store.kt.list()
