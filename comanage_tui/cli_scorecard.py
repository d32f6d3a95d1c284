"""`comanage scorecard`: argument parsing only; the figures are in comanage_tui.data (readmodel/scorecard.py)."""

from __future__ import annotations

from pathlib import Path

import click

from comanage_tui.cli_common import Ctx, fail, parse_instant

DAY = 86_400
DEFAULT_DAYS = 30


@click.command("scorecard")
@click.option("--party", metavar="KEY", required=True, help="The party whose scorecard to build (e.g. msp).")
@click.option("--from", "start_text", metavar="ISO", default=None,
              help=f"Start of the window (e.g. 2026-10-01T00:00:00+02:00). Default: {DEFAULT_DAYS} days before --to.")
@click.option("--to", "end_text", metavar="ISO", default=None,
              help="End of the window (not included). Default: now (or the global --as-of/--now).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True,
              help="Markdown for mail/chat, one self-contained HTML page (prints on A4), or JSON.")
@click.option("-o", "--out", "out", metavar="PATH|-", default=None, help="Where to write; '-' or omitted: standard output.")
@click.pass_obj
def scorecard_cmd(c: Ctx, party: str, start_text: str | None, end_text: str | None, fmt: str, out: str | None) -> None:
    """One party's scorecard over a window: SLA verdicts that were theirs, OLA compliance, time held,
    handoffs acknowledged on time, bounces, knowledge transfer owed, and the areas they own with their drift."""
    end = c.now(end_text, "--to")  # the only clock read: everything below takes the window
    start = parse_instant(start_text, "--from")
    if start is None:
        start = end - DEFAULT_DAYS * DAY
    if start >= end:
        raise click.BadParameter("the window's start must be before its end (--to)", param_hint="--from")
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.snapshot.scorecard_doc import build_scorecard, render_scorecard, write_scorecard

    c.require_db()
    store = c.store(read_only=True)
    try:
        card = build_scorecard(store, party, start, end)
    except ComanageError as exc:
        fail(str(exc))
    finally:
        store.close()
    if out in (None, "-"):
        click.get_binary_stream("stdout").write(render_scorecard(card, fmt).encode("utf-8"))
        return
    try:
        from comanage_tui.data.safe_files import file_mode

        written = write_scorecard(card, fmt, Path(out), mode=file_mode(c.shared))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"Scorecard written to {written}", err=True)
