"""Hypothesis strategies for hostile text: markup, control sequences, bidi tricks, formulas, huge strings."""

from __future__ import annotations

import random
import re
import string

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

# --- the same kind of strings without hypothesis -----------------------------------------
# A Textual form costs tens of milliseconds a string, and hypothesis would start an app
# session per example (and shrink under it for minutes): form tests draw their strings from
# this seeded generator instead, which mirrors `any_hostile` over the same FRAGMENTS.

_POOLS: list[str] = [
    string.ascii_letters + string.digits + string.punctuation + " " * 8,
    "".join(map(chr, range(0x20))) + "\x7f",  # C0 (NUL, BEL, BS, TAB, LF, CR, ESC, FS…US) and DEL
    "".join(map(chr, range(0x80, 0xA0))),  # C1 (NEL, CSI, OSC, ST, …)
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",  # bidi controls and marks
    "\u2028\u2029\x85\xa0\u1680\u2000\u200a\u202f\u3000\ufeff\u200b\u200d\u00ad",  # separators, spaces, zero-width
    "éÜßøÅ漢字かなﾊﾝｶｸ한글🚀👍🏽👨\u200d👩\u200d👧\u0301\u0308\u20dd\ufffd",  # wide, combining, emoji, U+FFFD itself
]


def _any_char(rng: random.Random) -> str:
    """Any code point that is not a surrogate (as `st.text()` draws)."""
    while True:
        c = rng.randrange(0x110000)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def _piece(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(FRAGMENTS)
    chars = []
    for _ in range(rng.randint(0, 12)):
        pool = rng.randrange(len(_POOLS) + 1)
        chars.append(_any_char(rng) if pool == len(_POOLS) else rng.choice(_POOLS[pool]))
    return "".join(chars)


def hostile_strings(seed: int, count: int, *, huge_every: int = 25) -> list[str]:
    """`count` hostile strings, the same for the same seed: 1-10 pieces (a FRAGMENT or up to
    12 characters from the pools above), or one time in `huge_every` a fragment repeated
    500-3,000 times (up to ~100,000 characters)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if huge_every and rng.randrange(huge_every) == 0:
            out.append(rng.choice(FRAGMENTS) * rng.randint(500, 3_000))
        else:
            out.append("".join(_piece(rng) for _ in range(rng.randint(1, 10))))
    return out
