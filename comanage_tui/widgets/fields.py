"""Text fields that never hold a character a terminal would act on (see `data.text.clean_input`).

Textual's Input and TextArea draw exactly what they hold, so a pasted escape sequence,
C1 control or bidi override would reach the terminal. Every text field of the dashboard
(forms, the prompt dialog, filter lines, the export path) is one of these instead.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.content import Content
from textual.widgets import Checkbox, Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from comanage_tui.data.text import clean_input

__all__ = ["FieldInput", "FieldTextArea", "TickBox"]


class FieldInput(Input):
    """A one-line field that never holds a control character (see `clean_input`).

    Textual's Input shows its value as it is, so a pasted escape sequence would go straight
    to the terminal. Every way in (typing, paste, `value =`) passes the reactive validator.
    """

    def validate_value(self, value: str) -> str:
        return clean_input(value, single_line=True)

    def _on_paste(self, event: events.Paste) -> None:
        # Every line of the paste, joined by spaces: Input's own handler keeps the first line only.
        if event.text:
            self.replace(clean_input(event.text, single_line=True), *self.selection)
        event.stop()
        event.prevent_default()  # the base class's handler would insert the paste a second time


class FieldTextArea(TextArea):
    """A multi-line field that never holds a control character (see `clean_input`).

    Every change of a TextArea's document is an `edit()` (typing, paste, undo, the API)
    or a `load_text()`; both clean the text first (every line break becomes a newline).
    """

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(clean_input(text, single_line=False), **kwargs)

    def load_text(self, text: str) -> None:
        super().load_text(clean_input(text, single_line=False))

    def edit(self, edit: Edit) -> EditResult:
        edit.text = clean_input(edit.text, single_line=False)
        return super().edit(edit)


class TickBox(Checkbox):
    """A checkbox that reads `[x]` ticked and `[ ]` not: Textual's box differs by colour alone,
    which NO_COLOR (and a monochrome screenshot) turns into the same grey either way."""

    @property
    def _button(self) -> Content:
        return Content.assemble((f"[{'x' if self.value else ' '}]", self.get_visual_style("toggle--label")))
