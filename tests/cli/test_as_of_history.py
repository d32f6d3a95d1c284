"""`snapshot --as-of` shows the organisation as it stood then: a RACI letter, a KT status and a handoff
acknowledged after a moment are shown as they were before it, and as changed after it.

The real `comanage` command in a subprocess, on a small organisation built through the Store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from comanage_tui.data.store import Store
from tests.cli.test_cli import run
from tests.past_org import T0, T1, Clock, build_org


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot(db: Path, option: str, moment: str) -> dict:
    """`snapshot --as-of MOMENT`, or with `--now` the global option before the sub-command."""
    args = ["--now", moment, "snapshot", "--format", "json"] if option == "--now" else \
        ["snapshot", "--format", "json", option, moment]
    out = run("--db", str(db), *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def facts(snap: dict) -> tuple[dict, str, list]:
    letters = next(a["letters"] for a in snap["raci"] if a["area"] == "erp")
    status = next(i["status"] for i in snap["knowledge"]["items"] if i["topic"] == "Backup restore runbook")
    handoffs = [(h["summary"], h["state"]) for h in snap["handoffs"]]
    return letters, status, handoffs


def test_snapshot_as_of_before_and_after_three_changes(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    clock = Clock(T0)
    store = Store(db, actor="tester", clock=clock)
    try:
        ids = build_org(store)
        clock.at = T1  # an hour later: three changes
        store.org.set_raci("erp", "msp", "A")
        store.kt.set_status(ids["kt"], "in_progress")
        store.handoffs.acknowledge(ids["handoff"])
    finally:
        store.close()

    before = snapshot(db, "--as-of", iso(T1 - 60))
    after = snapshot(db, "--as-of", iso(T1 + 60))
    assert facts(before) == ({"it": "A", "msp": "R"}, "planned", [("Patch the ERP host", "requested")])
    assert facts(after) == ({"it": "A", "msp": "A"}, "in_progress", [("Patch the ERP host", "acknowledged")])
    # The global --now is the same moment for the snapshot.
    assert facts(snapshot(db, "--now", iso(T1 - 60))) == facts(before)
    # What the snapshot says it knows: the changes undone, and where the log begins.
    said = " ".join(before["limits"])
    assert "undoing the 3 changes the audit log records after then" in said
    assert "The audit log begins" in said and "today's state" not in said
    assert "no change to them after then" in " ".join(after["limits"])
    # Before the log begins: the records as first recorded, and the snapshot says so.
    earliest = snapshot(db, "--as-of", iso(T0 - 86_400))
    assert facts(earliest)[:2] == ({"it": "A", "msp": "R"}, "planned")
    assert "this moment is earlier: the records are shown as first recorded then" in " ".join(earliest["limits"])
