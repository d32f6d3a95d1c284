"""`comanage org show` / `comanage org load`: the installed command, from an empty database to a round trip."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tomllib
from pathlib import Path

from comanage_tui.data.store import Store
from tests.cli.test_cli import run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "org.toml"
SLA = REPO / "examples" / "servicenow-sla.toml"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("comanage: ")
    assert "Traceback" not in out.stderr
    return out.stderr


def test_from_init_to_a_round_trip_with_no_changes(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    assert run("--db", str(db), "init").returncode == 0
    assert run("--db", str(db), "sla", "load", str(SLA)).returncode == 0

    # The example, with the internal team on the SLA file's calendar.
    mine = tmp_path / "org.toml"
    mine.write_text(EXAMPLE.read_text(encoding="utf-8").replace('# calendar = "office"', 'calendar = "servicenow-weekdays"', 1),
                    encoding="utf-8")
    dry = run("--db", str(db), "org", "load", "--dry-run", str(mine))
    assert dry.returncode == 0, dry.stderr
    assert "+ person Ana Silva (internal)" in dry.stdout and "nothing was written" in dry.stdout
    with Store(db) as store:
        assert store.is_empty()

    loaded = run("--db", str(db), "--as", "lead", "org", "load", str(mine))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == ("Loaded org: parties 3 added; people 5 added; areas 4 added; RACI cells 9 changed; "
                             "capabilities 4 areas changed; 0 records not in the file left as they were.\n")

    shown = run("--db", str(db), "org", "show")
    assert shown.returncode == 0, shown.stderr
    doc = tomllib.loads(shown.stdout)
    assert [p["key"] for p in doc["party"]] == ["internal", "msp", "secops"]
    assert doc["party"][0]["calendar"] == "servicenow-weekdays"
    assert {"key": "identity", "raci": {"internal": "R", "msp": "C", "secops": "A"}}.items() <= next(
        a for a in doc["area"] if a["key"] == "identity").items()

    dumped = tmp_path / "dumped.toml"
    dumped.write_text(shown.stdout, encoding="utf-8")
    before = _sha(db)
    again = run("--db", str(db), "org", "load", str(dumped))
    assert again.returncode == 0, again.stderr
    assert again.stdout == ("Loaded org: parties 3 unchanged; people 5 unchanged; areas 4 unchanged; RACI cells 0 changed; "
                            "capabilities 0 areas changed; 0 records not in the file left as they were.\n")
    assert _sha(db) == before  # nothing was rewritten (a no-op load writes no page)
    with Store(db) as store:
        assert {e.actor for e in store.audit_log(entity="person")} == {"lead"}

    # The example as shipped (no calendar) loads into a brand-new database, no SLA needed.
    fresh = tmp_path / "fresh.db"
    assert run("--db", str(fresh), "init").returncode == 0
    assert run("--db", str(fresh), "org", "load", str(EXAMPLE)).returncode == 0


def test_an_error_is_one_line_naming_the_entry_and_nothing_changes(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    assert run("--db", str(db), "init").returncode == 0
    assert run("--db", str(db), "org", "load", str(EXAMPLE)).returncode == 0
    before = _sha(db)

    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace('raci = { secops = "R", internal = "A" }',
                                                             'raci = { secops = "R", internal = "X" }'), encoding="utf-8")
    err = _one_line_error(run("--db", str(db), "org", "load", str(bad)))
    assert "bad.toml: area[3].raci.internal: 'X' is not one of R, A, C, I; nothing was changed" in err

    bad.write_text('[[party]]\nkey = "internal"\ncalendar = "office"\n', encoding="utf-8")
    err = _one_line_error(run("--db", str(db), "org", "load", str(bad)))
    assert "party[0].calendar: unknown calendar 'office'" in err and "comanage sla show" in err

    bad.write_bytes(b'[[person]]\nparty = "msp"\nname = "\xff"\n')
    assert "not UTF-8" in _one_line_error(run("--db", str(db), "org", "load", str(bad)))

    bad.write_text('[[person]]\nparty = "msp"\nname = "Eve\\u001b]52;c;ZXZpbA==\\u0007"\n', encoding="utf-8")
    err = _one_line_error(run("--db", str(db), "org", "load", str(bad)))
    assert "person[0].name" in err and "control characters" in err and "\x1b" not in err

    bad.write_text('[[party]]\nkey = "msp"\n"\\u001b[2J\\u202e" = 1\n', encoding="utf-8")
    err = _one_line_error(run("--db", str(db), "org", "load", str(bad)))
    assert "not a field this entry has" in err and "\x1b" not in err and "\u202e" not in err

    err = _one_line_error(run("--db", str(db), "--read-only", "org", "load", str(EXAMPLE)))
    assert "read-only" in err
    assert _sha(db) == before


def test_show_on_a_missing_database_is_a_one_line_error(tmp_path: Path) -> None:
    _one_line_error(run("--db", str(tmp_path / "nothing.db"), "org", "show"))
    assert not (tmp_path / "nothing.db").exists()


def test_help_lists_org_and_the_command_line_stays_light() -> None:
    out = run("--help")
    assert out.returncode == 0 and "org" in out.stdout
    org = run("org", "--help")
    assert org.returncode == 0 and "show" in org.stdout and "load" in org.stdout
    assert "--dry-run" in run("org", "load", "--help").stdout
    code = "import sys, comanage_tui.cli; print(sorted(m for m in sys.modules if m.startswith('pydantic') or m.endswith('orgconfig')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
