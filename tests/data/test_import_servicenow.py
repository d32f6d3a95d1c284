"""The ServiceNow preset on the whole real export, and comanage's SLA verdicts against the instance's own.

Data: "Incident management process enriched event log", UCI Machine Learning Repository,
data set 498 — Amaral, C., Fantinato, M., & Peres, S. (2018), DOI 10.24432/C57S4H,
licensed CC BY 4.0. Read from ../shared/data next to the repository; never copied into it.
The incidents checked one by one below were verified against the raw rows with zcat/grep.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.importing.verdicts import compare_verdicts
from comanage_tui.data.store import Store

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"
UNCOMPRESSED_SHA256 = "fd184bbfd62329cfe093e99da2ea7071905f2ead91900b448eb2635870821bef"
CLOCK = 1_700_000_000
ZONE = ZoneInfo("America/Sao_Paulo")

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"real ServiceNow export not found at {DATA} (see tests' docstring)")


def sp(text: str) -> int:
    """A d/m/Y H:M time of the export, read in the example mapping's zone."""
    return int(dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=ZONE).timestamp())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):  # (Store, ImportReport)
    """One import of the whole file with the shipped example mapping and SLA file, shared by the module."""
    store = Store(tmp_path_factory.mktemp("sn") / "sn.db", actor="tester", clock=lambda: CLOCK)
    store.sla.load_toml((REPO / "examples" / "servicenow-sla.toml").read_text(encoding="utf-8"))
    report = import_file(store, DATA, load_mapping(REPO / "examples" / "servicenow-mapping.toml"))
    yield store, report
    store.close()


def test_every_row_and_incident_is_accounted_for(imported) -> None:
    store, report = imported
    assert report.sha256 == UNCOMPRESSED_SHA256
    assert (report.rows_read, report.rows_imported, report.rows_rejected, report.refused) == (141_712, 141_712, 0, False)
    assert (report.tickets_new, report.tickets_existing) == (24_918, 0)
    counts = store.counts()
    assert counts["tickets"] == 24_918 and counts["ticket_events"] == report.events == 183_054
    kinds = dict(store.query("SELECT kind, count(*) FROM ticket_events GROUP BY kind"))
    assert kinds == {"opened": 24_918, "status": 72_542, "note": 50_127, "response": 24_918, "assign": 10_113, "priority": 436}
    # Each ticket has its opening; each update row adds at least one event (a note when nothing tracked changed).
    assert report.events - kinds["opened"] >= report.rows_imported
    assert report.notes == {"updates dated before the opening (moved to the opening or the previous update)": 5,
                            "updates dated before the previous update (moved to it)": 1}
    assert store.scalar("SELECT count(*) FROM tickets WHERE source_sla_met IS NULL") == 0
    assert dict(store.query("SELECT source_sla_met, count(*) FROM tickets GROUP BY 1")) == {0: 9_115, 1: 15_803}
    audit = store.audit_log(entity="import")
    assert len(audit) == 1 and store.scalar("SELECT count(*) FROM audit_log WHERE entity != 'calendar' AND entity != 'sla_policies'") == 1


def test_event_logs_never_go_back_in_time(imported) -> None:
    store, _ = imported
    backwards = store.scalar(
        "SELECT count(*) FROM (SELECT at, lag(at) OVER (PARTITION BY ticket_id ORDER BY seq) AS prev FROM ticket_events) WHERE at < prev"
    )
    assert backwards == 0
    assert store.scalar("SELECT count(*) FROM ticket_events WHERE seq = 1 AND kind != 'opened'") == 0
    t = store.tickets.by_ref("INC0000130")  # has an update dated 07:27, before its 09:41 opening
    assert min(e.at for e in store.tickets.events(t.id)) == t.opened_at == sp("29/2/2016 09:41")


def _log(store: Store, ref: str) -> list[tuple]:
    t = store.tickets.by_ref(ref)
    return [(e.at, e.kind.value, e.status or e.party_key or e.priority) for e in store.tickets.events(t.id)]


def test_incident_0045_resolved_then_closed(imported) -> None:
    store, _ = imported
    t = store.tickets.by_ref("INC0000045")
    assert (t.priority, t.status, t.holder_party_key, t.area_key, t.source_sla_met) == ("P3", "closed", "internal", "other", True)
    assert t.title == "Symptom 72 (Category 55 / Subcategory 170)"
    assert _log(store, "INC0000045") == [
        (sp("29/2/2016 01:16"), "opened", "new"),
        (sp("29/2/2016 01:23"), "note", None),
        (sp("29/2/2016 08:53"), "status", "resolved"),
        (sp("29/2/2016 08:53"), "response", None),
        (sp("29/2/2016 11:29"), "note", None),
        (sp("5/3/2016 12:00"), "status", "closed"),
    ]
    assert (t.first_response_at, t.resolved_at, t.closed_at) == (sp("29/2/2016 08:53"), sp("29/2/2016 08:53"), sp("5/3/2016 12:00"))


def test_incident_0104_priority_raised_and_category_changed(imported) -> None:
    store, _ = imported
    t = store.tickets.by_ref("INC0000104")
    assert (t.priority, t.area_key, t.holder_party_key, t.reassignment_count, t.source_sla_met) == ("P2", "business-apps", "internal", 1, False)
    assert _log(store, "INC0000104") == [
        (sp("29/2/2016 09:08"), "opened", "new"),
        (sp("29/2/2016 09:17"), "response", None),  # Resolver 201 named on the first update
        (sp("29/2/2016 09:18"), "priority", "P2"),
        (sp("29/2/2016 13:18"), "status", "in_progress"),
        (sp("29/2/2016 23:48"), "note", None),
        (sp("1/3/2016 10:00"), "note", None),  # Group 70 -> Group 30: both internal, no holder change
        (sp("1/3/2016 11:55"), "status", "resolved"),
        (sp("6/3/2016 12:00"), "status", "closed"),
    ]


def test_incident_1155_reopened_once(imported) -> None:
    store, _ = imported
    t = store.tickets.by_ref("INC0001155")
    assert (t.reopen_count, t.status, t.resolved_at, t.closed_at) == (1, "closed", sp("25/4/2016 09:43"), sp("30/4/2016 10:07"))
    statuses = [s for _, kind, s in _log(store, "INC0001155") if kind == "status"]
    assert statuses == ["in_progress", "resolved", "in_progress", "resolved", "closed"]


def test_incident_7232_p1_passed_to_the_msp(imported) -> None:
    store, _ = imported
    t = store.tickets.by_ref("INC0007232")
    assert (t.priority, t.holder_party_key, t.reassignment_count, t.source_sla_met) == ("P1", "msp", 1, False)
    assert _log(store, "INC0007232")[:4] == [
        (sp("15/3/2016 11:32"), "opened", "new"),
        (sp("15/3/2016 11:40"), "status", "in_progress"),
        (sp("15/3/2016 11:40"), "response", None),
        (sp("15/3/2016 11:48"), "assign", "msp"),  # Group 54 (internal) -> Group 24 (MSP)
    ]


def test_incident_28089_stray_state_is_kept(imported) -> None:
    store, _ = imported
    assert [k for _, k, _ in _log(store, "INC0028089")] == ["opened", "response", "note", "note", "status", "note", "status"]
    assert store.tickets.by_ref("INC0028089").holder_party_key == "msp"


def test_the_preset_alone_rejects_the_stray_state_rows_by_line(tmp_path: Path) -> None:
    report = import_file(None, DATA, load_mapping(preset="servicenow"), dry_run=True)
    assert (report.rows_read, report.rows_rejected, report.tickets_new) == (141_712, 5, 24_918)
    assert [(r.line, r.ref) for r in report.rejects] == [
        (115_643, "INC0028089"), (115_644, "INC0028089"), (124_509, "INC0030413"), (124_510, "INC0030413"), (124_511, "INC0030413")]
    assert report.reasons == {"unknown state": 5}
    assert len(report.unmapped["group"]) == 78 and len(report.unmapped["category"]) == 58


def test_verdicts_agree_with_made_sla(imported) -> None:
    store, _ = imported
    report = compare_verdicts(store, now=CLOCK, source="servicenow")
    rows = {r.priority: r for r in report.by_priority}
    assert {p: r.compared for p, r in rows.items()} == {"P1": 270, "P2": 408, "P3": 23_466, "P4": 774}
    assert report.total.compared == 24_918 and report.total.open == report.total.no_policy == 0
    assert report.total.percent > 99.0
    assert all(r.percent > 99.0 for r in rows.values())
    assert report.disagreements_total == report.total.compared - report.total.agree
