"""`comanage check`: breached / at-risk clocks and late handoffs as a Nagios-style line and exit code.

Built for cron and monitoring, so it must answer in well under a second on 100k tickets
and never load the UI. It reads SQLite directly (read-only; no Store, so no sqlite-utils
import and no migration attempt) and computes clocks with the same engine as the read
model (`sla.match_policy`, `sla.compute_clocks`, `sla.ack_clock`), selecting tickets as
`readmodel.clocks.open_ticket_clocks` does and handoffs open at the as-of time as the snapshot
does, and counts with the read model's rules (`readmodel.figures`: breached, at risk, due today).

The speed comes from a sound bound rather than a second SLA implementation: a clock's
elapsed business time can never exceed the calendar's business time since the ticket's
first event, so a ticket whose bound stays below every at-risk threshold of its policy, and
leaves more business time than there is before close of business, cannot be at risk,
breached or due today and is not replayed. tests/cli/test_check.py and
tests/data/test_consistency.py assert the counts equal the read model's.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from comanage_tui.data.readmodel import candidates
from comanage_tui.data.text import clean
from comanage_tui.data.timerange import in_range, times_in_range

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
# The read model's candidates (readmodel.candidates), in the named spelling.
_OPEN_AT = candidates.OPEN_AT_NAMED
_ACTIVE_SINCE = candidates.ACTIVE_SINCE_NAMED


@dataclass
class CheckResult:
    code: int
    as_of: int
    breached: int = 0
    at_risk: int = 0
    due_today: int = 0
    """Running or at-risk clocks that run out by close of business today (readmodel.figures)."""
    handoffs_late: int = 0
    open_tickets: int = 0
    """Tickets with an open clock at the as-of time (the snapshot's and the dashboard's count)."""
    open_handoffs: int = 0
    invalid_dates: int = 0
    """Tickets and handoffs skipped because a stored time lies outside 1970-2200 (hand-edited or old data)."""
    uncovered_open: int = 0
    """Tickets open at the as-of time that no SLA policy covers (readmodel.coverage): they have no clocks."""
    uncovered_total: int = 0
    """Every ticket opened by the as-of time that no SLA policy covers."""
    replayed: int = 0
    """Tickets whose clocks had to be computed (the rest were below every threshold)."""
    error: str | None = None
    worst: list[dict] = field(default_factory=list)
    """Up to five breached clocks, longest overdue first: ref, clock, holder, breach_holder, breached_at."""
    sources: list[dict] = field(default_factory=list)
    """Every synced source (readmodel.freshness): name, kind, data_as_of, last_success_at, age_seconds,
    stale_after, stale. A stale one is a WARNING: the figures above may be a day old."""
    held_window_days: int | None = None
    held_by_priority: list[dict] | None = None
    """With --json: per priority and party, the median / p90 / total business minutes each party held the
    tickets whose resolution clock stopped in the last held_window_days (readmodel.held_stats.HELD_RULE)."""

    @property
    def state(self) -> str:
        return STATE_NAMES[self.code]


def _freshness(conn: sqlite3.Connection, now: int, result: CheckResult) -> None:
    from comanage_tui.data.readmodel.freshness import source_freshness

    result.sources = [{"name": f.name, "kind": f.kind, "data_as_of": f.data_as_of, "last_success_at": f.last_success_at,
                       "age_seconds": f.age_seconds, "stale_after": f.stale_after, "stale": f.stale,
                       "last_error": f.last_error} for f in source_freshness(conn, now)]


def _evaluate(conn: sqlite3.Connection, now: int, result: CheckResult, *, held: bool = False) -> None:
    # Imported here so that `comanage check` on a missing file answers before loading the engine.
    # Neither brings pydantic: stored calendars and policies were validated when they were saved,
    # and `stored_spec`/`stored_policy` read them as plain objects (importing pydantic costs ~0.1 s).
    from comanage_tui.data.readmodel.figures import ClockCounts, end_of_business
    from comanage_tui.data.sla.calendar import BusinessCalendar, stored_spec
    from comanage_tui.data.sla.engine import ClockState, ack_clock, clocks_of_walk, match_policy, stored_policy, walk

    parties = conn.execute("SELECT id, key, kind, calendar FROM parties ORDER BY kind = 'partner', name").fetchall()
    keys = {pid: key for pid, key, _k, _c in parties}
    areas = dict(conn.execute("SELECT id, key FROM areas").fetchall())
    try:
        calendars = {name: BusinessCalendar(stored_spec(spec))
                     for name, spec in conn.execute("SELECT name, spec FROM calendars ORDER BY name")}
        policies = [stored_policy(spec) for (spec,) in conn.execute("SELECT spec FROM sla_policies ORDER BY position, id")]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a stored calendar or SLA policy is not valid ({type(exc).__name__}: {exc})") from None

    # The internal team's calendar (the first calendar as fallback), as readmodel.context picks it.
    fallback = next((calendars[c] for _i, _k, kind, c in parties if kind == "internal" and c in calendars), None)
    fallback = fallback or next(iter(calendars.values()), None)
    eob = end_of_business(fallback, now)
    before_eob: dict[str, float] = {}  # business seconds from now to close of business, per policy calendar
    counts = ClockCounts()
    params = {"now": now}
    tickets = conn.execute(f"SELECT t.id, t.ref, t.area_id, t.priority, t.kind, t.holder_party_id FROM tickets t "
                           f"WHERE {_OPEN_AT} ORDER BY t.id", params).fetchall()
    # Party ids stand in for keys: the engine treats holders as opaque labels; mapped back below.
    # Events by id list (not a subquery, which would scan the tickets table a second time).
    events = _events(conn, [t[0] for t in tickets])

    def covering(area_id, priority, kind, holder: str):  # as readmodel.clocks.resolve
        policy = match_policy(policies, party=holder, area=areas.get(area_id), priority=priority, kind=kind)
        return None if policy is None or priority not in policy.targets or policy.calendar not in calendars else policy

    breaches = []
    for tid, ref, area_id, priority, kind, holder_id in tickets:
        holder = keys.get(holder_id, "?")
        policy = covering(area_id, priority, kind, holder)
        if policy is None:
            continue  # the read model shows these with no clocks ("no matching policy")
        evs = events.get(tid)
        if not evs:
            continue
        if not times_in_range(evs):
            result.invalid_dates += 1  # said in the line; replaying it would fail or take minutes
            continue
        cal = calendars[policy.calendar]
        priorities = {e[5] for e in evs if e[5] is not None}
        w = walk(evs, policy, now)
        if w.response_stop is not None and w.resolution_stop is not None:
            continue  # both clocks stopped (met or missed): nothing open, as in status.open_ticket_clocks
        result.open_tickets += 1
        if policy.calendar not in before_eob:
            before_eob[policy.calendar] = cal.business_seconds(now, eob) if eob > now else 0
        if not _may_alarm(w, priorities, policy, cal, now, before_eob[policy.calendar]):
            continue
        result.replayed += 1
        clocks = clocks_of_walk(w, policy, cal, now)  # compute_clocks, without walking the log again
        for c in (clocks.response, clocks.resolution):
            counts.add(c, eob)
            if c.state == ClockState.BREACHED:
                breaches.append((c.breached_at or 0, ref, c.name, holder, keys.get(c.breach_holder, c.breach_holder)))
    result.breached, result.at_risk, result.due_today = counts.breached, counts.at_risk, counts.due_today
    breaches.sort()
    result.worst = [{"ref": ref, "clock": name, "holder": holder, "breach_holder": bh, "breached_at": int(at)}
                    for at, ref, name, holder, bh in breaches[:5]]

    # Tickets no policy covers, counted as readmodel.coverage does: one match per combination.
    for combo in candidates.policy_combinations(conn):
        area_id, priority, kind, holder_id = combo
        if covering(area_id, priority, kind, keys.get(holder_id, "?")) is None:
            n, n_open = candidates.count_combination(conn, combo, now)
            result.uncovered_total += n
            result.uncovered_open += n_open
    if held:
        _held_time(conn, now, result, covering, calendars, keys)

    # Handoffs open at the as-of time, on the receiver's calendar (the internal one as fallback),
    # as readmodel.org.handoff_statuses and the snapshot compute them.
    by_id = {pid: calendars.get(c) for pid, _k, _kind, c in parties}
    for requested, acked, target, to_id in conn.execute(
            "SELECT requested_at, acknowledged_at, ack_target_minutes, to_party_id FROM handoffs "
            "WHERE requested_at <= :now AND (closed_at IS NULL OR closed_at > :now)", params):
        if not (in_range(requested) and in_range(acked)):
            result.invalid_dates += 1
            continue
        result.open_handoffs += 1
        cal = by_id.get(to_id) or fallback
        if cal is not None and ack_clock(requested, acked, target, cal, now).state == ClockState.BREACHED:
            result.handoffs_late += 1


def _events(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[tuple]]:
    """Event logs by ticket id as the engine's tuples, party ids standing in for keys; by id list
    (not a subquery, which would scan the tickets table a second time), 500 at a time."""
    events: dict[int, list[tuple]] = {}
    for i in range(0, len(ids), 500):
        events.update(candidates.event_logs(conn, ids[i:i + 500], "e.at, e.kind, e.status, e.party_id, e.person_id, e.priority",
                                            "FROM ticket_events e"))
    return events


def _held_time(conn: sqlite3.Connection, now: int, result: CheckResult, covering, calendars: dict, keys: dict) -> None:
    """The held-time figures of the snapshot, with the same rule and functions (readmodel.held_stats)."""
    from comanage_tui.data.readmodel.held_stats import WINDOW_DAYS, add_sample, summarise
    from comanage_tui.data.sla.engine import walk

    start = now - WINDOW_DAYS * 86_400
    tickets = conn.execute(f"SELECT t.id, t.area_id, t.priority, t.kind, t.holder_party_id FROM tickets t "
                           f"WHERE {_ACTIVE_SINCE} ORDER BY t.id", {"now": now, "start": start}).fetchall()
    samples: dict = {}
    for i in range(0, len(tickets), 500):
        part = tickets[i:i + 500]
        events = _events(conn, [t[0] for t in part])
        for tid, area_id, priority, kind, holder_id in part:
            policy = covering(area_id, priority, kind, keys.get(holder_id, "?"))
            evs = events.get(tid)
            if policy is None or not evs or not times_in_range(evs):
                continue
            add_sample(samples, walk(evs, policy, now), calendars[policy.calendar], priority, start, now)
    # Holders are party ids here: back to keys before summing up, so rows sort as the read model's do.
    by_key = {prio: {keys.get(pid, pid): v for pid, v in parties.items()} for prio, parties in samples.items()}
    result.held_window_days = WINDOW_DAYS
    result.held_by_priority = [asdict(r) for r in summarise(by_key)]


def _may_alarm(w, priorities: set, policy, cal, now: float, before_eob: float) -> bool:  # Walk, SlaPolicy, BusinessCalendar
    """False only when no clock of this ticket can be at risk, breached or due today at `now`.

    `before_eob`: business seconds on `cal` from `now` to close of business; a clock with more
    left than that cannot run out today (see the module docstring).
    """
    if w.opened is None:
        return False  # no event by `now`: nothing has elapsed, so nothing can be at risk
    open_clocks = [w.response_stop is None, w.resolution_stop is None]
    if not priorities:
        return True  # let compute_clocks decide (and fail the same way the read model would)
    bound = cal.business_seconds(w.opened, now)
    minutes_left = policy.at_risk_minutes_remaining
    # Every priority the log ever names: the target in force at `now` is one of them.
    for prio in priorities:
        target = policy.targets.get(prio)
        if target is None:
            return True
        for is_open, minutes in zip(open_clocks, (target.response_minutes, target.resolution_minutes)):
            t = minutes * 60
            if is_open and (bound * 100 >= t * policy.at_risk_percent or t - bound <= before_eob
                            or (minutes_left is not None and t - bound <= minutes_left * 60)):
                return True
    return False


def run_check(db: Path, now: int, *, warn_at_risk: bool = False, held: bool = False,
              warn_uncovered: bool = False) -> CheckResult:
    """Evaluate the database at `now`; never raises for a bad database (that is UNKNOWN).

    `held` adds the held-time figures (`check --json`): a replay of the tickets active in their window.
    """
    result = CheckResult(UNKNOWN, now)
    db = Path(db)
    if db.is_dir():
        result.error = f"{clean(db)} is a folder, not a database file"
        return result
    if not db.is_file():
        result.error = f"no database at {clean(db)}"
        return result
    from comanage_tui.data.db import connect_checked
    from comanage_tui.data.errors import DatabaseProblem

    try:
        # Read-only: a monitoring probe must never create, migrate or lock the file for writing.
        conn = connect_checked(db, read_only=True)
    except DatabaseProblem as exc:
        result.error = str(exc)
        return result
    try:
        # One read transaction: tickets, their event logs and the handoffs are one state of the
        # file however often a writer commits meanwhile (the logs are sliced by their counts).
        conn.execute("BEGIN")
        _freshness(conn, now, result)
        _evaluate(conn, now, result, held=held)
    except sqlite3.DatabaseError as exc:
        from comanage_tui.data.db_errors import describe

        found = describe(db, exc, writing=False)
        result.error = str(found) if found else f"cannot read {clean(db)}: {exc}"
        return result
    except ValueError as exc:  # a stored calendar/policy is invalid, or names an unknown time zone
        result.error = f"cannot evaluate {clean(db)}: {clean(str(exc))}"
        return result
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
        conn.close()
    if result.breached:
        result.code = CRITICAL
    elif (result.handoffs_late or (warn_at_risk and result.at_risk) or (warn_uncovered and result.uncovered_open)
          or any(f["stale"] for f in result.sources)):
        result.code = WARNING
    else:
        result.code = OK
    return result


def format_line(r: CheckResult, *, warn_at_risk: bool = False) -> str:
    """One line like a Nagios plugin: `COMANAGE STATE - summary | perfdata`."""
    if r.code == UNKNOWN:
        return f"COMANAGE UNKNOWN - {r.error}"
    summary = f"{r.breached} breached, {r.at_risk} at risk, {r.handoffs_late} handoffs late"
    if r.invalid_dates:
        summary += f" ({r.invalid_dates} skipped: a stored date outside 1970-2200)"
    from comanage_tui.data.readmodel.freshness import age_text

    for f in r.sources:
        if f["stale"]:
            if f["last_success_at"] is None:
                summary += f", source {f['name']} never synced successfully"
            else:
                summary += f", source {f['name']} last synced {age_text(f['age_seconds'])} ago (limit {age_text(f['stale_after'])})"
    if r.uncovered_open:
        summary += f", {r.uncovered_open} open tickets without SLA policy"
    # perfdata: 'label'=value;warn;crit;min — "0" as a threshold alerts on anything above zero.
    perf = (f"breached={r.breached};;0;0 at_risk={r.at_risk};{'0' if warn_at_risk else ''};;0 "
            f"handoffs_late={r.handoffs_late};0;;0 open_tickets={r.open_tickets};;;0 open_handoffs={r.open_handoffs};;;0 "
            f"due_today={r.due_today};;;0"
            + (f" invalid_dates={r.invalid_dates};;;0" if r.invalid_dates else "")
            + "".join(f" sync_age_{f['name']}={f['age_seconds']}s;{f['stale_after'] or ''};;0"
                      for f in r.sources if f["age_seconds"] is not None)
            + (f" uncovered={r.uncovered_open};;;0" if r.uncovered_open else ""))
    return f"COMANAGE {r.state} - {summary} | {perf}"


def to_json(r: CheckResult) -> str:
    data = {"state": r.state, **asdict(r)}
    return json.dumps(data, sort_keys=True)
