"""The Activity screen (key 7 / j): the audit log in words, filter, pages, Enter to the changed item, and the
toast when another connection changes something. The real app under Pilot on a real file; the other
user is a second Store connection on the same file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.app import ComanageApp
from comanage_tui.data.readmodel.activity import PAGE
from comanage_tui.data.store import Store
from comanage_tui.screens.activity import ActivityScreen
from comanage_tui.screens.ticket_detail import TicketDetailScreen
from tests.past_org import T0, T1, Clock, build_org
from tests.ui.conftest import screen_text, wait_until
from tests.ui.test_app import record_notifications

HOSTILE = "[bold red]Boom[/] \x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil"
NOW = T1 + 600


@pytest.fixture
def org_db(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """The small organisation (tests/past_org.py); at T1 'msp-tom' changes a letter, a KT status, a handoff,
    a ticket's status, and adds a KT item with a hostile topic."""
    db = tmp_path / "org.db"
    clock = Clock(T0)
    with Store(db, actor="tester", clock=clock) as store:
        ids = build_org(store)
        ids["ticket"] = store.tickets.add({"ref": "INC7", "title": "ERP slow", "party": "msp", "area": "erp",
                                           "opened_at": T0}).id
    clock.at = T1
    with Store(db, actor="msp-tom", clock=clock) as store:
        store.org.set_raci("erp", "msp", "A")
        store.kt.set_status(ids["kt"], "in_progress")
        store.handoffs.acknowledge(ids["handoff"])
        store.tickets.update(ids["ticket"], {"status": "in_progress"})
        ids["hostile"] = store.kt.add({"area": "erp", "topic": HOSTILE, "status": "planned"}).id
    return db, ids


async def open_activity(app: ComanageApp, pilot) -> ActivityScreen:
    await pilot.press("7")
    await wait_until(pilot, lambda: isinstance(app.screen, ActivityScreen) and app.screen.changes, what="activity loaded")
    return app.screen


async def test_lists_changes_newest_first_in_words_and_filters(org_db) -> None:
    db, _ids = org_db
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store:
        app = ComanageApp(store, now=NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_activity(app, pilot)
            whats = [c.what for c in screen.visible()]
            assert whats[1:5] == ["ticket INC7: status new → in_progress", "handoff #1 it→msp: requested → acknowledged",
                                  "KT 'Backup restore runbook': planned → in_progress", "RACI erp/msp: R → A"]
            shown = screen_text(app)
            assert "[7 Activity]" in shown and "RACI erp/msp: R → A" in shown
            assert "\x1b" not in shown and "\u202e" not in shown and "[bold red]Boom[/]" in shown  # inert, as typed
            await pilot.press("slash")
            await pilot.press(*"raci")
            await pilot.pause()
            assert [c.what for c in screen.visible()] == ["RACI erp/msp: R → A", "RACI erp/msp: – → R", "RACI erp/it: – → A"]
            assert "3 matches" in screen_text(app)


async def test_more_reads_the_next_page(org_db) -> None:
    db, _ids = org_db
    with Store(db, actor="busy", create=False, clock=lambda: NOW) as other:
        for i in range(PAGE):
            other.org.set_raci("erp", "sec", "CI"[i % 2])
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store:
        total = store.scalar("SELECT count(*) FROM audit_log")
        app = ComanageApp(store, now=NOW)
        async with app.run_test(size=(100, 24)) as pilot:
            screen = await open_activity(app, pilot)
            assert len(screen.changes) == PAGE and screen.total == total
            assert f"Activity: {PAGE} of {total} changes" in screen_text(app)
            await pilot.press("m")
            await wait_until(pilot, lambda: len(screen.changes) == total, what="second page")
            assert screen.changes[-1].what == "calendar 24x7 added"  # the first change recorded


@pytest.mark.parametrize(("what", "mode"), [
    ("RACI erp/msp: R → A", "split"),
    ("KT 'Backup restore runbook': planned → in_progress", "knowledge"),
    ("handoff #1 it→msp: requested → acknowledged", "handoffs"),
    ("ticket INC7: status new → in_progress", "ticket"),
])
async def test_enter_jumps_to_the_changed_item(org_db, what: str, mode: str) -> None:
    db, ids = org_db
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store:
        app = ComanageApp(store, now=NOW)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_activity(app, pilot)
            row = next(c for c in screen.visible() if c.what == what)
            assert screen.move_to_row(str(row.id))
            await pilot.press("enter")
            if mode == "ticket":
                await wait_until(pilot, lambda: isinstance(app.screen, TicketDetailScreen), what="ticket detail")
                assert app.screen.ticket_id == ids["ticket"]
                return
            await wait_until(pilot, lambda: app.current_mode == mode and app.screen._loaded, what=f"{mode} loaded")
            await pilot.pause()
            base = app.screen
            if mode == "split":
                assert base.cursor_area() == "erp" and base.cursor_party() == "msp"
            elif mode == "knowledge":
                assert base.cursor_key() == str(ids["kt"])
            else:
                assert base.cursor_key() == str(ids["handoff"])


async def test_a_change_by_another_connection_shows_a_toast_and_our_own_does_not(org_db) -> None:
    db, _ids = org_db
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store, \
            Store(db, actor="msp-tom", create=False, clock=lambda: NOW) as other:
        app = ComanageApp(store, now=NOW)
        notes = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app._audit_seen is not None, what="poller started")
            store.org.set_raci("erp", "sec", "I")  # this session's own change
            app.saved()
            other.org.set_raci("erp", "it", "R")
            other.kt.add({"area": "erp", "topic": HOSTILE, "status": "planned"})
            await wait_until(pilot, lambda: any("RACI erp/it: A → R" in m for m, _ in notes), what="toast")
            await pilot.pause(0.3)
    toasts = [m for m, _ in notes]
    assert any(m.startswith("KT '[bold red]Boom[/] ") for m in toasts)  # markup shown as typed
    assert not any("\x1b" in m or "\u202e" in m for m in toasts)
    assert not any("erp/sec" in m for m in toasts)  # our own change is no news


async def test_the_toast_names_who(org_db) -> None:
    db, _ids = org_db
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store, \
            Store(db, actor="msp-tom", create=False, clock=lambda: NOW) as other:
        app = ComanageApp(store, now=NOW)
        titles: list[str] = []
        original = app.notify

        def notify(message: str, **kwargs):
            titles.append(f"{kwargs.get('title')}: {message}")
            return original(message, **kwargs)

        app.notify = notify
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app._audit_seen is not None, what="poller started")
            other.org.set_raci("erp", "msp", "R")
            await wait_until(pilot, lambda: titles, what="toast")
    assert titles == ["msp-tom changed: RACI erp/msp: A → R"]


async def test_a_session_showing_a_past_moment_lists_what_was_recorded_by_then(org_db) -> None:
    db, _ids = org_db
    with Store(db, actor="viewer", create=False, read_only=True) as store:
        app = ComanageApp(store, now=T1 - 1, as_of=True)
        async with app.run_test(size=(100, 24)) as pilot:
            screen = await open_activity(app, pilot)
            assert screen.changes and all(c.at <= T1 - 1 for c in screen.changes)
            assert screen.total == store.scalar("SELECT count(*) FROM audit_log WHERE at <= ?", (T1 - 1,))
            assert "RACI erp/msp: R → A" not in [c.what for c in screen.changes]


async def test_a_ticket_change_reads_in_words(org_db) -> None:
    db, _ids = org_db
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store:
        from comanage_tui.data.readmodel.activity import changes

        store.tickets.update(store.tickets.by_ref("INC7").id, {"party": "it", "priority": "P2"})
        assert changes(store, kind="ticket", limit=1)[0].what == "ticket INC7: holder msp → it, priority P3 → P2"


async def test_the_screen_and_comanage_log_say_the_same(org_db) -> None:
    """Two surfaces, one fact: the Activity screen's lines equal `comanage log --json`'s, word for word."""
    import datetime as dt
    import json

    from tests.cli.test_cli import run

    db, _ids = org_db
    moment = dt.datetime.fromtimestamp(NOW, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = run("--db", str(db), "--now", moment, "log", "--json", "--limit", "500")
    logged = [(e["id"], e["actor"], e["kind"], e["what"]) for e in json.loads(out.stdout)["entries"]]
    with Store(db, actor="viewer", create=False, clock=lambda: NOW) as store:
        app = ComanageApp(store, now=NOW)
        async with app.run_test(size=(100, 24)) as pilot:
            screen = await open_activity(app, pilot)
            from comanage_tui.data.text import clean

            shown = [(c.id, c.actor, c.kind, clean(c.what, limit=10_000)) for c in screen.visible()]
    assert shown == logged and len(logged) > 10
