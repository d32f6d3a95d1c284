"""Where imported tickets go: the dry run resolves ids and counts; StagingSink prepares, then commits briefly.

Both read what they need up front, outside any write transaction: party, area and ticket
ids by key/ref, so no row needs a query. Only `StagingSink.commit()` takes the write lock.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Collection, Iterator

from comanage_tui.data.importing.mapping import ImportMapping, norm
from comanage_tui.data.importing.records import TicketRecord
from comanage_tui.data.importing.report import ImportReport

_BATCH = 500  # tickets per executemany round: big enough to be fast, small enough to keep memory flat
_UNSEEN = object()  # "not looked up yet" (None is a real answer: no area)


def _slug(text: str) -> str:
    """An area key from a category name ("Category 26" -> "category-26")."""
    key = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40].rstrip("-")
    # Names with no ASCII letters or digits still need distinct keys.
    return key or "area-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def _tickets(conn: sqlite3.Connection | None, refs: Collection[str] | None) -> Iterator[tuple[str, int, str]]:
    """(ref, id, source) of the tickets already there: every one, or those among `refs`."""
    if conn is None:
        return
    if refs is None:
        yield from conn.execute("SELECT ref, id, source FROM tickets")
        return
    wanted = sorted(set(refs))
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        yield from conn.execute(f"SELECT ref, id, source FROM tickets WHERE ref IN ({','.join('?' * len(part))})", part)


class DrySink:
    """Where tickets go. This base class is the dry run: it resolves ids and counts, writes nothing."""

    def __init__(self, conn: sqlite3.Connection | None, m: ImportMapping, report: ImportReport, now: int,
                 refs: Collection[str] | None = None):
        """`refs`: only these tickets can arrive (a sync batch), so only they are looked up; None: any."""
        self.conn, self.m, self.report, self.now = conn, m, report, now
        rows = conn.execute("SELECT key, id FROM parties").fetchall() if conn else []
        self.party_ids: dict[str, int] = {k: i for k, i in rows}
        rows = conn.execute("SELECT key, id FROM areas").fetchall() if conn else []
        self.area_ids: dict[str, int] = {k: i for k, i in rows}
        self.ids: dict[str, int] = {}
        self.sources: dict[str, str] = {}
        for ref, tid, src in _tickets(conn, refs):
            self.ids[ref], self.sources[ref] = tid, src
        self.written: dict[str, int] = {}  # ref -> events written by this import
        self._fake = -1
        self.next_id = (conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tickets").fetchone()[0] if conn else 1)
        self.max_existing = self.next_id - 1
        for p in m.party:
            if p.key not in self.party_ids:
                self.party_ids[p.key] = self._insert_party(p.key, p.name, p.kind.value)
                report.parties_created.append(p.key)
        for a in m.area:
            if a.key not in self.area_ids:
                self.area_ids[a.key] = self._insert_area(a.key, a.name, a.criticality.value)
                report.areas_created.append(a.key)
        self.default_party = self.party_ids[m.parties.default]
        self.group_party = {g: self.party_ids[k] for g, k in m.party_of_group().items()}
        self.category_area: dict[str, int | None] = {c: self.area_ids[k] for c, k in m.area_of_category().items()}
        self._groups: dict[str, tuple[int, bool]] = {}  # raw value -> (id, unmapped?)
        self._categories: dict[str, tuple[int | None, bool]] = {}

    def party_for(self, group: str, quiet: bool) -> int:
        """Holder party of a source group; unmapped groups go to the default party and are counted."""
        hit = self._groups.get(group)
        if hit is None:
            pid = self.group_party.get(norm(group))
            hit = self._groups[group] = (self.default_party, True) if pid is None else (pid, False)
        if hit[1] and not quiet:
            self.report.unmapped_value("group", group)
        return hit[0]

    def area_for(self, category: str, quiet: bool) -> int | None:
        """Area of a source category; unmapped ones are counted and auto-created or defaulted."""
        hit = self._categories.get(category)
        if hit is None:
            area = self.category_area.get(norm(category), _UNSEEN)
            if area is not _UNSEEN:
                hit = (area, False)
            elif self.m.areas.auto_create:
                slug = _slug(category)
                if slug not in self.area_ids:
                    name = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", category)[:200]
                    self.area_ids[slug] = self._insert_area(slug, name, "medium")
                    self.report.areas_created.append(slug)
                hit = (self.area_ids[slug], True)
            else:
                hit = (self.area_ids[self.m.areas.default] if self.m.areas.default else None, True)
            self._categories[category] = hit
        if hit[1] and not quiet:
            self.report.unmapped_value("category", category)
        return hit[0]

    def put(self, ref: str, t: TicketRecord, rebuild: bool = False) -> None:
        if rebuild:
            self.report.events -= self.written.get(ref, 0)
        elif ref in self.ids:
            self.report.tickets_existing += 1
        else:
            self.report.tickets_new += 1
            self.ids[ref] = self.next_id
            self.next_id += 1
        self.written[ref] = len(t.events)
        self.report.events += len(t.events)
        tid = self.ids[ref]
        # Rows already there (before the import, or written earlier by it) are updated by ref.
        self._write(tid, ref, t, existed=rebuild or tid <= self.max_existing, rebuild=rebuild)

    def _write(self, tid: int, ref: str, t: TicketRecord, existed: bool, rebuild: bool) -> None:
        """Nothing to do for a dry run."""

    def flush(self) -> None:
        """Nothing to do for a dry run."""

    def changed(self) -> int:
        return 0

    def _insert_party(self, key: str, name: str, kind: str) -> int:
        self._fake -= 1
        return self._fake

    def _insert_area(self, key: str, name: str, criticality: str) -> int:
        self._fake -= 1
        return self._fake


_UPSERT_COLS = ("source", "title", "area_id", "priority", "kind", "status", "holder_party_id", "opened_at",
                "first_response_at", "resolved_at", "closed_at", "reassignment_count", "reopen_count", "source_sla_met")
_UPSERT = (
    f"INSERT INTO tickets (id, ref, {', '.join(_UPSERT_COLS)}, updated_at) VALUES (?, ?, {', '.join('?' * len(_UPSERT_COLS))}, ?) "
    "ON CONFLICT(ref) DO UPDATE SET "
    # The person belongs to the holder party: keep them only while the party stays.
    "holder_person_id = CASE WHEN holder_party_id = excluded.holder_party_id THEN holder_person_id END, "
    + ", ".join(f"{c} = excluded.{c}" for c in _UPSERT_COLS)
    + ", version = version + 1, updated_at = excluded.updated_at "
    f"WHERE ({', '.join(_UPSERT_COLS)}) IS NOT ({', '.join('excluded.' + c for c in _UPSERT_COLS)})"
)
_EVENT = "INSERT INTO ticket_events (ticket_id, seq, at, kind, status, party_id, priority, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


class Stale(Exception):
    """The database changed between preparing an import and committing it; prepare again."""


_STAGE_SCHEMA = (
    f"CREATE TABLE stage.tickets (seq INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, was_source TEXT, "
    f"{', '.join(_UPSERT_COLS)}, hours)",
    "CREATE TABLE stage.events (ref TEXT NOT NULL, seq INTEGER NOT NULL, at, kind, status, party_id, priority, note)",
)
_STAGE_TICKET = (f"INSERT INTO stage.tickets (ref, was_source, {', '.join(_UPSERT_COLS)}, hours) "
                 f"VALUES (?, ?, {', '.join('?' * len(_UPSERT_COLS))}, ?) "
                 "ON CONFLICT(ref) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in (*_UPSERT_COLS, "hours")))
# Hours worked, where the export gives them (a null leaves what the ticket has, e.g. hours typed in by hand).
_COMMIT_HOURS = (
    "UPDATE main.tickets SET hours_spent = s.hours, version = version + 1, updated_at = ? FROM stage.tickets s "
    "WHERE s.ref = main.tickets.ref AND s.hours IS NOT NULL AND main.tickets.hours_spent IS NOT s.hours"
)
_STAGE_EVENT = "INSERT INTO stage.events VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
# Stand-in (negative) ids of parties and areas created by the commit, replaced by their real ids.
_REAL = "coalesce((SELECT real FROM temp.import_ids WHERE fake = {0}), {0})"
_COMMIT_TICKETS = (
    f"INSERT INTO main.tickets (ref, {', '.join(_UPSERT_COLS)}, updated_at) SELECT ref, "
    + ", ".join(_REAL.format(c) if c in ("area_id", "holder_party_id") else c for c in _UPSERT_COLS)
    + ", ? FROM stage.tickets WHERE true ORDER BY seq "  # `WHERE true`: an upsert after SELECT needs it
    + _UPSERT[_UPSERT.index("ON CONFLICT"):]
)
_COMMIT_EVENTS = (
    "INSERT INTO main.ticket_events (ticket_id, seq, at, kind, status, party_id, priority, note) "
    f"SELECT t.id, e.seq, e.at, e.kind, e.status, {_REAL.format('e.party_id')}, e.priority, e.note "
    "FROM stage.events e JOIN main.tickets t ON t.ref = e.ref ORDER BY e.rowid"
)


class StagingSink(DrySink):
    """A real import, prepared without the write lock: tickets and events go to a staging database.

    The staging database is SQLite's private temporary file attached to the store's
    connection as `stage` (unlinked as soon as it is opened, so a killed import leaves
    nothing behind). Writing to it locks only it. `commit()` then copies it into the store
    with a few INSERT … SELECT statements inside one short write transaction: other writers
    wait for that copy only, not for the reading, parsing and replaying before it. Parties
    and areas the import creates carry negative stand-in ids until the commit gives them
    real ones.
    """

    def __init__(self, conn: sqlite3.Connection, m: ImportMapping, report: ImportReport, now: int,
                 refs: Collection[str] | None = None):
        self.new_parties: list[tuple[int, str, str, str]] = []  # (stand-in id, key, name, kind)
        self.new_areas: list[tuple[int, str, str, str]] = []
        super().__init__(conn, m, report, now, refs)
        conn.execute("ATTACH DATABASE '' AS stage")
        conn.execute("PRAGMA stage.journal_mode = OFF")  # a crash loses only the staging copy
        for sql in _STAGE_SCHEMA:
            conn.execute(sql)
        self.tickets: list[tuple] = []
        self.events: list[tuple] = []

    def _write(self, tid: int, ref: str, t: TicketRecord, existed: bool, rebuild: bool) -> None:
        if rebuild:
            self.flush()
            self.conn.execute("DELETE FROM stage.events WHERE ref = ?", (ref,))
        self.tickets.append((ref, self.sources.get(ref), self.m.source, t.title, t.area, t.priority, self.m.kind.value,
                             t.status, t.party, t.opened, t.responded, t.resolved, t.closed, t.reassign, t.reopen,
                             None if t.met is None else int(t.met), t.hours))
        self.events.extend((ref, seq, *e) for seq, e in enumerate(t.events, 1))
        if len(self.tickets) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.tickets:
            return
        conn = self.conn
        conn.execute("BEGIN")  # deferred, and writing only `stage`: the store itself is not locked
        try:
            conn.executemany(_STAGE_TICKET, self.tickets)
            conn.executemany(_STAGE_EVENT, self.events)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.tickets, self.events = [], []

    def _insert_party(self, key: str, name: str, kind: str) -> int:
        fake = super()._insert_party(key, name, kind)
        self.new_parties.append((fake, key, name, kind))
        return fake

    def _insert_area(self, key: str, name: str, criticality: str) -> int:
        fake = super()._insert_area(key, name, criticality)
        self.new_areas.append((fake, key, name, criticality))
        return fake

    def close(self) -> None:
        """Drop the staging database (call outside any transaction)."""
        self.conn.execute("DROP TABLE IF EXISTS temp.import_ids")
        self.conn.execute("DETACH DATABASE stage")

    def commit(self, conn: sqlite3.Connection) -> int:
        """Copy the staged import into the store; call inside its write transaction. Returns tickets changed.

        Raises:
            Stale: a ticket this import touches was created, removed or changed source since
                the import was prepared (its ownership check and counts no longer hold).
        """
        self.flush()
        if conn.execute("SELECT 1 FROM stage.tickets s LEFT JOIN main.tickets t ON t.ref = s.ref "
                        "WHERE t.source IS NOT s.was_source LIMIT 1").fetchone():
            raise Stale
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_ids (fake INTEGER PRIMARY KEY, real INTEGER NOT NULL)")
        conn.execute("DELETE FROM temp.import_ids")
        for table, created in (("parties", self.new_parties), ("areas", self.new_areas)):
            for fake, key, name, extra in created:
                row = conn.execute(f"SELECT id FROM main.{table} WHERE key = ?", (key,)).fetchone()
                real = row[0] if row else (self._party(key, name, extra) if table == "parties" else
                                           self._area(key, name, extra))
                conn.execute("INSERT INTO temp.import_ids VALUES (?, ?)", (fake, real))
        # Versions before the import tell afterwards how many existing tickets really changed.
        conn.execute("DROP TABLE IF EXISTS temp.import_versions")
        conn.execute("CREATE TEMP TABLE import_versions AS SELECT id, version FROM main.tickets")
        conn.execute(_COMMIT_TICKETS, (self.now,))
        conn.execute(_COMMIT_HOURS, (self.now,))
        conn.execute("DELETE FROM main.ticket_events WHERE ticket_id IN (SELECT t.id FROM main.tickets t "
                     "JOIN stage.tickets s ON s.ref = t.ref WHERE s.was_source IS NOT NULL)")
        conn.execute(_COMMIT_EVENTS)
        n = conn.execute(
            "SELECT count(*) FROM main.tickets t JOIN temp.import_versions v ON v.id = t.id WHERE t.version != v.version"
        ).fetchone()[0]
        conn.execute("DROP TABLE temp.import_versions")
        return int(n)

    def _party(self, key: str, name: str, kind: str) -> int:
        cur = self.conn.execute("INSERT INTO main.parties (key, name, kind, updated_at) VALUES (?, ?, ?, ?)",
                                (key, name, kind, self.now))
        return int(cur.lastrowid)

    def _area(self, key: str, name: str, criticality: str) -> int:
        cur = self.conn.execute("INSERT INTO main.areas (key, name, criticality, updated_at) VALUES (?, ?, ?, ?)",
                                (key, name, criticality, self.now))
        return int(cur.lastrowid)
