"""`comanage review`: argument parsing only; the review is built in data/readmodel/review, written by data/review."""

from __future__ import annotations

from pathlib import Path

import click

from comanage_tui.cli_common import Ctx, fail


@click.command("review")
@click.option("--quarter", "quarter_text", metavar="YYYYQn", default=None, help="A calendar quarter, e.g. 2026Q4.")
@click.option("--month", "month_text", metavar="YYYY-MM", default=None, help="A calendar month, e.g. 2026-11.")
@click.option("--from", "date_from", metavar="DATE", default=None, help="First day of a range (with --to), e.g. 2026-10-01.")
@click.option("--to", "date_to", metavar="DATE", default=None, help="Last day of the range, inclusive.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True,
              help="Markdown (80 columns) for a mail, one self-contained HTML page (prints on A4), or JSON data.")
@click.option("-o", "--out", "out", metavar="FILE|-", default=None, help="Where to write; '-' or omitted: standard output.")
@click.option("--as-of", "as_of", metavar="ISO", default=None,
              help="The moment to review from (default: now); without a period, its last complete quarter is reviewed.")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the JSON format and exit.")
@click.pass_obj
def review_cmd(c: Ctx, quarter_text: str | None, month_text: str | None, date_from: str | None, date_to: str | None,
               fmt: str, out: str | None, as_of: str | None, schema: bool) -> None:
    """The period review: a quarter (default: the last complete one), a month or a range of days against
    the period of the same length before it; volume, backlog, SLA, breaches, handoffs, knowledge
    transfer, the split and the hours the partners saved, each with its change."""
    if schema:
        from comanage_tui.data.readmodel.review.model import json_schema_text

        click.get_binary_stream("stdout").write(json_schema_text().encode("utf-8"))
        return
    now = c.now(as_of)  # the only clock read
    from comanage_tui.data.errors import ComanageError
    from comanage_tui.data.readmodel.context import load_context
    from comanage_tui.data.readmodel.review.build import build_review
    from comanage_tui.data.readmodel.review.period import parse_period, zone_of
    from comanage_tui.data.review.write import render_text, write_review
    from comanage_tui.data.text import clean

    c.require_db()
    store = c.store(read_only=True)
    try:
        cal = load_context(store).internal_calendar()
        zone = zone_of(cal.spec.timezone if cal is not None else None)
        period = parse_period(quarter_text=quarter_text, month_text=month_text, date_from=date_from, date_to=date_to,
                              now=now, zone=zone)
        review = build_review(store, period)
    except ComanageError as exc:
        fail(clean(str(exc)))
    finally:
        store.close()
    if out in (None, "-"):
        click.get_binary_stream("stdout").write(render_text(review, fmt).encode("utf-8"))
        return
    try:
        from comanage_tui.data.safe_files import file_mode

        written = write_review(review, fmt, Path(out), mode=file_mode(c.shared))
    except OSError as exc:
        fail(f"cannot write {clean(out)}: {exc.strerror or exc}")
    click.echo(f"Review written to {clean(written)}", err=True)
