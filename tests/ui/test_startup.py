"""Cold start stays lean: what the first frame needs is imported before it, the rest after.

Timing belongs in bench/bench_ui.py; these tests guard the cause of a slow start instead:
pydantic and the domain models (about 150 ms of imports here) must not load before the
dashboard has painted, and the command line must not pull in the read model or the SLA engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The installed command's path up to the moment the app starts running: `comanage --db DB`
# parses its options, checks and opens the database, builds the app, then calls App.run.
_BEFORE_RUN = """
import json, os, sys
from textual.app import App

def run(self, *args, **kwargs):
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "comanage_tui", "holidays"))))
    sys.stdout.flush()
    os._exit(0)

App.run = run
import comanage_tui.cli
comanage_tui.cli.need_terminal = lambda: None  # no terminal here, and App.run never draws
from comanage_tui.cli import run as command
sys.argv = ["comanage", "--db", sys.argv[1]]
command()
"""


def _loaded(script: str, *args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_first_frame_needs_no_pydantic_models_or_sla_engine(ui_db: Path) -> None:
    loaded = _loaded(_BEFORE_RUN, str(ui_db))
    assert "comanage_tui.app" in loaded and "comanage_tui.screens.overview" in loaded
    heavy = {m for m in loaded if m.startswith("pydantic") or m in {
        "comanage_tui.data.models", "comanage_tui.data.repos", "comanage_tui.data.readmodel.clocks",
        "comanage_tui.data.sla.engine", "comanage_tui.data.sla.calendar"}} | {m for m in loaded if m.startswith("holidays")}
    assert not heavy, f"imported before the first frame, slowing cold start: {sorted(heavy)}"


def test_dashboard_loads_no_subcommand_module(ui_db: Path) -> None:
    from comanage_tui.cli import SUBCOMMANDS

    loaded = _loaded(_BEFORE_RUN, str(ui_db))
    modules = {module for module, _attribute in SUBCOMMANDS.values()}
    assert not modules & loaded, f"sub-command modules imported to open the dashboard: {sorted(modules & loaded)}"


def test_repositories_still_work_once_used(ui_db: Path) -> None:
    script = """
import json, sys
from comanage_tui.data.store import Store
with Store(sys.argv[1], create=False) as store:
    assert "pydantic" not in sys.modules
    assert len(store.org.parties()) == 3
    assert store.tickets is store.tickets  # built once, then kept
print(json.dumps(sorted(m for m in sys.modules if m.startswith("pydantic"))[:1]))
"""
    assert _loaded(script, str(ui_db)) == {"pydantic"}
