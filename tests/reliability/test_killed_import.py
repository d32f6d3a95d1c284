"""`kill -9` at random moments of a large import: the database holds all of it or none of it."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.reliability.csv_drill import MAPPING

KILLS = 25
ROWS = 15_000


def _write_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "title", "opened_at", "status", "priority"])
        for i in range(ROWS):
            w.writerow([f"DR-{i}", f"Imported ticket {i}", f"2026-10-{1 + i % 28:02d}T09:{i % 60:02d}:00+00:00",
                        "in_progress" if i % 3 else "resolved", f"P{1 + i % 4}"])


def test_kill_nine_during_import_is_all_or_nothing(tmp_path: Path) -> None:
    data, mapping, db = tmp_path / "big.csv", tmp_path / "map.toml", tmp_path / "imp.db"
    _write_csv(data)
    mapping.write_text(MAPPING)
    Store(db).close()
    rng = random.Random(2)
    outcomes = {"none": 0, "all": 0}
    for _ in range(KILLS):
        for suffix in ("", "-wal", "-shm"):  # each round starts from an empty database
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        Store(db).close()
        proc = subprocess.Popen([*comanage_cmd(), "--db", str(db), "import", str(data), "--mapping", str(mapping)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(db) as s:
            assert s.scalar("PRAGMA integrity_check") == "ok"
            tickets = s.tickets.count()
            events = s.scalar("SELECT count(*) FROM ticket_events")
            audits = s.scalar("SELECT count(*) FROM audit_log WHERE entity = 'import'")
        assert (tickets, audits) in ((0, 0), (ROWS, 1)), (tickets, events, audits)
        assert events == 0 or events >= ROWS
        outcomes["all" if tickets else "none"] += 1
    # The drill must hit both sides: kills that landed mid-import and imports that finished.
    assert outcomes["none"] > 0, outcomes
