"""Who changed what and when: the audit log in words, newest first (the Activity screen, `comanage log`, the toast).

Each audit row (data/store.py `audit`) keeps the record's fields before and after a change;
`describe` turns one into a line such as "RACI erp/msp: R → A" or "KT 'Backup restore
runbook': planned → in_progress", naming records by key, topic, reference or person as
they are recorded now. The text is not cleaned here: every surface cleans it on output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.store import Store

KINDS: dict[str, tuple[str, ...]] = {
    "raci": ("raci",),
    "kt": ("kt_item",),
    "handoff": ("handoff",),
    "ticket": ("ticket", "ticket_event"),
    "coverage": ("capability", "capabilities"),
    "person": ("person",),
    "party": ("party",),
    "area": ("area",),
    "sla": ("calendar", "sla_policies"),
    "import": ("import", "demo", "meta"),
}
"""What `--entity` and the screen's kind column call each group of audit entities."""
KIND_OF = {entity: kind for kind, entities in KINDS.items() for entity in entities}
PAGE = 200
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNIT = {"m": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400}


@dataclass(frozen=True, slots=True)
class Change:
    """One audit row, in words."""

    id: int
    at: int
    actor: str
    kind: str
    """One of KINDS ("raci", "kt", …), or the raw entity for one this module does not know."""
    action: str
    what: str
    """E.g. "RACI erp/msp: R → A". Unsanitised: surfaces clean it."""
    target: tuple[str, Any] | None
    """What Enter opens: ("split", (area key, party key)), ("knowledge", kt id), ("handoffs", id),
    ("ticket", id), or None."""
    before: Any
    after: Any


def parse_since(text: str, now: int) -> int:
    """`--since`: an ISO date-time with an offset, or a duration before `now` such as 30m, 12h, 7d, 2w."""
    m = _DURATION.match(text)
    if m:
        return now - int(m.group(1)) * _UNIT[m.group(2)]
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("since", "give a duration such as 12h, 7d or 2w, or an ISO date-time such as "
                           "2026-11-23T08:00:00+01:00") from None
    if when.tzinfo is None:
        raise InvalidInput("since", "the date-time has no UTC offset; add one, e.g. +00:00 or Z")
    return int(when.timestamp())


def entities_of(kind: str | None) -> tuple[str, ...] | None:
    """The audit entities of a `--entity` kind; None for all. Raises InvalidInput for an unknown kind."""
    if kind is None:
        return None
    key = kind.strip().lower()
    if key not in KINDS:
        raise InvalidInput("entity", f"unknown kind '{kind}' (one of: {', '.join(KINDS)})")
    return KINDS[key]


def changes(store: Store, *, since: int | None = None, until: int | None = None, actor: str | None = None,
            kind: str | None = None, before_id: int | None = None, after_id: int | None = None,
            limit: int = PAGE) -> list[Change]:
    """Audit rows in words, newest first; `before_id` pages back (the last id of the previous page).

    `until`: only changes recorded by then (a dashboard showing a past moment); `after_id`: only
    rows newer than that id (what the dashboard has not seen yet).
    """
    clauses, params = [], []
    entities = entities_of(kind)
    if entities is not None:
        clauses.append(f"entity IN ({','.join('?' * len(entities))})")
        params += entities
    for clause, value in (("at >= ?", since), ("at <= ?", until), ("actor = ?", actor), ("id < ?", before_id),
                          ("id > ?", after_id)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.rows(f"SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log {where} "
                      "ORDER BY id DESC LIMIT ?", [*params, limit])
    names = _Names(store, rows)
    return [_described(row, names) for row in rows]


def count(store: Store, *, since: int | None = None, until: int | None = None, actor: str | None = None,
          kind: str | None = None) -> int:
    """How many changes `changes` would list with no page limit."""
    clauses, params = [], []
    entities = entities_of(kind)
    if entities is not None:
        clauses.append(f"entity IN ({','.join('?' * len(entities))})")
        params += entities
    for clause, value in (("at >= ?", since), ("at <= ?", until), ("actor = ?", actor)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return int(store.scalar(f"SELECT count(*) FROM audit_log {where}", params))


def zone(store: Store) -> dt.tzinfo:
    """The time zone changes are shown in: the internal team's calendar's, as the snapshot's times."""
    cal = load_context(store).internal_calendar()
    return ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC


def last_id(store: Store) -> int:
    """The newest audit row's id (0 for an empty log): where the dashboard starts watching."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM audit_log"))


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class _Names:
    """The names the rows refer to (KT topics, ticket references, handoff routes, people), read once per page."""

    def __init__(self, store: Store, rows: list[tuple]):
        ids: dict[str, set[int]] = {"kt_item": set(), "ticket": set(), "handoff": set(), "person": set()}
        for _id, _at, _actor, _action, entity, entity_id, before, after in rows:
            if entity == "ticket_event":
                entity = "ticket"
            if entity in ids and entity_id and entity_id.isdigit():
                ids[entity].add(int(entity_id))
            if entity == "capability" and entity_id and entity_id.partition("/")[2].isdigit():
                ids["person"].add(int(entity_id.partition("/")[2]))
            if entity == "capabilities":
                for value in (_json(before), _json(after)):
                    ids["person"].update(p for p in value or [] if isinstance(p, int))
            if entity == "ticket":
                for value in (_json(before), _json(after)):
                    if isinstance(value, dict) and isinstance(value.get("holder_person_id"), int):
                        ids["person"].add(value["holder_person_id"])
        self.parties = dict(store.rows("SELECT id, key FROM parties"))
        self.areas = dict(store.rows("SELECT id, key FROM areas"))
        self.topics = self._read(store, "SELECT id, topic FROM kt_items", ids["kt_item"])
        self.refs = self._read(store, "SELECT id, ref FROM tickets", ids["ticket"])
        self.people = self._read(store, "SELECT id, name FROM people", ids["person"])
        self.routes = {hid: f"{f}→{t}" for hid, f, t in self._rows(
            store, "SELECT h.id, f.key, o.key FROM handoffs h JOIN parties f ON f.id = h.from_party_id "
                   "JOIN parties o ON o.id = h.to_party_id", ids["handoff"], "h.id")}

    @staticmethod
    def _rows(store: Store, sql: str, wanted: set[int], column: str = "id") -> list[tuple]:
        if not wanted:
            return []
        return store.rows(f"{sql} WHERE {column} IN (SELECT value FROM json_each(?))", [json.dumps(sorted(wanted))])

    def _read(self, store: Store, sql: str, wanted: set[int]) -> dict[int, str]:
        return {i: name for i, name in self._rows(store, sql, wanted)}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _fields(before: Any, after: Any, skip: tuple[str, ...] = ()) -> str:
    """ "status planned → done, due_date 2026-12-01 → 2026-12-08" for the fields that differ."""
    if not isinstance(after, dict):
        return ""
    before = before if isinstance(before, dict) else {}
    parts = []
    for name, value in after.items():
        if name in skip or (name in before and before[name] == value):
            continue
        parts.append(f"{name} {_shown(before[name])} → {_shown(value)}" if name in before else f"{name} → {_shown(value)}")
    return ", ".join(parts)


def _described(row: tuple, names: _Names) -> Change:
    """`describe`, or for a row whose before/after do not have the shape its entity writes (edited by
    hand, or by a newer comanage), the plain facts: entity, id and action."""
    try:
        return describe(row, names)
    except (AttributeError, TypeError, ValueError, KeyError):
        rid, at, actor, action, entity, entity_id, before, after = row
        return Change(rid, at, actor, KIND_OF.get(entity, entity), action, f"{entity} {entity_id or ''}: {action}".replace(" :", ":"),
                      None, _json(before), _json(after))


def describe(row: tuple, names: _Names) -> Change:
    """One audit row (id, at, actor, action, entity, entity_id, before, after) as a Change."""
    rid, at, actor, action, entity, entity_id, before_text, after_text = row
    before, after = _json(before_text), _json(after_text)
    kind = KIND_OF.get(entity, entity)
    ident = entity_id or ""
    num = int(ident) if ident.isdigit() else None
    target: tuple[str, Any] | None = None
    if entity == "raci":
        area, _, party = ident.partition("/")
        what, target = f"RACI {ident}: {before or '–'} → {after or '–'}", ("split", (area, party))
    elif entity == "kt_item":
        topic = names.topics.get(num, (after or {}).get("topic", f"#{ident}") if isinstance(after, dict) else f"#{ident}")
        target = ("knowledge", num)
        if action == "insert":
            what = f"KT '{topic}' added ({(after or {}).get('status', 'planned')})"
        elif isinstance(after, dict) and set(after) == {"status"}:
            what = f"KT '{topic}': {_shown((before or {}).get('status'))} → {after['status']}"
        elif isinstance(after, dict) and set(after) == {"last_reviewed"}:
            what = f"KT '{topic}': reviewed {_shown(after['last_reviewed'])} (was {_shown((before or {}).get('last_reviewed'))})"
        else:
            what = f"KT '{topic}': {_fields(before, after) or action}"
    elif entity == "handoff":
        route = names.routes.get(num, "")
        target = ("handoffs", num)
        label = f"handoff #{ident} {route}".rstrip()
        if action == "insert":
            what = f"{label} requested: {(after or {}).get('summary', '')}".rstrip(": ")
        elif isinstance(after, dict) and "state" in after:
            what = f"{label}: {_shown((before or {}).get('state'))} → {after['state']}"
            if action == "return" and after.get("return_reason"):
                what += f" ({after['return_reason']})"
            if action == "undo":
                what += " (undone)"
        else:
            what = f"{label}: {_fields(before, after) or action}"
    elif entity in ("ticket", "ticket_event"):
        ref = names.refs.get(num, (after or {}).get("ref", f"#{ident}") if isinstance(after, dict) else f"#{ident}")
        target = ("ticket", num) if num is not None else None
        if entity == "ticket_event":
            what = f"ticket {ref}: {(after or {}).get('kind', 'event')} recorded"
        elif action == "insert":
            what = f"ticket {ref} opened: {(after or {}).get('title', '')}".rstrip(": ")
        else:
            what = f"ticket {ref}: {_fields(*_ticket_words(before, after, names)) or action}"
    elif entity == "capability":
        area, _, pid = ident.partition("/")
        person = names.people.get(int(pid), f"person {pid}") if pid.isdigit() else pid
        what, target = f"who can do {area}: + {person}", ("split", (area, None))
    elif entity == "capabilities":
        was, now = set(before or []), set(after or [])
        who = [f"+ {names.people.get(p, p)}" for p in sorted(now - was)] + [f"− {names.people.get(p, p)}" for p in sorted(was - now)]
        what, target = f"who can do {ident}: {', '.join(who) or 'unchanged'}", ("split", (ident, None))
    elif entity in ("party", "area", "person"):
        label = _record_label(entity, ident, before, after, names)
        if entity == "area":
            data = after if isinstance(after, dict) else {}
            target = ("split", (data.get("key"), None)) if data.get("key") else None
        what = f"{label} added" if action == "insert" else f"{label}: {_fields(before, after, skip=('key',)) or action}"
    elif entity == "import":
        counts = ", ".join(f"{k} {v}" for k, v in (after or {}).items() if isinstance(v, int)) if isinstance(after, dict) else ""
        what = f"import of {ident}" + (f": {counts}" if counts else "")
    elif entity == "demo":
        what = "demo database written" + (f" ({after.get('tickets')} tickets)" if isinstance(after, dict) else "")
    elif entity == "meta":
        what = f"setting {ident}: {_shown(before)} → {_shown(after)}"
    elif entity == "calendar":
        what = f"calendar {ident} {'added' if action == 'insert' else 'changed'}"
    elif entity == "sla_policies":
        what = f"SLA policies replaced ({len(after) if isinstance(after, list) else '?'} policies)"
    else:
        what = f"{entity} {ident}: {action}".replace("  ", " ")
    return Change(rid, at, actor, kind, action, what, target, before, after)


def _ticket_words(before: Any, after: Any, names: _Names) -> tuple[Any, Any]:
    """A ticket's stored columns as people say them: holder and area by key, the holder's person by name."""
    if not isinstance(after, dict):
        return before, after
    columns = {"holder_party_id": ("holder", names.parties), "area_id": ("area", names.areas),
               "holder_person_id": ("person", names.people)}

    def words(d: Any) -> Any:
        if not isinstance(d, dict):
            return d
        return {columns[k][0] if k in columns else k: columns[k][1].get(v, v) if k in columns else v
                for k, v in d.items() if k != "reassignment_count"}

    return words(before), words(after)


def _record_label(entity: str, ident: str, before: Any, after: Any, names: _Names) -> str:
    data = after if isinstance(after, dict) else before if isinstance(before, dict) else {}
    if entity == "person":
        return f"person {data.get('name') or names.people.get(int(ident) if ident.isdigit() else -1, ident)}"
    return f"{entity} {data.get('key', ident)}"
