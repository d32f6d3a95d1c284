"""The status snapshot: agrees with the read model, scopes, notes, hostile text, delta, schema."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.readmodel import clocks as rclocks
from comanage_tui.data.readmodel import context, history
from comanage_tui.data.readmodel import org as rorg
from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
from comanage_tui.data.snapshot.csv_files import tables, write_csv, zip_bytes
from comanage_tui.data.snapshot.delta import load_previous
from comanage_tui.data.snapshot.html_page import render_html
from comanage_tui.data.snapshot.model import json_schema, json_schema_text
from comanage_tui.data.snapshot.render import md, render_json, render_markdown
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW

DAY = 86_400
ROOT = Path(__file__).resolve().parents[2]
HOSTILE_TITLE = "|pipe| <script>alert(1)</script> \x1b[31mred\x1b]52;c;ZXZpbA==\x07 \x9b2J **bold** [x](javascript:y) \u202eevil"


@pytest.fixture(scope="session")
def snap_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo the golden files are made from: seed 7, 400 tickets, history ending at FIXED_NOW."""
    from comanage_tui.data.demo import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("snapshot-demo") / "demo.db"
    with Store(path, actor="tester", clock=lambda: FIXED_NOW) as store:
        build_demo(store, DemoOptions(seed=7, tickets=400, now=FIXED_NOW))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def snap_db(snap_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copy(snap_template, path)
    return path


def _open(path: Path) -> Store:
    return Store(path, actor="tester", clock=lambda: FIXED_NOW)


def build(path: Path, as_of: int = FIXED_NOW, **kw):  # options pass through
    with _open(path) as store:
        return build_snapshot(store, SnapshotOptions(as_of=as_of, **kw))


def every_format(snap) -> dict[str, bytes]:  # Snapshot
    out = {"md": render_markdown(snap).encode(), "html": render_html(snap).encode(), "json": render_json(snap).encode()}
    out.update({f"csv/{k}": v for k, v in tables(snap).items()})
    return out


# --- agreement with the read model ---------------------------------------------------


def reference_compliance(store: Store, ctx: context.Context, start: int, end: int, open_rows: list,
                         party: str | None = None) -> history.Compliance:
    """Compliance the plain way: every candidate's clocks computed afresh at `end` (stopped_clocks), grouped.

    By party, each clock counts for its `verdict_holder` as compute_clocks reports it (who held the
    ticket when it stopped or ran out), an open clock within its target for the holder now.
    """
    from comanage_tui.data.sla.attribution import ATTRIBUTION_RULE
    from comanage_tui.data.sla.explain import COMPLIANCE_RULE, ComplianceRow, compliance

    pairs = [(r, c) for r, c in rclocks.stopped_clocks(store, ctx, start, end) if party in (None, c.verdict_holder)]
    pairs += [(r, c) for r in open_rows for c in r.open_clocks if party in (None, c.verdict_holder or r.holder)]
    overall, by = {}, {}
    for name in ("response", "resolution"):
        rows = [({"party": c.verdict_holder or r.holder, "area": r.area or "", "priority": r.priority}, c)
                for r, c in pairs if c.name == name]
        total = compliance([({"all": "all"}, c) for _a, c in rows], "all")
        overall[name] = total[0] if total else ComplianceRow("all", 0, 0, 0, 0, None)
        by[name] = {g: compliance(rows, g) for g in ("party", "area", "priority")}
    return history.Compliance(start, end, f"{COMPLIANCE_RULE} {ATTRIBUTION_RULE}", overall, by)


def reference_trend(store: Store, ctx: context.Context, now: int, weeks: int = 12, party: str | None = None) -> list[tuple]:
    """The trend the plain way: each week's stopped resolution clocks computed afresh as of the week's end."""
    out = []
    for i in range(weeks):
        end = now - (weeks - 1 - i) * 7 * DAY
        closed = [c for _r, c in rclocks.stopped_clocks(store, ctx, end - 7 * DAY, end)
                  if c.name == "resolution" and party in (None, c.verdict_holder)]
        met = sum(c.state == "met" for c in closed)
        out.append((end - 7 * DAY, met * 100 / len(closed) if closed else None, len(closed)))
    return out


@pytest.mark.parametrize("offset_days", [0, -3, -40])
def test_compliance_trend_and_clocks_equal_the_read_model(snap_db: Path, offset_days: int) -> None:
    now = FIXED_NOW + offset_days * DAY
    with _open(snap_db) as store:
        ctx = context.load_context(store)
        open_rows = rclocks.open_ticket_clocks(store, ctx, now)
        expected = reference_compliance(store, ctx, now - 30 * DAY, now, open_rows)
        trend = reference_trend(store, ctx, now)
        assert sum(n for _s, _p, n in trend) > 100
        # One replay for the window, the weeks and the workload gives what each computes on its own,
        # and what computing every clock afresh per window gives.
        replayed = history.replay(store, ctx, now, window_start=now - 30 * DAY, weeks=12, held_from=now - 30 * DAY)
        assert history.compliance_in_window(store, ctx, now - 30 * DAY, now, open_rows) == expected
        assert history.compliance_in_window(store, ctx, now - 30 * DAY, now, open_rows, replayed=replayed) == expected
        assert history.weekly_trend(store, ctx, now) == history.weekly_trend(store, ctx, now, replayed=replayed) == trend
        assert rorg.workload(store, ctx, now) == rorg.workload(store, ctx, now, replayed=replayed)
        snap = build_snapshot(store, SnapshotOptions(as_of=now))
        for clock in snap.compliance.clocks:
            want = expected.overall[clock.clock]
            assert (clock.overall.met, clock.overall.missed, clock.overall.in_flight) == (want.met, want.missed, want.in_flight)
            for grouping in ("party", "area", "priority"):
                got = [(r.key, r.met, r.missed, r.in_flight, r.breached) for r in getattr(clock, f"by_{grouping}")]
                assert got == [(r.key, r.met, r.missed, r.in_flight, r.breached) for r in expected.by[clock.clock][grouping]]
        assert [(w.closed_clocks, w.percent) for w in snap.trend] == [(n, p if p is None else round(p, 1)) for _s, p, n in trend]
    states = [c.state for r in open_rows for c in r.open_clocks]
    assert snap.kpis.breached_clocks == states.count("breached") == sum(c.state == "breached" for c in snap.clocks)
    assert snap.kpis.at_risk_clocks == states.count("at_risk")
    assert snap.kpis.open_tickets == len(open_rows)
    assert snap.kpis.resolution_compliance_percent == round(expected.overall["resolution"].percent, 1)


def test_party_compliance_and_trend_equal_the_read_model(snap_db: Path) -> None:
    with _open(snap_db) as store:
        ctx = context.load_context(store)
        open_rows = [r for r in rclocks.open_ticket_clocks(store, ctx, FIXED_NOW) if rclocks.concerns(r, "msp")]
        expected = reference_compliance(store, ctx, FIXED_NOW - 30 * DAY, FIXED_NOW, open_rows, party="msp")
        trend = reference_trend(store, ctx, FIXED_NOW, party="msp")
    snap = build(snap_db, party="msp")
    for clock in snap.compliance.clocks:
        want = expected.overall[clock.clock]
        assert (clock.overall.met, clock.overall.missed, clock.overall.in_flight) == (want.met, want.missed, want.in_flight)
    assert [(w.closed_clocks, w.percent) for w in snap.trend] == [(n, p if p is None else round(p, 1)) for _s, p, n in trend]


@pytest.mark.parametrize("offset_days", [0, -3, -40])
def test_the_overviews_trend_is_the_snapshots(snap_db: Path, offset_days: int) -> None:
    from comanage_tui.data.readmodel import dashboard

    now = FIXED_NOW + offset_days * DAY
    with _open(snap_db) as store:
        shown = dashboard.trend(store, context.load_context(store), now)
        # The Overview's tiles: this week's and last week's resolution compliance.
        tiles = [history.compliance_in_window(store, context.load_context(store), now - k * 7 * DAY, now - (k - 1) * 7 * DAY)
                 for k in (2, 1)]
    snap = build(snap_db, now)
    assert len(shown) == len(snap.trend) == 12
    for (start, percent, closed), week in zip(shown, snap.trend):
        assert dt.datetime.fromisoformat(week.week_start).timestamp() == start
        assert (week.percent, week.closed_clocks) == (None if percent is None else round(percent, 1), closed)
    assert [(t.overall["resolution"].percent, t.overall["resolution"].met + t.overall["resolution"].missed)
            for t in tiles] == [(p, n) for _s, p, n in shown[-2:]]


def test_breached_clocks_say_whose_side_held_them_and_come_first(snap_db: Path) -> None:
    snap = build(snap_db)  # the demo's first morning: a P2 past its resolution target, a ticket nobody answered
    breached = [c for c in snap.clocks if c.state == "breached"]
    assert {c.clock for c in breached} == {"response", "resolution"} and snap.clocks[:len(breached)] == breached
    assert all(c.breach_holder and c.breached_at and c.elapsed_percent > 100 for c in breached)
    assert [c.breached_at for c in breached] == sorted(c.breached_at for c in breached)


def test_generated_at_is_the_as_of_time_and_history_after_it_is_ignored(snap_db: Path) -> None:
    as_of = FIXED_NOW - 20 * DAY
    snap = build(snap_db, as_of)
    assert snap.generated_at == snap.as_of == "2026-11-03T09:30:00+01:00"
    with _open(snap_db) as store:
        requested = {h.id: h.requested_at for h in store.handoffs.list(open_only=False)}
    assert all(requested[h.id] <= as_of for h in snap.handoffs)
    assert snap.trend[-1].week_end == snap.as_of
    assert any("audit log" in limit for limit in snap.limits)


def test_handoffs_open_at_now_are_the_read_models_open_handoffs(snap_db: Path) -> None:
    snap = build(snap_db)
    with _open(snap_db) as store:
        expected = rorg.handoff_statuses(store, context.load_context(store), FIXED_NOW)
    assert [h.id for h in snap.handoffs] == [s.handoff.id for s in expected]
    assert snap.kpis.late_handoffs == sum(s.ack.state == "breached" for s in expected) == 3


# --- scope and private notes -----------------------------------------------------------


def test_party_scope_keeps_only_what_concerns_the_party(snap_db: Path) -> None:
    earlier = build(snap_db, FIXED_NOW - 3 * DAY, party="msp")
    assert earlier.clocks and all("msp" in (c.holder, c.breach_holder) for c in earlier.clocks)
    snap = build(snap_db, party="secops")
    assert snap.scope == "secops"
    assert all("secops" in (c.holder, c.breach_holder) for c in snap.clocks)
    assert snap.handoffs and all("secops" in (h.from_party, h.to_party) for h in snap.handoffs)
    assert [w.party for w in snap.workload] == ["secops"]
    assert all("secops" in a.letters or any(d.party == "secops" for d in a.drift) for a in snap.raci)
    assert all(c.key == "secops" for cc in snap.compliance.clocks for c in cc.by_party)
    assert len(snap.knowledge.items) < len(build(snap_db).knowledge.items)
    with pytest.raises(InvalidInput, match="unknown party 'nope'"):
        build(snap_db, party="nope")


def _add_private_things(path: Path) -> None:
    with _open(path) as store:
        store.tickets.add({"ref": "SECRET-1", "title": HOSTILE_TITLE, "priority": "P1", "party": "msp", "area": "desk-l1",
                           "opened_at": FIXED_NOW - 2 * DAY, "notes": "NOTE-TICKET line one\nline two \x1b[2J"})
        store.handoffs.create({"from_party": "msp", "to_party": "internal", "summary": '=HYPERLINK("http://evil.example")',
                               "context": "NOTE-HANDOFF we tried rebooting", "requested_at": FIXED_NOW - DAY})
        item = store.kt.list()[0]
        store.kt.update(item.id, {"notes": "NOTE-KT ask Elif", "topic": "+SUM(A1) @risk -2 \x1b]8;;x\x07"})


def test_private_notes_stay_out_unless_asked_for(snap_db: Path) -> None:
    _add_private_things(snap_db)
    hidden = every_format(build(snap_db))
    for name, data in hidden.items():
        assert b"NOTE-" not in data, name
    shown = every_format(build(snap_db, include_notes=True))
    for name in ("md", "html", "json", "csv/clocks.csv", "csv/handoffs.csv", "csv/kt_items.csv"):
        assert b"NOTE-" in shown[name], name
    assert b"NOTE-TICKET" in shown["md"] and b"NOTE-HANDOFF" in shown["html"] and b"NOTE-KT" in shown["json"]


# --- hostile text --------------------------------------------------------------------------


def test_no_escape_or_c1_character_reaches_any_format(snap_db: Path) -> None:
    _add_private_things(snap_db)
    for notes in (False, True):
        for name, data in every_format(build(snap_db, include_notes=notes)).items():
            text = data.decode("utf-8-sig")
            bad = [c for c in text if c in "\x1b\x07\u202e" or "\x80" <= c <= "\x9f"]
            assert not bad, (name, bad[:3])
            assert b"\x1b" not in data


def test_html_escapes_user_text(snap_db: Path) -> None:
    _add_private_things(snap_db)
    page = render_html(build(snap_db))
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page.replace("[x](javascript:y)", "")  # only as escaped text, never a link
    assert '<a href="javascript' not in page


def test_markdown_escapes_pipes_markup_and_html(snap_db: Path) -> None:
    _add_private_things(snap_db)
    text = render_markdown(build(snap_db))
    line = next(x for x in text.splitlines() if "SECRET-1" in x)
    assert r"\|pipe\|" in line and "&lt;script&gt;" in line and r"\*\*bold\*\*" in line and r"\[x\](javascript:y)" in line
    cells = [c for c in line.replace(r"\|", "").split("|")]
    header = next(x for x in text.splitlines() if x.startswith("| Ticket "))
    assert len(cells) == len(header.split("|"))  # the title's pipes did not add columns
    assert md("- item") == r"\- item" and md("1. first") == r"1\. first" and md("a\\b") == "a\\\\b"


def test_csv_neutralises_formulas_and_keeps_numbers(snap_db: Path) -> None:
    _add_private_things(snap_db)
    files = tables(build(snap_db))
    rows = {name: list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) for name, data in files.items()}
    summaries = [r[4] for r in rows["handoffs.csv"][1:]]
    assert "'=HYPERLINK(\"http://evil.example\")" in summaries
    assert any(r[2].startswith("'+SUM(A1)") for r in rows["kt_items.csv"][1:])
    for table in rows.values():
        for row in table:
            for value in row:
                if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    float(value)  # only numbers we wrote may start like a formula
    assert all(data.startswith("\ufeff".encode()) for data in files.values())


def test_markdown_tables_are_aligned(snap_db: Path) -> None:
    lines = render_markdown(build(snap_db)).splitlines()
    tables_, current = [], []
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables_.append(current)
            current = []
    assert len(tables_) >= 10
    for t in tables_:
        assert len({len(x) for x in t}) == 1, t[0]  # ASCII demo data: equal widths mean aligned columns
        assert set(t[1]) <= set("|-: ")


# --- delta ------------------------------------------------------------------------------------


def test_delta_reports_breaches_handoffs_kt_and_raci_changes(snap_db: Path, tmp_path: Path) -> None:
    prev_file = tmp_path / "prev.json"
    prev = build(snap_db)
    prev_file.write_text(render_json(prev), encoding="utf-8")
    # Three hours on (Monday 12:30 in Berlin, office hours throughout): one breach fixed, clocks and acks run on.
    later = FIXED_NOW + 3 * 3600
    fixed = next(c for c in prev.clocks if c.state == "breached" and c.clock == "resolution")
    running_out = {(c.ticket_ref, c.clock) for c in prev.clocks
                   if c.state == "at_risk" and c.target_minutes - c.elapsed_minutes < 180}
    ack_running_out = [h.id for h in prev.handoffs if h.ack_state in ("running", "at_risk") and h.ack_due_at
                       and dt.datetime.fromisoformat(h.ack_due_at).timestamp() < later]
    with _open(snap_db) as store:
        store.tickets.add_event(store.tickets.by_ref(fixed.ticket_ref).id,
                                {"at": FIXED_NOW + 3600, "kind": "status", "status": "resolved"})
        open_item = next(i for i in store.kt.list() if i.status.value in ("planned", "in_progress"))
        store.kt.set_status(open_item.id, "done")
        store.org.set_raci("printing", "msp", "R")
    snap = build(snap_db, later, since=load_previous(prev_file))
    d = snap.delta
    assert d is not None and d.since == "2026-11-23T09:30:00+01:00"
    assert [(c.ticket_ref, c.clock) for c in d.cleared_breaches] == [(fixed.ticket_ref, "resolution")]
    assert running_out and running_out <= {(c.ticket_ref, c.clock) for c in d.new_breaches}
    assert ack_running_out and set(ack_running_out) <= {h.id for h in d.handoffs_now_late}
    assert [(k.id, k.after) for k in d.kt_completed] == [(open_item.id, "done")]
    assert [(r.area, r.party, r.before, r.after) for r in d.raci_changes] == [("printing", "msp", "C", "R")]
    assert "Printing and scanning: no Responsible" in d.problems_resolved
    # The headline figure agrees with the lists: those breached then, minus the one fixed, plus the new ones.
    then = sum(c.state == "breached" for c in prev.clocks)
    assert any(k.kpi == "breached_clocks" and k.before == then and k.after == then - 1 + len(d.new_breaches) for k in d.kpi_changes)
    text = render_markdown(snap)
    assert "## Changes since 2026-11-23 09:30" in text and "Knowledge transfer completed" in text


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "is not JSON"),
    ('{"schema_version": 99}', "schema version 1 (found 99)"),
    ('{"schema_version": 1, "as_of": 3}', "not a valid snapshot"),
])
def test_since_refuses_what_is_not_a_snapshot(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "prev.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(message)):
        load_previous(path)
    with pytest.raises(InvalidInput, match="cannot read"):
        load_previous(tmp_path / "missing.json")


# --- schema and files ------------------------------------------------------------------------


def test_committed_schema_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "snapshot.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), "regenerate: comanage snapshot --schema > docs/snapshot.schema.json"


def test_json_output_validates_against_the_schema(snap_db: Path, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    validator.check_schema(json_schema())
    _add_private_things(snap_db)
    prev = tmp_path / "prev.json"
    prev.write_text(render_json(build(snap_db, FIXED_NOW - 3 * DAY)), encoding="utf-8")
    for kw in ({}, {"include_notes": True, "party": "msp"}, {"since": load_previous(prev)}):
        data = json.loads(render_json(build(snap_db, **kw)))
        validator.validate(data)
    data["kpis"]["breached_clocks"] = "many"
    assert not validator.is_valid(data)


def test_csv_goes_to_a_directory_or_a_deterministic_zip(snap_db: Path, tmp_path: Path) -> None:
    snap = build(snap_db)
    written = write_csv(snap, tmp_path / "out")
    assert {p.name for p in written} == set(tables(snap)) and "clocks.csv" in {p.name for p in written}
    write_csv(snap, tmp_path / "s.zip")
    with zipfile.ZipFile(tmp_path / "s.zip") as z:
        assert z.namelist() == list(tables(snap))
        assert z.read("kpis.csv") == (tmp_path / "out" / "kpis.csv").read_bytes()
    assert zip_bytes(tables(build(snap_db))) == (tmp_path / "s.zip").read_bytes()


def test_building_never_reads_the_wall_clock(snap_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    with _open(snap_db) as store:
        def no_clock() -> float:
            raise AssertionError("the snapshot read the wall clock")

        monkeypatch.setattr(time, "time", no_clock)
        snap = build_snapshot(store, SnapshotOptions(as_of=FIXED_NOW))
        every_format(snap)
