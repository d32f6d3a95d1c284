"""Small modal dialogs: a confirm question with letter keys, a one-line prompt, a read-only detail.

Example::

    from comanage_tui.widgets.dialogs import ConfirmScreen, InfoScreen, PromptScreen

    self.app.push_screen(ConfirmScreen("Delete it?"), cb)          # cb(True | False)
    self.app.push_screen(ConfirmScreen.for_conflict(exc), cb)      # cb("reload"|"overwrite"|"cancel")
    self.app.push_screen(PromptScreen("Return handoff", "Reason"), cb)  # cb(str | None)
    self.app.push_screen(InfoScreen("Ticket INC1", [safe.text(t.title), ...]))  # read-only detail

They are re-exported by `widgets/form.py`, where they used to live.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from comanage_tui.widgets.fields import FieldInput
from comanage_tui.widgets.safe import text

Choice = tuple[str, Any, str]
"""(key letter, value dismissed with, button label)."""

YES_NO: tuple[Choice, ...] = (("y", True, "Yes"), ("n", False, "No"))
CONFLICT_CHOICES: tuple[Choice, ...] = (
    ("r", "reload", "Reload theirs"),
    ("o", "overwrite", "Overwrite with mine"),
    ("c", "cancel", "Cancel"),
)


class ConfirmScreen(ModalScreen[Any]):
    """A question with two or three answers, each a button and a key letter."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #confirm-box {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $panel; padding: 0 1;
    }
    ConfirmScreen #confirm-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen #confirm-buttons Button { margin-left: 1; min-width: 8; }
    """

    # One binding per letter any preset uses; check_action hides the ones this dialog lacks.
    BINDINGS = [
        Binding("y", "pick('y')", "Yes", id="dialog.pick_y"),
        Binding("n", "pick('n')", "No", id="dialog.pick_n"),
        Binding("r", "pick('r')", "Reload", id="dialog.pick_r"),
        Binding("o", "pick('o')", "Overwrite", id="dialog.pick_o"),
        Binding("c", "pick('c')", "Cancel", id="dialog.pick_c"),
        Binding("escape", "dismiss_default", "Cancel", id="dialog.dismiss_default"),
    ]

    def __init__(self, question: str, choices: Sequence[Choice] = YES_NO, *, title: str = "Confirm", escape_value: Any = None) -> None:
        """Escape dismisses with `escape_value` (None by default; False for yes/no)."""
        super().__init__()
        self.question = question
        self.choices = tuple(choices)
        self.title_text = title
        self.escape_value = False if escape_value is None and self.choices == YES_NO else escape_value

    @classmethod
    def for_conflict(cls, exc: Exception) -> ConfirmScreen:
        """The reload / overwrite / cancel choice after a `Conflict`."""
        return cls(str(exc), CONFLICT_CHOICES, title="Changed by someone else", escape_value="cancel")

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(text(self.title_text, "bold"))
            yield Static(text(self.question, single_line=False))
            with Horizontal(id="confirm-buttons"):
                for i, (key, _value, label) in enumerate(self.choices):
                    yield Button(f"{label} [{key}]", id=f"choice-{key}", variant="primary" if i == 0 else "default")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":
            return any(key == parameters[0] for key, _, _ in self.choices)
        return True

    @on(Button.Pressed)
    def _on_pressed(self, event: Button.Pressed) -> None:
        self.action_pick((event.button.id or "").removeprefix("choice-"))

    def action_pick(self, key: str) -> None:
        """Answer with the choice bound to this letter."""
        for letter, value, _ in self.choices:
            if letter == key:
                self.dismiss(value)
                return

    def action_dismiss_default(self) -> None:
        """Escape: the safe answer."""
        self.dismiss(self.escape_value)


class PromptScreen(ModalScreen[str | None]):
    """One line of text (e.g. a return reason); blank is refused when required."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > #prompt-box {
        width: 64; max-width: 100%; height: auto;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    PromptScreen #prompt-error { color: $error; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without an answer", id="dialog.cancel"),
    ]

    def __init__(self, title: str, label: str, *, default: str = "", required: bool = True, max_length: int = 2000, placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.label, self.default = title, label, default
        self.required, self.max_length, self.placeholder = required, max_length, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(text(self.title_text, "bold"))
            yield Label(text(f"{self.label}{' *' if self.required else ''}"))
            yield FieldInput(self.default, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error")
            yield Static(text("Enter to confirm · Escape to cancel"), classes="form-help")

    def _problem(self, value: str) -> str:
        if self.required and not value.strip():
            return "required"
        if len(value) > self.max_length:
            return f"at most {self.max_length} characters"
        return ""

    @on(Input.Changed)
    def _on_changed(self, event: Input.Changed) -> None:
        # Only clear an error as you type; a fresh empty prompt should not start in red.
        if not self._problem(event.value):
            self.query_one("#prompt-error", Static).update("")

    @on(Input.Submitted)
    def _on_submitted(self, event: Input.Submitted) -> None:
        problem = self._problem(event.value)
        if problem:
            self.query_one("#prompt-error", Static).update(text(f"✖ {self.label}: {problem}"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class InfoScreen(ModalScreen[None]):
    """A read-only detail view: a title and a body of Text lines; Escape or Enter closes it."""

    DEFAULT_CSS = """
    InfoScreen { align: center middle; }
    InfoScreen > #info-box {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    InfoScreen #info-body { height: auto; }
    """

    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", tooltip="Back to the list", id="dialog.close"),
    ]

    def __init__(self, title: str, body: Sequence[Text | str]) -> None:
        super().__init__()
        self.title_text = title
        self.body = [b if isinstance(b, Text) else text(b) for b in body]

    def compose(self) -> ComposeResult:
        with Vertical(id="info-box"):
            yield Label(text(self.title_text, "bold"))
            with VerticalScroll(id="info-body"):
                for line in self.body:
                    yield Static(line)
            yield Static(text("Escape to close"), classes="form-help")

    def on_mount(self) -> None:
        self.query_one("#info-body").focus()

    def body_text(self) -> str:
        """The plain text shown (for tests and screen readers)."""
        return "\n".join(line.plain for line in self.body)

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(None)
