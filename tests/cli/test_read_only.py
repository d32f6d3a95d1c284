"""`--read-only` refuses every command that changes or replaces the database, and only those.

Walks every command registered on `comanage`: each is either marked a writer
(`cli.writes_database`) and must refuse before touching the file, or listed here as a
reader and must still work. A new command that is neither fails the walk.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import click
import pytest

from comanage_tui.cli import main
from tests.cli.test_cli import run
from tests.cli.test_import_cli import export

AS_OF = "2026-11-23T08:30:00Z"


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], click.Command]:
    # Through click's listing, as help does: the top-level group loads most commands only when asked.
    ctx = click.Context(group)
    found = {}
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            found.update(_leaves(cmd, (*prefix, name)))
        else:
            found[(*prefix, name)] = cmd
    return found


COMMANDS = _leaves(main)
MARKED = {path for path, cmd in COMMANDS.items() if getattr(cmd, "writes_database", False)}
# Listed by hand, not read from the marks: the refusal is tested even if a mark is lost.
WRITERS = {("demo",), ("init",), ("restore",), ("import",), ("sla", "load"), ("org", "load"), ("sync",),
           ("cache", "rebuild"), ("cache", "drop")}
READERS = {("info",), ("check",), ("snapshot",), ("explain",), ("sla", "show"), ("org", "show"), ("backup",),
           ("import-verdicts",), ("scorecard",), ("review",), ("log",), ("cache", "status")}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A demo database, an empty backup, and one input file for every command that takes one."""
    root = tmp_path_factory.mktemp("ro")
    db = root / "demo.db"
    assert run("--db", str(db), "demo", "--tickets", "40", "--now", AS_OF).returncode == 0
    empty = root / "empty.db"
    assert run("--db", str(empty), "init").returncode == 0
    sla = root / "sla.toml"
    sla.write_text(run("--db", str(db), "sla", "show").stdout, encoding="utf-8")
    org = root / "org.toml"
    org.write_text(run("--db", str(db), "org", "show").stdout, encoding="utf-8")
    return {"db": db, "empty": empty, "sla": sla, "org": org, "csv": export(root / "export.csv"), "root": root}


def _writer_args(path: tuple[str, ...], w: dict[str, Path]) -> list[str]:
    return {
        ("demo",): ["demo", "--force", "--tickets", "5", "--now", AS_OF],
        ("init",): ["init"],
        ("restore",): ["restore", str(w["empty"]), "--yes"],
        ("import",): ["import", str(w["csv"])],
        ("sla", "load"): ["sla", "load", str(w["sla"])],
        ("org", "load"): ["org", "load", str(w["org"])],
        ("sync",): ["sync", "any-source"],  # refused before any source file is looked for
        ("cache", "rebuild"): ["cache", "rebuild"],
        ("cache", "drop"): ["cache", "drop"],
    }[path]


def _reader_args(path: tuple[str, ...], w: dict[str, Path]) -> list[str]:
    return {
        ("info",): ["info"],
        ("check",): ["check", "--as-of", AS_OF],
        ("snapshot",): ["snapshot", "--as-of", AS_OF],
        ("explain",): ["explain", "INC100000", "--as-of", AS_OF],
        ("sla", "show"): ["sla", "show"],
        ("org", "show"): ["org", "show"],
        ("backup",): ["backup", str(w["root"] / "copy.db")],
        ("import-verdicts",): ["import-verdicts", "--as-of", AS_OF],
        ("scorecard",): ["scorecard", "--party", "msp", "--to", AS_OF],
        ("review",): ["review", "--as-of", AS_OF],
        ("log",): ["--now", AS_OF, "log", "--since", "7d"],
        ("cache", "status"): ["cache", "status"],
    }[path]


def test_every_command_is_classified() -> None:
    """A new command must be marked a writer or given a reader invocation here."""
    assert set(COMMANDS) == WRITERS | READERS, set(COMMANDS) ^ (WRITERS | READERS)
    assert MARKED == WRITERS


@pytest.mark.parametrize("path", sorted(WRITERS), ids=" ".join)
def test_writers_refuse_under_read_only(path: tuple[str, ...], world: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "work.db"
    if path != ("init",):
        shutil.copy(world["db"], db)
        before = _sha(db)
    out = run("--read-only", "--db", str(db), *_writer_args(path, world))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and "--read-only" in out.stderr and "nothing was done" in out.stderr, out.stderr
    if path == ("init",):
        assert not db.exists()
    else:
        assert _sha(db) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["work.db"]  # no -wal, no safety copy


@pytest.mark.parametrize("path", sorted(READERS), ids=" ".join)
def test_readers_still_work_under_read_only(path: tuple[str, ...], world: dict[str, Path]) -> None:
    out = run("--read-only", "--db", str(world["db"]), *_reader_args(path, world))
    if path == ("check",):
        assert out.returncode in (0, 1, 2), out.stdout  # a verdict, not UNKNOWN
        assert out.stdout.startswith("COMANAGE ")
    elif path == ("import-verdicts",):
        # The demo has no imported verdicts: the command runs and says so (exit 1), without refusing.
        assert "--read-only" not in out.stderr and "no imported ticket" in out.stderr, out.stderr
    else:
        assert out.returncode == 0, out.stderr
        assert out.stdout or out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["import", "--dry-run"], ["org", "load", "--dry-run"]], ids=" ".join)
def test_dry_runs_are_readers(args: list[str], world: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "work.db"
    shutil.copy(world["db"], db)
    before = _sha(db)
    target = world["csv"] if args[0] == "import" else world["org"]
    out = run("--read-only", "--db", str(db), *args, str(target))
    assert "--read-only" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _sha(db) == before
