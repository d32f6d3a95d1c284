"""The HTML snapshot opened in a real headless Chromium: it renders its charts and tables, offline.

Chromium comes from Debian's `chromium` package. Where it is missing the test installs it
with apt-get when running as root (as CI does); anywhere else it skips and says why.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
from comanage_tui.data.snapshot.html_page import render_html
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW
from tests.data.test_snapshot import snap_db, snap_template  # noqa: F401 - fixtures

DAY = 86_400
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _find() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = _find()
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("Chromium is not installed and this is not root with apt-get: install Debian's 'chromium' package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            pytest.skip(f"could not install Chromium ({' '.join(cmd)}): {done.stderr.strip()[-300:]}")
    found = _find()
    if not found:
        pytest.skip("apt-get installed 'chromium' but no chromium binary is on PATH")
    return found


def _browser(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    # The page is static (its moment is the snapshot's --as-of); the browser itself runs on the real
    # clock: under the suite's faketime runs (.ci/run) Chromium's own timers hang with a shifted clock.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, env=env)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_snapshot_page_renders_charts_and_tables_in_chromium(chromium: str, snap_db: Path, tmp_path: Path) -> None:
    with Store(snap_db, read_only=True) as store:
        # Three days back the demo has breached clocks too, so every part of the page has content.
        snap = build_snapshot(store, SnapshotOptions(as_of=FIXED_NOW - 3 * DAY))
    page = tmp_path / "snapshot.html"
    page.write_text(render_html(snap), encoding="utf-8")
    shot = tmp_path / "snapshot.png"

    done = _browser(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1240,1754", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert _png_size(data) == (1240, 1754)
    assert len(data) > 50_000  # a blank or error page compresses to a few kB
    keep = os.environ.get("COMANAGE_SNAPSHOT_PNG")
    if keep:  # for a person to look at: COMANAGE_SNAPSHOT_PNG=/tmp/s.png pytest …
        shutil.copy(shot, keep)

    dom = _browser(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 3  # compliance trend, workload split, KT progress
    trend, workload, kt = svgs
    assert len(re.findall(r'<rect class="bar"', trend)) == len(snap.trend) - sum(w.percent is None for w in snap.trend)
    assert re.search(r'<path class="trend" d="M[\d. L]+"', trend)
    assert len(re.findall(r'<rect class="bar"', workload)) == len(snap.workload) == 3
    assert len(re.findall(r'<rect class="bar"', kt)) == sum(1 for n in snap.knowledge.by_status.values() if n)
    assert html.count("<table") >= 9 and "Breached and at-risk clocks" in html
    assert snap.clocks[0].ticket_ref in html and "breached" in html
    # Self-contained: nothing for the browser to fetch, nothing to run.
    assert not re.search(r"<(script|link|img|iframe)\b", html) and " src=" not in html
