"""The installed dashboard on a real pseudo-terminal: start it, read what it writes."""

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

from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW_ISO


def spawn_dashboard(db: Path, columns: int, lines: int, *, now: str = FIXED_NOW_ISO) -> tuple[subprocess.Popen, int]:
    """`comanage --db DB --now NOW` on a new pty of that size; returns the process and the pty's master fd.

    The moment is always given (the demo databases are built at FIXED_NOW): what the test sees
    must not depend on the day it runs.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)}
    proc = subprocess.Popen([*comanage_cmd(), "--db", str(db), "--now", now], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    return proc, master


def read_pty(fd: int, seconds: float, until: bytes = b"") -> bytes:
    """What the app writes within `seconds`, or until `until` has been written."""
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until in out):
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def read_settled(fd: int, quiet: float = 0.6, limit: float = 20.0, until: bytes = b"") -> bytes:
    """What the app writes until `until` has appeared (if given) and it then stays quiet for `quiet` seconds.

    Waits for the app rather than for a fixed time, so a loaded machine slows the test down
    instead of making it read the screen before the data arrived.
    """
    out = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        chunk = read_pty(fd, quiet)
        out += chunk
        if not chunk and (not until or until in out):
            break
    return out


def stop(proc: subprocess.Popen, master: int) -> None:
    """Kill the app if it is still running, and close the pty."""
    if proc.poll() is None:
        proc.kill()
    os.close(master)
