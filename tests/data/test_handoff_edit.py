"""Editing a handoff: its words, the people named and the ack target; never its state."""

from __future__ import annotations

import pytest

from comanage_tui.data.errors import Conflict, InvalidInput
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW


@pytest.fixture
def handoff(store: Store) -> tuple[Store, int, dict[str, int]]:
    store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
    store.org.add_party({"key": "msp", "name": "Brightline MSP"})
    people = {"ana": store.org.add_person({"party": "internal", "name": "Ana"}).id,
              "bo": store.org.add_person({"party": "msp", "name": "Bo"}).id}
    h = store.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": "Take the VPN ticket",
                               "requested_at": FIXED_NOW - 3600})
    return store, h.id, people


def _audits(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM audit_log WHERE entity = 'handoff'")


def test_edit_changes_only_what_is_given_with_one_audit_row(handoff) -> None:
    store, hid, people = handoff
    before, audits = store.handoffs.get(hid), _audits(store)
    after = store.handoffs.update(hid, {"context": "Tried a restart", "to_person_id": people["bo"], "ack_target_minutes": 120},
                                  expected_version=before.version)
    assert (after.context, after.to_person_id, after.ack_target_minutes) == ("Tried a restart", people["bo"], 120)
    assert (after.summary, after.state, after.version) == (before.summary, before.state, before.version + 1)
    assert _audits(store) == audits + 1
    cleared = store.handoffs.update(hid, {"to_person_id": None, "summary": None})  # None clears a person, not the summary
    assert cleared.to_person_id is None and cleared.summary == before.summary


def test_an_unchanged_edit_writes_nothing(handoff) -> None:
    store, hid, _ = handoff
    before, audits = store.handoffs.get(hid), _audits(store)
    assert store.handoffs.update(hid, {"summary": before.summary}).version == before.version
    assert _audits(store) == audits


def test_edit_refuses_wrong_party_person_bad_target_stale_version_and_accepted(handoff) -> None:
    store, hid, people = handoff
    before = store.handoffs.get(hid)
    with pytest.raises(InvalidInput, match="does not belong to that party"):
        store.handoffs.update(hid, {"to_person_id": people["ana"]})  # Ana is internal; the receiver is the MSP
    with pytest.raises(InvalidInput, match="ack_target_minutes"):
        store.handoffs.update(hid, {"ack_target_minutes": 0})
    store.handoffs.acknowledge(hid, at=FIXED_NOW)
    with pytest.raises(Conflict):
        store.handoffs.update(hid, {"summary": "Mine"}, expected_version=before.version)
    store.handoffs.accept(hid, at=FIXED_NOW)
    with pytest.raises(InvalidInput, match="accepted handoff is history"):
        store.handoffs.update(hid, {"summary": "Too late"})
    assert store.handoffs.get(hid).summary == before.summary
