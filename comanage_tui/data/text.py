"""Make user text inert for any output: terminal, Markdown, CSV, HTML all start from `clean()`.

Ticket titles, names and notes come from PSAs anyone can type into; a title must never
be able to clear a screen, set the clipboard (OSC 52) or reverse a line (bidi override).
Text typed or pasted into the dashboard's forms goes through `clean_input()` first: a form
field never holds a character a terminal would act on, so it can show what it holds.
"""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, C1 controls, and the bidi overrides/isolates that can
# make a line read differently from what it contains.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN = 2_000
# Every line break str.splitlines() knows; Textual's TextArea and Input split pastes on these.
LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Lone surrogates cannot be encoded for a terminal or for SQLite: writing one raises.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(value: object, *, single_line: bool = True, limit: int = MAX_SHOWN) -> str:
    """A printable version of `value`: control characters become U+FFFD, long text is cut."""
    s = "" if value is None else str(value)
    if single_line:
        s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    s = UNSAFE.sub("\ufffd", s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def clean_input(value: str, *, single_line: bool) -> str:
    """What a form field keeps of typed or pasted text, and so what a save writes.

    Every kind of line break (`LINE_BREAK`) becomes "\\n", or a space in a one-line field,
    where a tab becomes a space too; every other `UNSAFE` character, and a lone surrogate,
    becomes U+FFFD. Nothing is cut or trimmed here: the input models trim surrounding
    whitespace and refuse a value that is too long, with a reason. Applying it twice changes
    nothing, so a stored value shown this way and saved untouched compares equal.
    """
    s = LINE_BREAK.sub(" " if single_line else "\n", value)
    if single_line:
        s = s.replace("\t", " ")
    return _SURROGATE.sub("\ufffd", UNSAFE.sub("\ufffd", s))
