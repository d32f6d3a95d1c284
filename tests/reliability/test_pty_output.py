"""The bytes the dashboard writes to a real pseudo-terminal carry no control sequence that came from data.

Hostile titles, summaries and topics hold OSC 52 (clipboard), OSC 8 (links), a window
title set, an unusual SGR and C1 controls. The app runs under a pty, every screen is
visited, and the captured output must contain none of those sequences nor any C1
character — Textual's own escape sequences are all it may send.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

from comanage_tui.data.demo import DemoOptions, build_demo
from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW

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


def _read_all(fd: int, seconds: float) -> bytes:
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def test_no_control_sequence_from_data_reaches_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "hostile.db"
    _hostile_db(db)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"}
    proc = subprocess.Popen([*comanage_cmd(), "--db", str(db)], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    captured = _read_all(master, 6)
    # Every screen, the ticket list filtered to the hostile tickets, and a detail view.
    for keys in ("1", "2", "3", "4", "5", "6", "/", "X-", "\r", "\r", "\x1b", "3", "\r", "\x1b", "5", "\r", "\x1b", "q"):
        os.write(master, keys.encode())
        captured += _read_all(master, 0.8)
    captured += _read_all(master, 3)
    try:
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 0, captured[-2000:]
    assert b"T0 " in captured  # the hostile tickets were actually on screen
    for seq in FORBIDDEN:
        assert seq not in captured, seq
    text = captured.decode("utf-8", errors="replace")
    assert not [c for c in text if 0x80 <= ord(c) <= 0x9F], "a C1 control character reached the terminal"
    assert "\u202e" not in text
