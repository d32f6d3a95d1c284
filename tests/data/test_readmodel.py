"""The read model on a small organisation whose every figure is worked out by hand.

Calendar: UTC, Monday–Friday 09:00–17:00 (8 business hours a day). Policy: P3 response
60 business minutes, resolution 480 (one business day). Week of Monday 2026-11-16.
"""

from __future__ import annotations

import datetime as dt

import pytest

from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context, history, kt
from comanage_tui.data.readmodel import org as rorg
from comanage_tui.data.sla.engine import ClockState
from comanage_tui.data.store import Store

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> int:
    return int(dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp())


NOW = at(17, 12)  # Tuesday noon


@pytest.fixture
def org(tmp_path) -> Store:
    s = Store(tmp_path / "org.db", actor="t", clock=lambda: NOW)
    s.sla.put_calendar({"name": "office", "timezone": "UTC", "weekly": {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}})
    s.sla.replace_policies([{"name": "std", "calendar": "office", "match_priorities": ["P3"],
                             "targets": {"P3": {"response_minutes": 60, "resolution_minutes": 480}}}])
    s.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office"})
    s.org.add_party({"key": "msp", "name": "MSP", "calendar": "office"})
    for key, crit in (("desk", "high"), ("erp", "critical"), ("print", "low")):
        s.org.add_area({"key": key, "name": key.title(), "criticality": crit})
    s.org.set_raci("desk", "msp", "R")
    s.org.set_raci("desk", "internal", "A")
    s.org.set_raci("erp", "msp", "R")
    s.org.set_raci("erp", "internal", "A")
    s.org.set_raci("print", "msp", "A")
    s.org.set_raci("print", "internal", "A")
    # A: answered in 30 min, resolved the same afternoon -> both clocks met.
    a = s.tickets.add({"ref": "A", "title": "Printer", "party": "msp", "area": "desk", "opened_at": at(16, 9)})
    s.tickets.record_response(a.id, at=at(16, 9, 30))
    s.tickets.update(a.id, {"status": "resolved"}, at=at(16, 15))
    # B: answered after 2 h (missed), still open Tuesday noon: 8 h Monday + 3 h Tuesday = 11 h > 8 h -> breached.
    b = s.tickets.add({"ref": "B", "title": "VPN", "party": "msp", "area": "desk", "opened_at": at(16, 9)})
    s.tickets.record_response(b.id, at=at(16, 11))
    # C: ERP ticket the internal team holds although the MSP is R (drift); answered, waiting on the customer.
    c = s.tickets.add({"ref": "C", "title": "SAP", "party": "internal", "area": "erp", "opened_at": at(17, 9)})
    s.tickets.record_response(c.id, at=at(17, 9, 10))
    s.tickets.update(c.id, {"status": "waiting_customer"}, at=at(17, 10))
    s.tickets.add({"ref": "D", "title": "SAP 2", "party": "internal", "area": "erp", "opened_at": at(17, 9)})
    s.tickets.add({"ref": "E", "title": "SAP 3", "party": "msp", "area": "erp", "opened_at": at(17, 9)})
    h = s.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": "Take over VPN", "requested_at": at(17, 10),
                           "ack_target_minutes": 60})
    s.handoffs.create({"from_party": "msp", "to_party": "internal", "summary": "Approve quote", "requested_at": at(17, 11, 30),
                       "ack_target_minutes": 60})
    assert h.id == 1
    yield s
    s.close()


def test_open_clocks_sorted_by_due_with_states(org: Store) -> None:
    ctx = context.load_context(org)
    rows = rclocks.open_ticket_clocks(org, ctx, NOW)
    assert [r.ref for r in rows][0] == "B"  # the breached one comes first
    b = rows[0]
    assert b.resolution.state == ClockState.BREACHED and b.resolution.elapsed_seconds == 11 * 3600
    assert b.resolution.breached_at == at(16, 17)  # the 8 business hours ran out at Monday close
    assert b.resolution.breach_holder == "msp"
    c = next(r for r in rows if r.ref == "C")
    assert c.resolution.state == ClockState.PAUSED and c.resolution.elapsed_seconds == 3600
    assert "A" not in {r.ref for r in rows}


def test_compliance_in_window_counts_met_missed_and_in_flight(org: Store) -> None:
    ctx = context.load_context(org)
    comp = history.compliance_in_window(org, ctx, at(16, 0), NOW)
    resp, res = comp.overall["response"], comp.overall["resolution"]
    assert (resp.met, resp.missed) == (2, 1)  # A and C met, B missed; D, E still running
    assert resp.in_flight == 2
    assert (res.met, res.missed, res.in_flight, res.breached) == (1, 0, 4, 1)
    assert res.percent == 100.0
    assert "met / (met + missed)" in comp.rule
    by_party = {row.key: row for row in comp.by["response"]["party"]}
    assert by_party["msp"].missed == 1 and by_party["internal"].met == 1


def test_handoff_ack_clock_on_receiver_calendar(org: Store) -> None:
    rows = rorg.handoff_statuses(org, context.load_context(org), NOW)
    assert [r.handoff.summary for r in rows] == ["Take over VPN", "Approve quote"]  # oldest first
    late, fresh = rows
    assert late.ack.state == ClockState.BREACHED and late.age_seconds == 2 * 3600 and late.waiting_on == "msp"
    assert fresh.ack.state == ClockState.RUNNING and fresh.waiting_on == "internal"


def test_raci_split_flags_gap_overlap_and_drift(org: Store) -> None:
    split = {a.area.key: a for a in rorg.raci_split(org, context.load_context(org), NOW)}
    assert split["desk"].problems == []
    assert split["print"].gap == ["no Responsible"] and split["print"].overlap == ["internal", "msp"]
    assert split["erp"].drift == {"internal": pytest.approx(2 / 3)}


def test_workload_and_time_freed(org: Store) -> None:
    org.tickets.update(1, {"hours_spent": 1.5})
    loads = {w.party.key: w for w in rorg.workload(org, context.load_context(org), NOW)}
    assert loads["msp"].open_tickets == 2 and loads["internal"].open_tickets == 2
    # MSP held A 09:00-15:00 (6 h), B Mon 8 h + Tue 3 h, E Tue 3 h = 20 h of running time.
    assert loads["msp"].business_hours_held == 20.0
    # Internal held C 09:00-10:00 (then paused) and D 09:00-12:00 = 4 h.
    assert loads["internal"].business_hours_held == 4.0
    assert rorg.time_freed_hours(list(loads.values())) == 1.5


def test_kt_coverage_single_points(org: Store) -> None:
    p1 = org.org.add_person({"party": "internal", "name": "Ana"})
    p2 = org.org.add_person({"party": "msp", "name": "Bo"})
    org.org.add_capability("desk", p1.id)
    org.org.add_capability("desk", p2.id)
    org.org.add_capability("erp", p2.id)
    org.kt.add({"area": "erp", "topic": "SAP runbook", "status": "done", "last_reviewed": dt.date(2026, 1, 1), "review_interval_days": 90})
    cov = {c.area.key: c for c in kt.kt_coverage(org, context.load_context(org), dt.date(2026, 11, 17))}
    assert cov["desk"].single_point is None
    assert cov["erp"].single_point == "only one person can do it" and cov["erp"].documented and cov["erp"].stale == 1
    assert cov["print"].single_point == "nobody is recorded as able to do it"


def test_end_of_business_today(org: Store) -> None:
    ctx = context.load_context(org)
    assert context.end_of_business_today(ctx, NOW) == at(17, 17)
    saturday = int(dt.datetime(2026, 11, 21, 10, tzinfo=UTC).timestamp())
    assert context.end_of_business_today(ctx, saturday) == int(dt.datetime(2026, 11, 22, 0, tzinfo=UTC).timestamp())
    assert context.local_today(ctx, NOW) == dt.date(2026, 11, 17)


def test_past_now_reconstructs_history(org: Store) -> None:
    ctx = context.load_context(org)
    monday_noon = at(16, 12)
    rows = {r.ref: r for r in rclocks.open_ticket_clocks(org, ctx, monday_noon)}
    assert set(rows) == {"A", "B"}  # C, D, E did not exist yet; A was still open
    assert rows["B"].resolution.state == ClockState.RUNNING and rows["B"].resolution.elapsed_seconds == 3 * 3600


def test_a_weeks_compliance_is_judged_at_the_weeks_end(org: Store) -> None:
    """Each week counts the resolution clocks that stopped in it, as they stood when the week ended."""
    # F: resolved in 2 business hours in the week to Nov 10 (met then); reopened in the next week and
    # resolved again after 18 business hours in all (missed). G: resolved in 1 h, reopened Monday, still open.
    f = org.tickets.add({"ref": "F", "title": "Mail", "party": "msp", "area": "desk", "opened_at": at(4, 9)})
    org.tickets.update(f.id, {"status": "resolved"}, at=at(4, 11))
    org.tickets.update(f.id, {"status": "in_progress"}, at=at(12, 9))
    org.tickets.update(f.id, {"status": "resolved"}, at=at(13, 17))
    g = org.tickets.add({"ref": "G", "title": "Disk", "party": "internal", "area": "desk", "opened_at": at(4, 9)})
    org.tickets.update(g.id, {"status": "resolved"}, at=at(4, 10))
    org.tickets.update(g.id, {"status": "in_progress"}, at=at(16, 9))
    ctx = context.load_context(org)
    trend = history.weekly_trend(org, ctx, NOW, weeks=3)
    assert [start for start, _p, _n in trend] == [NOW - 21 * context.DAY, NOW - 14 * context.DAY, NOW - 7 * context.DAY]
    # Week to Nov 10 noon: F and G met. Week to now: A met, F missed (its second stop); G is open again.
    assert [(p, n) for _s, p, n in trend] == [(None, 0), (100.0, 2), (50.0, 2)]
    # The last two bars are the Overview's tiles: this week's and the previous week's compliance.
    this_week = history.compliance_in_window(org, ctx, NOW - 7 * context.DAY, NOW).overall["resolution"]
    last_week = history.compliance_in_window(org, ctx, NOW - 14 * context.DAY, NOW - 7 * context.DAY).overall["resolution"]
    assert (this_week.met, this_week.missed, last_week.met, last_week.missed) == (1, 1, 2, 0)
    # The same as computing every clock afresh as of each week's end.
    for start, _pct, closed in trend:
        assert closed == sum(c.name == "resolution" for _r, c in rclocks.stopped_clocks(org, ctx, start, start + 7 * context.DAY))
    # The Overview takes both tiles and the trend from one replay: the same figures, both clocks.
    from comanage_tui.data.readmodel import dashboard

    one = dashboard.history(org, ctx, NOW, weeks=3)
    assert one.weeks == trend
    assert one.current == dashboard.week_compliance(org, ctx, NOW)
    assert one.current == (50.0, pytest.approx(200 / 3))  # responses: A and C in time, B late
    assert one.previous == dashboard.week_compliance(org, ctx, NOW - 7 * context.DAY)
    # A past `now` shifts the weeks and ignores what came after it: as of Sunday, the week to
    # Nov 8 still holds F's and G's first stops, and the week to Sunday F's second (missed); A came later.
    assert [(p, n) for _s, p, n in history.weekly_trend(org, ctx, at(15, 12), weeks=2)] == [(100.0, 2), (0.0, 1)]


def test_replay_counts_held_time_and_verdicts_once_for_every_window(org: Store) -> None:
    ctx = context.load_context(org)
    replayed = history.replay(org, ctx, NOW, window_start=at(16, 0), weeks=2, held_from=NOW - 30 * context.DAY, party="msp")
    assert rorg.workload(org, ctx, NOW, replayed=replayed) == rorg.workload(org, ctx, NOW)  # held time covers every party
    resolution = history.compliance_in_window(org, ctx, at(16, 0), NOW, replayed=replayed).overall["resolution"]
    assert (resolution.met, resolution.missed) == (1, 0)  # A, held by the MSP
    assert history.weekly_trend(org, ctx, NOW, 2, replayed=replayed)[-1][1:] == (100.0, 1)
    with pytest.raises(ValueError, match="not"):
        history.compliance_in_window(org, ctx, at(15, 0), NOW, replayed=replayed)
    with pytest.raises(ValueError, match="not"):
        history.weekly_trend(org, ctx, NOW, 12, replayed=replayed)
