"""`comanage snapshot` and `comanage check`: argument parsing only; the work is in comanage_tui.data.

Imports of the data layer stay inside the commands so `comanage --help` and `comanage
check` pay only for what they use (check never loads the Store, let alone Textual).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from comanage_tui.cli_common import Ctx, fail

UNKNOWN = 3  # Nagios: the check itself could not run


@click.command("snapshot")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "csv"]), default="md", show_default=True,
              help="Markdown for mail/chat, one self-contained HTML page, JSON data, or CSV tables.")
@click.option("--out", "out", metavar="PATH|-", default=None,
              help="Where to write; '-' or omitted: standard output. CSV needs a directory or a path ending in .zip.")
@click.option("--as-of", "as_of", metavar="ISO", default=None,
              help="Describe this moment (e.g. 2026-11-23T08:30:00Z) instead of now; same database + same --as-of = same bytes.")
@click.option("--since", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="PREV.json",
              help="A previous JSON snapshot: add what changed since then.")
@click.option("--party", metavar="KEY", default=None, help="Only what concerns this party (e.g. to send the MSP its view).")
@click.option("--include-notes", is_flag=True, help="Include private notes (ticket notes, KT notes, handoff context).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the JSON format and exit.")
@click.pass_obj
def snapshot_cmd(c: Ctx, fmt: str, out: str | None, as_of: str | None, since: Path | None, party: str | None,
                 include_notes: bool, schema: bool) -> None:
    """Export a status snapshot: KPIs, SLA compliance, breaches, handoffs, RACI, knowledge transfer."""
    if schema:
        from comanage_tui.data.snapshot.model import json_schema_text

        click.get_binary_stream("stdout").write(json_schema_text().encode("utf-8"))
        return
    to_stdout = out in (None, "-")
    if fmt == "csv" and to_stdout:
        raise click.BadParameter("CSV is one file per table: give a directory, or a path ending in .zip", param_hint="--out")
    now = c.now(as_of)  # the only clock read: everything below takes `now`
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
    from comanage_tui.data.snapshot.delta import load_previous
    from comanage_tui.data.snapshot.write import render_text, write_snapshot
    from comanage_tui.data.text import clean
    from comanage_tui.data.timerange import RANGE_TEXT, refs_with_invalid_dates

    c.require_db()
    try:
        previous = load_previous(since) if since is not None else None
    except ComanageError as exc:
        fail(clean(str(exc)))
    except (RecursionError, MemoryError):  # a hostile file nested 200,000 deep, or far too big
        fail(f"--since: {clean(since)} is nested too deeply or too large to be a comanage snapshot")
    store = c.store(read_only=True)
    try:
        snap = build_snapshot(store, SnapshotOptions(as_of=now, party=party, include_notes=include_notes, since=previous))
        with store.lock:
            invalid, refs = refs_with_invalid_dates(store.conn)
    except ComanageError as exc:
        fail(str(exc))
    finally:
        store.close()
    if invalid:  # left out of every figure (their clocks cannot be computed): say so, once
        click.echo(f"comanage: warning: {invalid} ticket(s) or handoff(s) left out, a stored time lies outside {RANGE_TEXT}: "
                   + ", ".join(clean(r) for r in refs) + (" …" if invalid > len(refs) else ""), err=True)
    if to_stdout:
        click.get_binary_stream("stdout").write(render_text(snap, fmt).encode("utf-8"))
        return
    try:
        from comanage_tui.data.safe_files import file_mode

        written = write_snapshot(snap, fmt, Path(out), mode=file_mode(c.shared))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"Snapshot written to {written}", err=True)


class _MonitoringCommand(click.Command):
    """A command whose every failure, even a mistyped option, exits UNKNOWN (3), never 1 or 2.

    Monitoring systems read exit 2 as CRITICAL and 1 as WARNING: a broken probe must not page
    anyone as if the service were down.
    """

    def make_context(self, info_name, args, parent=None, **extra):  # click's signature
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            from comanage_tui.data.text import clean

            click.echo(f"COMANAGE UNKNOWN - {clean(exc.format_message())}")
            sys.exit(UNKNOWN)


@click.command("check", cls=_MonitoringCommand)
@click.option("--warn-at-risk", is_flag=True, help="Also WARN (exit 1) when a clock is at risk.")
@click.option("--warn-uncovered", is_flag=True, help="Also WARN (exit 1) when an open ticket has no SLA policy (so no clocks).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object instead of the Nagios line.")
@click.option("--as-of", "as_of", metavar="ISO", default=None, help="Evaluate this moment instead of now.")
@click.pass_obj
def check_cmd(c: Ctx, warn_at_risk: bool, warn_uncovered: bool, as_json: bool, as_of: str | None) -> None:
    """Health check for cron and monitoring: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

    CRITICAL when an SLA clock is breached; WARNING when a handoff waits past its
    acknowledgement target (or, with --warn-at-risk, a clock is at risk; with --warn-uncovered,
    an open ticket has no SLA policy), or a synced source's last successful sync is older
    than its stale_after; UNKNOWN when the database is missing or unreadable.
    """
    try:
        from comanage_tui.data.readmodel.check import format_line, run_check, to_json

        try:
            now = c.now(as_of)
        except click.BadParameter as exc:
            click.echo(f"COMANAGE UNKNOWN - {exc.format_message()}")
            sys.exit(UNKNOWN)
        result = run_check(c.db, now, warn_at_risk=warn_at_risk, held=as_json, warn_uncovered=warn_uncovered)
        click.echo(to_json(result) if as_json else format_line(result, warn_at_risk=warn_at_risk))
    except Exception as exc:  # whatever broke, the probe reports UNKNOWN rather than a traceback
        from comanage_tui.data.text import clean

        click.echo(f"COMANAGE UNKNOWN - internal error: {type(exc).__name__}: {clean(str(exc))}")
        sys.exit(UNKNOWN)
    sys.exit(result.code)
