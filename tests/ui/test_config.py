"""The settings file (issue #15): the Ctrl+P theme remembered across runs, key overrides through
Textual's keymap, the default export folder; a broken file never stops the dashboard."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from comanage_tui.config import config_path, export_dir, load, save_theme
from comanage_tui.data.models import HandoffState
from tests.cli.test_cli import comanage_cmd
from tests.ui.test_forms import open_app, open_store, press, settle


def test_the_config_file_is_where_the_environment_says(tmp_path: Path) -> None:
    assert config_path() == tmp_path / "config" / "config.toml"  # tests/conftest.py points it here
    assert load() == load(tmp_path / "nothing.toml")  # no file: the defaults


async def test_the_theme_picked_is_remembered_for_the_next_run(ui_db: Path) -> None:
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        assert pilot.app.theme != "nord"
        pilot.app.theme = "nord"  # what picking it in Ctrl+P → Theme does
        await settle(pilot)
    assert 'theme = "nord"' in config_path().read_text(encoding="utf-8")
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert pilot.app.theme == "nord"


async def test_a_key_override_in_the_config_rebinds_through_the_keymap(ui_db: Path) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text('[keys]\n"handoffs.acknowledge" = "k"\n', encoding="utf-8")
    with open_store(ui_db) as store:
        h = next(h for h in store.handoffs.list() if h.state == HandoffState.REQUESTED)
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        pilot.app.screen.select_id(h.id)
        await settle(pilot)
        await press(pilot, "k")
        with open_store(ui_db) as store:
            assert store.handoffs.get(h.id).state == HandoffState.ACKNOWLEDGED


async def test_a_read_only_session_explains_the_remapped_edit_key_and_not_the_old_one(ui_db: Path) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text('[keys]\n"handoffs.acknowledge" = "y"\n', encoding="utf-8")
    async with open_app(ui_db, read_only=True).run_test(size=(80, 24)) as pilot:
        await press(pilot, "3")
        screen = pilot.app.screen
        assert screen.edit_binding_for("y") and not screen.edit_binding_for("a")
        assert "y" not in screen.active_bindings  # hidden from the footer, help and palette
        await press(pilot, "a")  # no longer bound to anything here: nothing to explain
        assert not [n for n in pilot.app._notifications if "read-only" in str(n.message)]
        await press(pilot, "y")
        assert [n for n in pilot.app._notifications if "read-only" in str(n.message)]


async def test_a_broken_config_is_reported_and_the_defaults_apply(ui_db: Path) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text("theme = [unclosed\n", encoding="utf-8")
    async with open_app(ui_db).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert pilot.app.theme == "textual-dark"
        assert "Expected" in pilot.app.config.problem or "Invalid" in pilot.app.config.problem
        assert any("Settings not used" in str(n.message) for n in pilot.app._notifications)
        with pytest.raises(OSError):
            save_theme("nord")  # a file we cannot read is never overwritten
    assert config_path().read_text(encoding="utf-8") == "theme = [unclosed\n"


def test_the_default_export_folder_comes_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMANAGE_EXPORT_DIR")
    config_path().parent.mkdir(parents=True)
    config_path().write_text(f'export_dir = "{tmp_path / "reports"}"\ntheme = "nord"\n', encoding="utf-8")
    assert export_dir() == tmp_path / "reports"
    save_theme("dracula")  # the other settings stay
    assert load().export_dir == str(tmp_path / "reports") and load().theme == "dracula"
    db = tmp_path / "x.db"
    env = {k: v for k, v in os.environ.items() if k != "COMANAGE_EXPORT_DIR"}
    assert subprocess.run([*comanage_cmd(), "--db", str(db), "init"], capture_output=True, env=env, timeout=60).returncode == 0
    out = subprocess.run([*comanage_cmd(), "--db", str(db), "info"], capture_output=True, text=True, env=env, timeout=60)
    assert f"exports:  {tmp_path / 'reports'}" in out.stdout, out.stderr
