"""A ServiceNow instance for the sync tests: the Table API as ServiceNow documents it, on a real local HTTP server.

Tables: incident, sys_audit, sys_choice, sys_user_group, sys_user. The API: GET
/api/now/v2/table/{table} with sysparm_query (field>=, <=, =, IN, ^, ORDERBY, ORDERBYDESC),
sysparm_fields, sysparm_limit, sysparm_offset, sysparm_display_value (false/true/all); the
answer {"result": [...]} with X-Total-Count and a Link header (first, prev, next, last);
Basic authentication, 401 {"error": {...}, "status": "failure"}, 404 "Invalid table …".

`from_export` reshapes the real audit-log export (tests/data/test_import_servicenow.py's
DATA) into what the instance that produced it would hold: each incident's current record
is its last update row; each update row becomes the sys_audit rows of the fields it
changed (the first row, the insert, those it set), grouped by record_checkpoint = the
row's sys_mod_count and timed by its sys_updated_at in UTC; an update row that changed
none of the exported fields is a work_notes journal entry (ServiceNow audits journal
fields). Choice fields hold codes with sys_choice labels, the assignment group and the
assignee are references to sys_user_group and sys_user, dates are UTC. Data: UCI ML
Repository data set 498, Amaral, Fantinato & Peres (2018), DOI 10.24432/C57S4H, CC BY 4.0.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from werkzeug import Request, Response

from comanage_tui.data.importing.reader import DateParser

USER, PASSWORD = "comanage.sync", "sn-Secret-7f3a9-DO-NOT-LEAK"
STATES = {"New": "1", "Active": "2", "Awaiting User Info": "3", "Awaiting Evidence": "4", "Awaiting Vendor": "5",
          "Resolved": "6", "Closed": "7", "Canceled": "8", "Awaiting Problem": "10"}
CHOICE_FIELDS = ("incident_state", "priority", "impact", "urgency", "category", "subcategory", "contact_type", "notify",
                 "closed_code")
REFERENCES = {"assignment_group": "sys_user_group", "assigned_to": "sys_user"}
DATES = ("opened_at", "resolved_at", "closed_at", "sys_created_on")
NOT_AUDITED = {"number", "sys_mod_count", "sys_updated_at", "sys_updated_by", "sys_created_by", "sys_created_at"}
_TERM = re.compile(r"^([a-z_0-9]+?)(IN|>=|<=|!=|>|<|=)(.*)$")
_EXPORT_TIMES = DateParser("%d/%m/%Y %H:%M", "America/Sao_Paulo")


def utc(epoch: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def sys_id(kind: str, name: str) -> str:
    return hashlib.md5(f"{kind}:{name}".encode()).hexdigest()


def code(field_name: str, label: str) -> str:
    """The stored value of a choice label (what sys_audit and sysparm_display_value=false show)."""
    if field_name == "incident_state":
        return STATES.get(label, label)
    m = re.match(r"^(\d+) - ", label)
    if m:
        return m.group(1)
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_") or label


@dataclass
class Incident:
    sys_id: str
    values: dict[str, str]
    """Field -> stored value (codes, sys_ids, UTC dates)."""
    updated: str
    mod: int


@dataclass
class Instance:
    incidents: dict[str, Incident] = field(default_factory=dict)
    audit: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    """Choice field -> code -> label."""
    names: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    """Referenced table -> sys_id -> name."""
    user: str = USER
    password: str = PASSWORD
    requests: list[tuple[str, dict]] = field(default_factory=list)
    fault: Callable[[Request, int], Response | None] | None = None
    """Consulted first on every request with (request, its number from 1): a Response replaces the answer."""
    forbidden: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _order: list[Incident] | None = None
    _audit_seq: int = 0

    # --- building ----------------------------------------------------------------------------

    def display(self, name: str, value: str) -> str:
        if not value:
            return ""
        if name in REFERENCES:
            return self.names[REFERENCES[name]].get(value, value)
        if name in self.labels:
            return self.labels[name].get(value, value)
        return value

    def stored(self, name: str, shown: str) -> str:
        """A display value (as the export writes it) as the instance stores it, registering labels and names."""
        if shown in ("", "?"):
            return ""
        if name in REFERENCES:
            sid = sys_id(REFERENCES[name], shown)
            self.names[REFERENCES[name]][sid] = shown
            return sid
        if name in CHOICE_FIELDS:
            value = code(name, shown)
            self.labels[name][value] = shown
            return value
        return shown

    def add_audit(self, doc: str, fieldname: str, old: str, new: str, at: str, checkpoint: int) -> None:
        self._audit_seq += 1
        self.audit[doc].append({"sys_id": f"{self._audit_seq:032x}", "tablename": "incident", "documentkey": doc,
                                "fieldname": fieldname, "oldvalue": old, "newvalue": new, "sys_created_on": at,
                                "record_checkpoint": str(checkpoint)})

    def put(self, inc: Incident) -> None:
        with self.lock:
            self.incidents[inc.sys_id] = inc
            self._order = None

    def update(self, sid: str, changes: dict[str, str], at: str) -> None:
        """An update through the instance: stored values change, sys_audit records it, sys_updated_on moves."""
        with self.lock:
            inc = self.incidents[sid]
            inc.mod += 1
            for name, shown in changes.items():
                value = self.stored(name, shown)
                self.add_audit(sid, name, inc.values.get(name, ""), value, at, inc.mod)
                inc.values[name] = value
            if not changes:
                self.add_audit(sid, "work_notes", "", f"update {inc.mod}", at, inc.mod)
            inc.updated = at
            self._order = None

    def ordered(self) -> list[Incident]:
        if self._order is None:
            self._order = sorted(self.incidents.values(), key=lambda i: (i.updated, i.sys_id))
        return self._order

    # --- answering ---------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.requests.append((request.path, dict(request.args)))
            n = len(self.requests)
        if self.fault is not None:
            replaced = self.fault(request, n)
            if replaced is not None:
                return replaced
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return error(401, "User Not Authenticated", "Required to provide Auth information")
        table = request.path.rsplit("/", 1)[-1]
        if table in self.forbidden:
            return error(403, "User Not Authorized", "ACL restricts the record retrieval")
        rows = self.query(table, request.args.get("sysparm_query", ""), request.args.get("sysparm_display_value", "false"),
                          request.args.get("sysparm_fields"))
        if rows is None:
            return error(404, f"Invalid table {table}", None)
        limit = int(request.args.get("sysparm_limit", 10_000))
        offset = int(request.args.get("sysparm_offset", 0))
        page = rows.page(offset, limit) if isinstance(rows, _Lazy) else rows[offset:offset + limit]
        headers = {"X-Total-Count": str(len(rows)), "Link": links(request, offset, limit, len(rows))}
        body = ('{"result": [' + ", ".join(p.text if isinstance(p, _Json) else json.dumps(p) for p in page) + "]}")
        return Response(body, 200, headers, content_type="application/json")

    def query(self, table: str, query: str, shown: str, fields: str | None) -> list[dict] | _Lazy | None:
        terms, order = [], []
        for t in filter(None, query.split("^")):
            if t.startswith("ORDERBYDESC"):
                order.append((t[11:], True))
            elif t.startswith("ORDERBY"):
                order.append((t[7:], False))
            else:
                m = _TERM.match(t)
                assert m, f"the test instance does not understand {t!r}"
                terms.append(m.groups())
        wanted = fields.split(",") if fields else None
        with self.lock:
            if table == "incident":
                chosen = self.ordered()
                if terms:
                    chosen = [i for i in chosen if all(_match(self._raw(i) if t[0] != "sys_updated_on" else
                                                              {"sys_updated_on": i.updated}, t) for t in terms)]
                if order != [("sys_updated_on", False), ("sys_id", False)]:
                    rows = [self._raw(i) for i in chosen]
                    for name, desc in reversed(order):
                        rows.sort(key=lambda r, n=name: r.get(n, ""), reverse=desc)
                    chosen = [self.incidents[r["sys_id"]] for r in rows]
                return _Lazy(chosen, lambda i: self._incident(i, shown, wanted))
            elif table == "sys_audit":
                docs = next((v.split(",") for f, op, v in terms if f == "documentkey" and op == "IN"), list(self.audit))
                rest = [_predicate(t) for t in terms if t[:2] != ("documentkey", "IN")]
                rows = [a for d in docs for a in self.audit.get(d, []) if all(p(a) for p in rest)]
                if order == [("sys_created_on", False), ("sys_id", False)]:
                    rows.sort(key=lambda a: (a["sys_created_on"], a["sys_id"]))
                    order = []
                if wanted:
                    key = tuple(wanted)
                    return _Lazy(rows, lambda a: _Json(self._audit_json(a, key)))
                rows = [{k: v for k, v in a.items() if k != "_json"} for a in rows]
            elif table == "sys_choice":
                rows = [{"name": "incident", "element": f, "value": v, "label": lab, "language": "en"}
                        for f, values in self.labels.items() for v, lab in values.items()]
                rows = [r for r in rows if all(_match(r, t) for t in terms)]
            elif table in ("sys_user_group", "sys_user"):
                rows = [{"sys_id": k, "name": v} for k, v in self.names[table].items()]
                rows = [r for r in rows if all(_match(r, t) for t in terms)]
            else:
                return None
        for name, desc in reversed(order):
            rows.sort(key=lambda r, n=name: _plain(r.get(n)), reverse=desc)
        if wanted and table != "incident":
            rows = [{k: r.get(k, "") for k in wanted if k in r} for r in rows]
        return rows

    def warm(self, fields: str = "documentkey,fieldname,oldvalue,sys_created_on,record_checkpoint") -> None:
        """Encode every audit row for the fields the sync asks (as a real instance has them on disk already)."""
        key = tuple(fields.split(","))
        for rows in self.audit.values():
            for a in rows:
                self._audit_json(a, key)

    def _audit_json(self, a: dict, fields: tuple[str, ...]) -> str:
        cached = a.get("_json")
        if cached is None or cached[0] != fields:
            cached = a["_json"] = (fields, json.dumps({k: a[k] for k in fields if k in a}))
        return cached[1]

    def _raw(self, inc: Incident) -> dict[str, str]:
        return {**inc.values, "sys_id": inc.sys_id, "sys_updated_on": inc.updated, "sys_mod_count": str(inc.mod)}

    def _incident(self, inc: Incident, shown: str, wanted: list[str] | None) -> dict:
        raw = self._raw(inc)
        out = {}
        for name in wanted or list(raw):
            if name not in raw:
                continue  # "Invalid fields are ignored"
            value = raw[name]
            if shown == "all":
                out[name] = {"display_value": self.display(name, value), "value": value}
            elif shown == "true":
                out[name] = self.display(name, value)
            else:
                out[name] = value
        return out


class _Lazy:
    """Matching incidents, turned into answer records only for the page asked."""

    def __init__(self, chosen: list[Incident], render: Callable[[Incident], dict]):
        self.chosen, self.render = chosen, render

    def __len__(self) -> int:
        return len(self.chosen)

    def page(self, offset: int, limit: int) -> list[dict]:
        return [self.render(i) for i in self.chosen[offset:offset + limit]]


class _Json:
    """A record already serialised (the audit rows are many; they are encoded once)."""

    def __init__(self, text: str):
        self.text = text


def _predicate(term: tuple[str, str, str]) -> Callable[[dict], bool]:
    name, op, value = term
    if op == "IN":
        allowed = set(value.split(","))
        return lambda r: _plain(r.get(name)) in allowed
    return lambda r: _match(r, term)


def _plain(v) -> str:
    return v.get("value", "") if isinstance(v, dict) else str(v or "")


def _match(row: dict, term: tuple[str, str, str]) -> bool:
    name, op, value = term
    have = _plain(row.get(name))
    if op == "IN":
        return have in value.split(",")
    if op == "=":
        return have == value
    if op == "!=":
        return have != value
    if op == ">=":
        return have >= value
    if op == "<=":
        return have <= value
    if op == ">":
        return have > value
    return have < value


def links(request: Request, offset: int, limit: int, total: int) -> str:
    base = request.host_url.rstrip("/") + request.path

    def url(at: int) -> str:
        args = dict(request.args) | {"sysparm_offset": str(at), "sysparm_limit": str(limit)}
        return f"<{base}?{urlencode(args)}>"

    last = max(0, (total - 1) // limit * limit) if total else 0
    parts = [f'{url(0)};rel="first"']
    if offset > 0:
        parts.append(f'{url(max(0, offset - limit))};rel="prev"')
    if offset + limit < total:
        parts.append(f'{url(offset + limit)};rel="next"')
    parts.append(f'{url(last)};rel="last"')
    return ",".join(parts)


def error(status: int, message: str, detail: str | None) -> Response:
    body = {"error": {"message": message, "detail": detail}, "status": "failure"}
    return Response(json.dumps(body), status, content_type="application/json")


def from_export(path: Path, *, limit: int | None = None) -> Instance:
    """The instance behind the audit-log export at `path` (its first `limit` incidents, or all)."""
    with gzip.open(path, "rt", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        by: dict[str, list[tuple[int, int, int, list[str]]]] = {}
        col = {h: i for i, h in enumerate(header)}
        for line, row in enumerate(reader, 2):
            ref = row[col["number"]]
            if ref not in by:
                if limit is not None and len(by) >= limit:
                    continue
                by[ref] = []
            by[ref].append((int(row[col["sys_mod_count"]]), _EXPORT_TIMES(row[col["sys_updated_at"]]), line, row))
    inst = Instance()
    fields = [h for h in header if h not in NOT_AUDITED]
    for ref, rows in by.items():
        rows.sort(key=lambda r: (r[0], r[1], r[2]))  # the importer's order: sys_mod_count, time, line
        sid = sys_id("incident", ref)
        prev: dict[str, str] = {}
        for n, (mod, at, _line, row) in enumerate(rows):
            values = {}
            for name in fields:
                shown = row[col[name]]
                key = "sys_created_on" if name == "sys_created_at" else name
                if key in DATES:
                    values[key] = "" if shown in ("", "?") else utc(_EXPORT_TIMES(shown))
                else:
                    values[key] = inst.stored(key, shown)
            changed = [k for k, v in values.items() if v != prev.get(k, "")] if n else [k for k, v in values.items() if v]
            for k in changed:
                inst.add_audit(sid, k, prev.get(k, ""), values[k], utc(at), mod)
            if n and not changed:
                inst.add_audit(sid, "work_notes", "", f"update {mod}", utc(at), mod)
            prev = values
        values = dict(prev)
        values["number"] = ref
        inst.incidents[sid] = Incident(sid, values, utc(rows[-1][1]), rows[-1][0])
    return inst


def serve(server, inst: Instance) -> str:  # a pytest_httpserver.HTTPServer, running
    """Register the instance on `server`; returns its base URL."""
    server.expect_request(re.compile(r"^/api/now/v2/table/[a-z0-9_]+$")).respond_with_handler(inst)
    return f"http://{server.host}:{server.port}"


GROUPS = ("Group 70", "Group 24", "Group 27", "Group 5")
START = 1_793_000_000  # 2026-10-25, a Sunday: the synthetic history runs through November


def synthetic(n: int, *, updates: int = 3, start: int = START, step: int = 600) -> Instance:
    """`n` incidents, each opened then updated `updates` times (state, group, priority move), `step` seconds apart.

    Incident i opens at start + i*step and its updates follow every `step` seconds, so
    sys_updated_on is distinct per incident and ordering is by number.
    """
    inst = Instance()
    states = ["New", "Active", "Awaiting User Info", "Active", "Resolved", "Closed"]
    for i in range(n):
        ref = f"INC{9_000_000 + i}"
        sid = sys_id("incident", ref)
        opened = start + i * step
        shown = {"number": ref, "incident_state": "New", "priority": "3 - Moderate", "assignment_group": GROUPS[i % 4],
                 "assigned_to": "", "category": f"Category {20 + i % 5}", "subcategory": f"Subcategory {i % 7}",
                 "u_symptom": f"Symptom {i}", "made_sla": "true", "reassignment_count": "0", "reopen_count": "0"}
        values = {k: inst.stored(k, v) for k, v in shown.items()}
        values["opened_at"] = utc(opened)
        inc = Incident(sid, dict(values), utc(opened), 0)
        for k, v in values.items():
            if v:
                inst.add_audit(sid, k, "", v, utc(opened), 0)
        inst.put(inc)
        for u in range(1, updates + 1):
            change = {"incident_state": states[min(u, len(states) - 1)]}
            if u == 2:
                change["assignment_group"] = GROUPS[(i + 1) % 4]
                change["assigned_to"] = f"Resolver {i % 9}"
            inst.update(sid, change, utc(opened + u * step * n))
    return inst
