"""Party scorecard: one party's last 30 days (SLA verdicts that were theirs, OLAs, time held, handoffs, KT, areas).

Opened from the Split screen (`p`, on the party under the cursor). The figures are the read
model's (`readmodel/scorecard.py`) as the snapshot and `comanage scorecard` show them: the
screen formats `render.scorecard_parts`, it counts nothing itself. Keyboard only: ←/→ pick
the party, ↑/↓ and PgUp/PgDn scroll, Escape goes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static

from comanage_tui.screens.base import ComanageScreen
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.safe import clean, text

if TYPE_CHECKING:
    from comanage_tui.data.snapshot.model import PartyScorecard

WIDTH = 76  # the text's width: 80 columns less the scroll bar and padding
DAYS = 30


@dataclass
class ScorecardLoaded(Message):
    """A worker built the scorecard of `party`."""

    parties: list[str]
    party: str
    card: PartyScorecard


def table_lines(headers: list[str], rows: list[list[str]], right: tuple[int, ...], width: int = WIDTH) -> list[str]:
    """An aligned plain-text table; the widest text column is cut (with …) to fit `width`."""
    cols = len(headers)
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(cols)]
    over = sum(widths) + 2 * (cols - 1) - width
    if over > 0:
        texts = [i for i in range(cols) if i not in right]
        widest = max(texts or range(cols), key=lambda i: widths[i])
        widths[widest] = max(6, widths[widest] - over)

    def cell(value: str, i: int) -> str:
        value = value if len(value) <= widths[i] else value[:widths[i] - 1] + "…"
        return value.rjust(widths[i]) if i in right else value.ljust(widths[i])

    return ["  ".join(cell(c, i) for i, c in enumerate(r)).rstrip() for r in [headers, *rows]]


def card_lines(card: PartyScorecard, width: int = WIDTH) -> list[tuple[str, str]]:
    """(style, line) pairs of the whole scorecard as the screen shows it."""
    import textwrap

    from comanage_tui.data.snapshot.render import RULE_TITLES, card_title, card_window, scorecard_parts

    out = [("bold", card_title(card)), ("dim", f"Window: {card_window(card)}")]
    for part in scorecard_parts(card):
        out.append(("", ""))
        out += [("bold" if i == 0 else "", line) for i, line in
                enumerate(textwrap.wrap(f"{part.title}. {part.summary}", width, subsequent_indent="  "))]
        if part.rows:
            lines = table_lines(part.headers, part.rows, part.right, width)
            out += [("underline", lines[0]), *(("", line) for line in lines[1:])]
    out += [("", ""), ("bold", "How these figures are counted")]
    for key, rule in card.rules.items():
        out += [("dim", line) for line in textwrap.wrap(f"{RULE_TITLES.get(key, key)}: {rule}", width, subsequent_indent="  ")]
    return out


class ScorecardScreen(ComanageScreen):
    """One party's scorecard over the last 30 days; ←/→ switch the party."""

    DEFAULT_CSS = """
    ScorecardScreen #card-picker { height: 1; padding: 0 1; background: $panel; }
    ScorecardScreen #card-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the Split screen", id="scorecard.back"),
        Binding("right,right_square_bracket", "party(1)", "Next party", key_display="→",
                tooltip="The next party's scorecard", id="scorecard.next"),
        Binding("left,left_square_bracket", "party(-1)", "Previous party", key_display="←",
                tooltip="The previous party's scorecard", id="scorecard.previous"),
    ]

    def __init__(self, party: str | None = None):
        super().__init__()
        self.sub_title = "Party scorecard"
        self.party = party
        """The party shown (None: the first, the internal team)."""
        self.parties: list[str] = []
        self.card: PartyScorecard | None = None
        """The scorecard on screen (the snapshot's model of it)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("Loading…", id="card-picker")
        with VerticalScroll(id="card-body"):
            yield Static("Computing the scorecard…", id="card-text")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#card-body").focus()

    def reload(self) -> None:
        self._load(self.party, self.comanage.now())

    @work(thread=True, exclusive=True, group="scorecard", exit_on_error=False)
    def _load(self, party: str | None, now: int) -> None:
        from comanage_tui.data.models import PartyKind
        from comanage_tui.data.snapshot.scorecard_doc import build_scorecard

        store = self.comanage.reader
        parties = [p.key for p in sorted(store.org.parties(), key=lambda p: (p.kind != PartyKind.INTERNAL, p.key))]
        if not parties:
            return
        key = party if party in parties else parties[0]
        self.post_message(ScorecardLoaded(parties, key, build_scorecard(store, key, now - DAYS * 86_400, now)))

    def on_scorecard_loaded(self, message: ScorecardLoaded) -> None:
        if self.party not in (None, message.party) and self.party in message.parties:
            return  # a reply for a party no longer asked for
        self.parties, self.party, self.card = message.parties, message.party, message.card
        self._show_picker()
        body = Text(end="")
        for style, line in card_lines(message.card):
            body.append_text(text(line, style))
            body.append("\n")
        self.query_one("#card-text", Static).update(body)

    def _show_picker(self) -> None:
        line = Text("Party ", style="bold", no_wrap=True, overflow="ellipsis", end="")
        for key in self.parties:
            shown = clean(key, limit=20)
            line.append(f"[{shown}]" if key == self.party else f" {shown} ", style="bold reverse" if key == self.party else "")
            line.append(" ")
        line.append(f"  ←/→ party · last {DAYS} days", style="dim")
        self.query_one("#card-picker", Static).update(line)

    def action_party(self, step: int) -> None:
        """Show the next (1) or previous (-1) party's scorecard."""
        if not self.parties:
            return
        i = self.parties.index(self.party) if self.party in self.parties else 0
        self.party = self.parties[(i + step) % len(self.parties)]
        self._show_picker()
        self.query_one("#card-text", Static).update(text(f"Computing the scorecard of {self.party}…"))
        self.reload()

    def action_back(self) -> None:
        """Back to where the scorecard was opened from."""
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
