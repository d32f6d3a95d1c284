"""The DataTable every list screen uses: Home/End/g/G go to the first/last row, as in the paged lists.

Textual's DataTable scrolls sideways on Home/End; on a row list that moved the view but not
the cursor, so a key pressed next (`a`cknowledge, say) acted on a row the user no longer saw.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable

__all__ = ["ListTable"]


class ListTable(DataTable):
    """A DataTable whose Home/End/g/G move the cursor to the first/last row (the column stays)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g", "first_row", "First row", show=False, id="list.first_row"),
        Binding("end,G", "last_row", "Last row", show=False, id="list.last_row"),
    ]

    def action_first_row(self) -> None:
        """The cursor to the first row."""
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """The cursor to the last row."""
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
