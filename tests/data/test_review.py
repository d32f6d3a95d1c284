"""The period review on tests/data/review_fixture.py: 2026Q3 against 2026Q2, every figure worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.readmodel.review.build import build_review
from comanage_tui.data.readmodel.review.model import Fig
from comanage_tui.data.readmodel.review.period import Period, last_complete_quarter, parse_period
from tests.data.review_fixture import NOW, build


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    s = build(tmp_path_factory.mktemp("review") / "r.db")
    try:
        yield build_review(s, parse_period(now=NOW))
    finally:
        s.close()


def f(fig: Fig) -> tuple:
    """(current, previous, arrow, verdict) of a figure."""
    return fig.current, fig.previous, fig.arrow, fig.verdict


def keyed(rows) -> dict:
    return {r.key: f(r.fig) for r in rows}


def test_period_defaults_to_the_last_complete_quarter(review) -> None:
    assert (review.period.label, review.period.first_day, review.period.last_day, review.period.days) == \
        ("2026Q3", "2026-07-01", "2026-09-30", 92)
    assert (review.previous.label, review.previous.days) == ("2026Q2", 91)
    assert review.period.start == "2026-07-01T00:00:00+00:00" and review.period.end == "2026-10-01T00:00:00+00:00"


def test_volume_opened_and_resolved(review) -> None:
    # Opened Q3: T3 (P3 msp desk), T4 (P3 msp desk), T5 (P1 internal erp), T6 (P3 internal erp), T8 (P3 internal desk).
    # Opened Q2: T1 (P3 msp desk), T2 (P1 internal erp), T7 (P3 msp desk).
    o = review.opened
    assert f(o.total) == (5, 3, "↑", "worse")  # more incidents is the bad direction
    assert keyed(o.by_priority) == {"P1": (1, 1, "→", "same"), "P3": (4, 2, "↑", "changed")}
    assert keyed(o.by_party) == {"internal": (3, 1, "↑", "changed"), "msp": (2, 2, "→", "same")}
    assert keyed(o.by_area) == {"desk": (3, 2, "↑", "changed"), "erp": (2, 1, "↑", "changed")}
    # Resolved Q3: T3 (msp), T4 (internal: it held T4 then), T5 (msp: handed over before), T8 (internal).
    r = review.resolved
    assert f(r.total) == (4, 2, "↑", "better")
    assert keyed(r.by_priority) == {"P1": (1, 1, "→", "same"), "P3": (3, 1, "↑", "changed")}
    assert keyed(r.by_party) == {"internal": (2, 1, "↑", "changed"), "msp": (2, 1, "↑", "changed")}
    assert keyed(r.by_area) == {"desk": (3, 1, "↑", "changed"), "erp": (1, 1, "→", "same")}


def test_backlog_and_aging(review) -> None:
    # End of Q3: T6 (2 days old) and T7 (opened 15 Jun: 107 days). End of Q2: T7 (15 days).
    assert f(review.backlog.total) == (2, 1, "↑", "worse")
    assert keyed(review.backlog.buckets) == {"0-7": (1, 0, "↑", "worse"), "8-30": (0, 1, "↓", "better"),
                                             "31-90": (0, 0, "→", "same"), ">90": (1, 0, "↑", "worse")}


def test_sla_compliance_by_party_and_priority(review) -> None:
    resp, res = review.sla.clocks
    # Response Q3: T3, T4, T5, T6, T8 all answered in time; Q2: T1 met, T2 missed (2 h > 60 min), T7 never answered.
    assert (resp.clock, f(resp.overall), resp.met, resp.missed) == ("response", (100.0, 50.0, "↑", "better"), 5, 0)
    assert keyed(resp.by_party) == {"internal": (100.0, 0.0, "↑", "better"), "msp": (100.0, 100.0, "→", "same")}
    assert keyed(resp.by_priority) == {"P1": (100.0, 0.0, "↑", "better"), "P3": (100.0, 100.0, "→", "same")}
    # Resolution Q3: T3 met (10 h), T4 missed (18 h > 16 h), T5 met (3 h), T8 met (3 h): 3/4; Q2: T1 met, T2 missed.
    assert (f(res.overall), res.met, res.missed) == ((75.0, 50.0, "↑", "better"), 3, 1)
    assert keyed(res.by_party) == {"internal": (50.0, 0.0, "↑", "better"), "msp": (100.0, 100.0, "→", "same")}
    assert keyed(res.by_priority) == {"P1": (100.0, 0.0, "↑", "better"), "P3": (66.7, 100.0, "↓", "worse")}
    assert "OLA" in review.sla.ola_note and "met / (met + missed)" in review.sla.rule


def test_time_to_resolve_in_business_hours(review) -> None:
    p1, p3 = review.resolve_times.by_priority
    assert (p1.priority, p1.resolved, f(p1.median_hours), f(p1.p90_hours)) == \
        ("P1", 1, (3.0, 7.0, "↓", "better"), (3.0, 7.0, "↓", "better"))
    # P3 Q3: 10 h, 18 h, 3 h -> median 10, p90 nearest rank ceil(2.7) = 3rd = 18; Q2: T1 4 h.
    assert (p3.priority, p3.resolved, f(p3.median_hours), f(p3.p90_hours)) == \
        ("P3", 3, (10.0, 4.0, "↑", "worse"), (18.0, 4.0, "↑", "worse"))
    assert "Business hours" in review.resolve_times.rule


def test_breaches_by_the_holder_when_the_clock_ran_out(review) -> None:
    # Q3: T4 resolution (internal held it Tue 17:00), T6 resolution (internal). Q2: T2 both (internal), T7 both (msp).
    assert f(review.breaches.total) == (2, 4, "↓", "better")
    assert keyed(review.breaches.by_party) == {"internal": (2, 2, "→", "same"), "msp": (0, 2, "↓", "better")}


def test_top_areas(review) -> None:
    assert [(a.area, f(a.fig)) for a in review.top_areas.most_tickets] == \
        [("desk", (3, 2, "↑", "worse")), ("erp", (2, 1, "↑", "worse"))]
    assert [(a.area, f(a.fig)) for a in review.top_areas.most_breaches] == \
        [("desk", (1, 2, "↓", "better")), ("erp", (1, 2, "↓", "better"))]


def test_handoffs(review) -> None:
    h = review.handoffs
    # Q3: internal->msp acknowledged in 30 min (met), msp->internal after 120 min (late), returned once. Q2: one, 45 min.
    assert (f(h.overall.count), f(h.overall.on_time_percent), f(h.overall.median_wait_minutes), f(h.overall.bounces)) == \
        ((2, 1, "↑", "changed"), (50.0, 100.0, "↓", "worse"), (75.0, 45.0, "↑", "worse"), (1, 0, "↑", "worse"))
    rows = {d.direction: (f(d.count), f(d.on_time_percent), f(d.median_wait_minutes), f(d.bounces)) for d in h.by_direction}
    assert rows == {
        "internal → msp": ((1, 1, "→", "same"), (100.0, 100.0, "→", "same"), (30.0, 45.0, "↓", "better"), (0, 0, "→", "same")),
        "msp → internal": ((1, 0, "↑", "changed"), (0.0, None, "", "n/a"), (120.0, None, "", "n/a"), (1, 0, "↑", "worse")),
    }


def test_knowledge_transfer(review) -> None:
    k = review.knowledge
    assert f(k.verified_items) == (1, 1, "→", "same")  # Q3: the desk runbook; Q2: the ERP walkthrough added verified
    assert f(k.single_points) == (1, 1, "→", "same")
    assert (k.single_points_opened, k.single_points_closed) == (["erp"], ["desk"])
    cov = {c.area: c for c in k.coverage}
    desk, erp = cov["desk"], cov["erp"]
    assert (f(desk.internal_people), f(desk.partner_people), desk.documented_before, desk.documented_after) == \
        ((1, 0, "↑", "better"), (1, 1, "→", "same"), False, True)
    assert (desk.single_point_before, desk.single_point_after) == ("only one person can do it", None)
    assert (f(erp.internal_people), erp.documented_after, erp.single_point_after) == ((0, 1, "↓", "worse"), False,
                                                                                      "only one person can do it")


def test_split_changes_and_drift(review) -> None:
    s = review.split
    assert [(c.at, c.area, c.party, c.before, c.after) for c in s.changes] == \
        [("2026-08-20T10:00:00+00:00", "erp", "msp", "C", "R")]
    assert f(s.changes_count) == (1, 2, "↓", "changed")  # Q2: desk/internal A -> C -> A
    assert f(s.drifting_areas) == (1, 0, "↑", "worse")
    # Desk tickets opened in Q3: T3 (msp), T4 and T8 (internal, not R): 2 of 3.
    assert [(d.area, d.party, f(d.share_percent)) for d in s.drift] == [("desk", "internal", (66.7, 0.0, "↑", "worse"))]


def test_roi_recorded_and_estimated(review) -> None:
    r = review.roi
    # Q3 partner-resolved: T3 (no hours: P3 estimate 1.5 h), T5 (1.5 h recorded). Q2: T1 (2 h recorded).
    assert f(r.partner_resolved) == (2, 1, "↑", "better")
    assert f(r.hours) == (3.0, 2.0, "↑", "better")
    assert (r.recorded_tickets, r.recorded_hours, r.estimated_tickets, r.estimated_hours, r.unestimated_tickets) == \
        (1, 1.5, 1, 1.5, 0)
    assert r.source == "recorded and estimates"
    assert r.summary == ("This quarter (2026Q3) the partners resolved 2 tickets, about 3 hours of work the internal "
                         "team did not have to do (1.5 h recorded on 1 ticket; 1.5 h estimated for 1 ticket). "
                         "Last quarter: 1 ticket, about 2 hours. Resolution SLA compliance was 75.0 % (50.0 % the "
                         "quarter before).")
    assert "recorded" in r.rule and "estimate" in r.rule


def test_periods() -> None:
    utc = dt.UTC
    q = parse_period(quarter_text="2026q1", now=0)
    assert (q.label, q.previous().label, q.previous().first, q.following().label) == \
        ("2026Q1", "2025Q4", dt.date(2025, 10, 1), "2026Q2")
    m = parse_period(month_text="2026-03", now=0)
    assert (m.label, m.days, m.previous().label, m.previous().days) == ("2026-03", 31, "2026-02", 28)
    d = parse_period(date_from="2026-10-01", date_to="2026-10-10", now=0)
    assert (d.label, d.days, d.previous().first, d.previous().last) == \
        ("2026-10-01..2026-10-10", 10, dt.date(2026, 9, 21), dt.date(2026, 9, 30))
    # A quarter that has just ended is the default; the running one is not.
    assert last_complete_quarter(int(dt.datetime(2026, 10, 1, 0, 0, tzinfo=utc).timestamp()), utc).label == "2026Q3"
    assert last_complete_quarter(int(dt.datetime(2026, 9, 30, 23, 59, tzinfo=utc).timestamp()), utc).label == "2026Q2"
    # Local midnights: the Berlin Q4 starts at 22:00 UTC the day before (summer time) and ends at 23:00 UTC.
    from zoneinfo import ZoneInfo

    start, end = Period("quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31)).bounds(ZoneInfo("Europe/Berlin"))
    assert (dt.datetime.fromtimestamp(start, utc).hour, dt.datetime.fromtimestamp(end, utc).hour) == (22, 23)
    for kwargs, field in (({"quarter_text": "2026Q5"}, "--quarter"), ({"month_text": "2026-13"}, "--month"),
                          ({"date_from": "2026-10-02", "date_to": "2026-10-01"}, "--to"),
                          ({"date_from": "2026-10-02"}, "--from/--to"),
                          ({"quarter_text": "2026Q1", "month_text": "2026-01"}, "period")):
        with pytest.raises(InvalidInput) as e:
            parse_period(now=0, **kwargs)
        assert e.value.field == field
