"""The `?` screen: every binding of the screen it was opened from, generated from their BINDINGS."""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from comanage_tui.widgets.nav import SCREENS


def binding_sections(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section title, [(keys, description)])] for the bindings active on `screen`.

    Keys bound to the same action are listed together ("1 o  Overview"); each description
    appears once (the nearest binding wins, as when the key is pressed); system bindings,
    bindings without a description and hidden ones (check_action) are left out.
    """
    app = screen.app
    grouped: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(dict)
    order: list[str] = []
    described: dict[str, tuple[str, str]] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if binding.system or not binding.description or not active.enabled:
            continue
        node = active.node
        if isinstance(node, App):
            section = "Everywhere"
        elif isinstance(node, Screen):
            section = f"This screen: {node.sub_title or 'keys'}"
        else:
            section = "Moving in the list"
        if described.setdefault(binding.description, (section, binding.action)) != (section, binding.action):
            continue  # the same words twice (e.g. Escape): listed where it acts
        if section not in grouped:
            order.append(section)
        keys = grouped[section].setdefault((binding.action, binding.description), [])
        keys.append(app.get_key_display(binding))
    # What is particular to this screen first, the focused widget's keys next, the app's last.
    order.sort(key=lambda s: 0 if s.startswith("This screen") else 2 if s == "Everywhere" else 1)
    return [(s, [(" ".join(keys), desc) for (_a, desc), keys in grouped[s].items()]) for s in order]


class HelpScreen(ModalScreen[None]):
    """Every key of the current screen, then the global ones; Escape or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    HelpScreen #help-body { height: auto; max-height: 100%; }
    HelpScreen #help-foot { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", tooltip="Back to the screen", id="help.close"),
    ]

    def __init__(self, screen: Screen):
        super().__init__()
        self.sections = binding_sections(screen)
        self.figures: tuple[str, ...] = getattr(screen, "FIGURES", ())
        """Names of readmodel.figures.GLOSSARY the screen shows, explained under its keys."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Keys", style="bold"))
            with VerticalScroll(id="help-body"):
                yield Static(self.body(), id="help-text")
            yield Static("Escape closes · Ctrl+P searches every command", id="help-foot")

    def body(self) -> Text:
        out = Text(end="")
        for title, rows in self.sections:
            out.append(f"{title}\n", style="bold underline")
            width = max((len(k) for k, _ in rows), default=0)
            for keys, description in rows:
                out.append(f"  {keys:<{width}}  {description}\n")
            out.append("\n")
        if self.figures:
            # Imported on demand: the glossary lives with the rules it describes (the read model).
            from comanage_tui.data.readmodel.figures import GLOSSARY

            out.append("Figures on this screen\n", style="bold underline")
            for name in self.figures:
                out.append(f"  {GLOSSARY[name]}\n")
            out.append("\n")
        out.append("Screens\n", style="bold underline")
        for info in SCREENS:
            out.append(f"  {info.number} {info.letter}  {info.title}: {info.about}\n")
        return out

    def text(self) -> str:
        """Plain text of the help (tests read it)."""
        return self.body().plain

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
