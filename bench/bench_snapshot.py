"""Snapshot and health-check timings on the benchmark database (called by bench/bench.py).

The snapshot is measured against the floor any exporter pays: reading the same ticket and
event rows with raw sqlite3 and `json.dumps`, in the same run (goal: at most 2x).
`comanage check` is timed as cron runs it, a fresh process each time (goal: under 0.5 s).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = 1_795_422_600  # 2026-11-23 08:30 UTC, where the bench demo's history ends
AS_OF = "2026-11-23T08:30:00Z"
DAY = 86_400


def _snapshot(db: Path, fmt: str) -> tuple[float, int, object]:
    from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
    from comanage_tui.data.snapshot.render import render_json, render_markdown
    from comanage_tui.data.store import Store

    started = time.perf_counter()
    with Store(db, read_only=True) as store:
        snap = build_snapshot(store, SnapshotOptions(as_of=NOW))
    text = render_markdown(snap) if fmt == "md" else render_json(snap)
    return time.perf_counter() - started, len(text.encode()), snap


def _raw_read(db: Path) -> tuple[float, int, int]:
    """The rows the snapshot reads: every ticket it may compute clocks or workload for, and their events.

    The condition is readmodel.history.replay's (`readmodel.clocks.ACTIVE_SINCE`), with the same "+" that keeps SQLite
    on the faster plan, so the floor pays no more for these rows than the snapshot does.
    """
    start = NOW - 84 * DAY  # the trend's 12 weeks cover the 30-day compliance and workload windows too
    where = ("+t.opened_at <= :now AND (t.closed_at IS NULL OR t.closed_at >= :start OR t.resolved_at >= :start "
             "OR t.first_response_at >= :start)")
    params = {"now": NOW, "start": start}
    started = time.perf_counter()
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tickets = conn.execute(f"SELECT * FROM tickets t WHERE {where} ORDER BY t.id", params).fetchall()
        events = conn.execute(f"SELECT e.* FROM ticket_events e WHERE e.ticket_id IN (SELECT t.id FROM tickets t WHERE {where}) "
                              "ORDER BY e.ticket_id, e.seq", params).fetchall()
    finally:
        conn.close()
    json.dumps({"tickets": tickets, "events": events})  # the serialising cost is part of the floor
    return time.perf_counter() - started, len(tickets), len(events)


def _check_times(db: Path, runs: int = 7) -> list[float]:
    script = Path(sys.executable).with_name("comanage")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*cmd, "--db", str(db), "check", "--as-of", AS_OF], capture_output=True, env=env, check=False,
                       stdin=subprocess.DEVNULL, timeout=60)
        times.append(time.perf_counter() - started)
    return times


def run(db_path: Path | str) -> list[tuple[str, str]]:
    db = Path(db_path)
    # Interleaved twice and the best of each kept: both sides measured around the same moments
    # of a noisy machine, with the same chances.
    floors, mds, jsons = [], [], []
    for _ in range(2):
        floors.append(_raw_read(db))
        mds.append(_snapshot(db, "md"))
        jsons.append(_snapshot(db, "json"))
    floor, n_tickets, n_events = min(floors)
    md_time, md_bytes, snap = min(mds, key=lambda r: r[0])
    json_time, json_bytes, _ = min(jsons, key=lambda r: r[0])
    checks = _check_times(db)
    k = snap.kpis
    return [
        ("snapshot floor: raw sqlite3 + json.dumps",
         f"{floor:.2f} s ({n_tickets:,} tickets, {n_events:,} events read)"),
        ("snapshot Markdown", f"{md_time:.2f} s = {md_time / floor:.1f}x the floor (goal <= 2x); {md_bytes / 1e3:.0f} kB"),
        ("snapshot JSON", f"{json_time:.2f} s = {json_time / floor:.1f}x the floor (goal <= 2x); {json_bytes / 1e3:.0f} kB"),
        ("snapshot content", f"{k.open_tickets:,} open, {k.breached_clocks} breached, {k.at_risk_clocks} at risk, "
                             f"{k.open_handoffs} open handoffs"),
        ("comanage check, fresh process", f"median {statistics.median(checks):.2f} s, best {min(checks):.2f} s "
                                          f"of {len(checks)} (goal < 0.5 s)"),
    ]


if __name__ == "__main__":
    for label, value in run(sys.argv[1]):
        print(f"{label:<40}  {value}")
