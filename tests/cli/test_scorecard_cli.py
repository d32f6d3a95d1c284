"""`comanage scorecard`, the installed command: formats, files, the window, refusals in one line."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from comanage_tui.data.snapshot.scorecard_doc import build_scorecard, render_scorecard
from comanage_tui.data.store import Store
from tests.cli.test_cli import run
from tests.data import hand_ticket
from tests.data.test_scorecard import END, START

FROM, TO = "2026-10-19T00:00:00Z", "2026-10-26T12:00:00Z"


@pytest.fixture(scope="module")
def card_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_ticket.build_with_context(tmp_path_factory.mktemp("scorecard") / "card.db")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_each_format_is_the_in_process_document(card_db: Path, fmt: str) -> None:
    out = run("--db", str(card_db), "scorecard", "--party", "msp", "--from", FROM, "--to", TO, "--format", fmt)
    assert out.returncode == 0, out.stderr
    with Store(card_db, read_only=True) as store:
        assert out.stdout == render_scorecard(build_scorecard(store, "msp", START, END), fmt)


def test_json_carries_the_hand_counted_figures(card_db: Path) -> None:
    out = run("--db", str(card_db), "scorecard", "--party", "msp", "--from", FROM, "--to", TO, "--format", "json")
    data = json.loads(out.stdout)
    assert (data["party"], data["window_start"], data["window_end"]) == ("msp", "2026-10-19T02:00:00+02:00", "2026-10-26T13:00:00+01:00")
    assert data["ola"] == {"key": "msp", "met": 0, "missed": 1, "percent": 0.0, "in_flight": 0, "breached": 0, "without_target": 0}
    assert data["handoffs"] == {"received": 3, "acknowledged_on_time": 1, "acknowledged_late": 1, "waiting": 1, "waiting_late": 1,
                                "median_wait_minutes": 75, "bounces_caused": 1, "sent": 1}
    assert [(i["topic"], i["overdue"]) for i in data["knowledge"]["owed"]] == [("Core switch runbook", True)]
    assert data["areas"] == [{"area": "network", "name": "Network and Wi-Fi", "letter": "R", "recent_tickets": 3,
                              "drift": [{"party": "internal", "share_percent": 66.7}]}]


def test_the_default_window_is_30_days_to_now(card_db: Path) -> None:
    out = run("--db", str(card_db), "--as-of", TO, "scorecard", "--party", "internal", "--format", "json")
    data = json.loads(out.stdout)
    assert (data["window_start"], data["window_end"]) == ("2026-09-26T14:00:00+02:00", "2026-10-26T13:00:00+01:00")
    assert data["held"] == [{"priority": "P2", "tickets": 1, "median_minutes": 180, "p90_minutes": 180}]


def test_a_file_is_written_whole_and_private(card_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "msp.html"
    out = run("--db", str(card_db), "scorecard", "--party", "msp", "--from", FROM, "--to", TO, "--format", "html", "-o", str(target))
    assert out.returncode == 0 and out.stdout == "" and f"Scorecard written to {target}" in out.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Party scorecard: Brightline MSP (msp)" in page and "<script" not in page
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--party", "vendor", "--to", TO], 1, ["unknown party 'vendor'", "known: internal, msp, secops"]),
    (["--party", "msp", "--from", TO, "--to", FROM], 2, ["--from", "start must be before its end"]),
    (["--party", "msp", "--from", "2026-10-19"], 2, ["--from", "UTC offset"]),
    (["--party", "msp", "--to", TO, "--format", "pdf"], 2, ["--format", "pdf"]),
])
def test_refusals_are_one_clear_line(card_db: Path, args: list[str], code: int, words: list[str]) -> None:
    out = run("--db", str(card_db), "scorecard", *args)
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    for w in words:
        assert w in out.stderr, out.stderr


def test_a_missing_database_is_named(tmp_path: Path) -> None:
    out = run("--db", str(tmp_path / "none.db"), "scorecard", "--party", "msp", "--to", TO)
    assert out.returncode == 1 and "no database at" in out.stderr and out.stderr.count("\n") == 1
    assert not (tmp_path / "none.db").exists()
