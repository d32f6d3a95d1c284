"""Write a built review in a chosen format: one entry point for `comanage review` and the dashboard's export."""

from __future__ import annotations

import json
from pathlib import Path

from comanage_tui.data.readmodel.review.model import Review
from comanage_tui.data.safe_files import PRIVATE_MODE, write_file

FORMATS = ("md", "html", "json")
EXTENSIONS = {"md": ".md", "html": ".html", "json": ".json"}


def render_json(r: Review) -> str:
    return json.dumps(r.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def render_text(r: Review, fmt: str) -> str:
    if fmt == "md":
        from comanage_tui.data.review.markdown import render_markdown

        return render_markdown(r)
    if fmt == "json":
        return render_json(r)
    if fmt == "html":
        from comanage_tui.data.review.html_page import render_html

        return render_html(r)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def default_filename(r: Review, fmt: str) -> str:
    """`comanage-review-2026Q4.md`; a range of days: `comanage-review-2026-10-01..2026-10-10.md`."""
    return f"comanage-review-{r.period.label}{EXTENSIONS[fmt]}"


def write_review(r: Review, fmt: str, path: Path, *, mode: int = PRIVATE_MODE) -> Path:
    """Through `safe_files`: the file appears whole or not at all, with exactly `mode`, never through a link."""
    path = Path(path).expanduser()
    write_file(path, render_text(r, fmt).encode("utf-8"), mode=mode)
    return path
