"""A small organisation built through the Store, for the as-of and activity tests.

Not the demo: its content changes with the demo's catalogue; these tests need a handful of
records whose every change they make themselves, with the store's clock moved by hand.
"""

from __future__ import annotations

import datetime as dt

from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW

T0 = FIXED_NOW - 10 * 86_400  # the organisation is set up
T1 = T0 + 3_600  # first round of changes
T2 = T1 + 3_600  # second round


class Clock:
    """A store clock the test moves: `clock.at = T1`."""

    def __init__(self, at: int):
        self.at = at

    def __call__(self) -> int:
        return self.at


def build_org(s: Store) -> dict[str, int]:
    """it (internal), msp and sec; Ana (it), Bo (msp); area erp with it A, msp R; Ana can do erp;
    a planned runbook taught by Bo to Ana; a handoff it → msp requested at T0. All at the store's clock."""
    s.sla.put_calendar({"name": "24x7", "timezone": "Europe/Berlin", "always_open": True})
    s.org.add_party({"key": "it", "name": "IT", "kind": "internal", "calendar": "24x7"})
    s.org.add_party({"key": "msp", "name": "MSP"})
    s.org.add_party({"key": "sec", "name": "SecFirm"})
    ana = s.org.add_person({"party": "it", "name": "Ana", "email": "ana@example.org"})
    bo = s.org.add_person({"party": "msp", "name": "Bo", "email": "bo@example.org"})
    s.org.add_area({"key": "erp", "name": "ERP", "criticality": "high"})
    s.org.set_raci("erp", "it", "A")
    s.org.set_raci("erp", "msp", "R")
    s.org.add_capability("erp", ana.id)
    kt = s.kt.add({"area": "erp", "topic": "Backup restore runbook", "teacher_id": bo.id, "learner_ids": [ana.id],
                   "status": "planned", "due_date": dt.date(2026, 12, 1)})
    h = s.handoffs.create({"from_party": "it", "to_party": "msp", "summary": "Patch the ERP host",
                           "ack_target_minutes": 60, "requested_at": T0})
    return {"ana": ana.id, "bo": bo.id, "kt": kt.id, "handoff": h.id}
