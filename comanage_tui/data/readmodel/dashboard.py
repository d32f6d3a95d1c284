"""The Overview's figures: KPI counts and today's attention list, computed once here; the screen only formats.

`now_figures` is the first, fast step (open clocks, handoffs, KT, RACI); `week_compliance`
and `trend` follow, so a large database shows the tiles before the history is replayed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from comanage_tui.data.models import KtItem
from comanage_tui.data.readmodel.clocks import TicketClock, open_ticket_clocks
from comanage_tui.data.readmodel.context import Context, end_of_business_today, local_today
from comanage_tui.data.readmodel.coverage import Coverage, uncovered_tickets
from comanage_tui.data.readmodel.figures import (
    ClockCounts,
    count_clocks,
    format_duration,
    is_due_today,
    label,
    left_minutes,
    left_text,
)
from comanage_tui.data.readmodel.freshness import SourceFreshness, header_text, source_freshness
from comanage_tui.data.readmodel.history import Compliance, Replay, compliance_in_window, replay, weekly_trend
from comanage_tui.data.readmodel.org import AreaSplit, HandoffStatus, handoff_statuses, raci_split
from comanage_tui.data.sla.engine import ClockState
from comanage_tui.data.store import Store

WEEK = 7 * 86_400
ATTENTION_SIZE = 10
TREND_WEEKS = 12
# How many of each kind the list takes before the remaining slots are filled in rank order,
# so a flood of breached tickets cannot hide a handoff nobody has picked up.
CAPS = {"breached": 4, "handoff": 2, "due_today": 2, "kt": 1, "raci": 1}
RANK = {"breached": 0, "handoff": 1, "due_today": 2, "kt": 3, "raci": 4}
PRIORITY_RANK = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}


@dataclass(frozen=True, slots=True)
class Attention:
    """One thing to act on today. `target` says what Enter opens."""

    key: str
    kind: str
    """breached, handoff, due_today, kt or raci."""
    state: str
    """Glyph + word, e.g. "✖ breached" (figures.NAMES for clocks)."""
    subject: str
    """Which clock or record: "resolution", "handoff", "KT", "RACI"."""
    tone: str
    what: str
    """Unsanitised: the screen cleans it before showing it."""
    when: str
    target: tuple[str, int]
    """("ticket", id), ("handoffs", handoff id), ("knowledge", kt id) or ("split", area id)."""
    urgency: tuple


@dataclass
class Kpis:
    clocks: ClockCounts = field(default_factory=ClockCounts)
    """Breached, at risk and due today: figures.py defines each."""
    open_handoffs: int = 0
    oldest_handoff: str = "–"
    waiting_on_us: int = 0
    waiting_on_partners: int = 0
    late_acks: int = 0
    kt_overdue: int = 0
    stale_runbooks: int = 0
    raci_gaps: int = 0
    raci_overlaps: int = 0


@dataclass
class NowFigures:
    """Everything the Overview shows that needs no history: the first step of its load."""

    kpis: Kpis
    attention: list[Attention]
    candidates: int
    """How many things qualified for the attention list (it shows up to ATTENTION_SIZE)."""
    eob: float
    """Close of business today (the "due today" deadline), epoch seconds."""
    zone: str
    clocks: list[TicketClock]
    sources: list[SourceFreshness] = field(default_factory=list)
    """Synced sources and how fresh their data is (readmodel.freshness), for the header's "data as of"."""
    now: int = 0
    coverage: Coverage = field(default_factory=lambda: Coverage(0, 0))
    """Tickets no SLA policy covers (readmodel.coverage), open now and in all."""

    @property
    def data_as_of(self) -> str:
        """The header's freshness line ("data as of servicenow 08:12"), "" when nothing is synced."""
        return header_text(self.sources, self.zone, self.now)


def now_figures(store: Store, ctx: Context, now: float, *, all_items: bool = False) -> NowFigures:
    """KPIs and the attention list at `now`, from the same open clocks the SLA screen lists.

    `all_items`: the attention list goes on past the top ATTENTION_SIZE with every other
    candidate by rank (the Overview's `m`); the top is the same either way.
    """
    clocks = open_ticket_clocks(store, ctx, now)
    eob = end_of_business_today(ctx, now)
    handoffs = handoff_statuses(store, ctx, now)
    today = local_today(ctx, now)
    kt = ctx.kt_items(store)
    split = raci_split(store, ctx, now)
    internal = {p.key for p in ctx.parties.values() if p.kind == "internal"}
    items, candidates = attention(clocks, eob, handoffs, kt, today, split, with_rest=all_items)
    cal = ctx.internal_calendar()
    zone = cal.spec.timezone if cal is not None else "UTC"
    with store.lock:
        sources = source_freshness(store.conn, int(now))
    return NowFigures(kpis(clocks, eob, handoffs, internal, kt, today, split), items, candidates, eob, zone, clocks,
                      sources, now=int(now), coverage=uncovered_tickets(store, ctx, now))


def week_compliance(store: Store, ctx: Context, end: float, clocks: list[TicketClock] | None = None,
                    ) -> tuple[float | None, float | None]:
    """(resolution %, response %) over the 7 days before `end` (`clocks`: the open clocks at `end`)."""
    return compliance_pair(compliance_in_window(store, ctx, end - WEEK, end, clocks))


def trend(store: Store, ctx: Context, now: float, weeks: int = TREND_WEEKS,
          replayed: Replay | None = None) -> list[tuple[float, float | None, int]]:
    """The chart's weeks, oldest first: `history.weekly_trend`, the snapshot's trend too, so the
    two always agree and the last two bars equal the compliance tiles."""
    return weekly_trend(store, ctx, now, weeks, replayed=replayed)


@dataclass(frozen=True)
class History:
    """The Overview's history from one replay: this week's and the previous week's tiles, the trend."""

    current: tuple[float | None, float | None]
    previous: tuple[float | None, float | None]
    weeks: list[tuple[float, float | None, int]]


def history(store: Store, ctx: Context, now: float, weeks: int = TREND_WEEKS) -> History:
    """One replay for the tiles and the trend: a week tile is `week_compliance` over [end - 7 days,
    end) judged at `end`, which is what each trend week counts, so the last two weeks of the
    replay are the two tiles (tests/data/test_readmodel.py compares them with `week_compliance`)."""
    r = replay(store, ctx, now, weeks=weeks)

    def pair(i: int) -> tuple[float | None, float | None]:
        return tuple(m * 100 / (m + x) if m + x else None for m, x in (r.weeks[i], r.weeks_response[i]))

    return History(pair(-1), pair(-2) if weeks > 1 else (None, None), trend(store, ctx, now, weeks, replayed=r))


def kpis(clocks: list[TicketClock], eob: float, handoffs: list[HandoffStatus], internal: set[str],
         kt: list[KtItem], today: dt.date, split: list[AreaSplit]) -> Kpis:
    k = Kpis(clocks=count_clocks((c for row in clocks for c in row.open_clocks), eob))
    k.open_handoffs = len(handoffs)
    if handoffs:
        oldest = max(h.age_seconds for h in handoffs)
        # Whole hours once it is long: the tile is narrow and minutes no longer matter.
        k.oldest_handoff = f"{int(oldest // 3600)}h" if oldest >= 10 * 3600 else format_duration(oldest)
    k.waiting_on_us = sum(h.waiting_on in internal for h in handoffs)
    k.waiting_on_partners = k.open_handoffs - k.waiting_on_us
    k.late_acks = sum(h.ack.state == ClockState.BREACHED for h in handoffs)
    k.kt_overdue = sum(i.is_overdue(today) for i in kt)
    k.stale_runbooks = sum(i.kind == "runbook" and i.is_stale(today) for i in kt)
    k.raci_gaps = sum(bool(a.gap) for a in split)
    k.raci_overlaps = sum(bool(a.overlap) for a in split)
    return k


def attention(clocks: list[TicketClock], eob: float, handoffs: list[HandoffStatus],
              kt: list[KtItem], today: dt.date, split: list[AreaSplit], *,
              with_rest: bool = False) -> tuple[list[Attention], int]:
    """The ten most urgent things (then, `with_rest`, every other one by rank), and how many there were in all."""
    items: list[Attention] = []
    for row in clocks:
        for c in row.open_clocks:
            what = f"{row.priority} {row.ref} {row.title} · {row.holder}"
            key = f"clock:{row.ticket_id}:{c.name}"
            if c.state == ClockState.BREACHED:
                items.append(Attention(key, "breached", label("breached"), c.name, "bad", what, left_text(c),
                                       ("ticket", row.ticket_id), (PRIORITY_RANK.get(row.priority, 9), left_minutes(c))))
            elif is_due_today(c, eob):
                state = label("at_risk") if c.state == ClockState.AT_RISK else label("due_today")
                items.append(Attention(key, "due_today", state, c.name, "warn", what, left_text(c),
                                       ("ticket", row.ticket_id), (c.due_at,)))
    for h in handoffs:
        if h.ack.state == ClockState.BREACHED:
            ho = h.handoff
            what = f"{ho.from_party_key}→{ho.to_party_key} {ho.summary}"
            items.append(Attention(f"handoff:{ho.id}", "handoff", "✖ ack late", "handoff", "bad", what,
                                   f"waiting {format_duration(h.age_seconds)}", ("handoffs", ho.id), (-h.age_seconds,)))
    for i in kt:
        if i.is_overdue(today) and i.due_date is not None:
            days = (today - i.due_date).days
            items.append(Attention(f"kt:{i.id}", "kt", "✖ overdue", "KT", "bad", f"{i.area_key}: {i.topic}", f"{days} d overdue",
                                   ("knowledge", i.id), (-days,)))
    for a in split:
        if a.area.criticality in ("high", "critical") and (a.gap or a.overlap):
            problem = "; ".join(a.problems[:2])
            state = "✖ gap" if a.gap else "✖ overlap"
            items.append(Attention(f"raci:{a.area.key}", "raci", state, "RACI", "bad", f"{a.area.name}: {problem}",
                                   a.area.criticality.value, ("split", a.area.id),
                                   (0 if a.area.criticality == "critical" else 1,)))
    top = pick(items)
    if with_rest:
        chosen = set(id(a) for a in top)
        top += sorted((a for a in items if id(a) not in chosen), key=lambda a: (RANK[a.kind], a.urgency, a.key))
    return top, len(items)


def pick(items: list[Attention], size: int = ATTENTION_SIZE) -> list[Attention]:
    """Up to CAPS of each kind first, then the rest by rank; shown in rank then urgency order."""
    ordered = sorted(items, key=lambda a: (RANK[a.kind], a.urgency, a.key))
    chosen: list[Attention] = []
    taken: dict[str, int] = {}
    for a in ordered:
        if len(chosen) < size and taken.get(a.kind, 0) < CAPS[a.kind]:
            chosen.append(a)
            taken[a.kind] = taken.get(a.kind, 0) + 1
    for a in ordered:
        if len(chosen) >= size:
            break
        if a not in chosen:
            chosen.append(a)
    return sorted(chosen, key=lambda a: (RANK[a.kind], a.urgency, a.key))


def compliance_pair(c: Compliance | None) -> tuple[float | None, float | None]:
    """(resolution %, response %) of a window, None when nothing stopped in it."""
    if c is None:
        return None, None
    return c.overall["resolution"].percent, c.overall["response"].percent
