"""`kill -9` at random moments of a batch of edits: the file stays sound, each edit all or nothing.

Every edit changes a ticket's title, status and holder in one transaction: two events,
the summary row (version + 1) and one audit row. After each kill the invariants tie those
together, so a half-applied edit would show as a mismatch.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from comanage_tui.data.store import Store

KILLS = 50
T0 = 1_790_000_000
EDITOR = r"""
import random, sys
from comanage_tui.data.store import Store
s = Store(sys.argv[1], actor="editor")
ids = [r[0] for r in s.query("SELECT id FROM tickets")]
rng = random.Random(int(sys.argv[2]))

def edit():
    tid = rng.choice(ids)
    t = s.tickets.get(tid)
    s.tickets.update(tid, {
        "title": f"edit {t.version}",
        "status": "waiting_customer" if t.status == "in_progress" else "in_progress",
        "party": "internal" if t.holder_party_key == "msp" else "msp",
    }, at=t.opened_at + t.version)

edit()  # "ready" once the models are loaded and edits flow, so a loaded machine cannot kill it before that
print("ready", flush=True)
while True:
    edit()
"""


def _check(db: Path) -> int:
    with Store(db) as s:
        assert s.scalar("PRAGMA integrity_check") == "ok"
        bad = s.query(
            "SELECT t.ref, t.version, (SELECT count(*) FROM ticket_events e WHERE e.ticket_id = t.id) AS events, "
            "(SELECT count(*) FROM audit_log a WHERE a.entity = 'ticket' AND a.entity_id = CAST(t.id AS TEXT) AND a.action = 'update') AS audits "
            "FROM tickets t WHERE events != 1 + 2 * (t.version - 1) OR audits != t.version - 1"
        )
        assert [tuple(r) for r in bad] == []
        return int(s.scalar("SELECT coalesce(sum(version - 1), 0) FROM tickets"))


def test_kill_nine_during_edits_never_leaves_half_an_edit(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    with Store(db) as s:
        s.org.add_party({"key": "internal", "name": "Internal", "kind": "internal"})
        s.org.add_party({"key": "msp", "name": "MSP"})
        for i in range(20):
            s.tickets.add({"ref": f"K{i}", "title": "start", "party": "msp", "status": "in_progress", "opened_at": T0})
    rng = random.Random(1)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = 0
    for k in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", EDITOR, str(db), str(k)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        after = _check(db)
        assert after >= done  # committed edits are never lost
        done = after
    assert done >= KILLS  # every editor had committed before it was killed: it really was writing
