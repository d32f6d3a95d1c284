"""comanage benchmarks: build a 100k-ticket demo database once, print one table of figures.

Usage: python bench/bench.py [--tickets N] [--weeks W] [--keep DIR | --db FILE] [--busy] [--only NAME ...]

`--db FILE` measures an existing demo database (e.g. the 1M-ticket one, which takes minutes
to build) instead of building one; it must have been written with `--now 2026-11-23T08:30:00Z`.

The machine is small and noisy: where a goal is a ratio, both sides are measured in the
same run. Figures are printed, never asserted; the closing notes quote them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

NOW = 1_795_422_600  # 2026-11-23 08:30 UTC: the demo history ends here, every run


def bench_foundation(db: Path, tickets: int, weeks: int | None = None) -> list[tuple[str, str]]:
    from comanage_tui.data.demo import DemoOptions, build_demo
    from comanage_tui.data.store import Store

    started = time.perf_counter()
    with Store(db, clock=lambda: NOW) as store:
        build_demo(store, DemoOptions(seed=7, tickets=tickets, now=NOW, weeks=weeks))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    gen = time.perf_counter() - started
    from comanage_tui.data.readmodel import stops_cache

    started = time.perf_counter()
    with Store(db) as store:  # as `comanage demo` does: the figures below read the derived cache
        cached = stops_cache.refresh(store).computed
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache = time.perf_counter() - started
    started = time.perf_counter()
    with Store(db) as store:
        counts = store.counts()
        open_n = store.tickets.count(__import__("comanage_tui.data.repos", fromlist=["TicketQuery"]).TicketQuery(open=True))
    opened = time.perf_counter() - started
    return [
        (f"demo generation, {tickets:,} tickets over {weeks or 13} weeks", f"{gen:.1f} s ({counts['ticket_events']:,} events, {counts['handoffs']:,} handoffs)"),
        ("clock-stops cache filled (comanage cache rebuild)", f"{cache:.1f} s ({cached:,} tickets)"),
        ("database size", f"{db.stat().st_size / 1e6:.1f} MB"),
        ("open store + overview counts", f"{opened * 1000:.0f} ms ({open_n:,} open tickets)"),
    ]


def existing_database(db: Path) -> list[tuple[str, str]]:
    from comanage_tui.data.readmodel import stops_cache
    from comanage_tui.data.store import Store

    with Store(db, read_only=True) as store:
        counts = store.counts()
        first, last = store.rows("SELECT min(opened_at), max(opened_at) FROM tickets")[0]
        cache = stops_cache.status(store)
    weeks = (last - first) / (7 * 86_400) if first is not None else 0
    return [
        (f"database (existing), {counts['tickets']:,} tickets over {weeks:.0f} weeks", f"{counts['ticket_events']:,} events, {counts['handoffs']:,} handoffs"),
        ("clock-stops cache", f"{cache.cached:,} of {cache.tickets:,} tickets, {'current' if cache.current else 'NOT current'}"),
        ("database size", f"{db.stat().st_size / 1e6:.1f} MB"),
    ]


def bench_sla(db: Path) -> list[tuple[str, str]]:
    from comanage_tui.data.sla.engine import Event, compute_clocks, match_policy
    from comanage_tui.data.store import Store

    with Store(db, read_only=True) as store:
        policies, calendars = store.sla.policies(), store.sla.calendar_map()
        keys = {r[0]: r[1] for r in store.query("SELECT id, key FROM parties")}
        areas = {r[0]: r[1] for r in store.query("SELECT id, key FROM areas")}
        started = time.perf_counter()
        tickets = store.query("SELECT id, area_id, priority, kind, holder_party_id FROM tickets")
        events: dict[int, list] = defaultdict(list)
        for tid, at, kind, status, party, person, prio in store.conn.execute(
            "SELECT ticket_id, at, kind, status, party_id, person_id, priority FROM ticket_events ORDER BY ticket_id, seq"
        ):
            events[tid].append(Event(at, kind, status, keys.get(party), person, prio))
        load = time.perf_counter() - started
    started = time.perf_counter()
    n = 0
    for tid, area_id, prio, kind, holder in tickets:
        pol = match_policy(policies, party=keys[holder], area=areas.get(area_id), priority=prio, kind=kind)
        compute_clocks(events[tid], pol, calendars[pol.calendar], NOW)
        n += 2
    took = time.perf_counter() - started
    return [
        ("load events from SQLite", f"{load:.2f} s ({sum(map(len, events.values())):,} events)"),
        ("SLA clocks computed", f"{n / took:,.0f} clocks/s ({n:,} clocks in {took:.2f} s; goal >= 100,000)"),
    ]


SECTIONS = {
    "foundation": None,  # always first: builds the database
    "sla": bench_sla,
    "pty": "bench_pty",  # where the user sits: bytes on a real pseudo-terminal
    "ui": "bench_ui",  # the same moments at Textual's internal hook, as a breakdown
    "snapshot": "bench_snapshot",
    "review": "bench_review",
    "import": "bench_import",
    "sync": "bench_sync",
}


def _bytecode() -> None:
    """Compile the installed libraries and the package first, as a normal install leaves them.

    With PYTHONDONTWRITEBYTECODE set, every process the benchmarks start would otherwise compile
    textual, pydantic and holidays from source (~1.5 s) and the figures would time the compiler.
    """
    import compileall
    import sysconfig

    for folder in {sysconfig.get_paths()["purelib"], str(Path(__file__).resolve().parent.parent / "comanage_tui")}:
        compileall.compile_dir(folder, quiet=2, workers=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--weeks", type=int, default=None, help="history over this many weeks (e.g. 1M tickets over 260)")
    ap.add_argument("--keep", type=Path, help="folder for the database (kept afterwards)")
    ap.add_argument("--db", type=Path, help="measure this existing demo database instead of building one")
    ap.add_argument("--busy", action="store_true", help="pty figures again with one core kept busy")
    ap.add_argument("--only", nargs="*", choices=[k for k in SECTIONS if k != "foundation"])
    args = ap.parse_args()
    _bytecode()
    if args.db is not None:
        db = args.db.resolve()
        folder = Path(tempfile.mkdtemp(prefix="comanage-bench-"))
        rows = existing_database(db)
    else:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="comanage-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        rows = bench_foundation(db, args.tickets, args.weeks)
    for name, section in SECTIONS.items():
        if section is None or (args.only and name not in args.only):
            continue
        try:
            if callable(section):
                rows += section(db)
            else:
                try:
                    mod = importlib.import_module(section)
                except ModuleNotFoundError:
                    rows.append((name, "(not built yet)"))
                    continue
                # The importer and sync benchmarks read the real ServiceNow export; they only need a folder.
                if name == "pty":
                    rows += mod.run(db, busy=args.busy)
                else:
                    rows += mod.run(folder if name in ("import", "sync") else db)
        except Exception as exc:  # a failing section must not hide the others
            rows.append((name, f"FAILED: {exc!r}"))
    width = max(len(r[0]) for r in rows)
    print(f"comanage benchmarks — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
