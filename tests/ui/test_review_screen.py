"""The Review screen: opened from the Overview, the same figures as `comanage review` and the read model, a period
picker, 80x24 with scrolling, and `x` exporting the review shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static

from comanage_tui.data.readmodel.review.build import build_review
from comanage_tui.data.readmodel.review.model import Review
from comanage_tui.data.readmodel.review.period import parse_period
from comanage_tui.data.review.sections import sections
from comanage_tui.data.store import Store
from comanage_tui.screens.review import ReviewExportScreen, ReviewScreen
from tests.data.review_fixture import NOW, build
from tests.ui.test_forms import settle

ROOT = Path(__file__).resolve().parents[2]
NOW_ISO = "2026-10-05T12:00:00Z"


@pytest.fixture
def review_db(tmp_path: Path) -> Path:
    path = tmp_path / "review.db"
    build(path).close()
    return path


def cli(db: Path, *args: str) -> str:
    script = Path(sys.executable).with_name("comanage")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "comanage_tui"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([*cmd, "--db", str(db), "--now", NOW_ISO, "review", *args], capture_output=True, text=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout


def shown_lines(screen: ReviewScreen) -> list[str]:
    """What the screen's body draws, as plain text lines at its width."""
    content = screen.query_one("#review-content", Static)
    strips = content.render_lines(Region(0, 0, content.size.width, content.size.height))
    return [strip.text.rstrip() for strip in strips]


def app_for(store: Store):
    from comanage_tui.app import ComanageApp

    return ComanageApp(store, now=NOW)


async def open_review(pilot) -> ReviewScreen:
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_screen_cli_json_and_read_model_agree(review_db: Path) -> None:
    as_json = cli(review_db, "--format", "json")
    with Store(review_db, actor="t", clock=lambda: NOW) as store:
        model = build_review(store, parse_period(now=NOW))
        async with app_for(store).run_test(size=(80, 24)) as pilot:
            screen = await open_review(pilot)
            assert screen.review == model == Review.model_validate_json(as_json)
            lines = shown_lines(screen)
    # Every row of every table, as `review --format json` gives it, is on one line of the screen, cells in order.
    checked = 0
    for sec in sections(Review.model_validate_json(as_json)):
        for para in sec.lead[:1]:
            assert para[:60] in " ".join(lines)
        for table in sec.tables:
            for row in table.rows:
                hit = [ln for ln in lines if all(c in ln for c in row)
                       and all(ln.index(a) < ln.rindex(b) for a, b in zip(row, row[1:], strict=False))]
                assert hit, row
                checked += 1
    assert checked > 60 and any("↑ +2 worse" in ln for ln in lines)


async def test_fits_80x24_scrolls_and_picks_periods(review_db: Path) -> None:
    with Store(review_db, actor="t", clock=lambda: NOW) as store:
        async with app_for(store).run_test(size=(80, 24)) as pilot:
            screen = await open_review(pilot)
            body = screen.query_one("#review-body", VerticalScroll)
            assert body.max_scroll_x == 0 and body.max_scroll_y > 20  # no sideways scrolling; a long page
            assert max(len(ln) for ln in shown_lines(screen)) <= 78
            await pilot.press("pagedown")
            await settle(pilot)
            assert body.scroll_y > 0
            labels = []
            for key in ("left_square_bracket", "right_square_bracket", "m", "left_square_bracket", "m"):
                await pilot.press(key)
                await settle(pilot)
                labels.append((screen.review.period.label, screen.review.previous.label))
            assert labels == [("2026Q2", "2026Q1"), ("2026Q3", "2026Q2"), ("2026-09", "2026-08"),
                              ("2026-08", "2026-07"), ("2026Q3", "2026Q2")]
            assert "2026Q3 (2026-07-01 to 2026-09-30) vs 2026Q2" in str(screen.query_one("#review-period", Static).render())


async def test_x_exports_the_review_shown(review_db: Path, tmp_path: Path) -> None:
    with Store(review_db, actor="t", clock=lambda: NOW) as store:
        async with app_for(store).run_test(size=(80, 24)) as pilot:
            await open_review(pilot)
            await pilot.press("m")  # the month 2026-09
            await settle(pilot)
            await pilot.press("x")
            await settle(pilot)
            dialog = pilot.app.screen
            assert isinstance(dialog, ReviewExportScreen)
            expected = tmp_path / "exports" / "comanage-review-2026-09.md"
            assert dialog.query_one("#export-path").value == str(expected)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(pilot.app.screen, ReviewScreen)
    assert expected.read_text(encoding="utf-8") == cli(review_db, "--month", "2026-09")


async def test_the_palette_offers_the_review(review_db: Path) -> None:
    with Store(review_db, actor="t", clock=lambda: NOW) as store:
        async with app_for(store).run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.press(*"period review")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(pilot.app.screen, ReviewScreen)
