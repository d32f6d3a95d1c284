"""SLA policies are checked for what they mean when saved; tickets no policy covers are counted.

Each refusal names the policy and the nearest valid value, and leaves the database as it was
(compared as a full SQL dump before and after).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from comanage_tui.data.errors import InvalidInput, NotFound
from comanage_tui.data.models import TicketStatus
from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context
from comanage_tui.data.readmodel.coverage import Coverage, uncovered_tickets
from comanage_tui.data.readmodel.ticket_view import explain_ticket
from comanage_tui.data.sla.terms import STATUSES
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW

CALENDAR = '[[calendar]]\nname = "office"\ntimezone = "Europe/Berlin"\nweekly = { mon = [["09:00", "17:00"]] }\n'
ALL = '[policy.targets]\nP1 = { response_minutes = 15, resolution_minutes = 240 }\n' \
      'P2 = { response_minutes = 30, resolution_minutes = 480 }\nP3 = { response_minutes = 60, resolution_minutes = 960 }\n' \
      'P4 = { response_minutes = 240, resolution_minutes = 2400 }\n'


def policy(name: str, extra: str = "", targets: str = ALL) -> str:
    return f'[[policy]]\nname = "{name}"\ncalendar = "office"\n{extra}\n{targets}'


def p1_only(name: str, extra: str = "") -> str:
    return policy(name, extra, '[policy.targets]\nP1 = { response_minutes = 15, resolution_minutes = 240 }\n')


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "p.db", actor="t", clock=lambda: FIXED_NOW)
    s.sla.load_toml(CALENDAR + policy("std"))
    s.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office"})
    s.org.add_party({"key": "msp", "name": "MSP"})
    s.org.add_area({"key": "net", "name": "Network", "criticality": "high"})
    for n, (prio, area) in enumerate([("P1", None), ("P3", None), ("P3", "net"), ("P4", "net")]):
        s.tickets.add({"ref": f"T{n}", "title": "x", "party": "msp", "priority": prio, "area": area,
                       "opened_at": FIXED_NOW - 3600})
    yield s
    s.close()


def dump(store: Store) -> str:
    with store.lock:
        return "\n".join(store.conn.iterdump())


def test_the_status_vocabulary_is_the_ticket_statuses() -> None:
    assert STATUSES == tuple(s.value for s in TicketStatus)


REFUSED = {
    "a pause status that is not a status": (
        policy("x", 'pause_statuses = ["Waiting Customer"]'),
        "policy 'x': pause status 'Waiting Customer' is not a status; did you mean 'waiting_customer'?"),
    "a pause status with no near status": (
        policy("x", 'pause_statuses = ["on hold"]'),
        "policy 'x': pause status 'on hold' is not a status (one of new, assigned, in_progress, waiting_customer, "
        "waiting_vendor, resolved, closed)"),
    "a resolution stop that is not a stop status": (
        policy("x", 'resolution_stop = "Resolved"'),
        "policy 'x': resolution_stop 'Resolved' is not a status that stops the resolution clock; did you mean 'resolved'?"),
    "a response stop that is not one": (
        policy("x", 'response_stop = "first reply"'),
        "policy 'x': response_stop 'first reply' is not a response stop; did you mean 'first_response'?"),
    "a pause status that stops the clock": (
        policy("x", 'pause_statuses = ["closed"]'),
        "policy 'x': pause status 'closed' stops the resolution clock (resolution_stop = 'resolved'), so it cannot pause it"),
    "a policy matching priorities it has no target for": (
        p1_only("x"),
        "policy 'x': matches P2, P3, P4 tickets but has no P2, P3, P4 target; add the target, leave P2, P3, P4 out of "
        "match_priorities, or set fall_through = true to pass those tickets to the next policy"),
    "one whose earlier policy takes only some of those tickets": (
        p1_only("net P1", 'match_priorities = ["P1"]\nmatch_areas = ["net"]') + policy("rest", targets=(
            '[policy.targets]\nP2 = { response_minutes = 30, resolution_minutes = 480 }\n')),
        "policy 'rest': matches P1, P3, P4 tickets but has no P1, P3, P4 target; add the target"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_policy_that_means_something_else_is_refused_and_nothing_changes(store: Store, case: str) -> None:
    text, message = REFUSED[case]
    before = dump(store)
    with pytest.raises(InvalidInput) as refused:
        store.sla.load_toml(CALENDAR.replace("17:00", "18:00") + text)  # the calendar change must not be saved either
    assert str(refused.value).startswith(message)
    assert dump(store) == before


def test_replacing_the_list_in_code_is_checked_too(store: Store) -> None:
    before = dump(store)
    with pytest.raises(InvalidInput, match="pause status 'Waiting Customer' is not a status; did you mean 'waiting_customer'"):
        store.sla.replace_policies([{"name": "x", "calendar": "office", "pause_statuses": ["Waiting Customer"],
                                     "targets": {"P1": {"response_minutes": 1, "resolution_minutes": 2}}}])
    assert dump(store) == before


def test_a_priority_every_ticket_of_which_an_earlier_policy_takes_needs_no_target(store: Store) -> None:
    # As in the demo: P1 tickets all stop at the first policy, so the second never sees one.
    second = policy("rest", targets='[policy.targets]\nP2 = { response_minutes = 30, resolution_minutes = 480 }\n'
                                    'P3 = { response_minutes = 60, resolution_minutes = 960 }\n'
                                    'P4 = { response_minutes = 240, resolution_minutes = 2400 }\n')
    assert store.sla.load_toml(p1_only("p1", 'match_priorities = ["P1"]') + second) == (0, 2)


def test_fall_through_passes_tickets_without_a_target_to_the_next_policy(store: Store) -> None:
    store.sla.load_toml(p1_only("net P1", 'match_areas = ["net"]\nfall_through = true') + policy("std"))
    ctx = context.load_context(store)
    rows = {r.ref: r.policy for r in rclocks.ticket_clocks(store, ctx, "1 = 1", (), FIXED_NOW)}
    assert rows == {"T0": "std", "T1": "std", "T2": "std", "T3": "std"}
    store.sla.load_toml(p1_only("net P1", 'match_areas = ["net"]\nmatch_priorities = ["P1"]') + policy("std"))
    assert "fall_through = true" not in store.sla.dump_toml()
    store.sla.load_toml(p1_only("P1 first", 'fall_through = true'))  # nothing after it: P2-P4 tickets are not covered
    assert "fall_through = true" in store.sla.dump_toml()
    ctx = context.load_context(store)
    assert {r.ref: r.policy for r in rclocks.ticket_clocks(store, ctx, "1 = 1", (), FIXED_NOW)} == {
        "T0": "P1 first", "T1": rclocks.NO_POLICY, "T2": rclocks.NO_POLICY, "T3": rclocks.NO_POLICY}
    assert uncovered_tickets(store, ctx, FIXED_NOW) == Coverage(3, 3)


def test_uncovered_tickets_open_and_in_all_and_by_party(store: Store) -> None:
    store.sla.load_toml(p1_only("net P1", 'match_areas = ["net"]\nfall_through = true'))
    t = store.tickets.by_ref("T3")
    store.tickets.update(t.id, {"status": "closed", "party": "internal"}, at=FIXED_NOW - 60)
    ctx = context.load_context(store)
    # Only network P1 tickets are covered, and there are none: T0 and T1 have no area, T2 and T3 are not P1.
    assert uncovered_tickets(store, ctx, FIXED_NOW) == Coverage(3, 4)  # T3 is closed
    assert uncovered_tickets(store, ctx, FIXED_NOW - 120) == Coverage(4, 4)  # T3 was still open then
    assert uncovered_tickets(store, ctx, FIXED_NOW, party="internal") == Coverage(0, 1)


def test_check_counts_them_and_warns_only_when_asked(store: Store) -> None:
    from comanage_tui.data.readmodel.check import OK, WARNING, format_line, run_check

    store.sla.load_toml(p1_only("net P1", 'match_areas = ["net"]\nfall_through = true'))  # no ticket is covered
    result = run_check(store.path, FIXED_NOW)
    assert (result.code, result.uncovered_open, result.uncovered_total, result.open_tickets) == (OK, 4, 4, 0)
    assert "4 open tickets without SLA policy" in format_line(result)
    assert run_check(store.path, FIXED_NOW, warn_uncovered=True).code == WARNING


def test_a_stored_policy_without_the_target_says_so_in_explain(store: Store) -> None:
    # Saved before these checks existed: read as it is, its tickets counted as not covered.
    spec = {"name": "old", "calendar": "office", "targets": {"P1": {"response_minutes": 15, "resolution_minutes": 240}}}
    with store.write() as conn:
        conn.execute("UPDATE sla_policies SET spec = ?", (json.dumps(spec),))
    with pytest.raises(NotFound, match="policy 'old' matches ticket T1 but has no P3 target"):
        explain_ticket(store, "T1", FIXED_NOW)
    assert uncovered_tickets(store, context.load_context(store), FIXED_NOW) == Coverage(3, 3)


def test_the_database_file_is_the_same_after_a_refusal(tmp_path) -> None:
    path = tmp_path / "f.db"
    with Store(path, actor="t", clock=lambda: FIXED_NOW) as s:
        s.sla.load_toml(CALENDAR + policy("std"))
    before = "\n".join(sqlite3.connect(path).iterdump())
    with Store(path, actor="t", clock=lambda: FIXED_NOW) as s, pytest.raises(InvalidInput):
        s.sla.load_toml(CALENDAR.replace("Berlin", "Paris") + p1_only("x"))
    assert "\n".join(sqlite3.connect(path).iterdump()) == before
