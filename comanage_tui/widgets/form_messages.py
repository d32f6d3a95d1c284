"""pydantic's validation errors in words a person can act on (the form shows them under the field)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PATTERN_WORDS", "message"]

# pydantic's constraint patterns in words a person can act on (models.Key is the one in use).
PATTERN_WORDS = {
    r"^[a-z0-9][a-z0-9_-]*$": "lowercase letters, digits, - and _ only (start with a letter or digit)",
}


def message(error: Mapping[str, Any]) -> str:
    """pydantic's error in plain words: never its type names, patterns or 'Value error, ' prefix."""
    kind = error.get("type")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "required"
    if kind == "string_pattern_mismatch":
        return PATTERN_WORDS.get(str(ctx.get("pattern")), "has characters that are not allowed here")
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    words = {"greater_than": "must be greater than {gt}", "greater_than_equal": "must be {ge} or more",
             "less_than": "must be less than {lt}", "less_than_equal": "must be {le} or less",
             "too_long": "at most {max_length} items", "enum": "choose one of the offered values",
             "int_parsing": "must be a whole number", "float_parsing": "must be a number, e.g. 1.5",
             "date_from_datetime_parsing": "use a date like 2026-12-31", "date_parsing": "use a date like 2026-12-31"}
    if kind in words:
        try:
            return words[str(kind)].format(**ctx)
        except (KeyError, IndexError):
            pass
    msg = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg
