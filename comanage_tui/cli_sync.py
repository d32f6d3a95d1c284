"""`comanage sync`: argument parsing around data.sync (sources, credentials, the run, its report).

Loaded by cli.py when `sync` is asked for (cli.SUBCOMMANDS); marked a writer here unless --dry-run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from comanage_tui.cli_common import fail, refresh_stops_cache, writes_database

if TYPE_CHECKING:
    from comanage_tui.cli_common import Ctx


def source_files(name: str | None) -> list[Path]:
    """The source files to sync: SOURCE as a file, as a name in the sources folder, or every file there."""
    from comanage_tui.data.text import clean
    from comanage_tui.locations import sources_dir

    folder = sources_dir()
    if name is not None and (name.endswith(".toml") or "/" in name):
        path = Path(name).expanduser()
        if not path.is_file():
            fail(f"no source file {clean(path, limit=300)}")
        return [path]
    known = sorted(folder.glob("*.toml"), key=lambda p: p.stem) if folder.is_dir() else []
    if name is None:
        if not known:
            fail(f"no sources configured: {clean(folder, limit=300)} holds no NAME.toml (see examples/sync-servicenow.toml, "
                 "or give a file: comanage sync path/to/source.toml)")
        return known
    path = folder / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(p.stem for p in known) or "none"
        fail(f"no source '{clean(name, limit=80)}' in {clean(folder, limit=300)} (configured: {clean(names, limit=300)})")
    return [path]


class _Progress:
    """A bar on stderr when a person is watching (records pulled of the total, when the API says it); nothing otherwise."""

    def __init__(self, name: str):
        self.name, self.bar, self.seen = name, None, 0

    def __call__(self, done: int, total: int | None) -> None:
        if total and self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=f"Syncing {self.name}", file=sys.stderr,
                                         show_eta=True, show_percent=True, width=30)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(max(done - self.seen, 0))
        else:
            click.echo(f"\rSyncing {self.name}: {done:,} records", err=True, nl=False)
        self.seen = max(done, self.seen)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        elif self.seen:
            click.echo("", err=True)


@click.command("sync")
@click.argument("source", required=False)
@click.option("--dry-run", is_flag=True, help="Read the API and the database, print what would be written, write nothing.")
@click.option("--full", is_flag=True, help="Start from the beginning and rewrite every record (not only what changed).")
@click.option("--skip-bad-rows", is_flag=True, help="Write the readable records of a page whose other records the mapping "
                                                    "cannot read (they are listed); default: refuse that page.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the full report of the last source here (JSON if the name ends in .json, else text).")
@click.option("-v", "--verbose", is_flag=True, help="Print the summary even when output is not a terminal.")
@click.pass_obj
def sync_cmd(c: Ctx, source: str | None, dry_run: bool, full: bool, skip_bad_rows: bool, report_path: Path | None,
             verbose: bool) -> None:
    """Pull tickets from the PSA/ITSM APIs configured as sources (ServiceNow, Jira Service Management).

    SOURCE is a name in the sources folder ($COMANAGE_SOURCES, else the user config
    folder's sources/), or a source file; without it every configured source is synced.
    Each run reads only what changed since the last one and commits page by page; a run
    that stops (killed, network, budget) leaves everything it committed, and the next
    run goes on from there. Exit 1 when any source failed.
    """
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.sync.config import load_source
    from comanage_tui.data.sync.credentials import credentials
    from comanage_tui.data.sync.engine import SyncRefused, run_sync
    from comanage_tui.data.sync.http import HttpClient
    from comanage_tui.data.sync.kinds import build_source
    from comanage_tui.data.text import clean

    files = source_files(source)
    now = c.now()  # the one clock read: stamps the attempt, the success and data_as_of
    failures = 0
    interactive = sys.stdout.isatty() or verbose
    for path in files:
        report = None
        try:
            config, mapping = load_source(path)
            creds = credentials(config.auth, config.name)
            store = None
            if not dry_run:
                store = c.store(create=True)
            elif c.db.exists():
                store = c.store(read_only=True)
            progress = _Progress(config.name) if sys.stderr.isatty() else None
            try:
                with HttpClient(config, creds.httpx_auth(), hint=creds.where) as http:
                    src = build_source(config, http, mapping)
                    report = run_sync(store, src, now=now, full=full, dry_run=dry_run, skip_bad_rows=skip_bad_rows,
                                      progress=progress)
            finally:
                if progress is not None:
                    progress.close()
                if store is not None:
                    store.close()
        except SyncRefused as exc:
            failures += 1
            click.echo(exc.report.format_text(), err=True, nl=False)
            click.echo(f"comanage: {clean(exc, limit=2000)}", err=True)
            continue
        except ComanageError as exc:
            failures += 1
            partial = getattr(exc, "partial", None)
            after = ""
            if partial is not None and not partial.dry_run and partial.commits:
                after = (f"; {partial.commits} page(s) were committed before it stopped (cursor {partial.cursor_after}), "
                         "the next run goes on from there")
            click.echo(f"comanage: {clean(exc, limit=2000)}{after}", err=True)
            continue
        if dry_run or interactive or report.imported.rows_rejected:
            click.echo(report.format_text(), nl=False)
        if report_path is not None:
            _write_report(c, report, report_path)
    if not dry_run and failures < len(files):
        refresh_stops_cache(c)
    if failures:
        sys.exit(1)


def _write_report(c: Ctx, report, path: Path) -> None:  # a SyncReport
    from comanage_tui.data.safe_files import file_mode, write_file
    from comanage_tui.data.text import clean

    text = report.to_json() if path.suffix.lower() == ".json" else report.format_text()
    try:
        write_file(path, text.encode("utf-8"), mode=file_mode(c.shared))
    except OSError as exc:
        fail(f"cannot write the report to {clean(path, limit=300)}: {exc.strerror}")


writes_database(sync_cmd, unless="dry_run")
