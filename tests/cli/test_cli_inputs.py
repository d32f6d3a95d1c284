"""Hostile or mistaken input files for the CLI: one clear line naming the file, never a traceback, nothing changed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from comanage_tui.data.sla.policy import MAX_TARGET_MINUTES
from tests.cli.test_cli import run

AS_OF = "2026-11-23T08:30:00Z"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inputs") / "demo.db"
    assert run("--db", str(path), "demo", "--tickets", "30", "--now", AS_OF).returncode == 0
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(out, *words: str) -> None:  # CompletedProcess
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    for w in words:
        assert w in out.stderr, out.stderr


def test_since_nested_200k_deep_is_one_line(demo: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    _one_line(run("--db", str(demo), "snapshot", "--since", str(deep), "--as-of", AS_OF), "--since", str(deep), "nested")


def test_sla_load_of_a_non_utf8_file_names_the_file_and_byte(demo: Path, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.toml"
    latin.write_bytes('[[calendar]]\nname = "café"\n'.encode("latin-1"))
    before = _sha(demo)
    _one_line(run("--db", str(demo), "sla", "load", str(latin)), str(latin), "not UTF-8", "byte 24", "nothing was changed")
    assert _sha(demo) == before


@pytest.mark.parametrize("field", ["response_minutes", "resolution_minutes", "at_risk_minutes_remaining"])
def test_sla_targets_above_one_year_are_refused_naming_policy_and_field(demo: Path, tmp_path: Path, field: str) -> None:
    shown = run("--db", str(demo), "sla", "show").stdout
    name = re.search(r'^name = "(.*)"$', shown.split("[[policy]]", 1)[1], re.M).group(1)
    if field == "at_risk_minutes_remaining":
        huge = shown.replace("[[policy]]\n", f"[[policy]]\n{field} = 5000000000\n", 1)
    else:
        huge = re.sub(rf"{field} = \d+", f"{field} = 5000000000", shown, count=1)
    config = tmp_path / "huge.toml"
    config.write_text(huge, encoding="utf-8")
    before = _sha(demo)
    _one_line(run("--db", str(demo), "sla", "load", str(config)), f'"{name}"', field, str(MAX_TARGET_MINUTES), "nothing was changed")
    assert _sha(demo) == before
    assert "nothing was changed; nothing was changed" not in run("--db", str(demo), "sla", "load", str(config)).stderr


def test_the_largest_target_allowed_still_explains(demo: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(demo.read_bytes())
    shown = run("--db", str(db), "sla", "show").stdout
    config = tmp_path / "max.toml"
    config.write_text(re.sub(r"(response|resolution)_minutes = \d+", rf"\1_minutes = {MAX_TARGET_MINUTES}", shown),
                      encoding="utf-8")
    assert run("--db", str(db), "sla", "load", str(config)).returncode == 0
    out = run("--db", str(db), "explain", "INC100000", "--as-of", AS_OF)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
