"""Write a built snapshot in a chosen format: one entry point for the CLI and the dashboard's dialog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from comanage_tui.data.safe_files import PRIVATE_MODE, write_file
from comanage_tui.data.snapshot.model import Snapshot

FORMATS = ("md", "html", "json", "csv")
EXTENSIONS = {"md": ".md", "html": ".html", "json": ".json", "csv": ".zip"}


def render_text(s: Snapshot, fmt: str) -> str:
    """The single-file formats as text."""
    if fmt == "md":
        from comanage_tui.data.snapshot.render import render_markdown

        return render_markdown(s)
    if fmt == "json":
        from comanage_tui.data.snapshot.render import render_json

        return render_json(s)
    if fmt == "html":
        from comanage_tui.data.snapshot.html_page import render_html

        return render_html(s)
    raise ValueError(f"format {fmt!r} is not a single text file (use one of md, html, json)")


def default_filename(s: Snapshot, fmt: str) -> str:
    """`comanage-snapshot-2026-11-23.md` (plus `-PARTY` when scoped): dated by the as-of day."""
    day = dt.datetime.fromisoformat(s.as_of).date().isoformat()
    scope = f"-{s.scope}" if s.scope else ""
    return f"comanage-snapshot-{day}{scope}{EXTENSIONS[fmt]}"


def write_snapshot(s: Snapshot, fmt: str, path: Path, *, mode: int = PRIVATE_MODE) -> Path:
    """Write to `path` (CSV: a directory, or one .zip file). Returns the path written.

    Through `safe_files`: files appear whole or not at all, with exactly `mode` (0600; 0660
    for a `--shared` team), and never through a symbolic link, so a cron job or a mail step
    never picks up half a snapshot and a planted link never redirects one.
    """
    path = Path(path).expanduser()
    if fmt == "csv":
        from comanage_tui.data.snapshot.csv_files import write_csv

        write_csv(s, path, mode=mode)
        return path
    write_file(path, render_text(s, fmt).encode("utf-8"), mode=mode)
    return path
