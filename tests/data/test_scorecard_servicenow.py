"""Party scorecards on the real ServiceNow log (imported with the example mapping, SLA and OLA files): figures that add up.

Data: see test_import_servicenow (read from ../shared/data, never copied here; skipped without it).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.readmodel.clocks import TICKET_COLS, resolve, stream_events
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.held import clock_held
from comanage_tui.data.readmodel.history import compliance_in_window
from comanage_tui.data.readmodel.ola import ola_compliance
from comanage_tui.data.readmodel.scorecard import party_scorecards
from comanage_tui.data.sla.engine import compute_clocks
from comanage_tui.data.sla.ola import ola_hops
from comanage_tui.data.store import Store
from tests.cli.test_cli import run
from tests.data.test_import_servicenow import CLOCK, DATA, REPO, ZONE

pytestmark = [pytest.mark.skipif(not DATA.exists(), reason=f"real ServiceNow export not found at {DATA}"), pytest.mark.slow]
# March 2016 in São Paulo: the busiest month of the log.
START = int(dt.datetime(2016, 3, 1, tzinfo=ZONE).timestamp())
END = int(dt.datetime(2016, 4, 1, tzinfo=ZONE).timestamp())
PARTIES = ["internal", "erp-vendor", "msp"]


@pytest.fixture(scope="module")
def sn_db(tmp_path_factory: pytest.TempPathFactory):  # Path
    path = tmp_path_factory.mktemp("sn-scorecard") / "sn.db"
    with Store(path, actor="tester", clock=lambda: CLOCK) as store:
        store.sla.load_toml((REPO / "examples" / "servicenow-sla.toml").read_text(encoding="utf-8"))
        import_file(store, DATA, load_mapping(REPO / "examples" / "servicenow-mapping.toml"))
        store.sla.load_toml((REPO / "examples" / "servicenow-ola.toml").read_text(encoding="utf-8"))
    return path


def test_every_partys_scorecard_adds_up(sn_db) -> None:
    with Store(sn_db, read_only=True) as store:
        ctx = load_context(store)
        cards = party_scorecards(store, ctx, START, END)
        comp = compliance_in_window(store, ctx, START, END)
        ola = ola_compliance(store, ctx, START, END)
        # Every hop ended in the window or open at its end, counted afresh from the events.
        hops, tickets = 0, store.rows(f"SELECT {TICKET_COLS} FROM tickets t ORDER BY t.id")
        for (_id, _ref, _t, area, prio, kind, _st, holder), events in stream_events(store, ctx, tickets):
            found = resolve(ctx, area, prio, kind, holder)[2]
            if found is not None:
                hops += sum(1 for h in ola_hops(events, found[0], store_olas(store), ctx.calendars, END)
                            if h.is_open or START <= h.end < END)
    assert [c.party.key for c in cards] == PARTIES
    for clock, i in (("response", 0), ("resolution", 1)):
        overall = comp.overall[clock]
        assert overall.met + overall.missed > 3000, "March 2016 should be a full month of verdicts"
        # Each verdict is credited to exactly one party: the parties' rows sum to the month's totals.
        assert sum(c.sla[i].met for c in cards) == overall.met
        assert sum(c.sla[i].missed for c in cards) == overall.missed
        assert sum(c.sla[i].in_flight for c in cards) == overall.in_flight
    for c in cards:
        o = c.ola
        assert (o.met, o.missed, o.in_flight, o.breached) == tuple(
            sum(getattr(r, f) for r in c.ola_by_priority) for f in ("met", "missed", "in_flight", "breached"))
        assert o.met and o.missed and 0 < o.percent < 100
        assert [h.priority for h in c.held] == sorted(h.priority for h in c.held)
        assert all(h.tickets and h.median_seconds <= h.p90_seconds for h in c.held)
        # The export has no handoffs or knowledge transfer: zeros, not errors.
        assert (c.handoffs.received, c.handoffs.sent, c.kt.owed, c.kt.delivered) == (0, 0, [], 0)
    assert sum(c.ola.met + c.ola.missed + c.ola.in_flight + c.ola.without_target for c in cards) == hops
    assert {c.party.key: c.ola.met for c in cards} == {k: r.met for k, r in ola.by_party.items()}


def test_time_held_per_party_adds_up_to_each_tickets_elapsed_time(sn_db) -> None:
    """Time held (readmodel.held, which the scorecard's figures come from) over parties = the resolution clock's
    business time, every ticket."""
    with Store(sn_db, read_only=True) as store:
        ctx = load_context(store)
        tickets = store.rows(f"SELECT {TICKET_COLS} FROM tickets t ORDER BY t.id")
        differences, checked = [], 0
        for (_id, ref, _t, area, prio, kind, _st, holder), events in stream_events(store, ctx, tickets):
            found = resolve(ctx, area, prio, kind, holder)[2]
            if found is None:
                continue
            policy, cal = found
            held = sum(clock_held(events, policy, cal, END).resolution.held.values())
            elapsed = compute_clocks(events, policy, cal, END).resolution.elapsed_seconds
            checked += 1
            if held != elapsed:
                differences.append((ref, held, elapsed))
    assert checked == 24_918 and differences == []


def test_the_command_prints_the_same_scorecard(sn_db) -> None:
    with Store(sn_db, read_only=True) as store:
        msp = party_scorecards(store, load_context(store), START, END, ["msp"])[0]
    out = run("--db", str(sn_db), "scorecard", "--party", "msp", "--format", "json",
              "--from", dt.datetime.fromtimestamp(START, ZONE).isoformat(), "--to", dt.datetime.fromtimestamp(END, ZONE).isoformat())
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [(v["clock"], v["met"], v["missed"]) for v in data["sla"]] == [(v.clock, v.met, v.missed) for v in msp.sla]
    assert (data["ola"]["met"], data["ola"]["missed"]) == (msp.ola.met, msp.ola.missed)
    assert [h["tickets"] for h in data["held"]] == [h.tickets for h in msp.held]


def store_olas(store: Store) -> dict:
    return {o.party: o for o in store.sla.olas()}
