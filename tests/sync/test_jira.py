"""Jira Service Management: JQL search by `updated` with the changelog, the request SLA as the source's verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.data.importing.verdicts import compare_verdicts
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW
from tests.sync.helpers import sync, write_source
from tests.sync.jira_instance import EMAIL, EXPANDED, TOKEN, Issue, Site, cycle, jtime, serve

T0 = 1_793_523_600  # 2026-11-01 08:00 UTC
ENV = "COMANAGE_TEST_JIRA_TOKEN"
MAPPING = """
preset = "jira"
[columns]
group = "customfield_10001"
[parties]
default = "internal"
[[party]]
key = "internal"
name = "Service desk"
kind = "internal"
groups = ["Service Desk"]
[[party]]
key = "msp"
name = "MSP"
kind = "partner"
groups = ["MSP L2"]
[areas]
auto_create = true
"""
SLA = """
[[calendar]]
name = "always"
timezone = "UTC"
weekly = { mon = [["00:00", "24:00"]], tue = [["00:00", "24:00"]], wed = [["00:00", "24:00"]], thu = [["00:00", "24:00"]], \
fri = [["00:00", "24:00"]], sat = [["00:00", "24:00"]], sun = [["00:00", "24:00"]] }
[[policy]]
name = "requests"
calendar = "always"
[policy.targets]
P1 = { response_minutes = 15, resolution_minutes = 240 }
P2 = { response_minutes = 30, resolution_minutes = 480 }
P3 = { response_minutes = 60, resolution_minutes = 1440 }
P4 = { response_minutes = 240, resolution_minutes = 2880 }
"""


def _issue(n: int, *, title: str | None = None) -> Issue:
    opened = T0 + n * 3600
    return Issue(str(20_000 + n), f"ITSM-{n}", {
        "summary": title or f"Printer {n} jams", "created": jtime(opened), "updated": jtime(opened),
        "status": {"name": "Waiting for support"}, "priority": {"name": "High"},
        "assignee": None, "issuetype": {"name": "Service request"}, "resolutiondate": None,
        "customfield_10001": {"name": "Service Desk", "id": "t-1"},
    })


def _site() -> Site:
    """ITSM-1: taken, passed to the MSP, resolved within its SLA; ITSM-2 .. ITSM-6 the same with more history;
    ITSM-7 not a service request (no SLA endpoint)."""
    site = Site()
    for n in range(1, 8):
        i = _issue(n)
        t = T0 + n * 3600
        i.change(t + 600, [("status", "status", "Waiting for support", "In Progress"),
                           ("assignee", "assignee", "", "Ana Agent")])
        i.fields |= {"status": {"name": "In Progress"}, "assignee": {"displayName": "Ana Agent"}}
        i.change(t + 1200, [("Team", "customfield_10001", "Service Desk", "MSP L2")])
        i.fields["customfield_10001"] = {"name": "MSP L2", "id": "t-2"}
        for k in range(n - 1):  # more history than the search expands for the later issues
            was, now = ("High", "Highest") if k % 2 == 0 else ("Highest", "High")
            i.change(t + 1300 + k * 60, [("priority", "priority", was, now)])
            i.fields["priority"] = {"name": "Highest" if k % 2 == 0 else "High"}
        i.change(t + 7200, [("status", "status", "In Progress", "Resolved"), ("resolution", "resolution", "", "Done")])
        i.fields |= {"status": {"name": "Resolved"}, "resolutiondate": jtime(t + 7200)}
        i.slas = None if n == 7 else [
            {"id": "1", "name": "Time to first response", "completedCycles": [cycle(t, t + 600, 1_800_000, False)]},
            {"id": "2", "name": "Time to resolution", "completedCycles": [cycle(t, t + 7200, 14_400_000, n == 3)]},
        ]
        site.issues[i.id] = i
    return site


def _source(folder: Path, base: str) -> Path:
    (folder / "jira-mapping.toml").parent.mkdir(parents=True, exist_ok=True)
    (folder / "jira-mapping.toml").write_text(MAPPING, encoding="utf-8")
    auth = f'[auth]\nmethod = "basic"\nusername = "{EMAIL}"\npassword_env = "{ENV}"\n'
    return write_source(folder, base, name="jira", kind="jira", auth=auth, mapping=folder / "jira-mapping.toml",
                        extra='page_size = 3\n[jira]\njql = "project = ITSM"\nsla = "Time to resolution"\n')


@pytest.fixture
def jira(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ENV, TOKEN)
    site = _site()
    return site, _source(tmp_path / "sources", serve(server, site))


def _events(store: Store, ref: str) -> list[tuple]:
    t = store.tickets.by_ref(ref)
    return [(e.at, e.kind.value, e.status or e.party_key or e.priority) for e in store.tickets.events(t.id)]


def test_a_full_sync_builds_each_request_from_its_changelog(jira, tmp_path: Path) -> None:
    site, source = jira
    db = tmp_path / "j.db"
    report = sync(db, source)
    assert (report.records, report.rebuilt, report.imported.tickets_new, report.imported.rows_rejected) == (7, 7, 7, 0)
    assert report.pages == 3  # maxResults 3, followed by nextPageToken
    with Store(db, create=False) as store:
        t1 = T0 + 3600
        assert _events(store, "ITSM-1") == [
            (t1, "opened", "new"),
            (t1, "note", None),  # the request as created is the first update row, as an export's first row is
            (t1 + 600, "status", "in_progress"),
            (t1 + 600, "response", None),
            (t1 + 1200, "assign", "msp"),
            (t1 + 7200, "status", "resolved"),
        ]
        t = store.tickets.by_ref("ITSM-1")
        assert (t.title, t.priority, t.status, t.holder_party_key, t.source_sla_met, t.source) == \
            ("Printer 1 jams", "P2", "resolved", "msp", True, "jira")
        assert store.tickets.by_ref("ITSM-3").source_sla_met is False
        assert store.tickets.by_ref("ITSM-7").source_sla_met is None  # not a request: no SLA, no verdict
        # ITSM-6 has 8 histories, the search expands 3: the rest came from the changelog endpoint.
        assert len([e for e in _events(store, "ITSM-6") if e[1] == "priority"]) == 5
    changelog_calls = [p for p, _ in site.requests if p.endswith("/changelog")]
    assert sorted(changelog_calls) == [f"/rest/api/3/issue/{20_000 + n}/changelog" for n in range(2, 8)]
    assert [i.key for i in site.issues.values() if len(i.histories) > EXPANDED] == [f"ITSM-{n}" for n in range(2, 8)]


def test_import_verdicts_works_on_synced_requests(jira, tmp_path: Path) -> None:
    _site, source = jira
    db = tmp_path / "v.db"
    with Store(db, actor="tester", clock=lambda: FIXED_NOW) as store:
        store.sla.load_toml(SLA)
    sync(db, source)
    with Store(db, create=False) as store:
        report = compare_verdicts(store, now=FIXED_NOW, source="jira")
    total = report.total
    # Six requests carry a verdict; ITSM-3's SLA was breached at JSM, but resolved in 2 h of an 8 h target here.
    assert (total.compared, total.both_met, total.only_comanage_met, total.both_missed, total.only_source_met) == (6, 5, 1, 0, 0)


def test_an_update_rebuilds_only_that_request(jira, tmp_path: Path) -> None:
    site, source = jira
    db = tmp_path / "u.db"
    sync(db, source)
    issue = site.issues["20002"]
    later = T0 + 20 * 3600
    issue.change(later, [("status", "status", "Resolved", "Closed")])
    issue.fields["status"] = {"name": "Closed"}
    again = sync(db, source)
    assert (again.rebuilt, again.imported.tickets_existing) == (1, 1)
    with Store(db, create=False) as store:
        assert _events(store, "ITSM-2")[-1] == (later, "status", "closed")


def test_bad_credentials_are_one_line_naming_where_the_token_comes_from(jira, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from comanage_tui.data.sync.http import SyncError

    _site, source = jira
    monkeypatch.setenv(ENV, "expired-token")
    with pytest.raises(SyncError) as caught:
        sync(tmp_path / "c.db", source)
    assert str(caught.value) == ("jira: the server refused the credentials (HTTP 401 Unauthorized: Client must be "
                                 "authenticated to access this resource.) for search (newest update); check the password "
                                 f"in ${ENV}")
