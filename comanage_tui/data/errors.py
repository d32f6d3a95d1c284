"""Domain errors: each says what went wrong in one line a person can act on."""

from __future__ import annotations


class ComanageError(Exception):
    """Base class for every error comanage reports to a user instead of a traceback."""


class InvalidInput(ComanageError):
    """A value failed validation; `field` names it."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotFound(ComanageError):
    """A record that was asked for does not exist."""


class Conflict(ComanageError):
    """The record changed underneath an edit (another session saved first)."""

    def __init__(self, entity: str, entity_id: object, expected: object, actual: object, *, what: str | None = None):
        self.entity, self.entity_id, self.expected, self.actual = entity, entity_id, expected, actual
        what = what or f"version {actual}, you edited {expected}"
        super().__init__(f"{entity} {entity_id} was changed by someone else ({what}); reload or overwrite")


class DatabaseProblem(ComanageError):
    """The database file cannot be used as it is (corrupt, too new, locked, read-only…)."""
