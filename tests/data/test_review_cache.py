"""What the stops cache keeps for the review and OLA compliance says what the engine says, at any moment.

`clock_cache` keeps, per clock, when it ran out and from when it is over its target
(`sla.engine.exceeding`); the review counts a breach from those instead of walking the
ticket. These tests hold them against `compute_clocks` at the moments where the two could
part: just before, at and after each instant, including a target reached at a close of
business (ran out, but not breached until the clock runs again).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.data.demo import DemoOptions, write_demo_file
from comanage_tui.data.readmodel import stops_cache
from comanage_tui.data.readmodel.clocks import TICKET_COLS, read_event_logs, resolve
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.ola import ola_compliances
from comanage_tui.data.readmodel.review.build import ticket_figures_of
from comanage_tui.data.sla.engine import compute_clocks
from comanage_tui.data.sla.ola import ola_hops
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW, copy_database

DAY = 86_400


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("review-cache") / "demo.db"
    write_demo_file(path, DemoOptions(seed=23, tickets=900, now=FIXED_NOW, weeks=10))
    return path


@pytest.fixture
def db(demo: Path, tmp_path: Path) -> Path:
    return copy_database(demo, tmp_path / "demo.db")


def test_ran_out_and_exceeded_agree_with_the_engine_just_before_at_and_after(demo: Path) -> None:
    with Store(demo, read_only=True) as store:
        ctx = load_context(store)
        assert stops_cache.usable(store, ctx)
        rows = store.rows(f"SELECT {TICKET_COLS}, c.response_ran_out, c.response_exceeded, c.response_breach_holder, "
                          "c.resolution_ran_out, c.resolution_exceeded, c.resolution_breach_holder FROM tickets t "
                          "JOIN clock_cache c ON c.ticket_id = t.id WHERE c.replay = 0 AND c.opened IS NOT NULL")
        events = read_event_logs(store, [r[0] for r in rows][:500]) | read_event_logs(store, [r[0] for r in rows][500:])
        checked = late = never = 0
        for row in rows:
            ticket, cached = row[:8], row[8:]
            policy, cal = resolve(ctx, *ticket[3:6], ticket[7])[2]
            log = events[ticket[0]]
            for name, (ran_out, exceeded, holder) in zip(("response", "resolution"), (cached[:3], cached[3:])):
                if exceeded is None:
                    # Never over its target, even long after its last event.
                    clock = getattr(compute_clocks(log, policy, cal, max(e[0] for e in log) + 400 * DAY), name)
                    assert clock.elapsed_seconds <= clock.target_seconds
                    never += 1
                    continue
                late += exceeded > ran_out
                for moment in (ran_out - 1, ran_out, ran_out + 1, exceeded - 1, exceeded, exceeded + 1, exceeded + DAY):
                    clock = getattr(compute_clocks(log, policy, cal, moment), name)
                    over = clock.elapsed_seconds > clock.target_seconds
                    assert over == (moment > exceeded), (ticket[1], name, moment)
                    if over:
                        assert (clock.breached_at, clock.breach_holder) == (ran_out, holder), (ticket[1], name)
                    checked += 1
        assert checked > 1_000 and never > 100
        assert late >= 5, "targets reached at a close of business, the case where the two instants differ"


def test_the_review_and_ola_figures_at_those_instants_are_the_walked_ones(db: Path) -> None:
    with Store(db, clock=lambda: FIXED_NOW, actor="t") as store:
        # Windows that end exactly when clocks ran out, or exactly when they went over.
        instants = store.rows("SELECT resolution_ran_out, resolution_exceeded FROM clock_cache "
                              "WHERE resolution_exceeded > resolution_ran_out ORDER BY ticket_id LIMIT 6")
        assert instants
        ends = sorted({int(t) + d for pair in instants for t in pair for d in (0, 1)})
        windows = [(end - 7 * DAY, end) for end in ends]

        def figures() -> tuple:
            ctx = load_context(store)
            tickets = ticket_figures_of(store, ctx, windows)
            for f in tickets:
                f.resolve_seconds = {p: sorted(v) for p, v in f.resolve_seconds.items() if v}
            return tickets, ola_compliances(store, ctx, windows)

        cached = figures()
        stops_cache.drop(store)
        assert figures() == cached
        assert sum(f.breaches["all"] for f in cached[0]) > 0


def test_an_open_hop_is_breached_from_the_instant_the_cache_says(demo: Path) -> None:
    with Store(demo, read_only=True) as store:
        ctx = load_context(store)
        hops = store.rows(f"SELECT {TICKET_COLS}, h.n, h.started_at, h.ended_at, h.exceeded FROM tickets t "
                          "JOIN clock_cache_hops h ON h.ticket_id = t.id WHERE h.exceeded IS NOT NULL "
                          "ORDER BY t.id, h.n LIMIT 300")
        assert len(hops) > 50
        events = read_event_logs(store, sorted({r[0] for r in hops}))
        for row in hops:
            ticket, (n, started, ended, exceeded) = row[:8], row[8:]
            policy = resolve(ctx, *ticket[3:6], ticket[7])[2][0]
            for moment in (exceeded - 1, exceeded, exceeded + 1):
                if not started < moment < (ended if ended is not None else float("inf")):
                    continue  # the hop is not open then
                hop = ola_hops(events[ticket[0]], policy, ctx.olas, ctx.calendars, moment)[n - 1]
                assert hop.is_open and (hop.elapsed_seconds > hop.target_seconds) == (moment > exceeded), (ticket[1], n)
