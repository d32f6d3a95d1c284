"""`comanage log`: who changed what and when, in words, filtered and paged; the real command in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from comanage_tui.data.repos.orgconfig import OrgConfigRepo
from comanage_tui.data.store import Store
from tests.cli.test_cli import run
from tests.past_org import T0, T1, Clock, build_org

HOSTILE = "[red]Boom[/red] \x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil"


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def log_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The small organisation at T0 (as 'tester'); at T1 'msp-tom' changes a letter, a KT status, a handoff
    and who is in which party; a KT item with a hostile topic."""
    db = tmp_path_factory.mktemp("log") / "log.db"
    clock = Clock(T0)
    with Store(db, actor="tester", clock=clock) as store:
        ids = build_org(store)
    clock.at = T1
    with Store(db, actor="msp-tom", clock=clock) as store:
        store.org.set_raci("erp", "msp", "A")
        store.kt.set_status(ids["kt"], "in_progress")
        store.handoffs.acknowledge(ids["handoff"])
        OrgConfigRepo(store).load_toml('[[person]]\nparty = "sec"\nname = "Bo"\nemail = "bo@example.org"\n')
        store.kt.add({"area": "erp", "topic": HOSTILE, "status": "planned"})
    return db, ids


def what(line: str) -> str:
    """The change in words: what follows the time and the (padded) actor."""
    return re.match(r"^\S+ \S+  \S+\s+(.*)$", line).group(1)


def log(db: Path, *args: str) -> tuple[list[str], str]:
    out = run("--db", str(db), "--now", iso(T1 + 600), "log", *args)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines(), out.stderr


def test_newest_first_in_words(log_db) -> None:
    db, _ids = log_db
    lines, _err = log(db, "--since", "30m")  # 30 minutes before --now: the changes at T1 only
    whats = [what(line) for line in lines]
    assert whats[1:] == [
        "person Bo: party msp → sec",
        "handoff #1 it→msp: requested → acknowledged",
        "KT 'Backup restore runbook': planned → in_progress",
        "RACI erp/msp: R → A",
    ]
    assert whats[0].startswith("KT '[red]Boom[/red] ") and whats[0].endswith("evil' added (planned)")
    assert all(line.startswith("2026-11-13 10:30  msp-tom  ") for line in lines)  # Berlin time, the internal calendar's


def test_filters_by_actor_kind_and_moment(log_db) -> None:
    db, _ids = log_db
    tester, _ = log(db, "--actor", "tester", "--limit", "100")
    assert tester and all("  tester  " in line for line in tester)
    assert len(tester) == Store(db, create=False, read_only=True).scalar(
        "SELECT count(*) FROM audit_log WHERE actor = 'tester'")
    raci, _ = log(db, "--entity", "raci")
    assert [what(line) for line in raci] == ["RACI erp/msp: R → A", "RACI erp/msp: – → R", "RACI erp/it: – → A"]
    since_iso, _ = log(db, "--since", iso(T1), "--entity", "handoff")
    assert [what(line) for line in since_iso] == ["handoff #1 it→msp: requested → acknowledged"]
    none, _ = log(db, "--actor", "nobody")
    assert none == ["No changes recorded that match."]


def test_paged_with_the_next_page_named(log_db) -> None:
    db, _ids = log_db
    first, err = log(db, "--limit", "3")
    assert len(first) == 3
    next_id = int(err.strip().rsplit(" ", 1)[1])
    second, _ = log(db, "--limit", "3", "--before-id", str(next_id))
    assert len(second) == 3 and not set(first) & set(second)
    page = json.loads(run("--db", str(db), "--now", iso(T1), "log", "--json", "--limit", "3").stdout)
    assert page["next_before_id"] == next_id and [e["id"] for e in page["entries"]] == sorted(
        (e["id"] for e in page["entries"]), reverse=True)


def test_json_names_the_target_and_keeps_before_and_after(log_db) -> None:
    db, ids = log_db
    out = run("--db", str(db), "--now", iso(T1), "log", "--json", "--entity", "kt", "--since", iso(T1))
    entries = json.loads(out.stdout)["entries"]
    status = next(e for e in entries if e["action"] == "update")
    assert status["before"] == {"status": "planned"} and status["after"] == {"status": "in_progress"}
    assert status["target"] == {"screen": "knowledge", "id": ids["kt"]} and status["actor"] == "msp-tom"
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout  # escaped as \uXXXX, never raw


def test_hostile_text_is_inert(log_db) -> None:
    db, _ids = log_db
    out = run("--db", str(db), "--now", iso(T1), "log", "--entity", "kt")
    assert out.returncode == 0
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout and "\u202e" not in out.stdout
    assert "[red]Boom[/red]" in out.stdout  # markup shown as typed, not interpreted


@pytest.mark.parametrize(("args", "said"), [
    (["--entity", "tickets-and-stuff"], "unknown kind 'tickets-and-stuff' (one of: raci, kt"),
    (["--since", "yesterday"], "give a duration such as 12h"),
    (["--since", "2026-11-13T10:00:00"], "no UTC offset"),
])
def test_bad_filters_are_one_line_errors(log_db, args: list[str], said: str) -> None:
    db, _ids = log_db
    out = run("--db", str(db), "--now", iso(T1), "log", *args)
    assert out.returncode == 1 and said in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_global_as_of_lists_what_was_recorded_by_then(log_db) -> None:
    db, _ids = log_db
    out = run("--db", str(db), "--as-of", iso(T1 - 1), "log", "--limit", "100")
    assert out.returncode == 0 and out.stdout
    assert "msp-tom" not in out.stdout and "RACI erp/msp: – → R" in out.stdout


def test_a_hand_edited_audit_row_is_listed_plainly(tmp_path: Path) -> None:
    db = tmp_path / "odd.db"
    with Store(db, actor="tester", clock=Clock(T0)) as store:
        build_org(store)
        with store.write() as conn:
            conn.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                         "VALUES (?, 'someone', 'insert', 'kt_item', '1', NULL, '[\"not\", \"a\", \"dict\"]')", (T1,))
            conn.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                         "VALUES (?, 'someone', 'update', 'raci', 'erp/it', '{bad json', 'A')", (T1,))
    lines, _ = log(db, "--actor", "someone")
    assert [what(line) for line in lines] == ["RACI erp/it: {bad json → A", "kt_item 1: insert"]
