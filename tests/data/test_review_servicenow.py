"""`review` on the imported real ServiceNow log, one quarter at a time (2016Q1-2017Q1).

Data: "Incident management process enriched event log", UCI Machine Learning Repository,
data set 498 — Amaral, C., Fantinato, M., & Peres, S. (2018), DOI 10.24432/C57S4H,
licensed CC BY 4.0. Read from ../shared/data next to the repository; never copied into it.
The export has no time-worked column: the ROI comes from examples/servicenow-estimates.toml
and says so.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.readmodel.review.build import build_review
from comanage_tui.data.readmodel.review.period import parse_period
from comanage_tui.data.review.write import render_text
from comanage_tui.data.store import Store

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"
CLOCK = 1_700_000_000
QUARTERS = ("2016Q1", "2016Q2", "2016Q3", "2016Q4", "2017Q1")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DATA.exists(), reason=f"real ServiceNow export not found at {DATA}")]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    s = Store(tmp_path_factory.mktemp("sn-review") / "sn.db", actor="tester", clock=lambda: CLOCK)
    s.sla.load_toml((REPO / "examples" / "servicenow-sla.toml").read_text(encoding="utf-8"))
    s.sla.load_toml((REPO / "examples" / "servicenow-estimates.toml").read_text(encoding="utf-8"))
    import_file(s, DATA, load_mapping(REPO / "examples" / "servicenow-mapping.toml"))
    yield s
    s.close()


def test_every_quarter_reviews_with_plausible_figures(store: Store, capsys) -> None:
    reviews, seconds = {}, {}
    for q in QUARTERS:
        t0 = time.perf_counter()
        reviews[q] = r = build_review(store, parse_period(quarter_text=q, now=CLOCK))
        seconds[q] = time.perf_counter() - t0
        md = render_text(r, "md")
        assert max(len(line) for line in md.splitlines()) <= 80
        # Opened per quarter is what SQL counts between the quarter's local midnights.
        start, end = (dt.datetime.fromisoformat(x).timestamp() for x in (r.period.start, r.period.end))
        assert r.opened.total.current == store.scalar(
            "SELECT count(*) FROM tickets WHERE opened_at >= ? AND opened_at < ?", (start, end))
        assert sum(k.fig.current for k in r.opened.by_priority) == r.opened.total.current
        assert sum(k.fig.current for k in r.opened.by_party) == r.opened.total.current
        assert sum(b.fig.current for b in r.backlog.buckets) == r.backlog.total.current
        for c in r.sla.clocks:
            assert c.overall.current is None or 0 <= c.overall.current <= 100
        for t in r.resolve_times.by_priority:
            assert t.median_hours.current is None or 0 <= t.median_hours.current <= t.p90_hours.current
        roi = r.roi
        # No hours in this export: every partner-resolved incident is estimated, and the summary says so.
        assert roi.recorded_tickets == 0 and roi.estimated_tickets + roi.unestimated_tickets == roi.partner_resolved.current
        assert roi.source in ("estimates", "none") and ("estimated for" in roi.summary or roi.partner_resolved.current == 0)
        assert r.handoffs.overall.count.current == 0 and r.split.changes == []  # the import records neither
    # The log covers 2016 (mostly Q1-Q2: the export was taken mid-2016); every incident opened in a quarter.
    assert sum(r.opened.total.current for r in reviews.values()) == store.scalar("SELECT count(*) FROM tickets")
    busiest = max(reviews.values(), key=lambda r: r.opened.total.current)
    assert busiest.resolved.total.current > 1000 and busiest.roi.hours.current > 0
    # Each quarter's previous figures are the quarter before's current ones.
    for a, b in zip(QUARTERS, QUARTERS[1:], strict=False):
        assert reviews[b].opened.total.previous == reviews[a].opened.total.current
        assert reviews[b].backlog.total.previous == reviews[a].backlog.total.current
    with capsys.disabled():
        print("\nreview per quarter on the ServiceNow log: " + ", ".join(
            f"{q} {seconds[q]:.2f} s (opened {reviews[q].opened.total.current}, resolved {reviews[q].resolved.total.current})"
            for q in QUARTERS))


def test_the_installed_command_reviews_each_quarter(store: Store, capsys) -> None:
    """`comanage review --quarter Q --format json` on the imported log: the read model's bytes, for every quarter."""
    import os
    import subprocess
    import sys

    from comanage_tui.data.review.write import render_json

    script = Path(sys.executable).with_name("comanage")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    seconds = {}
    for q in QUARTERS:
        t0 = time.perf_counter()
        done = subprocess.run([*cmd, "--db", str(store.path), "--as-of", "2017-06-01T00:00:00Z", "review", "--quarter", q,
                               "--format", "json"], capture_output=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
        seconds[q] = time.perf_counter() - t0
        assert done.returncode == 0, done.stderr
        assert done.stdout.decode() == render_json(build_review(store, parse_period(quarter_text=q, now=CLOCK)))
    with capsys.disabled():
        print("\ncomanage review --format json, fresh process per quarter: "
              + ", ".join(f"{q} {seconds[q]:.2f} s" for q in QUARTERS))


def test_the_stops_cache_gives_every_quarter_the_same_review(store: Store, capsys) -> None:
    """Real data (reassignments, priority changes, reopens): each quarter's review read through the
    stops cache, as after `comanage import`, equals the one walked from the events."""
    from comanage_tui.data.readmodel import stops_cache
    from comanage_tui.data.readmodel.context import load_context

    assert not stops_cache.usable(store, load_context(store)), "import_file alone leaves the cache to the command"
    walked = {q: build_review(store, parse_period(quarter_text=q, now=CLOCK)) for q in QUARTERS}
    try:
        stops_cache.refresh(store)
        status = stops_cache.status(store)
        assert status.current and status.cached == status.tickets and 0 < status.walked < status.tickets
        seconds = {}
        for q in QUARTERS:
            t0 = time.perf_counter()
            cached = build_review(store, parse_period(quarter_text=q, now=CLOCK))
            seconds[q] = time.perf_counter() - t0
            assert cached == walked[q], q
    finally:
        stops_cache.drop(store)
    with capsys.disabled():
        print(f"\nreview per quarter on the ServiceNow log through the stops cache ({status.walked:,} of "
              f"{status.tickets:,} tickets walked each time): " + ", ".join(f"{q} {seconds[q]:.2f} s" for q in QUARTERS))
