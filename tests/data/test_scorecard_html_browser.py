"""A party's scorecard page (`comanage scorecard --format html`) opened in a real headless Chromium, screen and print.

Chromium is found or installed as in test_snapshot_html_browser.py. COMANAGE_SCORECARD_PNG=/tmp/s.png keeps the
screenshot for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from comanage_tui.data.readmodel.scorecard import default_window
from comanage_tui.data.snapshot.scorecard_doc import build_scorecard, render_html
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW
from tests.data.test_snapshot import snap_db, snap_template  # noqa: F401 - fixtures
from tests.data.test_snapshot_html_browser import _browser, _png_size, chromium  # noqa: F401 - fixture


def test_the_scorecard_page_renders_its_tables_in_chromium(chromium: str, snap_db: Path, tmp_path: Path) -> None:
    with Store(snap_db, read_only=True) as store:
        card = build_scorecard(store, "msp", *default_window(FIXED_NOW))
    page = tmp_path / "scorecard.html"
    page.write_text(render_html(card), encoding="utf-8")

    shot = tmp_path / "scorecard.png"
    done = _browser(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1240,1754", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert _png_size(data) == (1240, 1754)
    assert len(data) > 40_000  # a blank or error page compresses to a few kB
    keep = os.environ.get("COMANAGE_SCORECARD_PNG")
    if keep:
        shutil.copy(shot, keep)

    pdf = tmp_path / "scorecard.pdf"
    printed = _browser(chromium, tmp_path / "profile-pdf", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-", printed.stderr[-2000:]

    dom = _browser(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # One table per part that has rows: SLA verdicts, OLA by priority, held time, KT owed, areas.
    assert html.count("<table") == 2 + bool(card.held) + bool(card.knowledge.owed) + bool(card.areas) == 5
    assert "Party scorecard: Brightline MSP (msp)" in html
    resp = card.sla[0]
    assert re.search(rf"<td>response</td><td class=\"n\">{resp.met}</td><td class=\"n\">{resp.missed}</td>", html)
    assert f"{card.ola.met} hops met, {card.ola.missed} missed" in html
    assert card.knowledge.owed[0].topic in html and "How these figures are counted" in html
    # Self-contained: nothing to fetch, nothing to run.
    assert not re.search(r"<(script|link|img|iframe)\b", html) and " src=" not in html
