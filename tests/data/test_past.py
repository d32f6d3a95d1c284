"""The organisation as of a moment (readmodel/past.py): each entity's change undone, on small hand-built stores.

Every change goes through the repositories (so through the audit log) with the store's
clock moved by hand; the expected states are read off the script of changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.kt import kt_coverage
from comanage_tui.data.readmodel.org import handoff_statuses, raci_split
from comanage_tui.data.readmodel.past import state_as_of
from comanage_tui.data.repos.orgconfig import OrgConfigRepo
from comanage_tui.data.store import Store
from tests.past_org import T0, T1, T2, Clock, build_org


@pytest.fixture
def org(tmp_path: Path):
    """See tests/past_org.py: it, msp and sec; Ana and Bo; area erp; a runbook; a handoff. All at T0."""
    clock = Clock(T0)
    s = Store(tmp_path / "past.db", actor="tester", clock=clock)
    ids = build_org(s)
    yield s, clock, ids
    s.close()


def test_today_is_today_s_records(org) -> None:
    """Nothing after the moment: the past state equals what the repositories return."""
    s, _clock, _ids = org
    past = state_as_of(s, T0)
    assert past.raci == s.org.raci()
    assert past.capabilities == s.org.capabilities()
    assert past.kt_items == s.kt.list()
    assert past.people == s.org.people()
    assert past.handoffs(s, open_only=False) == s.handoffs.list(open_only=False)
    assert past.handoffs(s, open_only=True) == s.handoffs.list(open_only=True)
    assert list(past.parties.values()) == sorted(s.org.parties(), key=lambda p: p.id)
    assert past.history.undone == 0 and past.history.starts_at == T0


def test_a_raci_letter_changed_then_a_cell_cleared_and_one_added(org) -> None:
    s, clock, _ids = org
    clock.at = T1
    s.org.set_raci("erp", "msp", "A")
    clock.at = T2
    s.org.set_raci("erp", "it", None)  # a deletion
    s.org.set_raci("erp", "sec", "C")  # an insertion
    assert state_as_of(s, T1 - 1).raci == {("erp", "it"): "A", ("erp", "msp"): "R"}
    assert state_as_of(s, T1).raci == {("erp", "it"): "A", ("erp", "msp"): "A"}  # a change counts from its second
    assert state_as_of(s, T2).raci == {("erp", "msp"): "A", ("erp", "sec"): "C"}
    assert state_as_of(s, T2 - 1).history.undone == 2


def test_the_split_as_of_a_moment_shows_the_gap_of_then(org) -> None:
    s, clock, _ids = org
    clock.at = T1
    s.org.set_raci("erp", "msp", None)
    before = raci_split(s, load_context(s, as_of=T1 - 1), T1 - 1)
    after = raci_split(s, load_context(s, as_of=T1), T1)
    assert before[0].gap == [] and after[0].gap == ["no Responsible"]


def test_kt_status_review_learners_and_a_new_item(org) -> None:
    s, clock, ids = org
    clock.at = T1
    s.kt.set_status(ids["kt"], "in_progress")
    s.kt.update(ids["kt"], {"learner_ids": [ids["ana"], ids["bo"]]})
    clock.at = T2
    s.kt.set_status(ids["kt"], "done")
    s.kt.record_review(ids["kt"], dt.date(2026, 11, 14))
    s.kt.add({"area": "erp", "topic": "ERP walkthrough", "kind": "walkthrough", "status": "planned"})

    def item(at: int):
        return {i.topic: i for i in state_as_of(s, at).kt_items}

    then = item(T1 - 1)
    assert set(then) == {"Backup restore runbook"}  # the walkthrough did not exist yet
    assert (then["Backup restore runbook"].status.value, then["Backup restore runbook"].learner_ids) == ("planned", [ids["ana"]])
    mid = item(T1)["Backup restore runbook"]
    assert (mid.status.value, mid.learner_ids, mid.last_reviewed) == ("in_progress", sorted([ids["ana"], ids["bo"]]), None)
    now = item(T2)
    assert now["Backup restore runbook"].status.value == "done"
    assert now["Backup restore runbook"].last_reviewed == dt.date(2026, 11, 14)
    assert set(now) == {"Backup restore runbook", "ERP walkthrough"}
    # Coverage as of then: no runbook done yet; as of T2 the area is documented.
    assert not kt_coverage(s, load_context(s, as_of=T1), dt.date(2026, 11, 13))[0].documented
    assert kt_coverage(s, load_context(s, as_of=T2), dt.date(2026, 11, 13))[0].documented


def test_capabilities_one_added_then_the_list_replaced(org) -> None:
    s, clock, ids = org
    clock.at = T1
    s.org.add_capability("erp", ids["bo"])
    s.org.add_capability("erp", ids["bo"])  # already recorded: no change, no audit row
    clock.at = T2
    s.org.set_capabilities("erp", [ids["bo"]])  # Ana removed
    assert state_as_of(s, T1 - 1).capabilities == [("erp", ids["ana"], "it")]
    assert state_as_of(s, T1).capabilities == [("erp", ids["ana"], "it"), ("erp", ids["bo"], "msp")]
    assert state_as_of(s, T2).capabilities == [("erp", ids["bo"], "msp")]
    assert s.scalar("SELECT count(*) FROM audit_log WHERE entity = 'capability'") == 2  # Ana at T0, Bo once


def test_a_person_moved_between_parties_and_a_person_added(org) -> None:
    s, clock, ids = org
    clock.at = T1
    OrgConfigRepo(s).load_toml('[[person]]\nparty = "sec"\nname = "Bo"\nemail = "bo@example.org"\n')
    clock.at = T2
    s.org.add_person({"party": "it", "name": "Cy"})
    s.org.set_capabilities("erp", [ids["ana"], ids["bo"]])
    OrgConfigRepo(s).load_toml('[[person]]\nparty = "it"\nname = "Ana"\nemail = "ana@example.org"\nactive = false\n')

    def where(at: int) -> dict[str, str]:
        return {p.name: p.party_key for p in state_as_of(s, at).people}

    assert where(T1 - 1) == {"Ana": "it", "Bo": "msp"}
    assert where(T1) == {"Ana": "it", "Bo": "sec"}
    assert where(T2) == {"Ana": "it", "Bo": "sec", "Cy": "it"}
    # Ana left at T2: active until then.
    assert [p.active for p in state_as_of(s, T2 - 1).people if p.name == "Ana"] == [True]
    assert [p.active for p in state_as_of(s, T2).people if p.name == "Ana"] == [False]
    # Who can do erp, with the party each person was in then.
    assert state_as_of(s, T2).capabilities == [("erp", ids["ana"], "it"), ("erp", ids["bo"], "sec")]


def test_a_party_and_an_area_renamed_and_added(org) -> None:
    s, clock, _ids = org
    clock.at = T1
    OrgConfigRepo(s).load_toml('[[party]]\nkey = "msp"\nname = "Managed Ltd"\n\n'
                               '[[area]]\nkey = "erp"\nname = "ERP"\ncriticality = "critical"\n\n'
                               '[[area]]\nkey = "mail"\nname = "Mail"\n')
    then, now = state_as_of(s, T1 - 1), state_as_of(s, T1)
    assert {p.key: p.name for p in then.parties.values()}["msp"] == "MSP"
    assert {p.key: p.name for p in now.parties.values()}["msp"] == "Managed Ltd"
    assert {a.key: a.criticality.value for a in then.areas.values()} == {"erp": "high"}
    assert {a.key: a.criticality.value for a in now.areas.values()} == {"erp": "critical", "mail": "medium"}


def test_a_handoff_acknowledged_returned_and_requested_again(org) -> None:
    s, clock, ids = org
    hid = ids["handoff"]
    clock.at = T1
    s.handoffs.acknowledge(hid)
    s.handoffs.return_(hid, "not ours")
    clock.at = T2
    s.handoffs.rerequest(hid)
    s.handoffs.create({"from_party": "msp", "to_party": "it", "summary": "Need a firewall rule", "requested_at": T2})

    def states(at: int) -> dict[int, tuple[str, int, str]]:
        return {h.id: (h.state.value, h.bounce_count, h.return_reason) for h in state_as_of(s, at).handoffs(s, open_only=False)}

    assert states(T1 - 1) == {hid: ("requested", 0, "")}
    assert states(T1) == {hid: ("returned", 1, "not ours")}
    later = states(T2)
    assert later[hid] == ("requested", 1, "not ours") and len(later) == 2
    # The open handoffs as of then, with the clock the dashboard shows.
    ctx = load_context(s, as_of=T1 - 1)
    assert [st.handoff.id for st in handoff_statuses(s, ctx, T1 - 1)] == [hid]
    assert handoff_statuses(s, load_context(s, as_of=T1), T1) == []


def test_a_handoff_written_without_history_is_dated_by_its_own_times(org) -> None:
    """The demo and imports write handoffs in bulk, without an audit row each."""
    s, _clock, _ids = org
    with s.write() as conn:
        conn.execute(
            "INSERT INTO handoffs (from_party_id, to_party_id, summary, state, ack_target_minutes, bounce_count, requested_at, "
            "acknowledged_at, closed_at, return_reason, updated_at) VALUES (1, 2, 'bulk', 'returned', 60, 1, ?, ?, ?, 'wrong queue', ?)",
            (T0 - 300, T0 - 200, T0 - 100, T0))
    bulk = s.scalar("SELECT id FROM handoffs WHERE summary = 'bulk'")

    def state(at: int):
        return next((h for h in state_as_of(s, at).handoffs(s, open_only=False) if h.id == bulk), None)

    # Before the log begins, with the log's floor only for audited changes: the row's own times decide.
    assert state(T0 - 301) is None
    assert (state(T0 - 250).state.value, state(T0 - 250).acknowledged_at) == ("requested", None)
    assert state(T0 - 150).state.value == "acknowledged"
    assert (state(T0 - 50).state.value, state(T0 - 50).bounce_count) == ("returned", 1)


def test_before_the_log_begins_the_first_recorded_state_is_shown(org) -> None:
    s, clock, _ids = org
    clock.at = T1
    s.org.set_raci("erp", "msp", "A")
    past = state_as_of(s, T0 - 86_400)
    assert past.history.before_log
    assert past.raci == {("erp", "it"): "A", ("erp", "msp"): "R"}  # the set-up at T0 stands; the T1 change is undone
    assert [p.key for p in past.parties.values()] == ["it", "msp", "sec"]


def test_an_empty_log_and_an_unreadable_audit_row(tmp_path: Path) -> None:
    s = Store(tmp_path / "empty.db", actor="tester", clock=lambda: T0)
    try:
        past = state_as_of(s, T0)
        assert past.history.starts_at is None and past.raci == {} and past.handoffs(s, open_only=False) == []
        s.org.add_party({"key": "it", "name": "IT", "kind": "internal"})
        with s.write() as conn:  # a hand-edited row: skipped, not a crash
            conn.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                         "VALUES (?, 'x', 'update', 'party', '1', '{not json', '{}')", (T1,))
        assert [p.name for p in state_as_of(s, T0).parties.values()] == ["IT"]
    finally:
        s.close()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_moment_of_a_random_history_is_rebuilt_exactly(tmp_path: Path, seed: int) -> None:
    """Sixty random changes, one a second: the state rebuilt as of each second equals the one read live then."""
    import random

    from comanage_tui.data.errors import ComanageError

    rng = random.Random(seed)
    clock = Clock(T0)
    s = Store(tmp_path / "random.db", actor="tester", clock=clock)
    ids = build_org(s)
    s.handoffs.create({"from_party": "msp", "to_party": "it", "summary": "Second", "requested_at": T0})

    def fields(records) -> list[dict]:
        """A record's fields, less the bookkeeping no audit row keeps (today's `version` and `updated_at`)."""
        return [r.model_dump(exclude={"version", "updated_at"}) for r in records]

    def live():
        return (s.org.raci(), s.org.capabilities(), fields(s.kt.list()), fields(s.org.people()),
                fields(s.handoffs.list(open_only=False)), fields(sorted(s.org.parties(), key=lambda p: p.id)),
                fields(sorted(s.org.areas(), key=lambda a: a.id)))

    def rebuilt(at: int):
        p = state_as_of(s, at)
        return (p.raci, p.capabilities, fields(p.kt_items), fields(p.people), fields(p.handoffs(s, open_only=False)),
                fields(p.parties.values()), fields(p.areas.values()))

    seen = {T0: live()}
    people = [ids["ana"], ids["bo"]]
    for step in range(60):
        clock.at = T0 + 1 + step
        op = rng.randrange(8)
        try:
            if op == 0:
                s.org.set_raci(rng.choice(["erp", *([k] if (k := "mail") in {a.key for a in s.org.areas()} else [])]),
                               rng.choice(["it", "msp", "sec"]), rng.choice(["R", "A", "C", "I", None]))
            elif op == 1:
                item = rng.choice(s.kt.list())
                s.kt.update(item.id, {"status": rng.choice(["planned", "in_progress", "done", "verified"]),
                                      "learner_ids": rng.sample(people, rng.randrange(len(people) + 1))})
            elif op == 2:
                s.org.set_capabilities("erp", rng.sample(people, rng.randrange(len(people) + 1)))
            elif op == 3:
                s.org.add_capability("erp", rng.choice(people))
            elif op == 4:
                h = rng.choice(s.handoffs.list(open_only=False))
                action = rng.choice(["acknowledge", "accept", "return", "rerequest"])
                if action == "return":
                    s.handoffs.return_(h.id, f"reason {step}")
                else:
                    getattr(s.handoffs, action)(h.id)
            elif op == 5:
                people.append(s.org.add_person({"party": rng.choice(["it", "msp", "sec"]), "name": f"P{step}"}).id)
            elif op == 6:
                person = rng.choice(s.org.people())
                OrgConfigRepo(s).load_toml(f'[[person]]\nparty = "{rng.choice(["it", "msp", "sec"])}"\n'
                                           f'name = "{person.name}"\nactive = {rng.choice(["true", "false"])}\n')
            else:
                s.kt.add({"area": "erp", "topic": f"Item {step}", "status": "planned"})
                if rng.random() < 0.3:
                    OrgConfigRepo(s).load_toml('[[area]]\nkey = "mail"\nname = "Mail"\ncriticality = "'
                                               f'{rng.choice(["low", "high"])}"\n')
        except ComanageError:
            pass  # a step the state does not allow (accepting a returned handoff, say): nothing changed
        seen[clock.at] = live()
    try:
        changed = s.scalar("SELECT count(DISTINCT entity) || '/' || count(*) FROM audit_log WHERE at > ?", (T0,))
        for at, state in seen.items():
            assert rebuilt(at) == state, at
        kinds, rows = map(int, changed.split("/"))
        assert kinds >= 6 and rows >= 40, changed  # the history really covers the entities
    finally:
        s.close()


def test_audit_rows_edited_by_hand_leave_today_s_values(org) -> None:
    """Values that do not fit their record (a status that does not exist, a time that is text) are not
    taken: the record keeps today's values, and nothing fails."""
    s, _clock, ids = org
    with s.write() as conn:
        for entity, entity_id, before in (("kt_item", ids["kt"], '{"status": "bogus"}'),
                                          ("raci", "erp/msp", '["x"]'),
                                          ("capabilities", "erp", '["x"]'),
                                          ("handoff", ids["handoff"], '{"requested_at": "yesterday"}'),
                                          ("person", ids["bo"], '{"party": "nobody", "active": "maybe"}')):
            conn.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                         "VALUES (?, 'x', 'update', ?, ?, ?, '{}')", (T2, entity, str(entity_id), before))
    past, today = state_as_of(s, T1), state_as_of(s, T2)
    assert past.kt_items == today.kt_items and past.people == today.people
    assert past.raci == {("erp", "msp"): "R", ("erp", "it"): "A"} and past.capabilities == today.capabilities
    assert past.handoffs(s, open_only=False) == today.handoffs(s, open_only=False)
