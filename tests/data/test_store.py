"""The store's contract: typed writes validated at the boundary, one audit row per write."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from comanage_tui.data.errors import Conflict, InvalidInput
from comanage_tui.data.models import TicketStatus
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW - 86_400  # a day before the pinned clock, so edits "now" come after opening


def _org(store: Store) -> None:
    store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
    store.org.add_party({"key": "msp", "name": "Brightline MSP"})
    store.org.add_area({"key": "network", "name": "Network", "criticality": "high"})


def _audit_count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM audit_log")


def test_every_write_writes_one_audit_row_with_actor_and_before_after(store: Store) -> None:
    _org(store)
    assert _audit_count(store) == 3
    t = store.tickets.add({"ref": "T-1", "title": "Switch down", "party": "msp", "area": "network", "opened_at": NOW})
    assert _audit_count(store) == 4
    store.tickets.update(t.id, {"status": "in_progress", "title": "Core switch down"})
    assert _audit_count(store) == 5
    entry = store.audit_log(entity="ticket")[0]
    assert entry.actor == "tester" and entry.action == "update" and entry.entity_id == str(t.id)
    assert '"title": "Switch down"' in entry.before and '"title": "Core switch down"' in entry.after
    store.org.set_raci("network", "msp", "R")
    assert _audit_count(store) == 6


def test_status_holder_and_priority_changes_become_events(store: Store) -> None:
    _org(store)
    t = store.tickets.add({"ref": "T-1", "title": "VPN down", "party": "internal", "area": "network", "opened_at": NOW})
    store.tickets.update(t.id, {"party": "msp"}, at=NOW + 60)
    store.tickets.update(t.id, {"priority": "P1"}, at=NOW + 120)
    store.tickets.record_response(t.id, at=NOW + 130)
    t2 = store.tickets.update(t.id, {"status": "resolved"}, at=NOW + 600)
    kinds = [(e.kind.value, e.party_key, e.priority, e.status) for e in store.tickets.events(t.id)]
    assert kinds == [
        ("opened", "internal", "P3", "new"),
        ("assign", "msp", None, None),
        ("priority", None, "P1", None),
        ("response", None, None, None),
        ("status", None, None, "resolved"),
    ]
    assert t2.holder_party_key == "msp" and t2.reassignment_count == 1
    assert t2.first_response_at == NOW + 130 and t2.resolved_at == NOW + 600
    reopened = store.tickets.update(t.id, {"status": "in_progress"}, at=NOW + 900)
    assert reopened.reopen_count == 1 and reopened.resolved_at is None and reopened.status == TicketStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ref": "T-9", "title": "", "party": "msp", "opened_at": NOW}, "title"),
        ({"ref": "T-9", "title": "x" * 501, "party": "msp", "opened_at": NOW}, "title"),
        ({"ref": "T-9", "title": "ok", "party": "nobody", "opened_at": NOW}, "party"),
        ({"ref": "T-9", "title": "ok", "party": "msp", "opened_at": NOW, "priority": "P7"}, "priority"),
        ({"ref": "T-9", "title": "ok", "party": "msp", "opened_at": NOW, "area": "moon"}, "area"),
        ({"ref": "T\x1b]52;c;ZXZpbA==\x07", "title": "ok", "party": "msp", "opened_at": NOW}, "ref"),
        ({"ref": "T-1", "title": "duplicate ref", "party": "msp", "opened_at": NOW}, "ref"),
    ],
)
def test_invalid_write_names_the_field_and_leaves_the_file_byte_for_byte_unchanged(
    tmp_path: Path, data: dict, field: str
) -> None:
    path = tmp_path / "v.db"
    with Store(path, clock=lambda: NOW) as store:
        _org(store)
        store.tickets.add({"ref": "T-1", "title": "first", "party": "msp", "opened_at": NOW})
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        files = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("v.db*")}
        with pytest.raises(InvalidInput) as err:
            store.tickets.add(data)
        assert err.value.field.split(".")[0] == field
        assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("v.db*")} == files
        assert store.tickets.count() == 1


def test_stale_edit_is_refused_as_a_conflict(store: Store) -> None:
    _org(store)
    t = store.tickets.add({"ref": "T-1", "title": "Printer", "party": "msp", "opened_at": NOW})
    store.tickets.update(t.id, {"title": "Printer jam"}, expected_version=t.version)
    with pytest.raises(Conflict, match="changed by someone else"):
        store.tickets.update(t.id, {"title": "Printer on fire"}, expected_version=t.version)
    assert store.tickets.get(t.id).title == "Printer jam"


def test_raci_letters_are_validated_and_cleared(store: Store) -> None:
    _org(store)
    store.org.set_raci("network", "msp", "r")
    store.org.set_raci("network", "internal", "A")
    assert store.org.raci() == {("network", "msp"): "R", ("network", "internal"): "A"}
    with pytest.raises(InvalidInput, match="letter"):
        store.org.set_raci("network", "msp", "X")
    store.org.set_raci("network", "msp", None)
    assert store.org.raci() == {("network", "internal"): "A"}


def test_handoff_lifecycle_counts_bounces_and_moves_the_ticket(store: Store) -> None:
    _org(store)
    t = store.tickets.add({"ref": "T-1", "title": "Firewall rule", "party": "internal", "opened_at": NOW})
    h = store.handoffs.create({"from_party": "internal", "to_party": "msp", "ticket_ref": "T-1", "summary": "Please add the rule",
                               "requested_at": NOW + 10, "ack_target_minutes": 30})
    h = store.handoffs.acknowledge(h.id, at=NOW + 20)
    with pytest.raises(InvalidInput, match="reason"):
        store.handoffs.return_(h.id, "  ")
    h = store.handoffs.return_(h.id, "Needs a change ticket", at=NOW + 30)
    assert h.state == "returned" and h.bounce_count == 1
    with pytest.raises(InvalidInput, match="cannot acknowledge"):
        store.handoffs.acknowledge(h.id)
    h = store.handoffs.rerequest(h.id, at=NOW + 40)
    h = store.handoffs.accept(h.id, at=NOW + 50)
    assert (h.state, h.bounce_count, h.acknowledged_at) == ("accepted", 1, NOW + 50)
    moved = store.tickets.get(t.id)
    assert moved.holder_party_key == "msp" and moved.reassignment_count == 1
    assert store.tickets.events(t.id)[-1].note == f"handoff {h.id} accepted"


def test_knowledge_items_stale_and_overdue(store: Store) -> None:
    import datetime as dt

    _org(store)
    today = dt.date(2026, 11, 23)
    kt = store.kt.add({"area": "network", "topic": "Core switch runbook", "status": "done",
                       "last_reviewed": today - dt.timedelta(days=200), "review_interval_days": 180})
    assert kt.is_stale(today) and not kt.is_overdue(today)
    kt = store.kt.record_review(kt.id, today)
    assert not kt.is_stale(today) and kt.version == 2
    late = store.kt.add({"area": "network", "topic": "Shadow a firmware upgrade", "kind": "shadowing",
                         "due_date": today - dt.timedelta(days=1)})
    assert late.is_overdue(today)
    assert store.kt.set_status(late.id, "done").is_overdue(today) is False


def test_two_threads_writing_through_one_store(store: Store) -> None:
    _org(store)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(100):
                t = store.tickets.add({"ref": f"{prefix}-{i}", "title": f"ticket {i}", "party": "msp", "opened_at": NOW})
                store.tickets.update(t.id, {"status": "in_progress"}, at=NOW + 1)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("A", "B")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert store.tickets.count() == 200
    assert store.scalar("SELECT count(*) FROM ticket_events") == 400
    assert _audit_count(store) == 3 + 400


def test_data_version_moves_when_another_connection_commits(tmp_path: Path) -> None:
    a = Store(tmp_path / "live.db")
    b = Store(tmp_path / "live.db")
    before = a.data_version()
    b.org.add_party({"key": "msp", "name": "MSP"})
    assert a.data_version() != before
    a.close()
    b.close()
