"""Hours on real data: the import mapping's time-worked column in every unit it accepts, and the SLA file's estimates.

Accepted in the time_worked column: a plain number in `time_worked_unit` (seconds: ServiceNow's
`time_worked`; hours: Autotask, ConnectWise, Halo; or minutes), "H:MM[:SS]", and ServiceNow's
duration written as a date since 1970-01-01 ("1970-01-02 03:30:00" = 27.5 h).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.importing.mapping import load_mapping, worked_hours
from comanage_tui.data.store import Store
from tests.data.test_importer import MAPPING, SN_HEADER, open_store, run, sn, write


@pytest.mark.parametrize(("value", "unit", "hours"), [
    ("9000", "seconds", 2.5),            # ServiceNow time_worked as seconds
    ("02:30:00", "seconds", 2.5),        # ... or as H:MM:SS, whatever the unit
    ("1970-01-02 03:30:00", "seconds", 27.5),  # ... or as its duration-as-a-date display value
    ("1.25", "hours", 1.25),             # Autotask / ConnectWise / Halo hours
    ("1,5", "hours", 1.5),               # a decimal comma
    ("0", "hours", 0.0),
    ("90", "minutes", 1.5),
    ("1:45", "hours", 1.75),             # H:MM
])
def test_worked_hours_in_each_accepted_form(value: str, unit: str, hours: float) -> None:
    assert worked_hours(value, unit) == hours


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "1:75", "200000", "1970-02-01 00:00:00"])
def test_worked_hours_refuses_what_is_not_a_duration(value: str) -> None:
    with pytest.raises(ValueError):
        worked_hours(value, "hours")


SN_HOURS = MAPPING + '\n[columns]\ntime_worked = "time_worked"\n'


def test_servicenow_time_worked_seconds_last_update_counts(tmp_path: Path) -> None:
    header = [*SN_HEADER, "time_worked"]
    rows = [
        [*sn("INC1", "New", 0, "1/3/2016 09:05"), "0"],
        [*sn("INC1", "Active", 1, "1/3/2016 09:30", group="MSP L2", reassign="1"), "1800"],
        [*sn("INC1", "Resolved", 2, "1/3/2016 11:00", group="MSP L2", reassign="1"), "5400"],  # 1.5 h in all
        [*sn("INC2", "New", 0, "1/3/2016 09:05"), "?"],  # missing: no hours recorded
        [*sn("INC3", "Resolved", 0, "1/3/2016 10:00"), "01:15:00"],
    ]
    report = run(tmp_path / "x.db", write(tmp_path / "sn.csv", rows, header=header), SN_HOURS)
    assert report.rows_rejected == 0
    with open_store(tmp_path / "x.db") as s:
        hours = {t.ref: t.hours_spent for t in s.tickets.list()}
    assert hours == {"INC1": 1.5, "INC2": 0.0, "INC3": 1.25}


GENERIC = """
preset = "generic"
timezone = "UTC"
time_worked_unit = "hours"
[columns]
ref = "Ticket Number"
title = "Title"
opened_at = "Created"
status = "Status"
priority = "Priority"
time_worked = "Hours Worked"
[status]
"Complete" = "resolved"
"New" = "new"
[priority]
"High" = "P2"
[parties]
default = "internal"
[[party]]
key = "internal"
name = "Internal IT"
kind = "internal"
"""


def test_psa_hours_column_and_reimport_without_it_keeps_hours(tmp_path: Path) -> None:
    header = ["Ticket Number", "Title", "Created", "Status", "Priority", "Hours Worked"]
    rows = [["T-1", "Printer", "2016-03-02T09:00:00Z", "Complete", "High", "2.75"],
            ["T-2", "Mail", "2016-03-02T10:00:00Z", "New", "High", ""]]
    db = tmp_path / "x.db"
    assert run(db, write(tmp_path / "a.csv", rows, header=header), GENERIC).rows_rejected == 0
    with open_store(db) as s:
        assert {t.ref: t.hours_spent for t in s.tickets.list()} == {"T-1": 2.75, "T-2": 0.0}
        s.tickets.update(s.tickets.by_ref("T-2").id, {"hours_spent": 4.0})  # typed in by hand
    without = GENERIC.replace('time_worked = "Hours Worked"\n', "")
    run(db, write(tmp_path / "b.csv", [r[:5] for r in rows], header=header[:5]), without)
    with open_store(db) as s:
        assert {t.ref: t.hours_spent for t in s.tickets.list()} == {"T-1": 2.75, "T-2": 4.0}


def test_a_bad_time_worked_rejects_the_row_and_names_the_column(tmp_path: Path) -> None:
    header = ["Ticket Number", "Title", "Created", "Status", "Priority", "Hours Worked"]
    rows = [["T-1", "Printer", "2016-03-02T09:00:00Z", "Complete", "High", "two hours"]]
    report = run(tmp_path / "x.db", write(tmp_path / "a.csv", rows, header=header), GENERIC, skip_bad_rows=True)
    assert report.rows_rejected == 1
    assert report.rejects[0].reason == "bad time worked" and "Hours Worked: 'two hours'" in report.rejects[0].detail


def test_mapping_refuses_an_unknown_unit() -> None:
    with pytest.raises(InvalidInput) as e:
        load_mapping(text=GENERIC.replace('time_worked_unit = "hours"', 'time_worked_unit = "days"'))
    assert "time_worked_unit" in str(e.value)


def test_servicenow_preset_reads_numbers_as_seconds() -> None:
    assert load_mapping(text=MAPPING).time_worked_unit == "seconds"


# --- estimates in the SLA file ---------------------------------------------------------------

def _sla_store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "sla.db", actor="t", clock=lambda: 1_700_000_000)
    s.sla.put_calendar({"name": "office", "timezone": "UTC", "always_open": True})
    return s


def test_estimates_load_show_and_apply(tmp_path: Path) -> None:
    with _sla_store(tmp_path) as s:
        s.sla.load_toml('[estimates]\nP1 = "6h"\nP2 = "1h30m"\nP3 = 0.5\n[estimates.area.erp]\nP1 = "8h"\n')
        e = s.sla.estimates()
        assert (e.for_ticket("P1", "desk"), e.for_ticket("P1", "erp"), e.for_ticket("P2", "erp"),
                e.for_ticket("P3", None), e.for_ticket("P4", None)) == (6.0, 8.0, 1.5, 0.5, None)
        shown = s.sla.dump_toml()
        assert "[estimates]" in shown and "[estimates.area.erp]" in shown
        s.sla.load_toml(shown)  # what `sla show` prints loads back to the same estimates
        assert s.sla.estimates() == e


@pytest.mark.parametrize(("text", "words"), [
    ('[estimates]\nP1 = "six hours"\n', "not a duration"),
    ('[estimates]\nP1 = "0h"\n', "more than 0"),
    ('[estimates]\nP9 = "1h"\n', "P9"),
    ('[estimates]\nP1 = true\n', "number or a duration"),
])
def test_bad_estimates_are_refused_and_change_nothing(tmp_path: Path, text: str, words: str) -> None:
    with _sla_store(tmp_path) as s:
        s.sla.load_toml('[estimates]\nP1 = "6h"\n')
        before = (s.sla.dump_toml(), s.counts()["audit_log"])
        with pytest.raises(InvalidInput) as e:
            s.sla.load_toml('[[calendar]]\nname = "other"\ntimezone = "UTC"\nalways_open = true\n' + text)
        assert e.value.field.startswith("estimates") and words in str(e.value)
        assert (s.sla.dump_toml(), s.counts()["audit_log"]) == before  # not even the calendar was written
