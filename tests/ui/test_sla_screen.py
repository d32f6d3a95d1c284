"""SLA screen: open clocks soonest first, filters by party/area/priority/state, Enter explains a clock."""

from __future__ import annotations

from textual.widgets import Input

from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context, figures
from comanage_tui.screens.sla import SlaFilter, SlaScreen, parse_sla_filter
from comanage_tui.screens.ticket_detail import TicketDetailScreen
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until


async def open_sla(app, pilot) -> tuple[SlaScreen, PagedTable]:
    await pilot.press("4")
    screen = app.screen
    assert isinstance(screen, SlaScreen)
    table = screen.query_one("#clocks", PagedTable)
    await wait_until(pilot, lambda: screen.items and table.settled, what="clocks loaded")
    return screen, table


def expected_clocks(store) -> list:
    ctx = context.load_context(store)
    return [(r, c) for r in rclocks.open_ticket_clocks(store, ctx, FIXED_NOW) for c in r.open_clocks]


def test_filter_parsing() -> None:
    assert parse_sla_filter("vpn party:MSP p:p2 state:at_risk area:network") == SlaFilter(
        "vpn", "msp", "network", "P2", "at_risk")


async def test_every_open_clock_soonest_first(make_app, ui_store) -> None:
    expected = expected_clocks(ui_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_sla(app, pilot)
        assert table.total == len(expected) == len(screen.items)
        rows = table.loaded_rows()
        assert [r.key for r in rows] == [i.key for i in sorted(screen.items, key=lambda i: (i.due_in, i.ticket.ticket_id))]
        # Sorted by business time left (the figure the first column shows), most over first.
        lefts = [i.left for i in sorted(screen.items, key=lambda i: (i.due_in, i.ticket.ticket_id))]
        assert lefts == sorted(lefts)
        by_key = {i.key: i for i in screen.items}
        assert all(r.cells[0] == figures.left_text(by_key[r.key].clock) for r in rows)
        shown = screen_text(app)
        assert "▲ at risk" in shown and "● running" in shown
        at_risk = sum(c.state == "at_risk" for _r, c in expected)
        assert f"▲ {at_risk} at risk" in shown


async def test_cycle_keys_filter_by_state_party_priority_area(make_app, ui_store) -> None:
    expected = expected_clocks(ui_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_sla(app, pilot)
        line = screen.query_one("#sla-filter", Input)
        await pilot.press("f", "f")  # all -> breached -> at risk
        await wait_until(pilot, lambda: table.settled and table.query.state == "at_risk", what="at risk")
        assert line.value == "state:at_risk"
        assert table.total == sum(c.state == "at_risk" for _r, c in expected)
        assert all(r.cells[1] == "▲ at risk" for r in table.loaded_rows())
        await pilot.press("escape")
        await pilot.press("p")  # first party: internal
        await wait_until(pilot, lambda: table.settled and table.query == SlaFilter(party="internal"), what="party")
        assert table.total == sum(r.holder == "internal" for r, _c in expected)
        await pilot.press("exclamation_mark", "exclamation_mark", "exclamation_mark")  # P1 -> P2 -> P3
        await wait_until(pilot, lambda: table.settled and table.query.priority == "P3", what="priority")
        assert table.total == sum(r.holder == "internal" and r.priority == "P3" for r, _c in expected)
        await pilot.press("escape", "a")
        first_area = screen.areas[0]
        await wait_until(pilot, lambda: table.settled and table.query == SlaFilter(area=first_area), what="area")
        assert table.total == sum(r.area == first_area for r, _c in expected)


async def test_typed_filter_words_and_tokens(make_app, ui_store) -> None:
    expected = expected_clocks(ui_store)
    word = expected[0][0].title.split()[0].lower()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, table = await open_sla(app, pilot)
        await pilot.press("slash", *f"{word} state:running")
        await wait_until(pilot, lambda: table.settled and table.query == SlaFilter(word, state="running"), what="typed")
        assert table.total == sum(word in r.title.lower() and c.state == "running" for r, c in expected)


async def test_sort_by_state_then_reverse(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_sla(app, pilot)
        await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: table.settled and table.sort.column == "state", what="state sort")
        states = [r.cells[1] for r in table.loaded_rows()]
        order = ["✖ breached", "▲ at risk", "● running", "‖ paused"]
        assert states == sorted(states, key=order.index)


async def test_enter_opens_the_clock_with_its_explanation(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, table = await open_sla(app, pilot)
        ticket_id = int(str(table.cursor_key).split(":")[0])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None,
                         what="detail")
        assert app.screen.ticket.id == ticket_id
        timeline = str(app.screen.query_one("#detail-timeline").render())
        assert "SLA timeline" in timeline and "● running" in timeline
        assert "Policy" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SlaScreen) and table.cursor_key is not None


async def test_help_defines_the_figures_the_screen_shows(make_app) -> None:
    from comanage_tui.data.readmodel.figures import GLOSSARY
    from comanage_tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sla(app, pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = app.screen.text()
        assert "Figures on this screen" in text
        for name in ("breached", "at_risk", "due_today", "left", "held", "attribution", "uncovered"):
            assert GLOSSARY[name] in text


def held_figures(store) -> dict[str, tuple[str, str]]:
    """(Us, Ptnr) cells of every open clock, from the read model's held time (readmodel.held)."""
    from comanage_tui.data.readmodel.held import by_side, held_for_rows

    ctx = context.load_context(store)
    rows = rclocks.open_ticket_clocks(store, ctx, FIXED_NOW)
    held = held_for_rows(store, ctx, rows, FIXED_NOW)
    kinds = {p.key: p.kind.value for p in ctx.parties.values()}
    out = {}
    for r in rows:
        for c in r.open_clocks:
            us, them = by_side(held[r.ticket_id].of(c.name), kinds)
            out[f"{r.ticket_id}:{c.name}"] = tuple(figures.short_duration(x) if x else "–" for x in (us, them))
    return out


async def test_w_shows_holder_and_area_then_the_time_held_at_80_columns(make_app, ui_store) -> None:
    expected = held_figures(ui_store)
    assert any(us != "–" and them != "–" for us, them in expected.values()), "the demo should have shared clocks"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, table = await open_sla(app, pilot)
        shown = lambda: [c.key for _i, c in table.shown]  # noqa: E731
        assert "holder" not in shown() and "us" not in shown()
        await pilot.press("w")
        await pilot.pause()
        assert "holder" in shown() and "area" in shown() and "us" not in shown()
        await pilot.press("w")
        await pilot.pause()
        assert "us" in shown() and "them" in shown() and "holder" not in shown()
        lines = screen_text(app).splitlines()
        assert any(" Us " in line and "Ptnr" in line for line in lines)
        assert all(len(line.rstrip()) <= 80 for line in lines)
        for row in table.loaded_rows():
            assert row.cells[7:9] == expected[row.key], row.key
        first = table.loaded_rows()[0]
        us, them = expected[first.key]
        assert f"{first.cells[3]} {first.cells[4]} {us:>5} {them:>5} " in screen_text(app)
        await pilot.press("w")
        await pilot.pause()
        assert "holder" not in shown() and "us" not in shown()


async def test_from_120_columns_every_optional_column_shows(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        _screen, table = await open_sla(app, pilot)
        assert [c.key for _i, c in table.shown][5:9] == ["holder", "area", "us", "them"]
        assert " Holder   Area          Us  Ptnr Title" in screen_text(app)
        await pilot.press("w")
        await pilot.pause()
        assert "us" not in [c.key for _i, c in table.shown]


async def test_the_ticket_screen_shows_each_partys_time_and_whose_verdict(make_app, ui_store) -> None:
    from comanage_tui.data.readmodel.ticket_view import explain_ticket_data
    from comanage_tui.data.sla.explain import exact_duration

    expected = held_figures(ui_store)
    key = next(k for k, (us, them) in expected.items() if us != "–" and them != "–")
    ticket_id = int(key.split(":")[0])
    ref = ui_store.tickets.get(ticket_id).ref
    data = explain_ticket_data(ui_store, ref, FIXED_NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sla(app, pilot)
        app.push_screen(TicketDetailScreen(ticket_id))
        await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.held is not None,
                         what="detail")
        shown = str(app.screen.query_one("#detail-clocks").render())
        for name in ("response", "resolution"):
            parties = data[name]["held_seconds"]
            assert {k: round(v) for k, v in app.screen.held.of(name).held.items()} == parties
            line = " · ".join(f"{k} {exact_duration(v)}" for k, v in parties.items()) or "nothing counted yet"
            assert f"held: {line}" in shown, (name, shown)
            if data[name]["state"] in ("met", "missed"):
                assert f"counts for {data[name]['verdict_holder']}" in shown


async def test_open_tickets_no_policy_covers_are_counted_on_the_sla_screen_and_the_overview(make_app, ui_store) -> None:
    from comanage_tui.data.readmodel.coverage import uncovered_tickets
    from comanage_tui.screens.overview import OverviewScreen

    # "Business hours" no longer takes P4 tickets: outside the SOC's area they lose their clocks.
    ui_store.sla.replace_policies([p.model_copy(update={"match_priorities": ["P1", "P2", "P3"]}) if p.name == "Business hours"
                                   else p for p in ui_store.sla.policies()])
    expected = uncovered_tickets(ui_store, context.load_context(ui_store), FIXED_NOW).uncovered_open
    assert expected > 0
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        await wait_until(pilot, lambda: overview.figures is not None, timeout=15, what="overview")
        await pilot.pause()
        assert f"⚠ {expected} no policy" in str(overview.query_one("#attention-title").render())
        screen, _table = await open_sla(app, pilot)
        await pilot.pause()
        assert screen.uncovered == expected
        status = str(screen.query_one("#sla-status").render())
        assert f"· ⚠ {expected} no policy" in status and len(status) <= 78
