"""Turning errors into one-line notifications: the single place a worker's failure is reported.

Worker.StateChanged does not bubble, so every node that runs workers mixes in
`ReportWorkerErrors`; it hands the error to `describe()` and the app's notification.
"""

from __future__ import annotations

import sqlite3

from textual.worker import Worker, WorkerState

from comanage_tui.data.errors import ComanageError
from comanage_tui.widgets.safe import clean


def describe(error: BaseException) -> str:
    """A one-line, terminal-safe message for any error a store call can raise."""
    if isinstance(error, ComanageError):
        return clean(str(error), limit=400)
    if isinstance(error, sqlite3.Error):
        return clean(f"database error: {error}", limit=400)
    # Unexpected: still a line, never a traceback over the dashboard (the log has the detail).
    return clean(f"unexpected {type(error).__name__}: {error}", limit=400)


def report(node, error: BaseException | None) -> None:  # any DOMNode
    """Show `error` as an error notification on the node's app (and log it)."""
    if error is None:
        return
    app = node.app
    app.log.error(f"worker error: {error!r}")
    app.notify(describe(error), title="Not done", severity="error", markup=False, timeout=8)


class ReportWorkerErrors:
    """Mixin for screens and widgets: a worker that ends in ERROR becomes a notification."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report(self, event.worker.error)
