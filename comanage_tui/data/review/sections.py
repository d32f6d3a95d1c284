"""The review laid out once as titled tables of text: Markdown, HTML and the dashboard's Review screen render these.

Each compared figure becomes a row (label, this period, previous period, change): the
change is the arrow, the signed difference and, where one direction is good for the
figure, "better" or "worse". Cells are plain text (cleaned); each renderer escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from comanage_tui.data.readmodel.review.model import Fig, KeyFig, Review

LABEL_WIDTH = 26  # label cells are cut to this (with "…") so every table fits 80 columns


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = (1, 2)


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    """Paragraphs shown after the tables (rules, notes)."""
    lead: list[str] = field(default_factory=list)
    """Paragraphs shown before the tables."""


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def cut(text: str, width: int = LABEL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def value(x: float | None, unit: str) -> str:
    """A figure's value in its unit: "12", "75.0%", "3.5 h", "45 min"; "n/a" when there is none."""
    if x is None:
        return "n/a"
    if unit == "%":
        return f"{x:.1f}%"
    if unit == "h":
        return f"{x:,.1f} h"
    if unit == "min":
        return f"{x:.0f} min"
    return f"{x:,.0f}"


def change(f: Fig, unit: str) -> str:
    """"↑ +2 worse", "↓ -4.5 pt better", "→ same", "n/a" (no comparison)."""
    if f.delta is None:
        return "n/a"
    if f.verdict == "same":
        return "→ same"
    suffix = {"%": " pt", "h": " h", "min": " min"}.get(unit, "")
    number = f"{f.delta:+,.0f}" if unit in ("n", "min") else f"{f.delta:+,.1f}"
    verdict = f" {f.verdict}" if f.verdict in ("better", "worse") else ""
    return f"{f.arrow} {number}{suffix}{verdict}"


def row(label: str, f: Fig, unit: str = "n") -> list[str]:
    return [cut(label), value(f.current, unit), value(f.previous, unit), change(f, unit)]


def _keyed(prefix: str, rows: list[KeyFig], unit: str = "n") -> list[list[str]]:
    return [row(f"{prefix}{r.key}", r.fig, unit) for r in rows]


def sections(r: Review) -> list[Section]:
    """Every section of the review, in order; the same figures in every format."""
    # Column headers: the period labels, or "Period"/"Before" for a range of days (its label is long).
    this, prev = (r.period.label, r.previous.label) if r.period.kind != "days" else ("Period", "Before")

    def table(rows: list[list[str]], first: str = "Figure") -> Table:
        return Table([first, this, prev, "Change"], rows)

    out = [Section("summary", "Summary", lead=[r.roi.summary])]
    vol = Section("volume", "Volume")
    for name, v in (("Opened", r.opened), ("Resolved", r.resolved)):
        vol.tables.append(table([row(f"{name}, all", v.total), *_keyed("", v.by_priority), *_keyed("", v.by_party),
                                 *_keyed("", v.by_area)], name))
    vol.text.append("Opened: by the priority and party a ticket opened with. Resolved: tickets whose resolution "
                    "clock stopped in the period, by the priority and party then. Area: the ticket's area.")
    out.append(vol)
    out.append(Section("backlog", "Backlog at the period's end", tables=[table(
        [row("Open tickets", r.backlog.total),
         *[row(f"Age {b.key.replace('>', 'over ')} days", b.fig) for b in r.backlog.buckets]])],
        text=["Tickets opened and not resolved at the end of each period; age in whole days since opening."]))
    sla = Section("sla", "SLA compliance", text=[r.sla.rule, r.sla.ola_note])
    for c in r.sla.clocks:
        sla.tables.append(table([row("All", c.overall, "%"), *_keyed("", c.by_party, "%"),
                                 *_keyed("", c.by_priority, "%")], f"{c.clock.capitalize()} clock"))
        sla.lead.append(f"{c.clock.capitalize()}: {c.met:,} met, {c.missed:,} missed in {r.period.label}.")
    if r.sla.ola_by_party:
        sla.tables.append(table(_keyed("", r.sla.ola_by_party, "%"), "OLA hops"))
    out.append(sla)
    ttr = Section("resolve_times", "Time to resolve (business hours)", text=[r.resolve_times.rule])
    ttr.tables.append(table([x for t in r.resolve_times.by_priority for x in (
        row(f"{t.priority} median ({t.resolved})", t.median_hours, "h"), row(f"{t.priority} p90", t.p90_hours, "h"))],
        "Priority (resolved)"))
    out.append(ttr)
    out.append(Section("breaches", "Breaches by the party holding the ticket", tables=[table(
        [row("All", r.breaches.total), *_keyed("", r.breaches.by_party)], "Held by")], text=[r.breaches.rule]))
    top = Section("top_areas", "Areas with most tickets and most breaches")
    for name, rows in (("Most tickets", r.top_areas.most_tickets), ("Most breaches", r.top_areas.most_breaches)):
        top.tables.append(Table([name, this, prev, "Change"], [row(a.area, a.fig) for a in rows]))
    top.text.append("Tickets opened in the period per area; SLA clocks that ran out in it per area (top five).")
    out.append(top)
    hand = Section("handoffs", "Handoffs", text=[r.handoffs.rule])
    groups = [("All", r.handoffs.overall)] + [(d.direction, d) for d in r.handoffs.by_direction]
    for name, g in groups:
        hand.tables.append(table([row("Handoffs", g.count), row("Acknowledged on time", g.on_time_percent, "%"),
                                  row("Median wait", g.median_wait_minutes, "min"), row("Bounces", g.bounces)],
                                 cut(name)))
    out.append(hand)
    k = r.knowledge
    kt = Section("knowledge", "Knowledge transfer", tables=[table(
        [row("KT items verified", k.verified_items), row("Single points of knowledge", k.single_points)])])
    kt.lead.append(f"Single points opened: {', '.join(k.single_points_opened) or 'none'}. "
                   f"Closed: {', '.join(k.single_points_closed) or 'none'}.")
    kt.tables.append(Table(["Area", "Internal", "Partner", "Runbook", "Single point"], [
        [cut(c.area, 18), _pair(c.internal_people), _pair(c.partner_people),
         _yes(c.documented_before) + "→" + _yes(c.documented_after),
         cut(_sp(c.single_point_before) + "→" + _sp(c.single_point_after), 22)] for c in k.coverage], (1, 2)))
    kt.text += [k.rule, "Coverage columns read previous → this period's end."]
    out.append(kt)
    s = r.split
    split = Section("split", "The split (RACI)", tables=[table(
        [row("RACI changes", s.changes_count), row("Areas drifting", s.drifting_areas)])])
    if s.changes:
        split.tables.append(Table(["Changed", "Area", "Party", "Letter"], [
            [c.at[:10], cut(c.area, 20), cut(c.party, 20), f"{c.before or '-'} → {c.after or '-'}"] for c in s.changes], ()))
    if s.drift:
        split.tables.append(table([row(f"{d.area}: {d.party}", d.share_percent, "%") for d in s.drift], "Drift"))
    split.text.append(s.rule)
    out.append(split)
    roi = r.roi
    out.append(Section("roi", "Time the partners saved the internal team", tables=[table(
        [row("Partner-resolved tickets", roi.partner_resolved), row("Hours of work", roi.hours, "h")])],
        lead=[f"Hours used: {roi.source}. {roi.recorded_hours:,.1f} h recorded on {plural(roi.recorded_tickets, 'ticket')}, "
              f"{roi.estimated_hours:,.1f} h estimated for {plural(roi.estimated_tickets, 'ticket')}, "
              f"{plural(roi.unestimated_tickets, 'ticket')} with neither (counted 0 h)."],
        text=[roi.rule]))
    return out


def _pair(f: Fig) -> str:
    return f"{value(f.previous, 'n')}→{value(f.current, 'n')}"


def _yes(b: bool) -> str:
    return "yes" if b else "no"


def _sp(reason: str | None) -> str:
    return "no" if reason is None else "yes"
