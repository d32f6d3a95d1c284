"""Importer behaviour on small CSV files written in tmp_path: bad rows, safety, idempotence, presets."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.importing.reader import ImportProblem
from comanage_tui.data.store import Store

CLOCK = 1_700_000_000
SN_HEADER = ["number", "incident_state", "reassignment_count", "reopen_count", "sys_mod_count", "made_sla", "opened_at",
             "sys_updated_at", "category", "subcategory", "u_symptom", "priority", "assignment_group", "assigned_to"]
MAPPING = """
preset = "servicenow"
timezone = "UTC"
[status]
"-100" = "keep"
[parties]
default = "internal"
[[party]]
key = "internal"
name = "Internal IT"
kind = "internal"
groups = ["Desk"]
[[party]]
key = "msp"
name = "The MSP"
groups = ["MSP L2"]
[[area]]
key = "network"
name = "Network"
categories = ["Net"]
"""


def sn(number: str, state: str, mod: int, updated: str, *, opened: str = "1/3/2016 09:00", group: str = "Desk",
       person: str = "?", priority: str = "3 - Moderate", met: str = "true", category: str = "Net",
       reassign: str = "0", reopen: str = "0") -> list[str]:
    return [number, state, reassign, reopen, str(mod), met, opened, updated, category, "Sub 1", "Symptom 9", priority, group, person]


def write(path: Path, rows: list[list[str]], header: list[str] = SN_HEADER, *, gz: bool = False) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def utc(text: str) -> int:
    return int(dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=dt.UTC).timestamp())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "x.db"


def open_store(db: Path) -> Store:
    return Store(db, actor="tester", clock=lambda: CLOCK)


def run(db: Path, csv_path: Path, mapping_text: str = MAPPING, **kw):  # ImportReport
    s = open_store(db)
    try:
        return import_file(s, csv_path, load_mapping(text=mapping_text), **kw)
    finally:
        s.close()


LIFE = [
    sn("INC1", "New", 0, "1/3/2016 09:05"),
    sn("INC1", "Active", 1, "1/3/2016 09:30", group="MSP L2", person="Resolver 4", reassign="1"),
    sn("INC1", "Awaiting User Info", 2, "1/3/2016 11:00", group="MSP L2", person="Resolver 4", reassign="1"),
    sn("INC1", "Active", 3, "2/3/2016 08:00", group="MSP L2", person="Resolver 4", reassign="1"),
    sn("INC1", "Resolved", 4, "2/3/2016 10:00", group="MSP L2", person="Resolver 4", reassign="1"),
    sn("INC1", "Resolved", 5, "2/3/2016 10:30", group="MSP L2", person="Resolver 4", reassign="1"),
    sn("INC1", "Closed", 6, "7/3/2016 10:00", group="MSP L2", person="Resolver 4", reassign="1", met="false"),
]


def events_of(s: Store, ref: str) -> list[tuple]:
    t = s.tickets.by_ref(ref)
    return [(e.at, e.kind.value, e.status, e.party_key, e.priority) for e in s.tickets.events(t.id)]


def test_update_rows_replay_into_one_ticket(db: Path, tmp_path: Path) -> None:
    report = run(db, write(tmp_path / "a.csv", LIFE))
    assert (report.rows_read, report.rows_rejected, report.tickets_new, report.events) == (7, 0, 1, 10)
    s = open_store(db)
    t = s.tickets.by_ref("INC1")
    assert (t.source, t.status, t.holder_party_key, t.priority, t.area_key) == ("servicenow", "closed", "msp", "P3", "network")
    assert t.title == "Symptom 9 (Net / Sub 1)"
    assert (t.opened_at, t.first_response_at) == (utc("1/3/2016 09:00"), utc("1/3/2016 09:30"))
    assert (t.resolved_at, t.closed_at) == (utc("2/3/2016 10:00"), utc("7/3/2016 10:00"))
    assert (t.source_sla_met, t.reassignment_count, t.reopen_count) == (False, 1, 0)
    assert events_of(s, "INC1") == [
        (utc("1/3/2016 09:00"), "opened", "new", "internal", "P3"),
        (utc("1/3/2016 09:05"), "note", None, None, None),  # an update that changed nothing tracked
        (utc("1/3/2016 09:30"), "assign", None, "msp", None),
        (utc("1/3/2016 09:30"), "status", "in_progress", None, None),
        (utc("1/3/2016 09:30"), "response", None, None, None),  # first update leaving New
        (utc("1/3/2016 11:00"), "status", "waiting_customer", None, None),
        (utc("2/3/2016 08:00"), "status", "in_progress", None, None),
        (utc("2/3/2016 10:00"), "status", "resolved", None, None),
        (utc("2/3/2016 10:30"), "note", None, None, None),
        (utc("7/3/2016 10:00"), "status", "closed", None, None),
    ]
    s.close()


def test_rows_are_ordered_by_mod_count_not_file_order(db: Path, tmp_path: Path) -> None:
    shuffled = [LIFE[3], LIFE[0], LIFE[6], LIFE[1], LIFE[5], LIFE[2], LIFE[4]]
    run(db, write(tmp_path / "a.csv", LIFE))
    s = open_store(db)
    expected = events_of(s, "INC1")
    s.close()
    db.unlink()
    report = run(db, write(tmp_path / "b.csv", shuffled))
    s = open_store(db)
    assert events_of(s, "INC1") == expected
    assert report.rows_rejected == 0
    s.close()


GOOD_NEXT = sn("INC2", "New", 0, "3/3/2016 10:00")
BAD_ROWS = {
    "bad update date": (sn("INC2", "New", 0, "31/2/2016 10:00"), "bad date", "sys_updated_at"),
    "bad opening date": (sn("INC2", "New", 0, "3/3/2016 10:00", opened="2016-03-01"), "bad date", "opened_at"),
    "missing opening": (sn("INC2", "New", 0, "3/3/2016 10:00", opened="?"), "bad date", "opened_at: missing"),
    "unknown priority": (sn("INC2", "New", 0, "3/3/2016 10:00", priority="9 - Whenever"), "unknown priority", "9 - Whenever"),
    "missing number": (sn("?", "New", 0, "3/3/2016 10:00"), "missing ref", "number"),
    "wrong column count": (sn("INC2", "New", 0, "3/3/2016 10:00")[:-2], "column count", "expected 14 fields, found 12"),
    "unknown state": (sn("INC2", "Pending", 0, "3/3/2016 10:00"), "unknown state", "Pending"),
    "bad made_sla": (sn("INC2", "New", 0, "3/3/2016 10:00", met="maybe"), "bad sla_met", "maybe"),
    "bad mod count": ([*GOOD_NEXT[:4], "x", *GOOD_NEXT[5:]], "bad number", "sys_mod_count: 'x'"),
    "bad reopen count": (sn("INC2", "New", 0, "3/3/2016 10:00", reopen="1.5"), "bad number", "reopen_count: '1.5'"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_row_is_reported_with_its_line_and_refuses_the_import(db: Path, tmp_path: Path, case: str) -> None:
    row, reason, detail = BAD_ROWS[case]
    report = run(db, write(tmp_path / "bad.csv", [*LIFE, row]))
    assert report.refused and report.rows_rejected == 1 and report.rows_read == 8
    assert (report.rejects[0].line, report.rejects[0].reason) == (9, reason)
    assert detail in report.rejects[0].detail
    s = open_store(db)
    assert s.counts()["tickets"] == 0 and s.counts()["parties"] == 0 and s.counts()["audit_log"] == 0
    s.close()


@pytest.mark.parametrize(("raw", "reason", "detail"), [
    (b"INC2,New,0,0,0,true,1/3/2016 09:00,3/3/2016 10:00,Caf\xe9,Sub,Sym,3 - Moderate,Desk,?\r\n", "encoding",
     "line 9 is not valid UTF-8 (byte 0xe9"),
    (b'INC2,"New"x,0,0,0,true,1/3/2016 09:00,3/3/2016 10:00,Net,Sub,Sym,3 - Moderate,Desk,?\r\n', "csv syntax", "CSV syntax error"),
])
def test_unreadable_line_is_reported_with_its_line(db: Path, tmp_path: Path, raw: bytes, reason: str, detail: str) -> None:
    path = write(tmp_path / "bad.csv", LIFE)
    with open(path, "ab") as fh:
        fh.write(raw)
        fh.write(b"INC3,New,0,0,0,true,1/3/2016 09:00,3/3/2016 10:00,Net,Sub,Sym,3 - Moderate,Desk,?\r\n")
    report = run(db, path, skip_bad_rows=True)
    assert [(r.line, r.reason) for r in report.rejects] == [(9, reason)]
    assert detail in report.rejects[0].detail
    assert report.tickets_new == 2  # INC1 and the row after the bad one


def test_refused_import_leaves_the_database_byte_for_byte_unchanged(db: Path, tmp_path: Path) -> None:
    run(db, write(tmp_path / "a.csv", LIFE))
    before = sha(db)
    later = [*LIFE, sn("INC1", "Active", 7, "8/3/2016 10:00", group="MSP L2"), sn("INC9", "New", 0, "32/3/2016 10:00")]
    report = run(db, write(tmp_path / "b.csv", later))
    assert report.refused
    assert sha(db) == before
    assert not Path(f"{db}-wal").exists()


def test_skip_bad_rows_imports_the_rest_and_keeps_the_rejects(db: Path, tmp_path: Path) -> None:
    rows = [*LIFE, sn("INC2", "New", 0, "3/3/2016 10:00", priority="bogus"), sn("INC3", "New", 0, "3/3/2016 11:00")]
    report = run(db, write(tmp_path / "a.csv", rows), skip_bad_rows=True)
    assert not report.refused
    assert (report.rows_read, report.rows_imported, report.rows_rejected, report.tickets_new) == (9, 8, 1, 2)
    out = tmp_path / "report.json"
    report.write(out)
    doc = json.loads(out.read_text())
    assert doc["rejected_rows"] == [{"line": 9, "ref": "INC2", "reason": "unknown priority",
                                     "detail": "priority 'bogus' is not in the mapping's [priority] table"}]
    s = open_store(db)
    assert sorted(t.ref for t in s.tickets.list()) == ["INC1", "INC3"]
    s.close()


def test_dry_run_reports_and_changes_nothing(db: Path, tmp_path: Path) -> None:
    run(db, write(tmp_path / "a.csv", LIFE[:3]))
    before = sha(db)
    report = run(db, write(tmp_path / "b.csv", [*LIFE, sn("INC2", "New", 0, "3/3/2016 10:00")]), dry_run=True)
    assert report.dry_run and not report.refused
    assert (report.tickets_new, report.tickets_existing, report.events) == (1, 1, 12)
    assert sha(db) == before
    # Without any database at all, a dry run still checks the file.
    fresh = import_file(None, tmp_path / "b.csv", load_mapping(text=MAPPING), dry_run=True)
    assert (fresh.tickets_new, fresh.parties_created) == (2, ["internal", "msp"])


def test_reimport_is_idempotent_and_audited_once_per_import(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [*LIFE, sn("INC2", "New", 0, "3/3/2016 10:00")])
    first = run(db, path)
    s = open_store(db)
    snapshot = [(t.id, t.version, t.status) for t in s.tickets.list()]
    events = s.counts()["ticket_events"]
    s.close()
    second = run(db, path)
    assert (second.tickets_new, second.tickets_existing, second.tickets_changed) == (0, 2, 0)
    assert second.events == first.events
    s = open_store(db)
    assert [(t.id, t.version, t.status) for t in s.tickets.list()] == snapshot
    assert s.counts()["ticket_events"] == events
    audit = s.audit_log(entity="import")
    assert len(audit) == 2 and s.counts()["audit_log"] == 2
    after = json.loads(audit[0].after)
    assert after["sha256"] == first.sha256 and after["tickets"] == 2 and after["file"] == "a.csv"
    assert audit[0].entity_id == "a.csv" and audit[0].action == "import"
    s.close()


def test_later_export_updates_tickets_in_place(db: Path, tmp_path: Path) -> None:
    run(db, write(tmp_path / "a.csv", LIFE[:3]))
    s = open_store(db)
    t0 = s.tickets.by_ref("INC1")
    s.close()
    assert t0.status == "waiting_customer"
    report = run(db, write(tmp_path / "b.csv", LIFE))
    assert (report.tickets_new, report.tickets_changed) == (0, 1)
    s = open_store(db)
    t1 = s.tickets.by_ref("INC1")
    assert (t1.id, t1.status, t1.version) == (t0.id, "closed", t0.version + 1)
    assert len(s.tickets.events(t1.id)) == 10
    s.close()


def test_rows_of_one_ticket_split_across_the_file_are_rebuilt(db: Path, tmp_path: Path) -> None:
    other = [sn("INC2", "New", 0, "1/3/2016 10:00"), sn("INC2", "Closed", 1, "1/3/2016 12:00")]
    report = run(db, write(tmp_path / "a.csv", [*LIFE[:3], *other, *LIFE[3:]]))
    assert report.notes["tickets whose rows are not contiguous (re-read and rebuilt)"] == 1
    assert (report.tickets_new, report.rows_imported, report.events) == (2, 9, 10 + 4)
    s = open_store(db)
    t = s.tickets.by_ref("INC1")
    assert (t.status, t.closed_at) == ("closed", utc("7/3/2016 10:00"))
    assert s.counts()["ticket_events"] == 14
    s.close()


def test_reopen_priority_change_and_times_before_opening(db: Path, tmp_path: Path) -> None:
    rows = [
        sn("INC5", "New", 0, "1/3/2016 08:00"),  # before the 09:00 opening: moved to it
        sn("INC5", "Resolved", 1, "1/3/2016 10:00", priority="2 - High"),
        sn("INC5", "Active", 2, "1/3/2016 11:00", priority="2 - High", reopen="1"),
        sn("INC5", "-100", 3, "1/3/2016 11:30", priority="2 - High", reopen="1"),  # "keep" in the mapping
        sn("INC5", "Closed", 4, "1/3/2016 12:00", priority="2 - High", reopen="1"),
    ]
    report = run(db, write(tmp_path / "a.csv", rows))
    assert report.notes["updates dated before the opening (moved to the opening or the previous update)"] == 1
    s = open_store(db)
    t = s.tickets.by_ref("INC5")
    assert (t.priority, t.reopen_count, t.status, t.resolved_at) == ("P2", 1, "closed", utc("1/3/2016 12:00"))
    kinds = [(e[1], e[2] or e[4]) for e in events_of(s, "INC5")]
    assert kinds == [("opened", "new"), ("note", None), ("priority", "P2"), ("status", "resolved"), ("response", None),
                     ("status", "in_progress"), ("note", None), ("status", "closed")]
    assert events_of(s, "INC5")[1][0] == utc("1/3/2016 09:00")
    s.close()


def test_unmapped_groups_and_categories_are_counted_never_dropped(db: Path, tmp_path: Path) -> None:
    rows = [sn("INC1", "New", 0, "1/3/2016 09:05", group="Mystery", category="Printers"),
            sn("INC1", "Active", 1, "1/3/2016 09:10", group="Mystery", category="Printers"),
            sn("INC2", "New", 0, "1/3/2016 09:10", group="?", category="?")]
    report = run(db, write(tmp_path / "a.csv", rows))
    assert report.unmapped == {"group": {"Mystery": 2}, "category": {"Printers": 2}}
    s = open_store(db)
    assert (s.tickets.by_ref("INC1").holder_party_key, s.tickets.by_ref("INC1").area_key) == ("internal", None)
    assert s.tickets.by_ref("INC2").holder_party_key == "internal"
    s.close()
    auto = MAPPING + "\n[areas]\nauto_create = true\n"
    db.unlink()
    report = run(db, write(tmp_path / "a.csv", rows), mapping_text=auto)
    assert report.areas_created == ["network", "printers"]
    s = open_store(db)
    assert s.tickets.by_ref("INC1").area_key == "printers"
    s.close()


def test_missing_group_keeps_the_holder_or_goes_to_the_default(db: Path, tmp_path: Path) -> None:
    rows = [sn("INC1", "New", 0, "1/3/2016 09:05", group="MSP L2"), sn("INC1", "Active", 1, "1/3/2016 09:10", group="?")]
    run(db, write(tmp_path / "a.csv", rows))
    s = open_store(db)
    assert s.tickets.by_ref("INC1").holder_party_key == "msp"
    s.close()
    db.unlink()
    run(db, write(tmp_path / "a.csv", rows), mapping_text=MAPPING.replace('default = "internal"', 'default = "internal"\nmissing = "default"'))
    s = open_store(db)
    assert s.tickets.by_ref("INC1").holder_party_key == "internal"
    s.close()


def test_a_ref_owned_by_another_source_is_rejected(db: Path, tmp_path: Path) -> None:
    s = open_store(db)
    s.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
    s.tickets.add({"ref": "INC1", "title": "typed by hand", "party": "internal", "opened_at": CLOCK})
    s.close()
    report = run(db, write(tmp_path / "a.csv", LIFE), skip_bad_rows=True)
    assert report.rows_rejected == 7 and report.reasons == {"ref owned by another source": 7}
    s = open_store(db)
    assert s.tickets.by_ref("INC1").title == "typed by hand"
    s.close()


def test_gzip_and_plain_files_import_alike_with_the_same_content_hash(db: Path, tmp_path: Path) -> None:
    plain = run(db, write(tmp_path / "a.csv", LIFE), dry_run=True)
    packed = run(db, write(tmp_path / "a.csv.gz", LIFE, gz=True), dry_run=True)
    assert plain.sha256 == packed.sha256 == sha(tmp_path / "a.csv")
    assert (plain.events, plain.tickets_new) == (packed.events, packed.tickets_new)


def test_utf8_bom_is_ignored_and_utf16_is_refused_clearly(db: Path, tmp_path: Path) -> None:
    text = write(tmp_path / "a.csv", LIFE).read_text(encoding="utf-8")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert run(db, tmp_path / "bom.csv", dry_run=True).rows_rejected == 0
    (tmp_path / "u16.csv").write_bytes(text.encode("utf-16"))
    with pytest.raises(ImportProblem, match="UTF-16.*UTF-8"):
        run(db, tmp_path / "u16.csv")


def test_a_mapped_column_missing_from_the_header_is_named(db: Path, tmp_path: Path) -> None:
    header = [h if h != "made_sla" else "sla" for h in SN_HEADER]
    with pytest.raises(ImportProblem, match=r"column 'made_sla' \(columns.sla_met"):
        run(db, write(tmp_path / "a.csv", LIFE, header=header))
    s = open_store(db)
    assert s.counts()["tickets"] == s.counts()["parties"] == 0  # the header is checked inside the transaction
    s.close()


def test_naive_dates_are_read_in_the_mapping_zone_or_tz_override(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [sn("INC1", "New", 0, "1/7/2016 10:00", opened="1/7/2016 10:00")])
    berlin = load_mapping(text=MAPPING.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    expected = int(dt.datetime(2016, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp())
    s = open_store(tmp_path / "b.db")
    import_file(s, path, berlin)
    assert s.tickets.by_ref("INC1").opened_at == expected == utc("1/7/2016 08:00")
    s.close()
    lisbon = load_mapping(text=MAPPING, timezone="Europe/Lisbon")
    assert lisbon.timezone == "Europe/Lisbon"
    with pytest.raises(InvalidInput, match="unknown time zone"):
        load_mapping(text=MAPPING, timezone="Mars/Olympus")


@pytest.mark.parametrize(("text", "match"), [
    ('[status]\nNew = "open"', "use one of"),
    ('[parties]\ndefault = "nobody"', "not one of the \\[\\[party\\]\\] keys"),
    ('[[party]]\nkey = "a"\nname = "A"', "parties"),
    ('preset = "autotask"', "unknown preset"),
    ("this is not toml", "not valid TOML"),
])
def test_mapping_mistakes_are_explained(text: str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        load_mapping(text="preset = \"servicenow\"\n" + text if "preset" not in text else text)


GENERIC = """
preset = "generic"
source = "autotask"
timezone = "UTC"
date_format = "%m/%d/%Y %I:%M %p"
[columns]
ref = "Ticket Number"
title = "Title"
opened_at = "Created"
status = "Status"
priority = "Priority"
group = "Queue"
category = "Issue Type"
first_response_at = "First Response"
resolved_at = "Complete Date"
sla_met = "SLA Met"
[status]
New = "new"
"In Progress" = "in_progress"
"Waiting Customer" = "waiting_customer"
Complete = "closed"
[priority]
Critical = "P1"
High = "P2"
Medium = "P3"
Low = "P4"
[parties]
default = "internal"
[[party]]
key = "internal"
name = "Internal IT"
kind = "internal"
groups = ["Service Desk"]
[[party]]
key = "msp"
name = "MSP"
groups = ["Level II Support"]
"""
GEN_HEADER = ["Ticket Number", "Title", "Created", "Status", "Priority", "Queue", "Issue Type", "First Response", "Complete Date", "SLA Met"]


def test_generic_preset_one_row_per_ticket(db: Path, tmp_path: Path) -> None:
    rows = [
        ["T20240301.0001", "Printer jam", "03/01/2024 09:00 AM", "Complete", "High", "Level II Support", "Hardware",
         "03/01/2024 09:20 AM", "03/01/2024 01:30 PM", "Yes"],
        ["T20240301.0002", "VPN down", "03/01/2024 10:00 AM", "In Progress", "Critical", "Service Desk", "", "", "", ""],
        ["T20240301.0001", "duplicate", "03/01/2024 09:00 AM", "New", "High", "Service Desk", "", "", "", ""],
    ]
    report = run(db, write(tmp_path / "at.csv", rows, header=GEN_HEADER), mapping_text=GENERIC, skip_bad_rows=True)
    assert [(r.line, r.reason) for r in report.rejects] == [(4, "duplicate ref")]
    s = open_store(db)
    t = s.tickets.by_ref("T20240301.0001")
    assert (t.source, t.title, t.status, t.priority, t.holder_party_key, t.source_sla_met) == (
        "autotask", "Printer jam", "closed", "P2", "msp", True)
    at = lambda h, m: int(dt.datetime(2024, 3, 1, h, m, tzinfo=dt.UTC).timestamp())  # noqa: E731
    assert (t.first_response_at, t.resolved_at, t.closed_at) == (at(9, 20), at(13, 30), at(13, 30))
    assert [e[1] for e in events_of(s, "T20240301.0001")] == ["opened", "response", "status", "status"]
    open_one = s.tickets.by_ref("T20240301.0002")
    assert (open_one.status, open_one.holder_party_key, open_one.first_response_at) == ("in_progress", "internal", None)
    s.close()


def test_regression_a_windows_line_break_in_a_title_is_one_space(db: Path, tmp_path: Path) -> None:
    """A quoted multi-line cell from a Windows export holds "\r\n": one space, as "\n" is (found by hypothesis)."""
    rows = [["T1", "VPN down\r\nsince 9:00", "03/01/2024 10:00 AM", "New", "High", "Service Desk", "", "", "", ""],
            ["T2", "Printer\njam\x1b[2J", "03/01/2024 10:00 AM", "New", "High", "Service Desk", "", "", "", ""]]
    run(db, write(tmp_path / "crlf.csv", rows, header=GEN_HEADER), mapping_text=GENERIC)
    with open_store(db) as s:
        assert [s.tickets.by_ref(r).title for r in ("T1", "T2")] == ["VPN down since 9:00", "Printer jam [2J"]


def test_generic_preset_with_event_rows(db: Path, tmp_path: Path) -> None:
    mapping = GENERIC.replace('source = "autotask"', 'source = "jira"\nevent_rows = true')
    mapping = mapping.replace('sla_met = "SLA Met"', 'sla_met = "SLA Met"\nupdated_at = "Updated"')
    header = [*GEN_HEADER, "Updated"]
    rows = [
        ["SD-1", "Laptop", "03/01/2024 09:00 AM", "New", "Medium", "Service Desk", "", "", "", "", "03/01/2024 09:00 AM"],
        ["SD-1", "Laptop", "03/01/2024 09:00 AM", "Waiting Customer", "Medium", "Level II Support", "", "", "", "",
         "03/01/2024 11:00 AM"],
        ["SD-1", "Laptop", "03/01/2024 09:00 AM", "Complete", "Medium", "Level II Support", "", "", "", "No",
         "03/02/2024 04:00 PM"],
    ]
    report = run(db, write(tmp_path / "jira.csv", rows, header=header), mapping_text=mapping)
    assert report.rows_rejected == 0
    s = open_store(db)
    t = s.tickets.by_ref("SD-1")
    assert (t.status, t.holder_party_key, t.source_sla_met, t.first_response_at) == ("closed", "msp", False, None)
    assert [e[1] for e in events_of(s, "SD-1")] == ["opened", "note", "assign", "status", "status"]
    s.close()


DOCS = Path(__file__).resolve().parents[2] / "docs" / "IMPORT.md"


def _doc_mappings() -> list[str]:
    import re

    return re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("index", range(5))
def test_every_mapping_in_the_docs_loads_and_imports_a_row(tmp_path: Path, index: int) -> None:
    text = _doc_mappings()[index]
    m = load_mapping(text=text)
    when = dt.datetime(2024, 3, 1, 9, 5, tzinfo=dt.UTC)
    stamp = when.isoformat() if m.date_format == "iso" else when.strftime(m.date_format)
    values = {"ref": "T-1", "title": "Printer on fire", "status": next(iter(m.status)), "priority": next(iter(m.priority)),
              "group": m.party[-1].groups[0], "assignee": "Sam", "category": "Hardware", "sla_met": "yes", "order": "1",
              "reassignment_count": "0", "reopen_count": "0", "time_worked": "3600"}
    header, row = [], []
    for field, column in m.columns.model_dump().items():
        if column is None or field == "title_template":
            continue
        header.append(column)
        row.append(stamp if field.endswith("_at") else values[field])
    report = import_file(None, write(tmp_path / "x.csv", [row], header=header), m, dry_run=True)
    assert (report.rows_rejected, report.tickets_new) == (0, 1), report.format_text()
    assert report.unmapped.get("group") is None


SLA_24X7 = """
[[calendar]]
name = "always"
always_open = true
[[policy]]
name = "flat"
calendar = "always"
resolution_stop = "closed"
pause_statuses = []
fall_through = true  # no P1 target and no policy after it: P1 tickets have none
[policy.targets]
P3 = { response_minutes = 60, resolution_minutes = 1440 }
"""


def test_verdicts_count_agreement_disagreement_open_and_no_policy(db: Path, tmp_path: Path) -> None:
    from comanage_tui.data.importing.verdicts import compare_verdicts

    rows = [
        sn("A", "New", 0, "1/3/2016 09:00"), sn("A", "Closed", 1, "1/3/2016 20:00"),  # 11 h: met, says met
        sn("B", "New", 0, "1/3/2016 09:00"), sn("B", "Closed", 1, "3/3/2016 09:00"),  # 48 h: missed, says met
        sn("C", "New", 0, "2/3/2016 12:00", opened="2/3/2016 12:00", met="false"),
        sn("C", "Active", 1, "2/3/2016 13:00", opened="2/3/2016 12:00", met="false"),  # 22 h in at `now`: open
        sn("D", "New", 0, "1/3/2016 09:00", priority="1 - Critical", met="false"),  # no P1 target
        sn("E", "New", 0, "1/3/2016 09:00", met="?"),  # no verdict from the source: not compared
    ]
    run(db, write(tmp_path / "a.csv", rows))
    s = open_store(db)
    s.sla.load_toml(SLA_24X7)
    report = compare_verdicts(s, now=utc("3/3/2016 10:00"), source="servicenow")
    p3 = {r.priority: r for r in report.by_priority}["P3"]
    assert (p3.both_met, p3.only_source_met, p3.open, p3.compared, p3.percent) == (1, 1, 1, 2, 50.0)
    assert {r.priority: r.no_policy for r in report.by_priority} == {"P1": 1, "P3": 0}
    assert [(d.ref, d.source_met, d.comanage_met, d.elapsed_minutes) for d in report.disagreements] == [("B", True, False, 2880)]
    assert "P3" in report.format_text() and "B P3: source met, comanage missed" in report.format_text()
    later = compare_verdicts(s, now=utc("10/3/2016 00:00"))
    assert {r.priority: r for r in later.by_priority}["P3"].both_missed == 1  # C breached while still open
    s.close()


def test_progress_is_reported_and_empty_files_are_explained(db: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    path = write(tmp_path / "a.csv", LIFE)
    s = open_store(db)
    import_file(s, path, load_mapping(text=MAPPING), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (path.stat().st_size, path.stat().st_size)
    only_header = import_file(s, write(tmp_path / "h.csv", []), load_mapping(text=MAPPING))
    assert (only_header.rows_read, only_header.tickets, only_header.refused) == (0, 0, False)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportProblem, match="empty"):
        import_file(s, tmp_path / "empty.csv", load_mapping(text=MAPPING))
    with pytest.raises(ImportProblem, match="no such file"):
        import_file(s, tmp_path / "missing.csv", load_mapping(text=MAPPING))
    s.close()


def test_truncated_gzip_and_workbooks_are_explained(tmp_path: Path) -> None:
    packed = write(tmp_path / "a.csv.gz", LIFE * 50, gz=True).read_bytes()
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ImportProblem, match="cannot be read to the end"):
        import_file(None, tmp_path / "cut.csv.gz", load_mapping(text=MAPPING), dry_run=True)
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ImportProblem, match="Excel workbook"):
        import_file(None, tmp_path / "book.xlsx", load_mapping(text=MAPPING), dry_run=True)
