"""Compare a database's schema with the one comanage's migrations build: what a restore may trust.

A file whose migrations table looks right can still lack tables, or carry an extra trigger
that deletes audit rows; restoring it would break every command or hide changes. So the
tables, indexes, triggers and views in `sqlite_master` must be exactly those a fresh
database at the same migration level has, SQL text compared with whitespace collapsed.
"""

from __future__ import annotations

import functools
import sqlite3

from comanage_tui.data.text import clean

MIGRATIONS_TABLE = "_sqlite_migrations"
MAX_NAMED = 6
_ORDER = {"table": 0, "view": 1, "trigger": 2, "index": 3}  # tables first: the most telling difference


def _sorted(keys: set[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(keys, key=lambda k: (_ORDER.get(k[0], 9), k[1]))


def _normalise(sql: str | None) -> str:
    return " ".join((sql or "").split())


def schema_of(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(type, name) -> normalised SQL for every table, index, trigger and view we could have made.

    SQLite's own objects (`sqlite_autoindex_*`, `sqlite_sequence`, `sqlite_stat1`) follow from
    the tables or from ANALYZE and are left out; the migrations table's layout belongs to
    sqlite-utils and may differ between its versions, so only its name (and its indexes'
    names) are compared.
    """
    out: dict[tuple[str, str], str] = {}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    for kind, name, table, sql in rows:
        if str(name).startswith("sqlite_"):
            continue
        ours = table == MIGRATIONS_TABLE and kind in ("table", "index")
        out[(str(kind), str(name))] = "" if ours else _normalise(sql)
    return out


@functools.cache
def expected_schema(applied: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The schema of a new in-memory database after exactly the migrations in `applied`."""
    from sqlite_utils import Database  # only restore needs it

    from comanage_tui.data.migrations import known_migrations, migrations

    known = known_migrations()
    conn = sqlite3.connect(":memory:")
    try:
        stop = known[len(applied)] if len(applied) < len(known) else None
        migrations.apply(Database(conn), stop_before=stop)
        return schema_of(conn)
    finally:
        conn.close()


def _names(keys: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{kind} {clean(name, limit=60)}" for kind, name in keys[:MAX_NAMED])
    return shown + (f" and {len(keys) - MAX_NAMED} more" if len(keys) > MAX_NAMED else "")


def schema_differences(conn: sqlite3.Connection, applied: list[str]) -> str:
    """'' when the schema is exactly the expected one, else what differs, in one line."""
    want = expected_schema(tuple(applied))
    have = schema_of(conn)
    missing = _sorted(want.keys() - have.keys())
    extra = _sorted(have.keys() - want.keys())
    changed = _sorted({k for k in want.keys() & have.keys() if want[k] != have[k]})
    parts = []
    if missing:
        parts.append(f"missing {_names(missing)}")
    if extra:
        parts.append(f"extra {_names(extra)}")
    if changed:
        parts.append(f"different {_names(changed)}")
    return "; ".join(parts)
