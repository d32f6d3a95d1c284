"""One run of `comanage sync` for one source: pages from the source, through the importer's pipeline, committed page by page.

Rules (README "Live data" shows them to users):

* The importer's own Parser, replay and sinks build every ticket (`importer.put_groups`),
  so a synced ticket is exactly what importing the same rows would give.
* Each page is prepared without the write lock (`StagingSink`) and committed by one short
  transaction holding its tickets, their event logs, their versions and the cursor past
  them: other sessions keep working during a long pull, and a run killed at any moment
  leaves the database at a page boundary, from which the next run goes on.
* A record whose version has not changed since it was written is skipped (the overlap
  window reads a few again every run; a page repeated after a kill writes nothing twice).
* A page with a row the mapping cannot read is refused, as an import is, unless
  `skip_bad_rows`: nothing of it is written and the cursor stays before it.
* `--full` and a changed mapping start from the beginning and rewrite every record.
* A dry run reads the API and the database and writes nothing at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from comanage_tui.data.importing.importer import put_groups
from comanage_tui.data.importing.reader import Record
from comanage_tui.data.importing.report import ImportReport
from comanage_tui.data.importing.sink import DrySink, StagingSink, Stale
from comanage_tui.data.sync import cursor as state_db
from comanage_tui.data.sync.config import mapping_digest
from comanage_tui.data.sync.http import SyncError
from comanage_tui.data.sync.report import SyncReport
from comanage_tui.data.sync.source import Page, Source
from comanage_tui.data.text import clean

if TYPE_CHECKING:
    from comanage_tui.data.store import Store

Progress = Callable[[int, "int | None"], None]
"""Called with (records listed so far, records in the pull when known)."""


class SyncRefused(SyncError):
    """A page holds rows the mapping cannot read; nothing of it was written. `report` lists them."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


def run_sync(store: Store | None, source: Source, *, now: int, full: bool = False, dry_run: bool = False,
             skip_bad_rows: bool = False, progress: Progress | None = None) -> SyncReport:
    """Pull `source` into `store` (None: a dry run without a database). Returns what was done.

    Raises:
        SyncError: the run stopped (HTTP failure, budget spent, refused page …); pages committed
            before stay, the cursor after them, and the source's last_error says why.
    """
    cfg, mapping = source.config, source.mapping
    started = time.perf_counter()
    conn = store.conn if store is not None else None
    state = state_db.read_state(conn, cfg.name)
    digest = mapping_digest(mapping)
    report = SyncReport(cfg.name, cfg.kind, cfg.base_url, mapping.preset, mapping.source, dry_run=dry_run, full=full)
    if state is not None and state.kind != cfg.kind:
        raise SyncError(f"{cfg.name}: this name was synced from a {state.kind} source; a {cfg.kind} source needs a name of its own")
    if state is not None and state.base_url != cfg.base_url and not full:
        raise SyncError(f"{cfg.name}: this name was synced from {clean(state.base_url, limit=200)}, not "
                        f"{clean(cfg.base_url, limit=200)}; another instance needs a name of its own "
                        f"(or `comanage sync {cfg.name} --full` to start this one over)")
    remapped = state is not None and state.cursor is not None and state.mapping_sha256 != digest
    if remapped and not full:
        report.notes.append("the mapping changed since the last sync: every record is read and rewritten with it")
    restart = full or remapped
    report.cursor_before = None if state is None else state.cursor
    if not dry_run:
        assert store is not None
        with store.write() as w:
            state_db.begin(w, name=cfg.name, kind=cfg.kind, ticket_source=mapping.source, base_url=cfg.base_url,
                           stale_after=cfg.stale_after, mapping_sha256=digest, now=now, restart=restart)
    start = None if restart or state is None else state.cursor
    report.cursor_after = start
    since = source.rewind(start, cfg.overlap) if start else None
    try:
        for page in source.pages(since):
            _page(store, source, page, report, now=now, dry_run=dry_run, restart=restart, skip_bad_rows=skip_bad_rows)
            if progress is not None:
                progress(report.records, page.total)
        if not dry_run:
            assert store is not None
            with store.write() as w:
                state_db.succeeded(w, cfg.name, now, now)
    except SyncError as exc:
        report.requests = source.http.requests
        if not dry_run and store is not None:
            try:
                with store.write() as w:
                    state_db.failed(w, cfg.name, clean(str(exc), limit=500), now)
            except Exception:  # the database itself failing must not hide why the sync stopped
                pass
        exc.partial = report  # type: ignore[attr-defined]  # what was committed before it stopped
        raise
    finally:
        report.seconds = time.perf_counter() - started
    report.requests, report.waited = source.http.requests, source.http.waited
    return report


def _page(store: Store | None, source: Source, page: Page, report: SyncReport, *, now: int, dry_run: bool,
          restart: bool, skip_bad_rows: bool) -> None:
    cfg, mapping = source.config, source.mapping
    conn = store.conn if store is not None else None
    report.pages += 1
    report.records += len(page.items)
    unique = list({it.remote_id: it for it in page.items}.values())
    known = {} if (restart and dry_run) else state_db.versions(conn, cfg.name, (it.remote_id for it in unique))
    wanted = [it for it in unique if known.get(it.remote_id) != it.version]
    report.unchanged += len(unique) - len(wanted)
    report.rebuilt += len(wanted)
    histories: list[list[list[str]]] = [rows for _item, rows in source.histories(page, wanted)] if wanted else []
    first = report.imported.rows_read
    cursor = page.items[-1].updated
    for _attempt in range(2):
        part = ImportReport(file=cfg.name, preset=mapping.preset, source=mapping.source, dry_run=dry_run, unit="record")
        refs = [it.ref for it in wanted]
        groups, line = [], first
        for rows in histories:  # fresh records each attempt: the parser appends to a record's fields
            groups.append([Record(line + i, list(row)) for i, row in enumerate(rows, 1)])
            line += len(rows)
        if dry_run:
            sink = DrySink(conn, mapping, part, now, refs=refs)
            put_groups(groups, source.header, mapping, part, sink)
            break
        assert store is not None
        if not wanted and report.cursor_after is not None and cursor <= report.cursor_after:
            break  # nothing new and the cursor already past it: no write at all
        staging = StagingSink(store.conn, mapping, part, now, refs=refs) if wanted else None
        try:
            if staging is not None:
                put_groups(groups, source.header, mapping, part, staging)
            if part.rows_rejected and not skip_bad_rows:
                raise SyncRefused(f"{cfg.name}: {part.rows_rejected:,} record(s) of page {page.number} cannot be read with "
                                  "the mapping; nothing of that page was written and the cursor stays before it. Fix the "
                                  "mapping, or use --skip-bad-rows", part)
            with store.write() as w:
                if staging is not None:
                    part.tickets_changed = staging.commit(w)
                state_db.advance(w, cfg.name, cursor, [(it.remote_id, it.ref, it.version) for it in wanted], now)
                if wanted:
                    store.audit(w, "sync", "sync", cfg.name, None, part.summary() | {"page": page.number, "cursor": cursor})
            report.commits += 1
            break
        except Stale:
            continue  # another writer touched these tickets meanwhile: prepare the page again
        finally:
            if staging is not None:
                staging.close()
    else:
        raise SyncError(f"{cfg.name}: the database changed twice while page {page.number} was being prepared (another "
                        "import or sync of the same tickets?); what was committed stays, run again")
    report.merge(part)
    if report.cursor_after is None or cursor > report.cursor_after:
        report.cursor_after = cursor
