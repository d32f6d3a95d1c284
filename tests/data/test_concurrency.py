"""Several OS processes writing through the store to one file: nothing lost, nothing doubled.

Each worker process makes N writes: ticket edits, handoff transitions and KT status
changes. Afterwards every write is present, the audit log has exactly one row per write,
and no worker ever saw "database is locked".
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from comanage_tui.data.store import Store

T0 = 1_790_000_000
HANDOFF_CYCLE = ("acknowledge", "return", "rerequest")
KT_CYCLE = ("in_progress", "done", "verified", "planned")


def _setup(db: Path, workers: int) -> None:
    with Store(db, clock=lambda: T0) as s:
        s.org.add_party({"key": "internal", "name": "Internal", "kind": "internal"})
        s.org.add_party({"key": "msp", "name": "MSP"})
        s.org.add_area({"key": "desk", "name": "Desk"})
        for w in range(workers):
            s.tickets.add({"ref": f"W{w}", "title": "start", "party": "msp", "opened_at": T0})
            s.handoffs.create({"from_party": "internal", "to_party": "msp", "summary": f"h{w}", "requested_at": T0})
            s.kt.add({"area": "desk", "topic": f"kt{w}"})


def _worker(db: str, w: int, writes: int, errors) -> None:  # mp.Queue
    try:
        with Store(db, actor=f"worker{w}", clock=lambda: T0 + 10) as s:
            ticket = s.tickets.by_ref(f"W{w}").id
            handoff = w + 1
            kt = w + 1
            for i in range(writes):
                kind = i % 3
                if kind == 0:
                    s.tickets.update(ticket, {"title": f"edit {i}"}, at=T0 + 10)
                elif kind == 1:
                    action = HANDOFF_CYCLE[(i // 3) % 3]
                    if action == "return":
                        s.handoffs.return_(handoff, "not ours", at=T0 + 10)
                    else:
                        getattr(s.handoffs, action)(handoff, at=T0 + 10)
                else:
                    s.kt.set_status(kt, KT_CYCLE[(i // 3) % 4])
    except BaseException as exc:  # reported to the parent
        errors.put(f"worker {w}: {exc!r}")


@pytest.mark.parametrize("workers", [2, pytest.param(4, marks=pytest.mark.slow)])
def test_concurrent_processes_lose_no_write(tmp_path: Path, workers: int) -> None:
    writes = 1_000
    db = tmp_path / "shared.db"
    _setup(db, workers)
    with Store(db) as s:
        audit_before = s.scalar("SELECT count(*) FROM audit_log")
    ctx = mp.get_context("spawn")  # a fresh interpreter per worker, like separate sessions
    errors = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(db), w, writes, errors)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert all(p.exitcode == 0 for p in procs)
    with Store(db) as s:
        assert s.scalar("PRAGMA integrity_check") == "ok"
        assert s.scalar("SELECT count(*) FROM audit_log") - audit_before == workers * writes
        for w in range(workers):
            per_worker = s.scalar("SELECT count(*) FROM audit_log WHERE actor = ?", (f"worker{w}",))
            assert per_worker == writes
            ticket = s.tickets.by_ref(f"W{w}")
            assert ticket.title == f"edit {writes - 1 - (writes - 1) % 3}"
            assert ticket.version == 1 + len(range(0, writes, 3))
            handoff = s.handoffs.get(w + 1)
            assert handoff.bounce_count == len([i for i in range(writes) if i % 3 == 1 and (i // 3) % 3 == 1])
            assert s.kt.get(w + 1).version == 1 + len(range(2, writes, 3))


def test_a_write_blocked_by_another_process_waits_then_says_who_holds_the_lock(tmp_path: Path, monkeypatch) -> None:
    import sqlite3
    import time

    from comanage_tui.data import db as dbmod
    from comanage_tui.data.errors import DatabaseProblem

    path = tmp_path / "locked.db"
    _setup(path, 1)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 700)  # the real wait is 5 s; the behaviour is the same
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write, holding the write lock
    try:
        with Store(path) as s:
            started = time.monotonic()
            try:
                s.tickets.update(1, {"title": "blocked"})
            except DatabaseProblem as exc:
                waited = time.monotonic() - started
                message = str(exc)
            else:
                raise AssertionError("the write went through while another process held the lock")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert 0.6 <= waited < 5
    assert "locked by another comanage session or process" in message and "try again" in message
    assert "database is locked" not in message
    with Store(path) as s:
        assert s.tickets.by_ref("W0").title == "start"
