"""Render user data as inert text in the UI: no markup, no control sequences.

Everything shown in the UI goes through `clean()` (a str for cells and labels) or
`text()` (a rich Text, which Textual never parses as markup).
"""

from __future__ import annotations

from rich.text import Text

from comanage_tui.data.text import MAX_SHOWN, clean

__all__ = ["MAX_SHOWN", "clean", "text"]


def text(value: object, style: str = "", *, single_line: bool = True, limit: int = MAX_SHOWN) -> Text:
    """A rich Text of the cleaned value; Text is never interpreted as markup.

    A single-line Text that does not fit ends in "…", so a cut name never passes for a whole one.
    """
    return Text(clean(value, single_line=single_line, limit=limit), style=style, no_wrap=single_line, end="",
                overflow="ellipsis" if single_line else "fold")
