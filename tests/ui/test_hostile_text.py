"""User data that looks like markup or carries terminal control sequences is shown inert, never obeyed."""

from __future__ import annotations

import pytest

from comanage_tui.screens.ticket_detail import TicketDetailScreen
from comanage_tui.widgets.paged_table import PagedTable
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until

MARKUP = "[red]x[/] [/oops] [link=file:///etc/passwd]x[/link]"
CONTROLS = "\x1b]52;c;ZXZpbA==\x07 \x1b[2J \x9b \u202e"
TITLE = f"{MARKUP} {CONTROLS}evil"
SANITISED = f"{MARKUP} \ufffd]52;c;ZXZpbA==\ufffd \ufffd[2J \ufffd \ufffdevil"
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\u202e")


@pytest.fixture
def hostile(ui_store) -> int:
    """A P1 ticket, a person and a handoff whose texts are hostile; returns the ticket id."""
    person = ui_store.org.add_person({"party": "msp", "name": "[bold]Mallory[/bold] [/oops]"})
    ticket = ui_store.tickets.add({"ref": "[b]HOST-1", "title": TITLE, "party": "msp", "person_id": person.id,
                                   "priority": "P1", "opened_at": FIXED_NOW - 600, "notes": CONTROLS})
    ui_store.tickets.update(ticket.id, {"status": "in_progress"}, at=FIXED_NOW - 300, note=TITLE)
    ui_store.handoffs.create({"from_party": "internal", "to_party": "msp", "ticket_ref": "[b]HOST-1",
                              "summary": TITLE, "context": CONTROLS, "ack_target_minutes": 15,
                              "requested_at": FIXED_NOW - 2 * 3600})
    return ticket.id


def assert_inert(shown: str) -> None:
    for ch in FORBIDDEN:
        assert ch not in shown, repr(ch)


async def test_tickets_list_and_detail_show_it_literally(make_app, hostile) -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("6")
        table = app.screen.query_one("#tickets", PagedTable)
        await wait_until(pilot, lambda: table.settled, what="tickets")
        await pilot.press("slash", *"HOST-1", "enter")
        await wait_until(pilot, lambda: table.settled and table.total == 1, what="filtered")
        shown = screen_text(app)
        assert "[b]HOST-1" in shown and SANITISED in shown
        assert_inert(shown)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None,
                         what="detail")
        shown = screen_text(app)
        assert MARKUP in shown and "[bold]Mallory[/bold] [/oops]" in shown
        assert_inert(shown)
        handoffs = str(app.screen.query_one("#detail-handoffs").render())
        assert SANITISED in handoffs


async def test_overview_and_sla_survive_it(make_app, hostile) -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.figures is not None and screen.query_one(PagedTable).settled, what="overview")
        shown = screen_text(app)
        assert MARKUP in shown  # the late handoff and the P1 clock are on the attention list
        assert_inert(shown)
        await pilot.press("4")
        table = app.screen.query_one("#clocks", PagedTable)
        await wait_until(pilot, lambda: table.settled and table.total > 0, what="sla")
        await pilot.press("slash", *"HOST-1")
        await wait_until(pilot, lambda: table.settled and table.total >= 1, what="sla filtered")
        shown = screen_text(app)
        assert "[b]HOST-1" in shown and SANITISED[:40] in shown
        assert_inert(shown)


async def test_edit_form_and_help_with_hostile_names(make_app, ui_store, hostile) -> None:
    from textual.widgets import Select

    from comanage_tui.widgets.form import FormScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        table = app.screen.query_one("#tickets", PagedTable)
        await wait_until(pilot, lambda: table.settled and app.screen.lookups is not None, what="tickets")
        assert table.cursor_key == hostile  # newest first
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="edit form")
        assert_inert(screen_text(app))
        # Saving another field leaves the stored (unclean) title and notes exactly as they were.
        app.screen.query_one("#field-priority", Select).value = "P2"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.tickets.get(hostile).priority == "P2", what="saved")
        saved = ui_store.tickets.get(hostile)
        assert saved.title == TITLE and saved.notes == CONTROLS
        await pilot.press("question_mark")
        await pilot.pause()
        assert_inert(screen_text(app))


async def test_activity_shows_it_literally(make_app, hostile) -> None:
    """The audit log in words: the hostile ticket, person and handoff as typed, nothing obeyed."""
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("7")
        await wait_until(pilot, lambda: getattr(app.screen, "changes", None), what="activity")
        shown = screen_text(app)
        assert f"ticket [b]HOST-1 opened: {SANITISED}" in shown
        assert "person [bold]Mallory[/bold] [/oops] added" in shown
        assert f"requested: {SANITISED}" in shown
        assert_inert(shown)
