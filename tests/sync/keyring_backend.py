"""A keyring backend for the tests: entries in a JSON file named by $COMANAGE_TEST_KEYRING (never the user's keyring).

Selected in a subprocess with PYTHON_KEYRING_BACKEND=tests.sync.keyring_backend.FileKeyring.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # keyring reads it as a class attribute

    def _entries(self) -> dict[str, str]:
        path = Path(os.environ["COMANAGE_TEST_KEYRING"])
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._entries() | {f"{service}\n{username}": password}
        Path(os.environ["COMANAGE_TEST_KEYRING"]).write_text(json.dumps(entries))

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("not needed by the tests")
