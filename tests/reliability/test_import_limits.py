"""Broken quotes, oversized lines, gzip bombs, huge template widths, odd dates, pipes: real `comanage import` runs."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.reliability.test_hostile_csv import MAPPING, comanage

ROWS = 20_000
OPENED = "2026-10-01T09:00:00+00:00"


def big_csv(path: Path, *, broken: dict[int, str] | None = None, quoted_titles: bool = False) -> Path:
    """ROWS tickets T-0 … ; `broken` replaces the line of row i (line i + 2) with raw text."""
    broken = broken or {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("ref,title,opened_at,status,priority\n")
        for i in range(ROWS):
            title = f'"Ticket {i}, quoted"' if quoted_titles and i % 7 == 0 else f"Ticket {i}"
            fh.write(broken.get(i, f"T-{i},{title},{OPENED},new,P{1 + i % 4}") + "\n")
    return path


def run_import(tmp_path: Path, data: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    (tmp_path / "map.toml").write_text(MAPPING)
    db = tmp_path / "x.db"
    if not db.exists():
        Store(db).close()
    return comanage("--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"), *args), db


def tickets(db: Path) -> list[str]:
    with Store(db) as s:
        return [r[0] for r in s.conn.execute("SELECT ref FROM tickets ORDER BY id")]


@pytest.mark.parametrize("quoted_titles", [False, True], ids=["field-limit", "next-quote"])
def test_unclosed_quote_refuses_even_with_skip_bad_rows_naming_the_lines(tmp_path: Path, quoted_titles: bool) -> None:
    # Before: "17,532 read, 17,531 imported, 1 rejected" - 2,468 tickets vanished without a word.
    data = big_csv(tmp_path / "q.csv", broken={5_000: f'T-5000,"Ticket 5000 is broken,{OPENED},new,P1'},
                   quoted_titles=quoted_titles)
    out, db = run_import(tmp_path, data, "--skip-bad-rows")
    assert out.returncode == 1
    assert "line 5,002" in out.stderr and "--skip-bad-rows cannot skip this" in out.stderr
    assert re.search(r"lines 5,002–[\d,]+ \([\d,]+ lines\)", out.stderr), out.stderr
    assert "nothing was imported" in out.stderr and "Traceback" not in out.stderr
    assert tickets(db) == []


def test_unclosed_quote_to_the_end_of_the_file_says_so(tmp_path: Path) -> None:
    data = big_csv(tmp_path / "q.csv", broken={ROWS - 10: f'T-x,"never closed,{OPENED},new,P1'})
    out, db = run_import(tmp_path, data, "--skip-bad-rows")
    assert out.returncode == 1
    assert "the file ends inside a quoted field: lines 19,992–20,001 (10 lines)" in out.stderr
    assert tickets(db) == []


def test_a_cell_over_the_field_limit_never_becomes_rows(tmp_path: Path) -> None:
    # Before: the csv module gave up at 131,072 characters and read on inside the quote: R9 was imported.
    huge = "x" * 140_000 + f"\nR9,injected,{OPENED},new,P1\n" + "y" * 10
    data = big_csv(tmp_path / "f.csv", broken={3: f'T-3,"{huge}",{OPENED},new,P1'})
    out, db = run_import(tmp_path, data, "--skip-bad-rows")
    assert out.returncode == 1
    assert "longer than 131,072 characters" in out.stderr and "line 5" in out.stderr
    assert tickets(db) == []
    dry = run_import(tmp_path, data, "--dry-run", "--skip-bad-rows")[0]
    assert dry.returncode == 1 and "injected" not in dry.stdout + dry.stderr


def test_an_error_within_one_line_is_one_rejected_row_and_the_rest_is_exact(tmp_path: Path) -> None:
    long_cell = f'T-7,"{"z" * 140_000}",{OPENED},new,P1'  # over the limit, but its quotes pair up on one line
    data = big_csv(tmp_path / "s.csv", broken={5: f'T-5,"Ticket 5"x,{OPENED},new,P1', 7: long_cell})
    out, db = run_import(tmp_path, data, "--skip-bad-rows", "--report", str(tmp_path / "r.json"))
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert [(r["line"], r["reason"]) for r in report["rejected_rows"]] == [(7, "csv syntax"), (9, "csv syntax")]
    refs = tickets(db)
    assert len(refs) == ROWS - 2 and "T-5" not in refs and "T-7" not in refs


def _bomb(path: Path, line: bytes, total: int) -> Path:
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b"ref,title,opened_at,status,priority\n")
        block = line * ((1 << 20) // len(line))
        for _ in range(total // len(block)):
            fh.write(block)
    return path


def _measured(args: list[str]) -> tuple[subprocess.CompletedProcess, int]:
    """Run a command in a fresh interpreter that reports its child's peak RSS (KiB), alone."""
    probe = ("import resource, subprocess, sys, json; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(json.dumps([p.returncode, p.stdout, p.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    res = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=300)
    code, stdout, stderr, rss = json.loads(res.stdout)
    return subprocess.CompletedProcess(args, code, stdout, stderr), rss


@pytest.mark.parametrize("dry", [True, False], ids=["dry-run", "import"])
def test_gzip_bomb_of_one_endless_line_is_refused_early(tmp_path: Path, dry: bool) -> None:
    # Before: 200 MB in one line took 66 s and 1.47 GB of memory.
    data = _bomb(tmp_path / "bomb.csv.gz", b"A" * 4096, 200 << 20)
    assert data.stat().st_size < 400_000
    db = tmp_path / "x.db"
    Store(db).close()
    before = db.read_bytes()
    (tmp_path / "map.toml").write_text(MAPPING)
    out, rss_kib = _measured([*comanage_cmd(), "--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"),
                              *(["--dry-run"] if dry else [])])
    assert out.returncode == 1
    assert "line 2 is longer than 1,048,576 bytes (the limit for one line)" in out.stderr
    assert rss_kib < 300 * 1024, f"peak RSS {rss_kib // 1024} MiB"
    assert db.read_bytes() == before


def test_gzip_that_expands_too_far_is_refused(tmp_path: Path) -> None:
    data = _bomb(tmp_path / "many.csv.gz", b"B,b,2026-10-01,new,P1\n", 40 << 20)
    out, db = run_import(tmp_path, data, "--skip-bad-rows")
    assert out.returncode == 1
    assert "expands more than 100-fold" in out.stderr and "nothing was imported" in out.stderr
    assert tickets(db) == []


def test_title_template_width_is_refused_when_the_mapping_loads(tmp_path: Path) -> None:
    # Before: every row built a 3 GB string.
    mapping = tmp_path / "wide.toml"
    mapping.write_text(MAPPING + '[columns]\ntitle_template = "{title:x>3000000000}"\n')
    data = big_csv(tmp_path / "w.csv")
    db = tmp_path / "none.db"
    out = comanage("--db", str(db), "import", str(data), "--mapping", str(mapping))
    assert out.returncode == 1
    assert "over 500 (the limit" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_refused_import_creates_no_database_and_claims_no_imported_rows(tmp_path: Path) -> None:
    data = big_csv(tmp_path / "r.csv", broken={10: "T-10,bad date,32/13/2026,new,P1"})
    (tmp_path / "map.toml").write_text(MAPPING)
    db = tmp_path / "new.db"
    out = comanage("--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"))
    assert out.returncode == 1
    assert not db.exists() and not Path(f"{db}-wal").exists()
    # Before: "rows: 20,000 read, 19,999 imported, 1 rejected" above "nothing was imported".
    assert not re.search(r"\d imported", out.stderr), out.stderr
    assert "20,000 read, 1 rejected; none imported (refused)" in out.stderr
    ok = comanage("--db", str(db), "import", str(data), "--mapping", str(tmp_path / "map.toml"), "--skip-bad-rows",
                  cwd=tmp_path)
    assert ok.returncode == 0 and len(tickets(db)) == ROWS - 1


def test_dates_before_1970_or_after_2200_are_rejected_as_out_of_range(tmp_path: Path) -> None:
    odd = {1: "T-1,a,0001-01-01T00:00:00+00:00,new,P1", 2: "T-2,b,1969-12-31T23:59:59+00:00,new,P1",
           3: "T-3,c,2200-01-01T00:00:00+00:00,new,P1", 4: "T-4,d,9999-12-31T23:59:59+00:00,new,P1"}
    data = big_csv(tmp_path / "d.csv", broken=odd)
    out, db = run_import(tmp_path, data, "--skip-bad-rows", "--report", str(tmp_path / "r.json"))
    assert out.returncode == 0, out.stderr
    rejected = json.loads((tmp_path / "r.json").read_text())["rejected_rows"]
    assert [r["line"] for r in rejected] == [3, 4, 5, 6]
    assert all("is out of range (dates from 1970 up to 2200 are imported)" in r["detail"] for r in rejected)
    assert len(tickets(db)) == ROWS - 4
    check = subprocess.run([*comanage_cmd(), "--db", str(db), "check", "--as-of", "2026-11-23T08:30:00Z"],
                           capture_output=True, text=True, timeout=120)
    assert "Traceback" not in check.stderr and check.returncode in (0, 1, 2)


def test_import_reads_standard_input_and_a_pipe(tmp_path: Path) -> None:
    data = big_csv(tmp_path / "p.csv")
    (tmp_path / "map.toml").write_text(MAPPING)
    db = tmp_path / "x.db"
    with data.open("rb") as fh:
        out = comanage("--db", str(db), "import", "-", "--mapping", str(tmp_path / "map.toml"), stdin=fh)
    assert out.returncode == 0, out.stderr
    assert len(tickets(db)) == ROWS
    # `import <(zcat …)`: a /dev/fd path to a pipe. Before: "no such file".
    zcat = subprocess.Popen(["gzip", "-c", str(data)], stdout=subprocess.PIPE)
    gz = tmp_path / "p.csv.gz"
    gz.write_bytes(zcat.communicate()[0])
    feed = subprocess.Popen(["gzip", "-dc", str(gz)], stdout=subprocess.PIPE)
    fd = feed.stdout.fileno()
    piped = subprocess.run([*comanage_cmd(), "--db", str(tmp_path / "y.db"), "import", f"/dev/fd/{fd}", "--mapping",
                            str(tmp_path / "map.toml")], capture_output=True, text=True, timeout=120, pass_fds=(fd,))
    feed.wait()
    assert piped.returncode == 0, piped.stderr
    assert len(tickets(tmp_path / "y.db")) == ROWS
