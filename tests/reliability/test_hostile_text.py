"""Hostile text through the store and the importer: taken literally or refused clearly, never a crash.

Counts: the examples below add up to more than 10,000 generated strings per run.
"""

from __future__ import annotations

import csv
import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.store import Store
from comanage_tui.data.text import clean
from tests.reliability.hostile import UNSAFE_CHARS, any_hostile, hostile_text

T0 = 1_790_000_000
_ids = itertools.count()


def fast(n: int) -> settings:
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def hstore(tmp_path_factory: pytest.TempPathFactory):
    s = Store(tmp_path_factory.mktemp("hostile") / "h.db", actor="fuzz", clock=lambda: T0)
    s.org.add_party({"key": "internal", "name": "Internal", "kind": "internal"})
    s.org.add_party({"key": "msp", "name": "MSP"})
    s.org.add_area({"key": "desk", "name": "Desk"})
    yield s
    s.close()


@fast(3000)
@given(value=any_hostile)
def test_clean_leaves_nothing_a_terminal_would_act_on(value: str) -> None:
    for single in (True, False):
        out = clean(value, single_line=single)
        assert not UNSAFE_CHARS.search(out.replace("\n", "").replace("\t", "") if not single else out)
        assert len(out) <= 2_000


@fast(3000)
@given(title=any_hostile, notes=any_hostile)
def test_ticket_text_is_stored_literally_or_refused(hstore: Store, title: str, notes: str) -> None:
    ref = f"H-{next(_ids)}"
    before = hstore.tickets.count()
    try:
        t = hstore.tickets.add({"ref": ref, "title": title, "notes": notes, "party": "msp", "area": "desk", "opened_at": T0})
    except InvalidInput as exc:
        assert exc.field in ("title", "notes")
        assert hstore.tickets.count() == before
        return
    # Kept literally: only surrounding whitespace is trimmed (pydantic's notion of it).
    assert t.title in title and t.title.strip() == title.strip() and t.notes == notes
    assert hstore.tickets.by_ref(ref).title == t.title


@fast(2000)
@given(summary=any_hostile, context=any_hostile, topic=any_hostile, reason=hostile_text)
def test_handoff_and_knowledge_text(hstore: Store, summary: str, context: str, topic: str, reason: str) -> None:
    try:
        h = hstore.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": summary, "context": context, "requested_at": T0})
    except InvalidInput as exc:
        assert exc.field in ("summary", "context")
    else:
        assert h.summary in summary and h.summary.strip() == summary.strip() and h.context == context
        try:
            returned = hstore.handoffs.return_(h.id, reason)
            assert returned.return_reason.strip() == reason.strip()
        except InvalidInput as exc:
            assert exc.field == "reason"
    try:
        kt = hstore.kt.add({"area": "desk", "topic": topic})
    except InvalidInput as exc:
        assert exc.field == "topic"
    else:
        assert kt.topic in topic and kt.topic.strip() == topic.strip()


# Imported titles lose every C0/C1 control character (tab and newline too: a title is one line).
IMPORT_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAPPING = 'preset = "generic"\nsource = "fuzz"\ntimezone = "UTC"\n[parties]\ndefault = "internal"\n[[party]]\nkey = "internal"\nname = "Internal"\nkind = "internal"\n'


@fast(40)
@given(titles=st.lists(hostile_text, min_size=50, max_size=50))
def test_importer_takes_hostile_titles_literally(tmp_path_factory: pytest.TempPathFactory, titles: list[str]) -> None:
    folder = tmp_path_factory.mktemp("imp")
    data, mapping = folder / "t.csv", folder / "m.toml"
    mapping.write_text(MAPPING)
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "title", "opened_at", "status", "priority"])
        for i, title in enumerate(titles):
            w.writerow([f"F-{i}", title, "2026-11-02T10:00:00+00:00", "in_progress", "P3"])
    with Store(folder / "i.db", clock=lambda: T0) as s:
        report = import_file(s, data, load_mapping(mapping))
        stored = {r[0]: r[1] for r in s.query("SELECT ref, title FROM tickets")}
    # Every row is either imported with its title as written or reported with a reason.
    assert len(stored) + report.rows_rejected == len(titles)
    assert not report.refused or report.rows_rejected
    for i, title in enumerate(titles):
        ref = f"F-{i}"
        if ref in stored:
            # The importer's rule: control characters become spaces, 500 characters at most,
            # and a title with nothing readable left falls back to the reference.
            assert not IMPORT_CONTROL.search(stored[ref])
            kept = IMPORT_CONTROL.sub(" ", title.replace("\r\n", "\n")).strip()[:500]
            assert stored[ref] == (kept if any(c.isalnum() for c in kept) else ref)
