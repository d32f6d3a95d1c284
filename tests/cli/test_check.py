"""`comanage check`: Nagios exit codes on databases built to be OK, WARNING, CRITICAL and UNKNOWN.

Run as cron or a monitoring agent would: the installed command in a subprocess. The
counts are also checked against the read model (data/readmodel) on the demo at several moments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context
from comanage_tui.data.readmodel import org as rorg
from comanage_tui.data.readmodel.check import run_check
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW

MIN = 60
AS_OF = "2026-11-23T08:30:00Z"


def comanage() -> list[str]:
    script = Path(sys.executable).with_name("comanage")
    return [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]


def check(db: Path, *args: str) -> subprocess.CompletedProcess:
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([*comanage(), "--db", str(db), "check", *args], capture_output=True, text=True, timeout=60,
                          env=env, stdin=subprocess.DEVNULL)


def make_db(path: Path, *, ticket_ages: tuple[int, ...] = (), responded: bool = True,
            handoff_age: int | None = None) -> Path:
    """A small operation on a 24x7 calendar: P2 = 60 min to respond, 600 min to resolve.

    `ticket_ages` are minutes since each open ticket was opened (response recorded after
    5 minutes when `responded`); one resolved ticket always exists; `handoff_age` adds an
    unacknowledged handoff with a 60-minute target requested that many minutes ago.
    """
    with Store(path, actor="tester", clock=lambda: FIXED_NOW) as store:
        store.sla.put_calendar({"name": "24x7", "timezone": "Europe/Berlin", "always_open": True})
        store.sla.replace_policies([{"name": "all", "calendar": "24x7", "match_priorities": ["P2"],
                                     "targets": {"P2": {"response_minutes": 60, "resolution_minutes": 600}}}])
        store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "24x7"})
        store.org.add_party({"key": "msp", "name": "MSP", "kind": "partner", "calendar": "24x7"})
        done = store.tickets.add({"ref": "T-done", "title": "Done", "priority": "P2", "party": "msp",
                                  "opened_at": FIXED_NOW - 900 * MIN})
        store.tickets.update(done.id, {"status": "resolved"}, at=FIXED_NOW - 800 * MIN)
        for i, age in enumerate(ticket_ages):
            t = store.tickets.add({"ref": f"T-{i}", "title": f"Open {i}", "priority": "P2", "party": "msp",
                                   "opened_at": FIXED_NOW - age * MIN})
            if responded:
                store.tickets.record_response(t.id, at=FIXED_NOW - (age - 5) * MIN)
        if handoff_age is not None:
            store.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": "Please look",
                                   "ack_target_minutes": 60, "requested_at": FIXED_NOW - handoff_age * MIN})
    return path


def test_ok(tmp_path: Path) -> None:
    out = check(make_db(tmp_path / "ok.db", ticket_ages=(10, 120), handoff_age=20), "--as-of", AS_OF)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == ("COMANAGE OK - 0 breached, 0 at risk, 0 handoffs late | breached=0;;0;0 at_risk=0;;;0 "
                          "handoffs_late=0;0;;0 open_tickets=2;;;0 open_handoffs=1;;;0 due_today=2;;;0\n")


def test_warning_for_a_handoff_past_its_acknowledgement_target(tmp_path: Path) -> None:
    out = check(make_db(tmp_path / "late.db", ticket_ages=(10,), handoff_age=90), "--as-of", AS_OF)
    assert out.returncode == 1 and out.stdout.startswith("COMANAGE WARNING - 0 breached, 0 at risk, 1 handoffs late |")


def test_at_risk_warns_only_when_asked(tmp_path: Path) -> None:
    db = make_db(tmp_path / "risk.db", ticket_ages=(500,))  # 500 of 600 minutes: at risk (>= 75 %)
    quiet = check(db, "--as-of", AS_OF)
    assert quiet.returncode == 0 and "0 breached, 1 at risk" in quiet.stdout
    loud = check(db, "--as-of", AS_OF, "--warn-at-risk")
    assert loud.returncode == 1 and loud.stdout.startswith("COMANAGE WARNING - 0 breached, 1 at risk")
    assert "at_risk=1;0;;0" in loud.stdout


def test_critical_for_a_breached_clock_and_as_of_goes_back(tmp_path: Path) -> None:
    db = make_db(tmp_path / "breach.db", ticket_ages=(120,), responded=False, handoff_age=90)
    out = check(db, "--as-of", AS_OF)
    assert out.returncode == 2 and out.stdout.startswith("COMANAGE CRITICAL - 1 breached, 0 at risk, 1 handoffs late |")
    data = json.loads(check(db, "--as-of", AS_OF, "--json").stdout)
    assert data["state"] == "CRITICAL" and data["code"] == 2 and data["breached"] == 1
    assert data["worst"] == [{"ref": "T-0", "clock": "response", "holder": "msp", "breach_holder": "msp",
                              "breached_at": FIXED_NOW - 60 * MIN}]
    before = check(db, "--as-of", "2026-11-23T07:00:00Z")  # 30 minutes after it was opened
    assert before.returncode == 0, before.stdout


@pytest.mark.parametrize("content", [None, b"", b"this is not a database at all " * 200])
def test_unknown_when_the_database_is_missing_empty_or_corrupt(tmp_path: Path, content: bytes | None) -> None:
    db = tmp_path / "x.db"
    if content is not None:
        db.write_bytes(content)
    out = check(db)
    assert out.returncode == 3, out.stdout + out.stderr
    assert out.stdout.startswith("COMANAGE UNKNOWN - ") and "\n" == out.stdout[-1] and out.stdout.count("\n") == 1
    assert (db.exists()) == (content is not None)  # never created
    if content is not None:
        assert db.read_bytes() == content  # never touched


def test_unknown_for_command_line_mistakes(tmp_path: Path) -> None:
    db = make_db(tmp_path / "ok.db")
    naive = check(db, "--as-of", "2026-11-23 08:30")
    assert naive.returncode == 3 and naive.stdout.startswith("COMANAGE UNKNOWN - ") and "UTC offset" in naive.stdout
    typo = check(db, "--warn-at-rsk")
    assert typo.returncode == 3 and typo.stdout.startswith("COMANAGE UNKNOWN - ")


def test_check_loads_neither_the_ui_nor_the_store(tmp_path: Path) -> None:
    db = make_db(tmp_path / "ok.db", ticket_ages=(10,))
    code = (
        "import sys\nfrom comanage_tui.cli import main\n"
        f"try:\n    main(['--db', {str(db)!r}, 'check', '--as-of', {AS_OF!r}])\nexcept SystemExit as e:\n    print('exit', e.code)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich', 'sqlite_utils', 'pydantic'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip().splitlines()[-2:] == ["exit 0", "[]"], out.stdout + out.stderr


def test_unknown_when_a_stored_calendar_is_not_valid(tmp_path: Path) -> None:
    import sqlite3

    db = make_db(tmp_path / "bad.db", ticket_ages=(10,))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE calendars SET spec = '{\"timezone\": \"UTC\"}'")
    conn.close()
    out = check(db, "--as-of", AS_OF)
    assert out.returncode == 3 and out.stdout.startswith("COMANAGE UNKNOWN - cannot evaluate "), out.stdout
    assert "calendar or SLA policy is not valid" in out.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from comanage_tui.data.demo import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("check-demo") / "demo.db"
    with Store(path, actor="tester", clock=lambda: FIXED_NOW) as store:
        build_demo(store, DemoOptions(seed=11, tickets=600, now=FIXED_NOW))
    return path


def test_check_on_a_calendar_with_holidays_does_without_pydantic(demo: Path) -> None:
    code = (
        "import sys\nfrom comanage_tui.cli import main\n"
        f"try:\n    main(['--db', {str(demo)!r}, 'check', '--as-of', {AS_OF!r}])\nexcept SystemExit as e:\n    print('exit', e.code)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich', 'sqlite_utils', 'pydantic', 'holidays'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    # The demo's office calendar names Germany: its public holidays come from the holidays package.
    assert out.stdout.strip().splitlines()[-1] == "['holidays']", out.stdout + out.stderr


@pytest.mark.parametrize("hours", [0, -5, -72, -240, 24, 24 * 7])
def test_counts_equal_the_read_models(demo: Path, hours: int) -> None:
    """The fast path skips tickets by a bound; it must never change a count."""
    now = FIXED_NOW + hours * 3600
    with Store(demo, read_only=True) as store:
        ctx = context.load_context(store)
        states = Counter(c.state.value for r in rclocks.open_ticket_clocks(store, ctx, now) for c in r.open_clocks)
        late = sum(1 for h in rorg.handoff_statuses(store, ctx, now, open_only=False)
                   if (h.handoff.closed_at is None or h.handoff.closed_at > now) and h.ack.state.value == "breached")
        open_tickets = len(rclocks.open_ticket_clocks(store, ctx, now))
    got = run_check(demo, now)
    assert (got.breached, got.at_risk, got.handoffs_late) == (states["breached"], states["at_risk"], late)
    assert got.open_tickets == open_tickets
    assert got.error is None and got.replayed <= got.open_tickets
