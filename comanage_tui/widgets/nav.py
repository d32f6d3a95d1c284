"""The screens in one place (mode, title, keys) and the one-line navigation bar that shows them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True)
class ScreenInfo:
    mode: str
    title: str
    number: str
    letter: str
    about: str


SCREENS: tuple[ScreenInfo, ...] = (
    ScreenInfo("overview", "Overview", "1", "o", "KPI tiles, today's attention list, compliance trend"),
    ScreenInfo("split", "Split", "2", "s", "RACI matrix: who owns what, gaps, overlaps, drift; workload"),
    ScreenInfo("handoffs", "Handoffs", "3", "h", "Work passed between the parties and not yet taken"),
    ScreenInfo("sla", "SLA", "4", "l", "Open clocks by time to breach"),
    ScreenInfo("knowledge", "Knowledge", "5", "k", "Knowledge-transfer backlog and coverage"),
    ScreenInfo("tickets", "Tickets", "6", "t", "Every ticket: filter, sort, open, new, edit"),
    ScreenInfo("activity", "Activity", "7", "j", "Who changed what and when (the journal); Enter goes to it"),
)
BY_MODE = {s.mode: s for s in SCREENS}


class NavBar(Static):
    """`1 Overview  2 Split …` with the current screen marked by brackets and bold (not colour alone)."""

    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, current: str, **kwargs):  # Static's keyword arguments
        super().__init__(**kwargs)
        self.current = current

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        # Each entry is padded by a space on both sides (brackets for the current one): two spaces
        # between entries, and the seven fit in 76 columns, so an 80-column terminal shows them all.
        for info in SCREENS:
            if info.mode == self.current:
                out.append(f"[{info.number} {info.title}]", style="bold reverse")
            else:
                out.append(f" {info.number} {info.title} ")
        return out
