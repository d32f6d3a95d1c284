"""The key footer: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all of its key widgets whenever the screen's bindings are
"updated", which happens on every screen switch and focus change even when the same keys
are shown: on the dashboard that was a third of the time a screen switch took. This one
remembers what it last built and leaves the widgets in place when nothing it shows changed.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    _shown: tuple | None = None

    def _keys_shown(self) -> tuple:
        """Everything `Footer.compose` draws from: each shown binding as displayed, enabled or not."""
        app = self.app
        return (self.compact, self.show_command_palette, tuple(
            (b.key, app.get_key_display(b), b.description, b.action, enabled, tooltip,
             b.group.description if b.group is not None else None)
            for _node, b, enabled, tooltip in self.screen.active_bindings.values() if b.show or b.key == app.COMMAND_PALETTE_BINDING))

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = self._keys_shown()
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
