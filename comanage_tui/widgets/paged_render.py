"""Drawing a PagedTable's lines: column widths, the header with its sort arrow, one row as a Strip."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from comanage_tui.widgets.paged_source import Column, Row, Sort


def column_widths(columns: Sequence[Column], width: int) -> list[int]:
    """Fixed widths as declared; the flex column takes what is left (at least 6 cells).

    Each column is followed by one space and the row starts with a one-cell cursor marker.
    """
    fixed = sum(c.width for c in columns if not c.flex) + len(columns)
    flex = max(6, width - 1 - fixed)
    return [flex if c.flex else c.width for c in columns]


def column_at(columns: Sequence[Column], width: int, x: int) -> Column | None:
    """The column under cell `x` of a line (header clicks sort by it)."""
    edge = 1
    for column, w in zip(columns, column_widths(columns, width)):
        if edge <= x < edge + w + 1:
            return column
        edge += w + 1
    return None


def header_strip(columns: Sequence[Column], sort: Sort, width: int, style: Style) -> Strip:
    """Column labels; the sorted column carries ▲ or ▼ (direction shown by glyph, not colour)."""
    segments = [Segment(" ", style)]
    for column, w in zip(columns, column_widths(columns, width)):
        label = column.label
        if column.key == sort.column and column.sortable:
            label = f"{label}{'▼' if sort.descending else '▲'}"
        segments.append(Segment(fit(label, w, column.right), style))
        segments.append(Segment(" ", style))
    return Strip(segments).adjust_cell_length(width, style).crop(0, width)


def row_strip(columns: Sequence[Column], row: Row, width: int, style: Style, marker: str,
              tone_style: Callable[[str], Style], indices: Sequence[int] | None = None) -> Strip:
    """One row: the marker cell, then each cell cut or padded to its column, toned where asked.

    `indices`: which of the row's cells the (shown) `columns` hold; all of them in order by default.
    """
    segments = [Segment(marker, style)]
    for n, (column, w) in enumerate(zip(columns, column_widths(columns, width))):
        i = indices[n] if indices is not None else n
        value = row.cells[i] if i < len(row.cells) else ""
        tone = row.tones[i] if i < len(row.tones) else ""
        segments.append(Segment(fit(value, w, column.right), style + tone_style(tone) if tone else style))
        segments.append(Segment(" ", style))
    return Strip(segments).adjust_cell_length(width, style).crop(0, width)


def fit(value: str, width: int, right: bool = False) -> str:
    """Pad or cut to exactly `width` cells (wide characters counted), marking a cut with …."""
    if width <= 0:
        return ""
    length = cell_len(value)
    if length > width:
        return set_cell_size(value, width - 1) + "…"
    return (" " * (width - length) + value) if right else set_cell_size(value, width)
