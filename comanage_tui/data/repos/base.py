"""Shared helpers for repositories: key lookups, optimistic version checks."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from typing import Any, Protocol

from comanage_tui.data.errors import Conflict, InvalidInput, NotFound


class StoreHandle(Protocol):
    """What a repository uses of the Store (data/store.py), which creates the repositories: typed here
    so that repos/ never imports store.py back."""

    conn: sqlite3.Connection
    lock: threading.RLock

    def now(self) -> int: ...
    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]: ...
    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None: ...
    def scalar(self, sql: str, params: Any = ()) -> Any: ...
    def audit(self, conn: sqlite3.Connection, action: str, entity: str, entity_id: object,
              before: Any = None, after: Any = None) -> None: ...


class Repo:
    """Base for repositories; holds the Store whose connection and lock it uses."""

    def __init__(self, store: StoreHandle):
        self.store = store

    @staticmethod
    def id_for_key(conn: sqlite3.Connection, table: str, key: str, field: str) -> int:
        """Resolve a party/area key to its id, or fail naming the field and the unknown key."""
        row = conn.execute(f"SELECT id FROM {table} WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise InvalidInput(field, f"unknown {field} '{key}'")
        return int(row[0])

    @staticmethod
    def check_person(conn: sqlite3.Connection, person_id: int | None, field: str, party_id: int | None = None) -> None:
        if person_id is None:
            return
        row = conn.execute("SELECT party_id FROM people WHERE id = ?", (person_id,)).fetchone()
        if row is None:
            raise InvalidInput(field, f"unknown person {person_id}")
        if party_id is not None and row[0] != party_id:
            raise InvalidInput(field, f"person {person_id} does not belong to that party")

    @staticmethod
    def fetch_for_update(
        conn: sqlite3.Connection, table: str, entity_id: int, expected_version: int | None
    ) -> sqlite3.Row:
        """Read the current row inside the write transaction and check nobody saved in between."""
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (entity_id,)).fetchone()
        if row is None:
            raise NotFound(f"{table[:-1]} {entity_id} does not exist")
        if expected_version is not None and row["version"] != expected_version:
            raise Conflict(table[:-1], entity_id, expected_version, row["version"])
        return row
