"""Who can do an area's work: set as a whole list, guarded against lost updates, audited once."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from comanage_tui.data.errors import Conflict, InvalidInput
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.kt import kt_coverage
from comanage_tui.data.store import Store


def _org(store: Store) -> tuple[int, int, int]:
    store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
    store.org.add_party({"key": "msp", "name": "Brightline MSP"})
    store.org.add_area({"key": "backup", "name": "Backup and restore", "criticality": "critical"})
    ana = store.org.add_person({"party": "internal", "name": "Ana"}).id
    bo = store.org.add_person({"party": "msp", "name": "Bo"}).id
    cy = store.org.add_person({"party": "msp", "name": "Cy"}).id
    return ana, bo, cy


def _single_point(store: Store) -> str | None:
    ctx = load_context(store)
    return {c.area.key: c for c in kt_coverage(store, ctx, dt.date(2026, 11, 23))}["backup"].single_point


def test_setting_the_list_adds_and_removes_and_clears_a_single_point(store: Store) -> None:
    ana, bo, cy = _org(store)
    store.org.add_capability("backup", bo)
    assert _single_point(store) == "only one person can do it"
    audits = store.scalar("SELECT count(*) FROM audit_log")

    added, removed = store.org.set_capabilities("backup", [ana, cy], expected=[bo])
    assert (added, removed) == ([ana, cy], [bo])
    assert sorted(pid for area, pid, _ in store.org.capabilities() if area == "backup") == [ana, cy]
    assert _single_point(store) is None  # two people, one of them internal
    assert store.scalar("SELECT count(*) FROM audit_log") == audits + 1
    entry = store.audit_log(entity="capabilities")[0]
    assert entry.entity_id == "backup" and entry.before == f"[{bo}]" and entry.after == f"[{ana}, {cy}]"

    assert store.org.set_capabilities("backup", [cy, ana, ana]) == ([], [])  # same list: nothing written
    assert store.scalar("SELECT count(*) FROM audit_log") == audits + 1

    store.org.set_capabilities("backup", [])
    assert _single_point(store) == "nobody is recorded as able to do it"


def test_a_list_changed_by_someone_else_is_a_conflict_and_nothing_changes(store: Store) -> None:
    ana, bo, cy = _org(store)
    store.org.set_capabilities("backup", [bo])
    with pytest.raises(Conflict, match="who can do backup was changed by someone else"):
        store.org.set_capabilities("backup", [bo, cy], expected=[])  # the editor saw an empty list
    assert [pid for _, pid, _ in store.org.capabilities()] == [bo]


def test_unknown_area_or_person_is_refused_and_the_file_is_unchanged(store: Store) -> None:
    ana, _bo, _cy = _org(store)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(Path(store.path).read_bytes()).hexdigest()
    with pytest.raises(InvalidInput, match="unknown area 'nope'"):
        store.org.set_capabilities("nope", [ana])
    with pytest.raises(InvalidInput, match="unknown person 999"):
        store.org.set_capabilities("backup", [ana, 999])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert hashlib.sha256(Path(store.path).read_bytes()).hexdigest() == before
    assert store.org.capabilities() == []
