"""`comanage review` timings on the benchmark database (called by bench/bench.py).

One quarter (the last complete one before the demo's moment, 2026Q3, with 2026Q2 as its
comparison) is reviewed and rendered, and measured against the floor any exporter of
those figures pays: reading the same ticket and event rows with raw sqlite3 and
`json.dumps`, in the same run (goal: at most 2x).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = 1_795_422_600  # 2026-11-23 08:30 UTC, where the bench demo's history ends


def _review(db: Path, fmt: str) -> tuple[float, int, object]:
    from comanage_tui.data.readmodel.review.build import build_review
    from comanage_tui.data.readmodel.review.period import last_complete_quarter, zone_of
    from comanage_tui.data.review.write import render_text
    from comanage_tui.data.store import Store

    started = time.perf_counter()
    with Store(db, read_only=True) as store:
        cal = store.sla.calendar_map()
        parties = store.org.parties()
        internal = next((p.calendar for p in parties if p.kind == "internal" and p.calendar in cal), None)
        zone = zone_of(cal[internal].spec.timezone if internal else None)
        review = build_review(store, last_complete_quarter(NOW, zone))
    text = render_text(review, fmt)
    return time.perf_counter() - started, len(text.encode()), review


def _raw_read(db: Path, start: int, end: int) -> tuple[float, int, int]:
    """The rows the review reads: tickets that can count in [start, end) (readmodel.clocks.ACTIVE_SINCE) and their events."""
    where = ("+t.opened_at <= :end AND (t.closed_at IS NULL OR t.closed_at >= :start OR t.resolved_at >= :start "
             "OR t.first_response_at >= :start)")
    params = {"end": end, "start": start}
    started = time.perf_counter()
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tickets = conn.execute(f"SELECT * FROM tickets t WHERE {where} ORDER BY t.id", params).fetchall()
        events = conn.execute(f"SELECT e.* FROM ticket_events e WHERE e.ticket_id IN (SELECT t.id FROM tickets t WHERE {where}) "
                              "ORDER BY e.ticket_id, e.seq", params).fetchall()
    finally:
        conn.close()
    json.dumps({"tickets": tickets, "events": events})
    return time.perf_counter() - started, len(tickets), len(events)


def run(db_path: Path | str) -> list[tuple[str, str]]:
    import datetime as dt

    db = Path(db_path)
    mds, jsons, floors = [], [], []
    for _ in range(2):  # interleaved, best of two each: both sides measured around the same moments
        mds.append(_review(db, "md"))
        jsons.append(_review(db, "json"))
        r = mds[-1][2]
        start = int(dt.datetime.fromisoformat(r.previous.start).timestamp())  # the comparison period is read too
        end = int(dt.datetime.fromisoformat(r.period.end).timestamp())
        floors.append(_raw_read(db, start, end))
    floor, n_tickets, n_events = min(floors)
    md_time, md_bytes, review = min(mds, key=lambda x: x[0])
    json_time, json_bytes, _ = min(jsons, key=lambda x: x[0])
    return [
        (f"review floor ({review.period.label} and {review.previous.label}): raw sqlite3 + json.dumps",
         f"{floor:.2f} s ({n_tickets:,} tickets, {n_events:,} events read)"),
        ("review Markdown", f"{md_time:.2f} s = {md_time / floor:.1f}x the floor (goal <= 2x); {md_bytes / 1e3:.0f} kB"),
        ("review JSON", f"{json_time:.2f} s = {json_time / floor:.1f}x the floor (goal <= 2x); {json_bytes / 1e3:.0f} kB"),
        ("review content", f"{review.opened.total.current:,} opened, {review.resolved.total.current:,} resolved, "
                           f"{review.breaches.total.current:,} breaches, ROI {review.roi.hours.current} h ({review.roi.source})"),
    ]


if __name__ == "__main__":
    for label, value in run(sys.argv[1]):
        print(f"{label}: {value}")
