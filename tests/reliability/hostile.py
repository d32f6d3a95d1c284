"""Hypothesis strategies for hostile text: markup, control sequences, bidi tricks, formulas, huge strings."""

from __future__ import annotations

import re

from hypothesis import strategies as st

FRAGMENTS = [
    "[red]", "[/oops]", "[/]", "[bold red on blue]", "[link=file:///etc/passwd]x[/link]", "[a[0]]", "[", "]", "[[", "\\[",
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: write the clipboard
    "\x1b]8;;file:///etc/passwd\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b]0;pwned\x07",  # set the window title
    "\x9b6666m", "\x9d0;c1\x9c",  # C1 CSI and OSC
    "\u202e", "\u2066", "\u200f",  # bidi override, isolate, RLM
    "\x00", "\x07", "\x08", "\r", "\n", "\t", "\x7f",
    "=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",  # spreadsheet formulas
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&amp;", "\"'", "|", "*", "_", "`", "#", "> ",
    "Ünïcödé ✓ 漢字 🚀",
]
# What must never survive into a terminal, CSV cell start, or HTML: raw control and bidi characters.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

hostile_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), min_size=1, max_size=10).map("".join)
huge_text = st.builds(lambda frag, n: frag * n, st.sampled_from(FRAGMENTS), st.integers(500, 3_000))
any_hostile = st.one_of(hostile_text, hostile_text, hostile_text, huge_text)
