"""The HTML review opened in a real headless Chromium: its charts and tables render, offline, and it prints to PDF."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from comanage_tui.data.readmodel.review.build import build_review
from comanage_tui.data.readmodel.review.period import parse_period
from comanage_tui.data.review.html_page import render_html
from tests.data.review_fixture import NOW, build
from tests.data.test_snapshot_html_browser import _browser, _png_size, chromium  # noqa: F401 - fixture


def test_review_page_renders_in_chromium(chromium: str, tmp_path: Path) -> None:
    s = build(tmp_path / "r.db")
    try:
        r = build_review(s, parse_period(now=NOW))
    finally:
        s.close()
    page = tmp_path / "review.html"
    page.write_text(render_html(r), encoding="utf-8")
    shot = tmp_path / "review.png"
    done = _browser(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1240,1754", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert _png_size(data) == (1240, 1754) and len(data) > 50_000  # a blank or error page is a few kB
    keep = os.environ.get("COMANAGE_REVIEW_PNG")
    if keep:  # for a person to look at: COMANAGE_REVIEW_PNG=/tmp/r.png pytest …
        shutil.copy(shot, keep)

    dom = _browser(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4  # opened and resolved per priority, backlog aging, compliance per party
    # Each chart draws two bars (this period, the previous one) per row: P1 and P3 opened.
    assert len(re.findall(r"<rect x=\"\d+\" y=\"\d+\" width=\"[\d.]+\" height=\"11\"", svgs[0])) == 4
    assert "This quarter (2026Q3) the partners resolved 2 tickets" in html
    assert html.count("<table") >= 15 and '<td class="chg-worse">↑ +2 worse<' in html and 'class="chg-better"' in html
    assert not re.search(r"<(script|link|img|iframe)\b", html) and " src=" not in html

    pdf = tmp_path / "review.pdf"
    printed = _browser(chromium, tmp_path / "profile-pdf", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.exists(), printed.stderr[-2000:]
    body = pdf.read_bytes()
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", body))
    assert body.startswith(b"%PDF") and boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)
    # A4 in points on every page
