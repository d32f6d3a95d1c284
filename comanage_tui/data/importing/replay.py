"""Replay: one ticket's source rows become its comanage event log and summary row.

Event tuples are (at, kind, status, party_id, priority, note). Times never go backwards:
an update dated before the opening moves to the opening, one dated before the previous
update moves to that update, and both are counted in the report. Every update row yields
at least one event (a "note" when nothing comanage tracks changed).
"""

from __future__ import annotations

from typing import Protocol

from comanage_tui.data.importing.mapping import KEEP, ImportMapping
from comanage_tui.data.importing.records import Row, TicketRecord
from comanage_tui.data.importing.report import ImportReport

_STOPPED = frozenset({"resolved", "closed"})


class ReplaySink(Protocol):
    """What the replay needs of a sink (DrySink or StagingSink): the party when a row names none."""

    default_party: int


class ReplayParser(Protocol):
    """What the replay needs of the importer's Parser: the mapping, the sink, the report, titles."""

    m: ImportMapping
    sink: ReplaySink
    report: ImportReport

    def title(self, f: list[str], ref: str) -> str: ...


def replay(rows: list[Row], parser: ReplayParser) -> TicketRecord:
    """One ticket's rows as a comanage event log and summary row."""
    last = max(rows, key=lambda r: (r.order, r.at or 0, r.line))
    title = parser.title(last.fields, last.ref)
    if parser.m.event_rows:
        rows.sort(key=lambda r: (r.order, r.at, r.line))
        return _replay_updates(rows, title, parser.m, parser.sink, parser.report)
    return _replay_single(rows[0], title, parser.sink, parser.report)


def _replay_updates(rows: list[Row], title: str, m: ImportMapping, sink: ReplaySink, report: ImportReport) -> TicketRecord:
    first, last = rows[0], rows[-1]
    ref, opened, default = first.ref, first.opened, sink.default_party
    party = first.party if first.party is not None else default
    priority, status = first.priority, "new"
    events: list[tuple] = [(opened, "opened", "new", party, priority, first.group)]
    t = opened
    responded = resolved = closed = None
    reassign = reopen = 0
    rule = m.response.rule
    area = met = None
    for r in rows:
        at = r.at
        if at < t:
            if at < opened:
                report.note("updates dated before the opening (moved to the opening or the previous update)", ref)
            else:
                report.note("updates dated before the previous update (moved to it)", ref)
            at = t
        t = at
        n = len(events)
        target = r.party if r.party is not None else (default if m.parties.missing == "default" else party)
        if target != party:
            party = target
            reassign += 1
            events.append((at, "assign", None, party, None, r.group))
        if r.priority != priority:
            priority = r.priority
            events.append((at, "priority", None, None, priority, ""))
        new = status if r.status is None or r.status == KEEP else r.status
        if new != status:
            if status in _STOPPED and new not in _STOPPED:
                reopen += 1
            status = new
            events.append((at, "status", status, None, None, r.state_raw))
            if status == "resolved":
                resolved, closed = at, None
            elif status == "closed":
                resolved, closed = resolved or at, at
            else:
                resolved = closed = None
        if responded is None and rule != "none" and (
            (rule in ("first_touch", "first_non_new") and status != "new")
            or (rule in ("first_touch", "first_person") and r.person is not None)
        ):
            responded = at
            events.append((at, "response", None, None, None, r.person or r.state_raw))
        if len(events) == n:
            events.append((at, "note", None, None, None, f"update {r.order}: {r.state_raw or 'no state'}"))
        area = r.area if r.area is not None else area
        met = r.met if r.met is not None else met
    if last.responded is not None and m.columns.first_response_at:
        responded = max(last.responded, opened)  # a column saying when beats the inferred rule
    worked = next((r.worked for r in reversed(rows) if r.worked is not None), None)  # the latest total
    return TicketRecord(ref, title, area, priority, status, party, opened, responded, resolved, closed,
                   last.reassign if last.reassign is not None else reassign,
                   last.reopen if last.reopen is not None else reopen, met, events, worked)


def _replay_single(r: Row, title: str, sink: ReplaySink, report: ImportReport) -> TicketRecord:
    """A one-row-per-ticket export: opening, response, and the stop times the row carries."""
    party = r.party if r.party is not None else sink.default_party
    status = "new" if r.status in (None, KEEP) else r.status
    events: list[tuple] = [(r.opened, "opened", "new", party, r.priority, r.group)]
    t = r.opened

    def at(value: int | None, what: str) -> int:
        nonlocal t
        if value is None or value < t:
            if value is not None:
                report.note(f"{what} dated before an earlier step (moved to it)", r.ref)
            value = t
        t = value
        return value

    responded = at(r.responded, "first response") if r.responded is not None else None
    if responded is not None:
        events.append((responded, "response", None, None, None, ""))
    resolved = closed = None
    if status in _STOPPED:
        if r.resolved is None and r.closed is None and r.at is None:
            report.note("resolved/closed tickets without a resolution time (opening used)", r.ref)
        resolved = at(r.resolved if r.resolved is not None else r.closed if r.closed is not None else r.at, "resolution")
        events.append((resolved, "status", "resolved", None, None, r.state_raw))
        if status == "closed":
            closed = at(r.closed if r.closed is not None else r.at, "closure")
            events.append((closed, "status", "closed", None, None, r.state_raw))
    elif status != "new":
        events.append((at(r.at, "last update"), "status", status, None, None, r.state_raw))
    return TicketRecord(r.ref, title, r.area, r.priority, status, party, r.opened, responded, resolved, closed,
                   r.reassign or 0, r.reopen or 0, r.met, events, r.worked)
