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


def sources_dir() -> Path:
    """Where `comanage sync` finds its source files (NAME.toml): `$COMANAGE_SOURCES`, else `<user config dir>/sources`."""
    override = os.environ.get(SOURCES_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "sources"
