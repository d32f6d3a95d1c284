"""Overview: KPI tiles match the read model, the attention list opens what it names, the trend."""

from __future__ import annotations

import pytest

from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context, figures, history
from comanage_tui.data.readmodel import org as rorg
from comanage_tui.data.readmodel.dashboard import CAPS, Attention, pick
from comanage_tui.data.store import Store
from comanage_tui.screens.handoffs import HandoffsScreen
from comanage_tui.screens.knowledge import KnowledgeScreen
from comanage_tui.screens.overview import OverviewScreen
from comanage_tui.screens.split import SplitScreen
from comanage_tui.screens.ticket_detail import TicketDetailScreen
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until

WEEK = 7 * 86_400


async def loaded_overview(app, pilot) -> OverviewScreen:
    screen = app.screen
    assert isinstance(screen, OverviewScreen)
    table = screen.query_one("#attention", PagedTable)
    await wait_until(pilot, lambda: screen.figures is not None and screen.trend is not None and screen.previous is not None
                     and screen.current is not None and table.settled, timeout=15, what="overview loaded")
    return screen


def tile(screen: OverviewScreen, name: str) -> str:
    return str(screen.query_one(f"#tile-{name}").render())


async def test_tiles_match_the_read_model(make_app, ui_store) -> None:
    ctx = context.load_context(ui_store)
    clocks = rclocks.open_ticket_clocks(ui_store, ctx, FIXED_NOW)
    handoffs = rorg.handoff_statuses(ui_store, ctx, FIXED_NOW)
    today = context.local_today(ctx, FIXED_NOW)
    kt = ui_store.kt.list()
    week = history.compliance_in_window(ui_store, ctx, FIXED_NOW - WEEK, FIXED_NOW, clocks)
    before = history.compliance_in_window(ui_store, ctx, FIXED_NOW - 2 * WEEK, FIXED_NOW - WEEK)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded_overview(app, pilot)
        res_now, res_before = week.overall["resolution"].percent, before.overall["resolution"].percent
        arrow = "↑" if res_now > res_before + 0.5 else "↓" if res_now < res_before - 0.5 else "→"
        assert f"{arrow} {res_now:.0f}% (prev {res_before:.0f}%)" in tile(screen, "res")
        assert f"{week.overall['response'].percent:.0f}%" in tile(screen, "resp")
        breached = sum(c.state == "breached" for r in clocks for c in r.open_clocks)
        assert (f"✖ {breached}" if breached else "✔ 0") in tile(screen, "breached")
        oldest = max(h.age_seconds for h in handoffs)
        assert f"{len(handoffs)} · {int(oldest // 3600)}h" in tile(screen, "handoffs") and "oldest" in tile(screen, "handoffs")
        internal = sum(h.waiting_on == "internal" for h in handoffs)
        assert f"us {internal} · them {len(handoffs) - internal}" in tile(screen, "waiting")
        overdue = sum(i.is_overdue(today) for i in kt)
        stale = sum(i.kind == "runbook" and i.is_stale(today) for i in kt)
        assert f"✖ {overdue} · ⚠ {stale}" in tile(screen, "kt")
        assert "✖ 1 · 1" in tile(screen, "raci")  # the demo has one gap (printing) and one overlap (vulns)
        # Due today and at risk are two figures with two glyphs (the tile once showed "▲" for due today).
        eob = context.end_of_business_today(ctx, FIXED_NOW)
        due = sum(figures.is_due_today(c, eob) for r in clocks for c in r.open_clocks)
        at_risk = sum(c.state == "at_risk" for r in clocks for c in r.open_clocks)
        assert f"◷ {due} · ▲ {at_risk}" in tile(screen, "risk")
        assert "Due 18:00 · risk" in screen_text(app)  # Berlin office closes at 18:00


async def test_trend_shows_the_weekly_numbers(make_app, ui_store) -> None:
    ctx = context.load_context(ui_store)
    trend = history.weekly_trend(ui_store, ctx, FIXED_NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded_overview(app, pilot)
        shown = str(screen.query_one("#trend").render())
        numbers = [f"{pct:.0f}" for _s, pct, _n in trend if pct is not None]
        assert len(numbers) == 12
        assert " ".join(numbers) == " ".join(part[1:] for part in shown.split("\n")[1].split())


async def test_attention_list_is_ranked_and_complete(make_app, ui_store) -> None:
    from comanage_tui.data.readmodel.dashboard import now_figures

    candidates = now_figures(ui_store, context.load_context(ui_store), FIXED_NOW).candidates
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded_overview(app, pilot)
        kinds = [a.kind for a in screen.items]
        assert len(kinds) == 10
        assert kinds == sorted(kinds, key=["breached", "handoff", "due_today", "kt", "raci"].index)
        assert {"breached", "handoff", "due_today", "kt", "raci"} <= set(kinds)  # the demo's first morning has each
        rows = screen.query_one("#attention", PagedTable).loaded_rows()
        assert [r.key for r in rows] == [a.key for a in screen.items]
        assert candidates > 10 and f"Attention today: 10 of {candidates} · m shows all" in screen_text(app)


@pytest.mark.parametrize(("kind", "mode", "screen_class"), [
    ("handoff", "handoffs", HandoffsScreen), ("kt", "knowledge", KnowledgeScreen), ("raci", "split", SplitScreen),
])
async def test_enter_switches_to_the_screen_with_the_row_selected(make_app, monkeypatch, kind, mode, screen_class) -> None:
    selected: list[int] = []
    # Recorded rather than checked on the other screen: each screen tests its own select_id.
    monkeypatch.setattr(screen_class, "select_id", lambda self, item_id: selected.append(item_id), raising=False)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded_overview(app, pilot)
        table = screen.query_one("#attention", PagedTable)
        index = next(i for i, a in enumerate(screen.items) if a.kind == kind)
        table.move_cursor(index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_mode == mode, what=mode)
        assert selected == [screen.items[index].target[1]]


async def test_enter_on_a_clock_opens_the_ticket(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded_overview(app, pilot)
        index = next(i for i, a in enumerate(screen.items) if a.target[0] == "ticket")
        screen.query_one("#attention", PagedTable).move_cursor(index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None,
                         what="ticket detail")
        assert app.screen.ticket.id == screen.items[index].target[1]
        assert "SLA timeline" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_acknowledged_handoff_leaves_the_list_live(make_app, ui_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded_overview(app, pilot)
        late = next(a for a in screen.items if a.kind == "handoff")
        other = Store(ui_db, actor="colleague", clock=lambda: FIXED_NOW, create=False)
        try:
            other.handoffs.acknowledge(late.target[1], at=FIXED_NOW)
        finally:
            other.close()
        table = screen.query_one("#attention", PagedTable)
        await wait_until(pilot, lambda: late.key not in [r.key for r in table.loaded_rows()], timeout=5, what="live refresh")
        assert late.key not in [a.key for a in screen.items]


def _item(kind: str, n: int) -> Attention:
    return Attention(f"{kind}:{n}", kind, "✖", kind, "bad", f"{kind} {n}", "", ("ticket", n), (n,))


def test_pick_keeps_room_for_every_kind() -> None:
    items = [_item("breached", i) for i in range(30)] + [_item("handoff", 1), _item("kt", 1)]
    chosen = pick(items)
    assert len(chosen) == 10
    assert [a.kind for a in chosen].count("breached") == 8  # its cap, then the free slots
    assert {"handoff", "kt"} <= {a.kind for a in chosen}
    assert [a.key for a in chosen if a.kind == "breached"] == [f"breached:{i}" for i in range(8)]
    assert CAPS["breached"] < 8
