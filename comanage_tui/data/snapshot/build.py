"""Build the status snapshot model once from the read model (data/readmodel); renderers only format it.

Determinism: nothing here reads the wall clock: `as_of` is the only "now", and every list
is sorted by an explicit key. User text is cleaned once here (control and bidi characters
removed), so no format can leak an escape sequence even before its own escaping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.models import KtItem, KtStatus
from comanage_tui.data.readmodel import clocks as RC
from comanage_tui.data.readmodel import context as RX
from comanage_tui.data.readmodel import coverage as RCov
from comanage_tui.data.readmodel import held as RHeld
from comanage_tui.data.readmodel import history as RH
from comanage_tui.data.readmodel import kt as RK
from comanage_tui.data.readmodel import ola as ROla
from comanage_tui.data.readmodel import org as RO
from comanage_tui.data.readmodel import scorecard as RS
from comanage_tui.data.readmodel.figures import count_clocks
from comanage_tui.data.sla.engine import ClockState
from comanage_tui.data.sla.explain import ComplianceRow as EngineRow
from comanage_tui.data.snapshot.model import (
    ClockCompliance,
    ClockRow,
    Compliance,
    ComplianceRow,
    Drift,
    HandoffRow,
    HeldRow,
    HeldTime,
    Knowledge,
    Kpis,
    KtCoverageRow,
    KtItemRow,
    PartyRef,
    PartyScorecard,
    RaciArea,
    ScorecardArea,
    ScorecardHandoffs,
    ScorecardHeld,
    ScorecardKnowledge,
    ScorecardKtItem,
    ScorecardOla,
    ScorecardVerdicts,
    Snapshot,
    SourceRow,
    TimeFreed,
    TrendWeek,
    WorkloadRow,
)
from comanage_tui.data.store import Store
from comanage_tui.data.text import UNSAFE

WINDOW_DAYS = 30  # compliance, workload, drift and time freed: the same window as the dashboard's
TREND_WEEKS = 12
DAY = 86_400
KT_STATUSES = tuple(s.value for s in KtStatus)


def clean(value: object, *, multi_line: bool = False) -> str:
    """User text made inert for every format: unsafe characters (text.UNSAFE) removed, not replaced.

    Unlike the UI's `text.clean`, nothing is cut: an export carries the whole text.
    """
    s = "" if value is None else str(value)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if not multi_line:
        s = " ".join(s.replace("\t", " ").split("\n"))
    return UNSAFE.sub("", s)


@dataclass(frozen=True)
class SnapshotOptions:
    as_of: int
    """Epoch seconds: the moment the snapshot describes (also its generated_at)."""
    party: str | None = None
    include_notes: bool = False
    since: Snapshot | None = None
    """A previous snapshot: adds the delta section."""


def build_snapshot(store: Store, opts: SnapshotOptions) -> Snapshot:
    """Everything the snapshot shows, computed from the read model at `opts.as_of`.

    Raises:
        InvalidInput: `opts.party` is not a party key.
    """
    now = opts.as_of
    ctx = RX.load_context(store, as_of=now)  # the organisation, KT and handoffs as they stood then
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC
    parties = sorted(ctx.parties.values(), key=lambda p: (p.kind != "internal", p.key))
    if opts.party is not None and opts.party not in {p.key for p in parties}:
        known = ", ".join(p.key for p in parties) or "none"
        raise InvalidInput("party", f"unknown party '{opts.party}' (known: {known})")
    b = _Builder(store, ctx, zone, now, opts, [p.key for p in parties])

    open_rows = RC.open_ticket_clocks(store, ctx, now)
    open_rows_scope = [r for r in open_rows if RC.concerns(r, opts.party)] if opts.party else open_rows
    # One walk per ticket serves the 30-day compliance, the 12-week trend, the workload, the
    # time held and the parties' OLA compliance.
    olas = ROla.OlaCounter.for_window(store, ctx, now - WINDOW_DAYS * DAY, now, ctx.olas)
    replayed = RH.replay(store, ctx, now, window_start=now - WINDOW_DAYS * DAY, weeks=TREND_WEEKS,
                        held_from=now - WINDOW_DAYS * DAY, party=opts.party, held_stats=True, on_walk=olas.visit)
    window = RH.compliance_in_window(store, ctx, now - WINDOW_DAYS * DAY, now, open_rows=open_rows_scope, replayed=replayed,
                                     party=opts.party)
    snap_compliance = _compliance_model(window, b.iso)
    trend = [TrendWeek(week_start=b.iso(s), week_end=b.iso(s + 7 * DAY), percent=_r(p), closed_clocks=n)
             for s, p, n in RH.weekly_trend(store, ctx, now, TREND_WEEKS, party=opts.party, replayed=replayed)]
    clocks = b.clock_rows(open_rows)
    handoffs = b.handoff_rows()
    raci = b.raci_rows()
    workload, freed = b.workload_rows(replayed)
    held_window = RHeld.held_in_window(store, ctx, now - WINDOW_DAYS * DAY, now, replayed=replayed, party=opts.party)
    held_time = _held_model(held_window)
    knowledge = b.knowledge(raci)
    # The same counting rules as the Overview and `check` (readmodel.figures).
    counts = count_clocks((c for r in open_rows_scope for c in r.open_clocks), RX.end_of_business_today(ctx, now))
    overall = {c.clock: c.overall.percent for c in snap_compliance.clocks}
    coverage = RCov.uncovered_tickets(store, ctx, now, party=opts.party)
    kpis = Kpis(
        open_tickets=len(open_rows_scope),
        breached_clocks=sum(1 for c in clocks if c.state == "breached"),
        at_risk_clocks=sum(1 for c in clocks if c.state == "at_risk"),
        due_today_clocks=counts.due_today,
        paused_clocks=counts.paused,
        running_clocks=counts.running,
        open_handoffs=len(handoffs),
        late_handoffs=sum(1 for h in handoffs if h.ack_state == "breached"),
        response_compliance_percent=overall.get("response"),
        resolution_compliance_percent=overall.get("resolution"),
        kt_open_items=sum(1 for i in knowledge.items if i.status in ("planned", "in_progress")),
        kt_overdue_items=sum(1 for i in knowledge.items if i.overdue),
        stale_documents=sum(1 for i in knowledge.items if i.stale),
        raci_gaps=sum(1 for a in raci if a.gaps),
        raci_overlaps=sum(1 for a in raci if a.overlap),
        raci_drift=sum(1 for a in raci if a.drift),
        single_points_of_knowledge=sum(1 for c in knowledge.coverage if c.single_point),
        time_freed_hours=freed.hours,
        uncovered_open_tickets=coverage.uncovered_open,
        uncovered_tickets=coverage.uncovered_total,
    )
    # Each party's scorecard over the same window (all parties' verdicts: the scoped replay above keeps one party's).
    cards = RS.party_scorecards(store, ctx, now - WINDOW_DAYS * DAY, now, [opts.party] if opts.party else None,
                                compliance=None if opts.party else window, held=None if opts.party else held_window,
                                ola=olas.out)
    snap = Snapshot(
        generated_at=b.iso(now), as_of=b.iso(now), timezone=getattr(zone, "key", "UTC"), scope=opts.party,
        include_notes=opts.include_notes,
        parties=[PartyRef(key=clean(p.key), name=clean(p.name), kind=p.kind.value) for p in parties],
        kpis=kpis, compliance=snap_compliance, trend=trend, clocks=clocks, handoffs=handoffs, raci=raci,
        workload=workload, time_freed=freed, held_time=held_time, knowledge=knowledge,
        scorecards=[scorecard_model(c, zone) for c in cards], limits=b.limits(coverage), sources=b.sources(),
    )
    if opts.since is not None:
        from comanage_tui.data.snapshot.delta import compute_delta

        snap.delta = compute_delta(opts.since, snap)
    return snap


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _row(r: EngineRow) -> ComplianceRow:
    return ComplianceRow(key=clean(r.key), met=r.met, missed=r.missed, in_flight=r.in_flight, breached=r.breached,
                         percent=_r(r.percent))


def _compliance_model(comp: RH.Compliance, iso) -> Compliance:  # the builder's formatter
    """The read model's compliance, as the snapshot's pydantic model."""
    clocks = [
        ClockCompliance(
            clock=name, overall=_row(comp.overall[name]),
            by_party=[_row(x) for x in comp.by[name]["party"]],
            by_area=[_row(x) for x in comp.by[name]["area"]],
            by_priority=[_row(x) for x in comp.by[name]["priority"]],
        )
        for name in ("response", "resolution")
    ]
    return Compliance(window_start=iso(comp.start), window_end=iso(comp.end), window_days=round((comp.end - comp.start) / DAY),
                      rule=comp.rule, clocks=clocks)


def scorecard_model(card: RS.Scorecard, zone: dt.tzinfo) -> PartyScorecard:
    """The read model's scorecard as the snapshot's (and `comanage scorecard`'s) model: text cleaned, minutes floored."""
    def iso(t: float) -> str:
        return dt.datetime.fromtimestamp(int(t), zone).isoformat(timespec="seconds")

    def ola(r) -> ScorecardOla:  # readmodel.ola.OlaRow
        return ScorecardOla(key=clean(r.key), met=r.met, missed=r.missed, percent=_r(r.percent), in_flight=r.in_flight,
                            breached=r.breached, without_target=r.without_target)

    h, k = card.handoffs, card.kt
    return PartyScorecard(
        party=clean(card.party.key), name=clean(card.party.name), kind=card.party.kind.value,
        window_start=iso(card.start), window_end=iso(card.end), timezone=getattr(zone, "key", "UTC"),
        sla=[ScorecardVerdicts(clock=v.clock, met=v.met, missed=v.missed, percent=_r(v.percent), in_flight=v.in_flight,
                               breached=v.breached) for v in card.sla],
        ola=ola(card.ola), ola_by_priority=[ola(r) for r in card.ola_by_priority],
        held=[ScorecardHeld(priority=x.priority, tickets=x.tickets, median_minutes=int(x.median_seconds // 60),
                            p90_minutes=int(x.p90_seconds // 60)) for x in card.held],
        handoffs=ScorecardHandoffs(
            received=h.received, acknowledged_on_time=h.on_time, acknowledged_late=h.late, waiting=h.waiting,
            waiting_late=h.waiting_late, bounces_caused=h.bounces_caused, sent=h.sent,
            median_wait_minutes=None if h.median_wait_seconds is None else int(h.median_wait_seconds // 60)),
        knowledge=ScorecardKnowledge(
            owed=[ScorecardKtItem(id=i.id, area=clean(i.area_key), topic=clean(i.topic), kind=i.kind.value, status=i.status.value,
                                  due_date=None if i.due_date is None else i.due_date.isoformat(),
                                  overdue=k.today is not None and i.is_overdue(k.today))
                  for i in k.owed],
            overdue=k.overdue, delivered=k.delivered),
        areas=[ScorecardArea(area=clean(a.area.key), name=clean(a.area.name), letter=a.letter, recent_tickets=a.recent_tickets,
                             drift=[Drift(party=clean(p), share_percent=round(v * 100, 1)) for p, v in a.drift.items()])
               for a in card.areas],
        rules=dict(card.rules),
    )
def _held_model(w: RHeld.HeldWindow) -> HeldTime:
    return HeldTime(window_days=round((w.end - w.start) / DAY), rule=w.rule, rows=[
        HeldRow(party=clean(r.party), priority=clean(r.priority), tickets=r.tickets, median_minutes=r.median_minutes,
                p90_minutes=r.p90_minutes, total_minutes=r.total_minutes) for r in w.rows])


class _Builder:
    """The sections of one snapshot; holds the context so each section stays a small method."""

    def __init__(self, store: Store, ctx: RX.Context, zone: dt.tzinfo, now: int, opts: SnapshotOptions,
                 party_order: list[str]):
        self.store, self.ctx, self.zone, self.now, self.opts = store, ctx, zone, now, opts
        self.party = opts.party
        self.party_order = party_order
        """Internal party first, then partners by key: the column order of every per-party table."""

    def iso(self, t: float | None) -> str | None:
        return None if t is None else dt.datetime.fromtimestamp(int(t), self.zone).isoformat(timespec="seconds")

    def note(self, value: str | None) -> str | None:
        return clean(value, multi_line=True) if self.opts.include_notes else None

    def clock_rows(self, open_rows: list[RC.TicketClock]) -> list[ClockRow]:
        picked = []
        for r in open_rows:
            for c in r.open_clocks:
                if c.state not in (ClockState.BREACHED, ClockState.AT_RISK):
                    continue
                if self.party and self.party not in (r.holder, c.verdict_holder):
                    continue
                picked.append((r, c))
        notes = self._ticket_notes([r.ticket_id for r, _c in picked]) if self.opts.include_notes else {}
        inf = float("inf")
        # Breached first, longest overdue first; then at risk, soonest due first.
        picked.sort(key=lambda rc: (rc[1].state != ClockState.BREACHED,
                                    (rc[1].breached_at if rc[1].state == ClockState.BREACHED else rc[1].due_at) or inf,
                                    rc[0].ref, rc[1].name))
        return [ClockRow(
            ticket_ref=clean(r.ref), title=clean(r.title), area=None if r.area is None else clean(r.area), priority=r.priority,
            kind=clean(r.kind), status=clean(r.status), policy=clean(r.policy), clock=c.name, state=c.state.value,
            elapsed_minutes=int(c.elapsed_seconds // 60), target_minutes=int(c.target_seconds // 60),
            elapsed_percent=round(c.elapsed_percent, 1), due_at=self.iso(c.due_at), breached_at=self.iso(c.breached_at),
            holder=clean(r.holder), breach_holder=None if c.breach_holder is None else clean(c.breach_holder),
            notes=self.note(notes.get(r.ticket_id, "")),
        ) for r, c in picked]

    def _ticket_notes(self, ids: list[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update({tid: n for tid, n in self.store.query(f"SELECT id, notes FROM tickets WHERE id IN ({marks})", chunk)})
        return out

    def handoff_rows(self) -> list[HandoffRow]:
        out = []
        # "Open at as-of": requested by then and not closed by then, chosen in SQL.
        for s in RO.handoff_statuses(self.store, self.ctx, self.now, open_at_now=True):
            h = s.handoff
            if self.party and self.party not in (h.from_party_key, h.to_party_key):
                continue
            acked = h.acknowledged_at is not None and h.acknowledged_at <= self.now
            out.append(HandoffRow(
                id=h.id, ticket_ref=None if h.ticket_ref is None else clean(h.ticket_ref), from_party=clean(h.from_party_key),
                to_party=clean(h.to_party_key), summary=clean(h.summary), state="acknowledged" if acked else "requested",
                requested_at=self.iso(h.requested_at), age_business_hours=round(s.age_seconds / 3600, 1),
                ack_state=s.ack.state.value, ack_target_minutes=h.ack_target_minutes,
                ack_due_at=None if s.ack.state == ClockState.BREACHED else self.iso(s.ack.due_at),
                ack_breached_at=self.iso(s.ack.breached_at), bounce_count=h.bounce_count,
                last_return_reason=clean(h.return_reason), waiting_on=clean(s.waiting_on), context=self.note(h.context),
            ))
        return out  # handoff_statuses sorts: longest waiting first, then id

    def raci_rows(self) -> list[RaciArea]:
        out = []
        for a in RO.raci_split(self.store, self.ctx, self.now, window_days=WINDOW_DAYS):
            if self.party and self.party not in a.letters and self.party not in a.drift:
                continue
            letters = {p: a.letters[p] for p in self.party_order if p in a.letters}
            letters.update({p: a.letters[p] for p in sorted(a.letters) if p not in letters})
            out.append(RaciArea(
                area=clean(a.area.key), name=clean(a.area.name), criticality=a.area.criticality.value,
                letters={clean(p): v for p, v in letters.items()}, gaps=list(a.gap), overlap=[clean(p) for p in a.overlap],
                drift=[Drift(party=clean(p), share_percent=round(v * 100, 1)) for p, v in sorted(a.drift.items())],
                recent_tickets=a.recent_tickets, problems=[clean(p) for p in a.problems],
            ))
        return out  # raci_split sorts by area name

    def workload_rows(self, replayed: RH.Replay) -> tuple[list[WorkloadRow], TimeFreed]:
        loads = RO.workload(self.store, self.ctx, self.now, window_days=WINDOW_DAYS, replayed=replayed)
        internal_scope = self.party is None or any(
            p.key == self.party and p.kind == "internal" for p in self.ctx.parties.values())
        # The internal team's view is the whole operation; a partner sees its own row.
        shown = [w for w in loads if internal_scope or w.party.key == self.party]
        shown.sort(key=lambda w: self.party_order.index(w.party.key) if w.party.key in self.party_order else 999)
        rows = [WorkloadRow(party=clean(w.party.key), name=clean(w.party.name), kind=w.party.kind.value,
                            open_tickets=w.open_tickets, business_hours_held=w.business_hours_held,
                            hours_logged=w.hours_logged) for w in shown]
        return rows, TimeFreed(hours=RO.time_freed_hours(shown), window_days=WINDOW_DAYS, rule=RO.TIME_FREED_RULE)

    def knowledge(self, raci: list[RaciArea]) -> Knowledge:
        items = self.ctx.kt_items(self.store)
        today = RX.local_today(self.ctx, self.now)
        coverage = RK.kt_coverage(self.store, self.ctx, today, items)
        people = {p.id: p for p in self.ctx.people(self.store)}
        if self.party:
            mine = {pid for pid, p in people.items() if p.party_key == self.party}
            items = [i for i in items if i.teacher_id in mine or mine.intersection(i.learner_ids)]
            areas = {a.area for a in raci} | {i.area_key for i in items}
            coverage = [c for c in coverage if c.area.key in areas]
        rows = [self._kt_row(i, people, today) for i in sorted(items, key=_kt_order)]
        by_status = {s: sum(1 for i in items if i.status == s) for s in KT_STATUSES}
        return Knowledge(by_status=by_status, items=rows, coverage=[KtCoverageRow(
            area=clean(c.area.key), name=clean(c.area.name), documented=c.documented, stale=c.stale,
            internal_people=c.internal_people, partner_people=c.partner_people, open_items=c.open_items,
            overdue=c.overdue, single_point=c.single_point) for c in coverage])

    def _kt_row(self, i: KtItem, people: dict, today: dt.date) -> KtItemRow:
        def name(pid: int | None) -> str | None:
            return None if pid is None or pid not in people else clean(people[pid].name)

        return KtItemRow(
            id=i.id, area=clean(i.area_key), topic=clean(i.topic), kind=i.kind.value, direction=i.direction.value,
            status=i.status.value, due_date=None if i.due_date is None else i.due_date.isoformat(),
            overdue=i.is_overdue(today), last_reviewed=None if i.last_reviewed is None else i.last_reviewed.isoformat(),
            review_interval_days=i.review_interval_days, stale=i.is_stale(today), doc_link=clean(i.doc_link),
            teacher=name(i.teacher_id), learners=sorted(n for n in (name(p) for p in i.learner_ids) if n),
            notes=self.note(i.notes),
        )

    def sources(self) -> list[SourceRow]:
        from comanage_tui.data.readmodel.freshness import as_of_text, source_freshness

        with self.store.lock:
            rows = source_freshness(self.store.conn, self.now)
        zone = getattr(self.zone, "key", "UTC")
        return [SourceRow(name=f.name, kind=f.kind, data_as_of=self.iso(f.data_as_of), last_success_at=self.iso(f.last_success_at),
                          stale=f.stale, last_error=clean(f.last_error), shown=as_of_text(f, zone, self.now)) for f in rows]

    def history(self) -> list[str]:
        """What the audit log says about the as-of moment (readmodel.past): what is known, what is not."""
        past = self.ctx.past
        if past is None:
            return []
        h = past.history
        undone = (f"undoing the {h.undone} change{'s' if h.undone != 1 else ''} the audit log records after then"
                  if h.undone else "the audit log records no change to them after then")
        out = [f"RACI letters, who can do what, people and their parties, knowledge-transfer items (status, reviews, "
               f"due dates, learners) and handoff states are as they stood at {self.iso(self.now)}: today's records, "
               f"{undone}."]
        if h.starts_at is None:
            out.append("The audit log is empty: no change is recorded, so every record is shown as it is now.")
        else:
            first = f"The audit log begins {self.iso(h.starts_at)}; changes before it are not recorded"
            out.append(first + (", and this moment is earlier: the records are shown as first recorded then."
                                if h.before_log else "."))
        out.append("Records written without an audit row of their own (the demo's tickets and handoffs, imported tickets, "
                   "and parties and areas an import created) are shown as recorded; such handoffs are dated by their "
                   "request, acknowledgement and closing times.")
        return out

    def limits(self, coverage: RCov.Coverage) -> list[str]:
        day = RX.local_today(self.ctx, self.now).isoformat()
        out = [
            f"SLA clocks, compliance, the trend, workload and RACI drift are recomputed from the ticket event log as of "
            f"{self.iso(self.now)}, with the SLA policies and calendars in force today; each ticket's policy is matched "
            "by its current holder, area and priority.",
            *self.history(),
            f"Knowledge-transfer due dates and review intervals are judged on {day}.",
            f"Compliance, workload, drift and time freed cover the {WINDOW_DAYS} days before the as-of time; the trend "
            f"covers {TREND_WEEKS} weeks.",
        ]
        if coverage.uncovered_total:
            out.append(f"{coverage.uncovered_total} ticket(s), {coverage.uncovered_open} of them open, have no SLA clocks. "
                       + RCov.UNCOVERED_RULE)
        if self.opts.include_notes:
            out.append("Includes private notes (ticket notes, knowledge-transfer notes, handoff context).")
        else:
            out.append("Private notes (ticket notes, knowledge-transfer notes, handoff context) are left out; "
                       "--include-notes adds them.")
        if self.party:
            out.append(f"Restricted to party '{clean(self.party)}': tickets it holds or held when a clock ran out, "
                       "handoffs from or to it, areas where it has a RACI letter or holds drifting work, and "
                       "knowledge-transfer items it teaches or learns.")
        return out


def _kt_order(i: KtItem) -> tuple:
    return (i.area_key, i.due_date or dt.date.max, i.id)

