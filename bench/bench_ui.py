"""Dashboard benchmark at Textual's internal hook (a breakdown; bench_pty.py is the figure of record).

Cold start, filter keystroke, screen switch and peak memory on a large database.

`run(db_path)` returns (name, value) rows for bench/bench.py; `python bench/bench_ui.py DB`
prints them. Every figure comes from a child process, so imports and caches start cold and
the peak resident set is the dashboard's alone.

"Paint" is the moment Textual hands a rendered frame to its driver (`App._display`), which
the app reaches in headless mode too: the widgets have rendered, only the terminal write is
left out. Keys are injected through the driver exactly as a terminal delivers them.
"""

from __future__ import annotations

import json
import os
import pty
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOW = 1_795_422_600  # the demo databases end at 2026-11-23 08:30 UTC
RUNS = 9  # cold starts per kind, interleaved: 5 left the medians swinging by ±15 % here

# Cold start: print one line at the first painted frame of the first real screen, then leave at once
# (os._exit: the overview's background computation must not hold the process open).
_COLD = r"""
import os, sys
kind, db, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "bare":
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Bare(App):
        def compose(self):
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self):
            table = self.query_one(DataTable)
            table.add_columns("Ref", "Pri", "Status", "Holder", "Area", "Opened", "Title")
            table.add_rows([(f"INC{i}", "P3", "new", "msp", "network", "11-23 09:30", f"ticket {i}") for i in range(100)])

    app, first = Bare(), "Screen"
elif kind == "app":
    from comanage_tui.app import ComanageApp
    from comanage_tui.data.store import Store

    app, first = ComanageApp(Store(db, create=False), now=now), "OverviewScreen"
else:  # "command": the installed entry point as a user types it (click, store checks, app)
    app, first = None, "OverviewScreen"

from textual.app import App

show, run = App._display, App.run
state = {"painted": False, "figures": None}

def display(self, screen, renderable):
    show(self, screen, renderable)
    if renderable is None or type(screen).__name__ != first:
        return
    if not state["painted"]:
        state["painted"] = True
        os.write(2, b"painted\n")
        if kind != "command":
            os._exit(0)
    elif state["figures"]:
        os.write(2, b"figures\n")  # the first frame showing the KPI tiles filled in
        os._exit(0)

if kind == "command":
    from comanage_tui.screens.overview import OverviewScreen

    loaded = OverviewScreen.on_now_loaded

    def on_now_loaded(self, message):
        loaded(self, message)
        state["figures"] = True

    OverviewScreen.on_now_loaded = on_now_loaded

def headless(self, *args, **kwargs):  # no terminal here: render exactly the same frames, headless
    return run(self, headless=True, size=(120, 40))

App._display, App.run = display, headless
if app is not None:
    app.run()
else:
    from comanage_tui.cli import run as command

    import datetime as dt

    moment = dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat()
    sys.argv = ["comanage", "--db", db, "--now", moment]  # the demo's moment, not the real clock
    command()
"""

# Interaction: filter keystrokes and screen switches, timed from key to painted frame; peak RSS.
_INTERACT = r"""
import asyncio, bisect, json, os, resource, sys, time
from textual import events
from comanage_tui.app import ComanageApp
from comanage_tui.data.store import Store
from comanage_tui.widgets.paged_table import PagedTable

db, now = sys.argv[1], int(sys.argv[2])
out = {}
marks = {"load": [], "mode": []}  # when rows were applied / a mode became current

applied = PagedTable.on_pages_loaded
def on_pages_loaded(self, message):
    applied(self, message)
    marks["load"].append(time.perf_counter())
PagedTable.on_pages_loaded = on_pages_loaded

async def main():
    app = ComanageApp(Store(db, create=False), now=now)
    paints = []
    show, switch = app._display, app.switch_mode

    def display(screen, renderable):
        show(screen, renderable)
        if renderable is not None:
            paints.append(time.perf_counter())

    def switch_mode(mode):
        result = switch(mode)
        marks["mode"].append(time.perf_counter())
        return result

    app._display, app.switch_mode = display, switch_mode

    def key(name, char=None):
        ev = events.Key(name, char if char is not None else (name if len(name) == 1 else None))
        ev.set_sender(app)
        app._driver.send_message(ev)

    async def painted_after(started, what, timeout=60.0):
        # The first frame painted after the event (rows applied, mode switched) that followed `started`.
        while True:
            after = [t for t in marks[what] if t >= started]
            if after:
                i = bisect.bisect_left(paints, after[0])
                if i < len(paints):
                    return paints[i] - started
            if time.perf_counter() - started > timeout:
                raise TimeoutError(what)
            await asyncio.sleep(0.0005)

    async def typing(word):
        times = []
        for ch in word:
            started = time.perf_counter()
            key("space" if ch == " " else ch, ch)
            times.append(await painted_after(started, "load"))
            await asyncio.sleep(0.15)  # a fast typist: ~7 keys a second
        return times

    async with app.run_test(headless=True, size=(120, 40)):
        overview = app.screen
        # While the overview is still computing (what a lead at 8 a.m. actually meets).
        started = time.perf_counter()
        key("6")
        await painted_after(started, "load")
        out["tickets_first_rows_ms"] = (time.perf_counter() - started) * 1000
        await asyncio.sleep(0.2)
        key("slash")
        await asyncio.sleep(0.2)
        busy = await typing("printer")
        key("escape")
        started = time.perf_counter()
        while overview.trend is None and time.perf_counter() - started < 300:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        # Quiet: the overview's work is done.
        key("slash")
        await asyncio.sleep(0.2)
        quiet = await typing("printer")
        key("escape")  # clears the filter line
        await asyncio.sleep(0.3)
        key("slash")
        await asyncio.sleep(0.2)
        quiet += await typing("depot")
        key("enter")
        await asyncio.sleep(0.3)
        switches = []
        for name in "123456" * 3:
            started = time.perf_counter()
            key(name)
            switches.append(await painted_after(started, "mode"))
            await asyncio.sleep(0.5)
        out.update(filter_busy=busy, filter_quiet=quiet, switches=switches)
        out["maxrss_kib"] = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))  # KiB; ru_maxrss would carry the forking parent's peak
        print(json.dumps(out), flush=True)
        os._exit(0)

asyncio.run(main())
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NO_COLOR", None)
    return env


def _cold_start(kind: str, db: Path) -> tuple[float, float | None]:
    """Seconds to the first painted frame, and (for "command") to the first frame with the figures."""
    # The marks come on stderr; stdin and stdout are a pseudo-terminal, as the dashboard refuses
    # to start without one (the frames themselves are rendered headless, see _COLD).
    master, slave = pty.openpty()
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", _COLD, kind, str(db), str(NOW)], stdin=slave, stdout=slave,
                             stderr=subprocess.PIPE, env=_env(), cwd=REPO)
    os.close(slave)
    times, seen = {}, []
    try:
        for expected in ("painted", "figures") if kind == "command" else ("painted",):
            while True:
                ready, _, _ = select.select([child.stderr], [], [], 120)
                line = child.stderr.readline() if ready else b""
                if line.strip() == expected.encode() or not line:
                    break
                seen.append(line.decode(errors="replace"))
            if line.strip() != expected.encode():
                child.kill()
                _, err = child.communicate(timeout=60)
                text = "".join(seen) + err.decode(errors="replace")
                raise RuntimeError(f"{kind} cold start: no '{expected}' within 120 s: {text[-2000:]}")
            times[expected] = time.perf_counter() - started
        child.communicate(timeout=60)
    finally:
        os.close(master)
    return times["painted"], times.get("figures")


def _interact(db: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _INTERACT, str(db), str(NOW)], capture_output=True, text=True,
                          env=_env(), cwd=REPO, timeout=600)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"interaction run failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(values) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms (n={len(values)})"


def run(db_path: Path | str) -> list[tuple[str, str]]:
    """Measure the dashboard on `db_path` (meant for the 100k-ticket demo ending at NOW)."""
    db = Path(db_path)
    ours, command, figures_at, bare = [], [], [], []
    for _ in range(RUNS):  # interleaved, so machine noise hits all sides alike
        bare.append(_cold_start("bare", db)[0])
        ours.append(_cold_start("app", db)[0])
        painted, filled = _cold_start("command", db)
        command.append(painted)
        figures_at.append(filled)
    ratio = statistics.median(ours) / statistics.median(bare)
    command_ratio = statistics.median(command) / statistics.median(bare)
    figures = _interact(db)
    quiet_median = statistics.median(figures["filter_quiet"]) * 1000
    switch_median = statistics.median(figures["switches"]) * 1000
    rss_mb = figures["maxrss_kib"] / 1024
    return [
        ("ui hook: cold start to first paint (bare Textual Header+DataTable+Footer)", f"median {statistics.median(bare) * 1000:.0f} ms"),
        ("ui hook: cold start to first paint (ComanageApp + Store, overview)", f"median {statistics.median(ours) * 1000:.0f} ms"),
        ("ui hook: cold start ratio, app (goal ≤ 1.3×)", f"{ratio:.2f}× {'✔' if ratio <= 1.3 else '✖'}"),
        ("ui hook: cold start to first paint (`comanage --db DB`, click included)", f"median {statistics.median(command) * 1000:.0f} ms"),
        ("ui hook: cold start ratio, installed command (goal ≤ 1.3×)", f"{command_ratio:.2f}× {'✔' if command_ratio <= 1.3 else '✖'}"),
        ("ui hook: cold start to KPI tiles filled (`comanage --db DB`)", f"median {statistics.median(figures_at) * 1000:.0f} ms"),
        ("ui hook: tickets screen, first rows painted", f"{figures['tickets_first_rows_ms']:.0f} ms (overview still computing)"),
        ("ui hook: filter keystroke → repaint (goal ≤ 50 ms)", _ms(figures["filter_quiet"]) + f" {'✔' if quiet_median <= 50 else '✖'}"),
        ("ui hook: filter keystroke → repaint, overview computing", _ms(figures["filter_busy"])),
        ("ui hook: screen switch → repaint (goal ≤ 100 ms)", _ms(figures["switches"]) + f" {'✔' if switch_median <= 100 else '✖'}"),
        ("ui hook: peak RSS, whole session (goal ≤ 200 MB)", f"{rss_mb:.0f} MB {'✔' if rss_mb <= 200 else '✖'}"),
    ]


if __name__ == "__main__":
    for name, value in run(sys.argv[1]):
        print(f"{name:<64} {value}")
