"""Import benchmark: the real ServiceNow export into a fresh database, timed, with its peak memory.

`run(tmpdir)` returns (name, value) rows for bench/bench.py. The work happens in a child
process so that its peak resident set (VmHWM from /proc/self/status, KiB) is the
import's alone; the child also reports its resident set just before importing (interpreter
and libraries), so the growth the import itself causes is visible.

Data: "Incident management process enriched event log", UCI Machine Learning Repository,
data set 498 — Amaral, C., Fantinato, M., & Peres, S. (2018), DOI 10.24432/C57S4H, CC BY 4.0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"
CLOCK = 1_700_000_000

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.importing.importer import import_file
from comanage_tui.data.store import Store
from comanage_tui.data.importing.verdicts import compare_verdicts


def peak_kib():
    # VmHWM is this process's own peak; ru_maxrss survives execve on Linux, so a child
    # forked from a large bench process would report the parent's size instead.
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))

data, db, repo = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
mapping = load_mapping(repo / "examples" / "servicenow-mapping.toml")
store = Store(db, clock=lambda: 1_700_000_000)
store.sla.load_toml((repo / "examples" / "servicenow-sla.toml").read_text())
base = peak_kib()
t = time.perf_counter()
first = import_file(store, data, mapping)
took = time.perf_counter() - t
peak = peak_kib()
t = time.perf_counter()
again = import_file(store, data, mapping)
retook = time.perf_counter() - t
t = time.perf_counter()
verdicts = compare_verdicts(store, now=1_700_000_000, source="servicenow")
vtook = time.perf_counter() - t
store.close()
print(json.dumps({"took": took, "retook": retook, "vtook": vtook, "base_kib": base, "peak_kib": peak,
                  "rows": first.rows_read, "tickets": first.tickets, "events": first.events,
                  "changed_on_reimport": again.tickets_changed, "agree": verdicts.total.percent,
                  "db_bytes": db.stat().st_size}))
"""


def run(tmpdir: Path | str) -> list[tuple[str, str]]:
    """Import the real export once (fresh database), then again (unchanged), then compare verdicts."""
    if not DATA.exists():
        return [("servicenow import", f"skipped: {DATA} not found")]
    db = Path(tmpdir) / "bench-import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(DATA), str(db), str(REPO)], capture_output=True, text=True,
                         env=env, check=True, timeout=600)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    growth = (r["peak_kib"] - r["base_kib"]) / 1024
    return [
        ("servicenow import (141,712 rows, 46 MB csv)",
         f"{r['took']:.1f} s ({r['rows'] / r['took']:,.0f} rows/s; {r['tickets']:,} tickets, {r['events']:,} events)"),
        ("  peak RSS of the import process (VmHWM)",
         f"{r['peak_kib'] / 1024:.0f} MB ({r['base_kib'] / 1024:.0f} MB before importing, +{growth:.0f} MB during)"),
        ("  re-import of the same file", f"{r['retook']:.1f} s ({r['changed_on_reimport']} tickets changed)"),
        ("  verdict agreement vs made_sla", f"{r['agree']:.1f} % in {r['vtook']:.1f} s"),
        ("  database after import", f"{r['db_bytes'] / 1e6:.1f} MB"),
    ]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name, value in run(tmp):
            print(f"{name:<48} {value}")
