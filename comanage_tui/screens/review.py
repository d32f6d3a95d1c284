"""Review: the period review (`comanage review`) in the dashboard, with a period picker and `x` to export it.

The figures come from `data.readmodel.review.build_review`, laid out by
`data.review.sections` exactly as the Markdown and HTML are: this screen only draws the
tables. `[` and `]` step to the previous and next period, `m` switches between quarters
and months; the body scrolls (arrows, PgUp/PgDn) and fits 80x24.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static

from comanage_tui.screens.base import ComanageScreen
from comanage_tui.screens.export import ExportScreen
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.safe import clean

if TYPE_CHECKING:  # loaded in the worker
    from comanage_tui.data.readmodel.review.model import Review
    from comanage_tui.data.readmodel.review.period import Period
    from comanage_tui.data.review.sections import Section

REVIEW_FORMATS = [("Markdown for mail or chat (.md)", "md"), ("HTML page, prints on A4 (.html)", "html"),
                  ("JSON data (.json)", "json")]


@dataclass
class ReviewLoaded(Message):
    period: Period
    review: Review


def render_sections(sections: list[Section]) -> Group:
    """The review's sections as Rich renderables: titles, paragraphs and tables, every cell plain text."""
    parts: list = []
    for sec in sections:
        parts.append(Text(sec.title, style="bold underline"))
        for para in sec.lead:
            parts.append(Text(para))
        for t in sec.tables:
            table = RichTable(box=None, padding=(0, 1), show_edge=False, header_style="bold")
            for i, head in enumerate(t.headers):
                table.add_column(Text(head), justify="right" if i in t.numeric else "left", no_wrap=True)
            for row in t.rows:
                cells = []
                for i, cell in enumerate(row):
                    style = "green" if cell.endswith("better") else "red" if cell.endswith("worse") else ""
                    cells.append(Text(cell, style=style if i == len(row) - 1 else ""))
                table.add_row(*cells)
            parts.append(table)
        for para in sec.text:
            parts.append(Text(para, style="dim"))
        parts.append(Text(""))
    return Group(*parts)


class ReviewExportScreen(ExportScreen):
    """The export dialog for the review shown (Markdown, HTML or JSON)."""

    TITLE_TEXT = "Export the period review"
    WHAT = "Review"
    FORMATS = REVIEW_FORMATS
    NOTES = False

    def __init__(self, period: Period, fmt: str = "md") -> None:
        super().__init__(fmt)
        self.period = period

    def suggested_path(self, fmt: str) -> Path:
        from comanage_tui.config import export_dir
        from comanage_tui.data.review.write import EXTENSIONS

        return export_dir() / f"comanage-review-{self.period.label}{EXTENSIONS[fmt]}"

    def build_and_write(self, store, fmt: str, path: Path, include_notes: bool, now: int) -> Path:  # a Store
        from comanage_tui.data.readmodel.review.build import build_review
        from comanage_tui.data.review.write import write_review

        return write_review(build_review(store, self.period), fmt, path)


class ReviewScreen(ComanageScreen):
    """How a quarter (or month) went against the one before."""

    DEFAULT_CSS = """
    ReviewScreen #review-period { height: 1; padding: 0 1; background: $boost; }
    ReviewScreen #review-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("left_square_bracket", "step(-1)", "Previous", id="review.previous",
                tooltip="Review the period before this one"),
        Binding("right_square_bracket", "step(1)", "Next", id="review.next", tooltip="Review the period after this one"),
        Binding("m", "toggle_kind", "Month/quarter", id="review.kind",
                tooltip="Switch between quarters and months (the month is the quarter's last)"),
        Binding("x", "export_review", "Export review", id="review.export",
                tooltip="Export this review (Markdown, HTML, JSON)"),
    ]

    def __init__(self, period: Period | None = None) -> None:
        super().__init__()
        self.sub_title = "Review"
        self.period: Period | None = period
        self.review: Review | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("Review: computing…", id="review-period", markup=False)
        with VerticalScroll(id="review-body"):
            yield Static("", id="review-content")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#review-body", VerticalScroll).focus()

    def reload(self) -> None:
        self._load(self.period, self.comanage.now())

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _load(self, period: Period | None, now: int) -> None:
        from comanage_tui.data.readmodel.context import load_context
        from comanage_tui.data.readmodel.review.build import build_review
        from comanage_tui.data.readmodel.review.period import last_complete_quarter, zone_of

        store = self.comanage.reader
        if period is None:
            cal = load_context(store).internal_calendar()
            period = last_complete_quarter(now, zone_of(cal.spec.timezone if cal is not None else None))
        self.post_message(ReviewLoaded(period, build_review(store, period)))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        from comanage_tui.data.review.sections import sections

        if self.period is not None and message.period != self.period:
            return  # an older load finishing after the user stepped on
        self.period, self.review = message.period, message.review
        r = message.review
        self.query_one("#review-period", Static).update(clean(
            f"{r.period.label} ({r.period.first_day} to {r.period.last_day}) vs {r.previous.label}"
            "  ·  [ ] step  m month/quarter", limit=200))
        self.query_one("#review-content", Static).update(render_sections(sections(r)))

    def _show(self, period: Period) -> None:
        self.period = period
        self.query_one("#review-period", Static).update(f"{period.label}: computing…")
        self._load(period, self.comanage.now())

    def action_step(self, by: int) -> None:
        if self.period is None:
            return
        self._show(self.period.following() if by > 0 else self.period.previous())

    def action_toggle_kind(self) -> None:
        from comanage_tui.data.readmodel.review.period import month, quarter

        if self.period is None:
            return
        self._show(month(self.period.last) if self.period.kind == "quarter" else quarter(self.period.first))

    def action_export_review(self) -> None:
        if self.period is not None and not isinstance(self.app.screen, ExportScreen):
            self.app.push_screen(ReviewExportScreen(self.period))
