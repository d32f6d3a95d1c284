"""The user's settings file: the theme chosen with Ctrl+P, key overrides and the default export folder.

The file is TOML under platformdirs' user config directory (`$COMANAGE_CONFIG` names another
file, as the tests do)::

    theme = "nord"
    export_dir = "~/reports"

    [keys]                      # binding id = key(s), applied through Textual's keymap
    "handoffs.acknowledge" = "k"
    "app.undo" = "ctrl+z,u"

A missing file means the defaults. A file that cannot be read or parsed never stops the
dashboard: `load()` reports the problem in `Config.problem` and uses the defaults. Writing
(the theme, when the user picks one) replaces the file atomically and keeps the other settings.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from comanage_tui.locations import APP_NAME, EXPORT_DIR_ENV, data_dir

CONFIG_ENV = "COMANAGE_CONFIG"
MAX_BYTES = 64_000  # a settings file is a few lines; anything larger is not ours


@dataclass(frozen=True)
class Config:
    """What the settings file says (defaults where it says nothing)."""

    theme: str | None = None
    export_dir: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    """Why the file was not used ("" when it was, or when there is none)."""


def config_path() -> Path:
    """`$COMANAGE_CONFIG`, else `<user config dir>/config.toml` (not created here)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # only when a default path is needed

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def load(path: Path | None = None) -> Config:
    """The settings in `path` (default `config_path()`); defaults, with `problem` set, if unusable."""
    path = path or config_path()
    try:
        if not path.exists():
            return Config()
        raw = path.read_bytes()
    except OSError as exc:
        return Config(problem=f"{path}: {exc}")
    if len(raw) > MAX_BYTES:
        return Config(problem=f"{path}: larger than {MAX_BYTES:,} bytes, not read")
    import tomllib  # only when there is a file: the dashboard starts without the parser otherwise

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Config(problem=f"{path}: {exc}")
    theme, export = data.get("theme"), data.get("export_dir")
    keys = data.get("keys", {})
    if not isinstance(theme, (str, type(None))) or not isinstance(export, (str, type(None))) or not isinstance(keys, dict):
        return Config(problem=f"{path}: theme and export_dir are strings, [keys] a table")
    bad = [k for k, v in keys.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        return Config(problem=f"{path}: [keys] {bad[0]!r} must be a key name such as \"k\" or \"ctrl+k\"")
    return Config(theme=theme, export_dir=export, keys={k: v.strip() for k, v in keys.items()})


def dumps(config: Config) -> str:
    """The TOML text of `config` (JSON string escapes are valid TOML basic strings)."""
    lines = ["# comanage settings (the theme is saved when you pick one with Ctrl+P)"]
    if config.theme:
        lines.append(f"theme = {json.dumps(config.theme)}")
    if config.export_dir:
        lines.append(f"export_dir = {json.dumps(config.export_dir)}")
    if config.keys:
        lines += ["", "[keys]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(config.keys.items())]
    return "\n".join(lines) + "\n"


def save_theme(theme: str, path: Path | None = None) -> None:
    """Remember `theme`, keeping the file's other settings; a file we cannot parse is left alone.

    Raises:
        OSError: the file cannot be written (the caller tells the user; nothing else changes).
    """
    path = path or config_path()
    current = load(path)
    if current.problem:
        raise OSError(f"not saving the theme: {current.problem}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(replace(current, theme=theme)), encoding="utf-8")
    os.replace(tmp, path)


def export_dir() -> Path:
    """Default folder for snapshots: `$COMANAGE_EXPORT_DIR`, the settings file's `export_dir`,
    the documents folder, or the data dir."""
    override = os.environ.get(EXPORT_DIR_ENV)
    if override:
        return Path(override).expanduser()
    configured = load().export_dir
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    docs = platformdirs.user_documents_path()
    return docs if docs.is_dir() else data_dir() / "snapshots"
