"""`[[ola]]` in the SLA TOML: stored per party, shown back by `sla show`, refused whole when any entry is wrong."""

from __future__ import annotations

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.sla.ola_spec import OlaSpec
from comanage_tui.data.store import Store

BASE = """
[[calendar]]
name = "office"
timezone = "Europe/Berlin"
weekly = { mon = [["08:00", "18:00"]], tue = [["08:00", "18:00"]] }

[[policy]]
name = "all"
calendar = "office"
match_priorities = ["P2"]
[policy.targets]
P2 = { response_minutes = 30, resolution_minutes = 480 }
"""

GOOD = """
[[ola]]
party = "msp"
calendar = "desk"
at_risk_percent = 80
[ola.targets]
P1 = "1h"
P2 = "4h 30m"
P4 = 600

[[ola]]
party = "internal"
calendar = "office"
[ola.targets]
P2 = "2h"
"""
DESK = '\n[[calendar]]\nname = "desk"\ntimezone = "Europe/Berlin"\nalways_open = true\n'

# (what is wrong, the [[ola]] text, words the one-line refusal must contain)
BAD = [
    ("unknown party", '[[ola]]\nparty = "vendor"\ncalendar = "office"\n[ola.targets]\nP1 = "1h"\n',
     ['ola[0] "vendor".party', "unknown party 'vendor'", "known: internal, msp"]),
    ("unknown calendar", '[[ola]]\nparty = "msp"\ncalendar = "24x7"\n[ola.targets]\nP1 = "1h"\n',
     ['ola[0] "msp".calendar', "unknown calendar '24x7'"]),
    ("unknown priority", '[[ola]]\nparty = "msp"\ncalendar = "office"\n[ola.targets]\nP5 = "1h"\n',
     ['ola[0] "msp".targets', "unknown priority P5", "P1..P4"]),
    ("duration in days", '[[ola]]\nparty = "msp"\ncalendar = "office"\n[ola.targets]\nP1 = "2d"\n',
     ['ola[0] "msp".targets', "P1: '2d' is not a duration", "write hours"]),
    ("zero target", '[[ola]]\nparty = "msp"\ncalendar = "office"\n[ola.targets]\nP1 = 0\n',
     ['ola[0] "msp".targets', "P1: 0 must be more than 0"]),
    ("target above a year", '[[ola]]\nparty = "msp"\ncalendar = "office"\n[ola.targets]\nP1 = "9000h"\n',
     ['ola[0] "msp".targets', "at most 527040 minutes"]),
    ("no targets", '[[ola]]\nparty = "msp"\ncalendar = "office"\ntargets = {}\n',
     ['ola[0] "msp".targets', "at least one priority"]),
    ("misspelt key", '[[ola]]\nparty = "msp"\ncalendar = "office"\ntarget = { P1 = "1h" }\n',
     ['ola[0] "msp".target', "unknown key", "targets"]),
    ("two for one party", '[[ola]]\nparty = "msp"\ncalendar = "office"\n[ola.targets]\nP1 = "1h"\n'
                          '[[ola]]\nparty = "msp"\ncalendar = "office"\n[ola.targets]\nP2 = "1h"\n',
     ['ola[1] "msp".party', "already has an OLA (ola[0])"]),
    ("at-risk threshold out of range", '[[ola]]\nparty = "msp"\ncalendar = "office"\nat_risk_percent = 150\n[ola.targets]\nP1 = "1h"\n',
     ['ola[0] "msp".at_risk_percent', "must be 100.0 or less"]),
    ("not a table", 'ola = ["msp"]\n', ["ola[0]", "table of party, calendar and targets"]),
]


@pytest.fixture
def org(store: Store) -> Store:
    store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
    store.org.add_party({"key": "msp", "name": "MSP", "kind": "partner"})
    store.sla.load_toml(BASE)
    return store


def _state(store: Store) -> tuple:
    """Everything `sla load` could change, for before/after comparisons."""
    return (store.rows("SELECT * FROM olas ORDER BY id"), store.rows("SELECT name, spec, version FROM calendars ORDER BY name"),
            store.rows("SELECT name, spec FROM sla_policies ORDER BY position"), store.scalar("SELECT count(*) FROM audit_log"))


def test_olas_are_stored_per_party_with_targets_in_minutes(org: Store) -> None:
    assert org.sla.load_toml(DESK + GOOD) == (1, 0)
    olas = org.sla.olas()
    assert [(o.party, o.calendar, o.targets, o.at_risk_percent) for o in olas] == [
        ("msp", "desk", {"P1": 60, "P2": 270, "P4": 600}, 80.0), ("internal", "office", {"P2": 120}, 75.0)]
    assert org.rows("SELECT position, party FROM olas ORDER BY position") == [(0, "msp"), (1, "internal")]
    audit = org.audit_log(entity="olas")
    assert len(audit) == 1 and audit[0].action == "replace"


def test_sla_show_writes_olas_back_and_loading_that_changes_nothing(org: Store) -> None:
    org.sla.load_toml(DESK + GOOD)
    shown = org.sla.dump_toml()
    assert 'party = "msp"' in shown and 'P2 = "4h 30m"' in shown and 'P4 = "10h"' in shown
    before = org.rows("SELECT * FROM olas ORDER BY id")
    org.sla.load_toml(shown)
    assert org.rows("SELECT * FROM olas ORDER BY id") == before  # same specs: nothing rewritten
    assert len(org.audit_log(entity="olas")) == 1  # and nothing audited a second time


def test_an_ola_key_replaces_the_list_and_a_file_without_one_keeps_it(org: Store) -> None:
    org.sla.load_toml(DESK + GOOD)
    org.sla.load_toml(BASE)
    assert [o.party for o in org.sla.olas()] == ["msp", "internal"]
    org.sla.load_toml('[[ola]]\nparty = "internal"\ncalendar = "office"\n[ola.targets]\nP3 = "8h"\n')
    assert [(o.party, o.targets) for o in org.sla.olas()] == [("internal", {"P3": 480})]
    org.sla.load_toml("ola = []\n")
    assert org.sla.olas() == []


@pytest.mark.parametrize(("case", "text", "words"), BAD, ids=[b[0] for b in BAD])
def test_each_bad_ola_is_refused_naming_the_entry_and_nothing_changes(org: Store, case: str, text: str, words: list[str]) -> None:
    org.sla.load_toml(DESK + GOOD)
    before = _state(org)
    # A calendar and a policy in the same file are not applied either: the whole file or nothing.
    extra = '[[calendar]]\nname = "new"\nalways_open = true\n[[policy]]\nname = "other"\ncalendar = "new"\nmatch_priorities = ["P1"]\n' \
            '[policy.targets]\nP1 = { response_minutes = 5, resolution_minutes = 60 }\n'
    with pytest.raises(InvalidInput) as refused:
        org.sla.load_toml(text + "\n" + extra)
    message = str(refused.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message
    assert _state(org) == before


def test_replace_olas_checks_like_load(org: Store) -> None:
    org.sla.replace_olas([{"party": "msp", "calendar": "office", "targets": {"P1": "2h"}}])
    assert org.sla.olas() == [OlaSpec(party="msp", calendar="office", targets={"P1": 120})]
    with pytest.raises(InvalidInput, match="unknown party 'x'"):
        org.sla.replace_olas([{"party": "x", "calendar": "office", "targets": {"P1": "2h"}}])
    assert [o.party for o in org.sla.olas()] == ["msp"]
