"""Where comanage keeps its files: functions only, nothing happens at import."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "comanage"
DB_ENV = "COMANAGE_DB"
EXPORT_DIR_ENV = "COMANAGE_EXPORT_DIR"
SOURCES_ENV = "COMANAGE_SOURCES"


def data_dir() -> Path:
    """The platform's user data directory for comanage (not created here)."""
    import platformdirs  # here, not at import: `comanage check --db X` never needs it

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """The database path: `$COMANAGE_DB` if set, else `<user data dir>/comanage.db`."""
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override).expanduser()
    return data_dir() / "comanage.db"


def export_dir() -> Path:
    """Default folder for snapshots: `$COMANAGE_EXPORT_DIR`, the settings file's `export_dir`,
    the documents folder, or the data dir."""
    override = os.environ.get(EXPORT_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from comanage_tui.config import load  # here: locations must stay free of imports at load time

    configured = load().export_dir
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    docs = platformdirs.user_documents_path()
    return docs if docs.is_dir() else data_dir() / "snapshots"


def sources_dir() -> Path:
    """Where `comanage sync` finds its source files (NAME.toml): `$COMANAGE_SOURCES`, else `<user config dir>/sources`."""
    override = os.environ.get(SOURCES_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "sources"
