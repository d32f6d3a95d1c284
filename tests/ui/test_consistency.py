"""One set of numbers: on the demo at a fixed moment, every surface says the same about the same clocks.

Compared figure by figure, with zero differences allowed: the Overview (its tiles and
attention list, read from the running app), the SLA screen (header and rows, from the
running app), `check --json` and `snapshot --format json` (the installed command with
--as-of) and `explain --json` (every open clock in-process through the function the
command calls, a few through the command itself). Counts: breached, at risk, due today;
per clock: state, business minutes elapsed, business minutes left (negative when over).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from comanage_tui.data.readmodel import dashboard
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.figures import left_text
from comanage_tui.data.readmodel.held import held_in_window
from comanage_tui.data.readmodel.ticket_view import explain_ticket_data
from comanage_tui.data.store import Store
from comanage_tui.screens.overview import OverviewScreen
from comanage_tui.screens.sla import SlaScreen
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.consistency import cli_json, differences, epoch, explain_clocks, read_model_clocks, snapshot_clocks
from tests.ui.conftest import wait_until

# Six hours after the demo was built (Monday 15:30 in Berlin): clocks have run on, so some are
# breached, some at risk and some due before the office closes at 18:00.
NOW = FIXED_NOW + 6 * 3600
AS_OF = "2026-11-23T14:30:00Z"
MINUTE = 60


async def test_every_surface_gives_the_same_figures_for_the_same_clocks(demo_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    shutil.copyfile(demo_template, db)
    # The read model, as the Overview's worker calls it.
    with Store(db, actor="tester", clock=lambda: FIXED_NOW, create=False) as store:
        ctx = load_context(store)
        figures = dashboard.now_figures(store, ctx, NOW)
        model = read_model_clocks(figures.clocks)
        explained: dict = {}
        for ref in sorted({ref for ref, _name in model}):
            explained.update(explain_clocks(explain_ticket_data(store, ref, NOW)))
        held = [dataclasses.asdict(r) for r in held_in_window(store, ctx, NOW - 30 * 86_400, NOW).rows]
    n = figures.kpis.clocks
    assert n.breached and n.at_risk and n.due_today, "the demo should exercise every figure"
    counts = {"breached": n.breached, "at_risk": n.at_risk, "due_today": n.due_today}

    # The installed commands, at the same moment.
    check = cli_json(db, "check", "--json", "--as-of", AS_OF, ok=(0, 1, 2))
    snap = cli_json(db, "snapshot", "--format", "json", "--out", "-", "--as-of", AS_OF)
    some = sorted(ref for ref, _name in model)[:4]
    cli_explained: dict = {}
    for ref in some:
        cli_explained.update(explain_clocks(cli_json(db, "explain", ref, "--json", "--as-of", AS_OF)))

    # The running app: the Overview's tiles and attention list, then the SLA screen.
    from comanage_tui.app import ComanageApp

    with Store(db, actor="tester", clock=lambda: FIXED_NOW, create=False) as store:
        app = ComanageApp(store, now=NOW)
        async with app.run_test(size=(100, 30)) as pilot:
            overview = app.screen
            assert isinstance(overview, OverviewScreen)
            await wait_until(pilot, lambda: overview.figures is not None, timeout=15, what="overview")
            tile_breached = str(overview.query_one("#tile-breached").render())
            tile_due = str(overview.query_one("#tile-risk").render())
            attention = {a.key: a.when for a in overview.items if a.key.startswith("clock:")}
            await pilot.press("4")
            sla = app.screen
            assert isinstance(sla, SlaScreen)
            table = sla.query_one("#clocks", PagedTable)
            await wait_until(pilot, lambda: sla.items and table.settled, timeout=15, what="SLA screen")
            header = str(sla.query_one("#sla-status").render())
            rows = {r.key: r.cells for r in table.loaded_rows()}
    sla_clocks = {(i.ticket.ref, i.clock.name): (i.clock.state.value, int(i.clock.elapsed_seconds // MINUTE), i.left)
                  for i in sla.items}
    ids = {r.ticket_id: r.ref for r in figures.clocks}

    # Counts: the read model, the Overview's tiles, the SLA header, check, the snapshot.
    assert f"✖ {n.breached}" in tile_breached and f"◷ {n.due_today} · ▲ {n.at_risk}" in tile_due
    assert f"✖ {n.breached} breached · ▲ {n.at_risk} at risk · ◷ {n.due_today} due today" in header
    assert {k: check[k] for k in counts} == counts
    assert check["open_tickets"] == snap["kpis"]["open_tickets"] == len(figures.clocks)
    assert (snap["kpis"]["breached_clocks"], snap["kpis"]["at_risk_clocks"], snap["kpis"]["due_today_clocks"]) == \
        (n.breached, n.at_risk, n.due_today)
    assert sum(s == "breached" for s, _e, _l in sla_clocks.values()) == n.breached
    # Time held per party and priority over the 30-day window: the read model, check and the snapshot.
    assert held and check["held_by_priority"] == snap["held_time"]["rows"] == held
    assert check["held_window_days"] == snap["held_time"]["window_days"] == 30

    # Every clock: the read model, the SLA screen, the snapshot, explain (in-process and the command).
    surfaces = {"read model": model, "SLA screen": sla_clocks, "snapshot": snapshot_clocks(snap),
                "explain": explained, "explain command": cli_explained}
    assert differences(surfaces) == []
    assert set(sla_clocks) == set(model) == set(explained)
    assert set(snapshot_clocks(snap)) == {k for k, (state, _e, _l) in model.items() if state in ("breached", "at_risk")}
    assert len(cli_explained) >= len(some)
    # What the screens print for a clock is the same words from the same minutes.
    by_key = {(i.ticket.ref, i.clock.name): i for i in sla.items}
    for item in by_key.values():
        assert rows[item.key][0] == left_text(item.clock)
    for key, when in attention.items():
        _kind, tid, name = key.split(":")
        assert when == left_text(by_key[(ids[int(tid)], name)].clock)
    # The worst breaches check lists are the snapshot's first breached rows (longest overdue first).
    breached_rows = [c for c in snap["clocks"] if c["state"] == "breached"]
    assert [(w["ref"], w["clock"], w["breached_at"]) for w in check["worst"]] == \
        [(c["ticket_ref"], c["clock"], epoch(c["breached_at"])) for c in breached_rows[:5]]


async def test_time_held_per_party_agrees_on_the_ticket_screen_explain_and_the_sla_screen(
        demo_template: Path, tmp_path: Path) -> None:
    """For every open clock: business seconds per party from the SLA screen's rows, `explain --json`
    (in-process for all, the command for a few) and the ticket screen (a few tickets); the Us / Ptnr
    cells are the sums over internal and partner parties, and the parties add up to elapsed."""
    from comanage_tui.data.readmodel.figures import short_duration
    from comanage_tui.screens.ticket_detail import TicketDetailScreen

    db = tmp_path / "demo.db"
    shutil.copyfile(demo_template, db)
    with Store(db, actor="tester", clock=lambda: FIXED_NOW, create=False) as store:
        ctx = load_context(store)
        kinds = {p.key: p.kind.value for p in ctx.parties.values()}
        refs = sorted({r.ref for r in dashboard.now_figures(store, ctx, NOW).clocks})
        explained = {ref: explain_ticket_data(store, ref, NOW) for ref in refs}
    explain_held = {(ref, name): d[name]["held_seconds"] for ref, d in explained.items()
                    for name in ("response", "resolution") if d[name]["left_minutes"] is not None}
    shared = [ref for ref in refs if len(explained[ref]["resolution"]["held_seconds"]) > 1][:3]
    assert shared, "the demo should have tickets held by two parties"
    cli_held = {}
    for ref in shared:
        d = cli_json(db, "explain", ref, "--json", "--as-of", AS_OF)
        cli_held.update({(ref, name): d[name]["held_seconds"] for name in ("response", "resolution")
                         if d[name]["left_minutes"] is not None})

    from comanage_tui.app import ComanageApp

    detail_held = {}
    with Store(db, actor="tester", clock=lambda: FIXED_NOW, create=False) as store:
        ids = {ref: store.tickets.by_ref(ref).id for ref in shared}
        app = ComanageApp(store, now=NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("4")
            sla = app.screen
            table = sla.query_one("#clocks", PagedTable)
            await wait_until(pilot, lambda: sla.items and table.settled, timeout=15, what="SLA screen")
            rows = {r.key: r.cells for r in table.loaded_rows()}
            for ref in shared:
                app.push_screen(TicketDetailScreen(ids[ref]))
                await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.held is not None,
                                 timeout=15, what=f"ticket {ref}")
                detail = app.screen
                for clock in detail.held.response, detail.held.resolution:
                    if (ref, clock.clock) in explain_held:
                        detail_held[(ref, clock.clock)] = {k: round(v) for k, v in clock.held.items()}
                await pilot.press("escape")
                await wait_until(pilot, lambda: app.screen is sla, what="back")
    screen_held = {(i.ticket.ref, i.clock.name): {k: round(v) for k, v in i.held.held.items()} for i in sla.items}

    assert differences({"SLA screen": screen_held, "explain": explain_held, "explain command": cli_held,
                        "ticket screen": detail_held}) == []
    assert set(screen_held) == set(explain_held) and len(detail_held) >= len(shared)
    for item in sla.items:
        assert sum(item.held.held.values()) == item.clock.elapsed_seconds
        parties = explain_held[(item.ticket.ref, item.clock.name)]
        us = sum(v for k, v in parties.items() if kinds.get(k) == "internal")
        them = sum(v for k, v in parties.items() if kinds.get(k) == "partner")
        assert rows[item.key][7:9] == tuple(short_duration(x) if x else "–" for x in (us, them))
