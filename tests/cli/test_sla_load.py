"""`comanage sla load` refuses policies that mean something else, and tickets no policy covers are reported.

The installed command on a copy of a small demo; every refusal is one line naming the file, the
policy and the nearest valid value, and the database dump is the same before and after.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli import run

AS_OF = "2026-11-23T08:30:00Z"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sla-load") / "demo.db"
    assert run("--db", str(path), "demo", "--tickets", "40", "--now", AS_OF).returncode == 0
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_file, path)
    return path


def dump(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def shown_policies(db: Path) -> str:
    out = run("--db", str(db), "sla", "show")
    assert out.returncode == 0, out.stderr
    return out.stdout


def edit(text: str, policy: str, line: str) -> str:
    """`line` added to the [[policy]] table named `policy` of an `sla show` text."""
    marker = f'name = "{policy}"\n'
    assert marker in text
    return text.replace(marker, marker + line + "\n", 1)


CASES = {
    "pause status": ('pause_statuses = ["Waiting Customer"]',
                     "policy 'Business hours': pause status 'Waiting Customer' is not a status; did you mean 'waiting_customer'?"),
    "resolution stop": ('resolution_stop = "Closed"',
                        "policy 'Business hours': resolution_stop 'Closed' is not a status that stops the resolution clock; "
                        "did you mean 'closed'?"),
    "response stop": ('response_stop = "first-assignment"',
                      "policy 'Business hours': response_stop 'first-assignment' is not a response stop; "
                      "did you mean 'first_assignment'?"),
    "pause that stops": ('pause_statuses = ["resolved"]',
                         "policy 'Business hours': pause status 'resolved' stops the resolution clock"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_term_is_refused_naming_the_policy_and_the_nearest_value(demo: Path, tmp_path: Path, case: str) -> None:
    line, message = CASES[case]
    config = tmp_path / "sla.toml"
    config.write_text(edit(shown_policies(demo), "Business hours", line), encoding="utf-8")
    before = dump(demo)
    out = run("--db", str(demo), "sla", "load", str(config))
    assert out.returncode == 1 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert f"{config}: {message}" in out.stderr and out.stderr.rstrip().endswith("nothing was changed")
    assert dump(demo) == before


def test_a_policy_without_a_target_for_a_priority_it_matches_is_refused_unless_it_falls_through(
        demo: Path, tmp_path: Path) -> None:
    text = shown_policies(demo)
    # "SOC 24x7" has no P1 target, but the P1 policy before it takes every P1 ticket: accepted as it is.
    assert 'name = "SOC 24x7"' in text and "[policy.targets.P1]" in text
    without_first = text.split("[[policy]]")
    assert 'name = "P1 around the clock"' in without_first[1]
    config = tmp_path / "sla.toml"
    config.write_text("[[policy]]".join([without_first[0], *without_first[2:]]), encoding="utf-8")
    before = dump(demo)
    out = run("--db", str(demo), "sla", "load", str(config))
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    assert ("policy 'SOC 24x7': matches P1 tickets but has no P1 target; add the target, leave P1 out of "
            "match_priorities, or set fall_through = true to pass those tickets to the next policy; nothing was changed") \
        in out.stderr
    assert dump(demo) == before
    config.write_text(edit(config.read_text(encoding="utf-8"), "SOC 24x7", "fall_through = true"), encoding="utf-8")
    loaded = run("--db", str(demo), "sla", "load", str(config))
    assert loaded.returncode == 0, loaded.stderr
    assert "fall_through = true" in shown_policies(demo)


def test_tickets_no_policy_covers_are_counted_by_check_and_the_snapshot(demo: Path, tmp_path: Path) -> None:
    check = json.loads(run("--db", str(demo), "check", "--json", "--as-of", AS_OF).stdout)
    assert (check["uncovered_open"], check["uncovered_total"]) == (0, 0)
    # Only P1 tickets keep a policy; it says fall_through, so every other ticket is left without one.
    text = shown_policies(demo)
    config = tmp_path / "p1.toml"
    config.write_text(edit("[[policy]]".join(text.split("[[policy]]")[:2]), "P1 around the clock", "fall_through = true")
                      .replace('match_priorities = [\n    "P1",\n]\n', ""), encoding="utf-8")
    assert run("--db", str(demo), "sla", "load", str(config)).returncode == 0
    conn = sqlite3.connect(demo)
    total, open_ = conn.execute(f"SELECT count(*), sum(closed_at IS NULL OR closed_at > {_epoch(AS_OF)}) FROM tickets "
                                f"WHERE priority != 'P1' AND opened_at <= {_epoch(AS_OF)}").fetchone()
    conn.close()
    assert open_ > 0
    check = json.loads(run("--db", str(demo), "check", "--json", "--as-of", AS_OF).stdout)
    assert (check["uncovered_open"], check["uncovered_total"]) == (open_, total)
    snap = json.loads(run("--db", str(demo), "snapshot", "--format", "json", "--as-of", AS_OF).stdout)
    assert (snap["kpis"]["uncovered_open_tickets"], snap["kpis"]["uncovered_tickets"]) == (open_, total)
    assert any("have no SLA clocks" in limit for limit in snap["limits"])
    line = run("--db", str(demo), "check", "--as-of", AS_OF)
    assert f"{open_} open tickets without SLA policy" in line.stdout and f"uncovered={open_};;;0" in line.stdout


def _epoch(iso: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
