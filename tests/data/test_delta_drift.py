"""Issue #15 item 12: what is still there with another value reads as one change ("drift in AREA
67 % → 50 %"), never as a resolved problem plus a new one; the same for who shares
accountability, why an area is a single point of knowledge, and a knowledge-transfer status."""

from __future__ import annotations

import json
import re
from pathlib import Path

from comanage_tui.data.snapshot.csv_files import tables
from comanage_tui.data.snapshot.delta import compute_delta, load_previous
from comanage_tui.data.snapshot.html_page import render_html
from comanage_tui.data.snapshot.model import Snapshot
from comanage_tui.data.snapshot.render import render_json, render_markdown
from tests.data.test_snapshot import build, snap_db, snap_template  # noqa: F401 - fixtures


def _drifting(snap: Snapshot) -> tuple[object, str, int, str]:
    """The first area that drifts in the demo: (its row, the problem, the share in %, the party)."""
    for row in snap.raci:
        for p in row.problems:
            if m := re.fullmatch(r"drift: (\d+)% of tickets held by (.+)", p):
                return row, p, int(m[1]), m[2]
    raise AssertionError("the demo should have an area whose tickets drift")


def test_a_moved_drift_is_one_change_not_a_resolved_and_a_new_problem(snap_db: Path) -> None:
    cur = build(snap_db)
    row, drift, share, party = _drifting(cur)
    before = share + 17 if share < 80 else share - 17
    prev = cur.model_copy(deep=True)
    old_row = next(a for a in prev.raci if a.area == row.area)
    old_row.problems = [p.replace(f"{share}%", f"{before}%") if p == drift else p for p in old_row.problems]
    delta = compute_delta(prev, cur)
    assert [c.text() for c in delta.changed] == [f"drift in {row.name} {before} % → {share} % (tickets held by {party})"]
    assert not delta.problems_new and not delta.problems_resolved
    snap = cur.model_copy(update={"delta": delta})
    text = render_markdown(snap)
    assert f"- Changed: drift in {row.name} {before} % → {share} %" in text
    assert "Problem resolved" not in text and "New problem" not in text
    assert f"drift in {row.name} {before} % → {share} %" in render_html(snap)
    assert f"changed,drift in {row.name},{before} %,{share} %,tickets held by {party}" in tables(snap)["delta.csv"].decode("utf-8-sig")


def test_a_drift_that_appears_or_goes_is_still_a_new_or_resolved_problem(snap_db: Path) -> None:
    cur = build(snap_db)
    row, drift, _share, _party = _drifting(cur)
    prev = cur.model_copy(deep=True)
    for old_row in prev.raci:
        old_row.problems = [p for p in old_row.problems if not p.startswith("drift:")]
    delta = compute_delta(prev, cur)
    assert f"{row.name}: {drift}" in delta.problems_new and not delta.changed
    back = compute_delta(cur, prev)
    assert f"{row.name}: {drift}" in back.problems_resolved and not back.changed


def test_accountability_shared_by_other_parties_is_one_change(snap_db: Path) -> None:
    cur = build(snap_db)
    shared = next(a for a in cur.raci if any(p.startswith("two Accountable: ") for p in a.problems))
    overlap = next(p for p in shared.problems if p.startswith("two Accountable: "))
    parties = overlap.removeprefix("two Accountable: ")
    prev = cur.model_copy(deep=True)
    old_row = next(a for a in prev.raci if a.area == shared.area)
    old_row.problems = [f"two Accountable: {parties}, vendor" if p == overlap else p for p in old_row.problems]
    delta = compute_delta(prev, cur)
    assert [c.text() for c in delta.changed] == [f"Accountable parties in {shared.name} {parties}, vendor → {parties}"]
    assert not delta.problems_new and not delta.problems_resolved


def test_why_an_area_is_a_single_point_and_a_kt_status_that_moved_back_are_changes(snap_db: Path) -> None:
    cur = build(snap_db)
    single = next(c for c in cur.knowledge.coverage if c.single_point)
    done = next(i for i in cur.knowledge.items if i.status == "done")
    planned = next(i for i in cur.knowledge.items if i.status == "planned")
    prev = cur.model_copy(deep=True)
    next(c for c in prev.knowledge.coverage if c.area == single.area).single_point = "nobody else has access"
    next(i for i in prev.knowledge.items if i.id == done.id).status = "verified"  # verified → done: a step back
    next(i for i in prev.knowledge.items if i.id == planned.id).status = "in_progress"  # in progress → planned
    delta = compute_delta(prev, cur)
    assert [c.text() for c in delta.changed] == [
        f"single point of knowledge in {single.name} nobody else has access → {single.single_point}",
        *[f"knowledge-transfer status in {i.topic} ({i.area}) {was} → {i.status.replace('_', ' ')}"
          for i, was in sorted([(done, "verified"), (planned, "in progress")], key=lambda x: cur.knowledge.items.index(x[0]))],
    ]
    assert not delta.kt_completed  # neither reached done or verified
    # Forwards: done → verified and planned → in progress are changes too; only reaching done or
    # verified from an open status is a completion (kt_completed).
    forward = compute_delta(cur, prev)
    assert sorted(c.text() for c in forward.changed if c.figure == "knowledge-transfer status") == sorted([
        f"knowledge-transfer status in {done.topic} ({done.area}) done → verified",
        f"knowledge-transfer status in {planned.topic} ({planned.area}) planned → in progress"])
    assert not forward.kt_completed


def test_a_previous_snapshot_written_before_changed_existed_still_loads(snap_db: Path, tmp_path: Path) -> None:
    cur = build(snap_db)
    with_delta = cur.model_copy(update={"delta": compute_delta(cur, cur)})
    data = json.loads(render_json(with_delta))
    del data["delta"]["changed"]
    prev = tmp_path / "prev.json"
    prev.write_text(json.dumps(data), encoding="utf-8")
    assert load_previous(prev).delta.changed == []
