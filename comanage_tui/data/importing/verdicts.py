"""Do comanage's SLA verdicts agree with the source system's own? (tickets.source_sla_met)

For every imported ticket whose export said whether it made its SLA, the stored policies
are matched (`match_policy`, by holder party, area, priority, kind) and the clock is
recomputed from the ticket's event log (`compute_clocks`) as of `now`. A stopped clock
gives met/missed; a clock still running at `now` counts as missed once breached and is
otherwise left out as "open". Nothing here knows which system the data came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from comanage_tui.data.sla.engine import ClockState, Event, compute_clocks, match_policy

if TYPE_CHECKING:
    from comanage_tui.data.store import Store

ClockName = Literal["resolution", "response"]


@dataclass(slots=True)
class Disagreement:
    ref: str
    priority: str
    source_met: bool
    comanage_met: bool
    elapsed_minutes: float
    target_minutes: float
    policy: str


@dataclass
class Agreement:
    """Counts for one priority (or all of them)."""

    priority: str
    both_met: int = 0
    both_missed: int = 0
    only_source_met: int = 0
    """The source says met, comanage says missed."""
    only_comanage_met: int = 0
    open: int = 0
    """Clock still running at `now` and not breached: no verdict yet."""
    no_policy: int = 0

    @property
    def compared(self) -> int:
        return self.both_met + self.both_missed + self.only_source_met + self.only_comanage_met

    @property
    def agree(self) -> int:
        return self.both_met + self.both_missed

    @property
    def percent(self) -> float | None:
        return self.agree * 100 / self.compared if self.compared else None

    def add(self, other: Agreement) -> None:
        for name in ("both_met", "both_missed", "only_source_met", "only_comanage_met", "open", "no_policy"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class VerdictReport:
    clock: ClockName
    now: float
    by_priority: list[Agreement]
    disagreements: list[Disagreement] = field(default_factory=list)
    disagreements_total: int = 0

    @property
    def total(self) -> Agreement:
        out = Agreement("all")
        for row in self.by_priority:
            out.add(row)
        return out

    def format_text(self, *, list_limit: int = 20) -> str:
        head = f"{'priority':<9}{'compared':>9}{'agree':>8}{'agree %':>9}{'both met':>10}{'both missed':>12}" \
               f"{'src met/cm missed':>19}{'src missed/cm met':>19}{'open':>6}{'no policy':>10}"
        lines = [f"SLA verdict agreement ({self.clock} clock): source system vs comanage", head]
        for row in [*self.by_priority, self.total]:
            pct = "-" if row.percent is None else f"{row.percent:.1f}"
            lines.append(f"{row.priority:<9}{row.compared:>9,}{row.agree:>8,}{pct:>9}{row.both_met:>10,}{row.both_missed:>12,}"
                         f"{row.only_source_met:>19,}{row.only_comanage_met:>19,}{row.open:>6,}{row.no_policy:>10,}")
        if self.disagreements and list_limit:
            lines.append(f"disagreements (first {min(list_limit, len(self.disagreements))} of {self.disagreements_total:,}):")
            for d in self.disagreements[:list_limit]:
                lines.append(f"  {d.ref} {d.priority}: source {'met' if d.source_met else 'missed'}, comanage "
                             f"{'met' if d.comanage_met else 'missed'} ({d.elapsed_minutes:,.0f} of {d.target_minutes:,.0f} "
                             f"business min, policy {d.policy})")
        return "\n".join(lines) + "\n"


def compare_verdicts(
    store: Store,
    *,
    now: float,
    clock: ClockName = "resolution",
    source: str | None = None,
    keep: int = 1000,
) -> VerdictReport:
    """Agreement per priority between `source_sla_met` and comanage's verdict for `clock`.

    Args:
        now: the instant the clocks are computed at (explicit, never the wall clock).
        source: only tickets imported from this source (tickets.source), e.g. "servicenow".
        keep: how many disagreements to keep in the report (all are counted).
    """
    policies = store.sla.policies()
    calendars = store.sla.calendar_map()
    rows: dict[str, Agreement] = {}
    report = VerdictReport(clock, now, [])
    where, params = ("t.source_sla_met IS NOT NULL", [])
    if source is not None:
        where, params = where + " AND t.source = ?", [source]
    with store.lock:
        conn = store.conn
        keys = dict(conn.execute("SELECT id, key FROM parties").fetchall())
        tickets = conn.execute(
            "SELECT t.id, t.ref, t.priority, t.kind, t.source_sla_met, p.key, a.key FROM tickets t "
            f"JOIN parties p ON p.id = t.holder_party_id LEFT JOIN areas a ON a.id = t.area_id WHERE {where} ORDER BY t.id",
            params,
        )
        # Events arrive in ticket order on a second cursor: one ticket's log in memory at a time.
        events = conn.execute(
            "SELECT e.ticket_id, e.at, e.kind, e.status, e.party_id, e.person_id, e.priority FROM ticket_events e "
            f"JOIN tickets t ON t.id = e.ticket_id WHERE {where} ORDER BY e.ticket_id, e.seq",
            params,
        )
        pending = next(events, None)
        for tid, ref, priority, kind, met, party, area in tickets:
            log: list[Event] = []
            while pending is not None and pending[0] <= tid:
                if pending[0] == tid:
                    _, at, ekind, status, party_id, person_id, eprio = pending
                    log.append(Event(at, ekind, status, keys.get(party_id), None if person_id is None else str(person_id), eprio))
                pending = next(events, None)
            row = rows.setdefault(priority, Agreement(priority))
            policy = match_policy(policies, party=party, area=area, priority=priority, kind=kind)
            calendar = calendars.get(policy.calendar) if policy is not None else None
            if policy is None or calendar is None or priority not in policy.targets or not log:
                row.no_policy += 1
                continue
            c = getattr(compute_clocks(log, policy, calendar, now), clock)
            if c.state in (ClockState.MET, ClockState.MISSED, ClockState.BREACHED):
                ours = c.state == ClockState.MET
            else:
                row.open += 1
                continue
            theirs = bool(met)
            if ours and theirs:
                row.both_met += 1
            elif not ours and not theirs:
                row.both_missed += 1
            else:
                if theirs:
                    row.only_source_met += 1
                else:
                    row.only_comanage_met += 1
                report.disagreements_total += 1
                if len(report.disagreements) < keep:
                    report.disagreements.append(Disagreement(ref, priority, theirs, ours, c.elapsed_seconds / 60,
                                                             c.target_seconds / 60, policy.name))
    report.by_priority = [rows[p] for p in sorted(rows)]
    return report
