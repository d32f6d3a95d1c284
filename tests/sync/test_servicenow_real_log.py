"""A full sync of the real ServiceNow log, served as `incident` and `sys_audit`, equals importing its CSV export.

Same mapping (examples/servicenow-mapping.toml), same SLA file: the same 24,918 tickets, the
same event logs, the same verdict agreement, 0 differences; a second sync with nothing
changed writes nothing. Data: tests/data/test_import_servicenow.py (read from ../shared/data,
never copied here; skipped without it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.importing.verdicts import compare_verdicts
from comanage_tui.data.store import Store
from tests.data.test_import_servicenow import CLOCK, DATA, REPO
from tests.sync.helpers import SN_MAPPING, differences, sync, tickets_and_events, write_source
from tests.sync.servicenow_instance import from_export, serve

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"real ServiceNow export not found at {DATA}")
SLA = REPO / "examples" / "servicenow-sla.toml"


@pytest.fixture(scope="module")
def instance():
    return from_export(DATA)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("imp") / "imported.db"
    with Store(db, actor="tester", clock=lambda: CLOCK) as store:
        store.sla.load_toml(SLA.read_text(encoding="utf-8"))
        import_file(store, DATA, load_mapping(SN_MAPPING))
    return db


def _table_digest(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("tickets", "ticket_events", "audit_log", "sync_items", "parties", "areas")}
    finally:
        conn.close()


def test_a_full_sync_equals_the_import_and_a_second_sync_writes_nothing(instance, imported, server, tmp_path: Path) -> None:
    base = serve(server, instance)
    source = write_source(tmp_path / "sources", base, extra="page_size = 1000")
    db = tmp_path / "synced.db"
    with Store(db, actor="tester", clock=lambda: CLOCK) as store:
        store.sla.load_toml(SLA.read_text(encoding="utf-8"))
    report = sync(db, source, now=CLOCK)
    assert (report.records, report.rebuilt, report.imported.rows_read, report.imported.rows_rejected) == \
        (24_918, 24_918, 141_712, 0)
    assert report.imported.tickets_new == 24_918
    assert differences(tickets_and_events(imported), tickets_and_events(db)) == []

    with Store(imported, create=False) as a, Store(db, create=False) as b:
        va, vb = compare_verdicts(a, now=CLOCK, source="servicenow"), compare_verdicts(b, now=CLOCK, source="servicenow")
    assert [(r.priority, r.compared, r.agree, r.open, r.no_policy) for r in va.by_priority] == \
        [(r.priority, r.compared, r.agree, r.open, r.no_policy) for r in vb.by_priority]
    assert vb.total.compared == 24_918 and vb.disagreements_total == va.disagreements_total

    before = _table_digest(db)
    requests = len(instance.requests)
    again = sync(db, source, now=CLOCK + 3600)
    assert (again.rebuilt, again.commits, again.imported.rows_read) == (0, 0, 0)
    assert again.unchanged == again.records  # the overlap window lists a few again; none is rewritten
    assert _table_digest(db) == before
    assert len(instance.requests) - requests == again.requests <= 3
