"""`comanage log`: who changed what and when, from the audit log (argument parsing and printing only)."""

from __future__ import annotations

import click

from comanage_tui.cli_common import Ctx, fail

KIND_HELP = "raci, kt, handoff, ticket, coverage, person, party, area, sla, import"


@click.command("log")
@click.option("--since", metavar="ISO|DURATION", default=None,
              help="Only changes from then on: an ISO date-time with an offset, or a duration back from now such as 12h, 7d, 2w.")
@click.option("--actor", metavar="NAME", default=None, help="Only changes made by this user (as the log names them).")
@click.option("--entity", "kind", metavar="KIND", default=None, help=f"Only this kind of record: {KIND_HELP}.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="How many changes per page.")
@click.option("--before-id", type=click.IntRange(1, None), default=None, metavar="ID",
              help="The next (older) page: the id the previous page ended with.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts: entries and the id of the next page.")
@click.pass_obj
def log_cmd(c: Ctx, since: str | None, actor: str | None, kind: str | None, limit: int, before_id: int | None,
            as_json: bool) -> None:
    """List who changed what and when, newest first, with each change's before → after in words.

    Under the global --as-of, only the changes recorded by then.
    """
    import datetime as dt
    import json

    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.readmodel import activity
    from comanage_tui.data.text import clean

    c.require_db()
    store = c.store(read_only=True)
    try:
        start = None if since is None else activity.parse_since(since, c.now())
        # Under the global --as-of, what was recorded by then (as the dashboard's Activity screen shows).
        page = activity.changes(store, since=start, until=c.as_of, actor=actor, kind=kind, before_id=before_id,
                                limit=limit + 1)
        zone = activity.zone(store)
    except ComanageError as exc:
        fail(clean(str(exc)))
    finally:
        store.close()
    more, page = len(page) > limit, page[:limit]
    next_id = page[-1].id if more and page else None

    def when(at: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(at, zone)

    if as_json:
        entries = [{"id": e.id, "at": when(e.at).isoformat(timespec="seconds"), "actor": e.actor, "kind": e.kind,
                    "action": e.action, "what": clean(e.what, limit=10_000), "before": e.before, "after": e.after,
                    "target": None if e.target is None else {"screen": e.target[0], "id": e.target[1]}} for e in page]
        # ensure_ascii: every character outside ASCII, escape sequences included, is written as \uXXXX
        click.echo(json.dumps({"entries": entries, "next_before_id": next_id}, sort_keys=True))
        return
    if not page:
        click.echo("No changes recorded" + (" that match" if since or actor or kind or before_id else "") + ".")
        return
    width = min(16, max(len(clean(e.actor, limit=16)) for e in page))
    for e in page:
        click.echo(f"{when(e.at):%Y-%m-%d %H:%M}  {clean(e.actor, limit=16):<{width}}  {clean(e.what, limit=300)}")
    if next_id is not None:
        click.echo(f"… older changes: comanage log --before-id {next_id}", err=True)
