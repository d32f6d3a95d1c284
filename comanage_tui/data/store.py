"""The Store: one guarded connection, IMMEDIATE write transactions, the audit log.

Domain reads and writes live in repositories (`store.org`, `store.tickets`,
`store.handoffs`, `store.kt`, `store.sla`) that share this object's connection and lock.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comanage_tui.data.db import open_database
from comanage_tui.data.errors import DatabaseProblem, InvalidInput

if TYPE_CHECKING:

    from comanage_tui.data.models import AuditEntry
    from comanage_tui.data.repos import HandoffRepo, KtRepo, OrgRepo, SlaRepo, TicketRepo

# pydantic and the models load on the first validated write or model read, not when the
# Store opens: the dashboard paints its first frame without them, and `check` never needs them.


def default_actor() -> str:
    """The OS user, which is who the audit log names unless `--as NAME` says otherwise."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _integrity(exc: sqlite3.IntegrityError) -> InvalidInput:
    """Say which field broke which rule, in the words a user would use."""
    text = str(exc)
    if text.startswith("UNIQUE constraint failed:"):
        field = text.split(":", 1)[1].strip().split(",")[0].split(".")[-1]
        return InvalidInput(field, "already exists")
    if "FOREIGN KEY" in text:
        return InvalidInput("reference", "refers to a record that does not exist")
    return InvalidInput("record", text)


class Store:
    """Typed access to one comanage database file.

    Args:
        path: the database file (created with mode 0600, or 0660 with `shared=True`).
        actor: name written to the audit log; the OS user by default.
        clock: returns "now" as epoch seconds for `updated_at` and audit times; tests pin it.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        actor: str | None = None,
        create: bool = True,
        shared: bool = False,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
    ):
        self.path = Path(path)
        self.actor = actor or default_actor()
        self.read_only = read_only
        self.clock = clock
        self.conn = open_database(self.path, create=create, shared=shared, read_only=read_only)
        self.conn.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        self._own_audit: dict[int, None] = {}
        """Ids of the audit rows this connection committed, newest last (bounded): see `wrote`."""
        self._pending_audit: list[int] = []

    # --- repositories: built on first use (they bring pydantic and the models) -----------

    @cached_property
    def org(self) -> OrgRepo:
        from comanage_tui.data.repos import OrgRepo

        return OrgRepo(self)

    @cached_property
    def tickets(self) -> TicketRepo:
        from comanage_tui.data.repos import TicketRepo

        return TicketRepo(self)

    @cached_property
    def handoffs(self) -> HandoffRepo:
        from comanage_tui.data.repos import HandoffRepo

        return HandoffRepo(self)

    @cached_property
    def kt(self) -> KtRepo:
        from comanage_tui.data.repos import KtRepo

        return KtRepo(self)

    @cached_property
    def sla(self) -> SlaRepo:
        from comanage_tui.data.repos import SlaRepo

        return SlaRepo(self)

    # --- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> int:
        return int(self.clock())

    # --- transactions ------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: `BEGIN IMMEDIATE`, commit on success, roll back on any error."""
        if self.read_only:
            raise DatabaseProblem("this session is read-only (--read-only); nothing was changed")
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._busy(exc) from None
            self._pending_audit = []
            try:
                yield self.conn
                self.conn.execute("COMMIT")
                self._own_audit.update(dict.fromkeys(self._pending_audit))
                for old in list(self._own_audit)[:max(0, len(self._own_audit) - 10_000)]:
                    del self._own_audit[old]
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError):
                    raise _integrity(exc) from None
                if isinstance(exc, sqlite3.OperationalError):
                    raise self._busy(exc) from None
                raise

    def _busy(self, exc: sqlite3.OperationalError) -> DatabaseProblem:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return DatabaseProblem(
                f"{self.path} is locked by another comanage session or process (waited "
                f"{self.conn.execute('PRAGMA busy_timeout').fetchone()[0] / 1000:.0f}s); try again"
            )
        from comanage_tui.data.db_errors import describe  # only on the error path

        # Rights, read-only media or a full disk: name the cause and the file, never "damaged".
        return describe(self.path, exc) or DatabaseProblem(f"database error: {text}")

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Any = ()) -> list[tuple]:
        """Like `query` but plain tuples: cheaper for bulk reads that unpack by position."""
        with self.lock:
            cur = self.conn.cursor()
            cur.row_factory = None
            return cur.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Cursor]:
        """A cursor of plain tuples whose statements all see one state of the database.

        One read transaction (unless a transaction is open already), holding the lock, so
        reads that only make sense together (counts, then the rows they count) cannot be
        split by another connection's commit.
        """
        with self.lock:
            own = not self.conn.in_transaction
            if own:
                self.conn.execute("BEGIN")
            try:
                cur = self.conn.cursor()
                cur.row_factory = None
                yield cur
            finally:
                if own and self.conn.in_transaction:
                    self.conn.execute("COMMIT")

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    def data_version(self) -> int:
        """Changes when *another* connection commits: the cheap poll behind live refresh."""
        return int(self.scalar("PRAGMA data_version"))

    # --- audit and metadata ------------------------------------------------------

    def audit(
        self,
        conn: sqlite3.Connection,
        action: str,
        entity: str,
        entity_id: object,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record one change; call inside the write transaction that made it."""
        cur = conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.now(), self.actor, action, entity, None if entity_id is None else str(entity_id), _json(before), _json(after)),
        )
        self._pending_audit.append(int(cur.lastrowid))

    def wrote(self, audit_id: int) -> bool:
        """True when this connection committed that audit row (the dashboard toasts only the others')."""
        return audit_id in self._own_audit

    def audit_log(self, *, entity: str | None = None, limit: int = 200) -> list[AuditEntry]:
        where, params = ("WHERE entity = ?", [entity]) if entity else ("", [])
        rows = self.query(f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        from comanage_tui.data.models import AuditEntry

        return [AuditEntry.model_validate(dict(r)) for r in rows]

    def get_meta(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            before = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
            self.audit(conn, "update" if before else "insert", "meta", key, before and before[0], value)

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (the overview and `comanage info` show them)."""
        tables = ["parties", "people", "areas", "tickets", "ticket_events", "handoffs", "kt_items", "sla_policies", "audit_log"]
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
        return {name: n for name, n in self.query(sql)}

    def is_empty(self) -> bool:
        return not self.scalar("SELECT EXISTS (SELECT 1 FROM parties UNION ALL SELECT 1 FROM tickets)")
