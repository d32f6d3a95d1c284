"""The one write path of the dashboard: a store change runs off the UI thread and its outcome
comes back as `WriteResult`, which every screen handles the same way.

Saved: the app remembers how to undo a one-key change, the toast names the change (and `z`
when it can be undone), other screens and sessions hear of it at once, the screen reloads and
its `after_write` hook runs. Refused: the toast says why (title "Not saved") and the screen
reloads to show what is stored. A Conflict, when the change can be retried without its
version check, asks whether to overwrite or reload (Escape keeps what is stored).

Forms that write for themselves (widgets/form_submit.py) keep their own path: they stay open
with the store's reason under a field, which a toast cannot do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.message import Message

from comanage_tui.data.errors import ComanageError, Conflict
from comanage_tui.data.store import Store
from comanage_tui.screens.undo import UndoEntry
from comanage_tui.ui_errors import describe
from comanage_tui.widgets.dialogs import ConfirmScreen

Change = Callable[[Store], Any]
"""One store call; what it returns reaches `after_write` (e.g. the Ticket saved)."""


@dataclass
class WriteResult(Message):
    """A change the user asked for finished: saved when `error` is None, else refused.

    `retry` (the same change without the version check) lets a Conflict offer to overwrite;
    `undo` takes a one-key change back; `result` is what the change returned.
    """

    note: str
    error: ComanageError | None = None
    retry: Change | None = None
    undo: UndoEntry | None = None
    result: Any = None


@dataclass
class LoadFailed(Message):
    """Reading what a screen shows failed (e.g. the file became unreadable); nothing was changed."""

    error: ComanageError


class StoreWrites:
    """Mixin for a ComanageScreen that changes data: `write()` and the handling of its result."""

    CONFLICT_RELOADS: ClassVar[bool] = True
    """A Conflict that cannot be retried says "Reloaded: look again"; False reports it like any refusal."""

    def write(self, note: str, change: Change, *, retry: Change | None = None,
              undo: Callable[[Any], UndoEntry] | None = None) -> None:
        """Run `change` off the UI thread; `undo(result)` builds the entry that takes it back."""
        self._write_worker(note, change, retry, undo)

    # Not exclusive: every write the user asked for must run (the store serialises them).
    @work(thread=True, exclusive=False, group="store-write", exit_on_error=False)
    def _write_worker(self, note: str, change: Change, retry: Change | None,
                      undo: Callable[[Any], UndoEntry] | None) -> None:
        try:
            result = change(self.app.store)
        except ComanageError as exc:
            self.post_message(WriteResult(note, exc, retry))
        else:
            self.post_message(WriteResult(note, undo=undo(result) if undo is not None else None, result=result))

    def on_write_result(self, message: WriteResult) -> None:
        exc = message.error
        if isinstance(exc, Conflict) and message.retry is not None:
            retry = message.retry

            def choose(answer: str | None) -> None:
                if answer == "overwrite":
                    self.write(f"{message.note} (overwritten)", retry)
                else:
                    self.reload()

            self.app.push_screen(ConfirmScreen.for_conflict(exc), choose)
            return
        if exc is None:
            if message.undo is not None:
                self.app.remember(message.undo)
            self.app.notify(message.note + (" · z undoes" if message.undo is not None else ""), markup=False)
            self.app.saved()  # other screens and sessions hear of it at once
        elif isinstance(exc, Conflict) and self.CONFLICT_RELOADS:
            self.app.notify(f"{describe(exc)}. Reloaded: look again and retry.", severity="warning", markup=False)
        else:
            self.app.notify(describe(exc), title="Not saved", severity="error", markup=False)
        self.reload()
        if exc is None:
            self.after_write(message.result)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.app.notify(describe(message.error), severity="error", markup=False)

    def after_write(self, result: Any) -> None:
        """Hook: what to show after a change was saved (`result` is what the change returned)."""
