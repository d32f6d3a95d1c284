"""The scorecard view in a real terminal: the installed `comanage` in tmux at 80x24, --now pinned."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.ui.test_tmux import Tmux, start
from tests.ui.test_tmux import tmux as tmux  # a fixture: imported to be requested by name

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


def test_the_scorecard_at_80x24(tmux: Tmux, ui_db: Path, tmp_path: Path) -> None:
    start(tmux, ui_db, tmp_path, size=(80, 24))
    tmux.wait_for("[1 Overview]", "Attention today:", timeout=30)
    tmux.run("send-keys", "-t", "ui", "2")
    tmux.wait_for("[2 Split]", "Split:")
    tmux.run("send-keys", "-t", "ui", "Right", "p")  # the cursor starts on the first party's column; → is the MSP's
    shown = tmux.wait_for("Party scorecard", "[msp]", "Brightline MSP (msp), partner", "SLA verdicts.", "OLA compliance.")
    lines = shown.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines), shown
    assert "Window: 2026-10-24 10:30 to 2026-11-23 09:30 (Europe/Berlin)" in shown
    assert "Missed (breach theirs)" in shown and "esc Back" in shown
    tmux.run("send-keys", "-t", "ui", "Right")
    tmux.wait_for("[secops]", "Sentinel Security (secops), partner")
    tmux.run("send-keys", "-t", "ui", "End")
    tmux.wait_for("tickets opened in the window.")
    tmux.run("send-keys", "-t", "ui", "Escape")
    tmux.wait_for("[2 Split]", "Split:")
    tmux.run("send-keys", "-t", "ui", "q")
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "q did not quit"
