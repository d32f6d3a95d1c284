"""`comanage org show` and `comanage org load FILE`: the organisation as one TOML file.

Argument parsing and printing only; the work is in comanage_tui.data.repos.orgconfig.
Loaded by cli.py when `org` is asked for (cli.SUBCOMMANDS); the data layer (and pydantic) is
imported inside the commands, so `comanage --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

import click

from comanage_tui.cli_common import fail, writes_database

if TYPE_CHECKING:
    from comanage_tui.cli_common import Ctx


@click.group("org")
def org_group() -> None:
    """Parties, people, service areas, the RACI matrix and who can do what (edited as a TOML file)."""


@org_group.command("show")
@click.pass_obj
def org_show(c: Ctx) -> None:
    """Print the organisation as TOML: edit it, keep it in version control, apply it with `org load`."""
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.repos.orgconfig import OrgConfigRepo

    store = c.store(read_only=True)
    try:
        text = OrgConfigRepo(store).dump_toml()
    except ComanageError as exc:
        fail(str(exc))
    finally:
        store.close()
    click.get_binary_stream("stdout").write(text.encode("utf-8"))


@org_group.command("load")
@click.argument("config", metavar="FILE", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="List what would change, and write nothing.")
@click.pass_obj
def org_load(c: Ctx, config: BinaryIO, dry_run: bool) -> None:
    """Apply a TOML file of [[party]], [[person]] and [[area]] tables, all or nothing.

    Parties and areas are matched by key, people by e-mail (else by party and name).
    Nothing is deleted: records not in the file are left as they are. See examples/org.toml.
    """
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.repos.orgconfig import OrgConfigRepo
    from comanage_tui.data.text import clean

    name = clean(getattr(config, "name", "FILE"))
    try:
        text = config.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{name}: not UTF-8 text (byte {exc.start}); nothing was changed")
    store = c.store(read_only=True if dry_run else None)
    try:
        result = OrgConfigRepo(store).load_toml(text, dry_run=dry_run)
    except ComanageError as exc:
        from comanage_tui.cli_common import unchanged

        fail(unchanged(f"{name}: {clean(str(exc))}"))  # the file's own text, made inert
    finally:
        store.close()
    if dry_run:
        for line in result.changes:
            click.echo(f"  {line}")
        click.echo(f"Dry run, nothing was written. Would load org: {result.summary()}")
    else:
        from comanage_tui.cli_common import refresh_stops_cache

        refresh_stops_cache(c)  # area and party keys are part of what the cache was computed with
        click.echo(f"Loaded org: {result.summary()}")


writes_database(org_load, unless="dry_run")
