"""OLA figures from the database: `explain` (text and --json) and OLA compliance per party, on HOP-1."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.ola import OLA_RULE, ola_compliance
from comanage_tui.data.readmodel.ticket_view import explain_ticket, explain_ticket_data
from comanage_tui.data.store import Store
from tests.cli.test_cli import run
from tests.data import hand_ticket
from tests.data.test_ola import BACK, OPENED, RESOLVED_AT, TO_MSP, utc

NOW = utc(2026, 10, 26, 12, 0)
NOW_ISO = "2026-10-26T12:00:00Z"


@pytest.fixture
def hop_db(tmp_path: Path) -> Path:
    return hand_ticket.build(tmp_path / "hop.db")


def test_explain_lists_each_hop_with_party_calendar_target_time_and_verdict(hop_db: Path) -> None:
    with Store(hop_db, read_only=True) as store:
        text = explain_ticket(store, "HOP-1", NOW)
    section = text[text.index("OLA hops"):]
    assert all(len(line) <= 80 for line in text.splitlines())
    assert section.splitlines() == [
        "OLA hops (each judged on its party's OLA calendar; business time while running):",
        "  1. internal  Fri 2026-10-23 16:00 CEST -> Sun 2026-10-25 00:30 CEST, passed to",
        "    msp",
        "      calendar office, P2 target 2h 0m: took 2h 0m, met",
        "  2. msp  Sun 2026-10-25 00:30 CEST -> Sun 2026-10-25 05:00 CET, passed to",
        "    internal",
        "      calendar 24x7, P2 target 4h 0m: took 5h 0m, missed, ran out Sun 2026-10-25",
        "        04:00 CET",
        "  3. internal  Sun 2026-10-25 05:00 CET -> Mon 2026-10-26 09:00 CET, resolved",
        "      calendar office, P2 target 2h 0m: took 1h 0m, met",
    ]


def test_explain_json_and_the_command_give_the_same_hops(hop_db: Path) -> None:
    with Store(hop_db, read_only=True) as store:
        data = explain_ticket_data(store, "HOP-1", NOW)
    hops = data["ola"]
    assert [(h["hop"], h["party"], h["start"], h["end"], h["ended"], h["calendar"], h["priority"], h["target_minutes"],
             h["elapsed_seconds"], h["state"], h["breached_at"]) for h in hops] == [
        (1, "internal", OPENED, TO_MSP, "passed_on", "office", "P2", 120, 7200, "met", None),
        (2, "msp", TO_MSP, BACK, "passed_on", "24x7", "P2", 240, 18000, "missed", utc(2026, 10, 25, 3, 0)),
        (3, "internal", BACK, RESOLVED_AT, "resolved", "office", "P2", 120, 3600, "met", None),
    ]
    out = run("--db", str(hop_db), "explain", "HOP-1", "--json", "--as-of", NOW_ISO)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ola"] == hops
    text = run("--db", str(hop_db), "explain", "HOP-1", "--as-of", NOW_ISO)
    assert "took 5h 0m, missed" in text.stdout


def test_an_open_hop_says_how_much_is_left_in_explain(hop_db: Path) -> None:
    with Store(hop_db, read_only=True) as store:
        data = explain_ticket_data(store, "HOP-1", utc(2026, 10, 25, 2, 0))
        text = explain_ticket(store, "HOP-1", utc(2026, 10, 25, 2, 0))
    last = data["ola"][-1]
    assert (last["party"], last["ended"], last["state"], last["elapsed_minutes"], last["left_minutes"], last["due_at"]) == \
        ("msp", "open", "at_risk", 180, 60, utc(2026, 10, 25, 3, 0))
    assert "3h 0m so far, at risk, 1h 0m left, due Sun 2026-10-25 04:00 CET" in " ".join(text.split())


def test_ola_compliance_counts_each_hop_for_the_party_that_held_it(hop_db: Path) -> None:
    with Store(hop_db, read_only=True) as store:
        ctx = load_context(store)
        week = ola_compliance(store, ctx, utc(2026, 10, 19), NOW)
        # The msp hop ends Sunday 04:00 UTC; a window that stops before it leaves it in flight (breached).
        mid = ola_compliance(store, ctx, utc(2026, 10, 19), utc(2026, 10, 25, 3, 30))
    assert week.rule == OLA_RULE
    assert {k: (r.met, r.missed, r.in_flight, r.breached, r.percent) for k, r in week.by_party.items()} == {
        "internal": (2, 0, 0, 0, 100.0), "msp": (0, 1, 0, 0, 0.0)}
    assert {k: (r.met, r.missed) for k, r in week.by_priority["internal"].items()} == {"P2": (2, 0)}
    assert {k: (r.met, r.missed, r.in_flight, r.breached) for k, r in mid.by_party.items()} == {
        "internal": (1, 0, 0, 0), "msp": (0, 0, 1, 1)}


def test_reassigning_later_changes_no_past_hop_in_compliance(hop_db: Path) -> None:
    with Store(hop_db, read_only=True) as store:
        before = ola_compliance(store, load_context(store), utc(2026, 10, 19), NOW)
    with Store(hop_db, actor="tester", clock=lambda: NOW) as store:
        t = store.tickets.by_ref("HOP-1")
        store.tickets.update(t.id, {"party": "secops", "status": "in_progress", "priority": "P1"}, at=NOW - 600)
    with Store(hop_db, read_only=True) as store:
        after = ola_compliance(store, load_context(store), utc(2026, 10, 19), NOW)
    assert {k: (r.met, r.missed) for k, r in after.by_party.items() if k != "secops"} == \
        {k: (r.met, r.missed) for k, r in before.by_party.items()}
    # The reopened ticket's new hop is with secops, which has no OLA: counted apart, not judged.
    assert (after.by_party["secops"].without_target, after.by_party["secops"].percent) == (1, None)


def test_the_review_shows_ola_compliance_per_party_as_ola_compliance_counts_it(hop_db: Path) -> None:
    """The period review's OLA rows are readmodel.ola's figures, this period against the one before."""
    from comanage_tui.data.readmodel.review.build import build_review
    from comanage_tui.data.readmodel.review.period import parse_period

    with Store(hop_db, read_only=True) as store:
        period = parse_period(date_from="2026-10-19", date_to="2026-10-30", now=NOW)
        review = build_review(store, period)
        ctx = load_context(store)
        start, end = period.bounds(ZoneInfo(ctx.internal_calendar().spec.timezone))
        direct = ola_compliance(store, ctx, start, end).by_party
    rows = {r.key: r.fig.current for r in review.sla.ola_by_party}
    assert rows == {k: r.percent for k, r in direct.items() if r.met + r.missed}
    assert rows == {"internal": 100.0, "msp": 0.0}
    assert review.sla.ola_note.startswith("OLA compliance % = met / (met + missed)")


def test_the_snapshots_ola_count_from_its_replay_equals_ola_compliance(tmp_path) -> None:
    """The snapshot counts OLA hops from the walks of its one replay (OlaCounter): the same figures."""
    from comanage_tui.data.demo import DemoOptions, write_demo_file
    from comanage_tui.data.readmodel import history
    from comanage_tui.data.readmodel.context import load_context
    from comanage_tui.data.readmodel.ola import OlaCounter, load_olas, ola_compliance
    from comanage_tui.data.store import Store
    from tests.conftest import FIXED_NOW

    db = tmp_path / "demo.db"
    write_demo_file(db, DemoOptions(seed=3, tickets=900, now=FIXED_NOW, weeks=16))
    with Store(db, read_only=True) as store:
        olas = load_olas(store)
        assert olas, "the demo has OLAs"
        for end, days in ((FIXED_NOW, 30), (FIXED_NOW - 20 * 86_400, 7)):
            ctx = load_context(store)
            counter = OlaCounter.for_window(store, ctx, end - days * 86_400, end, olas)
            history.replay(store, ctx, end, window_start=end - 30 * 86_400, weeks=12, held_from=end - 30 * 86_400,
                           held_stats=True, on_walk=counter.visit)
            expected = ola_compliance(store, load_context(store), end - days * 86_400, end, olas)
            assert counter.out == expected
            assert sum(r.met + r.missed for r in expected.by_party.values()) > 0
