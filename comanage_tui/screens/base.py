"""What every dashboard screen shares: live reload on DataChanged, worker errors, the read-only guard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from comanage_tui.messages import DataChanged
from comanage_tui.ui_errors import ReportWorkerErrors
from comanage_tui.widgets.nav import BY_MODE, NavBar

if TYPE_CHECKING:
    from comanage_tui.data.readmodel.context import Context
    from comanage_tui.data.store import Store


class AppServices(Protocol):
    """What a screen uses of the running ComanageApp (app.py), typed here so screens never import the app."""

    store: Store
    as_of: bool
    """The session shows the fixed moment `now()` (`comanage --as-of`): read-only, records as they stood then."""

    def now(self) -> int: ...
    @property
    def reader(self) -> Store: ...
    def saved(self) -> None: ...
    def remember(self, entry: Any) -> None: ...
    def refuse_edit(self) -> bool: ...
    def notify(self, message: str, **kwargs: Any) -> None: ...
    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any: ...


class ComanageScreen(ReportWorkerErrors, Screen):
    """A screen that reloads in place when the database changes, also while it was not on top.

    Subclasses implement `reload()` (start their load workers) and compose `header()` first.
    """

    MODE: ClassVar[str] = ""
    """The app mode this screen is the base of ("" for pushed screens)."""
    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions that change data: not offered (footer, help, palette) in a read-only session."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self.seen_generation = -1
        self._finding_edit_keys = False
        """Set only while edit_binding_for looks a key up: check_action then shows the edit actions."""
        """The app's data generation this screen last loaded (stale when they differ)."""
        if self.MODE in BY_MODE:
            self.sub_title = BY_MODE[self.MODE].title  # the header names the screen

    @property
    def comanage(self) -> AppServices:
        return self.app  # type: ignore[return-value]

    def header(self) -> ComposeResult:
        yield Header(icon="≡")
        yield NavBar(self.MODE)

    def reload(self) -> None:
        """Start the workers that (re)load what this screen shows."""

    def read_context(self, store: Store, now: int) -> Context:
        """The read model's context for a load at `now`: in a session showing a fixed moment (`--as-of`),
        the organisation, RACI, KT and handoffs as they stood then (readmodel.past); else today's records."""
        from comanage_tui.data.readmodel.context import load_context  # in the worker: a heavy import

        return load_context(store, as_of=now if getattr(self.app, "as_of", False) else None)

    def on_mount(self) -> None:
        self.seen_generation = getattr(self.app, "data_generation", 0)
        # After the first frame: the screen shows at once, its data (and the imports the
        # load needs) follow a moment later instead of delaying it.
        self.call_after_refresh(self.reload)

    def on_screen_resume(self) -> None:
        # Modes that were not on top missed DataChanged: catch up when shown again.
        current = getattr(self.app, "data_generation", 0)
        if self.seen_generation not in (-1, current):
            self.seen_generation = current
            self.reload()

    def on_data_changed(self, message: DataChanged) -> None:
        self.seen_generation = message.generation
        self.reload()

    def refuse_edit(self) -> bool:
        """True (after telling the user) when this session may not change anything."""
        return self.comanage.refuse_edit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.EDIT_ACTIONS and getattr(self.app, "read_only", False) and not self._finding_edit_keys:
            return False  # hidden from the footer; the key itself still explains (on_key)
        return True

    def edit_binding_for(self, key: str) -> bool:
        """True when `key` is bound to one of this screen's edit actions (with the user's keymap applied).

        Asks Textual's public `active_bindings` while `check_action` lets the edit actions
        through for a moment, so the answer follows the same binding chain and keymap that a
        writable session would use.
        """
        self._finding_edit_keys = True
        try:
            active = self.active_bindings.get(key)
        finally:
            self._finding_edit_keys = False
        return (active is not None and active.node is self
                and active.binding.action.split("(", 1)[0] in self.EDIT_ACTIONS)

    def on_key(self, event: events.Key) -> None:
        # A read-only session hides the edit keys; pressing one still says why nothing happens.
        if getattr(self.app, "read_only", False) and self.edit_binding_for(event.key):
            event.stop()
            self.refuse_edit()
