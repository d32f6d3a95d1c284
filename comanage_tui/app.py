"""The Textual application: wiring, app-wide bindings, screen switching, live refresh."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from comanage_tui.data.errors import ComanageError
from comanage_tui.messages import DataChanged
from comanage_tui.screens.overview import OverviewScreen
from comanage_tui.ui_errors import ReportWorkerErrors, describe
from comanage_tui.widgets.nav import SCREENS

if TYPE_CHECKING:
    from comanage_tui.data.store import Store

POLL_SECONDS = 1.0


@dataclass
class StoreMoved(Message):
    """The poller saw the database change (another process committed, or this session saved)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreMoved)


@dataclass
class PollFailed(Message):
    """Reading the database's version failed; shown once until it works again."""

    error: Exception


def moment_label(epoch: int) -> str:
    """A moment as the person at this terminal reads it: local date, time and zone (e.g. 2026-11-23 09:30 CET)."""
    return time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(epoch))


def _lazy(module: str, name: str):  # a Screen factory
    """A MODES entry that imports its screen on first use: start-up pays only for the overview."""

    def make():
        return getattr(import_module(f"comanage_tui.screens.{module}"), name)()

    make.__name__ = name
    return make


def _commands():  # the Provider class, imported when the palette first opens
    return import_module("comanage_tui.commands").ComanageCommands


def _screen_bindings() -> list[Binding]:
    out = []
    for info in SCREENS:
        # The number key is shown once, as a compact "1-6 Screens" hint; `?` lists them all.
        show = info.number == "1"
        out.append(Binding(info.number, f"go('{info.mode}')", "Screens" if show else info.title, show=show,
                           key_display="1-6" if show else None, tooltip=f"{info.title}: {info.about}"))
        out.append(Binding(info.letter, f"go('{info.mode}')", info.title, show=False, tooltip=info.about))
    return out


class ComanageApp(ReportWorkerErrors, App[None]):
    """The comanage dashboard: six screens as modes over one Store.

    Args:
        store: the open database; the app never closes it (the caller does).
        now: pin "now" (epoch seconds) for demos, tests and snapshots; None follows the clock.
        as_of: the session looks at the moment `now` (`comanage --as-of`): read-only, and the
            header names that moment so nobody takes it for the present.
    """

    CSS_PATH = "app.tcss"
    TITLE = "comanage"
    COMMANDS = App.COMMANDS | {_commands}
    MODES = {
        "overview": OverviewScreen,
        "split": _lazy("split", "SplitScreen"),
        "handoffs": _lazy("handoffs", "HandoffsScreen"),
        "sla": _lazy("sla", "SlaScreen"),
        "knowledge": _lazy("knowledge", "KnowledgeScreen"),
        "tickets": _lazy("tickets", "TicketsScreen"),
    }
    BINDINGS = [
        *_screen_bindings(),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
        Binding("x", "export", "Export", tooltip="Export a status snapshot (Markdown, HTML, JSON, CSV)"),
        Binding("escape", "back", "Back", show=False, tooltip="Close the detail or dialog on top"),
        Binding("q", "quit", "Quit", tooltip="Leave comanage"),
    ]
    """Screen keys (1-6 and o s h l k t), help, export, back and quit; screens add their own."""

    def __init__(self, store: Store, now: int | None = None, *, as_of: bool = False):
        super().__init__()
        if as_of and now is None:
            raise ValueError("as_of needs the moment to show (now)")
        self.store = store
        self.fixed_now = now
        self.as_of = as_of
        self.read_only = as_of or bool(getattr(store, "read_only", False))
        self.data_generation = 0
        """Bumped on every change the poller sees; screens compare it to what they loaded."""
        self._wake = threading.Event()
        self._reader: Store | None = None
        self._reader_lock = threading.Lock()
        self._poll_failed = False

    # --- time and data access -------------------------------------------------------

    def now(self) -> int:
        """The pinned moment, or the wall clock: every screen computes clocks with this."""
        return self.fixed_now if self.fixed_now is not None else int(time.time())

    @property
    def reader(self) -> Store:
        """A second connection for slow read-model work (overview, SLA), so it never blocks paging.

        Only touched from worker threads. Falls back to the main store if it cannot be opened.
        """
        with self._reader_lock:
            if self._reader is None:
                from comanage_tui.data.store import Store

                try:
                    self._reader = Store(self.store.path, actor=self.store.actor, create=False,
                                         read_only=self.read_only, clock=self.store.clock)
                except ComanageError:
                    self._reader = self.store
            return self._reader

    def saved(self) -> None:
        """Call after this session wrote something: the poller looks at once instead of within a second."""
        self._wake.set()

    def refuse_edit(self) -> bool:
        """True (after a notification saying why) when this session is read-only."""
        if self.read_only:
            why = "shows a fixed moment (--as-of)" if self.as_of else "is read-only (--read-only)"
            self.notify(f"This session {why}: nothing can be changed here.",
                        title="Read-only", severity="warning", markup=False)
            return True
        return False

    # --- lifecycle ------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.as_of:
            self.title = f"comanage · as of {moment_label(self.now())} · read-only"
        elif self.read_only:
            self.title = "comanage · read-only"
        self.switch_mode("overview")
        self._poll()

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "poll")
        self._wake.set()
        with self._reader_lock:
            if self._reader is not None and self._reader is not self.store:
                self._reader.close()
            self._reader = None

    # --- live refresh -----------------------------------------------------------------------

    def _version(self) -> tuple[int, int]:
        # data_version moves when another connection commits; total_changes when this one does.
        with self.store.lock:
            return self.store.data_version(), self.store.conn.total_changes

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False, name="poll data_version")
    def _poll(self) -> None:
        worker = get_current_worker()
        last = None
        while not worker.is_cancelled:
            try:
                current = self._version()
            except Exception as exc:  # any failure is shown, then polling goes on
                self.post_message(PollFailed(exc))
            else:
                if last is not None and current != last:
                    self.post_message(StoreMoved())
                last = current
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def on_store_moved(self, message: StoreMoved) -> None:
        self._poll_failed = False
        self.data_generation += 1
        self.screen.post_message(DataChanged(self.data_generation))

    def on_poll_failed(self, message: PollFailed) -> None:
        if not self._poll_failed:
            self._poll_failed = True
            self.notify(f"Live refresh stopped: {describe(message.error)}", severity="error", markup=False)

    # --- actions ------------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        """Show one of the six screens."""
        if mode != self.current_mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        """List every key of the current screen."""
        from comanage_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_export(self) -> None:
        """Export a status snapshot of what the dashboard shows now."""
        from comanage_tui.screens.export import ExportScreen

        if not isinstance(self.screen, ExportScreen):
            self.push_screen(ExportScreen())

    def action_back(self) -> None:
        """Close what is on top of the current screen (a detail or a dialog)."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
