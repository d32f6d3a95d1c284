"""`comanage import` and `comanage import-verdicts`: argument parsing around data.importer and data.verdicts.

Loaded by cli.py when one of the two is asked for (cli.SUBCOMMANDS); `import` is marked a writer here.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from comanage_tui.cli_common import fail, refresh_stops_cache, writes_database

if TYPE_CHECKING:
    from comanage_tui.cli_common import Ctx


def _progress_bar(path: Path, shown: str):  # (callback, bar) or (None, None)
    """A progress bar on stderr when a person is watching; nothing under cron or in a pipe."""
    if not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=max(path.stat().st_size, 1), label=f"Importing {shown}", file=sys.stderr,
                            show_eta=True, show_percent=True, width=30)
    bar.__enter__()
    seen = [0]

    def update(done: int, total: int) -> None:
        bar.update(max(done - seen[0], 0))
        seen[0] = max(done, seen[0])

    return update, bar


@contextlib.contextmanager
def _regular_file(file: Path) -> Iterator[tuple[Path, str]]:
    """(a regular file to import, its name for messages): the file itself, or a private copy of a
    pipe, a /dev/fd path (`import <(zcat …)`) or of stdin (`-`); the import reads a file twice
    when a ticket's rows are split, which a pipe cannot do.
    """
    from comanage_tui.data.importing.reader import MAX_EXPANDED_BYTES

    if str(file) != "-" and file.is_file():
        yield file, file.name
        return
    with tempfile.TemporaryDirectory(prefix="comanage-import-") as tmp:  # a folder only this user can read
        copy = Path(tmp) / "input"
        src = click.get_binary_stream("stdin") if str(file) == "-" else open(file, "rb")  # closed below
        copied = 0
        try:
            with open(copy, "xb") as out:
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    if copied > MAX_EXPANDED_BYTES:
                        fail(f"the input is longer than {MAX_EXPANDED_BYTES >> 30} GiB (the limit); nothing was imported")
                    out.write(chunk)
        finally:
            if str(file) != "-":
                src.close()
        yield copy, "stdin" if str(file) == "-" else file.name


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--preset", type=click.Choice(["servicenow", "jira", "generic"]), default=None,
              help="Column names and value labels of a known export. Default: the mapping's `preset`, else generic.")
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TOML mapping: parties per group, states, priorities, areas, columns (docs/IMPORT.md).")
@click.option("--tz", metavar="ZONE", default=None, help="Time zone of dates without one, e.g. Europe/Lisbon (overrides the mapping).")
@click.option("--dry-run", is_flag=True, help="Read and check everything, print the report, change nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the readable rows and write the rejected ones to the report file.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the full report here (JSON if the name ends in .json, else text).")
@click.option("-v", "--verbose", is_flag=True, help="Print the summary even when output is not a terminal.")
@click.pass_obj
def import_cmd(c: Ctx, file: Path, preset: str | None, mapping_path: Path | None, tz: str | None, dry_run: bool,
               skip_bad_rows: bool, report_path: Path | None, verbose: bool) -> None:
    """Import tickets from a PSA/ITSM CSV export (.csv or .csv.gz), all or nothing.

    Tickets are matched by reference: a later export updates them in place and
    re-importing a file changes nothing. Rows that cannot be read refuse the whole
    import (exit 1, database unchanged) unless --skip-bad-rows is given. FILE may be
    `-` (standard input) or a pipe such as <(zcat export.csv.gz).
    """
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.importing.importer import import_file
    from comanage_tui.data.importing.mapping import load_mapping
    from comanage_tui.data.text import clean

    try:
        mapping = load_mapping(mapping_path, preset=preset, timezone=tz)
    except ComanageError as exc:
        fail(clean(exc, limit=1000))
    # No database is created before the import is known to be written (see import_file).
    store = c.store(read_only=True if dry_run else None) if c.db.exists() else None
    with _regular_file(file) as (path, name):
        shown = clean(name, limit=200)
        update, bar = _progress_bar(path, shown)
        try:
            report = import_file(store, path, mapping, dry_run=dry_run, skip_bad_rows=skip_bad_rows, progress=update,
                                 name=name, create_store=None if dry_run else (lambda: c.store(create=True)))
        except ComanageError as exc:
            fail(clean(f"{shown}: {exc}; nothing was imported", limit=2000))
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
            if store is not None:
                store.close()
    if not dry_run and not report.refused:
        refresh_stops_cache(c)
    if report_path is None and skip_bad_rows and report.rows_rejected and not dry_run:
        report_path = Path.cwd() / f"{name}.import-report.txt"
    where_shown = clean(report_path, limit=300)
    if report_path is not None:
        try:
            from comanage_tui.data.safe_files import file_mode

            report.write(report_path, mode=file_mode(c.shared))
        except OSError as exc:
            fail(f"cannot write the report to {where_shown}: {exc.strerror}")
    interactive = sys.stdout.isatty() or verbose
    if report.refused:
        click.echo(report.format_text(), err=True, nl=False)
        where = f"full list in {where_shown}" if report_path else "--report PATH lists them all"
        fail(f"{report.rows_rejected:,} row(s) of {shown} cannot be read; nothing was imported. "
             f"Fix them, or use --skip-bad-rows to import the rest ({where})")
    if dry_run or interactive or report.rows_rejected:
        click.echo(report.format_text(), nl=False)
    if report_path is not None and (interactive or report.rows_rejected):
        click.echo(f"Report written to {where_shown}", err=True)
    if dry_run and report.rows_rejected and not skip_bad_rows:
        sys.exit(1)  # a real import would be refused: let scripts see that


@click.command("import-verdicts")
@click.option("--source", default=None, help="Only tickets imported from this source (e.g. servicenow).")
@click.option("--clock", type=click.Choice(["resolution", "response"]), default="resolution", show_default=True)
@click.option("--as-of", "as_of", metavar="ISO", default=None, help="Compute clocks at this instant (default: now).")
@click.option("--list", "list_limit", type=click.IntRange(0, 100_000), default=20, show_default=True,
              help="How many disagreements to list.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def import_verdicts_cmd(c: Ctx, source: str | None, clock: str, as_of: str | None, list_limit: int, as_json: bool) -> None:
    """Compare the source system's SLA verdicts (met/missed) with comanage's, per priority.

    Uses the stored calendars and policies; only imported tickets whose export said
    whether the SLA was made take part.
    """
    from comanage_tui.data.importing.verdicts import compare_verdicts

    now = c.now(as_of)
    store = c.store()
    try:
        report = compare_verdicts(store, now=now, clock=clock, source=source, keep=max(list_limit, 1))
    finally:
        store.close()
    if not report.by_priority:
        fail("no imported ticket carries the source's SLA verdict (tickets.source_sla_met); import an export with one first")
    if as_json:
        rows = [{"priority": r.priority, "compared": r.compared, "agree": r.agree, "percent": r.percent,
                 "both_met": r.both_met, "both_missed": r.both_missed, "only_source_met": r.only_source_met,
                 "only_comanage_met": r.only_comanage_met, "open": r.open, "no_policy": r.no_policy}
                for r in [*report.by_priority, report.total]]
        dis = [{"ref": d.ref, "priority": d.priority, "source_met": d.source_met, "comanage_met": d.comanage_met,
                "elapsed_minutes": round(d.elapsed_minutes, 1), "target_minutes": d.target_minutes, "policy": d.policy}
               for d in report.disagreements[:list_limit]]
        click.echo(json.dumps({"clock": clock, "now": now, "rows": rows, "disagreements": dis,
                               "disagreements_total": report.disagreements_total}, indent=2))
        return
    click.echo(report.format_text(list_limit=list_limit), nl=False)


writes_database(import_cmd, unless="dry_run")
