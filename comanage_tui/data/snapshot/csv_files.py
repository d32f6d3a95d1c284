"""Render a Snapshot as CSV: one file per table, into a directory or a deterministic .zip.

Spreadsheets execute cells that look like formulas, so any text cell starting with
`=`, `+`, `-`, `@`, tab or CR gets a leading `'` (OWASP's CSV-injection advice), also when
blanks or invisible characters (space, NBSP, ZWSP, BOM) come first or the sign is a
fullwidth or other compatibility form (`＝`); numbers we produced stay numbers. Files are
UTF-8 with a BOM so Excel reads accents correctly.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from comanage_tui.data.safe_files import PRIVATE_MODE, write_file, write_folder
from comanage_tui.data.snapshot import model as snapshot_model
from comanage_tui.data.snapshot.build import clean
from comanage_tui.data.snapshot.model import Snapshot

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SIGNS = frozenset("=+-@")
# Every file a CSV snapshot can hold: an earlier snapshot's folder may be replaced, nothing else.
TABLE_FILES = frozenset({"meta.csv", "kpis.csv", "compliance.csv", "trend.csv", "clocks.csv", "handoffs.csv",
                         "raci.csv", "workload.csv", "held_time.csv", "kt_items.csv", "kt_coverage.csv", "scorecards.csv",
                         "delta.csv"})
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip epoch: the archive's bytes must not depend on when it was written


def cell(value: object) -> object:
    """A CSV cell: text neutralised against formula injection, control characters removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    raw = str(value)
    s = clean(raw)
    if raw.startswith(_FORMULA_START) or _looks_like_formula(s):
        s = "'" + s
    return s


def _looks_like_formula(s: str) -> bool:
    """A sign first, once blanks and invisible characters are skipped and look-alikes folded.

    Spreadsheets trim leading spaces (NBSP included) before parsing, and users cannot see a
    ZWSP or BOM; `＝` (fullwidth) is folded to `=` by some importers, so it counts as `=`.
    """
    for ch in s:
        if ch.isspace() or unicodedata.category(ch) == "Cf":
            continue
        return ch in _FORMULA_START or unicodedata.normalize("NFKC", ch)[:1] in _SIGNS
    return False


def _csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")  # LF: golden files and git never fight over CRLF
    w.writerow([cell(h) for h in headers])
    for r in rows:
        w.writerow([cell(c) for c in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def tables(s: Snapshot) -> dict[str, bytes]:
    """File name -> CSV bytes, in a fixed order."""
    out: dict[str, bytes] = {}
    meta = [("schema_version", s.schema_version), ("generated_at", s.generated_at), ("as_of", s.as_of),
            ("timezone", s.timezone), ("scope", s.scope or "all"), ("include_notes", s.include_notes),
            ("compliance_window_start", s.compliance.window_start), ("compliance_window_end", s.compliance.window_end),
            ("compliance_rule", s.compliance.rule), ("time_freed_rule", s.time_freed.rule)]
    if s.held_time is not None:
        meta.append(("held_time_rule", s.held_time.rule))
    meta += [(f"limit_{i}", text) for i, text in enumerate(s.limits, 1)]
    out["meta.csv"] = _csv(["field", "value"], meta)
    out["kpis.csv"] = _csv(["kpi", "value"], s.kpis.model_dump().items())
    rows = []
    for c in s.compliance.clocks:
        rows.append([c.clock, "overall", c.overall.key, c.overall.met, c.overall.missed, c.overall.in_flight,
                     c.overall.breached, c.overall.percent])
        for grouping in ("party", "area", "priority"):
            for r in getattr(c, f"by_{grouping}"):
                rows.append([c.clock, grouping, r.key, r.met, r.missed, r.in_flight, r.breached, r.percent])
    out["compliance.csv"] = _csv(["clock", "grouping", "key", "met", "missed", "in_flight", "breached", "percent"], rows)
    out["trend.csv"] = _csv(["week_start", "week_end", "resolution_compliance_percent", "closed_clocks"],
                            ([w.week_start, w.week_end, w.percent, w.closed_clocks] for w in s.trend))
    out["clocks.csv"] = _model_table(s.clocks, _fields(s, "ClockRow"))
    out["handoffs.csv"] = _model_table(s.handoffs, _fields(s, "HandoffRow"))
    parties = [p.key for p in s.parties]
    out["raci.csv"] = _csv(
        ["area", "name", "criticality", *parties, "gaps", "overlap", "drift", "recent_tickets", "problems"],
        ([a.area, a.name, a.criticality, *(a.letters.get(p, "") for p in parties), "; ".join(a.gaps), "; ".join(a.overlap),
          "; ".join(f"{d.party} {d.share_percent:g}%" for d in a.drift), a.recent_tickets, "; ".join(a.problems)]
         for a in s.raci))
    out["workload.csv"] = _model_table(s.workload, _fields(s, "WorkloadRow"))
    if s.held_time is not None:
        out["held_time.csv"] = _model_table(s.held_time.rows, _fields(s, "HeldRow"))
    k = s.knowledge
    out["kt_items.csv"] = _model_table(k.items, _fields(s, "KtItemRow"))
    out["kt_coverage.csv"] = _model_table(k.coverage, _fields(s, "KtCoverageRow"))
    if s.scorecards:
        out["scorecards.csv"] = _scorecards(s.scorecards)
    if s.delta is not None:
        out["delta.csv"] = _delta(s.delta)
    return out


def _scorecards(cards: list) -> bytes:  # list[snapshot_model.PartyScorecard]
    """Every scorecard figure in one long table: party, section, key, figure, value (the JSON's fields, flattened)."""
    rows: list[list[object]] = []
    for c in cards:
        def add(section: str, key: str, values: dict, party: str = c.party) -> None:
            rows.extend([party, section, key, name, value] for name, value in values.items())

        add("window", "", {"start": c.window_start, "end": c.window_end, "timezone": c.timezone})
        for v in c.sla:
            add("sla", v.clock, v.model_dump(exclude={"clock"}))
        add("ola", "all", c.ola.model_dump(exclude={"key"}))
        for r in c.ola_by_priority:
            add("ola", r.key, r.model_dump(exclude={"key"}))
        for x in c.held:
            add("held", x.priority, x.model_dump(exclude={"priority"}))
        add("handoffs", "", c.handoffs.model_dump())
        add("knowledge", "", {"owed": len(c.knowledge.owed), "overdue": c.knowledge.overdue, "delivered": c.knowledge.delivered})
        for i in c.knowledge.owed:
            add("knowledge_owed", str(i.id), i.model_dump(exclude={"id"}))
        for a in c.areas:
            add("area", a.area, {"letter": a.letter, "recent_tickets": a.recent_tickets,
                                 "drift": "; ".join(f"{d.party} {d.share_percent:g}%" for d in a.drift)})
        add("rule", "", c.rules)
    return _csv(["party", "section", "key", "figure", "value"], rows)


def _fields(s: Snapshot, model: str) -> list[str]:
    """Column names of a row model, without the private-notes column unless notes are included."""
    names = list(getattr(snapshot_model, model).model_fields)
    private = {"notes", "context"}
    return [n for n in names if s.include_notes or n not in private]


def _model_table(items: Sequence, fields: list[str]) -> bytes:
    return _csv(fields, ([_flat(getattr(i, f)) for f in fields] for i in items))


def _flat(value: object) -> object:
    return "; ".join(str(v) for v in value) if isinstance(value, list) else value


def _delta(d) -> bytes:  # snapshot_model.Delta
    """All changes in one long table: change, subject, before, after, detail."""
    rows: list[list[object]] = [["since", "", "", d.since, d.previous_scope or "all"]]
    rows += [["note", "", "", "", n] for n in d.notes]
    rows += [["new_breach", f"{c.ticket_ref} {c.clock}", "", c.breached_at, f"{c.title} (held by {c.breach_holder or '?'})"]
             for c in d.new_breaches]
    rows += [["cleared_breach", f"{c.ticket_ref} {c.clock}", "breached", "", c.title] for c in d.cleared_breaches]
    rows += [["handoff_now_late", f"handoff {h.id}", "", h.ack_breached_at, f"{h.summary} ({h.from_party} -> {h.to_party})"]
             for h in d.handoffs_now_late]
    rows += [["kt_completed", f"kt {k.id}", k.before, k.after, f"{k.topic} ({k.area})"] for k in d.kt_completed]
    rows += [["raci_change", f"{r.area}/{r.party}", r.before or "", r.after or "", ""] for r in d.raci_changes]
    rows += [["problem_new", p, "", "", ""] for p in d.problems_new]
    rows += [["problem_resolved", p, "", "", ""] for p in d.problems_resolved]
    rows += [["changed", f"{c.figure} in {c.subject}", c.before, c.after, c.detail] for c in d.changed]
    rows += [["kpi", k.kpi, k.before, k.after, ""] for k in d.kpi_changes]
    return _csv(["change", "subject", "before", "after", "detail"], rows)


def write_csv(s: Snapshot, out: Path, *, mode: int = PRIVATE_MODE) -> list[Path]:
    """Write the tables into directory `out`, or into a zip when `out` ends in .zip. Returns what was written.

    The directory is written whole (every table or none) through `safe_files.write_folder`.
    """
    files = tables(s)
    if out.suffix.lower() == ".zip":
        return [write_file(out, zip_bytes(files), mode=mode)]
    if out.exists() and not out.is_dir() and not out.is_symlink():
        raise NotADirectoryError(f"{out} exists and is not a directory (CSV writes one file per table; end the path in .zip for one file)")
    return write_folder(out, files, mode=mode, replaceable=TABLE_FILES)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the files: fixed timestamps, order and permissions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # "unix", whatever the platform that writes it
            z.writestr(info, data)
    return buf.getvalue()
