"""`comanage import` and `comanage import-verdicts`, run in a subprocess as a user or cron would."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from comanage_tui.data.store import Store

# Registers the commands if cli.py does not (yet), then runs the real click entry point.
SHIM = (
    "from comanage_tui.cli import main\n"
    "from comanage_tui.cli_import import import_cmd, import_verdicts_cmd\n"
    "main.commands.setdefault('import', import_cmd)\n"
    "main.commands.setdefault('import-verdicts', import_verdicts_cmd)\n"
    "main(prog_name='comanage')\n"
)
REPO = Path(__file__).resolve().parents[2]
HEADER = ["number", "incident_state", "reassignment_count", "reopen_count", "sys_mod_count", "made_sla", "opened_at",
          "sys_updated_at", "category", "subcategory", "u_symptom", "priority", "assignment_group", "assigned_to"]


def comanage(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", SHIM, *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=cwd, stdin=subprocess.DEVNULL)


def export(path: Path, *, bad: bool = False) -> Path:
    rows = [
        ["INC1", "New", "0", "0", "0", "true", "1/3/2016 09:00", "1/3/2016 09:05", "Category 26", "S", "Y", "3 - Moderate", "Group 70", "?"],
        ["INC1", "Active", "1", "0", "1", "true", "1/3/2016 09:00", "1/3/2016 09:30", "Category 26", "S", "Y", "3 - Moderate", "Group 24", "Resolver 1"],
        ["INC1", "Closed", "1", "0", "2", "true", "1/3/2016 09:00", "2/3/2016 10:00", "Category 26", "S", "Y", "3 - Moderate", "Group 24", "Resolver 1"],
        ["INC2", "New", "0", "0", "0", "false", "1/3/2016 10:00", "1/3/2016 10:00", "Category 9", "S", "Y", "1 - Critical", "Group 70", "?"],
        ["INC2", "Closed", "0", "0", "1", "false", "1/3/2016 10:00", "9/3/2016 10:00", "Category 9", "S", "Y", "1 - Critical", "Group 70", "?"],
    ]
    if bad:
        rows.append(["INC3", "New", "0", "0", "0", "true", "1/3/2016 10:00", "30/2/2016 10:00", "C", "S", "Y", "3 - Moderate", "G", "?"])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_help_names_every_option() -> None:
    out = comanage("import", "--help")
    assert out.returncode == 0
    for word in ("--preset", "--mapping", "--tz", "--dry-run", "--skip-bad-rows", "--report", "servicenow", "generic"):
        assert word in out.stdout


def test_import_is_quiet_without_a_terminal_and_idempotent(tmp_path: Path) -> None:
    db, path = tmp_path / "c.db", export(tmp_path / "sn.csv")
    mapping = str(REPO / "examples" / "servicenow-mapping.toml")
    first = comanage("--db", str(db), "import", str(path), "--preset", "servicenow", "--mapping", mapping)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "" and first.stderr == ""  # under cron: no progress bar, no chatter
    again = comanage("--db", str(db), "import", str(path), "--mapping", mapping, "-v")
    assert again.returncode == 0, again.stderr
    assert "2 already present, 0 of them changed" in again.stdout
    with Store(db) as store:
        assert store.tickets.count() == 2 and len(store.audit_log(entity="import")) == 2
        assert store.tickets.by_ref("INC1").holder_party_key == "msp"


def test_bad_rows_refuse_the_import_and_leave_the_database_alone(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert comanage("--db", str(db), "import", str(export(tmp_path / "ok.csv")), "--preset", "servicenow").returncode == 0
    before = sha(db)
    report = tmp_path / "rejects.json"
    out = comanage("--db", str(db), "import", str(export(tmp_path / "bad.csv", bad=True)), "--preset", "servicenow",
                   "--report", str(report))
    assert out.returncode == 1
    assert "line 7: INC3: sys_updated_at: '30/2/2016 10:00' is not a date" in out.stderr
    assert "nothing was imported" in out.stderr and "--skip-bad-rows" in out.stderr
    assert sha(db) == before
    doc = json.loads(report.read_text())
    assert doc["refused"] is True and doc["rejected_rows"][0]["line"] == 7


def test_skip_bad_rows_writes_the_report_next_to_the_user(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    out = comanage("--db", str(db), "import", str(export(tmp_path / "bad.csv", bad=True)), "--preset", "servicenow",
                   "--skip-bad-rows", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    written = tmp_path / "bad.csv.import-report.txt"
    assert "line 7: INC3" in written.read_text() and str(written) in out.stderr
    with Store(db) as store:
        assert store.tickets.count() == 2


def test_dry_run_prints_the_report_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    out = comanage("--db", str(db), "import", str(export(tmp_path / "bad.csv", bad=True)), "--preset", "servicenow", "--dry-run")
    assert out.returncode == 1  # a real import would be refused
    assert out.stdout.startswith("Dry run of bad.csv") and "1 rejected" in out.stdout
    assert not db.exists()
    ok = comanage("--db", str(db), "import", str(export(tmp_path / "ok.csv")), "--preset", "servicenow", "--dry-run")
    assert ok.returncode == 0 and "2 new" in ok.stdout


def test_mistakes_are_one_line_errors_not_tracebacks(tmp_path: Path) -> None:
    path = export(tmp_path / "ok.csv")
    tz = comanage("--db", str(tmp_path / "c.db"), "import", str(path), "--preset", "servicenow", "--tz", "Mars/Base")
    assert tz.returncode == 1 and "unknown time zone 'Mars/Base'" in tz.stderr and "Traceback" not in tz.stderr
    generic = comanage("--db", str(tmp_path / "c.db"), "import", str(path))
    assert generic.returncode == 1 and "column 'ref' (columns.ref" in generic.stderr and "Traceback" not in generic.stderr


def test_import_verdicts_compares_with_the_stored_policies(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert comanage("--db", str(db), "init").returncode == 0
    assert comanage("--db", str(db), "sla", "load", str(REPO / "examples" / "servicenow-sla.toml")).returncode == 0
    none = comanage("--db", str(db), "import-verdicts")
    assert none.returncode == 1 and "source_sla_met" in none.stderr
    mapping = str(REPO / "examples" / "servicenow-mapping.toml")
    assert comanage("--db", str(db), "import", str(export(tmp_path / "sn.csv")), "--mapping", mapping).returncode == 0
    out = comanage("--db", str(db), "import-verdicts", "--source", "servicenow", "--as-of", "2026-01-01T00:00:00Z")
    assert out.returncode == 0, out.stderr
    assert "P1" in out.stdout and "P3" in out.stdout and "agree %" in out.stdout
    js = json.loads(comanage("--db", str(db), "import-verdicts", "--json", "--as-of", "2026-01-01T00:00:00Z").stdout)
    total = js["rows"][-1]
    # INC1: closed within a day of weekday time, made_sla true -> both met; INC2: P1 closed after 8 days -> both missed.
    assert (total["priority"], total["compared"], total["both_met"], total["both_missed"]) == ("all", 2, 1, 1)
