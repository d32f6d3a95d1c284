"""ServiceNow through its REST Table API: the `incident` table for current records, `sys_audit` for their history.

What this relies on, as ServiceNow documents it (Table API, "Table - GET /now/table/{tableName}";
"Viewing Sys Audit and Audit Relationship Change tables"; REST API HTTP response codes):

* `GET /api/now/v2/table/{table}`: version 2 answers a query with no result with 200 and an
  empty `result` (version 1 answers 404), so a 404 means the table does not exist (or an ACL).
* `sysparm_query` (encoded query: `field>=value`, `^` for AND, `ORDERBY<field>`),
  `sysparm_fields` (only the mapped fields; unknown ones are ignored), `sysparm_limit` and
  `sysparm_offset` for paging, the `Link` header's rel="next" URL, `X-Total-Count`.
* `sysparm_display_value=all`: each field as {"value", "display_value"}; choice and reference
  fields are shown by their display value (the labels an export carries, which the mapping
  names), dates by their value, which is UTC "YYYY-MM-DD HH:MM:SS".
* A date-time written as text in a query is read as UTC.
* `sys_updated_on`, `sys_mod_count` (the record's update count) and `sys_id` of every record.
* sys_audit: `tablename`, `fieldname`, `documentkey` (the record's sys_id), `oldvalue`,
  `newvalue` (reference fields: the referenced sys_id; dates: UTC as stored), `sys_created_on`,
  and `record_checkpoint`, the record's update count after the change, which is how the
  audit rows of one update are grouped (a row without it is grouped by `sys_created_on`).
* sys_choice (`name`, `element`, `value`, `label`, `language`): labels of choice values, so
  an audited "6" reads "Resolved" as the export and the mapping say.

Incremental: `sys_updated_on >= cursor - overlap` and `<=` the newest update when the pull
starts, ordered by sys_updated_on then sys_id. A record updated during the pull leaves that
window, which changes X-Total-Count: the pull then starts again from what was committed, so
an offset shifted by the change never skips a record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from comanage_tui.data.sync.http import Reply, SyncError
from comanage_tui.data.sync.source import Page, RemoteItem, Source
from comanage_tui.data.text import clean

_FORMAT = "%Y-%m-%d %H:%M:%S"
_IDS_PER_QUERY = 100  # sys_ids per documentkeyIN / sys_idIN query: keeps the URL well under 8 KB
_RESTARTS = 5


class ServiceNowSource(Source):
    kind = "servicenow"
    date_format = _FORMAT

    def __init__(self, *args: Any):
        super().__init__(*args)
        sn = self.config.servicenow
        self.table = sn.table
        self.path = f"/api/now/{sn.api_version}/table/"
        c = self.columns
        self.made = {c.updated_at, c.order} - {None}  # filled from the update, not read from a field
        self.fields = [f for f in self.header if f not in self.made]
        self.references = {f: t for f, t in sn.references.items() if f in self.fields}
        self._at = self.header.index(c.updated_at) if c.updated_at else -1
        self._order = self.header.index(c.order) if c.order else -1
        self.choices: dict[str, dict[str, str]] | None = None
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)  # referenced table -> sys_id -> display

    # --- reading -------------------------------------------------------------------------------

    def _get(self, table: str, params: dict[str, Any], what: str, url: str | None = None):
        reply = self.http.get(url or self.path + table, None if url else params, what=what,
                              not_found=f"table '{clean(table, limit=80)}' does not exist on the instance")
        result = reply.data.get("result") if isinstance(reply.data, dict) else None
        if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
            raise SyncError(f"{self.config.name}: {what}: the answer has no list of records ('result')")
        return reply, result

    def _all(self, table: str, query: str, fields: str, what: str, limit: int) -> Iterator[dict[str, Any]]:
        """Every record of a query, following the Link header (offsets when there is none)."""
        params = {"sysparm_query": query, "sysparm_fields": fields, "sysparm_limit": limit, "sysparm_offset": 0,
                  "sysparm_display_value": "false", "sysparm_exclude_reference_link": "true"}
        url, n, offset = None, 1, 0
        while True:
            reply, rows = self._get(table, params, f"{what} page {n}", url)
            yield from rows
            offset += len(rows)
            if not _more(reply, rows, limit, offset):
                return
            url = reply.next_url
            params["sysparm_offset"] = offset
            n += 1

    def pages(self, since: str | None) -> Iterator[Page]:
        _, newest = self._get(self.table, {"sysparm_query": "ORDERBYDESCsys_updated_on", "sysparm_fields": "sys_updated_on",
                                           "sysparm_limit": 1, "sysparm_display_value": "false"},
                              f"{self.table} (newest update)")
        if not newest:
            return
        upper = str(newest[0].get("sys_updated_on") or "")
        _check_time(upper, self.config.name)
        limit = self.config.page_size
        fields = ",".join(dict.fromkeys(["sys_id", "sys_updated_on", "sys_mod_count", *self.fields]))
        number, restarts, start = 0, 0, since
        while True:
            query = "^".join(([f"sys_updated_on>={start}"] if start else []) + [f"sys_updated_on<={upper}",
                                                                                 "ORDERBYsys_updated_on", "ORDERBYsys_id"])
            params = {"sysparm_query": query, "sysparm_fields": fields, "sysparm_limit": limit, "sysparm_offset": 0,
                      "sysparm_display_value": "all", "sysparm_exclude_reference_link": "true"}
            url, total, moved, offset = None, None, False, 0
            while True:
                number += 1
                reply, records = self._get(self.table, params, f"{self.table} page {number}", url)
                count = _int(reply.headers.get("X-Total-Count"))
                if total is None:
                    total = count
                elif count is not None and count != total:
                    moved = True  # a record left the window mid-pull: offsets shifted
                    break
                page = self._page(records, total, number)
                if page.items:
                    start = self.rewind(page.items[-1].updated, 0)
                    yield page
                offset += len(records)
                if not _more(reply, records, limit, offset):
                    return
                url = reply.next_url
                params["sysparm_offset"] = offset
            if not moved:
                return
            restarts += 1
            if restarts > _RESTARTS:
                raise SyncError(f"{self.config.name}: records of '{self.table}' kept changing during the pull "
                                f"({_RESTARTS} restarts); what was read is committed, run again")
            url = None
            start = self.rewind(start, self.config.overlap) if start else since

    def _page(self, records: list[dict[str, Any]], total: int | None, number: int) -> Page:
        page = Page([], total, number)
        for r in records:
            sys_id, updated = _value(r, "sys_id"), _value(r, "sys_updated_on")
            ref = _shown(r, self.columns.ref) or _value(r, self.columns.ref)
            if not sys_id or not updated:
                raise SyncError(f"{self.config.name}: {self.table} page {number}: a record without sys_id or sys_updated_on")
            _check_time(updated, self.config.name)
            page.items.append(RemoteItem(sys_id, ref, f"{_value(r, 'sys_mod_count')}|{updated}", updated))
            page.raw[sys_id] = r
        return page

    def rewind(self, cursor: str, seconds: int) -> str:
        when = dt.datetime.strptime(cursor, _FORMAT) - dt.timedelta(seconds=seconds)
        return when.strftime(_FORMAT)

    # --- history ---------------------------------------------------------------------------------

    def histories(self, page: Page, items: list[RemoteItem]) -> Iterator[tuple[RemoteItem, list[list[str]]]]:
        audits: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # newvalue is not asked: an update's new value is the next one's old value, or the current record's.
        fields = "documentkey,fieldname,oldvalue,sys_created_on,record_checkpoint"
        limit = min(self.config.page_size * 4, 10_000)
        for i in range(0, len(items), _IDS_PER_QUERY):
            ids = [it.remote_id for it in items[i:i + _IDS_PER_QUERY]]
            query = f"tablename={self.table}^documentkeyIN{','.join(ids)}^ORDERBYsys_created_on^ORDERBYsys_id"
            for a in self._all("sys_audit", query, fields, f"sys_audit of {self.table} page {page.number}", limit):
                audits[str(a.get("documentkey") or "")].append(a)
        self._learn(page, items, audits)
        for it in items:
            yield it, self._rows(page.raw[it.remote_id], audits.get(it.remote_id, []))

    def _learn(self, page: Page, items: list[RemoteItem], audits: dict[str, list[dict[str, Any]]]) -> None:
        """Labels for every audited value these rows need: choices once per run, references as they appear."""
        tracked = [f for f in self.fields if not self.date_column(f)]
        if self.choices is None:
            self.choices = defaultdict(dict)
            plain = [f for f in tracked if f not in self.references]
            if plain:
                query = f"name={self.table}^elementIN{','.join(plain)}^language={self.config.servicenow.choice_language}"
                for c in self._all("sys_choice", query, "element,value,label", "sys_choice", 1000):
                    self.choices[str(c.get("element"))].setdefault(str(c.get("value")), str(c.get("label") or ""))
        wanted: dict[str, set[str]] = defaultdict(set)
        for it in items:
            record = page.raw[it.remote_id]
            for f, table in self.references.items():  # the current values come with their display value
                value, shown = _value(record, f), _shown(record, f)
                if value and shown:
                    self.labels[table][value] = shown
            for a in audits.get(it.remote_id, []):
                table = self.references.get(str(a.get("fieldname")))
                v = a.get("oldvalue") if table else None
                if v and v not in self.labels[table]:
                    wanted[table].add(str(v))
        field = self.config.servicenow.display_field
        for table, ids in wanted.items():
            ordered = sorted(ids)
            for i in range(0, len(ordered), _IDS_PER_QUERY):
                query = f"sys_idIN{','.join(ordered[i:i + _IDS_PER_QUERY])}"
                for r in self._all(table, query, f"sys_id,{field}", f"{table} names", 1000):
                    self.labels[table][str(r.get("sys_id"))] = str(r.get(field) or "")

    def _label(self, field: str, value: str) -> str:
        if not value:
            return ""
        table = self.references.get(field)
        if table is not None:
            return self.labels[table].get(value, value)  # a deleted group: its sys_id (reported as unmapped)
        assert self.choices is not None
        return self.choices.get(field, {}).get(value, value)

    def _rows(self, record: dict[str, Any], audit: list[dict[str, Any]]) -> list[list[str]]:
        """The state after each update, oldest first: the current record, then each update undone in turn."""
        dates = self._dates
        state = {f: (_value(record, f) if f in dates else _shown(record, f)) for f in self.fields}
        top = _int(_value(record, "sys_mod_count")) or 0
        updates = _updates(audit, top)
        rows: list[list[str]] = []
        if not updates or updates[-1][0] < top:
            rows.append(self._row(state, top, _value(record, "sys_updated_on")))  # an update no audited field shows
        skip = (self.columns.updated_at, self.columns.order)
        for number, at, entries in reversed(updates):
            rows.append(self._row(state, number, at))
            for a in entries:
                f = a.get("fieldname")
                if f in state and f not in skip:
                    old = a.get("oldvalue") or ""
                    state[f] = old if f in dates else self._label(f, old)
        rows.reverse()
        return rows

    def _row(self, state: dict[str, str], number: int, at: str) -> list[str]:
        c = self.columns
        row = [state.get(name, "") for name in self.header]
        if c.updated_at is not None:
            row[self._at] = at
        if c.order is not None:
            row[self._order] = str(number)
        return row


def _more(reply: Reply, rows: list[dict[str, Any]], limit: int, offset: int) -> bool:
    """Whether another page follows: a Link rel="next", else a full page short of X-Total-Count."""
    if not rows:
        return False
    if reply.next_url is not None:
        return True
    total = _int(reply.headers.get("X-Total-Count"))
    return len(rows) >= limit and (total is None or offset < total)


def _updates(audit: list[dict[str, Any]], top: int) -> list[tuple[int, str, list[dict[str, Any]]]]:
    """A record's audit rows as its updates, oldest first: (update number, time, rows).

    Rows of one update share its record_checkpoint; rows of one checkpoint more than a minute
    apart are two updates (exports of damaged histories repeat a sys_mod_count). Rows past
    `top` belong to an update made after the record was read: the next run reads both. Without
    record_checkpoint, every distinct sys_created_on is an update, numbered in time order.
    """
    by: dict[int, list[dict[str, Any]]] = {}
    for a in audit:
        cp = _int(a.get("record_checkpoint"))
        if cp is None:
            times = sorted({str(x.get("sys_created_on") or "") for x in audit})
            return [(n, t, [x for x in audit if str(x.get("sys_created_on") or "") == t]) for n, t in enumerate(times)]
        if cp <= top:
            entries = by.get(cp)
            if entries is None:
                by[cp] = [a]
            else:
                entries.append(a)
    out: list[tuple[int, str, list[dict[str, Any]]]] = []
    for cp in sorted(by):
        entries = by[cp]
        first = entries[0].get("sys_created_on") or ""
        if all((a.get("sys_created_on") or "") == first for a in entries):
            out.append((cp, first, entries))  # the usual case: one update, one time
            continue
        entries.sort(key=lambda a: a.get("sys_created_on") or "")
        last = None
        for a in entries:
            at = a.get("sys_created_on") or ""
            if last is None or (at != last and _gap(last, at) > 60):
                out.append((cp, at, []))
            out[-1][2].append(a)
            out[-1] = (cp, at, out[-1][2])
            last = at
    return out


def _gap(a: str | None, b: str) -> float:
    try:
        return (dt.datetime.strptime(b, _FORMAT) - dt.datetime.strptime(a or b, _FORMAT)).total_seconds()
    except ValueError:
        return 0.0


def _value(record: dict[str, Any], field: str | None) -> str:
    v = record.get(field) if field else None
    if isinstance(v, dict):
        v = v.get("value")
    return "" if v is None else str(v)


def _shown(record: dict[str, Any], field: str | None) -> str:
    v = record.get(field) if field else None
    if isinstance(v, dict):
        v = v.get("display_value", v.get("value"))
    return "" if v is None else str(v)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]  # str, int, or anything int() refuses
    except (TypeError, ValueError):
        return None


def _check_time(value: str, name: str) -> None:
    try:
        dt.datetime.strptime(value, _FORMAT)
    except ValueError:
        raise SyncError(f"{name}: sys_updated_on '{clean(value, limit=40)}' is not a UTC date-time 'YYYY-MM-DD HH:MM:SS' "
                        "(is sysparm_display_value honoured?)") from None
