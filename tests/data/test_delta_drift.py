"""Issue #15 item 12: a drift whose share moved reads as one change, "drift in AREA 67 % → 50 %"."""

from __future__ import annotations

from pathlib import Path

from comanage_tui.data.snapshot.delta import compute_delta
from comanage_tui.data.snapshot.render import render_markdown
from tests.data.test_snapshot import build, snap_db, snap_template  # noqa: F401 - fixtures


def test_a_moved_drift_is_one_change_not_a_resolved_and_a_new_problem(snap_db: Path) -> None:
    cur = build(snap_db)
    vulns = next(a for a in cur.raci if any(p.startswith("drift:") for p in a.problems))
    drift = next(p for p in vulns.problems if p.startswith("drift:"))
    assert drift == "drift: 33% of tickets held by msp"
    prev = cur.model_copy(deep=True)
    row = next(a for a in prev.raci if a.area == vulns.area)
    row.problems = [p.replace("33%", "67%") for p in row.problems]
    delta = compute_delta(prev, cur)
    assert delta.problems_new == [f"drift in {vulns.name} 67 % → 33 % (tickets held by msp)"]
    assert not [p for p in delta.problems_resolved if "drift" in p]
    text = render_markdown(cur.model_copy(update={"delta": delta}))
    assert f"drift in {vulns.name} 67 % → 33 %" in text
    assert "Problem resolved" not in text


def test_a_drift_that_appears_or_goes_is_still_a_new_or_resolved_problem(snap_db: Path) -> None:
    cur = build(snap_db)
    prev = cur.model_copy(deep=True)
    for row in prev.raci:
        row.problems = [p for p in row.problems if not p.startswith("drift:")]
    delta = compute_delta(prev, cur)
    assert [p for p in delta.problems_new if "drift" in p] == ["Vulnerability management: drift: 33% of tickets held by msp"]
