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
