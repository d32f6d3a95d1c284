"""Write a built snapshot in a chosen format: one entry point for the CLI and the dashboard's dialog."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from comanage_tui.data.snapshot_model import Snapshot

FORMATS = ("md", "html", "json", "csv")
EXTENSIONS = {"md": ".md", "html": ".html", "json": ".json", "csv": ".zip"}


def render_text(s: Snapshot, fmt: str) -> str:
    """The single-file formats as text."""
    if fmt == "md":
        from comanage_tui.data.snapshot_render import render_markdown

        return render_markdown(s)
    if fmt == "json":
        from comanage_tui.data.snapshot_render import render_json

        return render_json(s)
    if fmt == "html":
        from comanage_tui.data.snapshot_html import render_html

        return render_html(s)
    raise ValueError(f"format {fmt!r} is not a single text file (use one of md, html, json)")


def default_filename(s: Snapshot, fmt: str) -> str:
    """`comanage-snapshot-2026-11-23.md` (plus `-PARTY` when scoped): dated by the as-of day."""
    day = dt.datetime.fromisoformat(s.as_of).date().isoformat()
    scope = f"-{s.scope}" if s.scope else ""
    return f"comanage-snapshot-{day}{scope}{EXTENSIONS[fmt]}"


def write_snapshot(s: Snapshot, fmt: str, path: Path) -> Path:
    """Write to `path` (CSV: a directory, or one .zip file). Returns the path written.

    Files appear whole or not at all (written to a temporary name, then renamed), so a
    cron job or a mail step never picks up half a snapshot.
    """
    path = Path(path).expanduser()
    if fmt == "csv":
        from comanage_tui.data.snapshot_csv import tables, write_csv, zip_bytes

        if path.suffix.lower() == ".zip":
            _atomic_write(path, zip_bytes(tables(s)))
        else:
            write_csv(s, path)
        return path
    _atomic_write(path, render_text(s, fmt).encode("utf-8"))
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp's 0600 stays: a snapshot can hold private notes; share it deliberately.
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
