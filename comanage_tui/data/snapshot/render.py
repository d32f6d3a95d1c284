"""Render a Snapshot as Markdown (for e-mail and chat) or JSON (the same content as data).

Markdown tables are aligned pipe tables, so they read as well in a plain-text mail client
as rendered. Every user string goes through `md()`: pipes, backslashes and Markdown
markup are backslash-escaped, HTML is entity-escaped, control characters are removed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from comanage_tui.data.readmodel.figures import hm
from comanage_tui.data.sla.explain import format_duration
from comanage_tui.data.snapshot.accountability import held_markdown
from comanage_tui.data.snapshot.build import clean
from comanage_tui.data.snapshot.model import ClockCompliance, PartyScorecard, Snapshot

MAX_ROWS = 25  # per long table in Markdown/HTML; JSON and CSV carry every row
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_LINE_START = re.compile(r"^(?:[-+=]|(\d+)([.)]))")


def md(value: object) -> str:
    """One table cell or inline phrase of user text, inert in Markdown and in HTML."""
    s = clean(value)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    # A cell never starts a block, but a phrase after "- " could: keep it from opening a list or quote.
    # (a backslash escapes only punctuation: "1\\." works, "\\1." would print the backslash).
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else "\\" + m[0], s.strip())


def label(value: str | None) -> str:
    """Our own enum values (in_progress, at_risk) shown as words."""
    return "" if value is None else value.replace("_", " ")


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def when(iso: str | None) -> str:
    """ISO time as "2026-11-23 09:30" (the zone is stated once in the header)."""
    return "" if iso is None else dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] = ()) -> list[str]:
    """An aligned pipe table; cells must already be escaped. `right` lists right-aligned columns."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(3, *(_width(r[i]) for r in cells)) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        out = []
        for i, c in enumerate(r):
            pad = " " * (widths[i] - _width(c))
            out.append(pad + c if i in right else c + pad)
        return "| " + " | ".join(out) + " |"

    rule = "| " + " | ".join(("-" * (w - 1) + ":") if i in right else "-" * w for i, w in enumerate(widths)) + " |"
    return [line(cells[0]), rule, *(line(r) for r in cells[1:])]


def _more(total: int, shown: int, what: str) -> list[str]:
    if total <= shown:
        return []
    return ["", f"*Showing {shown} of {total} {what}; the JSON and CSV exports list all of them.*"]


def kpi_lines(s: Snapshot) -> list[tuple[str, str]]:
    """The headline as (label, value) pairs; shared by Markdown and HTML."""
    k = s.kpis
    return [
        ("Open tickets with an SLA clock running", str(k.open_tickets)),
        ("Breached clocks", str(k.breached_clocks)),
        ("At-risk clocks", str(k.at_risk_clocks)),
        ("Clocks due by close of business today", str(k.due_today_clocks)),
        ("Paused clocks", str(k.paused_clocks)),
        ("Open handoffs", str(k.open_handoffs)),
        ("Handoffs not acknowledged in time", str(k.late_handoffs)),
        (f"Response compliance, {s.compliance.window_days} days", pct(k.response_compliance_percent)),
        (f"Resolution compliance, {s.compliance.window_days} days", pct(k.resolution_compliance_percent)),
        ("Knowledge-transfer items open", str(k.kt_open_items)),
        ("Knowledge-transfer items overdue", str(k.kt_overdue_items)),
        ("Stale documents", str(k.stale_documents)),
        ("RACI gaps / overlaps / drift", f"{k.raci_gaps} / {k.raci_overlaps} / {k.raci_drift}"),
        ("Single points of knowledge", str(k.single_points_of_knowledge)),
        (f"Time freed by partners, {s.time_freed.window_days} days", f"{k.time_freed_hours:.1f} h"),
        ("Tickets no SLA policy covers (open / all)", f"{k.uncovered_open_tickets} / {k.uncovered_tickets}"),
    ]


def compliance_rows(clocks: list[ClockCompliance], grouping: str) -> list[list[object]]:
    """One row per key: response and resolution side by side (shared by Markdown, HTML)."""
    by = {c.clock: {r.key: r for r in getattr(c, grouping)} for c in clocks}
    keys = sorted(set(by.get("response", {})) | set(by.get("resolution", {})))
    rows = []
    for key in keys:
        resp, res = by.get("response", {}).get(key), by.get("resolution", {}).get(key)
        rows.append([
            key,
            pct(resp.percent) if resp else "n/a", f"{resp.met}/{resp.missed}" if resp else "0/0",
            pct(res.percent) if res else "n/a", f"{res.met}/{res.missed}" if res else "0/0",
            (resp.in_flight if resp else 0) + (res.in_flight if res else 0),
            (resp.breached if resp else 0) + (res.breached if res else 0),
        ])
    return rows


COMPLIANCE_HEADERS = ["", "Response", "met/missed", "Resolution", "met/missed", "Open clocks", "Breached now"]


def elapsed(minutes: int, target: int, percent: float) -> str:
    return f"{percent:.0f}% ({format_duration(minutes * 60)} of {format_duration(target * 60)})"


def scope_text(s: Snapshot) -> str:
    if s.scope is None:
        return "all parties"
    name = next((p.name for p in s.parties if p.key == s.scope), s.scope)
    return f"{name} ({s.scope}) only"


def render_markdown(s: Snapshot) -> str:
    out: list[str] = ["# Co-managed IT status snapshot", ""]
    out += [f"**As of** {when(s.as_of)} ({md(s.timezone)}, UTC{s.as_of[-6:]}) · **Scope:** {md(scope_text(s))} · "
            f"**Window:** last {s.compliance.window_days} days", ""]
    if s.sources:  # synced sources: how old the data behind every figure is
        out += ["**Data as of** " + " · ".join(md(x.shown) for x in s.sources), ""]
    out += ["## Headline", "", *table(["Measure", "Value"], kpi_lines(s), right=[1]), ""]

    c = s.compliance
    out += [f"## SLA compliance, last {c.window_days} days", "", f"Rule: {md(c.rule)}", ""]
    for grouping, title in (("by_party", "Party"), ("by_area", "Area"), ("by_priority", "Priority")):
        rows = [[md(r[0]), *r[1:]] for r in compliance_rows(c.clocks, grouping)]
        out += [f"### By {title.lower()}", "", *table([title, *COMPLIANCE_HEADERS[1:]], rows, right=[1, 2, 3, 4, 5, 6]), ""]
    out += ["### Resolution compliance by week", "",
            *table(["Week starting", "Compliance", "Closed clocks"],
                   [[when(w.week_start)[:10], pct(w.percent), w.closed_clocks] for w in s.trend], right=[1, 2]), ""]

    out += ["## Breached and at-risk clocks", ""]
    if not s.clocks:
        out += ["None: every open clock is within its target.", ""]
    else:
        heads = ["Ticket", "Title", "Area", "Prio", "Clock", "State", "Elapsed", "Due / ran out", "Held by", "Held when it ran out"]
        rows = [[md(x.ticket_ref), md(x.title), md(x.area or ""), x.priority, x.clock, label(x.state),
                 elapsed(x.elapsed_minutes, x.target_minutes, x.elapsed_percent), when(x.breached_at or x.due_at),
                 md(x.holder), md(x.breach_holder or "")] + ([md(x.notes or "")] if s.include_notes else [])
                for x in s.clocks[:MAX_ROWS]]
        out += [*table(heads + (["Notes"] if s.include_notes else []), rows), *_more(len(s.clocks), MAX_ROWS, "clocks"), ""]

    out += ["## Open handoffs, longest waiting first", ""]
    if not s.handoffs:
        out += ["None.", ""]
    else:
        heads = ["#", "From → to", "Summary", "Ticket", "State", "Waiting (business h)", "Ack", "Bounced", "Last return reason"]
        rows = [[h.id, f"{md(h.from_party)} → {md(h.to_party)}", md(h.summary), md(h.ticket_ref or ""), label(h.state),
                 f"{h.age_business_hours:.1f}", f"{label(h.ack_state)} ({h.ack_target_minutes} min target)", h.bounce_count,
                 md(h.last_return_reason)] + ([md(h.context or "")] if s.include_notes else [])
                for h in s.handoffs[:MAX_ROWS]]
        out += [*table(heads + (["Context"] if s.include_notes else []), rows, right=[0, 5, 7]),
                *_more(len(s.handoffs), MAX_ROWS, "handoffs"), ""]

    out += _raci_md(s) + _workload_md(s) + held_markdown(s, md, table) + _knowledge_md(s) + scorecards_md(s) + _delta_md(s)
    out += ["## About this snapshot", "", *(f"- {md(x)}" for x in s.limits), ""]
    return "\n".join(out)


def _raci_md(s: Snapshot) -> list[str]:
    out = ["## Who owns what (RACI)", ""]
    problems = [(a, p) for a in s.raci for p in a.problems]
    out += [f"- **{md(a.name)}** ({md(a.area)}): {md(p)}" for a, p in problems] or ["No gaps, overlaps or drift."]
    parties = [p.key for p in s.parties]
    rows = [[md(a.name), *(a.letters.get(p, "") for p in parties), md("; ".join(a.problems))] for a in s.raci]
    return out + ["", *table(["Area", *(md(p) for p in parties), "Problems"], rows), ""]


def _workload_md(s: Snapshot) -> list[str]:
    rows = [[md(w.name), w.kind, w.open_tickets, f"{w.business_hours_held:.1f}", f"{w.hours_logged:.1f}"] for w in s.workload]
    t = s.time_freed
    return [f"## Workload by party, last {t.window_days} days", "",
            *table(["Party", "Kind", "Open tickets", "Business hours held", "Hours logged"], rows, right=[2, 3, 4]), "",
            f"**Time freed:** {t.hours:.1f} h. Rule: {md(t.rule)}", ""]


def _knowledge_md(s: Snapshot) -> list[str]:
    k = s.knowledge
    total = sum(k.by_status.values())
    finished = k.by_status.get("done", 0) + k.by_status.get("verified", 0)
    out = ["## Knowledge transfer", "",
           "Progress: " + " · ".join(f"{n} {label(st)}" for st, n in k.by_status.items()) + f" ({finished} of {total} done or verified)", ""]
    backlog = [i for i in k.items if i.status in ("planned", "in_progress")]
    out += ["### Backlog", ""]
    if backlog:
        rows = [[md(i.area), md(i.topic), label(i.kind), label(i.direction), label(i.status),
                 (i.due_date or "") + (" (overdue)" if i.overdue else ""), md(i.teacher or ""), md(", ".join(i.learners))]
                + ([md(i.notes or "")] if s.include_notes else []) for i in backlog[:MAX_ROWS * 2]]
        heads = ["Area", "Topic", "Kind", "Direction", "Status", "Due", "Teacher", "Learners"]
        out += [*table(heads + (["Notes"] if s.include_notes else []), rows), *_more(len(backlog), MAX_ROWS * 2, "items"), ""]
    else:
        out += ["Nothing open.", ""]
    stale = [i for i in k.items if i.stale]
    out += ["### Stale documents", ""]
    out += [*table(["Area", "Topic", "Last reviewed", "Review every (days)", "Link"],
                   [[md(i.area), md(i.topic), i.last_reviewed or "", i.review_interval_days or "", md(i.doc_link)] for i in stale],
                   right=[3]), ""] if stale else ["None.", ""]
    single = [c for c in k.coverage if c.single_point]
    out += ["### Single points of knowledge", ""]
    out += [*table(["Area", "Why", "Internal people", "Partner people", "Runbook done"],
                   [[md(c.name), md(c.single_point), c.internal_people, c.partner_people, "yes" if c.documented else "no"]
                    for c in single], right=[2, 3]), ""] if single else ["None.", ""]
    return out


def _delta_md(s: Snapshot) -> list[str]:
    d = s.delta
    if d is None:
        return []
    out = [f"## Changes since {when(d.since)}", "", *(f"*{md(n)}*" for n in d.notes)]
    items: list[str] = []
    items += [f"- New breach: {md(c.ticket_ref)} {c.clock} ({md(c.title)}), ran out {when(c.breached_at)} "
              f"held by {md(c.breach_holder or '?')}" for c in d.new_breaches]
    items += [f"- Breach no longer open: {md(c.ticket_ref)} {c.clock} ({md(c.title)})" for c in d.cleared_breaches]
    items += [f"- Handoff #{h.id} now late: {md(h.summary)} ({md(h.from_party)} → {md(h.to_party)})" for h in d.handoffs_now_late]
    items += [f"- Knowledge transfer completed: {md(k.topic)} ({md(k.area)}), {label(k.before)} → {label(k.after)}" for k in d.kt_completed]
    items += [f"- RACI {md(r.area)} / {md(r.party)}: {r.before or '(none)'} → {r.after or '(none)'}" for r in d.raci_changes]
    items += [f"- New problem: {md(p)}" for p in d.problems_new]
    items += [f"- Problem resolved: {md(p)}" for p in d.problems_resolved]
    items += [f"- Changed: {md(c.text())}" for c in d.changed]
    out += [*(items or ["- Nothing changed."]), ""]
    if d.kpi_changes:
        rows = [[label(k.kpi), "n/a" if k.before is None else f"{k.before:g}", "n/a" if k.after is None else f"{k.after:g}"]
                for k in d.kpi_changes]
        out += [*table(["Measure", "Before", "Now"], rows, right=[1, 2]), ""]
    return out


# --- party scorecards: one wording for Markdown, HTML and the dashboard's view ----------------

@dataclass
class CardPart:
    """One part of a party scorecard: a sentence of figures and, when there are rows, a table (plain text cells)."""

    title: str
    summary: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    right: tuple[int, ...] = ()


def _minutes(value: int | None) -> str:
    return "n/a" if value is None else hm(value)


def scorecard_parts(c: PartyScorecard) -> list[CardPart]:
    """The scorecard as parts, figures already worded (shared by every format, so they cannot drift apart)."""
    resp, res = ({v.clock: v for v in c.sla}.get(k) for k in ("response", "resolution"))
    said = "; ".join(f"{v.clock}: {v.met} met, {v.missed} missed ({pct(v.percent)})" for v in (resp, res) if v)
    sla = CardPart(
        "SLA verdicts", said[:1].upper() + said[1:] + ".",
        ["Clock", "Met", "Missed (breach theirs)", "Compliance", "Open now", "Breached now"],
        [[v.clock, str(v.met), str(v.missed), pct(v.percent), str(v.in_flight), str(v.breached)] for v in c.sla],
        (1, 2, 3, 4, 5))
    o = c.ola
    ola = CardPart(
        "OLA compliance", f"{o.met} hops met, {o.missed} missed ({pct(o.percent)}); {o.in_flight} open "
        f"({o.breached} past target); {o.without_target} without a target.",
        ["Priority", "Met", "Missed", "Compliance", "Open", "Past target", "No target"],
        [[r.key, str(r.met), str(r.missed), pct(r.percent), str(r.in_flight), str(r.breached), str(r.without_target)]
         for r in c.ola_by_priority], (1, 2, 3, 4, 5, 6))
    held = CardPart(
        "Time held by priority",
        "Business time held per ticket resolved in the window." if c.held else "No ticket it held was resolved in the window.",
        ["Priority", "Tickets", "Median", "90th percentile"],
        [[x.priority, str(x.tickets), hm(x.median_minutes), hm(x.p90_minutes)] for x in c.held], (1, 2, 3))
    h = c.handoffs
    handoffs = CardPart(
        "Handoffs", f"{h.received} received: {h.acknowledged_on_time} acknowledged on time, {h.acknowledged_late} late, "
        f"{h.waiting} waiting ({h.waiting_late} past target); median wait {_minutes(h.median_wait_minutes)}; "
        f"{h.bounces_caused} bounces caused; {h.sent} sent.")
    k = c.knowledge
    kt = CardPart(
        "Knowledge transfer owed", f"{len(k.owed)} owed ({k.overdue} overdue), {k.delivered} delivered.",
        ["Area", "Topic", "Kind", "Status", "Due"],
        [[i.area, i.topic, label(i.kind), label(i.status), (i.due_date or "") + (" (overdue)" if i.overdue else "")]
         for i in k.owed])
    drifting = sum(1 for a in c.areas if a.drift)
    areas = CardPart(
        "Areas where it is R or A", f"{len(c.areas)} areas, {drifting} with drift.",
        ["Area", "Letter", "Tickets in window", "Drift"],
        [[a.name, a.letter, str(a.recent_tickets), ", ".join(f"{d.party} {d.share_percent:g} %" for d in a.drift) or "none"]
         for a in c.areas], (2,))
    return [sla, ola, held, handoffs, kt, areas]


def card_title(c: PartyScorecard) -> str:
    return f"{c.name} ({c.party}), {c.kind}"


def card_window(c: PartyScorecard) -> str:
    return f"{when(c.window_start)} to {when(c.window_end)} ({c.timezone})"


RULE_TITLES = {"sla": "SLA verdicts", "ola": "OLA compliance", "held": "Time held", "handoffs": "Handoffs",
               "kt": "Knowledge transfer", "areas": "Areas"}


def scorecard_md(c: PartyScorecard, heading: str = "###") -> list[str]:
    """One party's scorecard as Markdown (no rules: the caller states them once)."""
    out = [f"{heading} {md(card_title(c))}", "", f"Window: {md(card_window(c))}.", ""]
    for part in scorecard_parts(c):
        out += [f"**{part.title}.** {md(part.summary)}", ""]
        if part.rows:
            out += [*table(part.headers, [[md(x) for x in r] for r in part.rows], right=part.right), ""]
    return out


def rules_md(rules: dict[str, str]) -> list[str]:
    return [f"- **{RULE_TITLES.get(k, k)}:** {md(v)}" for k, v in rules.items()]


def scorecards_md(s: Snapshot) -> list[str]:
    if not s.scorecards:
        return []
    out = [f"## Party scorecards, last {s.compliance.window_days} days", ""]
    for c in s.scorecards:
        out += scorecard_md(c)
    return out + ["How the scorecards are counted:", "", *rules_md(s.scorecards[0].rules), ""]


def render_json(s: Snapshot) -> str:
    return json.dumps(s.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
