"""The `comanage` command: parses arguments and calls into the package. No domain logic here."""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path

import click

from comanage_tui import __version__
from comanage_tui.cli_common import Ctx, fail, parse_instant, refresh_stops_cache, unchanged, writes_database
from comanage_tui.locations import DB_ENV, default_db_path

SUBCOMMANDS = {
    "cache": ("comanage_tui.cli_cache", "cache_group"),
    "check": ("comanage_tui.cli_snapshot", "check_cmd"),
    "import": ("comanage_tui.cli_import", "import_cmd"),
    "import-verdicts": ("comanage_tui.cli_import", "import_verdicts_cmd"),
    "log": ("comanage_tui.cli_log", "log_cmd"),
    "org": ("comanage_tui.cli_org", "org_group"),
    "review": ("comanage_tui.cli_review", "review_cmd"),
    "scorecard": ("comanage_tui.cli_scorecard", "scorecard_cmd"),
    "snapshot": ("comanage_tui.cli_snapshot", "snapshot_cmd"),
    "sync": ("comanage_tui.cli_sync", "sync_cmd"),
}
"""The commands kept in their own modules: name -> (module, attribute), imported when first asked for.

Opening the dashboard (no sub-command) then never imports them; each module marks its own
writers (`writes_database`), so a command is the same object however it is reached.
"""


def run() -> None:
    """Console-script entry: `main`, with OS and SQLite failures reported in one line, not a traceback."""
    import sqlite3

    from comanage_tui.data.db_errors import describe

    try:
        main()
    except (sqlite3.Error, OSError) as exc:
        # Rights, read-only media, a full disk or a lock: say which, and which file; never "damaged".
        found = describe(Ctx.last_db or Path("."), exc)
        fail(str(found) if found else f"database error: {exc}")


class _Main(click.Group):
    """The top-level group; a usage error in its own options (a folder as --db, a mistyped option)
    meant for `check` exits 3 (UNKNOWN) with one line, as every failure of the probe does.

    The commands of SUBCOMMANDS are listed with the others and loaded on first use (click's
    lazy sub-command pattern): help, completion and `get_command` see every command.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in SUBCOMMANDS:
            module, attribute = SUBCOMMANDS[cmd_name]
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]):  # click's signature
        if args and args[0] not in self.commands and args[0] not in SUBCOMMANDS:
            for name in SUBCOMMANDS:  # a mistyped name: click suggests from the loaded commands
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def make_context(self, info_name, args, parent=None, **extra):  # click's signature
        is_check = "check" in args
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            if not is_check:
                raise
            from comanage_tui.data.text import clean

            click.echo(f"COMANAGE UNKNOWN - {clean(exc.format_message())}")
            sys.exit(3)


@click.group(cls=_Main, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), envvar=DB_ENV, default=None,
              help=f"Database file. Default: ${DB_ENV}, else the user data directory.")
@click.option("--as", "actor", metavar="NAME", default=None, help="Name written to the audit log (default: the OS user).")
@click.option("--read-only", is_flag=True, help="Open for viewing only: no change can be saved.")
@click.option("--shared", is_flag=True, envvar="COMANAGE_SHARED",
              help="Create new database files group-writable (0660) for a team sharing one jump box; default 0600.")
@click.option("--as-of", "as_of_text", metavar="ISO", default=None,
              help="Show every figure as it stood at this moment (e.g. 2026-11-23T08:30:00Z); implies --read-only. "
                   "Sub-commands with their own --as-of/--now use it unless they are given theirs.")
@click.option("--now", "now_text", metavar="ISO", default=None,
              help="Pretend it is this moment in a normal session (demos, training, tests): clocks are computed "
                   "and changes are stamped as of then.")
@click.version_option(__version__, prog_name="comanage")
@click.pass_context
def main(ctx: click.Context, db: Path | None, actor: str | None, read_only: bool, shared: bool,
         as_of_text: str | None, now_text: str | None) -> None:
    """comanage: the morning dashboard for co-managed IT.

    Without a sub-command, opens the dashboard on the database.
    """
    if as_of_text is not None and now_text is not None:
        raise click.UsageError("give either --as-of (look at a moment, read-only) or --now (pretend it is that moment), not both")
    ctx.obj = Ctx(db or default_db_path(), actor, read_only, shared,
                  as_of=parse_instant(as_of_text, "--as-of"), pinned_now=parse_instant(now_text, "--now"))
    if ctx.invoked_subcommand is None:
        run_dashboard(ctx.obj)


def need_terminal() -> None:
    """The dashboard needs a terminal on both ends; without one Textual would spin at full CPU forever."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail("no terminal; did you mean a subcommand? (see comanage --help)", 2)


def run_dashboard(c: Ctx, now: int | None = None) -> None:
    """Open the dashboard; `now` (else the global --as-of/--now) pins the moment it shows."""
    need_terminal()
    if not c.db.exists():
        fail(f"no database at {c.db}; create the demo with 'comanage demo' or an empty one with 'comanage init'")
    store = c.store()
    from comanage_tui.app import ComanageApp

    try:
        ComanageApp(store, now=now if now is not None else c.moment, as_of=c.as_of is not None).run()
    finally:
        store.close()


@writes_database
@main.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same organisation and tickets.")
@click.option("--tickets", type=click.IntRange(0, 2_000_000), default=400, show_default=True, help="How many tickets to generate.")
@click.option("--weeks", type=click.IntRange(1, 520), default=None,
              help="Spread the history over this many weeks (seasonal weekly volume, slow growth). Default: the last 90 days.")
@click.option("--now", "now_text", metavar="ISO", default=None, help="Pretend it is this moment (demo history ends here). Default: now.")
@click.option("--force", is_flag=True, help="Replace an existing database at the path (it is deleted first).")
@click.option("--open", "open_after", is_flag=True, help="Open the dashboard on the demo afterwards.")
@click.pass_obj
def demo(c: Ctx, seed: int, tickets: int, weeks: int | None, now_text: str | None, force: bool, open_after: bool) -> None:
    """Create a demo database: an internal team, an MSP and a security firm, with history.

    Refuses to touch an existing database unless --force is given.
    """
    import time

    from comanage_tui.data.demo import DemoOptions, write_demo_file
    from comanage_tui.data.errors import ComanageError

    now = c.now(now_text, "--now")
    if open_after:
        need_terminal()  # before the demo is written, not after
    started = time.perf_counter()
    try:
        summary = write_demo_file(c.db, DemoOptions(seed=seed, tickets=tickets, now=now, weeks=weeks), replace=force,
                                  shared=c.shared, actor=c.actor)
    except ComanageError as exc:
        fail(str(exc))
    took = time.perf_counter() - started
    click.echo(f"Demo database written to {c.db} in {took:.1f}s: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
    if open_after:
        # A demo written as of a given moment opens at that moment, so its story reads as written.
        run_dashboard(c, now=now if (now_text is not None or c.moment is not None) else None)


@writes_database
@main.command()
@click.pass_obj
def init(c: Ctx) -> None:
    """Create an empty database (schema only) at the path."""
    if c.db.exists():
        fail(f"{c.db} already exists")
    c.store(create=True).close()
    click.echo(f"Empty database created at {c.db}")


@main.command()
@click.pass_obj
def info(c: Ctx) -> None:
    """Where the database is, its schema version and how much is in it."""
    from comanage_tui.config import export_dir
    from comanage_tui.data.db import applied_migrations
    from comanage_tui.data.text import clean

    store = c.store(read_only=True)  # describing a file (a backup, say) never rolls back or migrates it
    try:
        click.echo(f"database: {c.db}")
        click.echo(f"exports:  {clean(str(export_dir()))} (default folder for snapshots)")
        click.echo(f"schema:   {applied_migrations(store.conn)[-1]}")
        for table, n in store.counts().items():
            click.echo(f"{table:<14}{n:>10,}")
    finally:
        store.close()


@main.group()
def sla() -> None:
    """Business calendars and SLA policies (edited as a TOML file)."""


@sla.command("show")
@click.pass_obj
def sla_show(c: Ctx) -> None:
    """Print the calendars and the ordered policy list as TOML."""
    store = c.store()
    try:
        click.echo(store.sla.dump_toml(), nl=False)
    finally:
        store.close()


@writes_database
@sla.command("load")
@click.argument("config", type=click.File("rb"))
@click.pass_obj
def sla_load(c: Ctx, config) -> None:  # click file
    """Apply a TOML file of [[calendar]], [[policy]] and [[ola]] tables (policies and OLAs replace their lists)."""
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.text import clean

    name = clean(getattr(config, "name", "FILE"))
    try:
        text = config.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{name}: not UTF-8 text (byte {exc.start}); nothing was changed")
    store = c.store()
    try:
        ncal, npol = store.sla.load_toml(text)
        nola = len(store.sla.olas())
    except ComanageError as exc:
        fail(unchanged(f"{name}: {clean(str(exc))}"))
    finally:
        store.close()
    refresh_stops_cache(c)  # the cache was computed with the old policies: recompute it now, not at the next dashboard
    click.echo(f"Loaded {ncal} calendar(s) and {npol} policy(ies); {nola} OLA(s) in force; "
               "every clock is recomputed from now on.")


@main.command()
@click.argument("ref")
@click.option("--as-of", "as_of", metavar="ISO", default=None, help="Explain the clocks as they stood at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts (fields in docs/FIGURES.md).")
@click.pass_obj
def explain(c: Ctx, ref: str, as_of: str | None, as_json: bool) -> None:
    """Print a ticket's SLA timeline: segments, pauses, priority changes, who held it, policy and calendar."""
    import json

    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.readmodel.ticket_view import explain_ticket, explain_ticket_data

    now = c.now(as_of)
    store = c.store(read_only=True)
    try:
        if as_json:
            click.echo(json.dumps(explain_ticket_data(store, ref, now), sort_keys=True))
        else:
            click.echo(explain_ticket(store, ref, now))
    except ComanageError as exc:
        fail(str(exc))
    finally:
        store.close()


@main.command("backup")
@click.argument("dest", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup_cmd(c: Ctx, dest: Path | None) -> None:
    """Copy the database safely while others use it (default: next to it, dated)."""
    from comanage_tui.data.backup import backup
    from comanage_tui.data.errors import ComanageError

    try:
        written = backup(c.db, dest, shared=c.shared)
    except ComanageError as exc:
        fail(str(exc))
    click.echo(f"Backup written to {written}")


@writes_database
@main.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_cmd(c: Ctx, source: Path, yes: bool) -> None:
    """Replace the database with a backup, after checking the backup's integrity."""
    from comanage_tui.data.backup import restore, verify
    from comanage_tui.data.errors import ComanageError

    try:
        verify(source)
        if not yes and not click.confirm(f"Replace {c.db} with {source}? (the current one is kept as a copy)"):
            fail("nothing was changed")
        safety = restore(source, c.db)
    except ComanageError as exc:
        fail(str(exc))
    click.echo(f"Restored {c.db} from {source}" + (f"; the previous database is kept as {safety}" if safety else ""))

