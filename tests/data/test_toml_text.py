"""Every TOML comanage prints reads back to the same data and carries nothing that acts on a terminal."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from comanage_tui.data import toml_text
from comanage_tui.data.store import Store
from comanage_tui.data.text import UNSAFE
from tests.conftest import FIXED_NOW

HAZARDS = "\x85\x9b\u202e\u2066\u2028\x1b\x07\x7f"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12),
                       st.one_of(st.text(max_size=40), st.lists(st.text(max_size=10), max_size=4),
                                 st.dictionaries(st.text(min_size=1, max_size=6), st.text(max_size=10), max_size=3)),
                       max_size=5))
def test_any_document_reads_back_the_same_and_prints_no_control_or_bidi_character(doc: dict) -> None:
    text = toml_text.dumps({"entry": [doc]} if doc else {})
    assert tomllib.loads(text) == ({"entry": [doc]} if doc else {})
    assert not UNSAFE.search(text.replace("\n", ""))


def test_a_string_is_one_basic_string_with_every_hazard_escaped() -> None:
    quoted = toml_text.string("a" + HAZARDS + '"\\')
    assert quoted.startswith('"') and quoted.endswith('"') and "\n" not in quoted
    assert not UNSAFE.search(quoted)
    assert tomllib.loads(f"v = {quoted}")["v"] == "a" + HAZARDS + '"\\'


def test_sla_show_escapes_a_calendar_name_and_reloading_it_changes_nothing(tmp_path) -> None:
    name = f"Night{HAZARDS}desk"
    with Store(tmp_path / "c.db", clock=lambda: FIXED_NOW) as store:
        store.sla.load_toml(f"[[calendar]]\nname = {toml_text.string(name)}\nalways_open = true\n")
        shown = store.sla.dump_toml()
        assert not UNSAFE.search(shown.replace("\n", "")), "sla show must not print raw C1/bidi characters"
        assert "\\u202e" in shown and "\\u0085" in shown
        before = store.query("SELECT name, spec, version FROM calendars")
        store.sla.load_toml(shown)
        assert [tuple(r) for r in store.query("SELECT name, spec, version FROM calendars")] == [tuple(r) for r in before]
        assert store.sla.calendars()[0].name == name
