"""Faults of a ServiceNow pull, each against a real local server: one clear line, a consistent database, a cursor that resumes.

Every run is followed by one without the fault, and the result must equal a clean full
sync of the same instance: nothing lost, nothing twice.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from werkzeug import Response

from comanage_tui.data.sync.http import SyncError
from tests.sync.helpers import differences, sync, tickets_and_events, write_source
from tests.sync.servicenow_instance import PASSWORD, error, serve, synthetic

N, PAGE = 100, 10


def _incident_page(request, offset: int) -> bool:
    return (request.path.endswith("/table/incident") and request.args.get("sysparm_display_value") == "all"
            and request.args.get("sysparm_offset") == str(offset))


def _state(db: Path) -> tuple[str | None, int, int, str]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        cursor, error_text = conn.execute("SELECT cursor, last_error FROM sync_sources").fetchone()
        items = conn.execute("SELECT count(*) FROM sync_items").fetchone()[0]
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        orphans = conn.execute("SELECT count(*) FROM sync_items i LEFT JOIN tickets t ON t.ref = i.ref WHERE t.id IS NULL")
        assert orphans.fetchone()[0] == 0, "a version was recorded for a ticket that is not there"
        return cursor, items, tickets, error_text
    finally:
        conn.close()


@pytest.fixture
def world(server, tmp_path: Path):
    """A synthetic instance of 100 incidents served on 127.0.0.1, its source file, and a clean full sync to compare with."""
    inst = synthetic(N)
    base = serve(server, inst)
    source = write_source(tmp_path / "sources", base, extra=f"page_size = {PAGE}\nretries = 2")
    clean_db = tmp_path / "clean.db"
    sync(clean_db, source)
    inst.requests.clear()
    return inst, source, tickets_and_events(clean_db)


def _fails_then_resumes(inst, source: Path, db: Path, expected: dict, fault, match: str) -> SyncError:
    inst.fault = fault
    with pytest.raises(SyncError) as caught:
        sync(db, source)
    message = str(caught.value)
    assert "\n" not in message and match in message, message
    assert PASSWORD not in message
    cursor, items, tickets, last_error = _state(db)
    assert items == tickets < N and last_error == message[:500]
    inst.fault = None
    report = sync(db, source)
    assert report.rebuilt == N - items  # the committed pages are not fetched again beyond the overlap
    assert differences(expected, tickets_and_events(db)) == []
    assert _state(db)[3] == ""
    return caught.value


def test_a_500_on_page_7_stops_after_six_committed_pages_and_resumes(world, tmp_path: Path) -> None:
    inst, source, expected = world
    exc = _fails_then_resumes(inst, source, tmp_path / "a.db", expected,
                              lambda req, n: error(500, "Transaction cancelled", None) if _incident_page(req, 60) else None,
                              "incident page 7: HTTP 500 Internal Server Error: Transaction cancelled (3 attempts)")
    assert exc.partial.commits == 6


def test_a_passing_500_is_retried_with_backoff(world, tmp_path: Path) -> None:
    inst, source, expected = world
    seen = []

    def once(req, n):
        if _incident_page(req, 60) and not seen:
            seen.append(n)
            return error(503, "Service Unavailable", None)
        return None

    inst.fault = once
    report = sync(tmp_path / "b.db", source)
    assert seen and report.waited > 0 and differences(expected, tickets_and_events(tmp_path / "b.db")) == []


def test_a_429_waits_as_long_as_retry_after_says(world, tmp_path: Path) -> None:
    inst, source, expected = world
    seen = []

    def limited(req, n):
        if _incident_page(req, 30) and not seen:
            seen.append(n)
            return Response('{"error": {"message": "Rate limit exceeded"}}', 429, {"Retry-After": "1"},
                            content_type="application/json")
        return None

    inst.fault = limited
    started = time.monotonic()
    report = sync(tmp_path / "c.db", source)
    assert time.monotonic() - started >= 1.0 and report.waited >= 1.0
    assert differences(expected, tickets_and_events(tmp_path / "c.db")) == []


def test_a_retry_after_beyond_max_wait_stops_with_its_reason(world, tmp_path: Path) -> None:
    inst, source, expected = world
    _fails_then_resumes(inst, source, tmp_path / "d.db", expected,
                        lambda req, n: Response("{}", 429, {"Retry-After": "7200"}) if _incident_page(req, 40) else None,
                        "the server asks to wait 7,200 s (Retry-After), longer than max_wait (5 s)")


def _cut(body: bytes):
    def generate():
        yield body[: len(body) // 2]
        raise ConnectionResetError("the test server drops the connection mid-body")
    return generate()


def test_a_connection_reset_mid_body(world, tmp_path: Path) -> None:
    inst, source, expected = world

    def reset(req, n):
        if _incident_page(req, 50):
            body = b'{"result": [' + b'{"sys_id": {"value": "x"}}, ' * 400 + b"{}]}"
            return Response(_cut(body), 200, {"Content-Length": str(len(body))}, content_type="application/json")
        return None

    _fails_then_resumes(inst, source, tmp_path / "e.db", expected, reset, "broke off during the answer")


def test_truncated_json(world, tmp_path: Path) -> None:
    inst, source, expected = world
    def truncated(req, n):
        if _incident_page(req, 20):
            return Response('{"result": [{"sys_id": {"value": "ab', 200, content_type="application/json")
        return None

    _fails_then_resumes(inst, source, tmp_path / "f.db", expected, truncated, "the answer is not valid JSON")


def test_an_expired_credential_mid_pull(world, tmp_path: Path) -> None:
    inst, source, expected = world
    def expired(req, n):
        return error(401, "User Not Authenticated", "Required to provide Auth information") if n > 12 else None

    exc = _fails_then_resumes(inst, source, tmp_path / "g.db", expected, expired, "the server refused the credentials "
                              "(HTTP 401 Unauthorized: User Not Authenticated (Required to provide Auth information))")
    assert "check the password in $COMANAGE_TEST_SN_PASSWORD" in str(exc)


def test_a_slow_server_past_the_read_timeout(server, tmp_path: Path) -> None:
    inst = synthetic(30)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 10\nretries = 1\nread_timeout = 0.3")
    expected_db = tmp_path / "clean.db"
    sync(expected_db, source)

    def slow(req, n):
        if _incident_page(req, 10):
            time.sleep(1.0)
        return None

    inst.fault = slow
    with pytest.raises(SyncError, match=r"incident page 2: no answer from 127\.0\.0\.1 within 0\.3 s \(read timeout\) "
                                        r"\(2 attempts\)"):
        sync(tmp_path / "h.db", source)
    assert _state(tmp_path / "h.db")[1:3] == (10, 10)
    inst.fault = None
    sync(tmp_path / "h.db", source)
    assert differences(tickets_and_events(expected_db), tickets_and_events(tmp_path / "h.db")) == []


@pytest.mark.parametrize(("table", "status", "said"), [
    ("incidentx", 404, "table 'incidentx' does not exist on the instance (HTTP 404: Invalid table incidentx)"),
    ("incident", 403, "the account may not read incident (newest update) (HTTP 403 Forbidden: User Not Authorized "
                      "(ACL restricts the record retrieval))"),
])
def test_a_missing_or_forbidden_table_is_one_line(server, tmp_path: Path, table: str, status: int, said: str) -> None:
    inst = synthetic(3)
    if status == 403:
        inst.forbidden.add(table)
    source = write_source(tmp_path / "sources", serve(server, inst), extra=f'[servicenow]\ntable = "{table}"')
    with pytest.raises(SyncError) as caught:
        sync(tmp_path / "i.db", source)
    assert str(caught.value) == f"sn: {said}"
    assert _state(tmp_path / "i.db")[1:] == (0, 0, f"sn: {said}")


def test_the_request_budget_stops_a_run_and_the_next_goes_on(world, tmp_path: Path) -> None:
    inst, source, expected = world
    small = source.with_name("small.toml")
    small.write_text(source.read_text().replace("retries = 2", "retries = 2\nmax_requests = 12").replace('', ''))
    db = tmp_path / "j.db"
    runs = 0
    while True:
        runs += 1
        try:
            sync(db, small)
            break
        except SyncError as exc:
            assert "the request budget of this run (12 requests, max_requests) is spent" in str(exc)
            assert runs < 20
    assert runs > 2 and differences(expected, tickets_and_events(db)) == []
