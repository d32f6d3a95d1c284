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
from comanage_tui.screens.undo import MAX_ENTRIES, UndoDone, UndoEntry, follow, outcome
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
class OthersChanged(Message):
    """The poller found audit rows another session or process wrote (readmodel.activity.Change, newest first)."""

    changes: list
    more: int
    """How many further new changes there were beyond `changes`."""


TOASTED = 3  # at most this many changes by others get a toast each; the rest are counted in one more
NEWS_READ = 200  # audit rows read per poll for the toast


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
        # The number key is shown once, as a compact "1-7 Screens" hint; `?` lists them all.
        show = info.number == "1"
        out.append(Binding(info.number, f"go('{info.mode}')", "Screens" if show else info.title, show=show,
                           key_display=f"1-{len(SCREENS)}" if show else None, tooltip=f"{info.title}: {info.about}",
                           id=f"app.go_{info.mode}"))
        out.append(Binding(info.letter, f"go('{info.mode}')", info.title, show=False, tooltip=info.about,
                           id=f"app.go_{info.mode}_letter"))
    return out


class ComanageApp(ReportWorkerErrors, App[None]):
    """The comanage dashboard: the screens of widgets/nav.py as modes over one Store.

    Args:
        store: the open database; the app never closes it (the caller does).
        now: pin "now" (epoch seconds) for demos, tests and snapshots; None follows the clock.
        as_of: the session looks at the moment `now` (`comanage --as-of`): read-only, and the
            header names that moment so nobody takes it for the present.
    """

    CSS_PATH = "app.tcss"
    TITLE = "comanage"
    NOTIFICATION_TIMEOUT = 3  # toasts sit at the top (app.tcss) and go soon: the detail pane stays readable
    COMMANDS = App.COMMANDS | {_commands}
    DEFAULT_MODE = "overview"
    """The first screen is the Overview itself, not Textual's blank default switched away from in
    on_mount: one screen composed and one stylesheet pass before the first frame, not two."""
    MODES = {
        "overview": OverviewScreen,
        "split": _lazy("split", "SplitScreen"),
        "handoffs": _lazy("handoffs", "HandoffsScreen"),
        "sla": _lazy("sla", "SlaScreen"),
        "knowledge": _lazy("knowledge", "KnowledgeScreen"),
        "tickets": _lazy("tickets", "TicketsScreen"),
        "activity": _lazy("activity", "ActivityScreen"),
    }
    BINDINGS = [
        *_screen_bindings(),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen", id="app.help"),
        Binding("x", "export", "Export", tooltip="Export a status snapshot (Markdown, HTML, JSON, CSV)", id="app.export"),
        Binding("escape", "back", "Back", show=False, tooltip="Close the detail or dialog on top", id="app.back"),
        Binding("z,ctrl+z", "undo", "Undo", show=False, tooltip="Undo the last one-key change (letter, status, review, handoff step)", id="app.undo"),
        Binding("q", "quit", "Quit", tooltip="Leave comanage", id="app.quit"),
    ]
    """Screen keys (1-7 and o s h l k t j), help, export, back and quit; screens add their own."""

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
        self._opening_version = self._read_version()
        """The database's version before any screen read it: the poller, started after the first
        frame, compares with it first, so a commit in between still reloads the screens."""
        self._audit_seen: int | None = None
        """The newest audit row id this session has looked at (the toast names newer ones by others)."""
        self.trail: list[str] = []
        """The screens (modes) the user came through, newest last: Escape walks back along it."""
        self._going_back = False
        from comanage_tui.config import load

        self.config = load()
        """The user's settings file (theme, key overrides, export folder); defaults when unusable."""
        self.undo_stack: list[UndoEntry] = []
        """One-key changes of this session, newest last (see screens/undo.py)."""

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
        self._apply_config()
        if self.as_of:
            self.title = f"comanage · as of {moment_label(self.now())} · read-only"
        elif self.read_only:
            self.title = "comanage · read-only"
        # After the first frame: the note below and the poller's first look import the read model
        # (pydantic and all, ~0.1 s of Python), which would otherwise delay the frame.
        if self.as_of:
            self.call_after_refresh(self._say_what_is_recorded)
        self.call_after_refresh(self._poll, self._opening_version)

    def _say_what_is_recorded(self) -> None:
        """A moment before the audit log begins shows the records as first recorded: say so once."""
        from comanage_tui.data.readmodel.past import log_start

        start = log_start(self.store)
        if start is not None and self.now() < start:
            self.notify(f"Nothing is recorded before {moment_label(start)}: the RACI, people, knowledge transfer and "
                        "handoffs are shown as first recorded then (SLA clocks come from the ticket events).",
                        title="Before the audit log", severity="warning", markup=False, timeout=10)

    def _apply_config(self) -> None:
        """The remembered theme and the key overrides; then remember every theme picked from now on."""
        config = self.config
        if config.problem:
            self.notify(f"Settings not used: {config.problem}", title="Settings", severity="warning", markup=False,
                        timeout=15)
        if config.theme and config.theme in self.available_themes:
            self.theme = config.theme
        if config.keys:
            self.set_keymap(config.keys)
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme) -> None:
        from comanage_tui.config import save_theme

        if theme.name == self.config.theme:
            return
        try:
            save_theme(theme.name)
        except OSError as exc:
            self.notify(f"Theme not remembered: {exc}", severity="warning", markup=False)
        else:
            from dataclasses import replace

            self.config = replace(self.config, theme=theme.name)

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

    def _read_version(self) -> tuple[int, int] | None:
        """`_version()`, or None when it cannot be read (the poller reads it again and reports why)."""
        try:
            return self._version()
        except Exception:  # any failure: the poller's own first read reports it
            return None

    def _others(self) -> None:
        """Post the audit rows newer than the last seen one that this session did not write (poller thread)."""
        from comanage_tui.data.readmodel.activity import changes, last_id

        if self._audit_seen is None:
            self._audit_seen = last_id(self.store)  # what was there when the dashboard opened is not news
            return
        new = changes(self.store, after_id=self._audit_seen, limit=NEWS_READ)  # newest first
        if not new:
            return
        unread = 0
        if len(new) == NEWS_READ:  # a bulk change (an org file, say): count what was not read
            unread = int(self.store.scalar("SELECT count(*) FROM audit_log WHERE id > ?", (self._audit_seen,))) - len(new)
        self._audit_seen = new[0].id
        theirs = [c for c in new if not self.store.wrote(c.id)]
        if theirs:
            self.post_message(OthersChanged(theirs[:TOASTED], len(theirs) - len(theirs[:TOASTED]) + unread))

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False, name="poll data_version")
    def _poll(self, last: tuple[int, int] | None) -> None:
        """Post StoreMoved when the version moves on from `last` (the opening one); toasts for others' changes."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                current = self._version()
                # The first look notes what is not news; then another connection committed: name what changed.
                if self._audit_seen is None or last is None or current[0] != last[0]:
                    self._others()
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

    def on_others_changed(self, message: OthersChanged) -> None:
        """A short toast per change another user or process made (and one counting the rest)."""
        from comanage_tui.data.text import clean

        for c in message.changes:
            self.notify(clean(c.what, limit=120), title=f"{clean(c.actor, limit=40)} changed", markup=False, timeout=6)
        if message.more > 0:
            self.notify(f"{message.more} more change{'s' if message.more != 1 else ''} by others: see Activity (key 7).",
                        markup=False, timeout=6)

    def on_poll_failed(self, message: PollFailed) -> None:
        if not self._poll_failed:
            self._poll_failed = True
            self.notify(f"Live refresh stopped: {describe(message.error)}", severity="error", markup=False)

    # --- actions ------------------------------------------------------------------------

    def switch_mode(self, mode: str):
        """Every screen change (keys, the Overview's jumps) is remembered, so Escape can go back."""
        previous = self.current_mode
        if not self._going_back and previous in self.MODES and previous != mode:
            self.trail.append(previous)
            del self.trail[:-20]
        return super().switch_mode(mode)

    def get_system_commands(self, screen):
        """Textual's palette commands, less "Keys" and "Quit": ours (commands.py) name them once."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Quit"):
                yield command

    def action_go(self, mode: str) -> None:
        """Show one of the screens."""
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

    def action_review(self) -> None:
        """Open the period review (the last complete quarter; `[` `]` and `m` pick another)."""
        from comanage_tui.screens.review import ReviewScreen

        if not isinstance(self.screen, ReviewScreen):
            self.push_screen(ReviewScreen())

    def remember(self, entry: UndoEntry) -> None:
        """Keep a one-key change so `z` can undo it."""
        self.undo_stack.append(entry)
        del self.undo_stack[:-MAX_ENTRIES]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo" and self.read_only:
            return False  # not offered at all in a read-only session
        return True

    def action_undo(self) -> None:
        """Undo the last one-key change made in this session (through the store, audited)."""
        if self.refuse_edit():
            return
        if not self.undo_stack:
            self.notify("Nothing to undo: no one-key change made since the dashboard opened.", markup=False)
            return
        self._undo(self.undo_stack.pop())

    @work(thread=True, exclusive=True, group="undo", exit_on_error=False)
    def _undo(self, entry: UndoEntry) -> None:
        try:
            saved = entry.revert(self.store, entry.expected)
        except Exception as exc:
            self.post_message(UndoDone(entry, exc))
        else:
            self.post_message(UndoDone(entry, saved=saved))

    def on_undo_done(self, message: UndoDone) -> None:
        text, severity = outcome(message)
        self.notify(text, title="Undo", severity=severity, markup=False)  # type: ignore[arg-type]
        if message.error is None:
            follow(self.undo_stack, message.entry, message.saved)
            self.saved()

    def action_back(self) -> None:
        """Close what is on top of the current screen, else go back to the screen the user came from."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
            return
        while self.trail:
            mode = self.trail.pop()
            if mode != self.current_mode:
                self._going_back = True
                try:
                    self.switch_mode(mode)
                finally:
                    self._going_back = False
                return
