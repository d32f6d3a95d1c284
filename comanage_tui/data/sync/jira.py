"""Jira Service Management through its REST APIs: JQL search by `updated` with the changelog, and the request SLAs.

What this relies on, as Atlassian documents it:

* `GET /rest/api/3/search/jql` (enhanced search): `jql`, `fields` (comma-separated field
  ids), `expand=changelog` ("a list of recent updates to an issue, sorted by date, starting
  from the most recent"), `maxResults`, and `nextPageToken` to continue, until an answer has
  none or says `isLast`. Each issue: `id`, `key`, `fields`, `changelog` {`total`, `histories`}.
* A history: `id`, `created`, `items` [{`field`, `fieldId`, `from`, `fromString`, `to`,
  `toString`}]. When `changelog.total` exceeds the histories returned,
  `GET /rest/api/3/issue/{issueIdOrKey}/changelog` (`startAt`, `maxResults`; answer `values`,
  `isLast`, oldest first) gives the rest.
* JQL dates: a number without quotes is milliseconds since the epoch, so the `updated`
  window needs no time zone; `ORDER BY updated ASC, key ASC`.
* Jira Service Management `GET /rest/servicedeskapi/request/{issueIdOrKey}/sla` (`start`,
  `limit`; answer `values`, `isLastPage`): each SLA's `name`, `completedCycles` and
  `ongoingCycle`, each cycle with `breached`. The SLA named in the source file gives the
  source's own verdict (met: every completed cycle kept its goal and none is running
  breached), which `import-verdicts` compares with comanage's. An issue that is not a
  request answers 404 there and simply has no verdict.
* Rate limits: 429 with Retry-After (handled by http.py).

The rows: the issue as created (its `created` time), then its state after each history,
undone from the current fields with each item's `fromString`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from comanage_tui.data.sync.http import SyncError
from comanage_tui.data.sync.source import Page, RemoteItem, Source
from comanage_tui.data.text import clean

SEARCH = "/rest/api/3/search/jql"
_MAX_RESULTS = 100
_ISSUE = ("key", "id")


class JiraSource(Source):
    kind = "jira"
    date_format = "iso"

    def __init__(self, *args: Any):
        super().__init__(*args)
        settings = self.config.jira
        assert settings is not None  # SourceConfig requires it for kind = "jira"
        if re.search(r"\border\s+by\b", settings.jql, re.IGNORECASE):
            raise SyncError(f"{self.config.name}: jira.jql must not have an ORDER BY (comanage orders by updated)")
        self.jql = settings.jql
        c = self.columns
        self.sla_name = settings.sla if c.sla_met else None
        made = {c.updated_at} | ({c.sla_met} if self.sla_name else set())
        self.fields = [f for f in self.header if f not in made]
        # `key` and `id` are the issue's own, not fields: a mapping may still name them as columns.
        self.api_fields = ",".join(dict.fromkeys(["updated", "created", *(f for f in self.fields if f not in _ISSUE)]))

    def pages(self, since: str | None) -> Iterator[Page]:
        probe = self.http.get(SEARCH, {"jql": f"({self.jql}) ORDER BY updated DESC", "maxResults": 1, "fields": "updated"},
                              what="search (newest update)", not_found="the Jira REST search was not found: check base_url")
        issues = _issues(probe.data, self.config.name)
        if not issues:
            return
        upper = _ms(_cursor(_fields(issues[0]).get("updated"), self.config.name))
        window = f"updated <= {upper}" + (f" AND updated >= {_ms(since)}" if since else "")
        params: dict[str, Any] = {"jql": f"({self.jql}) AND {window} ORDER BY updated ASC, key ASC",
                                  "fields": self.api_fields, "expand": "changelog",
                                  "maxResults": min(self.config.page_size, _MAX_RESULTS)}
        number = 0
        while True:
            number += 1
            reply = self.http.get(SEARCH, params, what=f"search page {number}")
            issues = _issues(reply.data, self.config.name)
            page = Page([], None, number)
            for issue in issues:
                issue_id, key = str(issue.get("id") or ""), str(issue.get("key") or "")
                updated = _fields(issue).get("updated")
                if not issue_id or not key or not isinstance(updated, str):
                    raise SyncError(f"{self.config.name}: search page {number}: an issue without id, key or updated")
                page.items.append(RemoteItem(issue_id, key, updated, _cursor(updated, self.config.name)))
                page.raw[issue_id] = issue
            if page.items:
                yield page
            token = reply.data.get("nextPageToken") if isinstance(reply.data, dict) else None
            if not token or reply.data.get("isLast") is True or not issues:
                return
            params = {**params, "nextPageToken": token}

    def rewind(self, cursor: str, seconds: int) -> str:
        when = dt.datetime.strptime(cursor, "%Y-%m-%dT%H:%M:%S.%fZ") - dt.timedelta(seconds=seconds)
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"

    def histories(self, page: Page, items: list[RemoteItem]) -> Iterator[tuple[RemoteItem, list[list[str]]]]:
        for it in items:
            issue = page.raw[it.remote_id]
            yield it, self._rows(issue, self._changelog(issue, it), self._verdict(it) if self.sla_name else None)

    def _changelog(self, issue: dict[str, Any], it: RemoteItem) -> list[dict[str, Any]]:
        log = issue.get("changelog") if isinstance(issue.get("changelog"), dict) else {}
        histories = [h for h in (log.get("histories") or []) if isinstance(h, dict)]
        total = log.get("total")
        if isinstance(total, int) and total > len(histories):
            histories, start = [], 0
            while True:
                reply = self.http.get(f"/rest/api/3/issue/{it.remote_id}/changelog", {"startAt": start, "maxResults": 100},
                                      what=f"changelog of {clean(it.ref, limit=40)}")
                values = [h for h in (reply.data.get("values") or []) if isinstance(h, dict)] \
                    if isinstance(reply.data, dict) else []
                histories.extend(values)
                start += len(values)
                if not values or reply.data.get("isLast") is not False:
                    break
        return sorted(histories, key=lambda h: (_cursor(h.get("created"), self.config.name), _num(h.get("id"))))

    def _verdict(self, it: RemoteItem) -> str:
        """"true"/"false" from the named JSM SLA, "" while it runs unbreached or when the issue has none."""
        start = 0
        while True:
            reply = self.http.get(f"/rest/servicedeskapi/request/{it.ref}/sla", {"start": start, "limit": 50},
                                  what=f"SLA of {clean(it.ref, limit=40)}", missing_ok=True)
            if reply is None or not isinstance(reply.data, dict):
                return ""
            values = [v for v in (reply.data.get("values") or []) if isinstance(v, dict)]
            for sla in values:
                if sla.get("name") == self.sla_name:
                    ongoing = sla.get("ongoingCycle") if isinstance(sla.get("ongoingCycle"), dict) else None
                    done = [c for c in (sla.get("completedCycles") or []) if isinstance(c, dict)]
                    if (ongoing and ongoing.get("breached")) or any(c.get("breached") for c in done):
                        return "false"
                    return "true" if done and not ongoing else ""
            if reply.data.get("isLastPage") is not False or not values:
                return ""
            start += len(values)

    def _rows(self, issue: dict[str, Any], histories: list[dict[str, Any]], verdict: str | None) -> list[list[str]]:
        fields = _fields(issue)
        state = {f: _display(issue.get(f) if f in _ISSUE else fields.get(f)) for f in self.fields}
        by_name = {f.casefold(): f for f in self.fields}
        times = [str(fields.get("created") or "")] + [str(h.get("created") or "") for h in histories]
        rows = [self._row(state, times[-1], verdict)]
        for n in range(len(histories) - 1, -1, -1):
            for item in histories[n].get("items") or []:
                if not isinstance(item, dict):
                    continue
                col = item.get("fieldId") if item.get("fieldId") in state else by_name.get(str(item.get("field") or "").casefold())
                if col in state and col != self.columns.updated_at:
                    state[col] = str(item.get("fromString") or item.get("from") or "")
            rows.append(self._row(state, times[n], None))
        rows.reverse()
        return rows

    def _row(self, state: dict[str, str], at: str, verdict: str | None) -> list[str]:
        c = self.columns
        out = []
        for name in self.header:
            if name == c.updated_at:
                out.append(at)
            elif self.sla_name and name == c.sla_met:
                out.append(verdict or "")
            else:
                out.append(state.get(name, ""))
        return out


def _issues(data: Any, name: str) -> list[dict[str, Any]]:
    issues = data.get("issues") if isinstance(data, dict) else None
    if not isinstance(issues, list) or not all(isinstance(i, dict) for i in issues):
        raise SyncError(f"{name}: the search answer has no list of issues")
    return issues


def _fields(issue: dict[str, Any]) -> dict[str, Any]:
    f = issue.get("fields")
    return f if isinstance(f, dict) else {}


def _display(v: Any) -> str:
    """How a Jira field value reads: a status or priority by name, a user by display name, lists joined."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    if isinstance(v, dict):
        for key in ("name", "value", "displayName", "key"):
            if v.get(key) is not None:
                return str(v[key])
        return ""
    if isinstance(v, list):
        return ", ".join(s for s in (_display(x) for x in v) if s)
    return str(v)


def _cursor(value: Any, name: str) -> str:
    """A Jira time ("2024-01-31T10:00:00.000+0200") as a cursor: UTC, milliseconds, sortable as text."""
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SyncError(f"{name}: '{clean(value, limit=40)}' is not a Jira date-time") from None
    if when.tzinfo is None:
        raise SyncError(f"{name}: '{clean(value, limit=40)}' has no UTC offset")
    when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _ms(cursor: str) -> int:
    when = dt.datetime.strptime(cursor, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return int(when.timestamp() * 1000)


def _num(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
