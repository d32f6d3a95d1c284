"""The organisation as it stood at a moment: parties, people, areas, RACI, who can do what, KT items, handoffs.

`state_as_of(store, at)` reads today's records and undoes, newest first, every change the
audit log holds after `at` (each audit row keeps the record's fields before and after the
change; see data/store.py `audit` and the repositories). Undoing rather than replaying from
the start, because records written in bulk carry no per-record history (the demo's tickets
and handoffs, an import's tickets and the parties and areas it creates): there is no start
to replay from, while today's records are always complete. The cost is one read of the
(small) organisation and KT tables, the handoffs, and the audit rows after `at` of the
entities below; tickets are not read (their history is `ticket_events`).

What is and is not known (`History`):

* The log starts at its first row (`History.starts_at`). Nothing before it is recorded:
  a moment before it shows the records as they were first recorded then (the demo writes
  its whole organisation at its `now`, so a demo looks the same at any earlier moment).
* Records written without an audit row (see above) show as recorded; handoffs among them
  are dated by their own request, acknowledgement and closing times, so one requested
  after `at` is left out and one closed after `at` is still open.
* Changes are undone in the order they were written (audit id); a moment is compared with
  the time the change was recorded (the audit row's `at`), not with a time the user gave
  (e.g. `acknowledge --at`).
* `version` and `updated_at` (bookkeeping for edits) are today's: no audit row keeps them,
  and nothing edits a past state.

tests/data/test_past.py rebuilds every second of random histories of sixty changes and
compares each with the state read live at that second.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.models import Area, Handoff, KtItem, Party, Person
from comanage_tui.data.store import Store
from comanage_tui.data.validation import validate

ENTITIES = ("party", "person", "area", "raci", "capability", "capabilities", "kt_item")
"""The audit entities `state_as_of` undoes; handoffs are read and undone when asked for (`PastState.handoffs`),
and tickets come from their event log instead."""


@dataclass(frozen=True)
class History:
    """What the audit log can say about the moment asked for."""

    at: int
    """The moment asked for (epoch seconds)."""
    starts_at: int | None
    """When the audit log begins (its first row); None when it is empty."""
    undone: int
    """How many recorded changes after `at` were undone."""

    @property
    def before_log(self) -> bool:
        """The moment lies before the log begins: the records are shown as first recorded."""
        return self.starts_at is not None and self.at < self.starts_at


@dataclass
class PastState:
    """The organisation and knowledge transfer as they stood at `history.at`; handoffs on request."""

    history: History
    parties: dict[int, Party]
    areas: dict[int, Area]
    people: list[Person]
    """In the order `OrgRepo.people()` gives: the internal team first, then by party and name."""
    raci: dict[tuple[str, str], str]
    """{(area key, party key): letter}, as `OrgRepo.raci()`."""
    capabilities: list[tuple[str, int, str]]
    """(area key, person id, party key), as `OrgRepo.capabilities()`."""
    kt_items: list[KtItem]
    """In the order `KtRepo.list()` gives: by area name, due date, id."""
    floor: int = 0
    """Changes recorded after this moment are undone: `history.at`, or the log's start if later."""
    _handoffs: dict[tuple[bool, float | None], list[Handoff]] = field(default_factory=dict, repr=False)

    def handoffs(self, store: Store, *, open_only: bool, requested_from: float | None = None) -> list[Handoff]:
        """Handoffs requested by then, in the state they had then, oldest request first (as `HandoffRepo.list`).

        Read on first use, and only those that can matter: with `open_only`, the ones open
        then by their own times; with `requested_from`, those (last) requested since; plus
        any whose record changed after then (a large database holds tens of thousands of
        closed handoffs that no as-of figure needs).
        """
        key = (open_only, requested_from)
        if key not in self._handoffs:
            self._handoffs[key] = _handoffs_at(store, self.history.at, self.floor, open_only, self.parties, requested_from)
        return list(self._handoffs[key])


def _rows(cur, sql: str, params: Any = ()) -> list[dict[str, Any]]:  # sqlite3.Cursor; a tuple or a dict of names
    c = cur.execute(sql, params)
    names = [d[0] for d in c.description]
    return [dict(zip(names, r)) for r in c.fetchall()]


def log_start(store: Store) -> int | None:
    """When the audit log begins (its first row), None for an empty log: nothing before it is recorded."""
    first = store.scalar("SELECT at FROM audit_log ORDER BY id LIMIT 1")
    return None if first is None else int(first)


def state_as_of(store: Store, at: int) -> PastState:
    """The records as they stood at `at` (see the module docstring for what is known)."""
    with store.reading() as cur:
        first = cur.execute("SELECT at FROM audit_log ORDER BY id LIMIT 1").fetchone()
        starts_at = None if first is None else int(first[0])
        parties = {r["id"]: r for r in _rows(cur, "SELECT id, key, name, kind, description, calendar, version, updated_at FROM parties")}
        areas = {r["id"]: r for r in _rows(cur, "SELECT id, key, name, criticality, description, version, updated_at FROM areas")}
        people = {r["id"]: r for r in _rows(cur, "SELECT id, party_id, name, email, role, active, version, updated_at FROM people")}
        raci = {(a, p): letter for a, p, letter in cur.execute(
            "SELECT a.key, p.key, r.letter FROM raci r JOIN areas a ON a.id = r.area_id JOIN parties p ON p.id = r.party_id")}
        caps: dict[str, set[int]] = {}
        for area, pid in cur.execute("SELECT a.key, c.person_id FROM capabilities c JOIN areas a ON a.id = c.area_id"):
            caps.setdefault(area, set()).add(pid)
        kt = {r["id"]: r for r in _rows(cur, "SELECT * FROM kt_items")}
        for item in kt.values():
            item["learner_ids"] = []
        for kt_id, pid in cur.execute("SELECT kt_id, person_id FROM kt_learners"):
            if kt_id in kt:
                kt[kt_id]["learner_ids"].append(pid)
        # Changes recorded after the moment (never those of the log's first second: see History).
        floor = at if starts_at is None else max(at, starts_at)
        marks = ",".join("?" * len(ENTITIES))
        changes = cur.execute(
            f"SELECT action, entity, entity_id, before, after FROM audit_log WHERE at > ? AND entity IN ({marks}) ORDER BY id DESC",
            (floor, *ENTITIES)).fetchall()
        undone = len(changes) + cur.execute("SELECT count(*) FROM audit_log WHERE at > ? AND entity = 'handoff'",
                                            (floor,)).fetchone()[0]
    party_ids = {r["key"]: pid for pid, r in parties.items()}
    undo = _Undo(parties, areas, people, raci, caps, kt, {}, party_ids)
    for action, entity, entity_id, before, after in changes:
        undo.apply(action, entity, entity_id, _load(before), _load(after))
    past = _build(History(at, starts_at, undone), parties, areas, people, raci, caps, kt, undo.today)
    past.floor = floor
    return past


def _load(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None  # a hand-edited row: nothing to restore from it


class _Undo:
    """Puts back, one audit row at a time, what a record held before that change."""

    def __init__(self, parties, areas, people, raci, caps, kt, handoffs, party_ids):  # the dicts state_as_of read
        self.tables = {"party": parties, "area": areas, "person": people, "kt_item": kt, "handoff": handoffs}
        self.raci, self.caps, self.party_ids = raci, caps, party_ids
        self.today: dict[tuple[str, int], dict[str, Any]] = {}
        """Today's row of each record a change was undone on: used instead when the undone one is not valid
        (an audit row edited by hand)."""

    def apply(self, action: str, entity: str, entity_id: str | None, before: Any, after: Any) -> None:
        if entity_id is None:
            return
        if entity == "raci":
            area, _, party = entity_id.partition("/")
            if before in ("R", "A", "C", "I"):
                self.raci[(area, party)] = before
            elif before is None:  # the cell was empty
                self.raci.pop((area, party), None)
        elif entity == "capability":  # one person added to an area (`OrgRepo.add_capability`)
            area, _, pid = entity_id.partition("/")
            if pid.isdigit() and not (isinstance(before, dict) and before.get("present")):
                self.caps.get(area, set()).discard(int(pid))
        elif entity == "capabilities":  # an area's whole list (`set_capabilities`, `org load`)
            if isinstance(before, list) and all(isinstance(p, int) for p in before):
                self.caps[entity_id] = set(before)
        else:
            self._record(action, self.tables[entity], entity, entity_id, before)

    def _record(self, action: str, table: dict[int, dict], entity: str, entity_id: str, before: Any) -> None:
        try:
            rid = int(entity_id)
        except ValueError:
            return
        if action == "insert":
            table.pop(rid, None)
            return
        row = table.get(rid)
        if row is None or not isinstance(before, dict):
            return
        self.today.setdefault((entity, rid), dict(row))
        for name, value in before.items():
            if entity == "person" and name == "party":
                if value in self.party_ids:
                    row["party_id"] = self.party_ids[value]
            elif name == "learner_ids" and entity == "kt_item":
                if isinstance(value, list) and all(isinstance(p, int) for p in value):
                    row["learner_ids"] = list(value)
            elif name in row and name not in ("id", "key"):
                row[name] = value


def _valid(model: Any, entity: str, row: dict[str, Any], today: dict[tuple[str, int], dict[str, Any]],
           **extra: Any) -> Any:
    """The row as `model`; today's row instead when an undone value does not fit (a hand-edited audit row)."""
    try:
        return validate(model, {**row, **extra})
    except InvalidInput:
        return validate(model, {**today.get((entity, row["id"]), row), **extra})


def _handoff_at(h: dict[str, Any], at: int) -> dict[str, Any] | None:
    """A handoff row dated by its own times (for rows written without history): None if not yet requested."""
    if h["requested_at"] > at:
        return None
    if h["closed_at"] is not None and h["closed_at"] > at:
        if h["state"] == "returned":
            h["bounce_count"] = max(0, h["bounce_count"] - 1)
        h["closed_at"] = None
        h["state"] = "acknowledged"
    if h["acknowledged_at"] is not None and h["acknowledged_at"] > at:
        h["acknowledged_at"] = None
        if h["state"] == "acknowledged":
            h["state"] = "requested"
    return h


def _build(history: History, parties, areas, people, raci, caps, kt, today) -> PastState:  # the undone dicts
    party_models = {pid: _valid(Party, "party", r, today) for pid, r in parties.items()}
    area_models = {aid: _valid(Area, "area", r, today) for aid, r in areas.items()}
    key_of = {pid: r["key"] for pid, r in parties.items()}
    person_models = [_valid(Person, "person", r, today, party_key=key_of[r["party_id"]])
                     for r in people.values() if r["party_id"] in key_of]
    kinds = {pid: r["kind"] for pid, r in parties.items()}
    names = {pid: r["name"] for pid, r in parties.items()}
    person_models.sort(key=lambda p: (kinds[p.party_id] == "partner", names[p.party_id], p.name))
    party_of = {p.id: p.party_key for p in person_models}
    capabilities = sorted((area, pid, party_of[pid]) for area, pids in caps.items() for pid in pids if pid in party_of)
    area_key = {aid: r["key"] for aid, r in areas.items()}
    items = [_valid(KtItem, "kt_item", {**r, "learner_ids": sorted(set(r["learner_ids"]))}, today,
                    area_key=area_key[r["area_id"]]) for r in kt.values() if r["area_id"] in area_key]
    area_name = {aid: r["name"] for aid, r in areas.items()}
    items.sort(key=lambda i: (area_name[i.area_id], i.due_date or dt.date(9999, 1, 1), i.id))
    area_keys, party_keys = set(area_key.values()), set(key_of.values())
    return PastState(history, party_models, area_models, person_models,
                     {(a, p): letter for (a, p), letter in raci.items() if a in area_keys and p in party_keys},
                     capabilities, items)


def _handoffs_at(store: Store, at: int, floor: int, open_only: bool, parties: dict[int, Party],
                 requested_from: float | None = None) -> list[Handoff]:
    """The handoffs of then (see `PastState.handoffs`): rows and their later changes read in one transaction."""
    with store.reading() as cur:
        changes = cur.execute("SELECT action, entity_id, before FROM audit_log WHERE at > ? AND entity = 'handoff' "
                              "ORDER BY id DESC", (floor,)).fetchall()
        touched = json.dumps(sorted({int(i) for _a, i, _b in changes if i is not None and i.isdigit()}))
        by_times = "h.requested_at <= :at AND (h.closed_at IS NULL OR h.closed_at > :at)" if open_only else "h.requested_at <= :at"
        if requested_from is not None:
            by_times += " AND h.requested_at >= :since"
        rows = _rows(cur, "SELECT h.*, t.ref AS ticket_ref FROM handoffs h LEFT JOIN tickets t ON t.id = h.ticket_id "
                     f"WHERE {by_times} OR h.id IN (SELECT value FROM json_each(:touched))",
                     {"at": at, "touched": touched, "since": requested_from})
    table = {r["id"]: r for r in rows}
    undo = _Undo({}, {}, {}, {}, {}, {}, table, {})
    for action, entity_id, before in changes:
        undo.apply(action, "handoff", entity_id, _load(before), None)
    key_of = {pid: p.key for pid, p in parties.items()}
    out = []
    for h in table.values():
        try:
            h = _handoff_at(h, at)
        except TypeError:  # a time undone from a hand-edited audit row: today's row, dated by its times
            h = _handoff_at(dict(undo.today.get(("handoff", h["id"]), h)), at)
        if h is None or h["from_party_id"] not in key_of or h["to_party_id"] not in key_of:
            continue
        if open_only and h["state"] not in ("requested", "acknowledged"):
            continue
        if requested_from is not None and h["requested_at"] < requested_from:
            continue  # a changed record read above: requested before the span, as it stood then
        out.append(_valid(Handoff, "handoff", h, undo.today, from_party_key=key_of[h["from_party_id"]],
                          to_party_key=key_of[h["to_party_id"]]))
    out.sort(key=lambda h: (h.requested_at, h.id))
    return out
