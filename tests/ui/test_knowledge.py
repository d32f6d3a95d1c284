"""The Knowledge screen in the real app at 80×24: backlog, coverage, status, review, new, edit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from comanage_tui.data.models import KtItemIn, KtStatus
from comanage_tui.screens.knowledge import KnowledgeScreen
from comanage_tui.widgets.form import ConfirmScreen, FormScreen, InfoScreen
from tests.ui.test_forms import HOSTILE, flat, open_app, open_store, press, screen_text, settle

TODAY = dt.date(2026, 11, 23)  # FIXED_NOW in the internal team's time zone


def items(path: Path) -> dict[int, object]:
    with open_store(path) as store:
        return {i.id: i for i in store.kt.list()}


def notes(app) -> str:  # App
    return "\n".join(str(n.message) for n in app._notifications)


def find(path: Path, predicate) -> int:  # callable
    return next(i.id for i in items(path).values() if predicate(i))


async def show(pilot, item_id: int | None = None) -> KnowledgeScreen:  # Pilot
    await press(pilot, "5")
    screen = pilot.app.screen
    assert isinstance(screen, KnowledgeScreen)
    if item_id is not None:
        screen.select_id(item_id)
        await settle(pilot)
        assert screen.current_item().id == item_id
    return screen


def row_cells(screen: KnowledgeScreen, item_id: int) -> str:
    table = screen.query_one("#kt-backlog")
    return " | ".join(c.plain for c in table.get_row(str(item_id)))


async def test_backlog_marks_overdue_and_stale_at_80x24(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        shown = screen_text(pilot.app)
        all_items = items(ui_db).values()
        overdue = sum(i.is_overdue(TODAY) for i in all_items)
        stale = sum(i.is_stale(TODAY) for i in all_items)
        assert f"✖ {overdue} overdue" in flat(pilot.app) and f"⚠ {stale} stale" in flat(pilot.app)
        assert "✖ overdue" in shown and "⚠ stale" in shown and "◐ in progress" in shown and "✔ verified" in shown
        i = screen.current_item()  # the preview carries what the narrow table cannot
        assert i.topic in flat(pilot.app) and "teacher" in shown and "learners" in shown
        assert "u Next status" in shown and "v Reviewed today" in shown and "e Edit" in shown


async def test_coverage_view_flags_single_points(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "c")
        assert screen.view == "coverage"
        await press(pilot, "slash", *"secur", "enter")
        shown = screen_text(pilot.app)
        assert "Security monitoring" in shown and "⚠ partner only" in shown and "✖ no" in shown
        assert "only the partner can do it" in shown  # the preview says it in full
        await press(pilot, "escape", "greater_than_sign")
        assert "sort risk" in flat(pilot.app)
        assert screen.current_coverage().single_point is not None  # riskiest first
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, InfoScreen) and "People who can do it" in pilot.app.screen.body_text()


async def test_status_cycles_forward_and_back(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.IN_PROGRESS)
    before = items(ui_db)[kt]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, kt)
        await press(pilot, "u")
        after = items(ui_db)[kt]
        assert after.status == KtStatus.DONE and after.version == before.version + 1
        assert "● done" in row_cells(screen, kt) and screen.current_item().id == kt
        await press(pilot, "U")
        assert items(ui_db)[kt].status == KtStatus.IN_PROGRESS


async def test_record_review_clears_the_stale_mark(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.is_stale(TODAY))
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, kt)
        assert "⚠ stale" in row_cells(screen, kt)
        await press(pilot, "v")
        assert items(ui_db)[kt].last_reviewed == TODAY
        assert "⚠ stale" not in row_cells(screen, kt)
        assert "reviewed 2026-11-23" in notes(pilot.app)


async def test_new_item_form_validates_then_saves(ui_db: Path) -> None:
    count = len(items(ui_db))
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "n")
        form = pilot.app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-review_interval_days").value = "0"
        form.query_one("#field-due_date").value = "next week"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form  # refused
        assert form.error_for("area") == "✖ required" and form.error_for("topic") == "✖ required"
        assert "use a date like" in screen_text(pilot.app) or form.error_for("due_date")
        assert len(items(ui_db)) == count
        form.query_one("#field-area").value = "printing"
        form.query_one("#field-topic").value = "Print server runbook"
        form.query_one("#field-due_date").value = "2026-12-31"
        form.query_one("#field-review_interval_days").value = "180"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
    new = [i for i in items(ui_db).values() if i.topic == "Print server runbook"]
    assert len(new) == 1
    assert (new[0].area_key, new[0].due_date, new[0].review_interval_days, new[0].status) == (
        "printing", dt.date(2026, 12, 31), 180, KtStatus.PLANNED)


async def test_edit_saves_only_what_changed(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.PLANNED)
    before = items(ui_db)[kt]
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show(pilot, kt)
        await press(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, FormScreen) and form.query_one("#field-topic").value == before.topic
        form.query_one("#field-topic").value = "   "
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form and form.error_for("topic") == "✖ required"
        form.query_one("#field-topic").value = "Renamed topic"
        await press(pilot, "ctrl+s")
    after = items(ui_db)[kt]
    assert after.topic == "Renamed topic" and after.version == before.version + 1
    assert after.model_dump(exclude={"topic", "version", "updated_at"}) == before.model_dump(exclude={"topic", "version", "updated_at"})


async def test_edit_conflict_offers_overwrite_or_reload(ui_db: Path) -> None:
    kt = find(ui_db, lambda i: i.status == KtStatus.PLANNED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await show(pilot, kt)
        await press(pilot, "e")
        with open_store(ui_db) as other:
            other.kt.update(kt, {"notes": "theirs"})
        pilot.app.screen.query_one("#field-topic").value = "Mine"
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "changed by someone else" in screen_text(pilot.app)
        await press(pilot, "o")
        assert items(ui_db)[kt].topic == "Mine" and items(ui_db)[kt].notes == "theirs"

        await press(pilot, "e")
        with open_store(ui_db) as other:
            other.kt.update(kt, {"topic": "Theirs"})
        pilot.app.screen.query_one("#field-topic").value = "Mine again"
        await press(pilot, "ctrl+s", "r")
        assert items(ui_db)[kt].topic == "Theirs"
        assert isinstance(pilot.app.screen, KnowledgeScreen) and pilot.app.screen.current_item().topic == "Theirs"


async def test_read_only_refuses_changes(ui_db: Path) -> None:
    before = {k: v.model_dump() for k, v in items(ui_db).items()}
    async with open_app(ui_db, read_only=True).run_test(size=(80, 24)) as pilot:
        await show(pilot)
        for key in ("u", "v", "n", "e"):
            await press(pilot, key)
            assert isinstance(pilot.app.screen, KnowledgeScreen)
        assert notes(pilot.app).count("read-only") >= 4
    assert {k: v.model_dump() for k, v in items(ui_db).items()} == before


async def test_hostile_topic_renders_literally(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        kt = store.kt.add(KtItemIn(area="backup", topic=" ".join(HOSTILE), notes="[b]n[/b]")).id
    async with open_app(ui_db).run_test(size=(120, 30)) as pilot:
        screen = await show(pilot, kt)
        assert "[red]x[/] [/oops]" in row_cells(screen, kt)
        shown = screen_text(pilot.app)
        assert "[red]x[/] [/oops]" in shown and "\x1b" not in shown and "\x07" not in shown
        await press(pilot, "enter")
        body = pilot.app.screen.body_text()
        assert "[red]x[/] [/oops]" in body and "[b]n[/b]" in body and "\x1b" not in body


async def test_filter_sort_and_select_id_from_coverage(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "slash", *"overdue", "enter")
        assert screen.visible() and all("✖ overdue" in row_cells(screen, int(k)) for k, _ in screen.visible())
        await press(pilot, "escape", "greater_than_sign")
        dues = [items(ui_db)[int(k)].due_date or dt.date.max for k, _ in screen.visible()]
        assert dues == sorted(dues) and "sort due" in flat(pilot.app)
        await press(pilot, "c")
        kt = find(ui_db, lambda i: i.area_key == "secmon")
        screen.select_id(kt)
        await settle(pilot)
        assert screen.view == "backlog" and screen.current_item().id == kt



def capable(path: Path, area: str) -> list[int]:
    with open_store(path) as store:
        return sorted(pid for a, pid, _ in store.org.capabilities() if a == area)


async def test_coverage_edit_who_can_do_it_clears_a_single_point(ui_db: Path) -> None:
    from textual.widgets import SelectionList

    with open_store(ui_db) as store:
        people = {p.name: p for p in store.org.people()}
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "c", "slash", *"secur", "enter")
        cov = screen.current_coverage()
        assert cov.single_point == "only the partner can do it"
        before = capable(ui_db, cov.area.key)
        assert before and "can do it:" in flat(pilot.app)
        await press(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, FormScreen) and "Who can do" in screen_text(pilot.app)
        ticks = form.query_one("#field-people", SelectionList)
        assert sorted(ticks.selected) == before
        internal = next(p for p in people.values() if p.party_key == "internal" and p.active)
        ticks.select(internal.id)
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, KnowledgeScreen)
        await settle(pilot)
        assert capable(ui_db, cov.area.key) == sorted([*before, internal.id])
        assert screen.current_coverage().single_point is None
        assert "people can do it" in notes(pilot.app)
        await press(pilot, "enter")
        assert internal.name in pilot.app.screen.body_text()  # the detail names them


async def test_coverage_edit_conflict_offers_overwrite_or_reload(ui_db: Path) -> None:
    from textual.widgets import SelectionList

    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "c", "slash", *"secur", "enter")
        area = screen.current_coverage().area.key
        before = capable(ui_db, area)
        await press(pilot, "e")
        with open_store(ui_db) as other:
            other.org.set_capabilities(area, [])  # someone else empties the list meanwhile
        pilot.app.screen.query_one("#field-people", SelectionList).deselect(before[0])
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, ConfirmScreen) and "changed by someone else" in screen_text(pilot.app)
        await press(pilot, "r")
        assert capable(ui_db, area) == []  # reload: theirs stands
        await settle(pilot)
        assert screen.current_coverage().single_point == "nobody is recorded as able to do it"
