"""Inline SVG charts for the HTML snapshot: compliance trend, workload by party, KT progress.

Plain SVG with fixed-precision coordinates (so the bytes are deterministic), readable
without colour (every bar carries its number) and with a <title> for screen readers.
"""

from __future__ import annotations

import datetime as dt
import html

from comanage_tui.data.snapshot.build import clean
from comanage_tui.data.snapshot.model import Snapshot

FONT = 'font-family="DejaVu Sans, Segoe UI, Arial, sans-serif"'
PARTY_COLOURS = ("#2f6db5", "#c4661f", "#3c8d5a", "#8a4fb0", "#b0455a", "#5f6b7a")
KT_COLOURS = {"planned": "#9aa5b1", "in_progress": "#e0a030", "done": "#4a86c8", "verified": "#3c8d5a"}


def _t(value: object) -> str:
    return html.escape(clean(value), quote=True)


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{_t(label)}" {FONT} font-size="11"><title>{_t(label)}</title>' + "".join(body) + "</svg>")


def trend_chart(s: Snapshot) -> str:
    """Weekly resolution compliance as bars (0-100 %), with a line through the bar tops."""
    width, height, left, right, top, bottom = 720, 230, 42, 10, 18, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = s.trend or []
    slot = plot_w / max(len(weeks), 1)
    body = []
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#d5dbe3" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6675">{pct}%</text>')
    points, labels = [], []
    for i, w in enumerate(weeks):
        x = left + i * slot + slot * 0.15
        bw = slot * 0.7
        cx = x + bw / 2
        day = dt.date.fromisoformat(w.week_start[:10]).strftime("%d %b")
        body.append(f'<text x="{cx:.1f}" y="{top + plot_h + 15:.1f}" text-anchor="middle" fill="#1d2733">{day}</text>')
        body.append(f'<text x="{cx:.1f}" y="{top + plot_h + 29:.1f}" text-anchor="middle" fill="#5b6675">n={w.closed_clocks}</text>')
        if w.percent is None:
            body.append(f'<rect class="bar empty" x="{x:.1f}" y="{top:.1f}" width="{bw:.1f}" height="{plot_h:.1f}" fill="none" '
                        f'stroke="#c3cad3" stroke-dasharray="3 3"><title>week of {day}: no clock closed</title></rect>')
            continue
        bh = plot_h * w.percent / 100
        y = top + plot_h - bh
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="#2f6db5" '
                    f'fill-opacity="0.8"><title>week of {day}: {w.percent:.1f}% of {w.closed_clocks} clocks met</title></rect>')
        labels.append(f'<text x="{cx:.1f}" y="{y - 5:.1f}" text-anchor="middle" fill="#1d2733" font-weight="bold" '
                      f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{w.percent:.0f}</text>')
        points.append((cx, y))
    if len(points) > 1:
        d = "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points)
        body.append(f'<path class="trend" d="{d}" fill="none" stroke="#c4661f" stroke-width="2"/>')
    body += labels  # drawn last, with a white halo, so the line never hides a number
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#1d2733"/>')
    return _svg(width, height, "Resolution SLA compliance per week", body)


def workload_chart(s: Snapshot) -> str:
    """One horizontal bar per party: business hours held; the label adds open tickets."""
    rows = s.workload
    width, row_h, left, label_w = 720, 30, 170, 170
    height = max(len(rows), 1) * row_h + 16
    top = max((w.business_hours_held for w in rows), default=0) or 1
    body = []
    for i, w in enumerate(rows):
        y = 8 + i * row_h
        bw = (width - left - label_w) * w.business_hours_held / top
        colour = PARTY_COLOURS[i % len(PARTY_COLOURS)]
        body.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" fill="#1d2733">{_t(w.name)}</text>')
        body.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{bw:.1f}" height="{row_h - 10}" fill="{colour}">'
                    f"<title>{_t(w.name)}: {w.business_hours_held:.1f} business hours held</title></rect>")
        body.append(f'<text x="{left + bw + 6:.1f}" y="{y + 16}" fill="#1d2733">{w.business_hours_held:.1f} h held, '
                    f"{w.open_tickets} open</text>")
    if not rows:
        body.append('<text x="10" y="20" fill="#5b6675">No party in scope.</text>')
    return _svg(width, height, "Workload split by party (business hours held)", body)


def kt_chart(s: Snapshot) -> str:
    """One stacked bar of knowledge-transfer items by status, with a legend carrying the counts."""
    counts = s.knowledge.by_status
    total = sum(counts.values())
    width, height, left, bar_w = 720, 74, 10, 700
    body = []
    x = float(left)
    for status, n in counts.items():
        if not n:
            continue
        w = bar_w * n / total
        body.append(f'<rect class="bar" x="{x:.1f}" y="8" width="{w:.1f}" height="26" fill="{KT_COLOURS.get(status, "#777")}">'
                    f"<title>{status.replace('_', ' ')}: {n}</title></rect>")
        if w > 24:
            body.append(f'<text x="{x + w / 2:.1f}" y="25" text-anchor="middle" fill="#ffffff" font-weight="bold">{n}</text>')
        x += w
    if not total:
        body.append('<text x="10" y="25" fill="#5b6675">No knowledge-transfer items.</text>')
    lx = float(left)
    for status, n in counts.items():
        body.append(f'<rect x="{lx:.1f}" y="48" width="12" height="12" fill="{KT_COLOURS.get(status, "#777")}"/>')
        text = f"{status.replace('_', ' ')}: {n}"
        body.append(f'<text x="{lx + 16:.1f}" y="58" fill="#1d2733">{text}</text>')
        lx += 30 + 7 * len(text)
    done = counts.get("done", 0) + counts.get("verified", 0)
    body.append(f'<text x="{width - 10}" y="58" text-anchor="end" fill="#5b6675">{done} of {total} done or verified</text>')
    return _svg(width, height, "Knowledge-transfer progress by status", body)
