"""Helpers for the consistency tests: every surface's figures about the same clocks, as comparable dicts."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from tests.cli.test_cli import comanage_cmd

ClockKey = tuple[str, str]  # (ticket ref, clock name)


def cli_json(db: Path, *args: str, ok: tuple[int, ...] = (0,)) -> dict:
    """Run the installed command and parse its JSON (check exits 1/2 on WARNING/CRITICAL)."""
    done = subprocess.run([*comanage_cmd(), "--db", str(db), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode in ok, done.stdout + done.stderr
    return json.loads(done.stdout)


def epoch(iso: str | None) -> int | None:
    return None if iso is None else int(dt.datetime.fromisoformat(iso).timestamp())


def read_model_clocks(rows: list) -> dict[ClockKey, tuple[str, int, int]]:  # rows: list[TicketClock]
    """(state, elapsed minutes, left minutes) of every open clock, as the read model computes them."""
    from comanage_tui.data.readmodel.figures import elapsed_minutes, left_minutes

    return {(r.ref, c.name): (c.state.value, elapsed_minutes(c), left_minutes(c)) for r in rows for c in r.open_clocks}


def snapshot_clocks(snap: dict) -> dict[ClockKey, tuple[str, int, int]]:
    """The same triple from the JSON snapshot's clock rows (breached and at-risk clocks only)."""
    return {(c["ticket_ref"], c["clock"]): (c["state"], c["elapsed_minutes"], c["target_minutes"] - c["elapsed_minutes"])
            for c in snap["clocks"]}


def explain_clocks(data: dict) -> dict[ClockKey, tuple[str, int, int]]:
    """The same triple from `explain --json` for the ticket's clocks that are open."""
    out = {}
    for name in ("response", "resolution"):
        c = data[name]
        if c["left_minutes"] is not None:
            out[(data["ref"], name)] = (c["state"], c["elapsed_minutes"], c["left_minutes"])
    return out


def differences(surfaces: dict[str, dict]) -> list[str]:
    """Every key on which two surfaces that both report it disagree, as readable lines (want: none)."""
    names = list(surfaces)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for key in sorted(set(surfaces[a]) & set(surfaces[b]), key=str):
                if surfaces[a][key] != surfaces[b][key]:
                    out.append(f"{key}: {a} says {surfaces[a][key]}, {b} says {surfaces[b][key]}")
    return out
