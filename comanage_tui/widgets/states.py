"""Every state as glyph + word (never colour alone), plus the tone that colours it when colour is on.

A tone is a small vocabulary ("bad", "warn", "good", "muted", "") that widgets turn into a
rich Style from the active theme, so the same label reads correctly with NO_COLOR, in 16
colours and in a screenshot pasted into a chat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:
    from textual.app import App

# (glyph, word, tone) per state value used in the data layer.
CLOCK_STATES: dict[str, tuple[str, str, str]] = {
    "breached": ("✖", "breached", "bad"),
    "missed": ("✗", "missed", "bad"),
    "at_risk": ("▲", "at risk", "warn"),
    "running": ("●", "running", ""),
    "paused": ("‖", "paused", "muted"),
    "met": ("✔", "met", "good"),
}
TICKET_STATUSES: dict[str, tuple[str, str, str]] = {
    "new": ("○", "new", ""),
    "assigned": ("◔", "assigned", ""),
    "in_progress": ("●", "in progress", ""),
    "waiting_customer": ("‖", "on customer", "muted"),
    "waiting_vendor": ("‖", "on vendor", "muted"),
    "resolved": ("✔", "resolved", "good"),
    "closed": ("✔", "closed", "muted"),
}
HANDOFF_STATES: dict[str, tuple[str, str, str]] = {
    "requested": ("→", "requested", "warn"),
    "acknowledged": ("◐", "acknowledged", ""),
    "accepted": ("✔", "accepted", "good"),
    "returned": ("↩", "returned", "bad"),
}
# Order in which clock states are worst-first (attention lists and filters use it).
CLOCK_ORDER = ("breached", "at_risk", "running", "paused", "missed", "met")


def _lookup(table: dict[str, tuple[str, str, str]], value: object) -> tuple[str, str, str]:
    key = getattr(value, "value", value)
    key = "" if key is None else str(key)
    return table.get(key, ("?", key.replace("_", " ") or "none", "muted"))


def clock_label(state: object) -> tuple[str, str]:
    """("✖ breached", "bad") for a ClockState or its value."""
    glyph, word, tone = _lookup(CLOCK_STATES, state)
    return f"{glyph} {word}", tone


def status_label(status: object) -> tuple[str, str]:
    glyph, word, tone = _lookup(TICKET_STATUSES, status)
    return f"{glyph} {word}", tone


def handoff_label(state: object) -> tuple[str, str]:
    glyph, word, tone = _lookup(HANDOFF_STATES, state)
    return f"{glyph} {word}", tone


def trend_arrow(current: float | None, previous: float | None, *, tolerance: float = 0.5) -> tuple[str, str]:
    """Arrow and tone comparing two percentages; up is good for compliance."""
    if current is None or previous is None:
        return "·", "muted"
    if current > previous + tolerance:
        return "↑", "good"
    if current < previous - tolerance:
        return "↓", "bad"
    return "→", ""


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def tone_style(app: App, tone: str) -> Style:
    """The rich Style for a tone in the app's current theme (colour is dropped under NO_COLOR by Textual)."""
    if not tone:
        return Style()
    if tone == "muted":
        return Style(dim=True)
    variables = app.theme_variables
    # The text-* variants are the theme's readable-on-background versions of each colour.
    name = {"bad": "text-error", "warn": "text-warning", "good": "text-success"}.get(tone, "")
    colour = variables.get(name)
    if colour is None or not colour.startswith("#"):
        colour = variables.get(name.removeprefix("text-"))
    return Style(color=colour, bold=tone == "bad") if colour else Style(bold=tone == "bad")


def toned(app: App, label: str, tone: str) -> Text:
    """A Text of our own label (never user data) in the tone's style."""
    return Text(label, style=tone_style(app, tone), end="")
