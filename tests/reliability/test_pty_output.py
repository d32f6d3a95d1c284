"""The bytes the dashboard writes to a real pseudo-terminal carry no control sequence that came from data.

Hostile titles, summaries and topics hold OSC 52 (clipboard), OSC 8 (links), a window
title set, an unusual SGR and C1 controls. The app runs under a pty, every screen is
visited, and the captured output must contain none of those sequences nor any C1
character — Textual's own escape sequences are all it may send.
"""

from __future__ import annotations

import os
from pathlib import Path

from comanage_tui.data.demo import DemoOptions, build_demo
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW
from tests.reliability.pty_app import read_pty, read_settled, spawn_dashboard, stop

PAYLOADS = [
    "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;file:///etc/passwd\x1b\\x\x1b]8;;\x1b\\", "\x1b]0;pwned\x07", "\x1b[6666m",
    "\x9b6666m", "\x9d0;c1\x9c", "[red]x[/]", "[/oops]", "[link=file:///etc/passwd]x[/link]", "\u202eevil",
]
FORBIDDEN = [b"\x1b]52;", b"\x1b]8;;file", b"pwned\x07", b"\x1b[6666m", b"file:///etc/passwd\x1b"]


def _hostile_db(path: Path) -> None:
    with Store(path, clock=lambda: FIXED_NOW) as s:
        build_demo(s, DemoOptions(seed=7, tickets=60, now=FIXED_NOW))
        for i, p in enumerate(PAYLOADS):
            t = s.tickets.add({"ref": f"X-{i}", "title": f"T{i} {p} end", "party": "msp", "area": "desk-l1",
                               "priority": "P1", "opened_at": FIXED_NOW - 3600 * (i + 1), "notes": p})
            s.handoffs.create({"from_party": "internal", "to_party": "msp", "ticket_ref": t.ref, "summary": f"H{i} {p}",
                               "context": p, "requested_at": FIXED_NOW - 600})
            s.kt.add({"area": "backup", "topic": f"K{i} {p}", "notes": p})


def test_no_control_sequence_from_data_reaches_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "hostile.db"
    _hostile_db(db)
    proc, master = spawn_dashboard(db, 140, 40)
    captured = read_settled(master, until=b"Attention", limit=30)
    # Every screen, the ticket list filtered to the hostile tickets, and a detail view.
    for keys in ("1", "2", "3", "4", "5", "6", "/", "X-", "\r", "\r", "\x1b", "3", "\r", "\x1b", "5", "\r", "\x1b", "q"):
        os.write(master, keys.encode())
        captured += read_settled(master)
    captured += read_pty(master, 3)
    try:
        proc.wait(timeout=10)
    finally:
        stop(proc, master)
    assert proc.returncode == 0, captured[-2000:]
    assert b"T0 " in captured  # the hostile tickets were actually on screen
    for seq in FORBIDDEN:
        assert seq not in captured, seq
    text = captured.decode("utf-8", errors="replace")
    assert not [c for c in text if 0x80 <= ord(c) <= 0x9F], "a C1 control character reached the terminal"
    assert "\u202e" not in text
