"""The Handoffs screen in the real app at 80×24: every action, checked in the database and on screen."""

from __future__ import annotations

from pathlib import Path

from comanage_tui.data.models import HandoffIn, HandoffState
from comanage_tui.screens.handoffs import HandoffsScreen
from comanage_tui.widgets.form import FormScreen, InfoScreen, PromptScreen
from tests.conftest import FIXED_NOW
from tests.ui.test_forms import HOSTILE, flat, open_app, open_store, press, screen_text, settle


def open_handoffs(path: Path) -> dict[int, object]:
    with open_store(path) as store:
        return {h.id: h for h in store.handoffs.list(open_only=False)}


def notes(app) -> str:  # App
    return "\n".join(str(n.message) for n in app._notifications)


def first(path: Path, state: HandoffState, *, with_ticket: bool | None = None) -> int:
    for h in open_handoffs(path).values():
        if h.state == state and (with_ticket is None or (h.ticket_id is not None) == with_ticket):
            return h.id
    raise AssertionError(f"no {state} handoff in the demo")


async def show(pilot, item_id: int | None = None) -> HandoffsScreen:  # Pilot
    await press(pilot, "3")
    screen = pilot.app.screen
    assert isinstance(screen, HandoffsScreen)
    if item_id is not None:
        screen.select_id(item_id)
        await settle(pilot)
        assert screen.current().handoff.id == item_id
    return screen


def story_handoff(path: Path):  # Handoff
    """The demo's late handoff on a ticket: the MSP asked for someone on site 3 office hours ago (1 h to acknowledge)."""
    return next(h for h in open_handoffs(path).values() if h.summary.startswith("Need someone on site"))


async def test_list_shows_who_waits_how_long_and_bounces_at_80x24(ui_db: Path) -> None:
    late = story_handoff(ui_db)
    open_now = [h for h in open_handoffs(ui_db).values() if h.state in (HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED)]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        shown = screen_text(pilot.app)
        assert f"Handoffs: {len(open_now)} open" in flat(pilot.app) and "waiting on" in shown
        assert "✖ late" in shown and "● on time" in shown
        assert "↩2" in shown and "→ requested" in shown and "◐ acknowledged" in shown
        # the summary of the highlighted row is never cut off: the preview shows it whole
        assert f"#{screen.current().handoff.id} {screen.current().handoff.summary}" in shown
        screen.select_id(late.id)
        await settle(pilot)
        preview = flat(pilot.app)
        assert "waited 3h / 1h ✖ late" in preview  # waited vs target (in the preview), glyph + word
        assert "msp → internal" in preview and f"ticket {late.ticket_ref}" in preview
        assert "a Acknowledge" in shown and "p Accept" in shown and "b Return" in shown
        await press(pilot, "question_mark")  # every binding, the footer's hidden ones too
        help_text = pilot.app.screen.text()
        for words in ("Acknowledge", "Accept", "Return…", "Re-request", "New", "Show accepted", "Sort", "Reverse sort", "Filter"):
            assert words in help_text


async def test_acknowledge_writes_with_the_version_and_updates_the_row(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.REQUESTED)
    before = open_handoffs(ui_db)[hid]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, hid)
        await press(pilot, "a")
        after = open_handoffs(ui_db)[hid]
        assert after.state == HandoffState.ACKNOWLEDGED and after.acknowledged_at == FIXED_NOW
        assert after.version == before.version + 1
        assert screen.current().handoff.id == hid  # the cursor stayed on the row
        assert screen.current().handoff.state == HandoffState.ACKNOWLEDGED
        assert "acknowledged" in notes(pilot.app)
        await press(pilot, "a")  # a second acknowledge is refused before the store is asked
        assert "cannot acknowledge a handoff that is acknowledged" in notes(pilot.app)
        assert open_handoffs(ui_db)[hid].version == after.version


async def test_accept_moves_the_ticket_and_closes_the_handoff(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.REQUESTED, with_ticket=True)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, hid)
        await press(pilot, "p")
        h = open_handoffs(ui_db)[hid]
        assert h.state == HandoffState.ACCEPTED and h.closed_at == FIXED_NOW
        with open_store(ui_db) as store:
            assert store.tickets.get(h.ticket_id).holder_party_key == h.to_party_key
        assert hid not in [s.handoff.id for s in screen.visible()]  # open-only list


async def test_return_needs_a_reason_then_rerequest(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.REQUESTED)
    before = open_handoffs(ui_db)[hid]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, hid)
        await press(pilot, "b")
        assert isinstance(pilot.app.screen, PromptScreen)
        await press(pilot, "enter")  # empty: refused, says why, nothing written
        assert isinstance(pilot.app.screen, PromptScreen)
        assert "Reason: required" in screen_text(pilot.app)
        assert open_handoffs(ui_db)[hid].version == before.version
        await press(pilot, *"no approval", "enter")
        h = open_handoffs(ui_db)[hid]
        assert h.state == HandoffState.RETURNED and h.return_reason == "no approval"
        assert h.bounce_count == before.bounce_count + 1
        await press(pilot, "c")  # include closed ones to see it
        screen.select_id(hid)
        await settle(pilot)
        assert "↩ returned" in screen_text(pilot.app) and "no approval" in screen_text(pilot.app)
        await press(pilot, "r")
        h = open_handoffs(ui_db)[hid]
        assert h.state == HandoffState.REQUESTED and h.requested_at == FIXED_NOW and h.acknowledged_at is None


async def test_escape_on_the_reason_changes_nothing(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.REQUESTED)
    before = open_handoffs(ui_db)[hid]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show(pilot, hid)
        await press(pilot, "b", *"half", "escape")
        assert isinstance(pilot.app.screen, HandoffsScreen)
    assert open_handoffs(ui_db)[hid].model_dump() == before.model_dump()


async def test_new_handoff_form_refuses_invalid_then_creates(ui_db: Path) -> None:
    count = len(open_handoffs(ui_db))
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "n")
        form = pilot.app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-ack_target_minutes").value = "0"
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, FormScreen)  # refused
        shown = screen_text(pilot.app)
        assert "✖ required" in shown and "greater than 0" in shown
        assert len(open_handoffs(ui_db)) == count
        form.query_one("#field-to_party").value = "secops"
        form.query_one("#field-ack_target_minutes").value = "120"
        form.query_one("#field-ticket_ref").value = "NOPE-1"
        form.query_one("#field-summary").value = "Check the SIEM alert flood"
        form.query_one("#field-context").text = "Tried muting rule 12."
        await press(pilot, "ctrl+s")
        # The store's refusal stays under its field, the form open with everything typed (issue #15 item 1).
        assert pilot.app.screen is form
        assert form.error_for("ticket_ref") == "✖ no ticket with reference 'NOPE-1'"
        assert form.query_one("#field-summary").value == "Check the SIEM alert flood"
        assert len(open_handoffs(ui_db)) == count
        form.query_one("#field-ticket_ref").value = ""
        await press(pilot)
        assert form.error_for("ticket_ref") == ""
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, HandoffsScreen)
        new = [h for h in open_handoffs(ui_db).values() if h.summary == "Check the SIEM alert flood"]
        assert len(new) == 1
        h = new[0]
        assert (h.from_party_key, h.to_party_key, h.ack_target_minutes, h.context) == ("internal", "secops", 120, "Tried muting rule 12.")
        assert h.requested_at == FIXED_NOW
        assert h.id in [s.handoff.id for s in screen.visible()]


async def test_conflict_says_so_and_reloads(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.REQUESTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, hid)
        with open_store(ui_db) as other:  # another session takes it first
            other.handoffs.accept(hid, at=FIXED_NOW)
        await press(pilot, "a")
        assert "changed by someone else" in notes(pilot.app)
        assert open_handoffs(ui_db)[hid].state == HandoffState.ACCEPTED  # theirs stands
        assert hid not in [s.handoff.id for s in screen.visible()]


async def test_read_only_session_refuses_every_action(ui_db: Path) -> None:
    before = {k: v.model_dump() for k, v in open_handoffs(ui_db).items()}
    async with open_app(ui_db, read_only=True).run_test(size=(80, 24)) as pilot:
        await show(pilot)
        for key in ("a", "p", "b", "n"):
            await press(pilot, key)
            assert isinstance(pilot.app.screen, HandoffsScreen)
        assert notes(pilot.app).count("read-only") >= 4
    assert {k: v.model_dump() for k, v in open_handoffs(ui_db).items()} == before


async def test_hostile_summary_renders_literally_in_list_and_detail(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        h = store.handoffs.create(HandoffIn(from_party="msp", to_party="internal", summary=" ".join(HOSTILE),
                                            context="ctx [bold]no[/bold]", requested_at=FIXED_NOW))
    async with open_app(ui_db).run_test(size=(120, 30)) as pilot:
        screen = await show(pilot, h.id)
        shown = screen_text(pilot.app)
        assert "[red]x[/] [/oops]" in shown and "\x1b" not in shown and "\x07" not in shown
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, InfoScreen)
        body = pilot.app.screen.body_text()
        assert "[red]x[/] [/oops]" in body and "ctx [bold]no[/bold]" in body and "\x1b" not in body
        await press(pilot, "escape")
        assert pilot.app.screen is screen


async def test_detail_shows_context_clock_and_ticket(ui_db: Path) -> None:
    hid = story_handoff(ui_db).id  # on a ticket, with context
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show(pilot, hid)
        await press(pilot, "enter")
        body = pilot.app.screen.body_text()
        h = open_handoffs(ui_db)[hid]
        assert "Ack clock:" in body and "Context" in body and f"{h.ticket_ref} ·" in body and "held by" in body


async def test_filter_sort_and_closed_toggle(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        shown_before = len(screen.visible())
        ref = story_handoff(ui_db).ticket_ref
        await press(pilot, "slash", *ref)
        assert [s.handoff.ticket_ref for s in screen.visible()] == [ref]
        assert "1 match" in flat(pilot.app)
        await press(pilot, "enter", "escape")  # back to the table, then clear the filter
        assert len(screen.visible()) == shown_before and isinstance(pilot.app.screen, HandoffsScreen)
        await press(pilot, "greater_than_sign")
        assert "sort requested" in flat(pilot.app)
        times = [s.handoff.requested_at for s in screen.visible()]
        assert times == sorted(times, reverse=True)
        await press(pilot, "c")
        assert len(screen.visible()) == len(open_handoffs(ui_db)) and "incl. closed" in flat(pilot.app)


async def test_select_id_finds_a_closed_handoff(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.ACCEPTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        screen.select_id(hid)
        await settle(pilot)
        assert screen.show_closed and screen.current().handoff.id == hid


async def test_select_id_right_after_switching_mode_like_the_overview(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.REQUESTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.switch_mode("handoffs")  # what the Overview's attention list does, before the screen loads
        pilot.app.screen_stack[0].select_id(hid)
        await settle(pilot)
        assert pilot.app.screen.current().handoff.id == hid


async def test_another_sessions_change_shows_up_and_the_cursor_stays(ui_db: Path) -> None:
    from tests.ui.conftest import wait_until

    hid = first(ui_db, HandoffState.REQUESTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, hid)
        with open_store(ui_db) as other:
            new = other.handoffs.create(HandoffIn(from_party="secops", to_party="msp", summary="From the other session",
                                                  requested_at=FIXED_NOW))
        await wait_until(pilot, lambda: any(s.handoff.id == new.id for s in screen.visible()), what="live refresh")
        assert screen.current().handoff.id == hid


async def test_edit_changes_words_person_and_target_then_a_conflict_asks(ui_db: Path) -> None:
    from textual.widgets import Select

    from comanage_tui.widgets.form import ConfirmScreen

    hid = first(ui_db, HandoffState.REQUESTED)
    before = open_handoffs(ui_db)[hid]
    with open_store(ui_db) as store:
        receiver = next(p for p in store.org.people(before.to_party_key) if p.active)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, hid)
        await press(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, FormScreen) and form.query_one("#field-summary").value == before.summary
        form.query_one("#field-ack_target_minutes").value = "0"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form and "greater than 0" in screen_text(pilot.app)  # refused next to the field
        form.query_one("#field-ack_target_minutes").value = "480"
        form.query_one("#field-to_person_id", Select).value = receiver.id
        form.query_one("#field-context").text = "Called them at 08:10; no answer."
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, HandoffsScreen)
        after = open_handoffs(ui_db)[hid]
        assert (after.ack_target_minutes, after.to_person_id, after.context) == (480, receiver.id, "Called them at 08:10; no answer.")
        assert (after.summary, after.state, after.version) == (before.summary, before.state, before.version + 1)
        await settle(pilot)
        assert "/ 8h" in screen_text(pilot.app)  # the new target shows in the list

        await press(pilot, "e")
        with open_store(ui_db) as other:
            other.handoffs.update(hid, {"summary": "Theirs"})
        pilot.app.screen.query_one("#field-summary").value = "Mine"
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, ConfirmScreen) and "changed by someone else" in screen_text(pilot.app)
        await press(pilot, "o")
        assert open_handoffs(ui_db)[hid].summary == "Mine"
        assert screen.current().handoff.id == hid


async def test_edit_is_refused_on_an_accepted_handoff(ui_db: Path) -> None:
    hid = first(ui_db, HandoffState.ACCEPTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show(pilot, hid)
        await press(pilot, "e")
        assert isinstance(pilot.app.screen, HandoffsScreen)
        assert "cannot edit a handoff that is accepted" in notes(pilot.app)
