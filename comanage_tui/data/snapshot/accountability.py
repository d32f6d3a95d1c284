"""The snapshot's accountability section, in Markdown and HTML: time held per party and priority.

Kept apart from render.py and html_page.py so each format's module stays small; both call in here.
"""

from __future__ import annotations

import html

from comanage_tui.data.readmodel.figures import hm
from comanage_tui.data.snapshot.build import clean
from comanage_tui.data.snapshot.model import HeldTime, Snapshot

HEADERS = ["Party", "Priority", "Tickets", "Median", "90th percentile", "Total"]
NUMERIC = (2, 3, 4, 5)


def _rows(t: HeldTime, text) -> list[list[str]]:  # text: the format's escaping of user text
    return [[text(r.party), text(r.priority), str(r.tickets), hm(r.median_minutes), hm(r.p90_minutes), hm(r.total_minutes)]
            for r in t.rows]


def held_markdown(s: Snapshot, md, table) -> list[str]:  # render.md, render.table (render imports this module)
    t = s.held_time
    if t is None:
        return []
    out = [f"## Time held by party, last {t.window_days} days", "", f"Rule: {md(t.rule)}", ""]
    if not t.rows:
        return out + ["No ticket's resolution clock stopped in the window.", ""]
    return out + [*table(HEADERS, _rows(t, md), right=list(NUMERIC)), ""]


def held_html(s: Snapshot, table) -> str:  # html_page._table
    t = s.held_time
    if t is None:
        return ""
    body = (table(HEADERS, _rows(t, _h), set(NUMERIC)) if t.rows
            else "<p>No ticket's resolution clock stopped in the window.</p>")
    return (f"<section><h2>Time held by party, last {t.window_days} days</h2>"
            f'<p class="muted">{_h(t.rule)} Business time, hours and minutes.</p>{body}</section>')


def _h(value: object) -> str:
    return html.escape(clean(value), quote=True)
