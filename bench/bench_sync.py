"""Sync benchmark: the real ServiceNow log served by a local instance, pulled by `comanage sync`.

`run(tmpdir)` returns (name, value) rows for bench/bench.py: a full sync of the 24,918
incidents and their history, an incremental sync with nothing new, and the peak resident
set the sync adds (VmHWM of the syncing process, before and after). The instance
(tests/sync/servicenow_instance.py) runs in its own process, with its sys_audit rows
encoded beforehand, so its own work is not counted as the client's.

Data: "Incident management process enriched event log", UCI Machine Learning Repository,
data set 498 — Amaral, C., Fantinato, M., & Peres, S. (2018), DOI 10.24432/C57S4H, CC BY 4.0.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"
CLOCK = 1_700_000_000

_CHILD = r"""
import json, os, sys, time
from pathlib import Path
from comanage_tui.data.store import Store
from comanage_tui.data.sync.config import load_source
from comanage_tui.data.sync.credentials import credentials
from comanage_tui.data.sync.engine import run_sync
from comanage_tui.data.sync.http import HttpClient
from comanage_tui.data.sync.kinds import build_source


def peak_kib():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))

source, db = Path(sys.argv[1]), Path(sys.argv[2])
config, mapping = load_source(source)
creds = credentials(config.auth, config.name)
runs = []
for _ in range(2):
    with Store(db, clock=lambda: 1_700_000_000) as store, HttpClient(config, creds.httpx_auth()) as http:
        base = peak_kib()
        t = time.perf_counter()
        report = run_sync(store, build_source(config, http, mapping), now=1_700_000_000)
        runs.append({"took": time.perf_counter() - t, "base_kib": base, "peak_kib": peak_kib(), "records": report.records,
                     "rebuilt": report.rebuilt, "requests": report.requests, "events": report.imported.events})
print(json.dumps(runs))
"""


def _serve(queue) -> None:  # in its own process: the instance's work is not the client's
    sys.path.insert(0, str(REPO))
    import logging

    from pytest_httpserver import HTTPServer

    from tests.sync.servicenow_instance import from_export, serve

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    inst = from_export(DATA)
    inst.warm()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    queue.put(serve(server, inst))
    time.sleep(3600)


def run(tmpdir: Path | str) -> list[tuple[str, str]]:
    if not DATA.exists():
        return [("servicenow sync", f"skipped: {DATA} not found")]
    from tests.sync.helpers import SN_ENV, write_source
    from tests.sync.servicenow_instance import PASSWORD

    folder = Path(tmpdir)
    db = folder / "bench-sync.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    queue: mp.Queue = mp.Queue()
    server = mp.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        base = queue.get(timeout=300)
        source = write_source(folder / "bench-sources", base, extra="page_size = 1000")
        env = {**os.environ, SN_ENV: PASSWORD,
               "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        out = subprocess.run([sys.executable, "-c", _CHILD, str(source), str(db)], capture_output=True, text=True,
                             env=env, check=True, timeout=900)
    finally:
        server.terminate()
    full, again = json.loads(out.stdout.strip().splitlines()[-1])
    growth = (full["peak_kib"] - full["base_kib"]) / 1024
    return [
        ("servicenow sync, full (24,918 incidents + sys_audit)",
         f"{full['took']:.1f} s ({full['records']:,} records, {full['events']:,} events, {full['requests']} requests)"),
        ("  incremental sync, nothing new", f"{again['took']:.2f} s ({again['rebuilt']} rebuilt, {again['requests']} requests)"),
        ("  peak RSS of the syncing process (VmHWM)",
         f"{full['peak_kib'] / 1024:.0f} MB ({full['base_kib'] / 1024:.0f} MB before syncing, +{growth:.0f} MB during)"),
    ]
