"""The organisation as one TOML file: round trips, matching rules, every error, all or nothing."""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from comanage_tui.data import demo_org
from comanage_tui.data.demo import DemoOptions, build_demo
from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.repos.orgconfig import OrgConfigRepo
from comanage_tui.data.store import Store
from comanage_tui.data.text import UNSAFE
from comanage_tui.data.toml_text import string as toml_string
from tests.conftest import FIXED_NOW
from tests.reliability.hostile import hostile_text


def _org(store: Store) -> OrgConfigRepo:
    return OrgConfigRepo(store)


def _calendars(store: Store) -> None:
    for spec in demo_org.CALENDARS:
        store.sla.put_calendar(spec)


def _small(store: Store) -> None:
    """Two parties, four people (two namesakes told apart by e-mail), one area with its row and list."""
    _calendars(store)
    store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office"})
    store.org.add_party({"key": "msp", "name": "Brightline MSP"})
    ana = store.org.add_person({"party": "internal", "name": "Ana Silva", "email": "ana@example.org", "role": "Lead"})
    bo = store.org.add_person({"party": "msp", "name": "Bo Berg", "role": "Backup engineer"})
    store.org.add_person({"party": "msp", "name": "Sam Lee", "email": "sam1@msp.example"})
    store.org.add_person({"party": "msp", "name": "Sam Lee", "email": "sam2@msp.example"})
    store.org.add_area({"key": "backup", "name": "Backup and restore", "criticality": "critical"})
    store.org.set_raci("backup", "msp", "R")
    store.org.set_raci("backup", "internal", "A")
    store.org.set_capabilities("backup", [ana.id, bo.id])


def _files(path: Path) -> dict[Path, str]:
    """The database file and its write-ahead log (the -shm file is SQLite's in-memory index, rewritten by readers)."""
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (path, path.with_name(path.name + "-wal")) if p.exists()}


def _checkpoint(store: Store) -> dict[Path, str]:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return _files(store.path)


def _audits(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM audit_log")


def _version(store: Store, area: str) -> int:
    return store.scalar("SELECT version FROM areas WHERE key = ?", (area,))


def _people(store: Store) -> list[tuple]:
    return [(p.party_key, p.name, p.email, p.role, p.active) for p in store.org.people()]


def _able(store: Store) -> dict[str, list[str]]:
    names = {p.id: p.name for p in store.org.people()}
    out: dict[str, list[str]] = {}
    for area, pid, _party in store.org.capabilities():
        out.setdefault(area, []).append(names[pid])
    return {k: sorted(v) for k, v in out.items()}


# --- round trips -------------------------------------------------------------------


@pytest.fixture
def demo_store(store: Store) -> Store:
    build_demo(store, DemoOptions(seed=7, tickets=20, now=FIXED_NOW))
    return store


def test_loading_what_show_printed_changes_nothing_not_a_byte(demo_store: Store) -> None:
    text = _org(demo_store).dump_toml()
    files, audits = _checkpoint(demo_store), _audits(demo_store)
    result = _org(demo_store).load_toml(text)
    assert result.changed == 0 and result.changes == []
    assert (result.parties["unchanged"], result.people["unchanged"], result.areas["unchanged"]) == (3, 12, 16)
    assert result.left_alone == 0
    assert _audits(demo_store) == audits
    assert _checkpoint(demo_store) == files
    assert _org(demo_store).dump_toml() == text


def test_the_demo_org_loads_into_an_empty_database_as_the_same_org(demo_store: Store, tmp_path: Path) -> None:
    text = _org(demo_store).dump_toml()
    with Store(tmp_path / "fresh.db", clock=lambda: FIXED_NOW) as fresh:
        _calendars(fresh)
        result = _org(fresh).load_toml(text)
        assert (result.parties["added"], result.people["added"], result.areas["added"]) == (3, 12, 16)
        assert result.raci_cells == len(demo_store.org.raci()) and result.capability_areas == 16
        assert _org(fresh).dump_toml() == text
        assert fresh.org.raci() == demo_store.org.raci()
        assert _people(fresh) == _people(demo_store)
        assert _able(fresh) == _able(demo_store)
        assert [p.model_dump(exclude={"id"}) for p in fresh.org.parties()] == [
            p.model_dump(exclude={"id"}) for p in demo_store.org.parties()]
        assert [a.model_dump(exclude={"id"}) for a in fresh.org.areas()] == [
            a.model_dump(exclude={"id"}) for a in demo_store.org.areas()]


def test_show_prints_every_field_and_the_whole_row_and_list(demo_store: Store) -> None:
    doc = tomllib.loads(_org(demo_store).dump_toml())
    assert set(doc) == {"party", "person", "area"}
    assert doc["party"][0] == {"key": "internal", "name": "Internal IT", "kind": "internal", "calendar": "office",
                               "description": demo_org.PARTIES[0][4]}
    assert doc["person"][0] == {"party": "internal", "name": "Dana Keller", "email": "", "role": "IT lead", "active": True}
    vulns = next(a for a in doc["area"] if a["key"] == "vulns")
    assert vulns["raci"] == {"internal": "A", "msp": "A", "secops": "R"}
    assert sorted(vulns["can_do"]) == ["Ben Adler", "Jonas Weber"]


def test_a_database_without_the_calendars_refuses_the_party_calendar(demo_store: Store, tmp_path: Path) -> None:
    text = _org(demo_store).dump_toml()
    with Store(tmp_path / "fresh.db", clock=lambda: FIXED_NOW) as fresh:
        with pytest.raises(InvalidInput, match="unknown calendar 'office'") as err:
            _org(fresh).load_toml(text)
        assert err.value.field == "party[0].calendar"
        assert fresh.is_empty() and _audits(fresh) == 0


def test_namesakes_without_an_email_round_trip_through_a_party_qualified_reference(store: Store, tmp_path: Path) -> None:
    store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
    store.org.add_party({"key": "msp", "name": "MSP"})
    a = store.org.add_person({"party": "internal", "name": "Alex Chen"})
    b = store.org.add_person({"party": "msp", "name": "Alex Chen"})
    store.org.add_area({"key": "desk", "name": "Desk"})
    store.org.set_capabilities("desk", [a.id, b.id])
    text = _org(store).dump_toml()
    assert '{ party = "internal", name = "Alex Chen" },\n    { party = "msp", name = "Alex Chen" },' in text
    assert _org(store).load_toml(text).changed == 0
    with Store(tmp_path / "fresh.db") as fresh:
        _org(fresh).load_toml(text)
        assert _org(fresh).dump_toml() == text


# --- what a load changes ------------------------------------------------------------


def test_a_short_file_edits_only_what_it_names(store: Store) -> None:
    _small(store)
    version = _version(store, "backup")
    result = _org(store).load_toml('[[area]]\nkey = "backup"\ncriticality = "high"\n')
    assert (result.areas["updated"], result.raci_cells, result.capability_areas) == (1, 0, 0)
    area = store.org.area("backup")
    assert (area.name, area.criticality, _version(store, "backup")) == ("Backup and restore", "high", version + 1)
    assert store.org.raci() == {("backup", "msp"): "R", ("backup", "internal"): "A"}
    assert _able(store) == {"backup": ["Ana Silva", "Bo Berg"]}
    assert result.left_alone == 2 + 4  # parties and people not in the file
    assert result.summary() == ("parties none; people none; areas 1 updated; RACI cells 0 changed; "
                                "capabilities 0 areas changed; 6 records not in the file left as they were.")


def test_raci_and_can_do_when_given_are_the_whole_row_and_the_whole_list(store: Store) -> None:
    _small(store)
    audits = _audits(store)
    version = _version(store, "backup")
    result = _org(store).load_toml(
        '[[area]]\nkey = "backup"\nraci = { internal = "r", msp = "" }\ncan_do = ["sam2@msp.example"]\n')
    assert store.org.raci() == {("backup", "internal"): "R"}  # lower case accepted; "" and absent both clear
    assert _able(store) == {"backup": ["Sam Lee"]}
    assert (result.areas["unchanged"], result.raci_cells, result.capability_areas) == (1, 2, 1)
    assert _audits(store) == audits + result.changed == audits + 3  # one row per cell, one for the list
    entries = store.audit_log(limit=3)
    assert [(e.entity, e.entity_id) for e in entries] == [("capabilities", "backup"), ("raci", "backup/msp"), ("raci", "backup/internal")]
    assert _version(store, "backup") == version + 1  # the row is part of the area: open editors notice
    _org(store).load_toml('[[area]]\nkey = "backup"\nraci = {}\ncan_do = []\n')
    assert store.org.raci() == {} and _able(store) == {}


def test_new_parties_people_and_areas_refer_to_each_other_within_one_file(store: Store) -> None:
    _calendars(store)
    text = """
[[party]]
key = "internal"
name = "Internal IT"
kind = "internal"
calendar = "office"

[[party]]
key = "cloudco"
name = "CloudCo"

[[person]]
party = "cloudco"
name = "Kim Park"
email = "kim@cloudco.example"

[[person]]
party = "internal"
name = "Ana Silva"

[[area]]
key = "m365"
name = "Microsoft 365"
raci = { cloudco = "R", internal = "A" }
can_do = ["KIM@cloudco.example", "ana silva", { party = "internal", name = "Ana Silva" }]
"""
    result = _org(store).load_toml(text)
    assert result.summary() == ("parties 2 added; people 2 added; areas 1 added; RACI cells 2 changed; "
                                "capabilities 1 area changed; 0 records not in the file left as they were.")
    assert _able(store) == {"m365": ["Ana Silva", "Kim Park"]}
    party = store.org.party("cloudco")
    assert (party.kind, party.calendar, party.description) == ("partner", None, "")  # the defaults
    area = store.org.area("m365")
    assert area.criticality == "medium"
    assert _audits(store) == 2 + result.changed  # two calendars, then one row per record, cell and list
    kinds = store.query("SELECT action, entity FROM audit_log WHERE entity IN ('party', 'person', 'area') ORDER BY id")
    assert [tuple(r) for r in kinds] == [("insert", "party")] * 2 + [("insert", "person")] * 2 + [("insert", "area")]


def test_people_are_matched_by_email_and_else_by_party_and_name(store: Store) -> None:
    _small(store)
    ana_id = store.scalar("SELECT id FROM people WHERE email = 'ana@example.org'")
    bo_id = store.scalar("SELECT id FROM people WHERE name = 'Bo Berg'")
    text = """
[[person]]
party = "internal"
name = "Ana Silva-Berg"          # renamed: found by her e-mail, in any case
email = "ANA@example.org"

[[person]]
party = "msp"
name = "bo berg"                 # found by party and name; gets an e-mail
email = "bo@msp.example"
role = "Backup lead"

[[person]]
party = "msp"
name = "Sam Lee"
email = "sam1@msp.example"
active = false
"""
    result = _org(store).load_toml(text)
    assert (result.people["added"], result.people["updated"]) == (0, 3)
    ana, bo = store.org.person(ana_id), store.org.person(bo_id)
    assert (ana.name, ana.email, ana.role) == ("Ana Silva-Berg", "ANA@example.org", "Lead")  # role left out: kept
    assert (bo.name, bo.email, bo.role) == ("bo berg", "bo@msp.example", "Backup lead")
    assert [(p.email, p.active) for p in store.org.people("msp") if p.name == "Sam Lee"] == [
        ("sam1@msp.example", False), ("sam2@msp.example", True)]
    assert store.scalar("SELECT count(*) FROM people") == 4
    # Now known by e-mail: the name alone is enough to match again, and an empty e-mail clears nothing.
    again = _org(store).load_toml('[[person]]\nparty = "msp"\nname = "bo berg"\nemail = ""\nrole = "Backup lead"\n')
    assert again.changed == 0 and store.org.person(bo_id).email == "bo@msp.example"


def test_an_email_that_matches_nobody_finds_the_person_by_party_and_name(store: Store) -> None:
    _small(store)
    ana_id = store.scalar("SELECT id FROM people WHERE email = 'ana@example.org'")
    result = _org(store).load_toml('[[person]]\nparty = "internal"\nname = "Ana Silva"\nemail = "ana@new-domain.example"\n')
    assert result.people["updated"] == 1 and store.org.person(ana_id).email == "ana@new-domain.example"
    # With her old e-mail also in the file, the second Ana Silva is somebody else: added.
    both = ('[[person]]\nparty = "internal"\nname = "Ana Silva"\nemail = "ana@new-domain.example"\n'
            '[[person]]\nparty = "internal"\nname = "Ana Silva"\nemail = "ana.s@example.org"\n')
    result = _org(store).load_toml(both)
    assert (result.people["unchanged"], result.people["added"]) == (1, 1)
    assert store.org.person(ana_id).email == "ana@new-domain.example"


def test_a_person_found_by_email_can_move_to_another_party(store: Store) -> None:
    _small(store)
    result = _org(store).load_toml('[[person]]\nparty = "msp"\nname = "Ana Silva"\nemail = "ana@example.org"\n')
    assert result.people["updated"] == 1
    assert [p.name for p in store.org.people("msp")].count("Ana Silva") == 1
    assert result.changes == ["~ person Ana Silva (msp): party 'internal' → 'msp'"]


def test_a_stored_value_the_models_would_refuse_today_is_taken_as_it_is(store: Store) -> None:
    """The importer writes areas directly; listing such an area unchanged must not fail."""
    with store.write() as conn:
        conn.execute("INSERT INTO areas (key, name, criticality, updated_at) VALUES ('cat-7', ?, 'medium', 0)", ("x" * 300,))
    text = _org(store).dump_toml()
    assert _org(store).load_toml(text).changed == 0
    with pytest.raises(InvalidInput, match="at most 200 characters") as err:
        _org(store).load_toml(text.replace("x" * 300, "y" * 300))
    assert err.value.field == "area[0].name"


def test_dry_run_reports_the_changes_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    _small(store)
    text = ('[[person]]\nparty = "msp"\nname = "Cy Doe"\n'
            '[[area]]\nkey = "backup"\nname = "Backups"\nraci = { msp = "R" }\ncan_do = ["Cy Doe"]\n')
    files, audits = _checkpoint(store), _audits(store)
    dry = _org(store).load_toml(text, dry_run=True)
    assert dry.dry_run and _checkpoint(store) == files and _audits(store) == audits
    assert dry.changes == [
        "+ person Cy Doe (msp): active yes",
        "~ area backup: name 'Backup and restore' → 'Backups'",
        "~ RACI backup/internal: A → –",
        "~ who can do backup: + Cy Doe (msp), − Ana Silva (internal), − Bo Berg (msp)",
    ]
    with Store(store.path, read_only=True) as viewer:  # a viewer session can ask too
        assert _org(viewer).load_toml(text, dry_run=True).summary() == dry.summary()
    real = _org(store).load_toml(text)
    assert (real.summary(), real.changes) == (dry.summary(), dry.changes)
    assert _audits(store) == audits + real.changed == audits + 4


# --- errors: named, and nothing changed ---------------------------------------------

P = '[[party]]\nkey = "{key}"\nname = "{name}"\n'

ERRORS = [
    ("party = [", "config", "not valid TOML"),
    ('[[team]]\nkey = "x"\n', "config", "unknown section(s): team"),
    ('party = "internal"\n', "party", "must be a list of [[party]] tables"),
    ("party = [1]\n", "party[0]", "must be a table"),
    ('[[party]]\nname = "No key"\n', "party[0].key", "required"),
    ('[[party]]\nkey = "Not a key!"\nname = "x"\n', "party[0].key", "lowercase letters, digits"),
    (P.format(key="new", name="New") + P.format(key=" new", name="Again"), "party[1].key", "'new' is already party[0]"),
    ('[[party]]\nkey = "new"\n', "party[0].name", "required"),
    ('[[party]]\nkey = "msp"\nname = ""\n', "party[0].name", "required"),
    ('[[party]]\nkey = "msp"\nkind = "vendor"\n', "party[0].kind", "'internal' or 'partner'"),
    ('[[party]]\nkey = "msp"\ncalendar = "nights"\n', "party[0].calendar", "unknown calendar 'nights'"),
    ('[[party]]\nkey = "msp"\ncolour = "red"\n', "party[0].colour", "not a field this entry has"),
    ('[[person]]\nparty = "mps"\nname = "Cy"\n', "person[0].party", "unknown party 'mps'"),
    ('[[person]]\nparty = "msp"\n', "person[0].name", "required"),
    ('[[person]]\nparty = "msp"\nname = "Cy"\nactive = "no"\n', "person[0].active", "must be true or false"),
    ('[[person]]\nparty = "msp"\nname = "Cy"\nemail = "cy at msp"\n', "person[0].email", "not an e-mail address"),
    ('[[person]]\nparty = "msp"\nname = "Cy"\nemail = "cy@msp.example"\n'
     '[[person]]\nparty = "internal"\nname = "Cy"\nemail = "CY@msp.example"\n', "person[1].email", "already person[0]"),
    ('[[person]]\nparty = "msp"\nname = "Cy"\n[[person]]\nparty = "msp"\nname = "cy"\n', "person[1]", "already person[0]"),
    ('[[person]]\nparty = "msp"\nname = "Sam Lee"\n', "person[0]", "2 people match 'Sam Lee' in party 'msp'"),
    ('[[area]]\nkey = "backup"\ncriticality = "urgent"\n', "area[0].criticality", "'low', 'medium', 'high' or 'critical'"),
    ('[[area]]\nkey = "backup"\nraci = "msp"\n', "area[0].raci", "must be a table"),
    ('[[area]]\nkey = "backup"\nraci = { mps = "R" }\n', "area[0].raci.mps", "unknown party 'mps'"),
    ('[[area]]\nkey = "backup"\nraci = { msp = "X" }\n', "area[0].raci.msp", "'X' is not one of R, A, C, I"),
    ('[[area]]\nkey = "backup"\nraci = { msp = 1 }\n', "area[0].raci.msp", "must be one of R, A, C, I"),
    ('[[area]]\nkey = "backup"\nraci = { msp = "R", MSP = "A" }\n', "area[0].raci.MSP", "party 'msp' is given twice"),
    ('[[area]]\nkey = "backup"\ncan_do = "Bo Berg"\n', "area[0].can_do", "must be a list"),
    ('[[area]]\nkey = "backup"\ncan_do = ["Bo Berg", "Bo Brg"]\n', "area[0].can_do[1]", "no person named 'Bo Brg'"),
    ('[[area]]\nkey = "backup"\ncan_do = ["nobody@example.org"]\n', "area[0].can_do[0]", "no person with the e-mail"),
    ('[[area]]\nkey = "backup"\ncan_do = ["Sam Lee"]\n', "area[0].can_do[0]", "2 people are named 'Sam Lee' (msp); use their e-mail"),
    ('[[area]]\nkey = "backup"\ncan_do = [{ name = "Bo Berg" }]\n', "area[0].can_do[0]", "must be an e-mail, a name, or"),
    ('[[area]]\nkey = "backup"\ncan_do = [7]\n', "area[0].can_do[0]", "must be an e-mail, a name, or"),
    # Valid changes first, then one bad entry: the whole file is refused.
    (P.format(key="cloudco", name="CloudCo") + '[[person]]\nparty = "cloudco"\nname = "Kim"\n'
     '[[area]]\nkey = "backup"\nname = "Backups"\nraci = { cloudco = "R" }\n'
     '[[area]]\nkey = "new-area"\nname = "New"\ncan_do = ["Kim", "Nobody"]\n', "area[1].can_do[1]", "no person named 'Nobody'"),
]


@pytest.mark.parametrize(("text", "field", "message"), ERRORS, ids=[f"{e[1]}:{e[2][:24]}" for e in ERRORS])
def test_a_bad_file_names_the_entry_and_field_and_changes_not_a_byte(
        store: Store, text: str, field: str, message: str) -> None:
    _small(store)
    files, audits, dump = _checkpoint(store), _audits(store), _org(store).dump_toml()
    with pytest.raises(InvalidInput) as err:
        _org(store).load_toml(text)
    assert err.value.field == field
    assert message in str(err.value)
    assert str(err.value).startswith(f"{field}: ")
    assert _checkpoint(store) == files and _audits(store) == audits
    assert _org(store).dump_toml() == dump


# --- hostile text -------------------------------------------------------------------

OSC52 = "\x1b]52;c;ZXZpbA==\x07"


@pytest.mark.parametrize(("text", "field"), [
    (f'[[party]]\nkey = "evil"\nname = "Evil {toml_string(OSC52)[1:-1]}"\n', "party[0].name"),
    (f'[[person]]\nparty = "msp"\nname = "Eve{toml_string(OSC52)[1:-1]}"\n', "person[0].name"),
    (f'[[person]]\nparty = "msp"\nname = "Eve"\nrole = "{toml_string(chr(0x9b))[1:-1]}2J"\n', "person[0].role"),
    (f'[[person]]\nparty = "msp"\nname = "Eve"\nemail = "eve@x{toml_string(chr(27))[1:-1]}"\n', "person[0].email"),
    (f'[[area]]\nkey = "backup"\nname = "Backup{toml_string(chr(8))[1:-1]}"\n', "area[0].name"),
])
def test_control_characters_in_names_are_refused(store: Store, text: str, field: str) -> None:
    _small(store)
    files = _checkpoint(store)
    with pytest.raises(InvalidInput, match="control characters") as err:
        _org(store).load_toml(text)
    assert err.value.field == field
    assert _checkpoint(store) == files


def test_markup_bidi_and_escapes_elsewhere_are_stored_literally_and_shown_inert(store: Store, tmp_path: Path) -> None:
    _small(store)
    name = "[red]Evil[/red] \u202eCorp"
    description = f"line one\nline two {OSC52} \x85 \u2066 [bold]x[/bold]"
    entry = {"key": "evil", "name": name, "description": description}
    text = "[[party]]\n" + "".join(f"{k} = {toml_string(v)}\n" for k, v in entry.items())
    assert tomllib.loads(text)["party"][0] == entry
    result = _org(store).load_toml(text)
    party = store.org.party("evil")
    assert (party.name, party.description) == (name, description)  # kept as typed: markup is never interpreted
    assert not any(UNSAFE.search(line) for line in result.changes)
    shown = _org(store).dump_toml()
    assert not UNSAFE.search(shown.replace("\n", "")) and "\u2028" not in shown
    assert "\\u202e" in shown and "\\u001b]52;" in shown and "[red]Evil[/red]" in shown
    assert _org(store).load_toml(shown).changed == 0
    with Store(tmp_path / "fresh.db") as fresh:
        _calendars(fresh)
        _org(fresh).load_toml(shown)
        assert (fresh.org.party("evil").name, fresh.org.party("evil").description) == (name, description)


def test_toml_string_round_trips_every_character_class() -> None:
    sample = "".join(chr(c) for c in range(0, 0x250)) + "\u2028\u2029\u202a\u202e\u2066\u2069\ufeff\U0001f600\"\\'"
    quoted = toml_string(sample)
    assert tomllib.loads(f"v = {quoted}")["v"] == sample
    assert not UNSAFE.search(quoted)


_serial = itertools.count()


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory):
    s = Store(tmp_path_factory.mktemp("orgfuzz") / "f.db", actor="fuzz", clock=lambda: FIXED_NOW)
    s.org.add_party({"key": "msp", "name": "MSP"})
    yield s
    s.close()


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=hostile_text, role=hostile_text, description=hostile_text)
def test_any_text_is_refused_by_name_or_kept_literally_and_shown_inert(
        fuzz_store: Store, name: str, role: str, description: str) -> None:
    n = next(_serial)
    text = (f'[[party]]\nkey = "p{n}"\nname = {toml_string(name)}\ndescription = {toml_string(description)}\n'
            f'[[person]]\nparty = "msp"\nname = "Person {n}"\nrole = {toml_string(role)}\n')
    audits = _audits(fuzz_store)
    try:
        _org(fuzz_store).load_toml(text)
    except InvalidInput as exc:
        assert exc.field in ("party[0].name", "party[0].description", "person[0].role")
        assert _audits(fuzz_store) == audits
        return
    party = fuzz_store.org.party(f"p{n}")
    assert party.name == name.strip() and party.description == description
    assert next(p.role for p in fuzz_store.org.people("msp") if p.name == f"Person {n}") == role
    shown = _org(fuzz_store).dump_toml()
    assert not UNSAFE.search(shown.replace("\n", ""))
    assert _org(fuzz_store).load_toml(shown).changed == 0
