"""A form that writes for itself: the store call runs in a worker and the form closes only once it is saved.

A refusal (InvalidInput) is shown under the field it names, anything else on the form's
problem line; a Conflict asks reload / overwrite / cancel, and cancel (or Escape) returns
to the form with every edit intact. `FormScreen` mixes this in (widgets/form.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from textual import work
from textual.message import Message
from textual.widgets import Button, Static

from comanage_tui.data.errors import Conflict, InvalidInput
from comanage_tui.ui_errors import describe
from comanage_tui.widgets.dialogs import ConfirmScreen

__all__ = ["FormWritten", "StoreSubmit", "Submit"]


@dataclass(frozen=True)
class Submit:
    """What saving a form writes: `change(store)`, and `retry` (the same without the version check).

    A form given `write=` runs it itself and stays open until the store accepts: a refusal
    is shown under the field it names (or on the form's problem line), a Conflict asks
    reload / overwrite, and Escape there returns to the form with every edit intact.
    """

    change: Callable[[Any], object]
    retry: Callable[[Any], object] | None = None
    note: str = ""
    """The notification after a successful save."""


@dataclass
class FormWritten(Message):
    """The form's write worker finished: `result` of the change, or the `error` it raised."""

    result: object = None
    error: BaseException | None = None
    retry: Callable[[Any], object] | None = None


class StoreSubmit:
    """The write half of FormScreen (`write=`): needs its fields, problem line and validation."""

    def refused_by_store(self) -> dict[str, str]:
        """What the store refused and the form still shows: {field name ("" for the form): message}."""
        return {name: message for name, (message, _value) in self._store_errors.items()}

    _submit: Submit | None
    _sent: BaseModel | None
    _store_errors: dict[str, tuple[str, Any]]
    _show_all: bool
    written: object

    def _start(self, submit: Submit, change: Callable[[Any], object], instance: BaseModel) -> None:
        self._submit, self._sent = submit, instance
        self.query_one("#form-save", Button).disabled = True
        self._set_line(self.query_one("#form-problem", Static), "Saving…")
        self._run(change, submit.retry)

    @work(thread=True, exclusive=True, group="form-write", exit_on_error=False)
    def _run(self, change: Callable[[Any], object], retry: Callable[[Any], object] | None) -> None:
        try:
            self.post_message(FormWritten(change(self.app.store), retry=retry))  # type: ignore[attr-defined]
        except Exception as exc:
            self.post_message(FormWritten(error=exc, retry=retry))

    def on_form_written(self, message: FormWritten) -> None:
        submit, self._submit = self._submit, None
        self.query_one("#form-save", Button).disabled = False
        exc = message.error
        if exc is None:
            self.written = message.result
            if submit is not None and submit.note:
                self.app.notify(submit.note, markup=False)
            if saved := getattr(self.app, "saved", None):
                saved()
            self.dismiss(self._sent)
            return
        if isinstance(exc, Conflict) and message.retry is not None and submit is not None:
            self._ask_conflict(exc, submit)
            return
        self.show_store_error(exc)

    def show_store_error(self, exc: BaseException) -> None:
        """Show a store refusal under the field it names (else on the problem line); the form stays open."""
        names = {f.name for f in self.fields}
        field = exc.field.split(".")[0] if isinstance(exc, InvalidInput) else ""
        field = field if field in names else ""
        message = exc.message if isinstance(exc, InvalidInput) and field else describe(exc)
        self._store_errors[field] = (message, self._raw_of(field) if field else None)
        self._show_all = True
        self.validate_now()
        if field:
            self.query_one(f"#field-{field}").focus()

    def _ask_conflict(self, exc: Conflict, submit: Submit) -> None:
        def choose(answer: str | None) -> None:
            if answer == "overwrite" and submit.retry is not None:
                self._start(submit, submit.retry, self._sent)
            elif answer == "reload":
                below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
                self.dismiss(None)
                if reload := getattr(below, "reload", None):
                    reload()
            else:  # Escape or Cancel: back to the form, every edit as it was
                self._store_errors[""] = (f"{describe(exc)}: save again to choose", None)
                self._show_all = True
                self.validate_now()

        self.app.push_screen(ConfirmScreen.for_conflict(exc), choose)
