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

    data_version: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataChanged)
