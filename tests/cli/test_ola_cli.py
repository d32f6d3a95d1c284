"""`comanage sla load` with OLAs, through the installed command: each bad case one line, the file untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from comanage_tui.data.store import Store
from tests.cli.test_cli import run
from tests.conftest import FIXED_NOW
from tests.data.test_ola_config import BAD, BASE, DESK, GOOD


@pytest.fixture(scope="module")
def ola_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ola-cli") / "ola.db"
    with Store(path, actor="tester", clock=lambda: FIXED_NOW) as store:
        store.org.add_party({"key": "internal", "name": "Internal IT", "kind": "internal"})
        store.org.add_party({"key": "msp", "name": "MSP", "kind": "partner"})
        store.sla.load_toml(BASE + DESK)
    config = path.with_name("good.toml")
    config.write_text(GOOD, encoding="utf-8")
    loaded = run("--db", str(path), "sla", "load", str(config))
    assert loaded.returncode == 0, loaded.stderr
    assert "2 OLA(s) in force" in loaded.stdout
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("case", "text", "words"), BAD, ids=[b[0] for b in BAD])
def test_sla_load_refuses_each_bad_ola_in_one_line_and_changes_nothing(ola_db: Path, tmp_path: Path, case: str, text: str,
                                                                       words: list[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    before = _sha(ola_db)
    out = run("--db", str(ola_db), "--now", "2026-11-23T08:30:00Z", "sla", "load", str(config))
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    for w in [str(config), *words, "nothing was changed"]:
        assert w in out.stderr, out.stderr
    assert _sha(ola_db) == before
    with Store(ola_db, read_only=True) as store:
        assert [o.party for o in store.sla.olas()] == ["msp", "internal"]


def test_sla_show_prints_the_olas(ola_db: Path) -> None:
    shown = run("--db", str(ola_db), "sla", "show")
    assert shown.returncode == 0
    assert '[[ola]]\nparty = "msp"\ncalendar = "desk"\nat_risk_percent = 80.0\n' in shown.stdout
    assert '[ola.targets]\nP1 = "1h"\nP2 = "4h 30m"\nP4 = "10h"\n' in shown.stdout
