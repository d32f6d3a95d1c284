"""The party scorecard (readmodel/scorecard.py) on HOP-1 and its surroundings, every figure counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.scorecard import SCORECARD_RULES, party_scorecard, party_scorecards
from comanage_tui.data.store import Store
from tests.data import hand_ticket
from tests.data.test_ola import utc

H = 3600
START, END = utc(2026, 10, 19), utc(2026, 10, 26, 12, 0)


@pytest.fixture
def card_db(tmp_path: Path) -> Path:
    return hand_ticket.build_with_context(tmp_path / "card.db")


def test_the_msp_scorecard(card_db: Path) -> None:
    with Store(card_db, read_only=True) as store:
        card = party_scorecard(store, load_context(store), "msp", START, END)
    assert (card.party.key, card.start, card.end, card.rules) == ("msp", START, END, SCORECARD_RULES)
    # HOP-1's response and resolution clocks stopped while the internal team held it: no SLA verdict is the MSP's.
    assert [(v.clock, v.met, v.missed) for v in card.sla] == [("response", 0, 0), ("resolution", 0, 0)]
    # Its one hop: 5 h on its 24x7 calendar against 4 h: missed.
    assert (card.ola.met, card.ola.missed, card.ola.in_flight, card.ola.percent) == (0, 1, 0, 0.0)
    assert [(r.key, r.met, r.missed) for r in card.ola_by_priority] == [("P2", 0, 1)]
    # Held time is business time on the ticket's SLA calendar (office hours): the MSP's weekend hop counts 0 there.
    assert card.held == []
    # Handoffs to it in the window: h1 acknowledged in 30 min (on time), h2 in 2 h (late), h3 returned once and asked
    # again, never acknowledged since (waiting, past its target). Median wait of the acknowledged: (30 + 120) / 2 min.
    h = card.handoffs
    assert (h.received, h.on_time, h.late, h.waiting, h.waiting_late, h.median_wait_seconds, h.bounces_caused, h.sent) == \
        (3, 1, 1, 1, 1, 75 * 60, 1, 1)
    # KT it teaches: the runbook (planned, due 2026-10-20: overdue on Monday 26th) owed, the walkthrough delivered.
    assert ([i.topic for i in card.kt.owed], card.kt.overdue, card.kt.delivered) == (["Core switch runbook"], 1, 1)
    # It is R for network, where the internal team holds 2 of the 3 tickets opened in the window.
    assert [(a.area.key, a.letter, a.drift, a.recent_tickets) for a in card.areas] == [
        ("network", "R", {"internal": pytest.approx(2 / 3)}, 3)]


def test_the_internal_scorecard(card_db: Path) -> None:
    with Store(card_db, read_only=True) as store:
        card = party_scorecard(store, load_context(store), "internal", START, END)
    # HOP-1 (no response recorded): the response clock stopped at resolution after 3 h of office time, > 30 min,
    # and ran out Fri 16:30 CEST while the internal team held it; resolution 3 h <= 8 h, resolved by the internal team.
    assert [(v.clock, v.met, v.missed, v.percent) for v in card.sla] == [("response", 0, 1, 0.0), ("resolution", 1, 0, 100.0)]
    assert (card.ola.met, card.ola.missed, card.ola.percent) == (2, 0, 100.0)
    # 2 h (Fri 16:00-18:00) + 1 h (Mon 08:00-09:00) of office time on the one ticket resolved in the window.
    assert [(x.priority, x.tickets, x.median_seconds, x.p90_seconds) for x in card.held] == [("P2", 1, 3 * H, 3 * H)]
    h = card.handoffs
    assert (h.received, h.on_time, h.late, h.waiting, h.waiting_late, h.median_wait_seconds, h.bounces_caused, h.sent) == \
        (1, 0, 0, 1, 1, None, 0, 3)
    assert ([i.topic for i in card.kt.owed], card.kt.overdue, card.kt.delivered) == (["VLAN plan for the MSP"], 0, 0)
    assert [(a.area.key, a.letter) for a in card.areas] == [("network", "A")]


def test_every_party_in_one_call_internal_first(card_db: Path) -> None:
    with Store(card_db, read_only=True) as store:
        ctx = load_context(store)
        cards = party_scorecards(store, ctx, START, END)
        alone = party_scorecard(store, ctx, "secops", START, END)
    assert [c.party.key for c in cards] == ["internal", "msp", "secops"]
    assert cards[2].areas == [] and cards[2].kt.owed == [] and cards[2].handoffs.received == 0
    assert cards[2].ola.met + cards[2].ola.missed == 0 and alone.sla == cards[2].sla


def test_bad_windows_and_parties_are_refused(card_db: Path) -> None:
    with Store(card_db, read_only=True) as store:
        ctx = load_context(store)
        with pytest.raises(ValueError, match="unknown party 'vendor' \\(known: internal, msp, secops\\)"):
            party_scorecard(store, ctx, "vendor", START, END)
        with pytest.raises(ValueError, match="start must be before"):
            party_scorecard(store, ctx, "msp", END, START)
