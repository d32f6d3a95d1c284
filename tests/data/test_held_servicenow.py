"""Time held per party on the real ServiceNow log: over every ticket, the parties' held time adds up to it.

For each of the 24,918 imported incidents (tests/data/test_import_servicenow.py, the shipped
mapping and SLA file; read from ../shared/data, never copied here; skipped without it), as of
CLOCK, when every incident has long been closed or abandoned:

* held time over every party equals the resolution clock's elapsed business time;
* held plus paused time equals the ticket's open business time, computed here the plain way
  from its events: business time of the policy calendar from the opening to its closing
  (`resolution_stop = "closed"`), a span between a closing and a reopening left out, up to
  CLOCK for an incident never closed.

The shipped policy pauses nothing, so the second check is also made with the waiting states
paused ("waiting_customer", "waiting_vendor"), where paused time is real.
"""

from __future__ import annotations

import pytest

from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.readmodel.clocks import ticket_clocks
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.held import clock_held, held_for_rows
from comanage_tui.data.sla.engine import compute_clocks
from comanage_tui.data.store import Store
from tests.data.test_import_servicenow import CLOCK, DATA, REPO

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"real ServiceNow export not found at {DATA}")
TICKETS = 24_918


@pytest.fixture(scope="module")
def sn(tmp_path_factory: pytest.TempPathFactory):  # (Store, rows, events)
    store = Store(tmp_path_factory.mktemp("sn-held") / "sn.db", actor="tester", clock=lambda: CLOCK)
    store.sla.load_toml((REPO / "examples" / "servicenow-sla.toml").read_text(encoding="utf-8"))
    import_file(store, DATA, load_mapping(REPO / "examples" / "servicenow-mapping.toml"))
    ctx = load_context(store)
    rows = ticket_clocks(store, ctx, "1 = 1", (), CLOCK)  # every ticket, its events kept in ctx.events
    yield store, ctx, rows
    store.close()


def open_business_time(events: list[tuple], calendar, now: int) -> int:
    """Business seconds from the opening to the closing (or `now`), closed-then-reopened spans left out."""
    total, since = 0, events[0][0]
    for at, _kind, status, *_rest in events:
        if status is None or at > now:
            continue
        if status == "closed" and since is not None:
            total += calendar.business_seconds(since, at)
            since = None
        elif status != "closed" and since is None:
            since = at  # reopened
    if since is not None:
        total += calendar.business_seconds(since, now)
    return total


def test_held_time_over_the_parties_is_each_tickets_elapsed_business_time(sn) -> None:
    store, ctx, rows = sn
    held = held_for_rows(store, ctx, rows, CLOCK)
    assert len(rows) == len(held) == TICKETS
    calendar = ctx.calendars["servicenow-weekdays"]
    off_elapsed = [r.ref for r in rows if held[r.ticket_id].resolution.counted != r.resolution.elapsed_seconds]
    off_response = [r.ref for r in rows if held[r.ticket_id].response.counted != r.response.elapsed_seconds]
    off_open = [r.ref for r in rows
                if held[r.ticket_id].resolution.open_seconds != open_business_time(ctx.events[r.ticket_id], calendar, CLOCK)]
    assert (off_elapsed, off_response, off_open) == ([], [], [])
    assert all(not h.resolution.paused for h in held.values())  # the shipped policy pauses nothing
    totals: dict[str, float] = {}
    for h in held.values():
        for party, seconds in h.resolution.held.items():
            totals[party] = totals.get(party, 0) + seconds
    assert {"internal", "msp"} <= set(totals) and min(totals.values()) > 0  # every party held some incidents


def test_with_the_waiting_states_paused_held_plus_paused_is_still_the_open_time(sn) -> None:
    _store, ctx, rows = sn
    policy = ctx.policies[0].model_copy(update={"pause_statuses": ["waiting_customer", "waiting_vendor"]})
    calendar = ctx.calendars[policy.calendar]
    off, paused = [], 0.0
    for r in rows:
        events = ctx.events[r.ticket_id]
        h = clock_held(events, policy, calendar, CLOCK).resolution
        elapsed = compute_clocks(events, policy, calendar, CLOCK).resolution.elapsed_seconds
        if h.counted != elapsed or h.open_seconds != open_business_time(events, calendar, CLOCK):
            off.append(r.ref)
        paused += h.paused_total
    assert off == []
    assert paused > 0
