"""Hostile text through every snapshot format's escaping: inert in HTML, Markdown and spreadsheets."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings

from comanage_tui.data.snapshot.build import clean as snapshot_clean
from comanage_tui.data.snapshot.csv_files import cell
from comanage_tui.data.snapshot.html_page import h, h_multi
from comanage_tui.data.snapshot.render import md
from tests.reliability.hostile import UNSAFE_CHARS, any_hostile

SETTINGS = settings(max_examples=2500, deadline=None, database=None)


@SETTINGS
@given(value=any_hostile)
def test_html_text_is_escaped_and_round_trips(value: str) -> None:
    for out in (h(value), h_multi(value)):
        assert not re.search(r"[<>\"]", out)
        assert not UNSAFE_CHARS.search(out.replace("\n", ""))
    # Escaping loses nothing: unescaped, it is exactly the cleaned text.
    assert html.unescape(h(value)) == snapshot_clean(value)
    assert html.unescape(h_multi(value)) == snapshot_clean(value, multi_line=True)


@SETTINGS
@given(value=any_hostile)
def test_markdown_cell_cannot_break_a_table_or_open_markup(value: str) -> None:
    out = md(value)
    assert "\n" not in out and "<" not in out and ">" not in out
    assert not UNSAFE_CHARS.search(out)
    # Every pipe, bracket, backtick and emphasis character is escaped with a backslash.
    assert not re.search(r"(?<!\\)[|`*_\[\]]", out.replace("\\\\", ""))


@SETTINGS
@given(value=any_hostile)
def test_csv_cell_cannot_become_a_formula(value: str) -> None:
    out = cell(value)
    if isinstance(out, str):
        assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert not UNSAFE_CHARS.search(out.replace("\n", ""))
