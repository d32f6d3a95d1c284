"""`comanage check` exits 3 (UNKNOWN) with exactly one line for every failure of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import run

AS_OF = "2026-11-23T08:30:00Z"


def _cases(tmp: Path) -> dict[str, list[str]]:
    damaged = tmp / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    not_sqlite = tmp / "notes.db"
    not_sqlite.write_text("just some text, not a database\n" * 100)
    return {
        "folder as --db": ["--db", str(tmp), "check", "--as-of", AS_OF],
        "mistyped group option": ["--db", str(damaged), "--bogus", "check"],
        "mistyped check option": ["--db", str(damaged), "check", "--warn-at-rsik"],
        "missing value": ["--db", str(damaged), "check", "--as-of"],
        "missing database": ["--db", str(tmp / "nothing.db"), "check", "--as-of", AS_OF],
        "damaged database": ["--db", str(damaged), "check", "--as-of", AS_OF],
        "not a database": ["--db", str(not_sqlite), "check", "--as-of", AS_OF],
        "bad --as-of": ["--db", str(damaged), "check", "--as-of", "yesterday"],
    }


@pytest.mark.parametrize("case", [
    "folder as --db", "mistyped group option", "mistyped check option", "missing value", "missing database",
    "damaged database", "not a database", "bad --as-of"])
def test_every_failure_of_check_is_unknown_with_one_line(case: str, tmp_path: Path) -> None:
    out = run(*_cases(tmp_path)[case])
    assert out.returncode == 3, (out.stdout, out.stderr)
    assert out.stdout.startswith("COMANAGE UNKNOWN - ") and out.stdout.count("\n") == 1, out.stdout
    assert out.stderr == "", out.stderr


def test_other_commands_keep_their_usage_errors(tmp_path: Path) -> None:
    """Only `check` turns the group's usage errors into UNKNOWN; the rest still exit 2 with click's usage text."""
    for args in (["--db", str(tmp_path), "info"], ["--bogus", "info"]):
        out = run(*args)
        assert out.returncode == 2 and "Usage:" in out.stderr and "COMANAGE" not in out.stdout
