"""`comanage cache`: the derived table of clock stops (readmodel.stops_cache): status, rebuild, drop."""

from __future__ import annotations

import click

from comanage_tui.cli_common import Ctx, fail, writes_database


@click.group("cache")
def cache_group() -> None:
    """The clock-stops cache that keeps history figures fast (derived; never a source of truth).

    Every figure is the same with it dropped; it is refreshed after demo, import, sync,
    `sla load` and `org load`, and entries of tickets changed since are recomputed as needed.
    """


@cache_group.command("status")
@click.pass_obj
def cache_status(c: Ctx) -> None:
    """How many tickets have their stops cached, and whether the cache matches today's policies."""
    from comanage_tui.data.readmodel import stops_cache

    c.require_db()
    store = c.store(read_only=True)
    try:
        s = stops_cache.status(store)
    finally:
        store.close()
    if not s.cached:
        state = "empty: run 'comanage cache rebuild'"
    elif not s.current:
        state = "not used: policies, calendars or the organisation changed since it was filled; run 'comanage cache rebuild'"
    else:
        state = "current"
    click.echo(f"tickets:  {s.tickets:,}")
    click.echo(f"cached:   {s.cached:,} ({s.walked:,} walked each time: their priority changed), {s.stops:,} stops")
    click.echo(f"missing:  {s.tickets - s.cached:,} ({s.dirty:,} created or changed since; all are computed from their events when needed)")
    click.echo(f"state:    {state}")


@cache_group.command("rebuild")
@click.option("--full", is_flag=True, help="Drop every entry first, then compute all of them.")
@click.pass_obj
def cache_rebuild(c: Ctx, full: bool) -> None:
    """Compute the stops of every ticket that has no current entry (all of them with --full)."""
    import time

    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.readmodel import stops_cache

    c.require_db()
    started = time.perf_counter()
    store = c.store()
    try:
        if full:
            stops_cache.drop(store)
        result = stops_cache.refresh(store)
    except ComanageError as exc:
        fail(str(exc))
    finally:
        store.close()
    again = " (policies or the organisation had changed: every entry recomputed)" if result.reset and not full else ""
    click.echo(f"Clock-stops cache: {result.computed:,} ticket(s) computed in {time.perf_counter() - started:.1f}s{again}.")


@cache_group.command("drop")
@click.pass_obj
def cache_drop(c: Ctx) -> None:
    """Empty the cache. No figure changes; history is recomputed from events until the next rebuild."""
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.readmodel import stops_cache

    c.require_db()
    store = c.store()
    try:
        stops_cache.drop(store)
    except ComanageError as exc:
        fail(str(exc))
    finally:
        store.close()
    click.echo("Clock-stops cache emptied; 'comanage cache rebuild' fills it again.")


writes_database(cache_rebuild)
writes_database(cache_drop)
