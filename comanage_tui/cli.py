"""The `comanage` command: parses arguments and calls into the package. No domain logic here."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from comanage_tui import __version__
from comanage_tui.locations import DB_ENV, default_db_path


class Ctx:
    """What every sub-command needs: where the database is, who is acting, and what moment it is.

    `as_of` (global `--as-of`) looks at a past or future moment read-only; `pinned_now`
    (global `--now`) pretends it is that moment in a normal session, for demos, training and
    tests. Both are epoch seconds or None (the wall clock).
    """

    def __init__(self, db: Path, actor: str | None, read_only: bool, shared: bool,
                 as_of: int | None = None, pinned_now: int | None = None):
        self.db, self.actor, self.shared = db, actor, shared
        self.as_of, self.pinned_now = as_of, pinned_now
        # Looking at another moment is viewing: nothing may be written as of a moment that is not now.
        self.read_only = read_only or as_of is not None

    @property
    def moment(self) -> int | None:
        """The moment fixed on the command line (`--as-of` or `--now`), or None to follow the clock."""
        return self.as_of if self.as_of is not None else self.pinned_now

    def now(self, own: str | None = None, param: str = "--as-of") -> int:
        """The moment a command computes at: its own option, else the global one, else the wall clock.

        The one place the command line reads the wall clock; everything below takes `now`.
        """
        import time

        explicit = parse_instant(own, param)
        if explicit is not None:
            return explicit
        return self.moment if self.moment is not None else int(time.time())

    def store(self, *, create: bool = False, read_only: bool | None = None):  # noqa: ANN201 - Store
        """Open the Store, turning any ComanageError into a one-line message and exit code 1."""
        from comanage_tui.data.errors import ComanageError
        from comanage_tui.data.store import Store

        extra = {}
        if self.pinned_now is not None:
            pinned = self.pinned_now
            extra["clock"] = lambda: pinned  # changes are stamped with the pretended moment
        try:
            return Store(self.db, actor=self.actor, create=create, shared=self.shared,
                         read_only=self.read_only if read_only is None else read_only, **extra)
        except ComanageError as exc:
            fail(str(exc))


def run() -> None:
    """Console-script entry: `main`, with OS and SQLite failures reported in one line, not a traceback."""
    import sqlite3

    try:
        main()
    except sqlite3.Error as exc:
        fail(f"database error: {exc}")
    except OSError as exc:
        fail(f"{exc.filename or 'file'}: {exc.strerror or exc}")


def fail(message: str, code: int = 1) -> None:
    click.echo(f"comanage: {message}", err=True)
    sys.exit(code)


def parse_instant(value: str | None, param: str) -> int | None:
    """ISO-8601 with an offset (or `Z`) into epoch seconds; naive times are refused, not guessed."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO-8601 date-time such as 2026-11-23T08:00:00+01:00", param_hint=param) from None
    if when.tzinfo is None:
        raise click.BadParameter(f"'{value}' has no UTC offset; add one, e.g. +00:00 or Z", param_hint=param)
    return int(when.timestamp())


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


def run_dashboard(c: Ctx, now: int | None = None) -> None:
    """Open the dashboard; `now` (else the global --as-of/--now) pins the moment it shows."""
    if not c.db.exists():
        fail(f"no database at {c.db}; create the demo with 'comanage demo' or an empty one with 'comanage init'")
    store = c.store()
    from comanage_tui.app import ComanageApp

    try:
        ComanageApp(store, now=now if now is not None else c.moment, as_of=c.as_of is not None).run()
    finally:
        store.close()


@main.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same organisation and tickets.")
@click.option("--tickets", type=click.IntRange(0, 2_000_000), default=400, show_default=True, help="How many tickets to generate.")
@click.option("--now", "now_text", metavar="ISO", default=None, help="Pretend it is this moment (demo history ends here). Default: now.")
@click.option("--force", is_flag=True, help="Replace an existing database at the path (it is deleted first).")
@click.option("--open", "open_after", is_flag=True, help="Open the dashboard on the demo afterwards.")
@click.pass_obj
def demo(c: Ctx, seed: int, tickets: int, now_text: str | None, force: bool, open_after: bool) -> None:
    """Create a demo database: an internal team, an MSP and a security firm, with history.

    Refuses to touch an existing database unless --force is given.
    """
    import time

    from comanage_tui.data.demo import DemoOptions, write_demo_file
    from comanage_tui.data.errors import ComanageError

    now = c.now(now_text, "--now")
    started = time.perf_counter()
    try:
        summary = write_demo_file(c.db, DemoOptions(seed=seed, tickets=tickets, now=now), replace=force,
                                  shared=c.shared, actor=c.actor)
    except ComanageError as exc:
        fail(str(exc))
    took = time.perf_counter() - started
    click.echo(f"Demo database written to {c.db} in {took:.1f}s: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
    if open_after:
        # A demo written as of a given moment opens at that moment, so its story reads as written.
        run_dashboard(c, now=now if (now_text is not None or c.moment is not None) else None)


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
    from comanage_tui.data.db import applied_migrations
    from comanage_tui.data.text import clean
    from comanage_tui.locations import export_dir

    store = c.store()
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


@sla.command("load")
@click.argument("config", type=click.File("r", encoding="utf-8"))
@click.pass_obj
def sla_load(c: Ctx, config) -> None:  # noqa: ANN001 - click file
    """Apply a TOML file of [[calendar]] and [[policy]] tables (policies replace the list)."""
    from comanage_tui.data.errors import ComanageError

    store = c.store()
    try:
        ncal, npol = store.sla.load_toml(config.read())
    except ComanageError as exc:
        fail(f"{config.name}: {exc}; nothing was changed")
    finally:
        store.close()
    click.echo(f"Loaded {ncal} calendar(s) and {npol} policy(ies); every clock is recomputed from now on.")


@main.command()
@click.argument("ref")
@click.option("--as-of", "as_of", metavar="ISO", default=None, help="Explain the clocks as they stood at this moment.")
@click.pass_obj
def explain(c: Ctx, ref: str, as_of: str | None) -> None:
    """Print a ticket's SLA timeline: segments, pauses, who held it, policy and calendar."""
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.ticket_view import explain_ticket

    now = c.now(as_of)
    store = c.store(read_only=True)
    try:
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
        written = backup(c.db, dest)
    except ComanageError as exc:
        fail(str(exc))
    click.echo(f"Backup written to {written}")


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


from comanage_tui.cli_snapshot import check_cmd, snapshot_cmd  # noqa: E402

main.add_command(snapshot_cmd)
main.add_command(check_cmd)
from comanage_tui.cli_import import import_cmd, import_verdicts_cmd  # noqa: E402

main.add_command(import_cmd)
main.add_command(import_verdicts_cmd)
from comanage_tui.cli_org import org_group  # noqa: E402

main.add_command(org_group)
