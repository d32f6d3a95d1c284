"""Whose verdict, whose time: a ticket passed internal -> MSP -> internal, worked out by hand.

Calendar "office": Europe/Berlin, Monday-Friday 09:00-17:00, no holidays. Europe moves to
summer time in the night of Sunday 29 March 2026 (02:00 CET -> 03:00 CEST), inside the weekend.

    Fri 27 Mar 14:00 CET   opened, held by internal (P3)
    Fri 27 Mar 14:30 CET   first response (internal)
    Fri 27 Mar 16:00 CET   assigned to msp        internal held Fri 14:00-16:00        = 2 h
    Mon 30 Mar 13:00 CEST  assigned to internal   msp held Fri 16:00-17:00 (1 h), the weekend
                                                  with the DST change (0 h), Mon 09:00-13:00
                                                  (4 h)                                = 5 h
    Mon 30 Mar 14:00 CEST  resolved               internal held Mon 13:00-14:00        = 1 h

Business time from opening to resolution: 2 + 5 + 1 = 8 h (wall time is 71 h, one less than
the local clocks say, because of the DST change). A clock that ran in UTC+1 all along would see
Monday's office as 10:00-18:00 CEST and give the MSP 4 h, not 5.

Targets: response 60 min (met after 30 min, while internal held the ticket), resolution 6 h.
The resolution clock reaches 6 h at Mon 12:00 CEST: 2 h internal + 1 h msp on Friday + 3 h
of Monday morning, while the MSP held the ticket. So it is missed, and the miss is the MSP's,
although internal resolved the ticket. With a 9 h target it would be met, and the verdict
internal's (the holder when it stopped).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context, history
from comanage_tui.data.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def at(day: int, hour: int, minute: int = 0) -> int:
    """A local time in Berlin, March 2026 (CET before the 29th, CEST from then on)."""
    return int(dt.datetime(2026, 3, day, hour, minute, tzinfo=BERLIN).timestamp())


NOW = at(31, 12)  # Tuesday noon, the day after the resolution
WINDOW = (NOW - 30 * 86_400, NOW)


def org(path, resolution_minutes: int = 360, *, vendor_wait: bool = False) -> Store:
    """The organisation and T1; `vendor_wait`: the MSP waits on a vendor Monday 10:00-11:00 CEST, so it hands
    the ticket back at 14:00 (5 h held, 1 h paused) and internal resolves it at 15:00."""
    s = Store(path, actor="t", clock=lambda: NOW)
    s.sla.put_calendar({"name": "office", "timezone": "Europe/Berlin", "weekly": {d: [("09:00", "17:00")] for d in WEEKDAYS}})
    s.sla.replace_policies([{"name": "std", "calendar": "office",
                             "targets": {p: {"response_minutes": 60, "resolution_minutes": resolution_minutes}
                                         for p in ("P1", "P2", "P3", "P4")}}])
    s.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office"})
    s.org.add_party({"key": "msp", "name": "MSP", "calendar": "office"})
    s.org.add_party({"key": "secops", "name": "SecOps", "calendar": "office"})
    t = s.tickets.add({"ref": "T1", "title": "VPN drops", "party": "internal", "priority": "P3", "opened_at": at(27, 14)})
    s.tickets.record_response(t.id, at=at(27, 14, 30))
    s.tickets.update(t.id, {"party": "msp"}, at=at(27, 16))
    if vendor_wait:
        s.tickets.update(t.id, {"status": "waiting_vendor"}, at=at(30, 10))
        s.tickets.update(t.id, {"status": "in_progress"}, at=at(30, 11))
    back = at(30, 14) if vendor_wait else at(30, 13)
    s.tickets.update(t.id, {"party": "internal"}, at=back)
    s.tickets.update(t.id, {"status": "resolved"}, at=back + H)
    return s


def by_party(store: Store) -> dict[str, dict[str, tuple[int, int]]]:
    """clock -> party -> (met, missed) over the 30 days before NOW."""
    comp = history.compliance_in_window(store, context.load_context(store), *WINDOW)
    return {name: {r.key: (r.met, r.missed) for r in comp.by[name]["party"]} for name in ("response", "resolution")}


def clocks(store: Store) -> rclocks.TicketClock:
    return rclocks.ticket_clocks(store, context.load_context(store), "t.ref = 'T1'", (), NOW)[0]


def test_the_miss_is_the_msps_and_the_met_response_internals(tmp_path) -> None:
    with org(tmp_path / "a.db") as store:
        row = clocks(store)
        assert (row.response.state, row.response.elapsed_seconds, row.response.verdict_holder) == ("met", 30 * 60, "internal")
        res = row.resolution
        assert (res.state, res.elapsed_seconds, res.stopped_at) == ("missed", 8 * H, at(30, 14))
        assert (res.breached_at, res.breach_holder, res.verdict_holder) == (at(30, 12), "msp", "msp")
        assert by_party(store) == {"response": {"internal": (1, 0)}, "resolution": {"msp": (0, 1)}}


def test_a_met_resolution_is_the_party_holding_the_ticket_when_it_stopped(tmp_path) -> None:
    with org(tmp_path / "b.db", resolution_minutes=9 * 60) as store:
        res = clocks(store).resolution
        assert (res.state, res.breach_holder, res.verdict_holder) == ("met", None, "internal")
        assert by_party(store)["resolution"] == {"internal": (1, 0)}


@pytest.mark.parametrize("resolution_minutes", [360, 9 * 60])
def test_reassigning_afterwards_moves_no_past_verdict(tmp_path, resolution_minutes: int) -> None:
    with org(tmp_path / "c.db", resolution_minutes) as store:
        before = by_party(store), clocks(store)
        weeks = history.weekly_trend(store, context.load_context(store), NOW, 2, party="msp")
        ticket = store.tickets.by_ref("T1")
        store.tickets.update(ticket.id, {"party": "secops"}, at=at(31, 10))  # after the verdicts, before NOW
        assert store.tickets.by_ref("T1").holder_party_key == "secops"
        after = by_party(store), clocks(store)
        assert after[0] == before[0]
        assert [(c.state, c.verdict_holder) for c in after[1].clocks()] == [(c.state, c.verdict_holder) for c in before[1].clocks()]
        assert history.weekly_trend(store, context.load_context(store), NOW, 2, party="msp") == weeks
        assert history.weekly_trend(store, context.load_context(store), NOW, 2, party="secops")[-1][2] == 0


# --- time held per party ---------------------------------------------------------------


def held(store: Store):  # readmodel.held.ClockHeld
    from comanage_tui.data.readmodel.held import held_for_rows

    ctx = context.load_context(store)
    rows = rclocks.ticket_clocks(store, ctx, "t.ref = 'T1'", (), NOW)
    return held_for_rows(store, ctx, rows, NOW)[rows[0].ticket_id]


def test_time_held_is_two_five_and_one_hours(tmp_path) -> None:
    from comanage_tui.data.readmodel.ticket_view import explain_ticket, explain_ticket_data

    with org(tmp_path / "h.db") as store:
        h = held(store)
        assert (h.response.held, h.response.paused) == ({"internal": 30 * 60}, {})
        assert (h.resolution.held, h.resolution.paused) == ({"internal": 3 * H, "msp": 5 * H}, {})
        assert h.resolution.counted == clocks(store).resolution.elapsed_seconds == 8 * H
        data = explain_ticket_data(store, "T1", NOW)
        text = explain_ticket(store, "T1", NOW)
    assert data["resolution"]["held_seconds"] == {"internal": 3 * H, "msp": 5 * H}
    assert data["response"]["held_seconds"] == {"internal": 1800} and data["resolution"]["paused_seconds"] == {}
    assert (data["resolution"]["verdict_holder"], data["response"]["verdict_holder"]) == ("msp", "internal")
    # Hop by hop, the explain timeline's running segments: 2 h, 1 h + 4 h across the weekend, 1 h.
    hops: list[list] = []
    for seg in data["segments"]:
        if seg["kind"] == "running":
            if hops and hops[-1][0] == seg["holder"]:
                hops[-1][1] += seg["counted_seconds"]
            else:
                hops.append([seg["holder"], seg["counted_seconds"]])
    assert hops == [["internal", 2 * H], ["msp", 5 * H], ["internal", H]]
    assert "Resolution  internal 3h 0m · msp 5h 0m" in text
    assert "ran out Mon 2026-03-30 12:00 CEST while held by msp; counts for msp" in text.replace("\n  ", " ")


def test_paused_time_is_counted_apart_by_status(tmp_path) -> None:
    # The MSP waits on a vendor Monday 10:00-11:00 CEST: an hour paused, not held.
    with org(tmp_path / "p.db", vendor_wait=True) as store:
        h = held(store).resolution
        assert (h.held, h.paused) == ({"internal": 3 * H, "msp": 5 * H}, {"waiting_vendor": H})
        assert h.open_seconds == 9 * H  # Fri 14:00-17:00 and Mon 09:00-15:00: the business time it was open


def test_held_time_per_priority_takes_the_median_and_p90_by_nearest_rank(tmp_path) -> None:
    from comanage_tui.data.readmodel.held import held_in_window

    with org(tmp_path / "w.db") as store:
        # Four more P3 tickets, each held by the MSP for 1, 2, 3 and 4 business hours on Monday 30 March.
        for n in (1, 2, 3, 4):
            t = store.tickets.add({"ref": f"M{n}", "title": "x", "party": "msp", "priority": "P3", "opened_at": at(30, 9)})
            store.tickets.update(t.id, {"status": "resolved"}, at=at(30, 9 + n))
        window = held_in_window(store, context.load_context(store), *WINDOW)
    rows = {(r.party, r.priority): r for r in window.rows}
    assert set(rows) == {("internal", "P3"), ("msp", "P3")}
    # msp: 1, 2, 3, 4 and T1's 5 hours -> median the 3rd of 5 (3 h), p90 the 5th (ceil(4.5)) (5 h).
    m = rows[("msp", "P3")]
    assert (m.tickets, m.median_minutes, m.p90_minutes, m.total_minutes) == (5, 180, 300, 15 * 60)
    i = rows[("internal", "P3")]
    assert (i.tickets, i.median_minutes, i.p90_minutes, i.total_minutes) == (1, 180, 180, 180)
