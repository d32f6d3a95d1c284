"""The scorecard view: opened from Split on the party under the cursor, ←/→ pick the party, Escape goes back."""

from __future__ import annotations

from comanage_tui.data.readmodel.scorecard import default_window
from comanage_tui.data.snapshot.scorecard_doc import build_scorecard
from comanage_tui.screens.scorecard import ScorecardScreen, card_lines
from comanage_tui.screens.split import SplitScreen
from tests.conftest import FIXED_NOW
from tests.ui.conftest import screen_text, wait_until


async def open_scorecard(app, pilot, *keys: str) -> ScorecardScreen:
    await pilot.press("2")
    split = app.screen
    assert isinstance(split, SplitScreen)
    await wait_until(pilot, lambda: split.splits, timeout=10, what="split loaded")
    await pilot.press(*keys, "p")
    screen = app.screen
    assert isinstance(screen, ScorecardScreen)
    await wait_until(pilot, lambda: screen.card is not None, timeout=15, what="scorecard loaded")
    return screen


def body_text(screen: ScorecardScreen) -> str:
    return str(screen.query_one("#card-text").render()).rstrip("\n")


async def test_from_split_on_a_party_column_and_back(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_scorecard(app, pilot, "right")  # the cursor starts on the first party's column
        split_party = screen.party
        assert split_party == "msp", "the matrix lists internal, msp, secops"
        want = build_scorecard(ui_store, "msp", *default_window(FIXED_NOW))
        assert screen.card == want
        assert body_text(screen) == "\n".join(line for _style, line in card_lines(want))
        shown = screen_text(app)
        assert "[msp]" in shown and "Brightline MSP (msp), partner" in shown and "SLA verdicts." in shown
        assert all(len(line) <= 80 for line in shown.splitlines())
        await pilot.press("escape")
        assert isinstance(app.screen, SplitScreen)


async def test_left_and_right_pick_the_party(make_app, ui_store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_scorecard(app, pilot)
        assert screen.parties == ["internal", "msp", "secops"] and screen.party == "internal"
        for key, party in (("right", "msp"), ("right", "secops"), ("right", "internal"), ("left", "secops")):
            await pilot.press(key)
            await wait_until(pilot, lambda: screen.card is not None and screen.card.party == party, timeout=15, what=party)
            assert screen.card == build_scorecard(ui_store, party, *default_window(FIXED_NOW))
            assert f"[{party}]" in screen_text(app)
        await pilot.press("end")  # the body scrolls from the keyboard: its last line comes into view
        assert card_lines(screen.card)[-1][1] in screen_text(app)


async def test_user_text_shows_literally(make_app, ui_store) -> None:
    item = next(i for i in ui_store.kt.list() if i.status in ("planned", "in_progress") and i.teacher_id is not None)
    owner = next(p.party_key for p in ui_store.org.people() if p.id == item.teacher_id)
    ui_store.kt.update(item.id, {"topic": "[red]Restore[/red] \x1b[31mdrill"})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_scorecard(app, pilot)
        while screen.party != owner:
            await pilot.press("right")
            await wait_until(pilot, lambda: screen.card is not None and screen.card.party == screen.party, timeout=15)
        # Shown as typed (cut to fit the table), never as markup; the escape character is gone.
        assert "[red]Restore[/re" in body_text(screen)
        assert "\x1b" not in body_text(screen)
