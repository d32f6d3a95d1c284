"""Helpers of the sync tests: source files, an in-process sync, and a comparable picture of a database's tickets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from comanage_tui.data.store import Store
from comanage_tui.data.sync.config import load_source
from comanage_tui.data.sync.credentials import credentials
from comanage_tui.data.sync.engine import run_sync
from comanage_tui.data.sync.http import HttpClient
from comanage_tui.data.sync.kinds import build_source
from comanage_tui.data.sync.report import SyncReport
from tests.conftest import FIXED_NOW

REPO = Path(__file__).resolve().parents[2]
SN_MAPPING = REPO / "examples" / "servicenow-mapping.toml"
SN_ENV = "COMANAGE_TEST_SN_PASSWORD"


def write_source(folder: Path, base_url: str, *, name: str = "sn", kind: str = "servicenow", extra: str = "",
                 auth: str | None = None, mapping: Path | str = SN_MAPPING) -> Path:
    """A source file in `folder` (created) for the instance at `base_url`; `extra` adds top-level settings."""
    folder.mkdir(parents=True, exist_ok=True)
    auth = auth or f'[auth]\nmethod = "basic"\nusername = "comanage.sync"\npassword_env = "{SN_ENV}"\n'
    text = (f'kind = "{kind}"\nbase_url = "{base_url}"\nmapping = "{mapping}"\n'
            f"backoff = 0.01\nmax_wait = 5\n{extra}\n{auth}")
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sync(db: Path, source: Path, *, now: int = FIXED_NOW, **kwargs) -> SyncReport:
    """One run of the sync in this process, as the command runs it (real HTTP, real database file)."""
    config, mapping = load_source(source)
    creds = credentials(config.auth, config.name)
    with Store(db, actor="tester", clock=lambda: now) as store, \
            HttpClient(config, creds.httpx_auth(), hint=creds.where) as http:
        return run_sync(store, build_source(config, http, mapping), now=now, **kwargs)


def tickets_and_events(db: Path) -> dict[str, tuple]:
    """ref -> (summary columns, event log), with party and area keys instead of ids: comparable across databases."""
    conn = sqlite3.connect(db)
    try:
        parties = dict(conn.execute("SELECT id, key FROM parties"))
        areas = dict(conn.execute("SELECT id, key FROM areas"))
        out: dict[str, tuple] = {}
        events: dict[int, list[tuple]] = {}
        for tid, seq, at, kind, status, party, priority, note in conn.execute(
                "SELECT ticket_id, seq, at, kind, status, party_id, priority, note FROM ticket_events ORDER BY ticket_id, seq"):
            events.setdefault(tid, []).append((seq, at, kind, status, parties.get(party), priority, note))
        for row in conn.execute("SELECT id, ref, source, title, area_id, priority, kind, status, holder_party_id, opened_at, "
                                "first_response_at, resolved_at, closed_at, reassignment_count, reopen_count, source_sla_met "
                                "FROM tickets"):
            tid, ref, *rest = row
            rest[2], rest[6] = areas.get(rest[2]), parties.get(rest[6])
            out[ref] = (tuple(rest), tuple(events.get(tid, [])))
        return out
    finally:
        conn.close()


def differences(a: dict[str, tuple], b: dict[str, tuple], limit: int = 5) -> list[str]:
    """The first few refs whose tickets or events differ, said readably."""
    out = [f"only in the first: {r}" for r in sorted(set(a) - set(b))[:limit]]
    out += [f"only in the second: {r}" for r in sorted(set(b) - set(a))[:limit]]
    for ref in sorted(set(a) & set(b)):
        if a[ref] != b[ref] and len(out) < 3 * limit:
            out.append(f"{ref}: {a[ref]} != {b[ref]}")
    return out
