"""The clock-stops cache is derived: every figure is identical with it dropped, full, partly stale or
computed for another configuration, and the triggers keep it exact whatever changes a ticket."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from comanage_tui.data.demo import DemoOptions, write_demo_file
from comanage_tui.data.readmodel import history, stops_cache
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.ola import ola_compliance
from comanage_tui.data.readmodel.review.build import TicketFigures, build_review, ticket_figures
from comanage_tui.data.readmodel.review.period import quarter
from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW, copy_database

DAY = 86_400
# Moments judged: now, a week and a month back, and a moment in the middle of a working day.
MOMENTS = (FIXED_NOW, FIXED_NOW - 7 * DAY, FIXED_NOW - 30 * DAY + 13 * 3600 + 17)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache") / "demo.db"
    write_demo_file(path, DemoOptions(seed=11, tickets=1_500, now=FIXED_NOW, weeks=20))
    return path


@pytest.fixture
def db(demo_file: Path, tmp_path: Path) -> Path:
    return copy_database(demo_file, tmp_path / "demo.db")


def figures(store: Store) -> list:
    """Everything history computes from stops: windows of several lengths, per party too, and the trend."""
    out = []
    for now in MOMENTS:
        ctx = load_context(store)
        for days in (1, 7, 30, 91):
            out.append(history.compliance_in_window(store, ctx, now - days * DAY, now))
        for party in ("internal", "msp", "secops"):
            out.append(history.compliance_in_window(store, ctx, now - 30 * DAY, now, party=party))
            out.append(history.weekly_trend(store, ctx, now, 12, party=party))
        out.append(history.weekly_trend(store, ctx, now, 20))
        for days in (1, 7, 30, 91):  # the review's ticket figures and OLA compliance, over the same windows
            out.append(_review_figures(ticket_figures(store, ctx, now - days * DAY, now)))
            out.append(ola_compliance(store, ctx, now - days * DAY, now))
    # A whole review (2026Q3 against 2026Q2): every figure it shows, as its JSON gives them.
    out.append(build_review(store, quarter(dt.date(2026, 8, 1))).model_dump(mode="json"))
    # Whole snapshots: the replay walks cached tickets for held time, its samples and OLAs only.
    for now in MOMENTS[:2]:
        for party in (None, "msp"):
            out.append(build_snapshot(store, SnapshotOptions(as_of=now, party=party)).model_dump(mode="json"))
    return out


def _review_figures(f: TicketFigures) -> TicketFigures:
    """Order-free: the walked tickets come before the cached ones, so each list of times is sorted."""
    f.resolve_seconds = {prio: sorted(values) for prio, values in f.resolve_seconds.items() if values}
    return f


def cached_tickets(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM clock_cache")


def test_figures_are_identical_with_the_cache_dropped_full_and_partly_stale(db: Path) -> None:
    with Store(db, clock=lambda: FIXED_NOW, actor="t") as store:
        assert stops_cache.usable(store, load_context(store)), "the demo fills the cache as it is written"
        assert cached_tickets(store) == store.tickets.count()
        full = figures(store)
        stops_cache.drop(store)
        assert not stops_cache.usable(store, load_context(store))
        dropped = figures(store)
        assert full == dropped
        # Every verdict window must have found stops: an empty comparison would prove nothing.
        assert sum(c.overall["resolution"].met + c.overall["resolution"].missed for c in full
                   if isinstance(c, history.Compliance)) > 1_000
        # ... nor a review window without breaches, resolutions, backlog or OLA verdicts.
        tickets = [f for f in full if isinstance(f, TicketFigures)]
        assert sum(f.breaches["all"] for f in tickets) > 100 and sum(f.backlog["all"] for f in tickets) > 100
        assert sum(len(v) for f in tickets for v in f.resolve_seconds.values()) > 1_000
        olas = [o for o in full if not isinstance(o, (list, dict, TicketFigures, history.Compliance))]
        assert sum(r.met + r.missed for o in olas for r in o.by_party.values()) > 1_000
        assert sum(r.breached for o in olas for r in o.by_party.values()) > 10

        # Half the tickets cached: the rest are walked, the sum is the same.
        stops_cache.refresh(store, batch=100)
        with store.write() as conn:  # entries removed by hand: the database lists their tickets to walk
            conn.execute("DELETE FROM clock_cache WHERE ticket_id % 2 = 0")
        assert 0 < cached_tickets(store) < store.tickets.count()
        assert store.scalar("SELECT count(*) FROM clock_cache_dirty") == store.tickets.count() - cached_tickets(store)
        assert figures(store) == full


def test_a_change_to_a_ticket_or_its_events_drops_its_entry_and_the_figures_follow(db: Path) -> None:
    with Store(db, clock=lambda: FIXED_NOW, actor="t") as store:
        resolved = store.rows("SELECT id FROM tickets WHERE status = 'resolved' ORDER BY id LIMIT 3")
        open_ = store.rows("SELECT t.id FROM tickets t JOIN parties p ON p.id = t.holder_party_id "
                           "WHERE t.status = 'in_progress' AND p.key <> 'msp' ORDER BY t.id LIMIT 1")
        open_ += store.rows("SELECT id FROM tickets WHERE status = 'new' AND first_response_at IS NULL ORDER BY id LIMIT 1")
        before = cached_tickets(store)
        reopened, raised = resolved[0][0], resolved[1][0]
        store.tickets.update(reopened, {"status": "in_progress"}, at=FIXED_NOW - 3 * DAY)  # a reopen
        store.tickets.update(raised, {"priority": "P1"}, at=FIXED_NOW - 2 * DAY)  # the priority changes
        store.tickets.update(open_[0][0], {"party": "msp"}, at=FIXED_NOW - DAY)  # a reassignment
        store.tickets.record_response(open_[1][0], at=FIXED_NOW - 3600)
        with store.write() as conn:  # a change made behind comanage's back: the trigger sees it too
            conn.execute("UPDATE ticket_events SET at = at - 60 WHERE ticket_id = ? AND seq = 2", (resolved[2][0],))
        gone = {r[0] for r in resolved} | {r[0] for r in open_}
        left = {r[0] for r in store.rows("SELECT ticket_id FROM clock_cache")}
        assert not gone & left, gone & left
        assert cached_tickets(store) == before - len(gone)
        stale = figures(store)
        stops_cache.drop(store)
        assert stale == figures(store), "uncached tickets are walked: the figures already include every change"
        stops_cache.refresh(store)
        assert store.scalar("SELECT replay FROM clock_cache WHERE ticket_id = ?", (raised,)) == 1  # walked each time
        assert figures(store) == stale


def test_another_configuration_ignores_the_cache_until_it_is_refreshed(db: Path) -> None:
    with Store(db, clock=lambda: FIXED_NOW, actor="t") as store:
        text = store.sla.dump_toml()
        assert "resolution_minutes = 480" in text
        store.sla.load_toml(text.replace("resolution_minutes = 480", "resolution_minutes = 60"))
        ctx = load_context(store)
        assert not stops_cache.usable(store, ctx), "the policies changed: the stored verdicts were judged against others"
        changed = figures(store)
        result = stops_cache.refresh(store)
        assert result.reset and result.computed == store.tickets.count()
        assert stops_cache.usable(store, load_context(store))
        assert figures(store) == changed
        # Another set of areas is another organisation for the cache (stops are grouped by area key).
        store.org.add_area({"key": "new-area", "name": "New area", "criticality": "low"})
        assert not stops_cache.usable(store, load_context(store))


def test_a_read_only_session_uses_the_cache_and_never_writes_it(db: Path) -> None:
    with Store(db, clock=lambda: FIXED_NOW, actor="t") as store:
        expected = figures(store)
    with Store(db, read_only=True) as reader:
        assert stops_cache.usable(reader, load_context(reader))
        assert figures(reader) == expected
        with pytest.raises(Exception, match="read-only"):
            stops_cache.refresh(reader)


def test_cache_commands_report_rebuild_and_drop_without_changing_a_figure(db: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*comanage_cmd(), "--db", str(db), "--now", "2026-11-23T08:30:00Z", *args],
                              capture_output=True, text=True, timeout=120)

    snap = run("snapshot", "--format", "json")
    assert snap.returncode == 0, snap.stderr
    status = run("cache", "status")
    assert status.returncode == 0 and "state:    current" in status.stdout and "missing:  0 (0 created" in status.stdout
    dropped = run("cache", "drop")
    assert dropped.returncode == 0 and "emptied" in dropped.stdout
    assert "empty: run 'comanage cache rebuild'" in run("cache", "status").stdout
    after_drop = run("snapshot", "--format", "json")
    assert after_drop.stdout == snap.stdout
    rebuilt = run("cache", "rebuild")
    assert rebuilt.returncode == 0 and "1,500 ticket(s) computed" in rebuilt.stdout
    assert run("cache", "rebuild").stdout.startswith("Clock-stops cache: 0 ticket(s) computed")
    refused = subprocess.run([*comanage_cmd(), "--db", str(db), "--read-only", "cache", "drop"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "nothing was done" in refused.stderr


def test_a_rebuild_that_stops_half_way_leaves_the_cache_unused_and_the_figures_right(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db, clock=lambda: FIXED_NOW, actor="t") as store:
        expected = figures(store)
        text = store.sla.dump_toml()
        store.sla.load_toml(text.replace("resolution_minutes = 480", "resolution_minutes = 300"))
        changed = figures(store)
        assert changed != expected
        real = stops_cache.ticket_entry
        calls = {"n": 0}

        def failing(ctx, row, events):
            calls["n"] += 1
            if calls["n"] > 700:
                raise OSError("disk full")
            return real(ctx, row, events)

        monkeypatch.setattr(stops_cache, "ticket_entry", failing)
        with pytest.raises(OSError):
            stops_cache.refresh(store, batch=200)
        assert 0 < cached_tickets(store) < store.tickets.count()  # the first batches were committed ...
        assert not stops_cache.usable(store, load_context(store))  # ... but nobody reads them yet
        assert figures(store) == changed
        monkeypatch.setattr(stops_cache, "ticket_entry", real)
        half = cached_tickets(store)
        result = stops_cache.refresh(store)  # carries on where it stopped
        assert result.computed == store.tickets.count() - half
        assert stops_cache.usable(store, load_context(store)) and cached_tickets(store) == store.tickets.count()
        assert store.scalar("SELECT count(*) FROM clock_cache_dirty") == 0
        assert figures(store) == changed


def test_the_overviews_one_replay_gives_the_week_tiles_of_week_compliance(db: Path) -> None:
    from comanage_tui.data.readmodel import dashboard

    with Store(db, read_only=True) as store:
        for now in MOMENTS:
            ctx = load_context(store)
            one = dashboard.history(store, ctx, now)
            assert one.current == dashboard.week_compliance(store, ctx, now)
            assert one.previous == dashboard.week_compliance(store, ctx, now - 7 * DAY)
            assert one.weeks == dashboard.trend(store, ctx, now)
            assert None not in one.current + one.previous
