"""The review as one self-contained HTML page: inline CSS (A4 print), inline SVG charts, no script.

The same sections as the Markdown (review.sections), the snapshot's stylesheet and escaping
(snapshot.html_page), and three charts: opened and resolved per priority, backlog aging,
and compliance per party, each this period beside the previous one.
"""

from __future__ import annotations

from comanage_tui.data.readmodel.review.model import Fig, KeyFig, Review
from comanage_tui.data.review.sections import Table, sections
from comanage_tui.data.snapshot.html_page import CSS, h
from comanage_tui.data.snapshot.svg_charts import _svg, _t

THIS, PREV = "#2f6db5", "#9aa5b1"
EXTRA_CSS = """
.chg-better { color: var(--ok); font-weight: 600; } .chg-worse { color: var(--bad); font-weight: 600; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.summary { font-size: 14px; border: 1px solid var(--line); background: var(--band); padding: 10px 12px; border-radius: 6px; }
@media print { .charts { grid-template-columns: 1fr 1fr; } section { break-inside: avoid-page; } }
"""


def _cell(text: str, i: int, t: Table) -> str:
    cls = []
    if i in t.numeric:
        cls.append("n")
    if i == len(t.headers) - 1 and t.headers[-1] == "Change":
        cls.append("chg-better" if text.endswith("better") else "chg-worse" if text.endswith("worse") else "")
    c = " ".join(x for x in cls if x)
    return f'<td class="{c}">{h(text)}</td>' if c else f"<td>{h(text)}</td>"


def _table(t: Table) -> str:
    head = "".join(f'<th class="n">{h(x)}</th>' if i in t.numeric else f"<th>{h(x)}</th>" for i, x in enumerate(t.headers))
    body = "".join("<tr>" + "".join(_cell(c, i, t) for i, c in enumerate(row)) + "</tr>" for row in t.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pairs_chart(title: str, rows: list[tuple[str, float | None, float | None]], r: Review, unit: str = "") -> str:
    """Grouped horizontal bars: this period (blue) over the previous one (grey), each with its number."""
    width, left, bar, gap = 340, 92, 11, 8
    height = 30 + len(rows) * (2 * bar + gap) + 8
    top = max([v for _k, a, b in rows for v in (a, b) if v is not None] or [1]) or 1
    scale = 100 if unit == "%" else top
    body = [f'<rect x="{left}" y="4" width="10" height="10" fill="{THIS}"/><text x="{left + 14}" y="13" fill="#1d2733">'
            f'{_t(r.period.label)}</text><rect x="{left + 90}" y="4" width="10" height="10" fill="{PREV}"/>'
            f'<text x="{left + 104}" y="13" fill="#1d2733">{_t(r.previous.label)}</text>']
    y = 26
    for key, cur, prev in rows:
        body.append(f'<text x="{left - 6}" y="{y + bar + 4}" text-anchor="end" fill="#1d2733">{_t(key[:14])}</text>')
        for value, colour, label in ((cur, THIS, r.period.label), (prev, PREV, r.previous.label)):
            w = 0.0 if value is None else (width - left - 60) * value / scale
            shown = "n/a" if value is None else f"{value:.0f}{unit}" if unit != "%" else f"{value:.1f}%"
            body.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                        f'<title>{_t(key)}, {_t(label)}: {shown}</title></rect>')
            body.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 2}" fill="#1d2733">{shown}</text>')
            y += bar
        y += gap
    return _svg(width, height, title, body)


def _kf(rows: list[KeyFig]) -> list[tuple[str, float | None, float | None]]:
    return [(x.key, x.fig.current, x.fig.previous) for x in rows]


def _f(name: str, f: Fig) -> tuple[str, float | None, float | None]:
    return (name, f.current, f.previous)


def charts(r: Review) -> str:
    res = next(c for c in r.sla.clocks if c.clock == "resolution")
    figs = [
        (_pairs_chart("Opened tickets per priority", _kf(r.opened.by_priority), r), "Opened per priority"),
        (_pairs_chart("Resolved tickets per priority", _kf(r.resolved.by_priority), r), "Resolved per priority"),
        (_pairs_chart("Backlog at the period's end by age in days", _kf(r.backlog.buckets), r), "Backlog by age (days)"),
        (_pairs_chart("Resolution SLA compliance per party", [_f("all", res.overall), *_kf(res.by_party)], r, "%"),
         "Resolution compliance per party"),
    ]
    return '<div class="charts">' + "".join(f"<figure>{svg}<figcaption>{h(cap)}</figcaption></figure>"
                                             for svg, cap in figs) + "</div>"


def render_html(r: Review) -> str:
    p, q = r.period, r.previous
    title = f"Co-managed IT review {p.label}"
    parts = []
    for sec in sections(r):
        body = "".join(f'<p class="{"summary" if sec.key == "summary" else ""}">{h(x)}</p>' for x in sec.lead)
        if sec.key == "volume":
            body += charts(r)
        body += "".join(_table(t) for t in sec.tables)
        body += "".join(f'<p class="rule">{h(x)}</p>' for x in sec.text)
        parts.append(f'<section id="{sec.key}"><h2>{h(sec.title)}</h2>{body}</section>')
    notes = "".join(f"<li>{h(x)}</li>" for x in r.notes)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{h(title)}</title>", f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<header><h1>{h(title)}</h1><p class=\"sub\"><b>{h(p.first_day)}</b> to <b>{h(p.last_day)}</b>, compared with "
        f"{h(q.label)} ({h(q.first_day)} to {h(q.last_day)}). Times in {h(r.timezone)}. Arrows: ↑ up, ↓ down, "
        "→ unchanged; better or worse where one direction is good for the figure.</p></header>",
        *parts,
        f"<footer><h3>About this review</h3><ul>{notes}</ul><p>Schema version {r.schema_version}.</p></footer>",
        "</body></html>", "",
    ])
