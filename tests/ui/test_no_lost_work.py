"""Issue #15, items 1-3: forms never lose what was typed, errors stay on the form, one-key changes undo.

Each test runs the real app on a copy of the demo database and checks the database too.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static

from comanage_tui.data.models import HandoffState, KtStatus
from comanage_tui.screens.handoffs import HandoffsScreen
from comanage_tui.widgets.dialogs import ConfirmScreen
from comanage_tui.widgets.form import FormScreen
from tests.conftest import FIXED_NOW
from tests.ui.conftest import wait_until
from tests.ui.test_forms import open_app, open_store, press, settle
from tests.ui.test_knowledge import find, items
from tests.ui.test_knowledge import show as show_knowledge
from tests.ui.test_split import raci
from tests.ui.test_split import show as show_split
from tests.ui.test_tickets import _edit_with_conflict, open_tickets

LONG = "Printer queue on floor 3 stalls every morning; " * 8  # a 400-character summary


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def problem_line(form: FormScreen) -> str:
    return str(form.query_one("#form-problem", Static).render())


# --- item 1: the store's refusal keeps the form open --------------------------------------


async def test_unknown_ticket_ref_keeps_the_handoff_form_and_its_400_characters(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        await press(pilot, "n")
        form = pilot.app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-to_party", Select).value = "secops"
        form.query_one("#field-ticket_ref", Input).value = "INC999999"
        form.query_one("#field-summary", Input).value = LONG.strip()
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form  # open, not thrown away
        assert form.error_for("ticket_ref") == "✖ no ticket with reference 'INC999999'"
        assert form.query_one("#field-summary", Input).value == LONG.strip()
        with open_store(ui_db) as store:
            assert not [h for h in store.handoffs.list(open_only=False) if h.summary == LONG.strip()]


async def test_reassigning_to_a_person_of_another_party_keeps_the_edit_form(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tickets(app, pilot)
        ticket = ui_store.tickets.get(int(table.cursor_key))
        stranger = next(p for p in ui_store.org.people() if p.party_key == "secops")
        target = "msp"
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="edit form")
        form = app.screen
        form.query_one("#field-title", Input).value = "Typed with care"
        form.query_one("#field-party", Select).value = target
        form.query_one("#field-person_id", Select).value = stranger.id
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.error_for("person_id") != "", what="the store's refusal")
        assert app.screen is form
        assert form.error_for("person_id") == f"✖ person {stranger.id} does not belong to that party"
        assert form.query_one("#field-title", Input).value == "Typed with care"
        assert ui_store.tickets.get(ticket.id).version == ticket.version
        # Choosing a fitting person clears the refusal; the save then goes through.
        form.query_one("#field-person_id", Select).value = Select.NULL
        await pilot.pause()
        assert form.error_for("person_id") == ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).title == "Typed with care", what="saved")
        assert ui_store.tickets.get(ticket.id).holder_party_key == target


async def test_escape_in_the_conflict_dialog_returns_to_the_form_with_the_edit(make_app, ui_db, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _edit_with_conflict(app, pilot, ui_db, ui_store)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="back on the form")
        form = app.screen
        assert form.query_one("#field-title", Input).value == "Mine"
        assert "changed by someone else" in problem_line(form)
        assert ui_store.tickets.get(ticket.id).title == "Theirs"
        await pilot.press("ctrl+s")  # saving again asks again
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("o")
        await wait_until(pilot, lambda: ui_store.tickets.get(ticket.id).title == "Mine", what="overwritten")


# --- item 2: errors stay on the form, in words ---------------------------------------------


async def test_bad_kt_date_and_interval_are_said_on_the_form_not_only_in_a_toast(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_knowledge(pilot)
        await press(pilot, "n")
        form = pilot.app.screen
        form.query_one("#field-topic", Input).value = "Firewall runbook"
        form.query_one("#field-area", Select).value = "network"
        form.query_one("#field-due_date", Input).value = "2026-13-45"
        form.query_one("#field-review_interval_days", Input).value = "-3"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form
        assert form.error_for("due_date") == "✖ use a date like 2026-12-31"
        assert form.error_for("review_interval_days") == "✖ must be greater than 0"
        # A line that stays (the toast used to be the only place and faded).
        assert problem_line(form) == "✖ not saved: fix Due date, Review every (days)"
        assert not notes(pilot.app)


async def test_last_reviewed_in_the_future_is_refused(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.IN_PROGRESS)
    before = items(ui_db)[kt]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_knowledge(pilot, kt)
        await press(pilot, "e")
        form = pilot.app.screen
        form.query_one("#field-last_reviewed", Input).value = "2026-11-24"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form
        assert form.error_for("last_reviewed") == "✖ cannot be in the future (today is 2026-11-23)"
        assert items(ui_db)[kt] == before
        form.query_one("#field-last_reviewed", Input).value = "2026-11-23"
        await press(pilot, "ctrl+s")
        assert items(ui_db)[kt].last_reviewed.isoformat() == "2026-11-23"


async def test_a_key_pattern_is_explained_in_words(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_split(pilot)
        await press(pilot, "n")
        form = pilot.app.screen
        form.query_one("#field-key", Input).value = "Bad Key!"
        await press(pilot)
        assert form.error_for("key") == "✖ lowercase letters, digits, - and _ only (start with a letter or digit)"
        assert "pattern" not in form.error_for("key")


async def test_renamed_kt_item_toast_names_the_new_topic(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.IN_PROGRESS)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_knowledge(pilot, kt)
        await press(pilot, "e")
        pilot.app.screen.query_one("#field-topic", Input).value = "Renamed topic"
        await press(pilot, "ctrl+s")
        assert items(ui_db)[kt].topic == "Renamed topic"
        assert "saved: Renamed topic" in notes(pilot.app)


# --- item 3: one key, one way back -----------------------------------------------------------


async def test_u_stops_at_verified_instead_of_wrapping_to_planned(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.VERIFIED)
    before = items(ui_db)[kt]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_knowledge(pilot, kt)
        await press(pilot, "u")
        assert items(ui_db)[kt].version == before.version
        assert items(ui_db)[kt].status == KtStatus.VERIFIED
        assert any("the last status" in n for n in notes(pilot.app))


async def test_z_undoes_a_status_step_and_a_review_through_the_store(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.IN_PROGRESS)
    before = items(ui_db)[kt]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_knowledge(pilot, kt)
        await press(pilot, "u")
        assert items(ui_db)[kt].status == KtStatus.DONE
        await press(pilot, "v")
        assert items(ui_db)[kt].last_reviewed.isoformat() == "2026-11-23"
        await press(pilot, "z")
        await wait_until(pilot, lambda: items(ui_db)[kt].last_reviewed == before.last_reviewed, what="review undone")
        await press(pilot, "ctrl+z")
        await wait_until(pilot, lambda: items(ui_db)[kt].status == KtStatus.IN_PROGRESS, what="status undone")
        assert any(n.startswith("Undone: ") and "reviewed 2026-11-23" in n for n in notes(pilot.app))
        assert any(n.startswith("Undone: ") and "back to in progress" in n for n in notes(pilot.app))
        with open_store(ui_db) as store:
            assert len([a for a in store.audit_log(entity="kt_item", limit=10) if a.entity_id == str(kt)]) >= 4
        await press(pilot, "z")
        assert any(n.startswith("Nothing to undo") for n in notes(pilot.app))


async def test_z_puts_a_cleared_raci_cell_back(ui_db: Path) -> None:
    cell = next(k for k, v in raci(ui_db).items() if v == "A")
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show_split(pilot, *cell)
        await press(pilot, "delete")
        assert cell not in raci(ui_db)
        await press(pilot, "z")
        await wait_until(pilot, lambda: raci(ui_db).get(cell) == "A", what="cell restored")
        assert any(n == f"Undone: {cell[0]}/{cell[1]}: cleared (back to A)" for n in notes(pilot.app))


async def test_z_undoes_an_accept_and_moves_the_ticket_back(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        h = next(h for h in store.handoffs.list() if h.ticket_id is not None and h.state == HandoffState.REQUESTED)
        holder = store.tickets.get(h.ticket_id).holder_party_key
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        screen = pilot.app.screen
        assert isinstance(screen, HandoffsScreen)
        screen.select_id(h.id)
        await settle(pilot)
        await press(pilot, "p")
        with open_store(ui_db) as store:
            assert store.handoffs.get(h.id).state == HandoffState.ACCEPTED
            assert store.tickets.get(h.ticket_id).holder_party_key == h.to_party_key
        await press(pilot, "z")
        with open_store(ui_db) as store:
            await wait_until(pilot, lambda: store.handoffs.get(h.id).state == HandoffState.REQUESTED, what="accept undone")
            back = store.handoffs.get(h.id)
            assert (back.acknowledged_at, back.closed_at, back.requested_at) == (h.acknowledged_at, h.closed_at, h.requested_at)
            assert store.tickets.get(h.ticket_id).holder_party_key == holder
            assert store.audit_log(entity="handoff", limit=1)[0].action == "undo"


async def test_undo_refuses_when_someone_else_changed_the_row_since(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        h = next(h for h in store.handoffs.list() if h.state == HandoffState.REQUESTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        pilot.app.screen.select_id(h.id)
        await settle(pilot)
        await press(pilot, "a")
        with open_store(ui_db) as other:
            other.handoffs.accept(h.id, at=FIXED_NOW)
        await press(pilot, "z")
        await wait_until(pilot, lambda: any(n.startswith("Not undone") for n in notes(pilot.app)), what="refusal")
        assert any("changed by someone else" in n for n in notes(pilot.app))
        with open_store(ui_db) as store:
            assert store.handoffs.get(h.id).state == HandoffState.ACCEPTED  # theirs stands
