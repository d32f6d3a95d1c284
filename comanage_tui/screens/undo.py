"""Undo for the one-key changes of this session (RACI letters, KT status and review, handoff steps).

Each change a single key made leaves an `UndoEntry`: its name and the store call that puts
the record back, with the version the change produced. Undoing is a change like any other
(through the store, audited); when someone else changed the record since, the store's
Conflict refuses it and the user is told so, instead of their change being overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from textual.message import Message

from comanage_tui.data.errors import ComanageError, Conflict
from comanage_tui.ui_errors import describe

MAX_ENTRIES = 50
"""Older one-key changes fall off the end: undo is for the last few slips, not history."""


@dataclass(frozen=True)
class UndoEntry:
    """One one-key change and how to take it back.

    `revert(store, expected)` undoes it (raising Conflict when the record moved on) and returns
    the record as saved. `record` names the record ("kt:12"); `before` and `expected` are its
    versions before and after the change (None where the record has none, as a RACI cell):
    undoing a later change of the same record moves `expected` on for the earlier ones, so
    two steps of one KT item can be undone one after the other.
    """

    label: str
    revert: Callable[[object, int | None], object]
    record: str = ""
    before: int | None = None
    expected: int | None = None


def follow(stack: list[UndoEntry], undone: UndoEntry, saved: object) -> None:
    """After `undone` was taken back: earlier entries of that record expect the version it left."""
    version = getattr(saved, "version", None)
    if version is None or undone.before is None:
        return
    for i, entry in enumerate(stack):
        if entry.record == undone.record and entry.expected == undone.before:
            stack[i] = replace(entry, expected=version)


@dataclass
class UndoDone(Message):
    """The undo worker finished: `error` when the store refused, else `saved` (the record as it is now)."""

    entry: UndoEntry
    error: BaseException | None = None
    saved: object = None


def outcome(message: UndoDone) -> tuple[str, str]:
    """(toast text, severity) for a finished undo."""
    exc = message.error
    if exc is None:
        return f"Undone: {message.entry.label}", "information"
    if isinstance(exc, Conflict):
        return f"Not undone: {message.entry.label} was changed by someone else since. Nothing was changed.", "warning"
    if isinstance(exc, ComanageError):
        return f"Not undone: {describe(exc)}", "error"
    return f"Not undone: {describe(exc)}", "error"
