"""Overview: KPI tiles, today's attention list (Enter opens each), and the weekly compliance trend.

Loads in steps so the screen is useful at once on a large database: the open clocks,
handoffs, KT and RACI first; this week's compliance next; the previous week and the 12-week
trend (seconds on 100k tickets) last, and at most every 30 s when live refresh asks for more.
All of it runs in one worker on the app's reader connection; every figure comes from
`data.readmodel.dashboard` (the same rules as the SLA screen, the snapshot and `check`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from comanage_tui.screens.base import ComanageScreen
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.paged_table import Column, ListSource, PagedTable, Row, Sort
from comanage_tui.widgets.safe import clean
from comanage_tui.widgets.states import percent, toned, trend_arrow

if TYPE_CHECKING:  # the read model loads in the worker, so the first frame does not wait for it
    from comanage_tui.data.readmodel.dashboard import Attention, NowFigures

TREND_MIN_SECONDS = 30.0  # live refresh recomputes the slow trend at most this often
TILES = ("res", "resp", "breached", "risk", "handoffs", "waiting", "kt", "raci")
ATTENTION_COLUMNS = [
    Column("state", "State", 11, sortable=False),
    Column("subject", "Clock/kind", 10, sortable=False),
    Column("what", "What", 20, flex=True, sortable=False),
    Column("when", "Business time", 15, sortable=False),
]


@dataclass
class NowLoaded(Message):
    """Open clocks, handoffs, KT and RACI have been read (readmodel.dashboard.now_figures)."""

    figures: NowFigures


@dataclass
class ComplianceLoaded(Message):
    """Compliance over a 7-day window: `which` is "current" or "previous"."""

    which: str
    resolution: float | None
    response: float | None


@dataclass
class TrendLoaded(Message):
    trend: list[tuple[float, float | None, int]]


class OverviewScreen(ComanageScreen):
    """Where the co-managed operation stands this morning."""

    MODE = "overview"
    FIGURES = ("breached", "due_today", "at_risk", "left", "uncovered")  # explained in the ? help
    # Enter belongs to the attention table (it posts RowSelected).
    BINDINGS = [
        Binding("r", "app.review", "Review", id="overview.review",
                tooltip="The period review: the last quarter (or a month) against the one before"),
        Binding("m", "toggle_all", "All items", id="overview.all",
                tooltip="Show every item of the attention list, or only the ten most urgent"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "Overview"
        self.items: list[Attention] = []
        self.figures: NowFigures | None = None
        self.current: tuple[float | None, float | None] | None = None
        self.previous: tuple[float | None, float | None] | None = None
        self.trend: list[tuple[float, float | None, int]] | None = None
        self.eob_text = "EOB"
        self._trend_at = 0.0
        self._trend_timer = None
        self._history_pending = True
        """The previous week and the trend still have to be (re)computed."""
        self.show_all = False
        """The attention list shows every item, not only the ten most urgent (`m`)."""
        self.all_items: list[Attention] = []
        self.candidates = 0

    def compose(self) -> ComposeResult:
        yield from self.header()
        with Grid(id="tiles"):
            for name in TILES:
                yield Static("…", id=f"tile-{name}", classes="kpi")
        yield Static("Attention today", id="attention-title", classes="section-title")
        yield PagedTable(ATTENTION_COLUMNS, None, sort=Sort("state"), id="attention")
        yield Static("Compliance trend: computing…", id="trend")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#attention", PagedTable).focus()

    # --- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        waited = time.monotonic() - self._trend_at
        if self.trend is None or waited >= TREND_MIN_SECONDS:
            self._history_pending = True
        elif self._trend_timer is None:
            self._trend_timer = self.set_timer(TREND_MIN_SECONDS - waited, self._history_due)
        self._load(self.comanage.now(), self._history_pending)

    def _history_due(self) -> None:
        self._trend_timer = None
        self._history_pending = True
        self._load(self.comanage.now(), True)

    @work(thread=True, exclusive=True, group="overview", exit_on_error=False)
    def _load(self, now: int, history: bool) -> None:
        """One worker, one step after another: the peak memory is the largest step, not their sum."""
        # Imported here, in the worker: the first frame does not wait for the read model to load.
        from comanage_tui.data.readmodel import dashboard

        worker = get_current_worker()
        store = self.comanage.reader
        ctx = self.read_context(store, now)
        figures = dashboard.now_figures(store, ctx, now, all_items=True)
        if worker.is_cancelled:
            return
        self.post_message(NowLoaded(figures))
        if not history:  # a live refresh: this week's tiles only (the trend at most every 30 s)
            current = dashboard.week_compliance(store, ctx, now, figures.clocks)
            if not worker.is_cancelled:
                self.post_message(ComplianceLoaded("current", *current))
            return
        del figures
        # ctx.events holds the open tickets' event logs read above; the replay streams theirs a
        # batch at a time, so emptying it keeps the peak near one batch's worth.
        ctx.events.clear()
        # One replay: each week judged as of its own end, the last two are the tiles.
        past = dashboard.history(store, ctx, now)
        if worker.is_cancelled:
            return
        self.post_message(ComplianceLoaded("current", *past.current))
        self.post_message(ComplianceLoaded("previous", *past.previous))
        self.post_message(TrendLoaded(past.weeks))

    def on_now_loaded(self, message: NowLoaded) -> None:
        from zoneinfo import ZoneInfo  # loaded by the read model by now; not before the first frame

        f = self.figures = message.figures
        fresh = f.data_as_of  # synced sources only: a database filled by hand or by import says nothing here
        self.sub_title = f"Overview · {fresh}" if fresh else "Overview"
        self.all_items, self.candidates = f.attention, f.candidates
        local = dt.datetime.fromtimestamp(f.eob, ZoneInfo(f.zone))
        self.eob_text = local.strftime("%H:%M")
        self._show_tiles()
        self._show_attention()

    def _show_attention(self) -> None:
        from comanage_tui.data.readmodel.dashboard import ATTENTION_SIZE  # loaded by now: the figures came from it

        self.items = self.all_items if self.show_all else self.all_items[:ATTENTION_SIZE]
        shown = len(self.items)
        if self.candidates > shown:
            title = f"Attention today: {shown} of {self.candidates} · m shows all"
        elif self.show_all and self.candidates > ATTENTION_SIZE:
            title = f"Attention today: all {shown} · m shows the {ATTENTION_SIZE} most urgent"
        else:
            title = f"Attention today: {shown}"
        title += "" if shown else " · nothing urgent"
        uncovered = self.figures.coverage.uncovered_open if self.figures is not None else 0
        if uncovered:  # these tickets have no clocks: no tile above counts them
            title += f" · ⚠ {uncovered:,} no policy"
        self.query_one("#attention-title", Static).update(title)
        table = self.query_one("#attention", PagedTable)
        source = ListSource(self.items, _attention_row)
        if table.source is None:
            table.set_source(source)
        else:
            table.source = source  # same rows keyed the same: reload keeps the cursor on its item
            table.reload()

    def on_compliance_loaded(self, message: ComplianceLoaded) -> None:
        pair = (message.resolution, message.response)
        if message.which == "current":
            self.current = pair
        else:
            self.previous = pair
        self._show_tiles()

    def on_trend_loaded(self, message: TrendLoaded) -> None:
        self.trend = message.trend
        self._history_pending = False
        self._trend_at = time.monotonic()
        self._show_trend()

    # --- showing ---------------------------------------------------------------------------

    def _tile(self, name: str, label: str, value: Text | str) -> None:
        body = Text(f"{label}\n", style="dim", end="", no_wrap=True, overflow="ellipsis")
        body.append_text(value if isinstance(value, Text) else Text(value))
        self.query_one(f"#tile-{name}", Static).update(body, layout=False)

    def _compliance_value(self, index: int) -> Text:
        if self.current is None:
            return Text("…")
        now_pct = self.current[index]
        before = self.previous[index] if self.previous is not None else None
        arrow, tone = trend_arrow(now_pct, before) if self.previous is not None else ("…", "")
        out = toned(self.app, f"{arrow} {percent(now_pct)}", tone)
        out.append(f" (prev {percent(before)})" if self.previous is not None else "")
        return out

    def _show_tiles(self) -> None:
        self._tile("res", "Resolution, 7 d", self._compliance_value(0))
        self._tile("resp", "Response, 7 d", self._compliance_value(1))
        if self.figures is None:
            return
        k = self.figures.kpis
        n = k.clocks
        breached = toned(self.app, f"✖ {n.breached}", "bad") if n.breached else toned(self.app, "✔ 0", "good")
        if n.breached:
            breached.append(f" ({n.breached_response} resp)")
        self._tile("breached", "Breached now", breached)
        # Two figures, two glyphs (docs/FIGURES.md): due before close of business, and at risk.
        due = toned(self.app, f"◷ {n.due_today}", "warn") if n.due_today else toned(self.app, "◷ 0", "good")
        due.append_text(toned(self.app, f" · ▲ {n.at_risk}", "warn") if n.at_risk else Text(" · ▲ 0"))
        self._tile("risk", f"Due {self.eob_text} · risk", due)
        # The age in the label's words, so the value fits a quarter of 80 columns ("5 · 2h 10m").
        oldest = f" · {k.oldest_handoff}" if k.open_handoffs else ""
        self._tile("handoffs", "Handoffs, oldest" if k.open_handoffs else "Open handoffs", f"{k.open_handoffs}{oldest}")
        self._tile("waiting", "Waiting us/them", f"us {k.waiting_on_us} · them {k.waiting_on_partners}")
        kt = toned(self.app, f"✖ {k.kt_overdue}", "bad") if k.kt_overdue else toned(self.app, "✔ 0", "good")
        kt.append(f" · ⚠ {k.stale_runbooks}" if k.stale_runbooks else " · 0")
        self._tile("kt", "KT late · stale", kt)
        raci = f"{k.raci_gaps} · {k.raci_overlaps}"
        self._tile("raci", "RACI gap·overlap", toned(self.app, f"✖ {raci}", "bad") if k.raci_gaps or k.raci_overlaps
                   else toned(self.app, "✔ 0 · 0", "good"))
        for name, bad in (("breached", n.breached), ("risk", n.due_today + n.at_risk), ("kt", k.kt_overdue),
                          ("raci", k.raci_gaps + k.raci_overlaps)):
            self.query_one(f"#tile-{name}", Static).set_class(bool(bad), "-alert")

    def _show_trend(self) -> None:
        trend = self.trend or []
        values = [pct for _start, pct, _n in trend]
        line = Text("Resolution compliance per week, oldest→newest (met÷closed): ", style="bold", end="")
        chart = Text(end="")
        for bar, pct in zip(bars(values), values):
            chart.append(bar, style="bold")
            chart.append(f"{'–' if pct is None else f'{pct:.0f}'} ")
        line.append("\n")
        line.append_text(chart)
        self.query_one("#trend", Static).update(line)

    # --- actions ----------------------------------------------------------------------------

    def action_toggle_all(self) -> None:
        """Every item of the attention list, or the ten most urgent."""
        self.show_all = not self.show_all
        if self.figures is not None:
            self._show_attention()

    def on_paged_table_row_selected(self, message: PagedTable.RowSelected) -> None:
        self._open(message.key)

    def _open(self, key: object) -> None:
        item = next((a for a in self.items if a.key == key), None)
        if item is None:
            return
        where, ident = item.target
        if where == "ticket":
            from comanage_tui.screens.ticket_detail import TicketDetailScreen

            self.app.push_screen(TicketDetailScreen(ident))
            return
        self.app.switch_mode(where)
        base = self.app.screen_stack[0]
        select = getattr(base, "select_id", None)
        if select is not None:
            select(ident)


def _attention_row(a: Attention) -> Row:
    return Row(a.key, (a.state, a.subject, clean(a.what), a.when), (a.tone, "", "", a.tone))


def bars(values: list[float | None], floor: float = 50.0) -> str:
    """One block character per value ("·" where a week had no closed clock).

    The scale starts at `floor` % (everything below shows as the lowest block): compliance
    lives between 50 and 100, and the exact numbers are printed beside the bars anyway.
    """
    blocks = "▁▂▃▄▅▆▇█"
    out = []
    for v in values:
        if v is None:
            out.append("·")
        else:
            share = (v - floor) / (100 - floor)
            out.append(blocks[min(len(blocks) - 1, max(0, round(share * (len(blocks) - 1))))])
    return "".join(out)
