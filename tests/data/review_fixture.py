"""A small organisation whose 2026Q3 review (against 2026Q2) is worked out by hand in test_review.py.

Calendar: UTC, Monday-Friday 09:00-17:00. Policy: P1 response 60 / resolution 240 business
minutes, P3 response 120 / resolution 960 (two business days). Parties: internal, msp
(partner). Areas: desk (msp R, internal A), erp (internal R, msp C until 2026-08-20, then R).
The store's clock is moved so audit rows carry the moment each change was made.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from comanage_tui.data.store import Store

UTC = dt.UTC
NOW = int(dt.datetime(2026, 10, 5, 12, tzinfo=UTC).timestamp())  # after Q3: its default review is 2026Q3

SLA_TOML = """
[estimates]
P1 = "4h"
P3 = "1h30m"
"""


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(2026, month, day, hour, minute, tzinfo=UTC).timestamp())


def build(path: Path) -> Store:
    clock = [at(3, 1, 8)]
    s = Store(path, actor="t", clock=lambda: clock[0])
    s.sla.put_calendar({"name": "office", "timezone": "UTC",
                        "weekly": {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}})
    s.sla.replace_policies([{"name": "std", "calendar": "office", "match_priorities": ["P1", "P3"], "targets": {
        "P1": {"response_minutes": 60, "resolution_minutes": 240},
        "P3": {"response_minutes": 120, "resolution_minutes": 960}}}])
    s.sla.load_toml(SLA_TOML)
    s.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office"})
    s.org.add_party({"key": "msp", "name": "MSP", "calendar": "office"})
    s.org.add_area({"key": "desk", "name": "Service desk", "criticality": "high"})
    s.org.add_area({"key": "erp", "name": "ERP", "criticality": "critical"})
    s.org.set_raci("desk", "msp", "R")
    s.org.set_raci("desk", "internal", "A")
    s.org.set_raci("erp", "internal", "R")
    s.org.set_raci("erp", "msp", "C")
    ana = s.org.add_person({"party": "internal", "name": "Ana"}).id
    bo = s.org.add_person({"party": "msp", "name": "Bo"}).id
    s.org.set_capabilities("desk", [bo])
    s.org.set_capabilities("erp", [ana, bo])
    k1 = s.kt.add({"area": "desk", "topic": "Desk runbook", "kind": "runbook", "direction": "partner_to_internal"}).id

    # --- 2026Q2 -------------------------------------------------------------------------
    clock[0] = at(4, 10, 10)
    s.org.set_raci("desk", "internal", "C")
    clock[0] = at(4, 11, 10)
    s.org.set_raci("desk", "internal", "A")
    clock[0] = at(5, 1, 10)
    s.kt.add({"area": "erp", "topic": "ERP walkthrough", "kind": "walkthrough", "direction": "partner_to_internal",
              "status": "verified"})
    # T1: MSP, P3 desk, answered in 30 min, resolved after 4 business hours; 2 h recorded.
    t1 = s.tickets.add({"ref": "T1", "title": "Printer", "party": "msp", "area": "desk", "priority": "P3",
                        "opened_at": at(5, 4, 9)}).id
    s.tickets.record_response(t1, at=at(5, 4, 9, 30))
    s.tickets.update(t1, {"status": "resolved", "hours_spent": 2.0}, at=at(5, 4, 13))
    # T2: internal, P1 erp, answered after 2 h (breached 10:00), resolved after 7 h (breached 13:00).
    t2 = s.tickets.add({"ref": "T2", "title": "ERP down", "party": "internal", "area": "erp", "priority": "P1",
                        "opened_at": at(6, 2, 9)}).id
    s.tickets.record_response(t2, at=at(6, 2, 11))
    s.tickets.update(t2, {"status": "resolved"}, at=at(6, 2, 16))
    # T7: MSP, P3 desk, never answered nor resolved: response breached 11:00, resolution Tue 16 Jun 17:00.
    s.tickets.add({"ref": "T7", "title": "Old", "party": "msp", "area": "desk", "priority": "P3", "opened_at": at(6, 15, 9)})
    h3 = s.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": "Q2 handoff",
                            "requested_at": at(5, 4, 9), "ack_target_minutes": 60}).id
    s.handoffs.acknowledge(h3, at=at(5, 4, 9, 45))

    # --- 2026Q3 -------------------------------------------------------------------------
    # T3: MSP, P3 desk, answered 09:15, resolved Thu 11:00 = 8 h + 2 h = 10 h; no hours (estimate 1.5 h).
    t3 = s.tickets.add({"ref": "T3", "title": "Mail", "party": "msp", "area": "desk", "priority": "P3",
                        "opened_at": at(7, 1, 9)}).id
    s.tickets.record_response(t3, at=at(7, 1, 9, 15))
    s.tickets.update(t3, {"status": "resolved"}, at=at(7, 2, 11))
    clock[0] = at(7, 10, 10)
    s.kt.set_status(k1, "done")
    clock[0] = at(7, 20, 10)
    s.kt.set_status(k1, "verified")
    # T4: MSP then internal from Tue 09:00; P3 desk; resolution ran out Tue 17:00 (16 h) with internal;
    # resolved Wed 11:00 = 18 h. 3 h recorded, but internal resolved it: not in the ROI.
    t4 = s.tickets.add({"ref": "T4", "title": "Laptop", "party": "msp", "area": "desk", "priority": "P3",
                        "opened_at": at(8, 3, 9)}).id
    s.tickets.record_response(t4, at=at(8, 3, 10))
    s.tickets.update(t4, {"party": "internal"}, at=at(8, 4, 9))
    s.tickets.update(t4, {"status": "resolved", "hours_spent": 3.0}, at=at(8, 5, 11))
    # T5: internal, P1 erp, answered 09:20, handed to the MSP 10:00, resolved by it 12:00 = 3 h; 1.5 h recorded.
    t5 = s.tickets.add({"ref": "T5", "title": "ERP slow", "party": "internal", "area": "erp", "priority": "P1",
                        "opened_at": at(9, 1, 9)}).id
    s.tickets.record_response(t5, at=at(9, 1, 9, 20))
    s.tickets.update(t5, {"party": "msp"}, at=at(9, 1, 10))
    s.tickets.update(t5, {"status": "resolved", "hours_spent": 1.5}, at=at(9, 1, 12))
    # T6: internal, P3 erp, answered 09:30, open at the quarter's end: 16 h ran out Tue 29 Sep 17:00.
    t6 = s.tickets.add({"ref": "T6", "title": "ERP report", "party": "internal", "area": "erp", "priority": "P3",
                        "opened_at": at(9, 28, 9)}).id
    s.tickets.record_response(t6, at=at(9, 28, 9, 30))
    # T8: internal, P3 desk (the MSP is R: drift), answered 09:10, resolved 12:00 = 3 h.
    t8 = s.tickets.add({"ref": "T8", "title": "Phone", "party": "internal", "area": "desk", "priority": "P3",
                        "opened_at": at(9, 14, 9)}).id
    s.tickets.record_response(t8, at=at(9, 14, 9, 10))
    s.tickets.update(t8, {"status": "resolved"}, at=at(9, 14, 12))
    # Handoffs: internal -> msp acknowledged in 30 min; msp -> internal after 2 h (late), then returned.
    h1 = s.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": "Take ERP",
                            "requested_at": at(9, 1, 10), "ack_target_minutes": 60}).id
    s.handoffs.acknowledge(h1, at=at(9, 1, 10, 30))
    h2 = s.handoffs.create({"from_party": "msp", "to_party": "internal", "summary": "Approve",
                            "requested_at": at(8, 6, 9), "ack_target_minutes": 60}).id
    s.handoffs.acknowledge(h2, at=at(8, 6, 11))
    s.handoffs.return_(h2, "not ours", at=at(8, 6, 12))
    # Who can do it: desk gains Ana (its single point closes), erp loses her (one opens).
    clock[0] = at(8, 10, 10)
    s.org.set_capabilities("desk", [ana, bo])
    clock[0] = at(8, 11, 10)
    s.org.set_capabilities("erp", [bo])
    clock[0] = at(8, 20, 10)
    s.org.set_raci("erp", "msp", "R")
    clock[0] = NOW
    return s
