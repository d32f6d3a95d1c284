"""What the overview shows, computed from the read model: KPI values and today's attention list.

Pure functions of `status` results (no Textual), so the rules are tested without a screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the screen imports this module at start-up; the data layer loads in its worker
    from comanage_tui.data.models import KtItem
    from comanage_tui.data.status import AreaSplit, Compliance, Context, HandoffStatus, TicketClock
    from comanage_tui.data.store import Store

BREACHED, AT_RISK, RUNNING = "breached", "at_risk", "running"  # ClockState values (a StrEnum)

ATTENTION_SIZE = 10
TREND_WEEKS = 12
# How many of each kind the list takes before the remaining slots are filled in rank order,
# so a flood of breached tickets cannot hide a handoff nobody has picked up.
CAPS = {"breached": 4, "handoff": 2, "at_risk": 2, "kt": 1, "raci": 1}
RANK = {"breached": 0, "handoff": 1, "at_risk": 2, "kt": 3, "raci": 4}
PRIORITY_RANK = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}


@dataclass(frozen=True, slots=True)
class Attention:
    """One thing to act on today. `target` says what Enter opens."""

    key: str
    kind: str
    """breached, handoff, at_risk, kt or raci."""
    state: str
    """Glyph + word, e.g. "✖ breached"."""
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
    breached: int = 0
    breached_response: int = 0
    breached_resolution: int = 0
    at_risk_today: int = 0
    open_handoffs: int = 0
    oldest_handoff: str = "–"
    waiting_on_us: int = 0
    waiting_on_partners: int = 0
    late_acks: int = 0
    kt_overdue: int = 0
    stale_runbooks: int = 0
    raci_gaps: int = 0
    raci_overlaps: int = 0


def kpis(clocks: list[TicketClock], eob: float, handoffs: list[HandoffStatus], internal: set[str],
         kt: list[KtItem], today: dt.date, split: list[AreaSplit]) -> Kpis:
    from comanage_tui.data.sla_explain import format_duration

    k = Kpis()
    for row in clocks:
        for c in row.open_clocks:
            if c.state == BREACHED:
                k.breached += 1
                k.breached_response += c.name == "response"
                k.breached_resolution += c.name == "resolution"
            elif c.state in (RUNNING, AT_RISK) and c.due_at is not None and c.due_at <= eob:
                k.at_risk_today += 1
    k.open_handoffs = len(handoffs)
    if handoffs:
        oldest = max(h.age_seconds for h in handoffs)
        # Whole hours once it is long: the tile is narrow and minutes no longer matter.
        k.oldest_handoff = f"{int(oldest // 3600)}h" if oldest >= 10 * 3600 else format_duration(oldest)
    k.waiting_on_us = sum(h.waiting_on in internal for h in handoffs)
    k.waiting_on_partners = k.open_handoffs - k.waiting_on_us
    k.late_acks = sum(h.ack.state == BREACHED for h in handoffs)
    k.kt_overdue = sum(i.is_overdue(today) for i in kt)
    k.stale_runbooks = sum(i.kind == "runbook" and i.is_stale(today) for i in kt)
    k.raci_gaps = sum(bool(a.gap) for a in split)
    k.raci_overlaps = sum(bool(a.overlap) for a in split)
    return k


def attention(clocks: list[TicketClock], now: float, eob: float, handoffs: list[HandoffStatus],
              kt: list[KtItem], today: dt.date, split: list[AreaSplit], *,
              with_rest: bool = False) -> tuple[list[Attention], int]:
    """The ten most urgent things (then, `with_rest`, every other one by rank), and how many there were in all."""
    from comanage_tui.data.sla_explain import format_duration

    items: list[Attention] = []
    for row in clocks:
        for c in row.open_clocks:
            what = f"{row.priority} {row.ref} {row.title} · {row.holder}"
            key = f"clock:{row.ticket_id}:{c.name}"
            if c.state == BREACHED:
                over = c.elapsed_seconds - c.target_seconds
                items.append(Attention(key, "breached", "✖ breached", c.name, "bad", what, f"{format_duration(over)} over",
                                       ("ticket", row.ticket_id), (PRIORITY_RANK.get(row.priority, 9), -over)))
            elif c.state in (RUNNING, AT_RISK) and c.due_at is not None and c.due_at <= eob:
                label = "▲ at risk" if c.state == AT_RISK else "● due today"
                items.append(Attention(key, "at_risk", label, c.name, "warn", what, f"due in {format_duration(c.due_at - now)}",
                                       ("ticket", row.ticket_id), (c.due_at,)))
    for h in handoffs:
        if h.ack.state == BREACHED:
            ho = h.handoff
            what = f"{ho.from_party_key}→{ho.to_party_key} {ho.summary}"
            items.append(Attention(f"handoff:{ho.id}", "handoff", "✖ ack late", "handoff", "bad", what, f"waiting {format_duration(h.age_seconds)}",
                                   ("handoffs", ho.id), (-h.age_seconds,)))
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


def trend(store: Store, ctx: Context, now: float, weeks: int = TREND_WEEKS) -> list[tuple[float, float | None, int]]:
    """The chart's weeks, oldest first: (week start, resolution %, closed clocks).

    `status.weekly_trend`, the function the snapshot's trend comes from, so the two always
    agree (each week judged as of its own end, so the last two bars equal the compliance
    tiles); it streams events and keeps only counters, so memory stays bounded.
    """
    from comanage_tui.data.status import weekly_trend

    return weekly_trend(store, ctx, now, weeks)


def compliance_pair(c: Compliance | None) -> tuple[float | None, float | None]:
    """(resolution %, response %) of a window, None when nothing stopped in it."""
    if c is None:
        return None, None
    return c.overall["resolution"].percent, c.overall["response"].percent


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
