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


# How a drift problem reads in a snapshot (status.AreaSplit.problems, prefixed with the area's name).
_DRIFT = re.compile(r"^(?P<area>.+): drift: (?P<share>\d+)% of tickets held by (?P<party>.+)$")


def _drift_changes(old: list[str], new: list[str]) -> tuple[list[str], list[str], list[str]]:
    """A drift whose share moved is one change ("drift in ERP 67 % → 50 %"), not a resolved and a new problem.

    Returns the old and new problem lists without those pairs, and the changes.
    """
    def shares(problems: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
        found = {}
        for p in problems:
            if m := _DRIFT.match(p):
                found[(m["area"], m["party"])] = (m["share"], p)
        return found

    before, after = shares(old), shares(new)
    changed, paired = [], set()
    for key in sorted(set(before) & set(after)):
        (was, p_old), (now, p_new) = before[key], after[key]
        if was != now:
            changed.append(f"drift in {key[0]} {was} % → {now} % (tickets held by {key[1]})")
            paired |= {p_old, p_new}
    return [p for p in old if p not in paired], [p for p in new if p not in paired], changed


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

    old_p, new_p, drift_moved = _drift_changes(_problems(prev), _problems(cur))
    kpis = []
    prev_k, cur_k = prev.kpis.model_dump(), cur.kpis.model_dump()
    for name, value in cur_k.items():
        if prev_k.get(name) != value:
            kpis.append(KpiChange(kpi=name, before=prev_k.get(name), after=value))
    return Delta(
        since=prev.as_of, previous_scope=prev.scope, notes=notes, new_breaches=new_breaches, cleared_breaches=cleared,
        handoffs_now_late=now_late, kt_completed=kt_done, raci_changes=raci,
        # A moved drift is listed with the new problems: the area still drifts, by a different share.
        problems_new=drift_moved + [p for p in new_p if p not in set(old_p)],
        problems_resolved=[p for p in old_p if p not in set(new_p)],
        kpi_changes=kpis,
    )
