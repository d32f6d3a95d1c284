"""How fresh each synced source's data is: the one owner of "data as of" (Overview header, snapshot, `check`).

Light on purpose (SQLite and the standard library only), like figures.py: `check` reads it
straight from a read-only connection. A database from before migration m003 has no
sources, which is not an error.

A source is *stale* when it never synced successfully, or its last success is older than
its `stale_after` (from the source file, stored by each sync). Its data is *as of* the
moment its last successful sync started: every change the source had made before then is
in the database.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from comanage_tui.data.text import clean


@dataclass(frozen=True)
class SourceFreshness:
    name: str
    kind: str
    data_as_of: int | None
    """Epoch seconds; None until a sync succeeded."""
    last_success_at: int | None
    last_attempt_at: int | None
    last_error: str
    stale_after: int | None
    age_seconds: int | None
    """Since the last success, at `now`."""
    stale: bool


def source_freshness(conn: sqlite3.Connection, now: int) -> list[SourceFreshness]:
    """Every synced source by name, judged at `now`."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_sources'").fetchone() is None:
        return []
    out = []
    for name, kind, as_of, success, attempt, error, limit in conn.execute(
            "SELECT name, kind, data_as_of, last_success_at, last_attempt_at, last_error, stale_after "
            "FROM sync_sources ORDER BY name"):
        age = None if success is None else max(0, now - success)
        stale = success is None or (limit is not None and age is not None and age > limit)
        out.append(SourceFreshness(clean(name, limit=40), clean(kind, limit=40), as_of, success, attempt,
                                   clean(error, limit=300), limit, age, stale))
    return out


def age_text(seconds: int) -> str:
    """A wall-clock age in the largest sensible unit: 45 min, 26 h, 3 d."""
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 3 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def as_of_text(f: SourceFreshness, zone: str, now: int) -> str:
    """One source as the header and the snapshot say it: "servicenow 08:12", "jira 2026-11-21 18:00 ⚠ stale"."""
    if f.data_as_of is None:
        return f"{f.name} never synced ⚠"
    tz = ZoneInfo(zone)
    local = dt.datetime.fromtimestamp(f.data_as_of, tz)
    today = dt.datetime.fromtimestamp(now, tz).date()
    shown = local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")
    return f"{f.name} {shown}" + (" ⚠ stale" if f.stale else "")


def header_text(rows: list[SourceFreshness], zone: str, now: int) -> str:
    """ "data as of servicenow 08:12 · jira 07:55", or "" when nothing is synced."""
    if not rows:
        return ""
    return "data as of " + " · ".join(as_of_text(f, zone, now) for f in rows)
