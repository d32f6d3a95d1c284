"""The dashboard measured where the user sits: a real pseudo-terminal, bytes as the terminal gets them.

`run(db_path)` returns (name, value) rows for bench/bench.py; `python bench/bench_pty.py DB
[--busy]` prints them. Each figure is timed from outside the process:

- cold start: from just before the process is started to the first bytes of the first frame
  (the first output that draws visible characters), against a bare Textual app (Header +
  DataTable + Footer, 100 rows) started the same way, interleaved run by run;
- the first frame with the KPI tiles filled ("Attention today:" is drawn with them) and the
  Overview complete (the weekly trend drawn: the last byte of that repaint);
- a filter keystroke on Tickets and a screen switch: from writing the key to the pty to the
  last byte of the repaint it causes (output then stays quiet for QUIET seconds), against a
  bare Textual app whose Input filters a 40-row table in memory;
- the dashboard's peak resident set (VmHWM) at the end of the session.

`--busy` runs a second pass with another process keeping one of the two cores busy.
Figures are printed, never asserted; medians of interleaved runs, with their spread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import multiprocessing
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOW = 1_795_422_600  # the demo databases end at 2026-11-23 08:30 UTC
RUNS = 9
QUIET = 0.25
"""Seconds without output that end a repaint (the dashboard draws nothing on its own while idle)."""
SIZE = (120, 40)

_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x1f]")

_BARE = r"""
import sys
from textual.app import App
from textual.widgets import DataTable, Footer, Header, Input

ROWS = [(f"INC{100000 + i}", "P3", "new", "msp", "network", "11-23 09:30", f"Printer on floor {i % 7} jams, depot {i % 5}")
        for i in range(int(sys.argv[1]))]

class Bare(App):
    def compose(self):
        yield Header()
        if FILTER:
            yield Input(placeholder="filter")
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Ref", "Pri", "Status", "Holder", "Area", "Opened", "Title")
        self.fill("")
        if FILTER:
            self.query_one(Input).focus()

    def fill(self, text):
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows([r for r in ROWS if text.lower() in r[-1].lower()])

    def on_input_changed(self, event):
        self.fill(event.value)

FILTER = sys.argv[2] == "filter"
Bare().run()
"""


class PtyProcess:
    """A process on a new pty of SIZE; a thread keeps (time, bytes) of everything it writes."""

    def __init__(self, argv: list[str]):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1]),
               "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        env.pop("NO_COLOR", None)
        self.master = master
        self.chunks: list[tuple[float, bytes]] = []
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if not ready:
                if self.proc.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.chunks.append((time.perf_counter(), chunk))

    def snapshot(self) -> list[tuple[float, bytes]]:
        with self._lock:
            return list(self.chunks)

    def first_visible(self, timeout: float = 120) -> float:
        """When the first output drawing visible characters arrived (seconds after start)."""
        return self._wait(lambda text: bool(text.strip()), 0, timeout) - self.started

    def wait_text(self, marker: str, since: int = 0, timeout: float = 300) -> float:
        """When `marker` first appears in the text drawn after chunk `since` (absolute time)."""
        needle = marker.encode()
        return self._wait(lambda text: needle in text, since, timeout)

    def _wait(self, found, since: int, timeout: float) -> float:
        end = time.perf_counter() + timeout
        text, seen = b"", since
        while time.perf_counter() < end:
            chunks = self.snapshot()
            for at, chunk in chunks[seen:]:
                text += _ESCAPES.sub(b"", chunk)
                seen += 1
                if found(text):
                    return at
            if self.proc.poll() is not None:
                break
            time.sleep(0.002)
        tail = _ESCAPES.sub(b"", b"".join(c for _t, c in self.snapshot()[-20:]))[-600:]
        raise RuntimeError(f"not drawn within {timeout:.0f} s (exit {self.proc.poll()}): {tail!r}")

    def settle(self, after: float, timeout: float = 60) -> float:
        """The time of the last byte written after `after`, once output has been quiet for QUIET s."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            chunks = self.snapshot()
            last = chunks[-1][0] if chunks else after
            if last >= after and time.perf_counter() - last >= QUIET:
                return last
            if last < after and time.perf_counter() - after >= 5:
                return after  # nothing was redrawn at all
            time.sleep(0.01)
        raise RuntimeError("output never went quiet")

    def key(self, data: str) -> tuple[float, int]:
        """Write a key; (when, index of the next chunk)."""
        index = len(self.snapshot())
        at = time.perf_counter()
        os.write(self.master, data.encode())
        return at, index

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        return kib / 1024

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self._reader.join(timeout=5)
        os.close(self.master)


def _comanage(db: Path) -> list[str]:
    moment = dt.datetime.fromtimestamp(NOW, dt.UTC).isoformat()
    script = Path(sys.executable).with_name("comanage")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]
    return [*command, "--db", str(db), "--now", moment]


def _bare(rows: int, mode: str) -> list[str]:
    return [sys.executable, "-c", _BARE, str(rows), mode]


def _cold(db: Path) -> dict[str, float]:
    """One interleaved pair: the bare app's and the dashboard's first frame, the tiles, the whole Overview."""
    out: dict[str, float] = {}
    bare = PtyProcess(_bare(100, "plain"))
    try:
        out["bare_first"] = bare.first_visible()
    finally:
        bare.close()
    ours = PtyProcess(_comanage(db))
    try:
        out["first"] = ours.first_visible()
        out["tiles"] = ours.wait_text("Attention today:") - ours.started
        trend = ours.wait_text("oldest→newest")
        out["complete"] = ours.settle(trend, timeout=300) - ours.started
    finally:
        ours.close()
    return out


def _typing(p: PtyProcess, word: str) -> list[float]:
    times = []
    for ch in word:
        at, _ = p.key(ch)
        times.append(p.settle(at) - at)
    return times


def _keys(db: Path) -> dict[str, list[float] | float]:
    """Filter keystrokes and screen switches in the dashboard (Overview complete first); the bare filter."""
    out: dict[str, list[float] | float] = {}
    bare = PtyProcess(_bare(40, "filter"))
    try:
        bare.wait_text("Printer on floor")
        bare.settle(time.perf_counter())
        out["bare_filter"] = _typing(bare, "printer") + _typing(bare, " on")
    finally:
        bare.close()
    p = PtyProcess(_comanage(db))
    try:
        p.settle(p.wait_text("oldest→newest", timeout=300), timeout=300)
        at, _ = p.key("6")
        p.settle(at)
        at, _ = p.key("/")
        p.settle(at)
        out["filter"] = _typing(p, "printer") + _typing(p, " de")
        at, _ = p.key("\r")
        p.settle(at)
        switches = []
        for name in "123456" * 3:
            at, _ = p.key(name)
            switches.append(p.settle(at) - at)
        out["switch"] = switches
        out["rss_mb"] = p.peak_rss_mb()
    finally:
        p.close()
    return out


def _spin(stop) -> None:  # a process keeping one core busy
    while not stop.is_set():
        pass


def _spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"median {statistics.median(ms):.0f} ms (min {ms[0]:.0f}, max {ms[-1]:.0f}, n={len(ms)})"


def _pass(db: Path, label: str) -> list[tuple[str, str]]:
    runs = [_cold(db) for _ in range(RUNS)]
    keys = _keys(db)
    first = [r["first"] for r in runs]
    bare = [r["bare_first"] for r in runs]
    ratios = sorted(r["first"] / r["bare_first"] for r in runs)
    filter_ratio = statistics.median(keys["filter"]) / statistics.median(keys["bare_filter"])
    complete = statistics.median(r["complete"] for r in runs)
    switch = statistics.median(keys["switch"])
    return [
        (f"pty{label}: first frame bytes, bare Textual app", _spread(bare)),
        (f"pty{label}: first frame bytes, comanage", _spread(first)),
        (f"pty{label}: first frame ratio (goal ≤ 1.2× quiet, ≤ 1.3× busy)",
         f"{statistics.median(ratios):.2f}× (pairs {ratios[0]:.2f}–{ratios[-1]:.2f})"),
        (f"pty{label}: KPI tiles filled", _spread([r["tiles"] for r in runs])),
        (f"pty{label}: Overview complete, trend drawn (goal ≤ 1.5 s)",
         _spread([r["complete"] for r in runs]) + (" ✔" if complete <= 1.5 else " ✖")),
        (f"pty{label}: filter key → last byte, bare Input over 40 rows", _spread(keys["bare_filter"])),
        (f"pty{label}: filter key → last byte, Tickets", _spread(keys["filter"])),
        (f"pty{label}: filter ratio (goal ≤ 1.3×)", f"{filter_ratio:.2f}× {'✔' if filter_ratio <= 1.3 else '✖'}"),
        (f"pty{label}: screen switch → last byte (goal ≤ 150 ms)",
         _spread(keys["switch"]) + (" ✔" if switch <= 0.150 else " ✖")),
        (f"pty{label}: peak RSS of the dashboard (goal ≤ 200 MB)",
         f"{keys['rss_mb']:.0f} MB {'✔' if keys['rss_mb'] <= 200 else '✖'}"),
    ]


def run(db_path: Path | str, *, busy: bool = False) -> list[tuple[str, str]]:
    db = Path(db_path)
    rows = _pass(db, "")
    if busy:
        stop = multiprocessing.Event()
        spinner = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
        spinner.start()
        try:
            rows += _pass(db, " (one core busy)")
        finally:
            stop.set()
            spinner.join(timeout=5)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--busy", action="store_true", help="also measure with one core kept busy")
    args = ap.parse_args()
    for name, value in run(args.db, busy=args.busy):
        print(f"{name:<66} {value}")
