"""The filter line of the paged lists (Tickets, SLA): focus, clear, Escape, and token cycling.

The line holds words plus `name:value` tokens; keys such as `f` or `p` cycle one token's
value by rewriting the line, so what the keys did is always visible and editable.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input


def set_token(line: str, name: str, value: str | None) -> str:
    """`line` with token `name:` replaced by `name:value` (or removed when value is None)."""
    kept = [p for p in line.split() if p.partition(":")[0].lower() != name or not p.partition(":")[1]]
    if value is not None:
        kept.append(f"{name}:{value}")
    return " ".join(kept)


def next_option(options: list[str], current: str | None) -> str | None:
    """Cycle None → options[0] → … → options[-1] → None."""
    if current not in options:
        return options[0] if options else None
    i = options.index(current)
    return options[i + 1] if i + 1 < len(options) else None


class FilterLine:
    """Mixin for a screen with `filter_input` (an Input) above `table`; put it before the Screen base."""

    filter_input: Input
    table: Widget

    def action_filter(self) -> None:
        """Type into the filter line (Enter goes back to the table)."""
        self.filter_input.focus()

    def action_clear_filter(self) -> None:
        """Clear the filter line (or leave it, if it has focus and is empty)."""
        if self.filter_input.value:
            self.filter_input.value = ""
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter" and self.is_mounted:  # type: ignore[attr-defined]
            # Escape only means something here while a filter is typed or the line has focus.
            return bool(self.filter_input.value) or self.filter_input.has_focus
        return super().check_action(action, parameters)  # type: ignore[misc]

    def _cycle(self, token: str, options: list[str], current: str | None) -> None:
        self.filter_input.value = set_token(self.filter_input.value, token, next_option(options, current))
