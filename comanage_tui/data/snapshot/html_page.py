"""Render a Snapshot as one self-contained HTML page: inline CSS, inline SVG charts, no script.

The page makes no request of its own (a Content-Security-Policy meta tag forbids any),
prints on A4, and explains itself to a reader who never saw the dashboard. Every user
string passes through `h()`; class names come only from our own enums.
"""

from __future__ import annotations

import html

from comanage_tui.data.snapshot.accountability import held_html
from comanage_tui.data.snapshot.build import clean
from comanage_tui.data.snapshot.model import PartyScorecard, Snapshot
from comanage_tui.data.snapshot.render import (
    COMPLIANCE_HEADERS,
    MAX_ROWS,
    RULE_TITLES,
    card_title,
    card_window,
    compliance_rows,
    elapsed,
    kpi_lines,
    label,
    scope_text,
    scorecard_parts,
    when,
)
from comanage_tui.data.snapshot.svg_charts import kt_chart, trend_chart, workload_chart

CSS = """
@page { size: A4; margin: 14mm 12mm 16mm; }
:root { --ink: #1d2733; --muted: #5b6675; --line: #d5dbe3; --band: #f3f5f8; --bad: #b3261e; --warn: #a35c00; --ok: #2e7d32; }
* { box-sizing: border-box; }
body { font: 13px/1.45 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px;
  padding: 24px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 26px 0 8px; padding-bottom: 3px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 14px; margin: 16px 0 6px; }
p.sub, p.rule, .muted { color: var(--muted); }
p.rule { font-size: 12px; border-left: 3px solid var(--line); padding-left: 8px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 14px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: var(--band); }
.kpi .v { font-size: 20px; font-weight: bold; display: block; }
.kpi .l { font-size: 11px; color: var(--muted); }
.kpi.bad { border-color: var(--bad); } .kpi.bad .v { color: var(--bad); }
.kpi.warn { border-color: var(--warn); } .kpi.warn .v { color: var(--warn); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 12px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 600; white-space: nowrap; }
.s-breached, .s-missed { background: #fde7e5; color: var(--bad); }
.s-at_risk { background: #fff1dc; color: var(--warn); }
.s-running, .s-met, .s-acknowledged, .s-requested { background: #e7f3e8; color: var(--ok); }
.raci td.l { text-align: center; font-weight: bold; width: 60px; }
.raci td.l-R { background: #dbe9f9; } .raci td.l-A { background: #e5dcf5; }
.problem { color: var(--bad); }
figure { margin: 8px 0 12px; } figcaption { font-size: 11px; color: var(--muted); }
svg { max-width: 100%; height: auto; }
.note { white-space: pre-wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px 8px; margin: 12px 0; }
.card h3 { margin-top: 8px; } .card p { margin: 8px 0 4px; }
.nowrap { white-space: nowrap; }
footer { margin-top: 28px; font-size: 11px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  h2, h3 { break-after: avoid; } tr, figure, .kpi { break-inside: avoid; } thead { display: table-header-group; }
  .card { border: none; padding: 0; } .card + .card { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""


def h(value: object) -> str:
    """User text for HTML content or a quoted attribute."""
    return html.escape(clean(value), quote=True)


def _badge(state: str) -> str:
    known = {"breached", "missed", "at_risk", "running", "met", "acknowledged", "requested", "paused"}
    cls = f"s-{state}" if state in known else ""
    return f'<span class="badge {cls}">{h(label(state))}</span>'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), cls: str = "") -> str:
    """Cells must already be HTML; headers are our own words."""
    head = "".join(f'<th class="n">{x}</th>' if i in numeric else f"<th>{x}</th>" for i, x in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _more(total: int, shown: int, what: str) -> str:
    return f'<p class="muted">Showing {shown} of {total} {what}; the JSON and CSV exports list all of them.</p>' if total > shown else ""


def _kpis(s: Snapshot) -> str:
    k = s.kpis
    alarm = {"Breached clocks": "bad" if k.breached_clocks else "", "At-risk clocks": "warn" if k.at_risk_clocks else "",
             "Handoffs not acknowledged in time": "warn" if k.late_handoffs else "",
             "Tickets no SLA policy covers (open / all)": "warn" if k.uncovered_tickets else ""}
    tiles = "".join(f'<div class="kpi {alarm.get(lbl, "")}"><span class="v">{h(v)}</span><span class="l">{h(lbl)}</span></div>'
                    for lbl, v in kpi_lines(s))
    return f'<section class="kpis">{tiles}</section>'


def _compliance(s: Snapshot) -> str:
    c = s.compliance
    parts = [f"<h2>SLA compliance, last {c.window_days} days</h2>", f'<p class="rule">{h(c.rule)}</p>',
             f'<figure>{trend_chart(s)}<figcaption>Resolution compliance per week over the last {len(s.trend)} weeks '
             "(bars; the number above each bar is the compliance %, below it how many clocks closed).</figcaption></figure>"]
    for grouping, title in (("by_party", "Party"), ("by_area", "Area"), ("by_priority", "Priority")):
        rows = [[h(r[0]), *(h(x) for x in r[1:])] for r in compliance_rows(c.clocks, grouping)]
        parts += [f"<h3>By {title.lower()}</h3>", _table([title, *COMPLIANCE_HEADERS[1:]], rows, {1, 2, 3, 4, 5, 6})]
    return "<section>" + "".join(parts) + "</section>"


def _clocks(s: Snapshot) -> str:
    out = ["<section><h2>Breached and at-risk clocks</h2>"]
    if not s.clocks:
        return out[0] + "<p>None: every open clock is within its target.</p></section>"
    out.append('<p class="muted">Breached first (longest overdue first), then at risk (soonest due first). '
               "&ldquo;Held when it ran out&rdquo; is the party that had the ticket when the target was missed.</p>")
    heads = ["Ticket", "Title", "Area", "Prio", "Clock", "State", "Elapsed", "Due / ran out", "Held by", "Held when it ran out"]
    rows = [[h(x.ticket_ref), h(x.title), h(x.area or ""), h(x.priority), h(x.clock), _badge(x.state),
             h(elapsed(x.elapsed_minutes, x.target_minutes, x.elapsed_percent)), h(when(x.breached_at or x.due_at)),
             h(x.holder), h(x.breach_holder or "")] + ([f'<span class="note">{h_multi(x.notes)}</span>'] if s.include_notes else [])
            for x in s.clocks[:MAX_ROWS]]
    out += [_table(heads + (["Notes"] if s.include_notes else []), rows), _more(len(s.clocks), MAX_ROWS, "clocks"), "</section>"]
    return "".join(out)


def h_multi(value: str | None) -> str:
    """Multi-line private notes: escaped, line breaks kept by CSS (pre-wrap)."""
    return html.escape(clean(value, multi_line=True), quote=True)


def _handoffs(s: Snapshot) -> str:
    out = ["<section><h2>Open handoffs, longest waiting first</h2>"]
    if not s.handoffs:
        return out[0] + "<p>None.</p></section>"
    out.append('<p class="muted">Work passed from one party to another and not yet taken. Waiting time counts business '
               "hours of the receiving party; the acknowledgement clock shows whether the receiver answered in time.</p>")
    heads = ["#", "From &rarr; to", "Summary", "Ticket", "State", "Waiting (business h)", "Acknowledgement", "Bounced",
             "Last return reason"]
    rows = [[str(x.id), f'<span class="nowrap">{h(x.from_party)} &rarr; {h(x.to_party)}</span>', h(x.summary), h(x.ticket_ref or ""), _badge(x.state),
             f"{x.age_business_hours:.1f}", f"{_badge(x.ack_state)} {x.ack_target_minutes} min target", str(x.bounce_count),
             h(x.last_return_reason)] + ([f'<span class="note">{h_multi(x.context)}</span>'] if s.include_notes else [])
            for x in s.handoffs[:MAX_ROWS]]
    out += [_table(heads + (["Context"] if s.include_notes else []), rows, {0, 5, 7}),
            _more(len(s.handoffs), MAX_ROWS, "handoffs"), "</section>"]
    return "".join(out)


def _raci(s: Snapshot) -> str:
    parties = [p.key for p in s.parties]
    problems = [f'<li><b>{h(a.name)}</b> ({h(a.area)}): <span class="problem">{h(p)}</span></li>' for a in s.raci for p in a.problems]
    body = []
    for a in s.raci:
        cells = [f"<td>{h(a.name)}</td>"]
        for p in parties:
            letter = a.letters.get(p, "")
            cls = f" l-{letter}" if letter in ("R", "A", "C", "I") else ""
            cells.append(f'<td class="l{cls}">{h(letter)}</td>')
        cells.append(f'<td class="problem">{h("; ".join(a.problems))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    heads = "".join(f"<th>{x}</th>" for x in ["Area", *(h(p) for p in parties), "Problems"])
    return ("<section><h2>Who owns what (RACI)</h2>"
            '<p class="muted">R = responsible (does the work), A = accountable (exactly one per area), C = consulted, '
            "I = informed. A gap is an area without R or A, an overlap two A, drift work held by a party that is not R.</p>"
            + (f"<ul>{''.join(problems)}</ul>" if problems else "<p>No gaps, overlaps or drift.</p>")
            + f'<table class="raci"><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}</tbody></table></section>')


def _workload(s: Snapshot) -> str:
    t = s.time_freed
    rows = [[h(w.name), h(w.kind), str(w.open_tickets), f"{w.business_hours_held:.1f}", f"{w.hours_logged:.1f}"] for w in s.workload]
    return (f"<section><h2>Workload by party, last {t.window_days} days</h2>"
            f"<figure>{workload_chart(s)}<figcaption>Business hours each party held open tickets (paused time excluded)."
            "</figcaption></figure>"
            + _table(["Party", "Kind", "Open tickets", "Business hours held", "Hours logged"], rows, {2, 3, 4})
            + f'<p><b>Time freed: {t.hours:.1f} h.</b> <span class="muted">{h(t.rule)}</span></p></section>')


def _knowledge(s: Snapshot) -> str:
    k = s.knowledge
    out = ["<section><h2>Knowledge transfer</h2>",
           f"<figure>{kt_chart(s)}<figcaption>Runbooks, walkthroughs, shadowing and access handovers owed between the "
           "teams, by status.</figcaption></figure>"]
    backlog = [i for i in k.items if i.status in ("planned", "in_progress")]
    out.append("<h3>Backlog</h3>")
    if backlog:
        rows = [[h(i.area), h(i.topic), h(label(i.kind)), h(label(i.direction)), _badge(i.status),
                 h(i.due_date or "") + (' <span class="problem">overdue</span>' if i.overdue else ""), h(i.teacher or ""),
                 h(", ".join(i.learners))] + ([f'<span class="note">{h_multi(i.notes)}</span>'] if s.include_notes else [])
                for i in backlog[:MAX_ROWS * 2]]
        out += [_table(["Area", "Topic", "Kind", "Direction", "Status", "Due", "Teacher", "Learners"]
                       + (["Notes"] if s.include_notes else []), rows), _more(len(backlog), MAX_ROWS * 2, "items")]
    else:
        out.append("<p>Nothing open.</p>")
    stale = [i for i in k.items if i.stale]
    out.append("<h3>Stale documents</h3>")
    out.append(_table(["Area", "Topic", "Last reviewed", "Review every (days)", "Link"],
                      [[h(i.area), h(i.topic), h(i.last_reviewed or ""), h(i.review_interval_days or ""), _link(i.doc_link)]
                       for i in stale], {3}) if stale else "<p>None.</p>")
    single = [c for c in k.coverage if c.single_point]
    out.append("<h3>Single points of knowledge</h3>")
    out.append(_table(["Area", "Why", "Internal people", "Partner people", "Runbook done"],
                      [[h(c.name), h(c.single_point), str(c.internal_people), str(c.partner_people),
                        "yes" if c.documented else "no"] for c in single], {2, 3}) if single else "<p>None.</p>")
    return "".join(out) + "</section>"


def _link(url: str) -> str:
    # Only web links become anchors: a "javascript:" or "data:" link from the database stays text.
    text = h(url)
    return f'<a href="{text}">{text}</a>' if url.startswith(("https://", "http://")) else text


def _delta(s: Snapshot) -> str:
    d = s.delta
    if d is None:
        return ""
    items = [f"<li>New breach: <b>{h(c.ticket_ref)}</b> {h(c.clock)} ({h(c.title)}), ran out {h(when(c.breached_at))} "
             f"held by {h(c.breach_holder or '?')}</li>" for c in d.new_breaches]
    items += [f"<li>Breach no longer open: {h(c.ticket_ref)} {h(c.clock)} ({h(c.title)})</li>" for c in d.cleared_breaches]
    items += [f"<li>Handoff #{x.id} now late: {h(x.summary)} ({h(x.from_party)} &rarr; {h(x.to_party)})</li>"
              for x in d.handoffs_now_late]
    items += [f"<li>Knowledge transfer completed: {h(x.topic)} ({h(x.area)}), {h(label(x.before))} &rarr; {h(label(x.after))}</li>"
              for x in d.kt_completed]
    items += [f"<li>RACI {h(r.area)} / {h(r.party)}: {h(r.before or '(none)')} &rarr; {h(r.after or '(none)')}</li>"
              for r in d.raci_changes]
    items += [f"<li>New problem: {h(p)}</li>" for p in d.problems_new]
    items += [f"<li>Problem resolved: {h(p)}</li>" for p in d.problems_resolved]
    items += [f"<li>Changed: {h(c.text())}</li>" for c in d.changed]
    kpis = _table(["Measure", "Before", "Now"], [[h(label(x.kpi)), "n/a" if x.before is None else f"{x.before:g}",
                                                 "n/a" if x.after is None else f"{x.after:g}"] for x in d.kpi_changes],
                  {1, 2}) if d.kpi_changes else ""
    notes = "".join(f'<p class="muted">{h(n)}</p>' for n in d.notes)
    return (f"<section><h2>Changes since {h(when(d.since))}</h2>{notes}<ul>{''.join(items) or '<li>Nothing changed.</li>'}</ul>"
            f"{kpis}</section>")


def scorecard_html(c: PartyScorecard, heading: str = "h3") -> str:
    """One party's scorecard as an HTML section (no rules: the caller states them once)."""
    out = [f'<section class="card"><{heading}>{h(card_title(c))}</{heading}>', f'<p class="muted">Window: {h(card_window(c))}.</p>']
    for part in scorecard_parts(c):
        out.append(f"<p><b>{h(part.title)}.</b> {h(part.summary)}</p>")
        if part.rows:
            out.append(_table([h(x) for x in part.headers], [[h(x) for x in r] for r in part.rows], set(part.right)))
    return "".join(out) + "</section>"


def rules_html(rules: dict[str, str]) -> str:
    return "<ul>" + "".join(f"<li><b>{h(RULE_TITLES.get(k, k))}:</b> {h(v)}</li>" for k, v in rules.items()) + "</ul>"


def _scorecards(s: Snapshot) -> str:
    if not s.scorecards:
        return ""
    return (f"<section><h2>Party scorecards, last {s.compliance.window_days} days</h2>"
            + "".join(scorecard_html(c) for c in s.scorecards)
            + f'<h3>How the scorecards are counted</h3><div class="muted">{rules_html(s.scorecards[0].rules)}</div></section>')


def render_html(s: Snapshot) -> str:
    title = f"Co-managed IT status snapshot, {when(s.as_of)}"
    limits = "".join(f"<li>{h(x)}</li>" for x in s.limits)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No fetch of any kind: the file must look the same offline, in a mail attachment, years later.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{h(title)}</title>", f"<style>{CSS}</style></head><body>",
        f"<header><h1>Co-managed IT status snapshot</h1><p class=\"sub\">As of <b>{h(when(s.as_of))}</b> "
        f"({h(s.timezone)}, UTC{h(s.as_of[-6:])}) &middot; Scope: <b>{h(scope_text(s))}</b> &middot; "
        f"Window: last {s.compliance.window_days} days &middot; Parties: "
        + ", ".join(f"{h(p.name)} ({h(p.key)}, {h(p.kind)})" for p in s.parties) + "</p>"
        + ("<p class=\"sub\">Data as of " + " &middot; ".join(h(x.shown) for x in s.sources) + "</p>" if s.sources else "")
        + "</header>",
        _kpis(s), _compliance(s), _clocks(s), _handoffs(s), _raci(s), _workload(s), held_html(s, _table), _knowledge(s),
        _scorecards(s), _delta(s),
        f"<footer><h3>About this snapshot</h3><ul>{limits}</ul>"
        f"<p>Schema version {s.schema_version}; generated for {h(s.generated_at)}.</p></footer>",
        "</body></html>", "",
    ])
