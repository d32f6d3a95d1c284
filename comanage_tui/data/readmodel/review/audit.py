"""What the review needs from the audit log, read straight from the `audit_log` table.

Today's rows say how things are; the audit log says when they changed. These small
functions read only the entities the review needs (RACI cells, KT items, who can do an
area) and roll today's state back to a past moment by undoing, newest first, every change
recorded after it. Changes made without an audit row (none are, since m001) cannot be
rolled back; a general "state as of" layer may later replace these.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from comanage_tui.data.models import KtItem, KtStatus
from comanage_tui.data.store import Store


@dataclass(frozen=True, slots=True)
class Change:
    at: int
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any


def changes(store: Store, entities: tuple[str, ...], since: float, until: float | None = None) -> list[Change]:
    """Audit rows of `entities` recorded at or after `since` (and before `until`), oldest first."""
    marks = ",".join("?" * len(entities))
    sql = f"SELECT at, action, entity, entity_id, before, after FROM audit_log WHERE entity IN ({marks}) AND at >= ?"
    params: list[Any] = [*entities, since]
    if until is not None:
        sql += " AND at < ?"
        params.append(until)
    rows = store.query(sql + " ORDER BY at, id", params)
    return [Change(r[0], r[1], r[2], r[3], _load(r[4]), _load(r[5])) for r in rows]


def _load(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True, slots=True)
class RaciChange:
    at: int
    area: str
    party: str
    before: str | None
    after: str | None


def raci_changes(store: Store, start: float, end: float) -> list[RaciChange]:
    """Every RACI cell changed in [start, end), oldest first (from `set_raci` and `org load`)."""
    out = []
    for c in changes(store, ("raci",), start, end):
        area, _, party = (c.entity_id or "/").partition("/")
        out.append(RaciChange(c.at, area, party, c.before or None, c.after or None))
    return out


def kt_verified(store: Store, start: float, end: float) -> list[int]:
    """KT item ids that became verified in [start, end) (added as verified, or moved to verified)."""
    out: list[int] = []
    for c in changes(store, ("kt_item",), start, end):
        after = c.after if isinstance(c.after, dict) else {}
        before = c.before if isinstance(c.before, dict) else {}
        if after.get("status") == KtStatus.VERIFIED and before.get("status") != KtStatus.VERIFIED and c.entity_id:
            item = int(c.entity_id)
            if item not in out:
                out.append(item)
    return sorted(out)


def kt_items_at(store: Store, items: list[KtItem], t: float) -> list[KtItem]:
    """`items` (today's) as they were at `t`: added later ones left out, later status changes undone."""
    by_id = {i.id: i for i in items}
    status: dict[int, str] = {}
    added_later: set[int] = set()
    for c in reversed(changes(store, ("kt_item",), t)):  # at >= t: undone, newest first
        if c.at < t or not c.entity_id:
            continue
        kid = int(c.entity_id)
        if c.action == "insert":
            added_later.add(kid)
        elif isinstance(c.before, dict) and "status" in c.before:
            status[kid] = c.before["status"]
    out = []
    for kid, item in sorted(by_id.items()):
        if kid in added_later:
            continue
        out.append(item.model_copy(update={"status": KtStatus(status[kid])}) if kid in status else item)
    return out


def capabilities_at(store: Store, caps: list[tuple[str, int, str]], t: float) -> list[tuple[str, int, str]]:
    """Who could do each area at `t`: today's `org.capabilities()` with later changes undone.

    The person's party is today's (membership history is not reconstructed here).
    """
    party_of = {r[0]: r[1] for r in store.query("SELECT p.id, pa.key FROM people p JOIN parties pa ON pa.id = p.party_id")}
    able: dict[str, set[int]] = defaultdict(set)
    for area, pid, _party in caps:
        able[area].add(pid)
    for c in reversed(changes(store, ("capabilities", "capability"), t)):
        if c.entity == "capabilities" and c.entity_id is not None and isinstance(c.before, list):
            able[c.entity_id] = {int(p) for p in c.before}
        elif c.entity == "capability" and c.entity_id and c.action == "insert":
            area, _, pid = c.entity_id.rpartition("/")
            able[area].discard(int(pid))
    return [(area, pid, party_of.get(pid, "?")) for area in sorted(able) for pid in sorted(able[area])]
