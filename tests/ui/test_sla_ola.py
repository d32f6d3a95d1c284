"""The SLA screen's OLA line: the highlighted ticket's open hop (party, time left or over), from the read model."""

from __future__ import annotations

from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.ola import current_hops, hop_left_text, load_olas
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until
from tests.ui.test_sla_screen import open_sla


async def test_the_ola_line_follows_the_cursor(make_app, ui_store) -> None:
    ctx = load_context(ui_store)
    hops = current_hops(ctx, load_olas(ui_store), rclocks.open_ticket_clocks(ui_store, ctx, FIXED_NOW), FIXED_NOW)
    assert any(h.state is not None and h.state.value == "breached" for h in hops.values()), "the demo should have a late hop"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_sla(app, pilot)
        await wait_until(pilot, lambda: screen.hops, what="OLA hops")
        assert screen.hops == hops
        seen = set()
        for _ in range(6):
            tid = int(str(table.cursor_key).split(":")[0])
            hop = hops[tid]
            line = str(screen.query_one("#sla-ola").render())
            assert line.startswith(f"OLA {hop.party}: {hop_left_text(hop)} of "), line
            assert len(line) <= 80
            assert line in screen_text(app)
            seen.add(line)
            await pilot.press("down")
            await wait_until(pilot, lambda: str(screen.query_one("#sla-ola").render()) != line or table.cursor == table.total - 1)
        assert len(seen) > 1
        assert isinstance(table, PagedTable)
