"""The Split screen in the real app at 80×24: the RACI matrix, its problems, cell edits and workload."""

from __future__ import annotations

from pathlib import Path

from comanage_tui.data.models import AreaIn
from comanage_tui.data.readmodel.org import TIME_FREED_RULE
from comanage_tui.screens.split import SplitScreen
from comanage_tui.widgets.form import FormScreen, InfoScreen
from tests.conftest import FIXED_NOW
from tests.ui.test_forms import HOSTILE, flat, open_app, open_store, press, screen_text, settle


def raci(path: Path) -> dict[tuple[str, str], str]:
    with open_store(path) as store:
        return store.org.raci()


def notes(app) -> str:  # App
    return "\n".join(str(n.message) for n in app._notifications)


def problems(screen: SplitScreen, area: str) -> str:
    return screen.query_one("#split-matrix").get_cell(area, "problems").plain


async def show(pilot, area: str | None = None, party: str | None = None) -> SplitScreen:  # Pilot
    await press(pilot, "2")
    screen = pilot.app.screen
    assert isinstance(screen, SplitScreen)
    if area is not None:
        screen.select_area(area, party)
        await settle(pilot)
        assert (screen.cursor_area(), screen.cursor_party()) == (area, party)
    return screen


async def test_matrix_marks_gaps_overlaps_drift_and_shows_workload(ui_db: Path) -> None:
    from comanage_tui.data.readmodel import context
    from comanage_tui.data.readmodel import org as rorg

    with open_store(ui_db) as store:
        ctx = context.load_context(store)
        erp = next(a for a in rorg.raci_split(store, ctx, FIXED_NOW) if a.area.key == "erp")
        freed = rorg.time_freed_hours(rorg.workload(store, ctx, FIXED_NOW))
    # The demo's SAP first line: the MSP is Responsible, the internal team holds most of the tickets.
    assert list(erp.drift) == ["internal"] and erp.drift["internal"] >= 0.5
    drift = f"↝ drift {erp.drift['internal'] * 100:.0f} % internal"
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        shown = screen_text(pilot.app)
        assert "internal" in shown and "msp" in shown and "secops" in shown and "critical" in shown
        assert problems(screen, "printing") == "⚠ gap: no R, no A"
        assert problems(screen, "vulns") == "⚠ overlap: 2×A"
        assert problems(screen, "erp") == drift
        assert problems(screen, "backup") == "✔ ok"
        assert "⚠ 1 gap · ⚠ 1 overlap · ↝ 1 drift" in flat(pilot.app)
        # workload and the time-freed figure with its rule, all on the 80×24 screen
        assert "Brightline MSP" in shown and "Held h/30d" in shown and "Logged h/30d" in shown
        assert f"Time freed: {freed:.1f} h" in shown and TIME_FREED_RULE in flat(pilot.app)
        await press(pilot, "slash", *"sap", "enter")
        assert drift in flat(pilot.app)  # the problem is on screen, not only in the model


async def test_setting_cells_fills_a_gap(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, "printing", "msp")
        await press(pilot, "r")
        assert raci(ui_db)[("printing", "msp")] == "R"
        assert problems(screen, "printing").startswith("⚠ gap: no A")  # (and now drift: internal holds its tickets)
        screen.select_area("printing", "internal")
        await press(pilot, "a")
        assert raci(ui_db)[("printing", "internal")] == "A"
        assert "gap" not in problems(screen, "printing")
        assert (screen.cursor_area(), screen.cursor_party()) == ("printing", "internal")  # cursor kept its cell
        assert "· 0 gaps ·" in flat(pilot.app)  # no warning glyph for nothing to warn about


async def test_clearing_a_cell_opens_a_gap_and_c_i_set_letters(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, "backup", "msp")
        await press(pilot, "backspace")
        assert ("backup", "msp") not in raci(ui_db)
        assert problems(screen, "backup") == "⚠ gap: no R"
        await press(pilot, "c")
        assert raci(ui_db)[("backup", "msp")] == "C"
        screen.select_area("backup", "secops")
        await press(pilot, "i")
        assert raci(ui_db)[("backup", "secops")] == "I"
        assert screen.query_one("#split-matrix").get_cell("backup", "p:secops").plain == "I"


async def test_letters_outside_a_party_column_change_nothing(ui_db: Path) -> None:
    before = raci(ui_db)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot, "backup", "internal")
        await press(pilot, "left", "r")
        assert screen.cursor_party() is None
        assert "move the cursor onto a party" in notes(pilot.app)
    assert raci(ui_db) == before


async def test_read_only_refuses_edits(ui_db: Path) -> None:
    before = raci(ui_db)
    async with open_app(ui_db, read_only=True).run_test(size=(80, 24)) as pilot:
        await show(pilot, "printing", "msp")
        for key in ("r", "a", "backspace", "n"):
            await press(pilot, key)
            assert isinstance(pilot.app.screen, SplitScreen)
        assert notes(pilot.app).count("read-only") >= 4
    assert raci(ui_db) == before


async def test_new_area_form_validates_and_the_new_row_shows_its_gap(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "n")
        form = pilot.app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-key").value = "Bad Key!"
        form.query_one("#field-name").value = "Telephony"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form and "lowercase letters, digits, - and _ only" in form.error_for("key")
        form.query_one("#field-key").value = "voip"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
        assert problems(screen, "voip") == "⚠ gap: no R, no A"
    with open_store(ui_db) as store:
        assert store.org.area("voip").name == "Telephony"


async def test_hostile_area_name_renders_literally(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        store.org.add_area(AreaIn(key="zz-hostile", name=" ".join(HOSTILE[:2]), description=HOSTILE[2]))
    async with open_app(ui_db).run_test(size=(120, 40)) as pilot:
        await show(pilot, "zz-hostile", "msp")
        shown = screen_text(pilot.app)
        assert "[red]x[/] [/oops]" in shown and "\x1b" not in shown
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, InfoScreen)
        body = pilot.app.screen.body_text()
        assert "[red]x[/] [/oops]" in body and "\x1b" not in body and "\x07" not in body


async def test_sort_and_detail(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        screen = await show(pilot)
        await press(pilot, "greater_than_sign")
        assert [s.area.key for s in screen.visible()][:3] == ["erp", "printing", "vulns"]  # problems first (drift, gap, overlap)
        await press(pilot, "greater_than_sign", "less_than_sign")
        assert "sort criticality ⇅" in flat(pilot.app)
        assert screen.visible()[0].area.criticality.value == "low"
        screen.select_area("vulns", "msp")
        await press(pilot, "enter")
        body = pilot.app.screen.body_text()
        assert "two Accountable: internal, msp" in body and "Brightline MSP (msp): A Accountable" in body


async def test_select_id_takes_an_area_id_before_the_first_load(ui_db: Path) -> None:
    with open_store(ui_db) as store:
        area_id = store.org.area("vulns").id
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.switch_mode("split")  # as the Overview does for a gap or overlap
        pilot.app.screen_stack[0].select_id(area_id)
        await settle(pilot)
        assert pilot.app.screen.cursor_area() == "vulns"
        assert "Vulnerability management (high)" in screen_text(pilot.app)
