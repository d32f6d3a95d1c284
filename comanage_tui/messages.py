"""Messages shared across screens: small dataclasses, documented."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class DataChanged(Message):
    """The database changed (this session saved, or another process committed).

    Posted by the App to the active screen; screens reload what they show, keeping the
    cursor on the same row key. Collapses when several arrive before one is handled.
    """

    generation: int
    """The app's data generation: a counter it moves each time it sees the file change (not SQLite's
    `PRAGMA data_version`, which differs per connection)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataChanged)
