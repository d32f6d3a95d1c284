"""One set of numbers on real data: the imported ServiceNow log at a fixed as-of, per surface.

`check --json` and `snapshot --format json` (the installed command, --as-of) and the read
model in-process must agree on the counts (breached, at risk, due today, open tickets) and,
clock by clock, on state, business minutes elapsed and left. Data: see test_import_servicenow
(read from ../shared/data, never copied here; skipped without it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.readmodel import dashboard
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.held import held_in_window
from comanage_tui.data.store import Store
from tests.consistency import cli_json, differences, epoch, read_model_clocks, snapshot_clocks
from tests.data.test_import_servicenow import CLOCK, DATA, REPO, ZONE

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"real ServiceNow export not found at {DATA}")
# Mid-April 2016, a weekday afternoon in São Paulo: hundreds of incidents open, some breached.
AS_OF = dt.datetime(2016, 4, 14, 15, 0, tzinfo=ZONE)


@pytest.fixture(scope="module")
def sn_db(tmp_path_factory: pytest.TempPathFactory):  # Path
    path = tmp_path_factory.mktemp("sn-consistency") / "sn.db"
    with Store(path, actor="tester", clock=lambda: CLOCK) as store:
        store.sla.load_toml((REPO / "examples" / "servicenow-sla.toml").read_text(encoding="utf-8"))
        import_file(store, DATA, load_mapping(REPO / "examples" / "servicenow-mapping.toml"))
    return path


def test_check_the_snapshot_and_the_read_model_agree_on_the_real_log(sn_db) -> None:
    now = int(AS_OF.timestamp())
    with Store(sn_db, actor="tester", clock=lambda: CLOCK, create=False) as store:
        figures = dashboard.now_figures(store, load_context(store), now)
        held = [dataclasses.asdict(r) for r in held_in_window(store, load_context(store), now - 30 * 86_400, now).rows]
    n = figures.kpis.clocks
    assert n.breached and n.open_clocks > 100, "the as-of should catch real work in flight"
    check = cli_json(sn_db, "check", "--json", "--as-of", AS_OF.isoformat(), ok=(0, 1, 2))
    snap = cli_json(sn_db, "snapshot", "--format", "json", "--out", "-", "--as-of", AS_OF.isoformat())

    assert (check["breached"], check["at_risk"], check["due_today"]) == (n.breached, n.at_risk, n.due_today)
    assert (snap["kpis"]["breached_clocks"], snap["kpis"]["at_risk_clocks"], snap["kpis"]["due_today_clocks"]) == \
        (n.breached, n.at_risk, n.due_today)
    assert check["open_tickets"] == snap["kpis"]["open_tickets"] == len(figures.clocks)
    assert len(held) >= 8 and check["held_by_priority"] == snap["held_time"]["rows"] == held
    model = read_model_clocks(figures.clocks)
    assert differences({"read model": model, "snapshot": snapshot_clocks(snap)}) == []
    assert set(snapshot_clocks(snap)) == {k for k, (state, _e, _l) in model.items() if state in ("breached", "at_risk")}
    breached_rows = [c for c in snap["clocks"] if c["state"] == "breached"]
    assert [(w["ref"], w["clock"], w["breached_at"]) for w in check["worst"]] == \
        [(c["ticket_ref"], c["clock"], epoch(c["breached_at"])) for c in breached_rows[:5]]
