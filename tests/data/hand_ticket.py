"""The hand-computed ticket of tests/data/test_ola.py in a real database (explain, OLA compliance, scorecard).

Parties internal (office hours), msp (24x7 desk) and secops (no OLA); one policy on the
office calendar; ticket HOP-1 held internal 2 h -> msp 5 h -> internal 1 h (each in its own
OLA calendar) across the weekend and the end of summer time, resolved Mon 2026-10-26 09:00 CET.
"""

from __future__ import annotations

from pathlib import Path

from comanage_tui.data.store import Store
from tests.data.test_ola import BACK, OPENED, PAUSE, RESOLVED_AT, RESUME, TO_MSP, utc

SLA = """
[[calendar]]
name = "office"
timezone = "Europe/Berlin"
weekly = { mon = [["08:00", "18:00"]], tue = [["08:00", "18:00"]], wed = [["08:00", "18:00"]], thu = [["08:00", "18:00"]], fri = [["08:00", "18:00"]] }

[[calendar]]
name = "24x7"
timezone = "Europe/Berlin"
always_open = true

[[policy]]
name = "office hours"
calendar = "office"
match_priorities = ["P1", "P2"]
[policy.targets]
P1 = { response_minutes = 15, resolution_minutes = 240 }
P2 = { response_minutes = 30, resolution_minutes = 480 }

[[ola]]
party = "internal"
calendar = "office"
[ola.targets]
P1 = "1h"
P2 = "2h"

[[ola]]
party = "msp"
calendar = "24x7"
[ola.targets]
P1 = "1h"
P2 = "4h"
"""
CLOCK = utc(2026, 10, 20, 9, 0)


def build(path: Path) -> Path:
    """Write the database with HOP-1 and return its path."""
    with Store(path, actor="tester", clock=lambda: CLOCK) as store:
        store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office"})
        store.org.add_party({"key": "msp", "name": "Brightline MSP", "kind": "partner", "calendar": "24x7"})
        store.org.add_party({"key": "secops", "name": "Sentinel Security", "kind": "partner", "calendar": "24x7"})
        store.sla.load_toml(SLA)
        t = store.tickets.add({"ref": "HOP-1", "title": "VPN drops for the warehouse", "priority": "P2", "party": "internal",
                               "status": "in_progress", "opened_at": OPENED})
        store.tickets.update(t.id, {"party": "msp"}, at=TO_MSP)
        store.tickets.update(t.id, {"status": "waiting_vendor"}, at=PAUSE)
        store.tickets.update(t.id, {"status": "in_progress"}, at=RESUME)
        store.tickets.update(t.id, {"party": "internal"}, at=BACK)
        store.tickets.update(t.id, {"status": "resolved"}, at=RESOLVED_AT)
    return path


def build_with_context(path: Path) -> Path:
    """HOP-1 plus handoffs, knowledge transfer and a RACI row, for scorecard figures counted by hand.

    Window used by the tests: [Mon 2026-10-19 00:00 UTC, Mon 2026-10-26 12:00 UTC).
    """
    build(path)
    with Store(path, actor="tester", clock=lambda: CLOCK) as store:
        store.org.add_area({"key": "network", "name": "Network and Wi-Fi", "criticality": "high"})
        for party, letter in (("msp", "R"), ("internal", "A"), ("secops", "I")):
            store.org.set_raci("network", party, letter)
        noah = store.org.add_person({"party": "msp", "name": "Noah Fischer"})
        jonas = store.org.add_person({"party": "internal", "name": "Jonas Weber"})
        # Drift: three P4 network tickets opened in the window (no SLA target for P4 here, so no clocks), two with the
        # internal team, which is not R: 2/3 of the area's work.
        for i, party in enumerate(("internal", "internal", "msp")):
            store.tickets.add({"ref": f"NET-{i}", "title": "Switch port flapping", "area": "network", "priority": "P4",
                               "party": party, "status": "in_progress", "opened_at": utc(2026, 10, 20, 9 + i, 0)})
        # Handoffs to the MSP (24x7 calendar), ack target 60 minutes each:
        hand = store.handoffs
        h1 = hand.create({"from_party": "internal", "to_party": "msp", "summary": "Take the VPN case", "ack_target_minutes": 60,
                          "requested_at": utc(2026, 10, 20, 8, 0)})
        hand.acknowledge(h1.id, at=utc(2026, 10, 20, 8, 30))        # 30 min: on time
        h2 = hand.create({"from_party": "internal", "to_party": "msp", "summary": "Replace the core switch PSU",
                          "ack_target_minutes": 60, "requested_at": utc(2026, 10, 21, 8, 0)})
        hand.acknowledge(h2.id, at=utc(2026, 10, 21, 10, 0))        # 2 h: late
        h3 = hand.create({"from_party": "internal", "to_party": "msp", "summary": "Firewall rule review",
                          "ack_target_minutes": 60, "requested_at": utc(2026, 10, 22, 8, 0)})
        hand.return_(h3.id, "Which rule sets?", at=utc(2026, 10, 22, 9, 0))  # a bounce the MSP caused
        hand.rerequest(h3.id, at=utc(2026, 10, 22, 12, 0))         # asked again, never acknowledged: waiting, late
        h4 = hand.create({"from_party": "msp", "to_party": "internal", "summary": "Approve the PSU order",
                          "ack_target_minutes": 60, "requested_at": utc(2026, 10, 23, 8, 0)})
        assert h4.state == "requested"                              # the internal team never acknowledges it
        hand.create({"from_party": "internal", "to_party": "msp", "summary": "Before the window", "ack_target_minutes": 60,
                     "requested_at": utc(2026, 10, 10, 8, 0)})
        # Knowledge transfer: the MSP teaches two items (one overdue, one done); one untaught internal-to-partner item.
        store.kt.add({"area": "network", "topic": "Core switch runbook", "teacher_id": noah.id, "learner_ids": [jonas.id],
                      "status": "planned", "due_date": "2026-10-20"})
        store.kt.add({"area": "network", "topic": "Wi-Fi survey walkthrough", "kind": "walkthrough", "teacher_id": noah.id,
                      "status": "done", "due_date": "2026-10-01"})
        store.kt.add({"area": "network", "topic": "VLAN plan for the MSP", "direction": "internal_to_partner",
                      "status": "in_progress", "due_date": "2026-11-30"})
        store.kt.add({"area": "network", "topic": "Nobody named yet", "status": "planned"})
    return path
