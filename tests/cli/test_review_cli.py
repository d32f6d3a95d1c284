"""`comanage review` as a user runs it: the installed command in a subprocess on the hand-built fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from comanage_tui.data.readmodel.review.build import build_review
from comanage_tui.data.readmodel.review.model import json_schema_text
from comanage_tui.data.readmodel.review.period import parse_period
from comanage_tui.data.review.write import render_json
from comanage_tui.data.store import Store
from tests.data.review_fixture import NOW, build

ROOT = Path(__file__).resolve().parents[2]
NOW_ISO = "2026-10-05T12:00:00Z"  # review_fixture.NOW


def comanage() -> list[str]:
    script = Path(sys.executable).with_name("comanage")
    return [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]


def review(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([*comanage(), "--db", str(db), "--now", NOW_ISO, "review", *args], capture_output=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review-cli") / "r.db"
    build(path).close()
    return path


def test_json_is_the_read_model_validates_and_is_deterministic(db: Path) -> None:
    first, second = review(db, "--format", "json"), review(db, "--format", "json", "--quarter", "2026Q3")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # the default is the last complete quarter; two runs, the same bytes
    with Store(db, actor="t", read_only=True) as s:
        assert first.stdout.decode() == render_json(build_review(s, parse_period(now=NOW)))
    schema = json.loads((ROOT / "docs" / "review.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(first.stdout))


def test_committed_schema_is_current(db: Path) -> None:
    out = review(db, "--schema")
    assert out.returncode == 0
    assert out.stdout.decode() == json_schema_text() == (ROOT / "docs" / "review.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_every_format_is_byte_identical_twice_and_written_to_a_file(db: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"r.{fmt}"
    a = review(db, "--format", fmt, "-o", str(target))
    assert a.returncode == 0 and b"Review written to" in a.stderr
    b = review(db, "--format", fmt)
    assert target.read_bytes() == b.stdout
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_markdown_fits_80_columns(db: Path) -> None:
    for args in ((), ("--month", "2026-09"), ("--from", "2026-08-01", "--to", "2026-09-30")):
        out = review(db, *args).stdout.decode()
        assert out.startswith("# Review")
        assert max(len(line) for line in out.splitlines()) <= 80
    assert "# Review 2026-09" in review(db, "--month", "2026-09").stdout.decode()


def test_html_is_one_file_without_script(db: Path) -> None:
    out = review(db, "--format", "html").stdout.decode()
    assert out.startswith("<!DOCTYPE html>") and "@page { size: A4" in out and out.count("<svg") == 4
    assert "<script" not in out.lower() and "http://" not in out.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize(("args", "words"), [
    (("--quarter", "2026Q7"), "--quarter: '2026Q7' is not a quarter such as 2026Q4"),
    (("--month", "2026-11", "--quarter", "2026Q4"), "give one of --quarter, --month or --from/--to"),
    (("--from", "2026-10-05", "--to", "2026-10-01"), "--to: 2026-10-01 is before --from 2026-10-05"),
])
def test_bad_period_is_one_line_and_exit_1(db: Path, args: tuple, words: str) -> None:
    out = review(db, *args)
    assert out.returncode == 1 and out.stdout == b""
    err = out.stderr.decode()
    assert err.count("\n") == 1 and words in err
