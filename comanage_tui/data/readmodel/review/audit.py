"""What changed in a period, from the `audit_log` table: the RACI cells changed and the KT items verified.

Records as they stood at a moment (coverage at a period's end) come from readmodel.past,
which owns rolling today's records back through the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from comanage_tui.data.models import KtStatus
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
