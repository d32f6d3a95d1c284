"""What a sync did: records listed, skipped and rebuilt, requests made, and the importer's report of what it wrote.

Every text here is cleaned for output; none carries a credential (nothing of the auth
settings reaches a report).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from comanage_tui.data.importing.report import MAX_EXAMPLES, MAX_LISTED, ImportReport
from comanage_tui.data.text import clean


@dataclass
class SyncReport:
    name: str
    kind: str
    base_url: str
    preset: str
    source: str
    dry_run: bool = False
    full: bool = False
    pages: int = 0
    records: int = 0
    """Remote records listed as changed since the cursor (the overlap window included)."""
    unchanged: int = 0
    """Of those, skipped: the same version was written before."""
    rebuilt: int = 0
    """Of those, whose history was read and rebuilt."""
    commits: int = 0
    requests: int = 0
    waited: float = 0.0
    cursor_before: str | None = None
    cursor_after: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    imported: ImportReport = field(init=False)

    def __post_init__(self) -> None:
        self.imported = ImportReport(file=self.name, preset=self.preset, source=self.source, dry_run=self.dry_run,
                                     unit="record")

    def merge(self, part: ImportReport) -> None:
        """Add one page's import report to the run's."""
        r = self.imported
        for name in ("rows_read", "rows_rejected", "tickets_new", "tickets_existing", "tickets_changed", "events"):
            setattr(r, name, getattr(r, name) + getattr(part, name))
        r.parties_created += [k for k in part.parties_created if k not in r.parties_created]
        r.areas_created += [k for k in part.areas_created if k not in r.areas_created]
        r.rejects += part.rejects[:max(0, MAX_LISTED - len(r.rejects))]
        r.reasons.update(part.reasons)
        r.notes.update(part.notes)
        for kind, counts in part.unmapped.items():
            r.unmapped.setdefault(kind, type(counts)()).update(counts)
        for what, refs in part.examples.items():
            shown = r.examples.setdefault(what, [])
            shown += [x for x in refs if x not in shown][:max(0, MAX_EXAMPLES - len(shown))]
        r.fallback = part.fallback or r.fallback

    def summary(self) -> dict[str, Any]:
        r = self.imported
        return {
            "source": self.name, "kind": self.kind, "instance": self.base_url, "dry_run": self.dry_run, "full": self.full,
            "pages": self.pages, "records": self.records, "unchanged": self.unchanged, "rebuilt": self.rebuilt,
            "commits": self.commits, "requests": self.requests, "cursor_before": self.cursor_before,
            "cursor_after": self.cursor_after, "tickets_new": r.tickets_new, "tickets_updated": r.tickets_existing,
            "tickets_changed": r.tickets_changed, "events": r.events, "rows_read": r.rows_read,
            "rows_rejected": r.rows_rejected, "notes": self.notes,
        }

    def to_json(self) -> str:
        doc = self.summary() | {"seconds": round(self.seconds, 3), "import": json.loads(self.imported.to_json())}
        return json.dumps(doc, indent=2, ensure_ascii=False)

    def format_text(self) -> str:
        r = self.imported
        head = "Dry run of sync" if self.dry_run else "Synced"
        out = [f"{head} '{self.name}' ({self.kind}, {self.base_url}, mapping source '{self.source}')"]
        out += [f"  note: {n}" for n in self.notes]
        out.append(f"  records: {self.records:,} listed since {self.cursor_before or 'the start'}"
                   f"{' (--full)' if self.full else ''}, {self.unchanged:,} unchanged, {self.rebuilt:,} rebuilt "
                   f"from {r.rows_read:,} update(s)")
        done = "would be written" if self.dry_run else "written"
        out.append(f"  tickets {done}: {r.tickets_new:,} new, {r.tickets_existing:,} updated"
                   + ("" if self.dry_run else f" ({r.tickets_changed:,} with a different summary)") + f"; events: {r.events:,}")
        out.append(f"  {self.pages:,} page(s), {self.commits:,} commit(s), {self.requests:,} request(s)"
                   + (f", {self.waited:.1f}s waiting to retry" if self.waited >= 0.05 else "")
                   + f"; cursor now {self.cursor_after or '(none)'}; took {self.seconds:.1f}s")
        details = r.format_text().splitlines()[3:-1]  # its adjustments, unmapped values and rejects
        out += details
        return "\n".join(clean(line, limit=100_000) for line in out) + "\n"
