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
    "missed": ("✖", "missed", "bad"),
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


AA = 4.6
"""The contrast a state colour is given (WCAG AA asks 4.5:1; the margin covers rounding)."""
_TONE_VARIABLE = {"bad": "text-error", "warn": "text-warning", "good": "text-success"}
_READABLE: dict[tuple[str, str], str | None] = {}


def tone_style(app: App, tone: str) -> Style:
    """The rich Style for a tone in the app's current theme (colour is dropped under NO_COLOR by Textual).

    The colour is the theme's text-error/-warning/-success, made lighter or darker until it
    has AA contrast on every background a state is drawn on (rows, zebra stripes, the cursor
    row, tiles, panels), also once a 256-colour terminal has rounded both colours.
    """
    if not tone:
        return Style()
    if tone == "muted":
        return Style(dim=True)
    key = (str(getattr(app, "theme", "")), tone)
    if key not in _READABLE:
        _READABLE[key] = _readable_tone(app, tone)
    colour = _READABLE[key]
    return Style(color=colour, bold=tone == "bad") if colour else Style(bold=tone == "bad")


def _readable_tone(app: App, tone: str) -> str | None:
    from textual.color import Color

    variables = app.theme_variables
    name = _TONE_VARIABLE.get(tone, "")
    raw = variables.get(name)
    if raw is None or not raw.startswith("#"):
        raw = variables.get(name.removeprefix("text-"))
    if not raw or not raw.startswith("#"):
        return raw  # an ANSI theme: the terminal's own palette decides
    backgrounds = state_backgrounds(variables)
    if not backgrounds:
        return raw
    return readable(Color.parse(raw), backgrounds).hex


def state_backgrounds(variables: dict[str, str]) -> list:  # list[textual.color.Color]
    """Every background a state label sits on, from the theme's variables (see app.tcss and the tables)."""
    from textual.color import Color

    def get(name: str) -> Color | None:
        value = variables.get(name)
        try:
            return Color.parse(value) if value else None
        except Exception:
            return None

    background, surface, panel = get("background"), get("surface"), get("panel")
    if background is None or surface is None:
        return []
    out = [background, surface]
    if panel is not None:
        out.append(background + panel)
    tint = get("foreground")
    focused = surface.tint(tint.with_alpha(0.05)) if tint is not None else surface
    out.append(focused)
    for name, alpha in (("boost", None), ("block-hover-background", None), ("surface-darken-1", 0.4),
                        ("surface-lighten-1", 0.5)):
        colour = get(name)
        if colour is not None:
            colour = colour if alpha is None else colour.with_alpha(alpha)
            out += [background + colour, surface + colour, focused + colour]
    primary, error, boost = get("primary"), get("error"), get("boost")
    for base in (background, surface, focused):
        if primary is not None:  # the cursor row (app.tcss: $primary 30%, blurred 15%)
            out += [base + primary.with_alpha(0.30), base + primary.with_alpha(0.15)]
        if error is not None and boost is not None:  # an alerting KPI tile
            out.append(base + boost + error.with_alpha(0.15))
    return out


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def as_256(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """The colour a 256-colour terminal shows for `rgb` (rich's own downgrade)."""
    from rich.color import Color as RichColor
    from rich.color import ColorSystem

    colour = RichColor.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).get_truecolor()
    return colour.red, colour.green, colour.blue


def worst_contrast(fg: tuple[int, int, int], backgrounds: list[tuple[int, int, int]]) -> float:
    """The lowest ratio of `fg` over `backgrounds`, in true colour and after 256-colour rounding."""
    return min(min(contrast(fg, bg), contrast(as_256(fg), as_256(bg))) for bg in backgrounds)


def readable(colour, backgrounds: list):
    """`colour`, blended toward white (dark backgrounds) or black (light ones) until it has AA contrast on all."""
    from textual.color import Color

    rgbs = [bg.rgb for bg in backgrounds]
    if worst_contrast(colour.rgb, rgbs) >= AA:
        return colour
    dark = sum(luminance(rgb) for rgb in rgbs) / len(rgbs) < 0.18
    target = Color(255, 255, 255) if dark else Color(0, 0, 0)
    best = colour
    for step in range(1, 41):
        candidate = colour.blend(target, step / 40)
        best = candidate
        if worst_contrast(candidate.rgb, rgbs) >= AA:
            break
    return best


def toned(app: App, label: str, tone: str) -> Text:
    """A Text of our own label (never user data) in the tone's style."""
    return Text(label, style=tone_style(app, tone), end="")
