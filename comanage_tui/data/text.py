"""Make user text inert for any output: terminal, Markdown, CSV, HTML all start from `clean()`.

Ticket titles, names and notes come from PSAs anyone can type into; a title must never
be able to clear a screen, set the clipboard (OSC 52) or reverse a line (bidi override).
"""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, C1 controls, and the bidi overrides/isolates that can
# make a line read differently from what it contains.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN = 2_000


def clean(value: object, *, single_line: bool = True, limit: int = MAX_SHOWN) -> str:
    """A printable version of `value`: control characters become U+FFFD, long text is cut."""
    s = "" if value is None else str(value)
    if single_line:
        s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    s = UNSAFE.sub("\ufffd", s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s
