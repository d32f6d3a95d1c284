"""What an import did or would do: counts, rejected rows with line numbers, unmapped values.

The report is bounded: every rejected row is counted, but only the first `MAX_LISTED`
are kept with their line numbers (a file of nothing but bad rows must not fill memory).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comanage_tui.data.safe_files import PRIVATE_MODE, write_file
from comanage_tui.data.text import clean

MAX_LISTED = 10_000
MAX_EXAMPLES = 5


@dataclass(slots=True)
class Reject:
    line: int
    ref: str
    reason: str
    """A short class of problem ("bad date", "unknown priority" …), used for the counts."""
    detail: str


@dataclass
class ImportReport:
    file: str
    preset: str
    source: str
    dry_run: bool = False
    sha256: str = ""
    rows_read: int = 0
    rows_rejected: int = 0
    tickets_new: int = 0
    tickets_existing: int = 0
    """Refs that were already in the database (updated in place)."""
    tickets_changed: int = 0
    """Of those, how many had a different summary row afterwards (real imports only)."""
    events: int = 0
    parties_created: list[str] = field(default_factory=list)
    areas_created: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    unmapped: dict[str, Counter] = field(default_factory=dict)
    """Kind ("group", "category") -> source value -> rows carrying it."""
    fallback: dict[str, str] = field(default_factory=dict)
    """Kind -> what happened to its unmapped values ("default party 'internal'")."""
    notes: Counter = field(default_factory=Counter)
    """Things adjusted rather than rejected (e.g. update times clamped to the opening)."""
    examples: dict[str, list[str]] = field(default_factory=dict)
    refused: bool = False
    seconds: float = 0.0
    unit: str = "line"
    """What `Reject.line` counts: a line of the file, or a "record" pulled by `comanage sync`."""

    @property
    def rows_imported(self) -> int:
        return self.rows_read - self.rows_rejected

    @property
    def tickets(self) -> int:
        return self.tickets_new + self.tickets_existing

    def reject(self, line: int, ref: str, reason: str, detail: str) -> None:
        # Details quote cells of the file: cleaned here, once, so no output can carry an escape.
        ref, detail = clean(ref, limit=80), clean(detail, limit=400)
        self.rows_rejected += 1
        self.reasons[reason] += 1
        if len(self.rejects) < MAX_LISTED:
            self.rejects.append(Reject(line, ref, reason, detail))

    def note(self, what: str, ref: str, n: int = 1) -> None:
        ref = clean(ref, limit=80)
        self.notes[what] += n
        shown = self.examples.setdefault(what, [])
        if len(shown) < MAX_EXAMPLES and ref not in shown:
            shown.append(ref)

    def unmapped_value(self, kind: str, value: str) -> None:
        value = clean(value, limit=200)
        counts = self.unmapped.get(kind)
        if counts is None:
            counts = self.unmapped[kind] = Counter()
        counts[value] += 1

    def summary(self) -> dict[str, Any]:
        """The counts (what the audit row stores as `after`)."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "preset": self.preset,
            "source": self.source,
            "dry_run": self.dry_run,
            "refused": self.refused,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_rejected": self.rows_rejected,
            "tickets": self.tickets,
            "tickets_new": self.tickets_new,
            "tickets_existing": self.tickets_existing,
            "tickets_changed": self.tickets_changed,
            "events": self.events,
            "parties_created": self.parties_created,
            "areas_created": self.areas_created,
            "rejected_by_reason": dict(self.reasons.most_common()),
            "unmapped": {k: dict(v.most_common()) for k, v in self.unmapped.items()},
            "adjusted": dict(self.notes.most_common()),
        }

    def to_json(self) -> str:
        doc = self.summary() | {
            "seconds": round(self.seconds, 3),
            "adjusted_examples": self.examples,
            "rejected_rows": [{"line": r.line, "ref": r.ref, "reason": r.reason, "detail": r.detail} for r in self.rejects],
            "rejected_rows_not_listed": self.rows_rejected - len(self.rejects),
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)

    def format_text(self, *, max_rejects: int | None = 20) -> str:
        """A human report; `max_rejects=None` lists every kept rejected row."""
        head = "Dry run of" if self.dry_run else ("Refused import of" if self.refused else "Imported")
        out = [
            f"{head} {self.file} ({self.preset} preset, source '{self.source}', sha256 {self.sha256[:12]}…)",
            f"  rows: {self.rows_read:,} read, {self.rows_imported:,} imported, {self.rows_rejected:,} rejected",
            f"  tickets: {self.tickets:,} ({self.tickets_new:,} new, {self.tickets_existing:,} already present"
            + ("" if self.dry_run else f", {self.tickets_changed:,} of them changed") + f"); events: {self.events:,}",
        ]
        if self.refused:  # nothing was written: no line may claim an import that was rolled back
            out[1:] = [f"  rows: {self.rows_read:,} read, {self.rows_rejected:,} rejected; none imported (refused)",
                       f"  tickets: none written ({self.tickets:,} readable: {self.tickets_new:,} new, "
                       f"{self.tickets_existing:,} already present; events: {self.events:,})"]
        done = "to create" if self.dry_run or self.refused else "created"
        if self.parties_created:
            out.append(f"  parties {done}: {', '.join(self.parties_created)}")
        if self.areas_created:
            out.append(f"  areas {done}: {', '.join(self.areas_created)}")
        for what, n in self.notes.most_common():
            out.append(f"  adjusted: {what}: {n:,} (e.g. {', '.join(self.examples.get(what, []))})")
        for kind, values in sorted(self.unmapped.items()):
            listed = ", ".join(f"{v!r} ×{n:,}" for v, n in values.most_common(12))
            more = f" and {len(values) - 12} more" if len(values) > 12 else ""
            went = f"; sent to {self.fallback[kind]}" if kind in self.fallback else ""
            out.append(f"  unmapped {kind} values ({len(values)}, counted in rows{went}): {listed}{more}")
        if self.rows_rejected:
            reasons = ", ".join(f"{r} ×{n:,}" for r, n in self.reasons.most_common())
            out.append(f"  rejected rows by reason: {reasons}")
            shown = self.rejects if max_rejects is None else self.rejects[:max_rejects]
            for r in shown:
                out.append(f"    {self.unit} {r.line}: {r.ref or '(no ref)'}: {r.detail}")
            hidden = self.rows_rejected - len(shown)
            if hidden:
                out.append(f"    … and {hidden:,} more rejected row(s)" + (" (see the report file)" if max_rejects is not None else ""))
        out.append(f"  took {self.seconds:.1f}s")
        # The printing edge: whatever reached the report unclean (a file name …) is made inert.
        return "\n".join(clean(line, limit=100_000) for line in out) + "\n"

    def write(self, path: Path, *, mode: int = PRIVATE_MODE) -> None:
        """Write the full report (JSON when the name ends in .json, else text) whole, never through a link.

        Rejected rows quote ticket data, so the report is as private as the database (`mode`).
        """
        text = self.to_json() if path.suffix.lower() == ".json" else self.format_text(max_rejects=None)
        write_file(path, text.encode("utf-8"), mode=mode)
