"""`comanage scorecard`: one party's scorecard as a document to send (Markdown, one HTML page, JSON).

The figures are the read model's (`readmodel/scorecard.py`), turned into the snapshot's
`PartyScorecard` by `build.scorecard_model`, so the document, the snapshot's section and the
dashboard's view say the same thing; the wording of each part is `render.scorecard_parts`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.readmodel.context import load_context
from comanage_tui.data.readmodel.scorecard import party_scorecard
from comanage_tui.data.safe_files import PRIVATE_MODE, write_file
from comanage_tui.data.snapshot.build import scorecard_model
from comanage_tui.data.snapshot.html_page import CSS, h, rules_html, scorecard_html
from comanage_tui.data.snapshot.model import PartyScorecard
from comanage_tui.data.snapshot.render import md, rules_md, scorecard_md
from comanage_tui.data.store import Store

FORMATS = ("md", "html", "json")
EXTENSIONS = {"md": ".md", "html": ".html", "json": ".json"}


def build_scorecard(store: Store, party: str, start: float, end: float) -> PartyScorecard:
    """One party's scorecard over [start, end), times in the internal team's zone.

    Raises:
        InvalidInput: `party` is not a party key, or the window is empty.
    """
    ctx = load_context(store)
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC
    try:
        card = party_scorecard(store, ctx, party, start, end)
    except ValueError as exc:
        raise InvalidInput("party" if "party" in str(exc) else "window", str(exc)) from None
    return scorecard_model(card, zone)


def render_markdown(c: PartyScorecard) -> str:
    lines = [f"# Party scorecard: {md(c.name)} ({md(c.party)})", ""]
    lines += scorecard_md(c, "##")[2:]  # the document's title names the party already
    lines += ["## How these figures are counted", "", *rules_md(c.rules), ""]
    return "\n".join(lines)


def render_html(c: PartyScorecard) -> str:
    title = f"Party scorecard: {c.name} ({c.party})"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # As the snapshot: nothing to fetch, nothing to run; it reads the same offline and printed.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{h(title)}</title>", f"<style>{CSS}</style></head><body>",
        f"<header><h1>{h(title)}</h1></header>",  # the card below names the kind and the window
        scorecard_html(c, "h2"),
        f"<footer><h3>How these figures are counted</h3>{rules_html(c.rules)}</footer>",
        "</body></html>", "",
    ])


def render_json(c: PartyScorecard) -> str:
    return json.dumps(c.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def render_scorecard(c: PartyScorecard, fmt: str) -> str:
    renderers = {"md": render_markdown, "html": render_html, "json": render_json}
    if fmt not in renderers:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderers[fmt](c)


def default_filename(c: PartyScorecard, fmt: str) -> str:
    """`comanage-scorecard-msp-2026-11-23.md`: the party and the window's last day."""
    day = dt.datetime.fromisoformat(c.window_end).date().isoformat()
    return f"comanage-scorecard-{c.party}-{day}{EXTENSIONS[fmt]}"


def write_scorecard(c: PartyScorecard, fmt: str, path: Path, *, mode: int = PRIVATE_MODE) -> Path:
    """Write through `safe_files` (whole or not at all, exact mode, never through a link)."""
    path = Path(path).expanduser()
    write_file(path, render_scorecard(c, fmt).encode("utf-8"), mode=mode)
    return path
