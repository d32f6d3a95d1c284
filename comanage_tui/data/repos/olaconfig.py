"""The OLA list (`[[ola]]` in the SLA TOML): validated, stored one row per party, read back.

`SlaRepo.load_toml` calls `parse_olas` before its transaction (the shape of every entry) and
`replace_olas` inside it (parties and calendars exist, no party twice), so a refused file
changes nothing. Like the policy list, an `[[ola]]` section replaces the whole list; `ola = []`
empties it, and a file without the key leaves it alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.repos.base import StoreHandle
from comanage_tui.data.sla.ola_spec import FIELDS, OlaSpec, duration_text
from comanage_tui.data.validation import validate


def _named(i: int, data: object) -> str:
    """`ola[1] "msp"`: the entry and its party, so a refusal says which one."""
    party = data.get("party") if isinstance(data, dict) else None
    return f'ola[{i}] "{party}"' if isinstance(party, str) and party else f"ola[{i}]"


def parse_olas(entries: object) -> list[OlaSpec]:
    """Every `[[ola]]` table as an OlaSpec; the first bad one is refused naming it and its field."""
    if not isinstance(entries, list):
        raise InvalidInput("ola", "write OLAs as [[ola]] tables")
    out = []
    for i, data in enumerate(entries):
        where = _named(i, data)
        if isinstance(data, OlaSpec):
            out.append(data)
            continue
        if not isinstance(data, Mapping):
            raise InvalidInput(where, "an [[ola]] entry is a table of party, calendar and targets")
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:  # before pydantic, whose first complaint would be the missing field, not the misspelt one
            raise InvalidInput(f"{where}.{unknown[0]}", f"unknown key (an [[ola]] has {', '.join(FIELDS)})")
        out.append(validate(OlaSpec, data, where))
    return out


def replace_olas(store: StoreHandle, conn: sqlite3.Connection, items: list[OlaSpec]) -> None:
    """Inside the caller's write transaction: check parties and calendars, then replace the list (audited)."""
    parties = [r[0] for r in conn.execute("SELECT key FROM parties ORDER BY key")]
    calendars = {r[0] for r in conn.execute("SELECT name FROM calendars")}
    seen: dict[str, int] = {}
    for i, ola in enumerate(items):
        where = _named(i, {"party": ola.party})
        if ola.party not in parties:
            known = ", ".join(parties) or "none yet: load the organisation first"
            raise InvalidInput(f"{where}.party", f"unknown party '{ola.party}' (known: {known})")
        if ola.calendar not in calendars:
            raise InvalidInput(f"{where}.calendar", f"unknown calendar '{ola.calendar}'")
        if ola.party in seen:
            raise InvalidInput(f"{where}.party", f"party '{ola.party}' already has an OLA (ola[{seen[ola.party]}]); one per party")
        seen[ola.party] = i
    before = [r[0] for r in conn.execute("SELECT spec FROM olas ORDER BY position")]
    after = [o.model_dump_json() for o in items]
    if before == after:
        return
    conn.execute("DELETE FROM olas")
    now = store.now()
    conn.executemany("INSERT INTO olas (position, party, spec, updated_at) VALUES (?, ?, ?, ?)",
                     [(i, o.party, spec, now) for i, (o, spec) in enumerate(zip(items, after))])
    store.audit(conn, "replace", "olas", None, before, after)


def read_olas(store: StoreHandle) -> list[OlaSpec]:
    """The OLA list in load order."""
    return [OlaSpec.model_validate_json(r[0]) for r in store.query("SELECT spec FROM olas ORDER BY position, id")]


def olas_toml(items: list[OlaSpec]) -> list[dict[str, Any]]:
    """The `[[ola]]` tables `sla show` prints: targets as "4h" / "1h 30m", defaults left out."""
    out = []
    for o in items:
        d = o.model_dump(mode="json", exclude_defaults=True)
        d["targets"] = {p: duration_text(m) for p, m in o.targets.items()}
        out.append({"party": o.party, "calendar": o.calendar, **d})
    return out
