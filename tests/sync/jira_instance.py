"""A Jira Service Management site for the sync tests: the documented REST shapes on a real local HTTP server.

GET /rest/api/3/search/jql (jql with `updated >= N` / `updated <= N` in epoch milliseconds
and ORDER BY updated, fields, expand=changelog with at most `EXPANDED` histories, newest
first, as the expanded changelog may be cut; maxResults; nextPageToken / isLast), GET
/rest/api/3/issue/{id}/changelog (startAt, maxResults; values oldest first, isLast), GET
/rest/servicedeskapi/request/{key}/sla (start, limit; values, isLastPage; 404 for an issue
that is not a request). Basic authentication with an e-mail and API token; 401 with
errorMessages.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug import Request, Response

EMAIL, TOKEN = "sync@example.com", "jira-Token-9c1e-DO-NOT-LEAK"
EXPANDED = 3
ZONE = dt.timezone(dt.timedelta(hours=1))  # the site answers in its own offset (+0100)


def jtime(epoch: int) -> str:
    """A Jira date-time: "2026-11-02T09:15:00.000+0100"."""
    return dt.datetime.fromtimestamp(epoch, ZONE).strftime("%Y-%m-%dT%H:%M:%S.000%z")


def _epoch(text: str) -> int:
    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp())


@dataclass
class Issue:
    id: str
    key: str
    fields: dict
    histories: list[dict] = field(default_factory=list)
    slas: list[dict] | None = field(default_factory=list)
    """None: not a service request (the SLA endpoint answers 404)."""

    def change(self, at: int, items: list[tuple[str, str, str, str]]) -> None:
        """A history at `at`: (field name, field id, from string, to string) per item; the fields follow."""
        self.histories.append({"id": str(10_000 + len(self.histories)), "created": jtime(at),
                               "author": {"displayName": "Agent"},
                               "items": [{"field": f, "fieldId": fid, "fromString": a, "toString": b} for f, fid, a, b in items]})
        self.fields["updated"] = jtime(at)


@dataclass
class Site:
    issues: dict[str, Issue] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    fault: Callable[[Request, int], Response | None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.requests.append((request.path, dict(request.args)))
            n = len(self.requests)
        if self.fault is not None:
            replaced = self.fault(request, n)
            if replaced is not None:
                return replaced
        expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _json({"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}, 401)
        path = request.path
        with self.lock:
            if path == "/rest/api/3/search/jql":
                return self._search(request)
            m = re.fullmatch(r"/rest/api/3/issue/([^/]+)/changelog", path)
            if m:
                issue = self._find(m.group(1))
                if issue is None:
                    return _json({"errorMessages": ["Issue does not exist or you do not have permission to see it."]}, 404)
                start, size = int(request.args.get("startAt", 0)), int(request.args.get("maxResults", 100))
                values = issue.histories[start:start + size]
                return _json({"startAt": start, "maxResults": size, "total": len(issue.histories), "values": values,
                              "isLast": start + size >= len(issue.histories)})
            m = re.fullmatch(r"/rest/servicedeskapi/request/([^/]+)/sla", path)
            if m:
                issue = self._find(m.group(1))
                if issue is None or issue.slas is None:
                    return _json({"errorMessage": "The request could not be found.", "i18nErrorMessage": {}}, 404)
                start, limit = int(request.args.get("start", 0)), int(request.args.get("limit", 50))
                values = issue.slas[start:start + limit]
                return _json({"size": len(values), "start": start, "limit": limit,
                              "isLastPage": start + limit >= len(issue.slas), "values": values})
        return _json({"errorMessages": ["null for uri"]}, 404)

    def _find(self, ident: str) -> Issue | None:
        return self.issues.get(ident) or next((i for i in self.issues.values() if i.key == ident), None)

    def _search(self, request: Request) -> Response:
        jql = request.args.get("jql", "")
        m = re.fullmatch(r"\((.*)\)(?: AND (.*?))? ORDER BY updated (ASC|DESC)(?:, key ASC)?", jql)
        assert m, f"the test site does not understand {jql!r}"
        base, window, direction = m.groups()
        assert base == "project = ITSM", base
        low = re.search(r"updated >= (\d+)", window or "")
        high = re.search(r"updated <= (\d+)", window or "")
        chosen = [i for i in self.issues.values()
                  if (low is None or _epoch(i.fields["updated"]) * 1000 >= int(low.group(1)))
                  and (high is None or _epoch(i.fields["updated"]) * 1000 <= int(high.group(1)))]
        chosen.sort(key=lambda i: (_epoch(i.fields["updated"]), int(i.key.split("-")[1])), reverse=direction == "DESC")
        size = int(request.args.get("maxResults", 50))
        token = request.args.get("nextPageToken")
        start = int(base64.b64decode(token)) if token else 0
        page = chosen[start:start + size]
        wanted = request.args.get("fields", "").split(",")
        out = []
        for i in page:
            item = {"id": i.id, "key": i.key, "fields": {k: i.fields.get(k) for k in wanted if k}}
            if "changelog" in request.args.get("expand", ""):
                recent = sorted(i.histories, key=lambda h: h["created"], reverse=True)[:EXPANDED]
                item["changelog"] = {"startAt": 0, "maxResults": EXPANDED, "total": len(i.histories), "histories": recent}
            out.append(item)
        body = {"issues": out, "isLast": start + size >= len(chosen)}
        if start + size < len(chosen):
            body["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        return _json(body)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def cycle(start: int, stop: int, goal_ms: int, breached: bool) -> dict:
    return {"startTime": {"epochMillis": start * 1000, "iso8601": jtime(start)},
            "stopTime": {"epochMillis": stop * 1000, "iso8601": jtime(stop)},
            "breached": breached, "goalDuration": {"millis": goal_ms}, "elapsedTime": {"millis": (stop - start) * 1000}}


def serve(server, site: Site) -> str:
    server.expect_request(re.compile(r"^/rest/.*$")).respond_with_handler(site)
    return f"http://{server.host}:{server.port}"
