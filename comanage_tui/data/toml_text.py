"""Every TOML file comanage writes (`sla show`, `org show`): tomli_w's output, safe to print.

tomli_w writes valid TOML and escapes C0 controls and DEL, but leaves the C1 controls, the
bidi overrides and isolates and the line/paragraph separators as they are: printed by `sla
show` to a terminal they can act on it or show a line reordered. They can only appear inside
tomli_w's basic strings (keys and values; it writes no literal strings), where a `\\uXXXX`
escape means the same character, so they are escaped after the fact and the file still reads
back to the same data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import tomli_w

_HAZARD = re.compile(r"[\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(text: str) -> str:
    return _HAZARD.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(doc: Mapping[str, Any], *, header: str = "") -> str:
    """`doc` as TOML, preceded by `header` (comment lines comanage writes, never user text)."""
    return header + _escaped(tomli_w.dumps(doc))


def string(value: str) -> str:
    """One TOML basic string, as `dumps` writes it (for building TOML text in tests and examples)."""
    line = dumps({"v": value})
    return line[len("v = "):].rstrip("\n")
