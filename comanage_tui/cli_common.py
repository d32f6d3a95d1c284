"""What every `comanage` sub-command shares: the context (database, actor, moment), failing in one line, --read-only."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path

import click


class Ctx:
    """What every sub-command needs: where the database is, who is acting, and what moment it is.

    `as_of` (global `--as-of`) looks at a past or future moment read-only; `pinned_now`
    (global `--now`) pretends it is that moment in a normal session, for demos, training and
    tests. Both are epoch seconds or None (the wall clock).
    """

    last_db: Path | None = None  # for `run()`, which reports errors after the context is gone

    def __init__(self, db: Path, actor: str | None, read_only: bool, shared: bool,
                 as_of: int | None = None, pinned_now: int | None = None):
        self.db, self.actor, self.shared = db, actor, shared
        Ctx.last_db = db
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

    def require_db(self) -> None:
        """Stop with one line when the database file does not exist (commands that only read it)."""
        if not self.db.exists():
            fail(f"no database at {self.db}; create the demo with 'comanage demo' or point --db at yours")

    def store(self, *, create: bool = False, read_only: bool | None = None):  # returns a Store (imported when used)
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


def fail(message: str, code: int = 1) -> None:
    click.echo(f"comanage: {message}", err=True)
    sys.exit(code)


def writes_database(command: click.Command, *, unless: str | None = None) -> click.Command:
    """Mark `command` as one that changes or replaces the database: under --read-only it is refused.

    The one place --read-only is enforced for whole commands (the Store refuses single writes
    too, but `restore` and `demo` replace the file without one). `unless` names a flag (e.g.
    `dry_run`) that makes the command a pure reader. tests/cli/test_read_only.py walks every
    registered command, so a new writer left unmarked fails the suite.
    """
    inner = command.callback

    @functools.wraps(inner)
    def guarded(*args, **kwargs):  # click passes the parsed options through
        ctx = click.get_current_context()
        c = ctx.find_object(Ctx)
        if c is not None and c.read_only and not (unless and kwargs.get(unless)):
            from comanage_tui.data.text import clean

            why = "--as-of (a fixed moment is read-only)" if c.as_of is not None else "--read-only"
            fail(f"{why}: '{ctx.command_path}' would change {clean(c.db)}; nothing was done")
        return inner(*args, **kwargs)

    command.callback = guarded
    command.writes_database = True
    return command


def unchanged(message: str) -> str:
    """`message` ending with "nothing was changed", said once even when the cause already said it."""
    return message if message.endswith(("nothing was changed", "nothing was saved", "nothing was done")) \
        else f"{message}; nothing was changed"


def parse_instant(value: str | None, param: str) -> int | None:
    """ISO-8601 with an offset (or `Z`) into epoch seconds; naive times are refused, not guessed."""
    if value is None:
        return None
    from comanage_tui.data.text import clean

    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"'{clean(value)}' is not an ISO-8601 date-time such as 2026-11-23T08:00:00+01:00", param_hint=param) from None
    if when.tzinfo is None:
        raise click.BadParameter(f"'{clean(value)}' has no UTC offset; add one, e.g. +00:00 or Z", param_hint=param)
    from comanage_tui.data.timerange import RANGE_TEXT, in_range

    try:
        instant = int(when.timestamp())
    except (OverflowError, ValueError):
        instant = None
    if instant is None or not in_range(instant):  # 9999-12-31 made `check` replay 8,000 years of calendar
        raise click.BadParameter(f"'{clean(value)}' is outside {RANGE_TEXT}", param_hint=param)
    return instant


def refresh_stops_cache(c: Ctx) -> None:
    """After a command that changed tickets or configuration: bring the clock-stops cache up to date.

    The cache is derived (readmodel.stops_cache): when it cannot be refreshed (the file is busy,
    say) the command has still succeeded; figures stay right and are computed from events.
    """
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.readmodel import stops_cache
    from comanage_tui.data.text import clean

    try:
        store = c.store()
        try:
            stops_cache.refresh(store)
        finally:
            store.close()
    except ComanageError as exc:
        click.echo(f"comanage: the clock-stops cache was not refreshed ({clean(exc, limit=300)}); "
                   "figures are unaffected, 'comanage cache rebuild' fills it", err=True)
