"""What a PagedTable shows and where it gets it: columns, rows, sort, the PageSource protocol
and the request/response a load worker carries.

`ListSource` is the in-memory PageSource (computed clocks, the attention list); the tickets
screen has an SQL one. Sources are called from worker threads only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from textual.message import Message


@dataclass(frozen=True, slots=True)
class Column:
    """One column: `key` is what the source sorts by; one column may `flex` to fill the width."""

    key: str
    label: str
    width: int
    flex: bool = False
    sortable: bool = True
    right: bool = False
    optional: bool = False
    """Shown only when the table shows every column (`w`): at 80 columns the text column comes first."""
    group: int = 0
    """Optional columns of one group show together; when all the groups would squeeze the text
    column below MIN_TEXT cells, `w` shows one group at a time."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row: a stable key and already-cleaned cell strings, with an optional tone per cell."""

    key: Hashable
    cells: tuple[str, ...]
    tones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sort:
    column: str
    descending: bool = False


class PageSource(Protocol):
    """What a PagedTable reads from. Both methods run in a worker thread, never on the UI thread."""

    def count(self, query: Any) -> int: ...

    def fetch(self, offset: int, limit: int, sort: Sort, query: Any) -> list[Row]: ...


@dataclass
class PagesLoaded(Message):
    """Internal: pages (and maybe the count) arrived for one generation of the table's contents."""

    generation: int
    pages: dict[int, list[Row]]
    total: int | None
    replace: bool
    done: bool


@dataclass
class PageRequest:
    """What one load worker fetches (a newer request replaces an older one)."""

    generation: int
    pages: list[int]
    count: bool
    replace: bool
    fresh: bool
    """A new query or sort: paint the first page before counting."""
    payload: tuple = field(default=())

    def covers(self, other: PageRequest) -> bool:
        """True when this request already fetches everything `other` asks for."""
        return (self.generation == other.generation and self.replace == other.replace
                and set(other.pages) <= set(self.pages) and (self.count or not other.count))


class ListSource:
    """A PageSource over items already in memory (computed clocks, the attention list).

    Args:
        items: the records.
        to_row: turns one record into a Row (called only for the rows fetched).
        sort_keys: column key -> sort key of a record; columns without one keep the given order.
        match: (record, query) -> bool; None shows everything.
    """

    def __init__(self, items: Sequence[Any], to_row: Callable[[Any], Row],
                 sort_keys: dict[str, Callable[[Any], Any]] | None = None,
                 match: Callable[[Any, Any], bool] | None = None):
        self.items = list(items)
        self.to_row = to_row
        self.sort_keys = sort_keys or {}
        self.match = match
        self._cache: tuple[Any, Sort | None, list[Any]] | None = None

    def _view(self, query: Any, sort: Sort | None) -> list[Any]:
        # Fetching page after page of one view reuses the filtered, sorted list.
        cache = self._cache
        if cache is not None and cache[0] == query and cache[1] == sort:
            return cache[2]
        view = [i for i in self.items if self.match(i, query)] if self.match and query is not None else list(self.items)
        key = self.sort_keys.get(sort.column) if sort is not None else None
        if key is not None:
            view.sort(key=key, reverse=sort.descending)
        self._cache = (query, sort, view)
        return view

    def count(self, query: Any) -> int:
        cache = self._cache  # one read: a superseded worker may be replacing it meanwhile
        if cache is not None and cache[0] == query:
            return len(cache[2])
        return len(self._view(query, None))

    def fetch(self, offset: int, limit: int, sort: Sort, query: Any) -> list[Row]:
        return [self.to_row(i) for i in self._view(query, sort)[offset:offset + limit]]
