"""The modal form, confirm, prompt and info dialogs; plus the helpers the part-B screen tests share.

The screen tests (test_split, test_handoffs, test_knowledge) import `open_app`, `press`,
`settle`, `flat` and `screen_text` from here; their database is conftest's `ui_db`, a
per-test copy of one demo built per session.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, Select, SelectionList, TextArea

from comanage_tui.data.models import HandoffIn, KtItemUpdate
from comanage_tui.widgets.form import ConfirmScreen, FormField, FormScreen, InfoScreen, PromptScreen
from tests.conftest import FIXED_NOW
from tests.ui.conftest import demo_template  # noqa: F401 - re-exported: test_export_screen imports it from here

HOSTILE = ["[red]x[/]", "[/oops]", "\x1b]52;c;ZXZpbA==\x07"]

# --- shared by the part-B screen tests ---------------------------------------------


@pytest.fixture
def demo_db(ui_db: Path) -> Path:
    """The test's private demo copy (tests/ui/conftest.py); kept under this name for importers."""
    return ui_db


def open_store(path: Path, *, read_only: bool = False):  # Store
    from comanage_tui.data.store import Store

    return Store(path, actor="tester", clock=lambda: FIXED_NOW, read_only=read_only)


def open_app(path: Path, *, read_only: bool = False) -> App:
    """The real app on a fresh store over `path`, with the clock pinned at FIXED_NOW."""
    from comanage_tui.app import ComanageApp

    return ComanageApp(open_store(path, read_only=read_only), now=FIXED_NOW)


async def settle(pilot: Any, rounds: int = 2) -> None:
    """Let workers finish and their messages (and any follow-up loads) be handled.

    The app's live-refresh poller never finishes, so it is left out of the wait.
    """
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.group != "poll"]
        if busy:  # an empty list means "all workers" to wait_for_complete
            await pilot.app.workers.wait_for_complete(busy)
    await pilot.pause()


async def press(pilot: Any, *keys: str) -> None:
    """Press keys (Textual waits for idle between them), then let the workers they started finish."""
    await pilot.press(*keys)
    await settle(pilot)


def screen_text(app: App) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


def flat(app: App) -> str:
    """The screen's text with runs of whitespace (and wrapped lines) joined by one space."""
    return " ".join(screen_text(app).split())


# --- the form ------------------------------------------------------------------------


class FormApp(App):
    """Pushes one dialog and records what it dismissed with."""

    def __init__(self, dialog: Any) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def handoff_form(**kwargs: Any) -> FormScreen:
    choices = [("Internal IT", "internal"), ("MSP", "msp")]
    fields = [
        FormField("from_party", "From", kind="select", choices=choices, default="internal", required=True),
        FormField("to_party", "To", kind="select", choices=choices, required=True),
        FormField("ticket_ref", "Ticket"),
        FormField("summary", "Summary", required=True),
        FormField("context", "Context", kind="multiline", empty=""),
        FormField("ack_target_minutes", "Ack target", kind="int", default=60, required=True),
    ]
    return FormScreen("New handoff", fields, HandoffIn, extra={"requested_at": FIXED_NOW}, **kwargs)


async def test_form_validates_as_you_type_and_saves_the_model() -> None:
    app = FormApp(handoff_form())
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        assert form.errors == {"to_party": "required", "summary": "required"}
        assert form.error_for("summary") == ""  # untouched fields stay quiet until a save attempt
        form.query_one("#field-summary", Input).focus()
        await pilot.press(*"Reset VPN")
        form.query_one("#field-ack_target_minutes", Input).value = "0"
        await pilot.pause()
        assert form.error_for("ack_target_minutes") == "✖ must be greater than 0"
        assert "greater than 0" in screen_text(app)
        form.query_one("#field-to_party", Select).value = "internal"
        await pilot.pause()
        assert form.errors["to_party"] == "a handoff goes to a different party than it comes from"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [] and app.screen is form  # refused, and the reasons stay visible
        assert "different party" in screen_text(app)
        form.query_one("#field-to_party", Select).value = "msp"
        form.query_one("#field-ack_target_minutes", Input).value = "240"
        await pilot.pause()
        assert form.errors == {}
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert isinstance(result, HandoffIn)
    assert (result.from_party, result.to_party, result.summary, result.ack_target_minutes) == ("internal", "msp", "Reset VPN", 240)
    assert result.ticket_ref is None and result.context == "" and result.requested_at == FIXED_NOW


async def test_form_save_shows_every_reason_and_escape_cancels() -> None:
    app = FormApp(handoff_form())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.error_for("summary") == "✖ required"
        assert app.screen.error_for("to_party") == "✖ required"
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_form_converts_ints_and_dates_and_reports_bad_ones() -> None:
    fields = [FormField("due_date", "Due", kind="date"), FormField("review_interval_days", "Every", kind="int"),
              FormField("learner_ids", "Learners", kind="multi", choices=[("Ann", 1), ("Bo", 2)], default=[2])]
    app = FormApp(FormScreen("Edit", fields, KtItemUpdate))
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        form.query_one("#field-due_date", Input).value = "31.12.2026"
        form.query_one("#field-review_interval_days", Input).value = "-5"
        await pilot.pause()
        assert form.errors["due_date"] == "use a date like 2026-12-31"
        assert "greater than 0" in form.errors["review_interval_days"]
        form.query_one("#field-due_date", Input).value = "2026-12-31"
        form.query_one("#field-review_interval_days", Input).value = "90"
        form.query_one("#field-learner_ids", SelectionList).select(1)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.due_date == dt.date(2026, 12, 31) and result.review_interval_days == 90
    assert sorted(result.learner_ids) == [1, 2]


async def test_only_changed_sends_just_the_edits_and_clearing_sends_none() -> None:
    fields = [FormField("topic", "Topic", required=True), FormField("doc_link", "Link", empty=""),
              FormField("due_date", "Due", kind="date"), FormField("notes", "Notes", kind="multiline", empty="")]
    values = {"topic": "Restore runbook", "doc_link": "https://wiki", "due_date": dt.date(2026, 11, 11), "notes": "n"}
    app = FormApp(FormScreen("Edit", fields, KtItemUpdate, values=values, only_changed=True))
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        form.query_one("#field-due_date", Input).value = ""
        form.query_one("#field-notes", TextArea).text = "new notes"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.model_dump(exclude_unset=True) == {"due_date": None, "notes": "new notes"}


async def test_confirm_yes_no_and_the_conflict_choice() -> None:
    app = FormApp(ConfirmScreen("Really?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [True]

    from comanage_tui.data.errors import Conflict

    app = FormApp(ConfirmScreen.for_conflict(Conflict("kt_item", 3, 1, 2)))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "changed by someone else" in screen_text(app)
        assert not app.screen.check_action("pick", ("y",))  # yes/no letters do nothing here
        await pilot.press("o")
        await pilot.pause()
    assert app.results == ["overwrite"]

    app = FormApp(ConfirmScreen.for_conflict(Conflict("kt_item", 3, 1, 2)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == ["cancel"]


async def test_prompt_refuses_blank_and_returns_the_text() -> None:
    app = FormApp(PromptScreen("Return handoff", "Reason"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "enter")
        await pilot.pause()
        assert app.results == [] and "Reason: required" in screen_text(app)
        await pilot.press(*"needs approval", "enter")
        await pilot.pause()
    assert app.results == ["needs approval"]


async def test_dialogs_show_hostile_text_literally() -> None:
    body = [f"line {h}" for h in HOSTILE]
    app = FormApp(InfoScreen("[b]title[/b]", body))
    async with app.run_test(size=(80, 24)) as pilot:
        shown = screen_text(app)
        assert "[b]title[/b]" in shown and "[red]x[/]" in shown and "[/oops]" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_float_fields_and_unchanged_numbers_in_text_fields() -> None:
    from comanage_tui.data.models import TicketUpdate

    fields = [FormField("hours_spent", "Hours", kind="float"), FormField("title", "Title")]
    app = FormApp(FormScreen("Edit", fields, TicketUpdate, values={"hours_spent": 1.5, "title": "t"}, only_changed=True))
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        assert form.validate_now().model_dump(exclude_unset=True) == {}  # nothing edited yet
        form.query_one("#field-hours_spent", Input).value = "2,25"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results[0].model_dump(exclude_unset=True) == {"hours_spent": 2.25}


async def test_hostile_choice_labels_and_stored_values_are_inert() -> None:
    """A person named like markup, and a stored note holding an escape sequence, in a form."""
    from textual.app import App
    from textual.widgets import Input

    from comanage_tui.data.models import KtItemUpdate
    from comanage_tui.widgets.form import FormField, FormScreen

    fields = [
        FormField("topic", "Topic", "text"),
        FormField("teacher_id", "Teacher", "select", choices=[("[/oops] [link=file:///etc/passwd]x", 1), ("Ana", 2)]),
        FormField("notes", "Notes", "multiline"),
    ]
    screen = FormScreen("Edit", fields, KtItemUpdate, values={"topic": "Runbook \x1b]52;c;ZXZpbA==\x07", "teacher_id": 1,
                                                            "notes": "line\x1b[2J two"}, only_changed=True)

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async with Host().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen.query_one("#field-topic", Input).value
        assert "\x1b" not in shown and "Runbook" in shown
        # Nothing was typed: saving sends no field at all, so the stored values stay as they are.
        screen.validate_now()
        assert screen.errors == {}
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert screen.result is not None
    assert screen.result.model_dump(exclude_unset=True) == {}
