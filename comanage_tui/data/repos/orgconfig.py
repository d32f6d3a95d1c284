"""The organisation as one TOML file: parties, people, service areas, the RACI matrix, who can do what.

`comanage org show` prints it (`OrgConfigRepo.dump_toml`), `comanage org load FILE` applies
it (`OrgConfigRepo.load_toml`), the way `sla show` / `sla load` treat calendars and policies.

How a file is applied, in one write transaction (all or nothing):

* `[[party]]` and `[[area]]` entries are matched by `key`, inserted when new, updated when a
  field differs. `[[person]]` entries are matched by e-mail (case-insensitive) when one is
  given, else by party and name; an entry with an e-mail that matches nobody falls back to
  its party and name, which is how an e-mail is added to, or changed for, someone already
  recorded. A name that matches two people is an error, never a guess.
* A field left out of an entry keeps its stored value (a new record gets the default), so a
  short file edits only what it names. `calendar = ""` clears a party's calendar; an empty
  `email` never clears a recorded one (the e-mail is how a person is recognised).
* `raci` and `can_do`, when present, say exactly what the area's row of the matrix and its
  list of capable people are: cells of parties not named are cleared, people not listed are
  removed. Left out, they stay as they are.
* Nothing is ever deleted: tickets, events and handoffs refer to parties, people and areas.
  Someone who left the team is marked `active = false`.
* A record whose values are unchanged is not written; one audit row per changed party,
  person or area, per changed RACI cell, and per area whose list of capable people changed.
* Every value goes through the same pydantic input models as the repositories (`PartyIn`,
  `PersonIn`, `AreaIn`); a value equal to the one stored is taken as it is.

Errors are `InvalidInput` whose field names the entry, e.g. `area[3].raci.msp`, counting
entries from 0 in file order as `sla load` does.
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from comanage_tui.data import toml_text
from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.models import AreaIn, PartyIn, PersonIn, Raci
from comanage_tui.data.repos.base import Repo
from comanage_tui.data.text import clean
from comanage_tui.data.validation import validate

SECTIONS = ("party", "person", "area")
PARTY_FIELDS = ("name", "kind", "description", "calendar")
PERSON_FIELDS = ("party", "name", "email", "role", "active")
AREA_FIELDS = ("name", "criticality", "description")
MAX_CAN_DO = 500  # the same bound as the coverage form (CapabilitiesIn)
_MISSING = object()
_LETTERS = ", ".join(r.value for r in Raci)


# --- the plan: the organisation before and after the file ------------------------------


@dataclass(eq=False)
class _Record:
    """A party, person or area: `before` is None for a new one; `where` is set when the file names it."""

    id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any]
    where: str | None = None

    @property
    def added(self) -> bool:
        return self.before is None

    @property
    def updated(self) -> bool:
        return self.before is not None and self.after != self.before


@dataclass(eq=False)
class _Area(_Record):
    key: str = ""
    raci_before: dict[str, str] = field(default_factory=dict)
    raci_after: dict[str, str] | None = None  # None: the file leaves the row as it is
    can_before: set[_Record] = field(default_factory=set)
    can_after: set[_Record] | None = None

    def raci_changes(self) -> list[tuple[str, str | None, str | None]]:
        """(party key, letter before, letter after) for every cell the file changes."""
        if self.raci_after is None:
            return []
        parties = sorted(set(self.raci_before) | set(self.raci_after))
        return [(p, self.raci_before.get(p), self.raci_after.get(p)) for p in parties
                if self.raci_before.get(p) != self.raci_after.get(p)]

    def can_changes(self) -> tuple[list[_Record], list[_Record]]:
        if self.can_after is None:
            return [], []
        return [p for p in self.can_after if p not in self.can_before], [p for p in self.can_before if p not in self.can_after]


@dataclass
class OrgLoadResult:
    """What a load did (or, for a dry run, would do)."""

    dry_run: bool = False
    parties: Counter = field(default_factory=Counter)  # "added", "updated", "unchanged"
    people: Counter = field(default_factory=Counter)
    areas: Counter = field(default_factory=Counter)
    raci_cells: int = 0
    capability_areas: int = 0
    left_alone: int = 0  # parties, people and areas in the database that the file does not mention
    changes: list[str] = field(default_factory=list)  # one line per change, for people to read

    @property
    def changed(self) -> int:
        """How many records and cells were (or would be) written: 0 for a file that matches the database."""
        return (sum(c["added"] + c["updated"] for c in (self.parties, self.people, self.areas))
                + self.raci_cells + self.capability_areas)

    def summary(self) -> str:
        def group(name: str, c: Counter) -> str:
            parts = [f"{c[k]} {k}" for k in ("added", "updated", "unchanged") if c[k]]
            return f"{name} {', '.join(parts) if parts else 'none'}"

        left = f"{self.left_alone} record{'s' if self.left_alone != 1 else ''} not in the file left as {'they were' if self.left_alone != 1 else 'it was'}"
        areas = f"{self.capability_areas} area{'s' if self.capability_areas != 1 else ''}"
        return "; ".join([group("parties", self.parties), group("people", self.people), group("areas", self.areas),
                          f"RACI cells {self.raci_cells} changed", f"capabilities {areas} changed", left]) + "."


class OrgConfigRepo(Repo):
    """Read the whole organisation as TOML, and apply such a file."""

    def load_toml(self, text: str, *, dry_run: bool = False) -> OrgLoadResult:
        """Apply an organisation file in one transaction; with `dry_run`, only say what would change."""
        doc = _parse(text)
        # Planned from one consistent read, outside the write lock: others keep writing meanwhile.
        with self.store.lock:
            conn = self.store.conn
            conn.execute("BEGIN")  # nothing is written
            try:
                seen = _read_org(conn)
            finally:
                conn.execute("ROLLBACK")
        plan = _Planner(seen, doc)
        if dry_run:
            return plan.result(dry_run=True)
        if not plan.result().changed:
            return plan.result()
        with self.store.write() as conn:
            # One short transaction: re-read (fast) and, only if the organisation changed since
            # the plan was made, plan again on what is there now rather than overwrite it.
            now_stored = _read_org(conn)
            if now_stored != seen:
                plan = _Planner(now_stored, doc)
            if plan.result().changed:
                self._apply(conn, plan)
        return plan.result()

    def dump_toml(self) -> str:
        """The organisation as a file `load_toml` reads back to the same organisation, changing nothing."""
        with self.store.lock:
            conn = self.store.conn
            if conn.in_transaction:  # called inside the caller's own transaction: read what it sees
                return _dump(conn)
            conn.execute("BEGIN")  # one consistent read
            try:
                return _dump(conn)
            finally:
                conn.execute("ROLLBACK")

    # --- inside the write transaction ---------------------------------------------

    def _apply(self, conn: sqlite3.Connection, plan: _Planner) -> None:
        now, audit = self.store.now(), self.store.audit
        for key, p in plan.parties.items():
            a = p.after
            if p.added:
                p.id = conn.execute(
                    "INSERT INTO parties (key, name, kind, description, calendar, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (key, a["name"], a["kind"], a["description"], a["calendar"], now)).lastrowid
                audit(conn, "insert", "party", p.id, None, {"key": key, **a})
            elif p.updated:
                conn.execute("UPDATE parties SET name = ?, kind = ?, description = ?, calendar = ?, version = version + 1, "
                             "updated_at = ? WHERE id = ?", (a["name"], a["kind"], a["description"], a["calendar"], now, p.id))
                audit(conn, "update", "party", p.id, {"key": key, **p.before}, {"key": key, **a})
        for person in plan.people:
            a = person.after
            party_id = plan.parties[a["party"]].id
            if person.added:
                person.id = conn.execute(
                    "INSERT INTO people (party_id, name, email, role, active, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (party_id, a["name"], a["email"], a["role"], int(a["active"]), now)).lastrowid
                audit(conn, "insert", "person", person.id, None, a)
            elif person.updated:
                conn.execute("UPDATE people SET party_id = ?, name = ?, email = ?, role = ?, active = ?, version = version + 1, "
                             "updated_at = ? WHERE id = ?", (party_id, a["name"], a["email"], a["role"], int(a["active"]), now, person.id))
                audit(conn, "update", "person", person.id, person.before, a)
        for key, area in plan.areas.items():
            a = area.after
            cells = area.raci_changes()
            if area.added:
                area.id = conn.execute(
                    "INSERT INTO areas (key, name, criticality, description, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (key, a["name"], a["criticality"], a["description"], now)).lastrowid
                audit(conn, "insert", "area", area.id, None, {"key": key, **a})
            elif area.updated:
                conn.execute("UPDATE areas SET name = ?, criticality = ?, description = ?, version = version + 1, updated_at = ? "
                             "WHERE id = ?", (a["name"], a["criticality"], a["description"], now, area.id))
                audit(conn, "update", "area", area.id, {"key": key, **area.before}, {"key": key, **a})
            elif cells:  # the matrix row is part of the area: an editor holding the old version must notice
                conn.execute("UPDATE areas SET version = version + 1, updated_at = ? WHERE id = ?", (now, area.id))
            for party, before, after in cells:
                party_id = plan.parties[party].id
                if after is None:
                    conn.execute("DELETE FROM raci WHERE area_id = ? AND party_id = ?", (area.id, party_id))
                else:
                    conn.execute("INSERT INTO raci (area_id, party_id, letter) VALUES (?, ?, ?) ON CONFLICT(area_id, party_id) "
                                 "DO UPDATE SET letter = excluded.letter", (area.id, party_id, after))
                audit(conn, "update", "raci", f"{key}/{party}", before, after)
            added, removed = area.can_changes()
            if added or removed:
                conn.executemany("DELETE FROM capabilities WHERE area_id = ? AND person_id = ?", [(area.id, p.id) for p in removed])
                conn.executemany("INSERT INTO capabilities (area_id, person_id) VALUES (?, ?)", [(area.id, p.id) for p in added])
                audit(conn, "update", "capabilities", key, sorted(p.id for p in area.can_before),
                      sorted(p.id for p in area.can_after or ()))


# --- reading the file --------------------------------------------------------------


def _parse(text: str) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The file's entries per section as (where, table), e.g. ("area[3]", {...}); the shape checked."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("config", f"not valid TOML: {exc}") from None
    unknown = set(doc) - set(SECTIONS)
    if unknown:
        raise InvalidInput("config", f"unknown section(s): {clean(', '.join(sorted(unknown)))} "
                           "(expected [[party]], [[person]], [[area]])")
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for section in SECTIONS:
        raw = doc.get(section, [])
        if not isinstance(raw, list):
            raise InvalidInput(section, f"must be a list of [[{section}]] tables")
        out[section] = []
        for i, entry in enumerate(raw):
            where = f"{section}[{i}]"
            if not isinstance(entry, dict):
                raise InvalidInput(where, f"must be a table ([[{section}]])")
            out[section].append((where, dict(entry)))
    return out


def _validated(model: type[BaseModel], data: dict[str, Any], where: str) -> dict[str, Any]:
    return validate(model, data, where).model_dump(mode="json")


def _key(entry: dict[str, Any], where: str) -> str:
    """The entry's `key`, validated and normalised as PartyIn/AreaIn do (trimmed, lower case)."""
    if "key" not in entry:
        raise InvalidInput(f"{where}.key", "required")
    return _validated(PartyIn, {"key": entry["key"], "name": "x"}, where)["key"]


def _fields(model: type[BaseModel], ident: dict[str, Any], given: dict[str, Any], stored: dict[str, Any] | None,
            names: tuple[str, ...], where: str) -> dict[str, Any]:
    """The record's fields after the entry: new ones validated whole, existing ones only where they change.

    A value equal to the stored one is not re-validated, so a record written before a rule
    was tightened (or by the importer) can still be listed in the file as `org show` printed it.
    """
    if stored is None:
        valid = _validated(model, {**ident, **given}, where)
        return {f: valid[f] for f in names}
    changed = {f: v for f, v in given.items() if f not in stored or v != stored[f]}
    if not changed:
        return dict(stored)
    valid = _validated(model, {**ident, "name": "x", **changed}, where)  # "x" stands in for a name the entry leaves out
    return {**stored, **{f: valid[f] for f in changed}}


def _fold(text: str) -> str:
    return text.strip().casefold()


def _is_email(text: str) -> bool:
    return "@" in text and not any(ch.isspace() for ch in text.strip())


def _label(person: _Record) -> str:
    return f"{clean(person.after['name'])} ({person.after['party']})"


def _read_org(conn: sqlite3.Connection) -> tuple[list[tuple], ...]:
    """Every stored row the plan depends on, in a fixed order: equal tuples mean an unchanged organisation."""
    return (
        conn.execute("SELECT name FROM calendars ORDER BY name").fetchall(),
        conn.execute("SELECT id, key, name, kind, description, calendar FROM parties ORDER BY id").fetchall(),
        conn.execute("SELECT p.id, pa.key, p.name, p.email, p.role, p.active FROM people p "
                     "JOIN parties pa ON pa.id = p.party_id ORDER BY p.id").fetchall(),
        conn.execute("SELECT id, key, name, criticality, description FROM areas ORDER BY id").fetchall(),
        conn.execute("SELECT r.area_id, p.key, r.letter FROM raci r JOIN parties p ON p.id = r.party_id "
                     "ORDER BY r.area_id, p.key").fetchall(),
        conn.execute("SELECT area_id, person_id FROM capabilities ORDER BY area_id, person_id").fetchall(),
    )


def _index(records: list[_Record], key) -> dict[object, list[_Record]]:  # record -> hashable
    """Records grouped by `key`, in their original order: a lookup instead of a scan of everyone."""
    out: dict[object, list[_Record]] = {}
    for r in records:
        out.setdefault(key(r), []).append(r)
    return out


class _Planner:
    """Works out what the file changes, from the organisation as `_read_org` read it.

    Matching goes through dictionaries (e-mail, party and name), so planning is linear in
    the number of people: 20,000 took 92 s when each entry scanned everyone.
    Raises InvalidInput naming the entry and field on the first problem; writes nothing.
    """

    def __init__(self, stored: tuple[list[tuple], ...], doc: dict[str, list[tuple[str, dict[str, Any]]]]):
        calendars, parties, people, areas, raci, capabilities = stored
        self.calendars = {r[0] for r in calendars}
        self.parties: dict[str, _Record] = {}
        for pid, key, name, kind, description, calendar in parties:
            before = {"name": name, "kind": kind, "description": description, "calendar": calendar}
            self.parties[key] = _Record(pid, before, dict(before))
        self.people: list[_Record] = []
        by_id: dict[int, _Record] = {}
        for pid, party, name, email, role, active in people:
            before = {"party": party, "name": name, "email": email, "role": role, "active": bool(active)}
            by_id[pid] = _Record(pid, before, dict(before))
            self.people.append(by_id[pid])
        self.areas: dict[str, _Area] = {}
        for aid, key, name, criticality, description in areas:
            before = {"name": name, "criticality": criticality, "description": description}
            self.areas[key] = _Area(aid, before, dict(before), key=key)
        by_area_id = {a.id: a for a in self.areas.values()}
        for area_id, party, letter in raci:
            by_area_id[area_id].raci_before[party] = letter
        for area_id, person_id in capabilities:
            by_area_id[area_id].can_before.add(by_id[person_id])
        self._after_index: dict[str, dict[object, list[_Record]]] | None = None

        self._plan_parties(doc["party"])
        self._plan_people(doc["person"])
        self._plan_areas(doc["area"])

    # --- parties -------------------------------------------------------------------

    def _plan_parties(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        for where, entry in entries:
            key = _key(entry, where)
            record = self.parties.get(key)
            if record is not None and record.where is not None:
                raise InvalidInput(f"{where}.key", f"'{key}' is already {record.where}")
            given = {f: v for f, v in entry.items() if f != "key"}
            if given.get("calendar") == "":
                given["calendar"] = None  # no calendar of its own
            stored = record.before if record else None
            after = _fields(PartyIn, {"key": key}, given, stored, PARTY_FIELDS, where)
            if after["calendar"] is not None and after["calendar"] != (stored or {}).get("calendar") \
                    and after["calendar"] not in self.calendars:
                raise InvalidInput(f"{where}.calendar", f"unknown calendar '{clean(after['calendar'])}' "
                                   "(the calendars are listed by 'comanage sla show')")
            if record is None:
                record = self.parties[key] = _Record(None, None, after)
            record.after, record.where = after, where

    # --- people --------------------------------------------------------------------

    def _plan_people(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        specs = []  # (where, entry as validated, e-mail or None, active or None, whether a role is given)
        emails: dict[str, str] = {}
        names: dict[tuple[str, str], str] = {}
        for where, raw in entries:
            entry = dict(raw)
            active = entry.pop("active", None)
            if active is not None and not isinstance(active, bool):
                raise InvalidInput(f"{where}.active", "must be true or false")
            valid = _validated(PersonIn, entry, where)
            if valid["party"] not in self.parties:
                raise InvalidInput(f"{where}.party", f"unknown party '{valid['party']}'")
            email = valid["email"].strip() or None
            if email is not None:
                other = emails.setdefault(_fold(email), where)
                if other != where:
                    raise InvalidInput(f"{where}.email", f"'{clean(email)}' is already {other}")
            else:
                other = names.setdefault((valid["party"], _fold(valid["name"])), where)
                if other != where:
                    raise InvalidInput(where, f"'{clean(valid['name'])}' in party '{valid['party']}' is already {other}; "
                                       "give each an e-mail to tell two people of the same name apart")
            specs.append((where, valid, email, active, "role" in entry))

        claimed: dict[int, _Record] = {}
        matched: dict[str, _Record] = {}

        def claim(where: str, candidates: list[_Record], what: str) -> None:
            free = [p for p in candidates if id(p) not in claimed]
            if len(free) > 1:
                raise InvalidInput(where, f"{len(free)} people match {what}; add an e-mail to say which one")
            if free:
                claimed[id(free[0])] = free[0]
                matched[where] = free[0]

        by_email = _index([p for p in self.people if p.before["email"]], lambda p: _fold(p.before["email"]))
        by_name = _index(self.people, lambda p: (p.before["party"], _fold(p.before["name"])))
        # Exact e-mail matches first, then names without an e-mail, then e-mails that changed.
        for where, _valid, email, _active, _given in specs:
            if email is not None:
                hits = by_email.get(_fold(email), [])
                if len(hits) > 1:
                    raise InvalidInput(f"{where}.email", f"{len(hits)} people have the e-mail '{clean(email)}'")
                claim(where, hits, f"e-mail '{clean(email)}'")
        for fallback in (False, True):
            for where, valid, email, _active, _given in specs:
                if (email is not None) != fallback or where in matched:
                    continue
                hits = by_name.get((valid["party"], _fold(valid["name"])), [])
                claim(where, hits, f"'{clean(valid['name'])}' in party '{valid['party']}'")

        for where, valid, email, active, role_given in specs:
            person = matched.get(where)
            if person is None:
                person = _Record(None, None, {"party": valid["party"], "name": valid["name"], "email": "", "role": "", "active": True})
                self.people.append(person)
            after = dict(person.after)
            after.update(party=valid["party"], name=valid["name"])
            if email is not None:
                if (person.before is None or email != person.before["email"]) and not _is_email(email):
                    raise InvalidInput(f"{where}.email", f"'{clean(email)}' is not an e-mail address")
                after["email"] = email
            if role_given:
                after["role"] = valid["role"]
            if active is not None:
                after["active"] = active
            person.after, person.where = after, where

    # --- areas ---------------------------------------------------------------------

    def _plan_areas(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        for where, raw in entries:
            entry = dict(raw)
            raci, can_do = entry.pop("raci", _MISSING), entry.pop("can_do", _MISSING)
            key = _key(entry, where)
            area = self.areas.get(key)
            if area is not None and area.where is not None:
                raise InvalidInput(f"{where}.key", f"'{key}' is already {area.where}")
            given = {f: v for f, v in entry.items() if f != "key"}
            after = _fields(AreaIn, {"key": key}, given, area.before if area else None, AREA_FIELDS, where)
            if area is None:
                area = self.areas[key] = _Area(None, None, after, key=key)
            area.after, area.where = after, where
            if raci is not _MISSING:
                area.raci_after = self._raci(raci, f"{where}.raci")
            if can_do is not _MISSING:
                area.can_after = self._can_do(can_do, f"{where}.can_do")

    def _raci(self, raw: object, where: str) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise InvalidInput(where, 'must be a table such as { internal = "A", msp = "R" }')
        row: dict[str, str] = {}
        seen: set[str] = set()
        for party, letter in raw.items():
            key, cell = _fold(party), f"{where}.{clean(party)}"
            if key not in self.parties:
                raise InvalidInput(cell, f"unknown party '{clean(party)}'")
            if key in seen:
                raise InvalidInput(cell, f"party '{key}' is given twice")
            seen.add(key)
            if not isinstance(letter, str):
                raise InvalidInput(cell, f"must be one of {_LETTERS} as a string")
            if not letter.strip():
                continue  # "" = no letter, as when the party is left out
            try:
                row[key] = Raci(letter.strip().upper()).value
            except ValueError:
                raise InvalidInput(cell, f"'{clean(letter)}' is not one of {_LETTERS}") from None
        return row

    def _can_do(self, raw: object, where: str) -> set[_Record]:
        if not isinstance(raw, list):
            raise InvalidInput(where, 'must be a list of people: e-mails or names, e.g. ["ana@example.org", "Bo Berg"]')
        if len(raw) > MAX_CAN_DO:
            raise InvalidInput(where, f"at most {MAX_CAN_DO} people")
        found: set[_Record] = set()
        for j, ref in enumerate(raw):
            found.add(self._person_ref(ref, f"{where}[{j}]"))
        return found

    def _person_ref(self, ref: object, where: str) -> _Record:
        """One person of the organisation as the file leaves it: by e-mail, by unique name, or by party and name."""
        if self._after_index is None:  # people are final once areas are planned: index them once
            self._after_index = {
                "email": _index(self.people, lambda p: _fold(p.after["email"])),
                "name": _index(self.people, lambda p: _fold(p.after["name"])),
                "party_name": _index(self.people, lambda p: (p.after["party"], _fold(p.after["name"]))),
            }
        index = self._after_index
        if isinstance(ref, str) and "@" in ref:
            hits = index["email"].get(_fold(ref), [])
            what = f"with the e-mail '{clean(ref.strip())}'"
        elif isinstance(ref, str):
            hits = index["name"].get(_fold(ref), [])
            what = f"named '{clean(ref.strip())}'"
        elif isinstance(ref, dict) and set(ref) == {"party", "name"} and all(isinstance(v, str) for v in ref.values()):
            hits = index["party_name"].get((_fold(ref["party"]), _fold(ref["name"])), [])
            what = f"named '{clean(ref['name'].strip())}' in party '{clean(ref['party'].strip())}'"
        else:
            raise InvalidInput(where, 'must be an e-mail, a name, or { party = "...", name = "..." }')
        if not hits:
            raise InvalidInput(where, f"no person {what}")
        if len(hits) > 1:
            parties = ", ".join(sorted({p.after["party"] for p in hits}))
            raise InvalidInput(where, f"{len(hits)} people are {what} ({parties}); use their e-mail")
        return hits[0]

    # --- the outcome ---------------------------------------------------------------

    def result(self, *, dry_run: bool = False) -> OrgLoadResult:
        res = OrgLoadResult(dry_run=dry_run)
        records: list[tuple[str, Counter, _Record]] = (
            [(f"party {k}", res.parties, r) for k, r in self.parties.items()]
            + [("person", res.people, r) for r in self.people]
            + [(f"area {k}", res.areas, r) for k, r in self.areas.items()])
        for label, counts, r in records:
            if r.where is None:
                res.left_alone += 1
                continue
            shown = r.after
            if label == "person":
                label = f"person {_label(r)}"
                shown = {f: v for f, v in r.after.items() if f not in ("party", "name")}
            if r.added:
                counts["added"] += 1
                res.changes.append(f"+ {label}: {_describe(shown)}")
            elif r.updated:
                counts["updated"] += 1
                res.changes.append(f"~ {label}: " + ", ".join(
                    f"{f} {_shown(r.before[f])} → {_shown(r.after[f])}" for f in r.after if r.after[f] != r.before[f]))
            else:
                counts["unchanged"] += 1
        for key, area in self.areas.items():
            for party, before, after in area.raci_changes():
                res.raci_cells += 1
                res.changes.append(f"~ RACI {key}/{party}: {before or '–'} → {after or '–'}")
            added, removed = area.can_changes()
            if added or removed:
                res.capability_areas += 1
                res.changes.append(f"~ who can do {key}: " + ", ".join(
                    [f"+ {_label(p)}" for p in sorted(added, key=_label)] + [f"− {_label(p)}" for p in sorted(removed, key=_label)]))
        return res


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"'{clean(value, limit=60)}'"


def _describe(fields: dict[str, Any]) -> str:
    return ", ".join(f"{f} {_shown(v)}" for f, v in fields.items() if v not in ("", None))


# --- writing the file --------------------------------------------------------------

HEADER = """\
# The organisation for comanage: parties, people, service areas, the RACI split, who can do what.
# Apply with `comanage org load FILE` (`--dry-run` lists the changes first). Parties and areas
# are matched by key, people by e-mail, else by party and name. Records not in the file are
# left as they are: nothing is ever deleted (set `active = false` for someone who left).
# `raci` and `can_do`, when given, are the area's whole row and whole list; see examples/org.toml.
"""

def _dump(conn: sqlite3.Connection) -> str:
    parties = conn.execute(
        "SELECT id, key, name, kind, calendar, description FROM parties ORDER BY kind = 'partner', key").fetchall()
    order = {row[0]: i for i, row in enumerate(parties)}
    party_key = {row[0]: row[1] for row in parties}
    people = conn.execute("SELECT id, party_id, name, email, role, active FROM people").fetchall()
    people.sort(key=lambda r: (order[r[1]], r[2].casefold(), r[2], r[3], r[0]))
    emails = Counter(_fold(r[3]) for r in people if r[3])
    names = Counter(_fold(r[2]) for r in people)
    in_party = Counter((r[1], _fold(r[2])) for r in people)

    def ref(row: tuple) -> object:
        """How `can_do` names this person: the shortest reference that finds exactly them on loading."""
        pid, party_id, name, email = row[:4]
        if email and "@" in email and emails[_fold(email)] == 1:
            return email.strip()
        if "@" not in name and names[_fold(name)] == 1:
            return name
        if in_party[(party_id, _fold(name))] == 1:
            return {"party": party_key[party_id], "name": name}
        return email or name  # two people with one name and no e-mail: no reference tells them apart

    refs = {r[0]: ref(r) for r in people}
    position = {r[0]: i for i, r in enumerate(people)}
    raci: dict[int, dict[int, str]] = {}
    for area_id, party_id, letter in conn.execute("SELECT area_id, party_id, letter FROM raci"):
        raci.setdefault(area_id, {})[party_id] = letter
    able: dict[int, list[int]] = {}
    for area_id, person_id in conn.execute("SELECT area_id, person_id FROM capabilities"):
        able.setdefault(area_id, []).append(person_id)

    doc: dict[str, list[dict[str, object]]] = {"party": [], "person": [], "area": []}
    for _pid, key, name, kind, calendar, description in parties:
        doc["party"].append({"key": key, "name": name, "kind": kind, "calendar": calendar or "", "description": description})
    for _pid, party_id, name, email, role, active in people:
        doc["person"].append({"party": party_key[party_id], "name": name, "email": email, "role": role, "active": bool(active)})
    for area_id, key, name, criticality, description in conn.execute(
            "SELECT id, key, name, criticality, description FROM areas ORDER BY key"):
        row = raci.get(area_id, {})
        doc["area"].append({
            "key": key, "name": name, "criticality": criticality, "description": description,
            "can_do": [refs[p] for p in sorted(able.get(area_id, []), key=position.__getitem__)],
            "raci": {party_key[p]: row[p] for p in sorted(row, key=order.__getitem__)},
        })
    return toml_text.dumps({k: v for k, v in doc.items() if v}, header=HEADER + "\n")
