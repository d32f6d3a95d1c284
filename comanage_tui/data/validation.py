"""The one validator: a pydantic model and some data in; the model, or errors in words a person can act on.

Every boundary goes through here — the repositories, `org load`, `sla load`, the import
mapping, `snapshot --since` and the dashboard's forms — so a refusal reads the same
wherever it is made and never shows pydantic's type names, patterns or prefixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from comanage_tui.data.errors import InvalidInput

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["PATTERN_WORDS", "field_errors", "in_words", "validate"]

# pydantic's constraint patterns in words a person can act on (models.Key is the one in use).
PATTERN_WORDS = {
    r"^[a-z0-9][a-z0-9_-]*$": "lowercase letters, digits, - and _ only (start with a letter or digit)",
}

_WORDS = {"greater_than": "must be greater than {gt}", "greater_than_equal": "must be {ge} or more",
          "less_than": "must be less than {lt}", "less_than_equal": "must be {le} or less",
          "too_long": "at most {max_length} items", "enum": "must be {expected}",
          "literal_error": "must be {expected}", "extra_forbidden": "not a field this entry has",
          "int_parsing": "must be a whole number", "float_parsing": "must be a number, e.g. 1.5",
          "date_from_datetime_parsing": "use a date like 2026-12-31", "date_parsing": "use a date like 2026-12-31"}


def in_words(error: Mapping[str, Any]) -> str:
    """One pydantic error in plain words: never its type names, patterns or 'Value error, ' prefix."""
    kind = error.get("type")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "required"
    if kind == "string_pattern_mismatch":
        return PATTERN_WORDS.get(str(ctx.get("pattern")), "has characters that are not allowed here")
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind in _WORDS:
        try:
            return _WORDS[str(kind)].format(**ctx)
        except (KeyError, IndexError):
            pass
    msg = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg


def _location(error: Mapping[str, Any]) -> str:
    return ".".join(str(p) for p in error.get("loc", ())) or "input"


def validate(model: type[BaseModel], data: Mapping[str, Any] | BaseModel, where: str = "", *, sep: str = ".") -> Any:
    """The model instance, or InvalidInput naming the first bad field (as `where` + sep + field).

    `where` says which entry of a file is meant (`policy[2] "Internal P1"`, `mapping.toml`);
    `sep` joins it to the field's path.
    """
    from pydantic import BaseModel, ValidationError

    if isinstance(data, model):
        return data
    try:
        raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{where}{sep}{_location(first)}" if where else _location(first), in_words(first)) from None


def field_errors(model: type[BaseModel], data: Mapping[str, Any], fields: set[str]) -> tuple[Any, dict[str, str]]:
    """Validate for a form: (instance or None, the first message per field name).

    Errors of a field the form does not show are kept under "" with their path, so the form
    can still say what is wrong (e.g. a rule across fields).
    """
    from pydantic import ValidationError

    try:
        return model.model_validate(dict(data)), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            loc = err.get("loc") or ("",)
            key = str(loc[0]) if str(loc[0]) in fields else ""
            errors.setdefault(key, in_words(err) if key else f"{_location(err)}: {in_words(err)}")
        return None, errors
