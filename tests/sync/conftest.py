"""Fixtures of the sync tests: local HTTP servers on 127.0.0.1 (pytest-httpserver), source files, a sync runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.sync.helpers import SN_ENV


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A fresh HTTP server on 127.0.0.1 for one test (threaded: a slow answer does not block the next)."""
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


@pytest.fixture(autouse=True)
def _secret_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.sync.servicenow_instance import PASSWORD

    monkeypatch.setenv(SN_ENV, PASSWORD)
    monkeypatch.setenv("COMANAGE_SOURCES", str(tmp_path / "sources"))


@pytest.fixture(autouse=True, scope="session")
def _quiet_server_log() -> None:
    """werkzeug logs every request; the tests read their own records of requests instead."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
