"""The review as Markdown for a mail or a chat: every line within 80 columns.

Tables are aligned pipe tables (readable as plain text); paragraphs are wrapped at 80.
Every cell passes through snapshot.render.md (escaped for Markdown and HTML).
"""

from __future__ import annotations

import textwrap

from comanage_tui.data.readmodel.review.model import Review
from comanage_tui.data.review.sections import sections
from comanage_tui.data.snapshot.render import md, table

WIDTH = 80


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False) or [""]


def render_markdown(r: Review) -> str:
    p, q = r.period, r.previous
    lines = [f"# Review {md(p.label)}", ""]
    lines += _wrap(f"{p.first_day} to {p.last_day}, compared with {q.label} ({q.first_day} to {q.last_day}). "
                   f"Times in {r.timezone}. Arrows: ↑ up, ↓ down, → unchanged; better or worse where one "
                   "direction is good for the figure.")
    for sec in sections(r):
        lines += ["", f"## {sec.title}", ""]
        for para in sec.lead:
            lines += [*_wrap(md(para)), ""]
        for t in sec.tables:
            # Labels and headers may carry user text (keys, names): escaped. Values and changes are ours.
            lines += [*table([md(h) for h in t.headers],
                             [[md(c) if i not in t.numeric and i != len(row) - 1 else c for i, c in enumerate(row)]
                              for row in t.rows], right=t.numeric), ""]
        for para in sec.text:
            lines += [*_wrap(f"*{md(para)}*"), ""]
        while lines and lines[-1] == "":
            lines.pop()
    lines += ["", "## Notes", ""]
    for note in r.notes:
        lines += textwrap.wrap(f"- {md(note)}", WIDTH, subsequent_indent="  ", break_on_hyphens=False)
    return "\n".join(lines).rstrip("\n") + "\n"
