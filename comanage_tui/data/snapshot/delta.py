"""What changed between a previous snapshot (`--since PREV.json`) and the one being built.

The delta compares the two snapshots' content, not the database: the previous file is
what the reader saw, so "new" means new to them. Items are matched by stable identifiers
(ticket ref + clock, handoff id, KT item id, area + party).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.snapshot.model import (
    SCHEMA_VERSION,
    ClockChange,
    ClockRow,
    Delta,
    FigureChange,
    HandoffChange,
    KpiChange,
    KtChange,
    RaciChange,
    Snapshot,
)
from comanage_tui.data.text import clean
from comanage_tui.data.validation import validate

_DONE = ("done", "verified")


def load_previous(path: Path | str) -> Snapshot:
    """Read a JSON snapshot written earlier, refusing anything this version did not write.

    Raises:
        InvalidInput: unreadable file, not JSON, another schema version, or not a snapshot.
    """
    path = Path(path)
    shown = clean(path, limit=300)  # every message below may quote the file: none carries an escape
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput("--since", f"cannot read {shown}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput("--since", f"{shown} is not a UTF-8 JSON snapshot") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput("--since", f"{shown} is not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InvalidInput("--since", f"{shown} nests JSON too deeply to be a comanage snapshot") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        found = data.get("schema_version") if isinstance(data, dict) else None
        raise InvalidInput("--since", f"{shown} is not a comanage snapshot of schema version {SCHEMA_VERSION} "
                                      f"(found {clean(repr(found), limit=80)}); "
                                      "write one with 'comanage snapshot --format json'")
    try:
        return validate(Snapshot, data)
    except InvalidInput as exc:
        raise InvalidInput("--since", f"{shown} is not a valid snapshot: {clean(exc.field, limit=200)}: "
                                      f"{clean(exc.message, limit=300)}") from None


def _clock_change(c: ClockRow) -> ClockChange:
    return ClockChange(ticket_ref=c.ticket_ref, clock=c.clock, title=c.title, breached_at=c.breached_at,
                       breach_holder=c.breach_holder)


def _problems(snap: Snapshot) -> list[str]:
    return [f"{a.name}: {p}" for a in snap.raci for p in a.problems]


# Problems that keep existing with another value, as they read in a snapshot
# (readmodel.org.AreaSplit.problems, prefixed with the area's name).
_DRIFT = re.compile(r"^(?P<area>.+): drift: (?P<share>\d+)% of tickets held by (?P<party>.+)$")
_OVERLAP = re.compile(r"^(?P<area>.+): two Accountable: (?P<parties>.+)$")


def _problem_changes(old: list[str], new: list[str]) -> tuple[list[str], list[str], list[FigureChange]]:
    """A problem still there with another value is one change, not a resolved and a new problem.

    A drift whose share moved reads "drift in ERP 67 % → 50 %"; accountability shared by
    other parties reads "Accountable parties in Vulnerability management internal, msp →
    internal, msp, secops". Returns the old and new problem lists without those pairs, and the changes.
    """
    def found(problems: list[str]) -> dict[tuple, tuple[str, str]]:
        out = {}
        for p in problems:
            if m := _DRIFT.match(p):
                out[("drift", m["area"], m["party"])] = (f"{m['share']} %", p)
            elif m := _OVERLAP.match(p):
                out[("Accountable parties", m["area"], "")] = (m["parties"], p)
        return out

    before, after = found(old), found(new)
    changed, paired = [], set()
    for key in sorted(set(before) & set(after)):
        (was, p_old), (now, p_new) = before[key], after[key]
        if was != now:
            figure, area, party = key
            changed.append(FigureChange(subject=area, figure=figure, before=was, after=now,
                                        detail=f"tickets held by {party}" if party else ""))
            paired |= {p_old, p_new}
    return [p for p in old if p not in paired], [p for p in new if p not in paired], changed


def _knowledge_changes(prev: Snapshot, cur: Snapshot) -> list[FigureChange]:
    """Why an area is still a single point of knowledge, and knowledge-transfer statuses that moved
    other than to completion (kt_completed lists those)."""
    out = []
    was = {c.area: c.single_point for c in prev.knowledge.coverage}
    for c in cur.knowledge.coverage:
        if c.single_point and was.get(c.area) and was[c.area] != c.single_point:
            out.append(FigureChange(subject=c.name, figure="single point of knowledge", before=was[c.area], after=c.single_point))
    prev_kt = {i.id: i for i in prev.knowledge.items}
    for i in cur.knowledge.items:
        old = prev_kt.get(i.id)
        if old and old.status != i.status and not (i.status in _DONE and old.status not in _DONE):
            out.append(FigureChange(subject=f"{i.topic} ({i.area})", figure="knowledge-transfer status",
                                    before=old.status.replace("_", " "), after=i.status.replace("_", " ")))
    return out


def compute_delta(prev: Snapshot, cur: Snapshot) -> Delta:
    """Changes from `prev` to `cur`, each list in the current snapshot's order (or sorted by key)."""
    notes = []
    if prev.scope != cur.scope:
        notes.append(f"The previous snapshot had a different scope ({prev.scope or 'all parties'}); "
                     "items outside one of the two scopes show as new or gone.")
    if dt.datetime.fromisoformat(prev.as_of) > dt.datetime.fromisoformat(cur.as_of):
        notes.append("The previous snapshot is later than this one: changes read backwards.")
    prev_breached = {(c.ticket_ref, c.clock) for c in prev.clocks if c.state == "breached"}
    cur_breached = {(c.ticket_ref, c.clock) for c in cur.clocks if c.state == "breached"}
    new_breaches = [_clock_change(c) for c in cur.clocks if c.state == "breached" and (c.ticket_ref, c.clock) not in prev_breached]
    cleared = [_clock_change(c) for c in prev.clocks if c.state == "breached" and (c.ticket_ref, c.clock) not in cur_breached]

    prev_late = {h.id for h in prev.handoffs if h.ack_state == "breached"}
    now_late = [HandoffChange(id=h.id, summary=h.summary, from_party=h.from_party, to_party=h.to_party,
                              ack_breached_at=h.ack_breached_at)
                for h in cur.handoffs if h.ack_state == "breached" and h.id not in prev_late]

    prev_kt = {i.id: i for i in prev.knowledge.items}
    kt_done = [KtChange(id=i.id, area=i.area, topic=i.topic, before=prev_kt[i.id].status, after=i.status)
               for i in cur.knowledge.items
               if i.id in prev_kt and i.status in _DONE and prev_kt[i.id].status not in _DONE]

    before = {(a.area, p): letter for a in prev.raci for p, letter in a.letters.items()}
    after = {(a.area, p): letter for a in cur.raci for p, letter in a.letters.items()}
    raci = [RaciChange(area=k[0], party=k[1], before=before.get(k), after=after.get(k))
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]

    old_p, new_p, moved = _problem_changes(_problems(prev), _problems(cur))
    kpis = []
    prev_k, cur_k = prev.kpis.model_dump(), cur.kpis.model_dump()
    for name, value in cur_k.items():
        if prev_k.get(name) != value:
            kpis.append(KpiChange(kpi=name, before=prev_k.get(name), after=value))
    return Delta(
        since=prev.as_of, previous_scope=prev.scope, notes=notes, new_breaches=new_breaches, cleared_breaches=cleared,
        handoffs_now_late=now_late, kt_completed=kt_done, raci_changes=raci,
        problems_new=[p for p in new_p if p not in set(old_p)],
        problems_resolved=[p for p in old_p if p not in set(new_p)],
        changed=moved + _knowledge_changes(prev, cur),
        kpi_changes=kpis,
    )
