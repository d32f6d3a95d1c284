"""Business calendars and the ordered SLA policy list: stored as JSON, edited as TOML.

Policies are matched in `position` order, first match wins. Changing a calendar or a
policy changes every clock on the next read: nothing derived from them is stored.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from comanage_tui.data import toml_text
from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.repos import olaconfig
from comanage_tui.data.repos.base import Repo
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.calendar_spec import CalendarSpec
from comanage_tui.data.sla.estimates import ESTIMATES_KEY, Estimates, from_json
from comanage_tui.data.sla.ola_spec import OlaSpec
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.sla.policy_check import check_policies, check_terms
from comanage_tui.data.validation import validate


class SlaRepo(Repo):
    """Read and replace calendars and policies; hands out cached BusinessCalendar objects."""

    def __init__(self, store):  # Store (import cycle)
        super().__init__(store)
        self._calendar_cache: dict[str, tuple[str, BusinessCalendar]] = {}

    def calendars(self) -> list[CalendarSpec]:
        rows = self.store.query("SELECT spec FROM calendars ORDER BY name")
        return [CalendarSpec.model_validate_json(r[0]) for r in rows]

    def policies(self) -> list[SlaPolicy]:
        rows = self.store.query("SELECT spec FROM sla_policies ORDER BY position, id")
        return [SlaPolicy.model_validate_json(r[0]) for r in rows]

    def olas(self) -> list[OlaSpec]:
        """The OLA list (one per party), in load order (repos/olaconfig.py)."""
        return olaconfig.read_olas(self.store)

    def business_calendar(self, spec: CalendarSpec) -> BusinessCalendar:
        """One BusinessCalendar per distinct spec: its precomputed tables are reused across reads."""
        key = spec.model_dump_json()
        cached = self._calendar_cache.get(spec.name)
        if cached is None or cached[0] != key:
            cached = (key, BusinessCalendar(spec))
            self._calendar_cache[spec.name] = cached
        return cached[1]

    def calendar_map(self) -> dict[str, BusinessCalendar]:
        return {spec.name: self.business_calendar(spec) for spec in self.calendars()}

    def put_calendar(self, spec: CalendarSpec | Mapping[str, Any]) -> CalendarSpec:
        cal = _validate(CalendarSpec, spec, "calendar")
        with self.store.write() as conn:
            self._upsert_calendar(conn, cal)
        return cal

    def replace_policies(self, policies: Iterable[SlaPolicy | Mapping[str, Any]]) -> list[SlaPolicy]:
        """Replace the whole ordered list (position = list order), once it means what it says (sla/policy_check.py).

        Raises:
            InvalidInput: a policy is not valid; nothing is written.
        """
        items = _policies(list(policies), lambda i, p: f"policy[{i}]")
        with self.store.write() as conn:
            self._replace_policies(conn, items)
        return items

    def replace_olas(self, olas: Iterable[OlaSpec | Mapping[str, Any]]) -> list[OlaSpec]:
        """Replace the whole OLA list (checked as `load_toml` checks `[[ola]]`)."""
        items = olaconfig.parse_olas(list(olas))
        with self.store.write() as conn:
            olaconfig.replace_olas(self.store, conn, items)
        return items

    def load_toml(self, text: str) -> tuple[int, int]:
        """Apply a TOML config (`[[calendar]]`, `[[policy]]`, `[[ola]]` and `[estimates]`) in one transaction.

        Calendars are upserted by name; when `[[policy]]` entries are present they replace
        the whole policy list; an `ola` key replaces the OLA list (repos/olaconfig.py); an
        `[estimates]` table (hours per priority and area, sla/estimates.py) replaces the stored estimates. Everything is validated before the
        transaction starts, so a refused file changes nothing. Returns (calendars, policies) counts.
        """
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput("config", f"not valid TOML: {exc}") from None
        unknown = set(doc) - {"calendar", "policy", "ola", "estimates"}
        if unknown:
            raise InvalidInput("config", f"unknown section(s): {', '.join(sorted(unknown))}")
        cals = [_validate(CalendarSpec, c, _named("calendar", i, c)) for i, c in enumerate(doc.get("calendar", []))]
        olas = olaconfig.parse_olas(doc["ola"]) if "ola" in doc else None
        estimates = _validate(Estimates, doc["estimates"], "estimates") if "estimates" in doc else None
        pols = _policies(doc.get("policy", []), lambda i, p: _named("policy", i, p))
        with self.store.write() as conn:
            for cal in cals:
                self._upsert_calendar(conn, cal)
            if pols:
                self._replace_policies(conn, pols)
            if olas is not None:
                olaconfig.replace_olas(self.store, conn, olas)
            if estimates is not None:
                self._put_estimates(conn, estimates)
        return len(cals), len(pols)

    def estimates(self) -> Estimates:
        """The hours estimates per priority and area (empty when none were loaded)."""
        return from_json(self.store.scalar("SELECT value FROM meta WHERE key = ?", (ESTIMATES_KEY,)))

    def dump_toml(self) -> str:
        doc = {
            "calendar": [c.model_dump(mode="json", exclude_defaults=True) | {"name": c.name} for c in self.calendars()],
            "policy": [p.model_dump(mode="json", exclude_defaults=True) | {"name": p.name} for p in self.policies()],
        }
        olas = self.olas()
        if olas:
            doc["ola"] = olaconfig.olas_toml(olas)
        estimates = self.estimates()
        if not estimates.is_empty():
            doc["estimates"] = estimates.to_toml_table()
        return toml_text.dumps(doc)

    # --- inside a transaction ----------------------------------------------------

    def _upsert_calendar(self, conn, cal: CalendarSpec) -> None:
        before = conn.execute("SELECT spec FROM calendars WHERE name = ?", (cal.name,)).fetchone()
        spec = cal.model_dump_json()
        if before and before[0] == spec:
            return
        conn.execute(
            "INSERT INTO calendars (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
            "spec = excluded.spec, version = version + 1, updated_at = excluded.updated_at",
            (cal.name, spec, self.store.now()),
        )
        self.store.audit(conn, "update" if before else "insert", "calendar", cal.name, before and before[0], spec)

    def _put_estimates(self, conn, estimates: Estimates) -> None:
        before = conn.execute("SELECT value FROM meta WHERE key = ?", (ESTIMATES_KEY,)).fetchone()
        value = estimates.to_json()
        if before and before[0] == value:
            return
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (ESTIMATES_KEY, value))
        self.store.audit(conn, "update" if before else "insert", "meta", ESTIMATES_KEY, before and before[0], value)

    def _replace_policies(self, conn, items: list[SlaPolicy]) -> None:
        names = {r[0] for r in conn.execute("SELECT name FROM calendars")}
        for i, pol in enumerate(items):
            if pol.calendar not in names:
                raise InvalidInput(f"policy[{i}].calendar", f"unknown calendar '{pol.calendar}'")
        before = [r[0] for r in conn.execute("SELECT spec FROM sla_policies ORDER BY position")]
        conn.execute("DELETE FROM sla_policies")
        now = self.store.now()
        conn.executemany(
            "INSERT INTO sla_policies (position, name, spec, updated_at) VALUES (?, ?, ?, ?)",
            [(i, p.name, p.model_dump_json(), now) for i, p in enumerate(items)],
        )
        self.store.audit(conn, "replace", "sla_policies", None, before, [p.model_dump_json() for p in items])


def _policies(raw: list, named) -> list[SlaPolicy]:
    """Every policy checked for its terms, validated, then the ordered list checked as a whole."""
    items = []
    for i, p in enumerate(raw):
        if isinstance(p, Mapping):
            check_terms(i, p)
        items.append(_validate(SlaPolicy, p, named(i, p)))
    check_policies(items)
    return items


def _named(kind: str, i: int, data: object) -> str:
    """`policy[2]`, or `policy[2] "Internal P1"` when the table has a name, so a refusal says which one."""
    name = data.get("name") if isinstance(data, dict) else None
    return f'{kind}[{i}] "{name}"' if isinstance(name, str) and name else f"{kind}[{i}]"


def _validate(model, data, where: str):  # generic over pydantic models
    return validate(model, data, where)
