"""Parties, people, service areas, the RACI matrix and who can do what."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from comanage_tui.data.errors import Conflict, InvalidInput
from comanage_tui.data.models import Area, AreaIn, Party, PartyIn, Person, PersonIn, Raci
from comanage_tui.data.repos.base import Repo
from comanage_tui.data.validation import validate


class OrgRepo(Repo):
    """Who the parties are, what the areas are, and the split between them."""

    def add_party(self, data: PartyIn | Mapping[str, Any]) -> Party:
        party = validate(PartyIn, data)
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO parties (key, name, kind, description, calendar, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (party.key, party.name, party.kind, party.description, party.calendar, self.store.now()),
            )
            self.store.audit(conn, "insert", "party", cur.lastrowid, None, party.model_dump(mode="json"))
        return self.party(party.key)

    def parties(self) -> list[Party]:
        rows = self.store.query("SELECT * FROM parties ORDER BY kind = 'partner', name")
        return [Party.model_validate(dict(r)) for r in rows]

    def party(self, key: str) -> Party:
        row = self.store.query_one("SELECT * FROM parties WHERE key = ?", (key,))
        if row is None:
            raise InvalidInput("party", f"unknown party '{key}'")
        return Party.model_validate(dict(row))

    def add_person(self, data: PersonIn | Mapping[str, Any]) -> Person:
        person = validate(PersonIn, data)
        with self.store.write() as conn:
            party_id = self.id_for_key(conn, "parties", person.party, "party")
            cur = conn.execute(
                "INSERT INTO people (party_id, name, email, role, updated_at) VALUES (?, ?, ?, ?, ?)",
                (party_id, person.name, person.email, person.role, self.store.now()),
            )
            self.store.audit(conn, "insert", "person", cur.lastrowid, None, person.model_dump(mode="json"))
            new_id = cur.lastrowid
        return self.person(new_id)

    def person(self, person_id: int) -> Person:
        rows = self._people("WHERE p.id = ?", (person_id,))
        if not rows:
            raise InvalidInput("person", f"unknown person {person_id}")
        return rows[0]

    def people(self, party: str | None = None) -> list[Person]:
        if party:
            return self._people("WHERE pa.key = ?", (party,))
        return self._people("", ())

    def _people(self, where: str, params: tuple) -> list[Person]:
        rows = self.store.query(
            f"SELECT p.*, pa.key AS party_key FROM people p JOIN parties pa ON pa.id = p.party_id {where} ORDER BY pa.kind = 'partner', pa.name, p.name",
            params,
        )
        return [Person.model_validate(dict(r)) for r in rows]

    def add_area(self, data: AreaIn | Mapping[str, Any]) -> Area:
        area = validate(AreaIn, data)
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO areas (key, name, criticality, description, updated_at) VALUES (?, ?, ?, ?, ?)",
                (area.key, area.name, area.criticality, area.description, self.store.now()),
            )
            self.store.audit(conn, "insert", "area", cur.lastrowid, None, area.model_dump(mode="json"))
        return self.area(area.key)

    def area(self, key: str) -> Area:
        row = self.store.query_one("SELECT * FROM areas WHERE key = ?", (key,))
        if row is None:
            raise InvalidInput("area", f"unknown area '{key}'")
        return Area.model_validate(dict(row))

    def areas(self) -> list[Area]:
        return [Area.model_validate(dict(r)) for r in self.store.query("SELECT * FROM areas ORDER BY name")]

    def set_raci(self, area: str, party: str, letter: str | None, *, expected: str | None | object = Ellipsis) -> None:
        """Set one cell of the matrix; `None` (or "") clears it.

        `expected`: the letter the caller believes the cell holds (None: empty); a different
        one raises Conflict (the dashboard's undo uses it). Left out: no check.
        """
        if letter:
            try:
                letter = Raci(letter.strip().upper()).value
            except ValueError:
                raise InvalidInput("letter", f"'{letter}' is not one of R, A, C, I") from None
        with self.store.write() as conn:
            area_id = self.id_for_key(conn, "areas", area, "area")
            party_id = self.id_for_key(conn, "parties", party, "party")
            before = conn.execute("SELECT letter FROM raci WHERE area_id = ? AND party_id = ?", (area_id, party_id)).fetchone()
            before_letter = before[0] if before else None
            if expected is not Ellipsis and before_letter != (expected or None):
                raise Conflict("RACI cell", f"{area}/{party}", expected, before_letter,
                               what=f"it holds {before_letter or 'nothing'} now, not {expected or 'nothing'}")
            if before_letter == (letter or None):
                return
            if letter:
                conn.execute(
                    "INSERT INTO raci (area_id, party_id, letter) VALUES (?, ?, ?) "
                    "ON CONFLICT(area_id, party_id) DO UPDATE SET letter = excluded.letter",
                    (area_id, party_id, letter),
                )
            else:
                conn.execute("DELETE FROM raci WHERE area_id = ? AND party_id = ?", (area_id, party_id))
            conn.execute("UPDATE areas SET version = version + 1, updated_at = ? WHERE id = ?", (self.store.now(), area_id))
            self.store.audit(conn, "update", "raci", f"{area}/{party}", before_letter, letter or None)

    def raci(self) -> dict[tuple[str, str], str]:
        """The matrix as {(area key, party key): letter}."""
        rows = self.store.query(
            "SELECT a.key, p.key, r.letter FROM raci r JOIN areas a ON a.id = r.area_id JOIN parties p ON p.id = r.party_id"
        )
        return {(a, p): letter for a, p, letter in rows}

    def add_capability(self, area: str, person_id: int) -> None:
        """Record that a person can do the work of an area (single points of knowledge come from this)."""
        with self.store.write() as conn:
            area_id = self.id_for_key(conn, "areas", area, "area")
            self.check_person(conn, person_id, "person")
            cur = conn.execute("INSERT OR IGNORE INTO capabilities (area_id, person_id) VALUES (?, ?)", (area_id, person_id))
            if cur.rowcount:  # recorded already: nothing changed, nothing to audit (the history stays exact)
                self.store.audit(conn, "insert", "capability", f"{area}/{person_id}", {"present": False}, {"present": True})

    def set_capabilities(self, area: str, person_ids: Iterable[int], *,
                         expected: Iterable[int] | None = None) -> tuple[list[int], list[int]]:
        """Say exactly who can do an area's work: the people given, and nobody else.

        `expected` is the list the editor started from: if another session changed it since,
        this raises Conflict (reload or overwrite) instead of quietly undoing their change.
        One audit row holds the list before and after. Returns (added, removed) person ids;
        saving the list unchanged writes nothing.
        """
        wanted = sorted(set(person_ids))
        with self.store.write() as conn:
            area_id = self.id_for_key(conn, "areas", area, "area")
            for person_id in wanted:
                self.check_person(conn, person_id, "people")
            current = sorted(r[0] for r in conn.execute("SELECT person_id FROM capabilities WHERE area_id = ?", (area_id,)))
            if expected is not None and sorted(set(expected)) != current:
                raise Conflict("the list of who can do", area, sorted(set(expected)), current,
                               what=f"{len(current)} people recorded now, {len(set(expected))} when you opened it")
            added = [p for p in wanted if p not in current]
            removed = [p for p in current if p not in wanted]
            if not added and not removed:
                return [], []
            conn.executemany("DELETE FROM capabilities WHERE area_id = ? AND person_id = ?", [(area_id, p) for p in removed])
            conn.executemany("INSERT INTO capabilities (area_id, person_id) VALUES (?, ?)", [(area_id, p) for p in added])
            self.store.audit(conn, "update", "capabilities", area, before=current, after=wanted)
        return added, removed

    def capabilities(self) -> list[tuple[str, int, str]]:
        """(area key, person id, party key) for everyone who can do each area."""
        rows = self.store.query(
            "SELECT a.key, c.person_id, pa.key FROM capabilities c JOIN areas a ON a.id = c.area_id "
            "JOIN people p ON p.id = c.person_id JOIN parties pa ON pa.id = p.party_id ORDER BY a.key, c.person_id"
        )
        return [(a, pid, party) for a, pid, party in rows]
