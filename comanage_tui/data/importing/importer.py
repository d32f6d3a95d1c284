"""Ticket import from PSA/ITSM CSV exports: stream, group by ref, replay into event logs, upsert.

Rules (docs/IMPORT.md shows them to users):

* All or nothing: the whole file is prepared without a lock into a staging database, then
  copied in by one short transaction (`store.write()`); rejected rows refuse the import
  unless `skip_bad_rows`; a dry run reads the database but never writes.
* Tickets are upserted by ref; an imported ticket's event log is replaced, never appended
  to, so importing the same file twice changes nothing.
* Update rows are grouped by ref. Rows of one ticket normally follow each other; a ticket
  whose rows are split across the file is noticed and rebuilt from a second read of the
  file that collects only those tickets, so state stays bounded by one ticket's rows.
* Event times never go backwards: an update dated before the opening is moved to the
  opening, one dated before the previous update to that update (both are counted).
* Every update row becomes at least one event (status, assign, priority, response, or a
  "note" when nothing tracked changed), so rows and events can be accounted for.
"""

from __future__ import annotations

import operator
import re
import string
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from comanage_tui.data.importing.mapping import ImportMapping, norm, worked_hours
from comanage_tui.data.importing.reader import CsvSource, DateParser, ImportProblem, Progress, Record
from comanage_tui.data.importing.records import Row
from comanage_tui.data.importing.replay import replay
from comanage_tui.data.importing.report import ImportReport
from comanage_tui.data.importing.sink import DrySink, StagingSink, Stale
from comanage_tui.data.text import clean

if TYPE_CHECKING:
    from comanage_tui.data.store import Store

__all__ = ["ImportProblem", "ImportReport", "import_file", "put_groups"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ABSENT = "\x00absent"
_CELLS = ("ref", "opened_at", "updated_at", "resolved_at", "closed_at", "first_response_at", "order", "reassignment_count",
          "reopen_count", "status", "priority", "sla_met", "group", "category", "assignee", "time_worked")
_ONE_ROW_HINT = "set event_rows = true in the mapping if the export has one row per update"
_UNSEEN = object()
_UNKNOWN = object()  # a value the mapping does not know (distinct from None: missing)


_ATTEMPTS = 2  # preparations of one import, when another writer changes its tickets in between


def import_file(
    store: Store | None,
    path: Path | str,
    mapping: ImportMapping,
    *,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    name: str | None = None,
    create_store: Callable[[], Store] | None = None,
) -> ImportReport:
    """Import one CSV (or .csv.gz) export; returns the report (`refused` when nothing was written).

    The file is read, checked and replayed into a private staging database first, with no
    lock held; the store's write lock is taken only to copy that in (`StagingSink.commit`).
    `store` may be None: for a dry run against no database, or with `create_store`, which is
    called to create the database only once there is an import to write (a refused import
    leaves no empty database behind). `name` is what the report calls the file.

    Raises:
        ImportProblem: the file cannot be imported as a whole (missing, empty, header lacks a
            mapped column, UTF-16, a broken quote, over a size limit …). Nothing is written then.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportProblem(f"{clean(path, limit=300)}: no such file")
    started = time.perf_counter()
    if dry_run or (store is None and create_store is None):
        report = _new_report(path, name, mapping, dry_run=True)
        if store is None:
            _run(path, mapping, report, DrySink(None, mapping, report, 0), progress)
        else:
            with store.lock:
                _run(path, mapping, report, DrySink(store.conn, mapping, report, store.now()), progress)
        report.seconds = time.perf_counter() - started
        return report
    opened: Store | None = None
    try:
        for _attempt in range(_ATTEMPTS):
            target = store or opened
            report = _new_report(path, name, mapping, dry_run=False)
            if target is None:
                # No database yet: read the file once without one, so a refused import creates none.
                _run(path, mapping, report, DrySink(None, mapping, report, 0), progress)
                if report.rows_rejected and not skip_bad_rows:
                    report.refused = True
                    break
                target = opened = create_store()
                report = _new_report(path, name, mapping, dry_run=False)
            sink = StagingSink(target.conn, mapping, report, target.now())
            try:
                _run(path, mapping, report, sink, progress)
                if report.rows_rejected and not skip_bad_rows:
                    report.refused = True
                    break
                with target.write() as conn:
                    report.tickets_changed = sink.commit(conn)
                    report.seconds = time.perf_counter() - started  # the audit row records it too
                    target.audit(conn, "import", "import", report.file, None, report.summary())
                break
            except Stale:
                continue  # another writer touched these tickets meanwhile: prepare again from what is there now
            finally:
                sink.close()
        else:
            raise ImportProblem("the database changed twice while this import was being prepared (another import of "
                                "the same tickets?); run it again")
    finally:
        if opened is not None:
            opened.close()
    report.seconds = time.perf_counter() - started
    return report


def _new_report(path: Path, name: str | None, mapping: ImportMapping, *, dry_run: bool) -> ImportReport:
    report = ImportReport(file=clean(name or path.name, limit=200), preset=mapping.preset, source=mapping.source,
                          dry_run=dry_run)
    areas = mapping.areas
    report.fallback = {
        "group": f"the default party '{mapping.parties.default}'",
        "category": "new areas named after them" if areas.auto_create else
                    (f"the default area '{areas.default}'" if areas.default else "no area"),
    }
    return report


def _run(path: Path, mapping: ImportMapping, report: ImportReport, sink: DrySink, progress: Progress | None) -> None:
    source = CsvSource(path, progress)
    parser: Parser | None = None
    group: list[Row] = []
    current: str | None = None
    finished: set[str] = set()
    split: set[str] = set()
    for rec in source:
        if parser is None:
            parser = Parser(mapping, source.header, sink, report)
        report.rows_read += 1
        row = parser.parse(rec)
        if row is None:
            continue
        ref = row.ref
        if ref == current:
            if mapping.event_rows:
                group.append(row)
                continue
            report.reject(row.line, ref, "duplicate ref", f"{ref} is on the row before too; {_ONE_ROW_HINT}")
            continue
        if group:
            sink.put(current, replay(group, parser))
            finished.add(current)
        group, current = [], None
        if ref in finished:
            if mapping.event_rows:
                if ref not in split:
                    report.note("tickets whose rows are not contiguous (re-read and rebuilt)", ref)
                split.add(ref)
            else:
                report.reject(row.line, ref, "duplicate ref", f"{ref} is on an earlier row too; {_ONE_ROW_HINT}")
            continue
        group, current = [row], ref
    if parser is None:
        parser = Parser(mapping, source.header, sink, report)  # header-only file: still check its columns
    if group:
        sink.put(current, replay(group, parser))
    report.sha256 = source.sha256
    if split:
        _rebuild(path, split, parser, sink)
    sink.flush()


def put_groups(groups: Iterable[list[Record]], header: list[str], mapping: ImportMapping, report: ImportReport,
               sink: DrySink) -> None:
    """Records already grouped by ticket, each group in update order, through the same Parser,
    replay and sink as a CSV import (the path `comanage sync` takes: an API delivers a ticket's
    history together, so there is no file to read twice). A ref met in two groups is rejected
    the second time, as a split ticket without `event_rows` is in a file.
    """
    parser = Parser(mapping, header, sink, report)
    seen: set[str] = set()
    for group in groups:
        rows: list[Row] = []
        for rec in group:
            report.rows_read += 1
            row = parser.parse(rec)
            if row is None:
                continue
            if row.ref in seen or (rows and row.ref != rows[0].ref):
                report.reject(row.line, row.ref, "duplicate ref", f"{row.ref} arrived as two records of the source")
                continue
            rows.append(row)
        if rows:
            seen.add(rows[0].ref)
            sink.put(rows[0].ref, replay(rows, parser))
    sink.flush()


def _rebuild(path: Path, refs: set[str], parser: Parser, sink: DrySink) -> None:
    """Second read of the file for the tickets whose rows were split: collect, then replay them whole."""
    parser.quiet = True  # rows were counted and reported on the first read
    rows: dict[str, list[Row]] = {ref: [] for ref in refs}
    for rec in CsvSource(path):
        row = parser.parse(rec)
        if row is not None and row.ref in rows:
            rows[row.ref].append(row)
    sink.flush()
    for ref in sorted(rows):
        sink.put(ref, replay(rows[ref], parser), rebuild=True)


class Parser:
    """Turns records into `Row`s, or rejects them with a reason.

    Source values repeat a lot (a few states, priorities and groups over thousands of
    rows), so each raw string is looked up once and the answer cached by the raw text.
    """

    def __init__(self, mapping: ImportMapping, header: list[str], sink: DrySink, report: ImportReport):
        self.m, self.sink, self.report = mapping, sink, report
        self.quiet = False
        self.width = len(header)
        index = {name: i for i, name in enumerate(header)}
        if len(index) != len(header):
            dupes = sorted({clean(h, limit=80) for h in header if header.count(h) > 1})
            raise ImportProblem(f"the header names a column twice: {', '.join(dupes)}")

        def col(field: str) -> int | None:
            name = getattr(mapping.columns, field)
            if name is None:
                return None
            if name not in index:
                # Header names come from the file: cleaned, so they cannot drive the terminal.
                shown = ", ".join(clean(h, limit=80) for h in header[:40]) + (" …" if len(header) > 40 else "")
                raise ImportProblem(f"column '{clean(name)}' (columns.{field} in the mapping) is not in the header; "
                                    f"the file has: {shown}")
            return index[name]

        self.i = {f: col(f) for f in type(mapping.columns).model_fields if f != "title_template"}
        self.template = mapping.columns.title_template
        self.template_cols: list[tuple[str, int]] = []
        if self.template:
            try:
                parts = list(string.Formatter().parse(self.template))
            except ValueError as exc:
                raise ImportProblem(f"columns.title_template: {exc}") from None
            for _lit, name, _spec, _conv in parts:
                if name is None:
                    continue
                if name not in index or any(ch in name for ch in ".[!:"):
                    raise ImportProblem(f"columns.title_template names '{clean(name)}', which is not a column of the header "
                                        "(names with . [ ! : cannot be used in a template)")
                self.template_cols.append((name, index[name]))
        self.missing = {norm(v) for v in mapping.missing_values}
        self.dates = DateParser(mapping.date_format, mapping.timezone)
        self.maps = {"status": mapping.status_map(), "priority": mapping.priority_map(),
                     "sla_met": {norm(v): True for v in mapping.sla_met.true} | {norm(v): False for v in mapping.sla_met.false}}
        self.cache: dict[str, dict[str, object]] = {k: {} for k in ("status", "priority", "sla_met")}
        self.missing.add(norm(_ABSENT))
        # One C-level getter for every mapped cell; unmapped ones read the `_ABSENT` cell appended to each row.
        self._cells = operator.itemgetter(*(self.width if self.i[c] is None else self.i[c] for c in _CELLS))
        self.owner = sink.sources  # ref -> source of tickets already in the database

    def clean(self, raw: str) -> str | None:
        """The value, or None when the export marks it missing."""
        v = raw.strip()
        return None if v.casefold() in self.missing else v

    def lookup(self, kind: str, value: str | None) -> object:
        """Mapped value of a cleaned cell (missing: None; not in the mapping: _UNKNOWN), cached."""
        if value is None:
            return None
        cache = self.cache[kind]
        hit = cache.get(value, _UNSEEN)
        if hit is _UNSEEN:
            hit = cache[value] = self.maps[kind].get(norm(value), _UNKNOWN)
        return hit

    def parse(self, rec: Record) -> Row | None:
        f = rec.fields
        m = self.m
        if rec.error is not None or len(f) != self.width:
            ref = f[self.i["ref"]].strip() if len(f) > self.i["ref"] else ""
            if rec.error is not None:
                return self._reject(rec, ref, "encoding" if "UTF-8" in rec.error else "csv syntax", rec.error)
            return self._reject(rec, ref, "column count", f"expected {self.width} fields, found {len(f)}")
        f.append(_ABSENT)  # what unmapped columns read (see `_cells`)
        miss = self.missing
        (ref, opened, at, resolved, closed, responded, order, reassign, reopen, state, priority, met, group, category,
         person, worked) = [None if (v := x.strip()).casefold() in miss else v for x in self._cells(f)]
        if ref is None:
            return self._reject(rec, "", "missing ref", f"no ticket number in column '{m.columns.ref}'")
        if len(ref) > 64 or _CONTROL.search(ref):
            return self._reject(rec, ref[:64], "bad ref", "a ticket number must be 1-64 printable characters")
        owner = self.owner.get(ref)
        if owner is not None and owner != m.source:
            return self._reject(rec, ref, "ref owned by another source", f"{ref} already exists as a '{owner}' ticket, not '{m.source}'")
        if opened is None or (at is None and m.event_rows):
            field = "opened_at" if opened is None else "updated_at"
            return self._reject(rec, ref, "bad date", f"{getattr(m.columns, field)}: missing")
        try:
            opened, at, resolved, closed, responded = (
                None if v is None else self.dates(v) for v in (opened, at, resolved, closed, responded))
            order, reassign, reopen = (None if v is None else int(v) for v in (order, reassign, reopen))
        except ValueError:
            return self._reject(rec, ref, *self._explain_value_error(f))
        if worked is not None:
            try:
                worked = worked_hours(worked, m.time_worked_unit)
            except ValueError as exc:
                return self._reject(rec, ref, "bad time worked", f"{m.columns.time_worked}: {exc}")
        status = self.lookup("status", state)
        if status is _UNKNOWN:
            return self._reject(rec, ref, "unknown state", f"state '{state}' is not in the mapping's [status] table")
        prio = self.lookup("priority", priority)
        if prio is None:
            prio = m.default_priority.value if m.default_priority else None
            if prio is None:
                return self._reject(rec, ref, "unknown priority", f"no priority in column '{m.columns.priority}' and no default_priority")
        elif prio is _UNKNOWN:
            return self._reject(rec, ref, "unknown priority", f"priority '{priority}' is not in the mapping's [priority] table")
        said = met
        met = self.lookup("sla_met", said)
        if met is _UNKNOWN:
            return self._reject(rec, ref, "bad sla_met", f"{m.columns.sla_met}: '{said}' is neither a true nor a false value")
        party = self.sink.party_for(group, self.quiet) if group else None
        area = self.sink.area_for(category, self.quiet) if category else None
        return Row(ref, rec.line, order or 0, at, opened, status, state or "", party, group or "", prio,
                   person, area, met, reassign, reopen, f, resolved, closed, responded, worked)

    def _explain_value_error(self, f: list[str]) -> tuple[str, str]:
        """Which date or number cell failed, and why (the fast path above only knows that one did)."""
        for field in ("opened_at", "updated_at", "resolved_at", "closed_at", "first_response_at"):
            idx = self.i[field]
            v = None if idx is None else self.clean(f[idx])
            try:
                v is None or self.dates(v)
            except ValueError as exc:
                return "bad date", f"{getattr(self.m.columns, field)}: {exc}"
        for field in ("order", "reassignment_count", "reopen_count"):
            idx = self.i[field]
            v = None if idx is None else self.clean(f[idx])
            try:
                v is None or int(v)
            except ValueError:
                return "bad number", f"{getattr(self.m.columns, field)}: '{v}' is not a whole number"
        return "bad value", "a date or number cell could not be read"  # pragma: no cover - one of the above failed

    def title(self, f: list[str], ref: str) -> str:
        """The ticket title from the mapped column or template; the ref when that leaves nothing."""
        if self.template:
            text = self.template.format_map({name: self.clean(f[i]) or "" for name, i in self.template_cols})
        else:
            idx = self.i["title"]
            text = (self.clean(f[idx]) or "") if idx is not None else ""
        # A line break is one space, also the "\r\n" a Windows PSA writes inside a quoted cell.
        text = _CONTROL.sub(" ", text.replace("\r\n", "\n")).strip()
        return text[:500] if any(ch.isalnum() for ch in text) else ref

    def _reject(self, rec: Record, ref: str, reason: str, detail: str) -> None:
        if not self.quiet:
            self.report.reject(rec.line, ref, reason, detail)
        return None
