"""The demo organisation tells the story the screens need, the same way every time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from comanage_tui.data.demo import DemoOptions, build_demo
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW


def _dump(path: Path) -> list:
    with Store(path) as s:
        return [tuple(r) for r in s.query("SELECT ref, title, priority, status, holder_party_id, opened_at FROM tickets ORDER BY id")] + [
            tuple(r) for r in s.query("SELECT ticket_id, seq, at, kind, status, party_id FROM ticket_events ORDER BY id")
        ]


def test_same_seed_same_database(tmp_path: Path) -> None:
    for name in ("a.db", "b.db"):
        with Store(tmp_path / name, clock=lambda: FIXED_NOW) as s:
            build_demo(s, DemoOptions(seed=3, tickets=120, now=FIXED_NOW))
    assert _dump(tmp_path / "a.db") == _dump(tmp_path / "b.db")
    with Store(tmp_path / "c.db", clock=lambda: FIXED_NOW) as s:
        build_demo(s, DemoOptions(seed=4, tickets=120, now=FIXED_NOW))
    assert _dump(tmp_path / "c.db") != _dump(tmp_path / "a.db")


def test_demo_story_has_the_ingredients(tmp_path: Path) -> None:
    with Store(tmp_path / "d.db", clock=lambda: FIXED_NOW) as s:
        counts = build_demo(s, DemoOptions(seed=7, tickets=400, now=FIXED_NOW))
        assert counts["tickets"] == 400 and counts["parties"] == 3
        assert len(s.org.people("internal")) == 5
        assert 14 <= len(s.org.areas()) <= 16
        raci = s.org.raci()
        letters = {}
        for (area, _party), letter in raci.items():
            letters.setdefault(area, []).append(letter)
        assert any("R" not in ls for ls in letters.values())  # a gap
        assert any(ls.count("A") > 1 for ls in letters.values())  # an overlap
        assert s.scalar("SELECT min(opened_at) FROM tickets") >= FIXED_NOW - 91 * 86_400
        assert s.scalar("SELECT max(at) FROM ticket_events") <= FIXED_NOW  # nothing from the future
        assert s.scalar("SELECT count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed')") >= 5
        assert s.scalar("SELECT count(*) FROM ticket_events WHERE status IN ('waiting_customer', 'waiting_vendor')") > 20
        assert s.scalar("SELECT count(*) FROM handoffs WHERE state IN ('requested', 'acknowledged')") >= 3
        assert s.scalar("SELECT max(bounce_count) FROM handoffs") == 2
        assert s.scalar("SELECT count(*) FROM kt_items WHERE status = 'done'") >= 3
        # drift: most ERP tickets are held by the internal team although the MSP is R
        erp = s.query("SELECT p.key, count(*) FROM tickets t JOIN areas a ON a.id = t.area_id JOIN parties p ON p.id = t.holder_party_id "
                      "WHERE a.key = 'erp' GROUP BY p.key")
        held = dict(erp)
        assert held.get("internal", 0) > held.get("msp", 0)


# --- a believable story: what a ticket is follows from its title -------------------------------

OUTAGE_WORDS = (" down", "outage", "unreachable", "jobs stopped", "ransomware")
NEVER_P1_WORDS = ("headset", "toner", "password reset", "request", "licence", "new starter", "quote", "paper jam", "phone")


def _tickets(store: Store) -> list[dict]:
    return [dict(r) for r in store.query(
        "SELECT t.ref, t.title, t.kind, t.priority, t.opened_at, t.first_response_at, t.resolved_at, a.key AS area, p.key AS holder "
        "FROM tickets t JOIN areas a ON a.id = t.area_id JOIN parties p ON p.id = t.holder_party_id")]


def _share(rows: list[dict], priorities: tuple[str, ...]) -> float:
    return sum(r["priority"] in priorities for r in rows) / len(rows)


def test_every_ticket_follows_its_title(tmp_path: Path) -> None:
    import re
    import statistics

    from comanage_tui.data import demo_org
    from comanage_tui.data.demo import template_pattern

    with Store(tmp_path / "d.db", clock=lambda: FIXED_NOW) as s:
        build_demo(s, DemoOptions(seed=11, tickets=3000, now=FIXED_NOW))
        rows = _tickets(s)
    areas = {key: (crit, raci, drift) for key, _name, crit, _w, raci, drift, _able in demo_org.AREAS}
    patterns = [(area, t, re.compile(template_pattern(t.title))) for area, ts in demo_org.CATALOGUE.items() for t in ts]
    for r in rows:
        found = [(area, t) for area, t, rx in patterns if rx.fullmatch(r["title"])]
        assert len(found) == 1, f"{r['ref']} {r['title']!r} matches {len(found)} catalogue entries"
        area, t = found[0]
        assert r["area"] == area, f"{r['title']!r} is in {r['area']}, its catalogue entry in {area}"
        assert r["kind"] == t.kind, r
        assert t.priorities["P1 P2 P3 P4".split().index(r["priority"])] > 0, f"{r['title']!r} cannot be {r['priority']}"
        _crit, raci, drift = areas[area]
        allowed = set(raci) | {t.handoff} | ({drift[0]} if drift else set()) | {demo_org.owner_of(raci)}
        assert r["holder"] in allowed, f"{r['title']!r} held by {r['holder']}, not a party of {area}"
        # Checked by words, not through the catalogue, so a wrong catalogue entry fails too.
        title = r["title"].lower()
        if r["kind"] == "request" or any(w in title for w in NEVER_P1_WORDS):
            assert r["priority"] != "P1", r
        if any(w in title for w in OUTAGE_WORDS):
            assert r["priority"] in ("P1", "P2"), r
    assert any("headset" in r["title"] for r in rows) and any(" down" in r["title"] for r in rows)

    # The priority mix of a real service desk: few P1s, mostly P3/P4; critical areas run hotter.
    assert 0.005 < _share(rows, ("P1",)) < 0.05
    assert _share(rows, ("P3", "P4")) > 0.6
    assert 0.2 < sum(r["kind"] == "request" for r in rows) / len(rows) < 0.5
    critical = [r for r in rows if areas[r["area"]][0] == "critical"]
    calm = [r for r in rows if areas[r["area"]][0] in ("low", "medium")]
    assert _share(critical, ("P1", "P2")) > 2 * _share(calm, ("P1", "P2"))
    for area in ("printing", "vendors", "onboarding", "desk-l1"):
        assert not [r for r in rows if r["area"] == area and r["priority"] == "P1"], area
    # How long it takes follows the priority: the median first response and resolution grow P1 → P4.
    def median(field: str, p: str) -> float:
        return statistics.median(r[field] - r["opened_at"] for r in rows if r["priority"] == p and r[field] is not None)
    for field in ("first_response_at", "resolved_at"):
        medians = [median(field, p) for p in ("P1", "P2", "P3", "P4")]
        assert medians == sorted(medians) and len(set(medians)) == 4, (field, medians)


def _problems_at(store: Store, now: int) -> dict[str, object]:
    from comanage_tui.data.readmodel import dashboard, kt
    from comanage_tui.data.readmodel import org as rorg
    from comanage_tui.data.readmodel.context import load_context, local_today

    ctx = load_context(store)
    clocks = dashboard.now_figures(store, ctx, now).kpis.clocks
    splits = rorg.raci_split(store, ctx, now)
    today = local_today(ctx, now)
    return {
        "breached": clocks.breached, "at_risk": clocks.at_risk,
        "late_handoffs": [h for h in rorg.handoff_statuses(store, ctx, now) if h.ack.state.value == "breached"],
        "gaps": [a.area.key for a in splits if a.gap], "overlaps": [a.area.key for a in splits if a.overlap],
        "drift": {a.area.key: a.drift for a in splits if a.drift},
        "single_points": [c.area.key for c in kt.kt_coverage(store, ctx, today) if c.single_point],
        "stale_docs": [i.topic for i in store.kt.list() if i.kind == "runbook" and i.is_stale(today)],
        "overdue_kt": [i.topic for i in store.kt.list() if i.is_overdue(today)],
    }


def test_the_first_morning_has_the_problems_a_lead_should_find(tmp_path: Path) -> None:
    with Store(tmp_path / "d.db", clock=lambda: FIXED_NOW) as s:
        build_demo(s, DemoOptions(seed=7, tickets=400, now=FIXED_NOW))
        found = _problems_at(s, FIXED_NOW)
        late_with_ticket = [h for h in found["late_handoffs"] if h.handoff.ticket_ref]
    assert found["breached"] >= 1 and found["at_risk"] >= 1
    assert late_with_ticket and len(found["late_handoffs"]) >= 2
    assert found["gaps"] == ["printing"] and found["overlaps"] == ["vulns"]
    assert "internal" in found["drift"]["erp"]  # the MSP is Responsible for SAP first line; internal does it
    assert {"firewall", "backup"} <= set(found["single_points"])
    assert found["stale_docs"] and found["overdue_kt"]


@pytest.mark.parametrize("moment", [
    "2026-11-29T22:00:00+01:00",  # a Sunday night: the office calendar is closed
    "2026-12-27T10:00:00+01:00",  # between Christmas and New Year, after two public holidays
    "2027-03-01T08:05:00+01:00",  # five minutes after the office opens on a Monday
])
def test_the_story_holds_whatever_now_is(tmp_path: Path, moment: str) -> None:
    now = int(dt.datetime.fromisoformat(moment).timestamp())
    with Store(tmp_path / "d.db", clock=lambda: now) as s:
        build_demo(s, DemoOptions(seed=7, tickets=400, now=now))
        found = _problems_at(s, now)
        assert s.scalar("SELECT max(at) FROM ticket_events") <= now
    assert found["breached"] >= 1 and found["at_risk"] >= 1 and found["late_handoffs"]


@pytest.mark.parametrize("n", [0, 2, 25])
def test_any_number_of_tickets(tmp_path: Path, n: int) -> None:
    with Store(tmp_path / "d.db", clock=lambda: FIXED_NOW) as s:
        counts = build_demo(s, DemoOptions(seed=7, tickets=n, now=FIXED_NOW))
        refs = [r[0] for r in s.query("SELECT ref FROM tickets ORDER BY opened_at, id")]
    assert counts["tickets"] == n == len(refs)
    assert refs == [f"INC{100_000 + i}" for i in range(n)]  # references rise with the opening time


def test_weeks_spread_the_history_with_seasons_and_growth(tmp_path: Path) -> None:
    """`--weeks`: five years of history, every ticket inside it, busier Januaries than Augusts, growing."""
    from collections import Counter

    from comanage_tui.data.demo import week_weights

    weeks, n = 260, 6000
    with Store(tmp_path / "w.db", clock=lambda: FIXED_NOW) as s:
        build_demo(s, DemoOptions(seed=3, tickets=n, now=FIXED_NOW, weeks=weeks))
        opened = [r[0] for r in s.query("SELECT opened_at FROM tickets")]
        open_now = s.scalar("SELECT count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed', 'cancelled')")
        assert "weeks=260" in s.get_meta("demo")
    start = FIXED_NOW - weeks * 7 * 86_400
    assert len(opened) == n and all(start <= t <= FIXED_NOW for t in opened)
    months = Counter(dt.datetime.fromtimestamp(t, dt.UTC).month for t in opened)
    assert months[1] > months[8] * 1.2, months  # January's return is busier than August
    years = Counter(dt.datetime.fromtimestamp(t, dt.UTC).year for t in opened)
    first, last = min(years), max(years)
    assert years[last - 1] > years[first + 1], years  # the organisation grows
    # The old history is closed: what is open now is recent work, about a 90-day demo's share or less.
    assert open_now < n * 0.05, open_now
    weights = week_weights(weeks, FIXED_NOW)
    assert len(weights) == weeks and max(weights) / min(weights) < 4


def test_weeks_is_deterministic_and_the_default_keeps_the_90_days(tmp_path: Path) -> None:
    def opened(name: str, weeks: int | None) -> list[int]:
        with Store(tmp_path / name, clock=lambda: FIXED_NOW) as s:
            build_demo(s, DemoOptions(seed=5, tickets=300, now=FIXED_NOW, weeks=weeks))
            return [r[0] for r in s.query("SELECT opened_at FROM tickets ORDER BY id")]

    assert opened("a.db", 52) == opened("b.db", 52)
    default = opened("c.db", None)
    assert min(default) >= FIXED_NOW - 90 * 86_400
