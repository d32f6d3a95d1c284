"""The Ctrl+P command palette: go to a screen, and every described action of the current screen and the app.

Each action is listed once, by its description (never a class name); Help and Quit come
from here, so the app leaves Textual's own "Keys" and "Quit" commands out (app.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from comanage_tui.widgets.nav import SCREENS


class ComanageCommands(Provider):
    """Screens by name, help, quit, and the actions the screen the palette was opened on offers."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        out: list[tuple[str, Callable[[], object], str]] = []
        for info in SCREENS:
            out.append((f"Go to {info.title}", partial(app.run_action, f"go('{info.mode}')"),
                        f"{info.about} (keys {info.number}, {info.letter})"))
        out.append(("Open the period review", partial(app.run_action, "review"),
                    "The last quarter (or a month) against the one before; export it with x (key r on the Overview)"))
        out.append(("Help: every key on this screen", partial(app.run_action, "help"), "key ?"))
        seen = {"Help", "Quit", "Back", "Screens"}
        skip = {"go", "help", "quit", "command_palette", "back", "app.review"}
        # The screen's own actions first, then the focused widget's and the app's (Export, Undo).
        bindings = sorted(self.screen.active_bindings.values(), key=lambda a: isinstance(a.node, App))
        for active in bindings:
            binding = active.binding
            name = binding.action.split("(", 1)[0]
            if binding.system or not binding.description or name in skip or binding.description in seen:
                continue
            if not active.enabled:
                continue  # hidden here (e.g. edits in a read-only session)
            seen.add(binding.description)
            key = app.get_key_display(binding)
            out.append((binding.description, partial(active.node.run_action, binding.action),
                        f"{binding.tooltip or binding.description} (key {key})"))
        out.append(("Quit comanage", partial(app.run_action, "quit"), "key q"))
        return out

    async def discover(self) -> Hits:
        for label, command, help_text in self._commands():
            yield DiscoveryHit(label, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, command, help_text in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), command, help=help_text)
