"""Tickets screen and ticket detail: filter, sort, open, new, edit, conflicts, quick actions.

Every action asserts on the database and on what the screen shows afterwards.
"""

from __future__ import annotations

from textual.widgets import Input, Select

from comanage_tui.data.repos.tickets import TicketQuery
from comanage_tui.data.store import Store
from comanage_tui.screens.filter_line import set_token
from comanage_tui.screens.ticket_detail import TicketDetailScreen
from comanage_tui.screens.tickets import parse_filter
from comanage_tui.widgets.dialogs import ConfirmScreen, PromptScreen
from comanage_tui.widgets.form import FormScreen
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until


async def open_tickets(app, pilot) -> PagedTable:
    await pilot.press("6")
    table = app.screen.query_one("#tickets", PagedTable)
    await wait_until(pilot, lambda: table.settled and app.screen.lookups is not None, what="tickets loaded")
    return table


async def settle(pilot, table: PagedTable, before: int) -> None:
    await wait_until(pilot, lambda: table.loads_applied > before and table.settled, what="table reload")


def test_filter_line_parsing() -> None:
    q = parse_filter("vpn is:open party:MSP p:p1 area:Network status:new depot")
    assert q == TicketQuery(text="vpn depot", open=True, party="msp", priority="P1", area="network", status="new")
    assert parse_filter("is:maybe x:").text == "is:maybe x:"
    assert set_token("vpn party:msp", "party", "secops") == "vpn party:secops"
    assert set_token("vpn party:msp", "party", None) == "vpn"


async def test_text_filter_narrows_in_sql(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        assert table.total == 400
        before = table.loads_applied
        await pilot.press("slash", *"vpn")
        await wait_until(pilot, lambda: table.settled and table.query.text == "vpn", what="filtered")
        assert table.total == ui_store.tickets.count(TicketQuery(text="vpn")) > 0
        assert table.loads_applied > before
        assert all("vpn" in (r.cells[0] + r.cells[-1]).lower() for r in table.loaded_rows())
        assert "filtered" in screen_text(app)
        await pilot.press("enter")  # back to the table, filter kept
        assert table.has_focus and table.query.text == "vpn"
        await pilot.press("escape")
        await wait_until(pilot, lambda: table.settled and table.total == 400, what="filter cleared")


async def test_cycle_keys_write_tokens(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        line = app.screen.query_one("#ticket-filter", Input)
        await pilot.press("f")
        await wait_until(pilot, lambda: table.settled and table.query.open is True, what="open only")
        assert line.value == "is:open" and table.total == ui_store.tickets.count(TicketQuery(open=True))
        await pilot.press("f")
        await wait_until(pilot, lambda: table.settled and table.query.open is False, what="closed only")
        assert table.total == ui_store.tickets.count(TicketQuery(open=False))
        await pilot.press("p", "exclamation_mark", "a")
        first_area = app.screen.lookups.areas[0].key
        expected = TicketQuery(open=False, party="internal", priority="P1", area=first_area)
        await wait_until(pilot, lambda: table.settled and table.query == expected, what="all tokens")
        assert line.value == f"is:closed party:internal p:P1 area:{first_area}"
        assert table.total == ui_store.tickets.count(expected)
        await pilot.press("f")  # closed -> all: the token goes away
        assert "is:" not in line.value


async def test_sort_keys_and_header_click(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        first = [r.key for r in table.loaded_rows()[:20]]
        assert first == [t.id for t in ui_store.tickets.list(TicketQuery(sort="opened", descending=True, limit=20))]
        await pilot.press("greater_than_sign")  # opened -> title, direction kept
        await wait_until(pilot, lambda: table.settled and table.sort.column == "title", what="title sort")
        expected = ui_store.tickets.list(TicketQuery(sort="title", descending=True, limit=20))
        assert [r.key for r in table.loaded_rows()[:20]] == [t.id for t in expected]
        await pilot.press("less_than_sign")
        await wait_until(pilot, lambda: table.settled and not table.sort.descending, what="ascending")
        expected = ui_store.tickets.list(TicketQuery(sort="title", descending=False, limit=20))
        assert [r.key for r in table.loaded_rows()[:20]] == [t.id for t in expected]
        assert "Title▲" in screen_text(app)
        await pilot.click("#tickets", offset=(2, 0))  # the Ref header
        await wait_until(pilot, lambda: table.settled and table.sort.column == "ref", what="ref sort")
        assert table.loaded_rows()[0].cells[0] == min(t.ref for t in ui_store.tickets.list(TicketQuery(limit=1000)))


async def test_scrolling_far_fetches_pages(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        await pilot.press("end")
        await wait_until(pilot, lambda: table.cursor_row is not None, what="last page")
        assert table.cursor == 399
        oldest = ui_store.tickets.list(TicketQuery(sort="opened", descending=False, limit=1))[0]
        assert table.cursor_key == oldest.id
        await pilot.press("home", "pagedown")
        assert table.cursor == table.size.height - 1  # one screenful of rows below the header


async def test_enter_opens_detail_with_explained_clocks(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        await pilot.press("down")
        key = table.cursor_key
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None,
                         what="detail")
        ticket = ui_store.tickets.get(int(key))
        shown = screen_text(app)
        assert ticket.ref in shown and "Response" in shown and "Resolution" in shown
        assert "SLA timeline" in shown
        body = app.screen.query_one("#detail-timeline").render()
        assert "running" in str(body)
        events = str(app.screen.query_one("#detail-events").render())
        assert "opened" in events
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not None and type(app.screen).__name__ == "TicketsScreen"
        assert table.cursor_key == key


async def test_new_ticket_refused_until_valid_then_saved(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        count = ui_store.scalar("SELECT count(*) FROM tickets")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="form")
        form = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        assert form.error_for("ref") == "✖ required" and form.error_for("title") == "✖ required"
        assert ui_store.scalar("SELECT count(*) FROM tickets") == count
        form.query_one("#field-ref", Input).focus()
        await pilot.press(*"NEW-7")
        form.query_one("#field-title", Input).focus()
        await pilot.press(*"Badge printer jams")
        form.query_one("#field-priority", Select).value = "P2"
        form.query_one("#field-hours_spent", Input).value = "lots"
        await pilot.pause()
        assert "number" in form.error_for("hours_spent")  # shown as you type
        form.query_one("#field-hours_spent", Input).value = "1.5"
        before = table.loads_applied
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.scalar("SELECT count(*) FROM tickets") == count + 1, what="saved")
        saved = ui_store.tickets.by_ref("NEW-7")
        assert (saved.title, saved.priority, saved.hours_spent, saved.holder_party_key) == ("Badge printer jams", "P2", 1.5, "internal")
        assert saved.opened_at == FIXED_NOW
        await settle(pilot, table, before)
        assert table.total == 401 and "NEW-7" in screen_text(app)


async def test_duplicate_reference_reopens_form_with_the_reason(make_app, ui_store) -> None:
    app = make_app()
    existing = ui_store.tickets.list(TicketQuery(limit=1))[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tickets(app, pilot)
        count = ui_store.scalar("SELECT count(*) FROM tickets")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="form")
        app.screen.query_one("#field-ref", Input).value = existing.ref
        app.screen.query_one("#field-title", Input).value = "Duplicate"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen.error_for("ref"), what="reopened")
        form = app.screen
        assert form.error_for("ref") == "✖ already exists"
        assert form.query_one("#field-title", Input).value == "Duplicate"
        assert ui_store.scalar("SELECT count(*) FROM tickets") == count
        form.query_one("#field-ref", Input).value = "UNIQUE-1"
        await pilot.pause()
        assert form.error_for("ref") == ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.scalar("SELECT count(*) FROM tickets") == count + 1, what="saved")
        assert ui_store.tickets.by_ref("UNIQUE-1").title == "Duplicate"


async def test_edit_validates_as_you_type_and_saves_changed_fields(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        ticket = ui_store.tickets.get(int(table.cursor_key))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="edit form")
        form = app.screen
        title = form.query_one("#field-title", Input)
        title.focus()
        title.value = ""
        await pilot.pause()
        assert form.error_for("title") == "✖ required"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, FormScreen)
        assert ui_store.tickets.get(ticket.id).version == ticket.version
        title.value = "Renamed by the lead"
        before = table.loads_applied
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).version == ticket.version + 1, what="saved")
        saved = ui_store.tickets.get(ticket.id)
        assert saved.title == "Renamed by the lead" and saved.status == ticket.status and saved.priority == ticket.priority
        await settle(pilot, table, before)
        assert table.cursor_row.cells[-1] == "Renamed by the lead"
        audit = ui_store.audit_log(entity="ticket", limit=1)[0]
        assert audit.actor == "tester" and "Renamed by the lead" in audit.after


async def _edit_with_conflict(app, pilot, ui_db, ui_store):
    table = await open_tickets(app, pilot)
    ticket = ui_store.tickets.get(int(table.cursor_key))
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="edit form")
    other = Store(ui_db, actor="colleague", clock=lambda: FIXED_NOW, create=False)
    try:
        other.tickets.update(ticket.id, {"title": "Theirs"}, expected_version=ticket.version)
    finally:
        other.close()
    app.screen.query_one("#field-title", Input).value = "Mine"
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="conflict dialog")
    assert "changed by someone else" in screen_text(app).lower() or "someone else" in app.screen.question
    return ticket


async def test_conflict_overwrite(make_app, ui_db, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _edit_with_conflict(app, pilot, ui_db, ui_store)
        await pilot.press("o")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).title == "Mine", what="overwritten")
        assert ui_store.tickets.get(ticket.id).version == ticket.version + 2


async def test_conflict_reload_keeps_theirs(make_app, ui_db, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _edit_with_conflict(app, pilot, ui_db, ui_store)
        table = app.screen_stack[0].query_one("#tickets", PagedTable)
        await pilot.press("r")
        await wait_until(pilot, lambda: table.cursor_row is not None and table.cursor_row.cells[-1] == "Theirs", what="reloaded")
        assert ui_store.tickets.get(ticket.id).title == "Theirs"


async def _open_detail(app, pilot, ui_store):
    table = await open_tickets(app, pilot)
    ticket = ui_store.tickets.get(int(table.cursor_key))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None
                     and app.screen.lookups is not None, what="detail")
    return ticket


async def test_detail_set_status(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _open_detail(app, pilot, ui_store)
        assert ticket.status == "new"
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="status form")
        app.screen.query_one("#field-status", Select).value = "in_progress"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).status == "in_progress", what="saved")
        events = ui_store.tickets.events(ticket.id)
        assert events[-1].kind == "status" and events[-1].at == FIXED_NOW
        detail = app.screen
        await wait_until(pilot, lambda: "● in progress" in screen_text(app) and detail.ticket.status == "in_progress",
                         what="detail refreshed")


async def test_detail_reassign(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _open_detail(app, pilot, ui_store)
        target = "secops" if ticket.holder_party_key != "secops" else "msp"
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="reassign form")
        app.screen.query_one("#field-party", Select).value = target
        app.screen.query_one("#field-person_id", Select).value = Select.NULL
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).holder_party_key == target, what="reassigned")
        assert ui_store.tickets.get(ticket.id).reassignment_count == ticket.reassignment_count + 1
        await wait_until(pilot, lambda: f"held by {target}" in screen_text(app), what="detail refreshed")


async def test_detail_record_response_stops_the_clock(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _open_detail(app, pilot, ui_store)
        assert ticket.first_response_at is None
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        await pilot.press(*"Called the user", "enter")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).first_response_at == FIXED_NOW, what="response")
        assert ui_store.tickets.events(ticket.id)[-1].note == "Called the user"
        await wait_until(pilot, lambda: "Response   ✔ met" in screen_text(app) or "Response   ✖ missed" in screen_text(app),
                         what="response clock stopped")


def test_typing_narrows_within_the_previous_matches(ui_store) -> None:
    """Longer words search only the kept ids of the shorter one; results equal a plain query."""
    from comanage_tui.screens.ticket_source import TicketSource
    from comanage_tui.widgets.paged_table import Sort

    source = TicketSource(ui_store)
    sort = Sort("opened", True)
    for text in ("p", "pr", "pri", "prin", "print", "printer", "Printer", "printerz"):
        query = TicketQuery(text=text)
        narrowed = source._narrowing(query)
        assert source.count(query) == ui_store.tickets.count(query), text
        assert [r.key for r in source.fetch(0, 50, sort, query)] == \
            [t.id for t in ui_store.tickets.list(TicketQuery(text=text, limit=50))], text
        if text in ("print", "printer"):
            assert narrowed is not None  # "prin" (and then "print") matched few enough to keep
    added = ui_store.tickets.add({"ref": "NEW-9", "title": "printer on fire", "party": "msp", "opened_at": FIXED_NOW})
    source.forget()  # what the screen does on DataChanged
    assert added.id in [r.key for r in source.fetch(0, 50, sort, TicketQuery(text="printer"))]


async def test_scrollbar_follows_the_filtered_total(make_app, ui_store) -> None:
    """The table sets its scrollable size without a screen layout; the scrollbar must still follow it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        assert table.show_vertical_scrollbar and table.virtual_size.height == 401
        await pilot.press("slash", *"zzz-no-such-ticket")
        await wait_until(pilot, lambda: table.settled and table.counted and table.total == 0, what="no rows")
        assert not table.show_vertical_scrollbar and table.max_scroll_y == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: table.settled and table.counted and table.total == 400, what="all rows")
        assert table.show_vertical_scrollbar and table.virtual_size.height == 401
        await pilot.press("end")
        await wait_until(pilot, lambda: table.settled and table.cursor == 399, what="last row")
        assert table.scroll_y == table.max_scroll_y > 0
        assert table.cursor_key is not None and "no tickets match" not in screen_text(app)
