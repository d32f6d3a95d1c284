"""Where a sync source stands, in the database (tables sync_sources and sync_items, migration m003).

The cursor moves only inside the transaction that commits the records it covers, and only
forward (cursors sort as text in time order, source.py), so a killed run, or two runs of
the same source at once, can never leave it past data that is not in the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SyncState:
    name: str
    kind: str
    ticket_source: str
    base_url: str
    cursor: str | None
    mapping_sha256: str
    last_success_at: int | None


def has_tables(conn: sqlite3.Connection) -> bool:
    """False for a database from before migration m003 (opened read-only, so not migrated)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_sources'").fetchone() is not None


def read_state(conn: sqlite3.Connection | None, name: str) -> SyncState | None:
    if conn is None or not has_tables(conn):
        return None
    row = conn.execute("SELECT name, kind, ticket_source, base_url, cursor, mapping_sha256, last_success_at "
                       "FROM sync_sources WHERE name = ?", (name,)).fetchone()
    return SyncState(*row) if row else None


def versions(conn: sqlite3.Connection | None, name: str, remote_ids: Iterable[str]) -> dict[str, str]:
    """remote id -> version last written, for the ids given."""
    if conn is None or not has_tables(conn):
        return {}
    ids = list(remote_ids)
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        out.update(conn.execute(f"SELECT remote_id, version FROM sync_items WHERE source = ? AND remote_id IN "
                                f"({','.join('?' * len(part))})", [name, *part]).fetchall())
    return out


def begin(conn: sqlite3.Connection, *, name: str, kind: str, ticket_source: str, base_url: str, stale_after: int,
          mapping_sha256: str, now: int, restart: bool) -> None:
    """Record an attempt (inside a write transaction); `restart` forgets the cursor and every version."""
    conn.execute(
        "INSERT INTO sync_sources (name, kind, ticket_source, base_url, stale_after, mapping_sha256, last_attempt_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
        "ticket_source = excluded.ticket_source, base_url = excluded.base_url, stale_after = excluded.stale_after, "
        "mapping_sha256 = excluded.mapping_sha256, last_attempt_at = excluded.last_attempt_at, updated_at = excluded.updated_at",
        (name, kind, ticket_source, base_url, stale_after, mapping_sha256, now, now))
    if restart:
        conn.execute("UPDATE sync_sources SET cursor = NULL WHERE name = ?", (name,))
        conn.execute("DELETE FROM sync_items WHERE source = ?", (name,))


def advance(conn: sqlite3.Connection, name: str, cursor: str, items: Iterable[tuple[str, str, str]], now: int) -> None:
    """Inside the transaction that committed the records: their versions, and the cursor past them."""
    conn.executemany("INSERT INTO sync_items (source, remote_id, ref, version) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(source, remote_id) DO UPDATE SET ref = excluded.ref, version = excluded.version",
                     [(name, rid, ref, version) for rid, ref, version in items])
    conn.execute("UPDATE sync_sources SET cursor = CASE WHEN cursor IS NULL OR cursor < ?1 THEN ?1 ELSE cursor END, "
                 "updated_at = ?2 WHERE name = ?3", (cursor, now, name))


def succeeded(conn: sqlite3.Connection, name: str, started: int, now: int) -> None:
    conn.execute("UPDATE sync_sources SET last_success_at = ?, data_as_of = ?, last_error = '', updated_at = ? WHERE name = ?",
                 (now, started, now, name))


def failed(conn: sqlite3.Connection, name: str, message: str, now: int) -> None:
    conn.execute("UPDATE sync_sources SET last_error = ?, updated_at = ? WHERE name = ?", (message[:500], now, name))
