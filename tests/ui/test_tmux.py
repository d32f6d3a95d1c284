"""End to end in a real terminal: the installed `comanage` inside tmux (TERM=screen), with and without NO_COLOR.

Skipped only when tmux is not installed (`apt-get install tmux`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW_ISO

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")

# (key, what the screen shows once it is there): the nav bar marks the current screen with brackets.
WALK = [
    ("2", "[2 Split]", "Split:"),
    ("3", "[3 Handoffs]", "Handoffs:"),
    ("4", "[4 SLA]", "open clocks ·"),
    ("5", "[5 Knowledge]", "KT backlog"),
    ("6", "[6 Tickets]", "INC1"),
    ("7", "[7 Activity]", "Activity:"),
    ("o", "[1 Overview]", "Attention today"),
    ("t", "[6 Tickets]", "sorted by opened"),
    ("l", "[4 SLA]", "Left (bus.)"),
]
SGR = re.compile(r"\x1b\[([0-9;]*)m")
# Textual renders NO_COLOR as greys (its Monochrome filter): black, white and the greys between.
GREY_BASIC = {30, 37, 90, 97, 40, 47, 100, 107}
GREY_256 = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}


def hues(captured: str) -> list[str]:
    """SGR colour parameters in `captured` that are not black, white or grey."""
    found = []
    for match in SGR.finditer(captured):
        params = [int(p) if p else 0 for p in match.group(1).split(";")]
        i = 0
        while i < len(params):
            p = params[i]
            if p in (38, 48) and i + 1 < len(params):
                if params[i + 1] == 5 and i + 2 < len(params):
                    if params[i + 2] not in GREY_256:
                        found.append(match.group(0))
                    i += 3
                    continue
                if params[i + 1] == 2 and i + 4 < len(params):
                    r, g, b = params[i + 2:i + 5]
                    if not (r == g == b):
                        found.append(match.group(0))
                    i += 5
                    continue
            elif (30 <= p <= 37 or 90 <= p <= 97 or 40 <= p <= 47 or 100 <= p <= 107) and p not in GREY_BASIC:
                found.append(match.group(0))
            i += 1
    return found


def comanage_command() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    script = Path(sys.executable).parent / "comanage"
    return [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]


class Tmux:
    """One private tmux server (its own socket) running one pane."""

    def __init__(self, tmp_path: Path):
        self.socket = str(tmp_path / "tmux.sock")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-u", "-f", "/dev/null", "-S", self.socket, *args],
                              capture_output=True, text=True, check=check, timeout=20)

    def capture(self, escapes: bool = False) -> str:
        result = self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "ui", check=False)
        return result.stdout

    def wait_for(self, *needles: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.capture()
            if all(n in shown for n in needles):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{needles} not on screen after {timeout}s:\n{shown}")

    def alive(self) -> bool:
        return self.run("has-session", "-t", "ui", check=False).returncode == 0


@pytest.fixture
def tmux(tmp_path: Path):
    t = Tmux(tmp_path)
    yield t
    t.run("kill-server", check=False)


def start(tmux: Tmux, db: Path, tmp_path: Path, *, moment: tuple[str, str] = ("--now", FIXED_NOW_ISO),
          size: tuple[int, int] = (100, 30), **env: str) -> None:
    """Run the dashboard on `db` in the pane; `moment` is always passed (the demo is built at FIXED_NOW)."""
    settings = {"TERM": "screen", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(tmp_path / "home"), **env}
    command = " ".join([f"{k}={shlex.quote(v)}" for k, v in settings.items()] + [shlex.quote(c) for c in comanage_command()]
                       + ["--db", shlex.quote(str(db)), *map(shlex.quote, moment)])
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TMUX")}
    subprocess.run(["tmux", "-u", "-f", "/dev/null", "-S", tmux.socket, "new-session", "-d", "-s", "ui", "-x", str(size[0]), "-y", str(size[1]),
                    f"env {command}"], check=True, env=environ, timeout=20)


def walk_all_screens(tmux: Tmux) -> None:
    tmux.wait_for("[1 Overview]", "Attention today:", "Resolution", timeout=30)
    for key, nav, content in WALK:
        tmux.run("send-keys", "-t", "ui", key)
        tmux.wait_for(nav, content)
    tmux.run("send-keys", "-t", "ui", "q")
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "q did not quit"


def test_every_screen_in_tmux(tmux: Tmux, ui_db: Path, tmp_path: Path) -> None:
    start(tmux, ui_db, tmp_path)
    shown = tmux.wait_for("[1 Overview]", "Attention today:", timeout=30)
    assert "✖" in shown or "▲" in shown  # glyphs survive TERM=screen with a UTF-8 locale
    # Colour is there without NO_COLOR (so the NO_COLOR test's "no hue" check means something).
    assert hues(tmux.capture(escapes=True))
    walk_all_screens(tmux)


def test_no_color_keeps_every_state_readable(tmux: Tmux, ui_db: Path, tmp_path: Path) -> None:
    start(tmux, ui_db, tmp_path, NO_COLOR="1")
    tmux.wait_for("[1 Overview]", "Attention today:", "Resolution", timeout=30)
    tmux.run("send-keys", "-t", "ui", "4")
    # "open clocks ·" is the loaded header ("Computing the open clocks…" comes first).
    shown = tmux.wait_for("[4 SLA]", "open clocks ·")
    assert "● running" in shown, shown  # state as glyph + word
    captured = tmux.capture(escapes=True)
    assert SGR.search(captured), "capture-pane -e shows attributes"
    assert not hues(captured), hues(captured)[:5]
    tmux.run("send-keys", "-t", "ui", "1")
    walk_all_screens(tmux)


def test_as_of_opens_a_past_moment_read_only_and_says_so(tmux: Tmux, ui_db: Path, tmp_path: Path) -> None:
    """`comanage --as-of`: the header names the moment, clocks are those of that moment, nothing can change."""
    before = ui_db.read_bytes()
    # Two hours before the demo's moment, in a zone far from UTC: the header shows local time and zone.
    start(tmux, ui_db, tmp_path, moment=("--as-of", "2026-11-23T06:30:00Z"), TZ="America/Adak")
    shown = tmux.wait_for("[1 Overview]", "Attention today:", "Resolution", timeout=30)
    assert "as of 2026-11-22 20:30 HST" in shown and "read-only" in shown, shown
    tmux.run("send-keys", "-t", "ui", "3")
    tmux.wait_for("[3 Handoffs]", "Handoffs:")
    tmux.run("send-keys", "-t", "ui", "a")  # acknowledge: refused in a read-only session
    tmux.wait_for("nothing can be changed")
    tmux.run("send-keys", "-t", "ui", "q")
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    for suffix in ("-wal", "-journal"):
        extra = ui_db.with_name(ui_db.name + suffix)
        assert not extra.exists() or extra.stat().st_size == 0, f"{extra.name} written by a read-only session"
    assert ui_db.read_bytes() == before


# (key, nav mark, the text column's header, SQL for every text that column can show)
TEXT_COLUMNS = [
    ("2", "[2 Split]", "Problems", "SELECT name FROM areas"),
    ("3", "[3 Handoffs]", "Summary", "SELECT summary FROM handoffs"),
    ("4", "[4 SLA]", "Title", "SELECT title FROM tickets"),
    ("5", "[5 Knowledge]", "Topic", "SELECT topic FROM kt_items"),
    ("6", "[6 Tickets]", "Title", "SELECT title FROM tickets"),
]


def test_at_80x24_each_list_shows_30_characters_of_the_selected_rows_text(tmux: Tmux, ui_db: Path, tmp_path: Path) -> None:
    """Issue #15 item 4: the first row (where the cursor starts) shows >= 30 characters of its text."""
    from comanage_tui.data.store import Store

    with Store(ui_db, create=False, read_only=True) as store:
        texts = {sql: [r[0] for r in store.query(sql)] for *_rest, sql in TEXT_COLUMNS}
    start(tmux, ui_db, tmp_path, size=(80, 24))
    tmux.wait_for("[1 Overview]", "Attention today:", timeout=30)
    for key, nav, header, sql in TEXT_COLUMNS:
        tmux.run("send-keys", "-t", "ui", key)
        shown = tmux.wait_for(nav, header)
        lines = shown.splitlines()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = tmux.capture().splitlines()
            row = next((i for i, line in enumerate(lines) if header in line), None)
            if row is not None and row + 1 < len(lines) and lines[row + 1].strip():
                break
            time.sleep(0.1)
        first = lines[row + 1]
        hits = [t for t in texts[sql] if t[:30] in first]
        assert hits, f"{nav}: no text of 30+ characters (or whole) in the first row:\n{first}"
        assert all(len(t) >= 30 or t in first for t in hits)
    tmux.run("send-keys", "-t", "ui", "q")
