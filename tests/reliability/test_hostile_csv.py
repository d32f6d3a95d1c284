"""Hostile CSV exports and snapshot files through the real `comanage`: nothing from them reaches a terminal raw."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from pathlib import Path

from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.reliability.csv_drill import MAPPING
from tests.reliability.hostile import UNSAFE_CHARS

# What reached a real pty before: clipboard write, window title, clear screen, colour, C1 CSI, bidi override.
SEQUENCES = {
    "osc52": "\x1b]52;c;ZXZpbA==\x07",
    "osc0": "\x1b]0;pwned\x07",
    "clear": "\x1b[2J\x1b[H",
    "sgr": "\x1b[31;1m",
    "c1": "\x9b31m\x9d0;x\x9c",
    "bidi": "\u202e",
}
HEADER = ["ref", "title", "opened_at", "status", "priority"]


def comanage(*args: str, cwd: Path | None = None, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([*comanage_cmd(), *args], capture_output=True, text=True, timeout=120, cwd=cwd, stdin=stdin,
                          env={**os.environ, "COLUMNS": "200"})


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def assert_inert(*texts: str) -> None:
    for text in texts:
        found = sorted({f"U+{ord(c):04X}" for c in UNSAFE_CHARS.findall(text)})
        assert not found, f"raw control or bidi characters reached the output: {found}\n{text[:2000]!r}"


def hostile_rows() -> list[list[str]]:
    """One good row, then for each sequence a row whose date, state, priority or ref carries it."""
    rows = [["OK-1", "fine", "2026-10-01T09:00:00+00:00", "in_progress", "P2"]]
    for i, (name, seq) in enumerate(SEQUENCES.items()):
        rows.append([f"D-{name}", "t", f"2026-10-0{1 + i}{seq}", "new", "P2"])
        rows.append([f"S-{name}", "t", "2026-10-01T09:00:00+00:00", f"new{seq}", "P2"])
        rows.append([f"P-{name}", "t", "2026-10-01T09:00:00+00:00", "new", f"P9{seq}"])
        if "\x1b" in seq or "\x9b" in seq:  # a ref with a control character is refused as a ref
            rows.append([f"R-{name}{seq}", "t", "2026-10-01T09:00:00+00:00", "new", "P2"])
    return rows


def test_rejected_row_details_never_carry_escapes(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "evil.csv", hostile_rows())
    (tmp_path / "map.toml").write_text(MAPPING)
    db = tmp_path / "x.db"
    Store(db).close()
    refused = comanage("--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"),
                       "--report", str(tmp_path / "r.txt"))
    assert refused.returncode == 1
    skipped = comanage("--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"), "--skip-bad-rows",
                       "--report", str(tmp_path / "r.json"), "-v")
    assert skipped.returncode == 0, skipped.stderr
    dry = comanage("--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"), "--dry-run")
    report_text, report_json = (tmp_path / "r.txt").read_text(), (tmp_path / "r.json").read_text()
    assert_inert(refused.stdout, refused.stderr, skipped.stdout, skipped.stderr, dry.stdout, dry.stderr, report_text)
    # JSON escapes C0 itself; what it leaves raw (C1, bidi) must be cleaned too.
    assert_inert(json.dumps(json.loads(report_json), ensure_ascii=False).replace("\\u001b", ""))
    assert not UNSAFE_CHARS.search("".join(r["detail"] + r["ref"] for r in json.loads(report_json)["rejected_rows"]))
    # Still useful: each message names its line and the field that failed.
    rows = hostile_rows()
    bad = len(rows) - 1
    assert json.loads(report_json)["rows_rejected"] == bad
    assert f"{bad} rejected" in report_text
    assert re.search(r"line 3: D-osc52: opened_at: '2026-10-01\ufffd\]52;c;ZXZpbA==\ufffd' is not a date", report_text)
    assert "line 4: S-osc52: state 'new\ufffd]52;c;ZXZpbA==\ufffd' is not in the mapping's [status] table" in report_text
    assert "line 5: P-osc52: priority 'P9\ufffd]52;c;ZXZpbA==\ufffd' is not in the mapping" in report_text
    assert "line 6: R-osc52\ufffd]52;c;ZXZpbA==\ufffd: a ticket number must be" in report_text
    with Store(db) as s:
        assert s.tickets.count() == 1


def test_missing_column_error_shows_header_names_inert(tmp_path: Path) -> None:
    header = ["ref", "title", "opened" + SEQUENCES["osc52"], "status" + SEQUENCES["bidi"], "priority" + SEQUENCES["clear"]]
    data = write_csv(tmp_path / "h.csv", [["A-1", "t", "2026-10-01", "new", "P1"]], header)
    (tmp_path / "map.toml").write_text(MAPPING)
    out = comanage("--db", str(tmp_path / "x.db"), "import", str(data), "--mapping", str(tmp_path / "map.toml"))
    assert out.returncode == 1
    assert_inert(out.stdout, out.stderr)
    assert "column 'opened_at' (columns.opened_at in the mapping) is not in the header" in out.stderr
    assert "opened\ufffd]52;c;ZXZpbA==\ufffd" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_hostile_file_name_is_inert(tmp_path: Path) -> None:
    data = write_csv(tmp_path / f"x{SEQUENCES['osc0']}{SEQUENCES['bidi']}.csv", [["A-1", "t", "1/1/0001", "new", "P1"]])
    (tmp_path / "map.toml").write_text(MAPPING)
    out = comanage("--db", str(tmp_path / "x.db"), "import", str(data), "--mapping", str(tmp_path / "map.toml"),
                   "--skip-bad-rows", cwd=tmp_path)
    assert_inert(out.stdout, out.stderr)
    assert "x\ufffd]0;pwned\ufffd\ufffd.csv" in out.stdout


def test_snapshot_since_never_echoes_a_hostile_key(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    Store(db).close()
    good = comanage("--db", str(db), "snapshot", "--format", "json", "--as-of", "2026-11-23T08:30:00Z")
    assert good.returncode == 0, good.stderr
    doc = json.loads(good.stdout)
    for name, seq in SEQUENCES.items():
        evil = tmp_path / f"evil-{name}.json"
        evil.write_text(json.dumps({**doc, f"k{seq}ey": 1}), encoding="utf-8")
        out = comanage("--db", str(db), "snapshot", "--since", str(evil), "--as-of", "2026-11-23T08:30:00Z")
        assert out.returncode == 1
        assert_inert(out.stdout, out.stderr)
        assert f"is not a valid snapshot: k{seq.translate({ord(c): 0xFFFD for c in UNSAFE_CHARS.findall(seq)})}ey" in out.stderr


def test_snapshot_since_nested_too_deep_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    Store(db).close()
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    out = comanage("--db", str(db), "snapshot", "--since", str(deep), "--as-of", "2026-11-23T08:30:00Z")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "nests JSON too deeply" in out.stderr
