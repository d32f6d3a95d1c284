"""Generate the demo database: a believable co-managed operation over the last 90 days.

Every ticket is drawn from the catalogue in demo_org: its title decides its area, kind
(incident or request), the priorities it can have (a headset request is never P1, a
site-to-site VPN outage is P1 or P2), how much work it is and whom it waits for. The
area's RACI decides the party that holds it (with the drift the split is known for), and
its life is scheduled in *business time* on the calendar of the SLA policy it falls under:
response and resolution effort drawn relative to that priority's targets (so a tail
breaches and more come close), pauses as long as that priority allows, handoffs to a
party of the area that bounce, escalations and reopens. Everything after `now` is cut
off, which leaves the recent tickets open in whatever state they had reached; a few
scripted tickets (demo_org.STORY) make sure the first morning has a breach, a late
handoff and clocks at risk. References rise with the opening time.
Deterministic for a given (seed, now, tickets).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from comanage_tui.data import demo_org as org
from comanage_tui.data.errors import DatabaseProblem
from comanage_tui.data.sla.engine import match_policy
from comanage_tui.data.store import Store

DAY = 86_400
HOUR = 3_600
HISTORY_DAYS = 90
HOURS_LOGGED = {"P1": 4.0, "P2": 2.0, "P3": 0.8, "P4": 0.5}  # median hands-on hours per ticket
PRIORITIES = ("P1", "P2", "P3", "P4")
PAUSE_HOURS = {"P1": (0.2, 0.75), "P2": (0.5, 6), "P3": (2, 72), "P4": (4, 120)}  # how long a pause lasts, by priority
PAUSE_CHANCE = {"customer": 0.45, "vendor": 0.5, "": 0.12}  # by whom the ticket typically waits for
PAUSE_STATUS = {"customer": "waiting_customer", "vendor": "waiting_vendor", "": "waiting_customer"}
PAUSE_NOTE = {"waiting_customer": "Waiting for the requester", "waiting_vendor": "Waiting for the vendor"}
HANDOFF_CHANCE = 0.15
HANDOFF_MIN_EFFORT = 0.5  # a password reset is done by whoever picks it up, not passed on
LETTER_PULL = {"R": 3.0, "A": 2.0, "C": 2.0, "I": 0.5}  # how likely a handoff goes to a party of the area, by letter
RETURN_REASONS = [
    "Not in our scope per the RACI: belongs to the owner of the area",
    "Missing the affected device names and a screenshot",
    "Needs a change approval first",
    "Wrong queue: nothing for us to do until the requester confirms",
]


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    tickets: int = 400
    now: int = 0
    weeks: int | None = None
    """History spread over this many weeks before `now`, with seasonal weekly volume and growth;
    None: the first-morning demo's 90 days, evenly."""


# Relative ticket volume by month: the January return and the September restart are busy,
# summer and the last weeks of December quiet.
SEASON = {1: 1.15, 2: 1.05, 3: 1.0, 4: 0.95, 5: 0.95, 6: 0.9, 7: 0.8, 8: 0.75, 9: 1.1, 10: 1.05, 11: 1.0, 12: 0.85}
GROWTH = 0.3
"""Over the whole history the weekly volume grows by this share (the organisation grows)."""


def week_weights(weeks: int, now: int) -> list[float]:
    """Relative volume of each week, oldest first: the season of its month, the holidays, growth."""
    out = []
    for i in range(weeks):
        start = dt.datetime.fromtimestamp(now - (weeks - i) * 7 * DAY, dt.UTC).date()
        weight = SEASON[start.month] * (1 + GROWTH * i / max(1, weeks - 1))
        if (start.month, start.day) >= (12, 20) or (start.month, start.day) <= (1, 2):
            weight *= 0.5  # between Christmas and New Year
        out.append(weight)
    return out


@dataclass
class _Ticket:
    """A ticket being scheduled: its events and handoffs before the cut-off at `now`."""

    ref: str
    title: str
    area_id: int
    priority: str
    kind: str
    opened_at: int
    events: list[tuple] = field(default_factory=list)  # (at, kind, status, party_id, person_id, priority, note)
    handoffs: list[dict] = field(default_factory=list)
    hours: float = 0.0
    notes: str = ""


def build_demo(store: Store, opts: DemoOptions) -> dict[str, int]:
    """Fill an empty store with the demo organisation and `opts.tickets` tickets. Returns counts."""
    if not store.is_empty():
        raise ValueError("the demo goes into an empty database")
    rng = random.Random(opts.seed)
    now = opts.now
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    for spec in org.CALENDARS:
        store.sla.put_calendar(spec)
    store.sla.replace_policies(org.POLICIES)
    for key, name, kind, calendar, description in org.PARTIES:
        store.org.add_party({"key": key, "name": name, "kind": kind, "calendar": calendar, "description": description})
    store.sla.replace_olas(org.OLAS)
    people = {p.name: p for p in (store.org.add_person({"party": party, "name": name, "role": role}) for party, name, role in org.PEOPLE)}
    parties = {p.key: p for p in store.org.parties()}
    for key, name, crit, _w, raci, _drift, able in org.AREAS:
        store.org.add_area({"key": key, "name": name, "criticality": crit})
        for party, letter in raci.items():
            store.org.set_raci(key, party, letter)
        for person in able:
            store.org.add_capability(key, people[person].id)
    _kt(store, people, today)

    gen = _Generator(store, rng, now, parties, people, opts.weeks)
    story = gen.story(org.STORY[:opts.tickets])
    tickets = [gen.ticket() for _ in range(opts.tickets - len(story))] + story
    tickets.sort(key=lambda t: t.opened_at)  # stable: the same order for the same draws
    for i, t in enumerate(tickets):
        t.ref = f"INC{100_000 + i}"
    gen.standalone_handoffs(tickets)
    written = _write(store, tickets, now, opts)
    weeks = "" if opts.weeks is None else f" weeks={opts.weeks}"
    store.set_meta("demo", f"seed={opts.seed} tickets={opts.tickets} now={now}{weeks}")
    return {"parties": len(parties), "people": len(people), "areas": len(org.AREAS), **written}


class _Generator:
    def __init__(self, store: Store, rng: random.Random, now: int, parties, people, weeks: int | None = None):
        self.rng, self.now = rng, now
        self.weeks = weeks
        self.week_cum = list(itertools.accumulate(week_weights(weeks, now))) if weeks else []
        self.policies = store.sla.policies()
        self.calendars = store.sla.calendar_map()
        self.party_id = {k: p.id for k, p in parties.items()}
        self.party_key = {p.id: k for k, p in parties.items()}
        self.party_cal = {p.id: self.calendars[p.calendar] for p in parties.values()}
        self.by_party: dict[int, list[int]] = {}
        for p in people.values():
            self.by_party.setdefault(p.party_id, []).append(p.id)
        self.people = {name: p.id for name, p in people.items()}
        self.areas = {a.key: a.id for a in store.org.areas()}
        self.able = {key: [people[n].id for n in able] for key, *_rest, able in org.AREAS}
        self.raci = {key: raci for key, _n, _c, _w, raci, _d, _a in org.AREAS}
        self.drift = {key: drift for key, _n, _c, _w, _r, drift, _a in org.AREAS}
        # One draw picks an (area, template) pair: area volume times the template's share of it.
        self.kinds: list[tuple[str, org.Template, list[float]]] = []
        weights: list[float] = []
        for key, _name, _crit, volume, *_rest in org.AREAS:
            templates = org.CATALOGUE[key]
            total = sum(t.weight for t in templates)
            for t in templates:
                self.kinds.append((key, t, list(itertools.accumulate(t.priorities))))
                weights.append(volume * t.weight / total)
        self.kind_cum = list(itertools.accumulate(weights))
        self._policy: dict[tuple[str, str, str], object] = {}

    def policy(self, area: str, priority: str, kind: str):
        """The policy a ticket falls under (memoised: the demo's policies match by area and priority)."""
        key = (area, priority, kind)
        if key not in self._policy:
            self._policy[key] = match_policy(self.policies, party=None, area=area, priority=priority, kind=kind)
        return self._policy[key]

    def _person(self, party_id: int, area: str) -> int:
        able = [p for p in self.able[area] if p in self.by_party[party_id]]
        return self.rng.choice(able or self.by_party[party_id])

    def _effort(self, target_s: float, median: float, sigma: float) -> float:
        """Business seconds of effort: log-normal around a share of the target, so a tail breaches."""
        return target_s * median * math.exp(self.rng.gauss(0, sigma))

    def _title(self, template: org.Template) -> str:
        return template.title.format(who=self.rng.choice(org.REQUESTERS), n=self.rng.randint(2, 9))

    def _opened(self) -> int:
        """When a ticket arrives: evenly over the last 90 days, or by the weekly volume of `weeks`."""
        rng = self.rng
        if not self.weeks:
            return self.now - int(rng.random() * HISTORY_DAYS * DAY)
        week = bisect.bisect_right(self.week_cum, rng.random() * self.week_cum[-1])
        week = min(week, self.weeks - 1)
        return self.now - int((self.weeks - week - rng.random()) * 7 * DAY)

    def ticket(self) -> _Ticket:
        rng = self.rng
        key, template, prio_cum = rng.choices(self.kinds, cum_weights=self.kind_cum)[0]
        priority = rng.choices(PRIORITIES, cum_weights=prio_cum)[0]
        holder = self.party_id[org.owner_of(self.raci[key])]
        drift = self.drift[key]
        if drift and rng.random() < drift[1]:
            holder = self.party_id[drift[0]]
        kind = template.kind
        policy = self.policy(key, priority, kind)
        cal = self.calendars[policy.calendar]
        target = policy.targets[priority]
        opened = self._opened()
        if not cal.is_open(opened) and rng.random() < (0.95 if kind == "request" else 0.8):
            # Most tickets arrive during the working day; some incidents come in after hours.
            moved = int(cal.add_business_seconds(cal.next_open(opened), rng.random() * 4 * HOUR))
            opened = moved if moved <= self.now else opened
        t = _Ticket("", self._title(template), self.areas[key], priority, kind, opened)
        t.events.append((opened, "opened", "new", holder, None, priority, ""))

        resp = int(cal.add_business_seconds(opened, self._effort(target.response_minutes * 60, 0.35, 0.7)))
        person = self._person(holder, key)
        t.events.append((max(opened, resp - 60), "assign", None, holder, person, None, ""))
        t.events.append((resp, "status", "in_progress", None, None, None, ""))
        t.events.append((resp, "response", None, None, None, None, "First reply to the requester"))

        work = self._effort(target.resolution_minutes * 60, 0.45, 0.6) * template.effort
        clock = resp
        steps: list[tuple[str, object]] = [("work", work * 0.4)]
        if rng.random() < PAUSE_CHANCE[template.wait]:
            steps.append(("pause", PAUSE_STATUS[template.wait]))
        # Tickets that drifted stay where they drifted to (that is the drift); quick jobs are never passed on.
        drifted = drift is not None and holder == self.party_id[drift[0]]
        if not drifted and template.effort >= HANDOFF_MIN_EFFORT and rng.random() < HANDOFF_CHANCE:
            steps.append(("handoff", template.handoff))
        if priority == "P3" and kind == "incident" and template.priorities[1] and rng.random() < 0.04:
            steps.append(("escalate", "P2"))  # only where the title can be a P2
        steps.append(("work", work * 0.6))
        for step, arg in steps:
            if step == "work":
                clock = int(cal.add_business_seconds(clock, arg))
            elif step == "pause":
                t.events.append((clock, "status", arg, None, None, None, PAUSE_NOTE[arg]))
                low, high = PAUSE_HOURS[t.priority]
                clock += int(rng.uniform(low, high) * HOUR)
                t.events.append((clock, "status", "in_progress", None, None, None, ""))
            elif step == "escalate":
                t.priority = arg
                t.events.append((clock, "priority", None, None, None, arg, "Escalated: more users affected"))
            else:
                clock, holder, person = self._handoff(t, cal, key, clock, holder, person, arg)
        t.events.append((clock, "status", "resolved", None, None, None, "Fixed and confirmed"))
        if rng.random() < 0.03:
            clock += int(rng.uniform(4 * HOUR, 2 * DAY))
            t.events.append((clock, "status", "in_progress", None, None, None, "Reopened: the problem came back"))
            clock = int(cal.add_business_seconds(clock, work * 0.3))
            t.events.append((clock, "status", "resolved", None, None, None, "Fixed for good"))
        t.events.append((clock + int(rng.uniform(1, 3) * DAY), "status", "closed", None, None, None, ""))
        # Effort logged is far below the elapsed business time: most of a ticket's life is queueing.
        t.hours = round(min(work / HOUR, rng.lognormvariate(math.log(HOURS_LOGGED[t.priority] * template.effort), 0.6)), 1)
        if rng.random() < 0.05:
            t.notes = "Private: requester escalated to their director; handle with care."
        return t

    def story(self, scripted: list[tuple]) -> list[_Ticket]:
        """The tickets demo_org.STORY places relative to `now`: open, in the state the story needs."""
        out = []
        for title, area, priority, holder_key, person, open_min, respond_min, handoff in scripted:
            template = next(t for t in org.CATALOGUE[area] if _matches(t.title, title))
            policy = self.policy(area, priority, template.kind)
            cal = self.calendars[policy.calendar]
            holder = self.party_id[holder_key]
            opened = _business_before(cal, self.now, open_min * 60)
            t = _Ticket("", title, self.areas[area], priority, template.kind, opened)
            t.events.append((opened, "opened", "new", holder, None, priority, ""))
            if respond_min is not None:
                resp = int(cal.add_business_seconds(opened, respond_min * 60))
                t.events.append((max(opened, resp - 60), "assign", None, holder, self.people[person], None, ""))
                t.events.append((resp, "status", "in_progress", None, None, None, ""))
                t.events.append((resp, "response", None, None, None, None, "First reply to the requester"))
            if handoff:
                to_key, ago_min, summary, context = handoff
                to = self.party_id[to_key]
                asked = max(opened, _business_before(self.party_cal[to], self.now, ago_min * 60))
                t.handoffs.append({"from": holder, "to": to, "requested_at": asked, "ack_target": _ack_target(priority),
                                   "summary": summary, "stages": [], "context": context})
            t.hours = round(HOURS_LOGGED[priority] * template.effort / 2, 1)
            out.append(t)
        return out

    def _handoff(self, t: _Ticket, cal, area: str, clock: int, holder: int, person: int, to: str) -> tuple[int, int, int]:
        """Pass the ticket on: to the party its title names, else to a party of the area's RACI
        (the Responsible first); a fifth bounce back once, some twice. A ticket passed to the
        area's Responsible party stays there (it was in the wrong hands); one passed to anyone
        else comes back once they have done their part. Returns (when, holder, person) after."""
        rng = self.rng
        if to and self.party_id[to] != holder:
            target = self.party_id[to]
        else:
            others = [(self.party_id[p], LETTER_PULL[letter]) for p, letter in self.raci[area].items() if self.party_id[p] != holder]
            if others:
                target = rng.choices([p for p, _w in others], [w for _p, w in others])[0]
            else:
                target = rng.choice([p for p in self.party_id.values() if p != holder])
        transfer = self.raci[area].get(self.party_key[target]) == "R"
        bounces = 2 if rng.random() < 0.06 else (1 if rng.random() < 0.2 else 0)
        ack_target = _ack_target(t.priority)
        h = {"from": holder, "to": target, "requested_at": clock, "ack_target": ack_target,
             "summary": f"{'Please take over' if transfer else 'Please help with'}: {t.title}", "stages": []}
        at = clock
        receiver = self.party_cal[target]  # the receiving party answers in its own hours, as its ack clock counts
        for b in range(bounces + 1):
            ack = int(receiver.add_business_seconds(at, ack_target * 60 * rng.uniform(0.1, 1.6)))
            h["stages"].append(("acknowledged", ack, None))
            at = int(receiver.add_business_seconds(ack, rng.uniform(0.2, 3) * HOUR))
            if b < bounces:
                h["stages"].append(("returned", at, rng.choice(RETURN_REASONS)))
                at = int(cal.add_business_seconds(at, rng.uniform(0.5, 6) * HOUR))
                h["stages"].append(("requested", at, None))
            else:
                h["stages"].append(("accepted", at, None))
        helper = self._person(target, area)
        t.events.append((at, "assign", None, target, helper, None, "Handoff accepted"))
        t.handoffs.append(h)
        if transfer:
            return at, target, helper
        at = int(receiver.add_business_seconds(at, rng.uniform(0.5, 4) * HOUR))
        t.events.append((at, "assign", None, holder, person, None, "Handed back: done on our side"))
        return at, holder, person

    def standalone_handoffs(self, tickets: list[_Ticket]) -> None:
        """A few open requests between the teams not tied to one ticket (reviews, chores)."""
        rng = self.rng
        chores = [("internal", "msp", "Quarterly firewall rule review"), ("msp", "internal", "Approve printer fleet replacement quote"),
                  ("secops", "internal", "Confirm owners of 14 dormant admin accounts"), ("internal", "secops", "Review new SIEM use cases")]
        for i, (frm, to, summary) in enumerate(chores):
            asked = self.now - int(rng.uniform(2, 60) * HOUR)
            stages = []
            if i == 0:
                # The one that keeps coming back: returned twice, asked a third time and still not acknowledged.
                asked = self.now - 9 * DAY
                stages = [("acknowledged", asked + 2 * HOUR, None), ("returned", asked + DAY, "Scope unclear: which rule sets?"),
                          ("requested", asked + 3 * DAY, None), ("acknowledged", asked + 4 * DAY, None),
                          ("returned", asked + 5 * DAY, "Needs the change freeze dates first"), ("requested", asked + 6 * DAY, None)]
            elif i == 2:
                stages = [("acknowledged", asked + HOUR // 2, None)]  # seen at once, not yet taken on
            tickets.append(_Ticket("", summary, 0, "P3", "request", asked, handoffs=[{
                "from": self.party_id[frm], "to": self.party_id[to], "requested_at": asked, "ack_target": 480,
                "summary": summary, "stages": stages, "context": "Raised in the weekly service review."}]))


def _ack_target(priority: str) -> int:
    """Minutes the receiving party has to acknowledge a handoff."""
    return 60 if priority in ("P1", "P2") else 240


def _matches(template: str, title: str) -> bool:
    """True when `title` is `template` with its {who}/{n} filled in."""
    return re.fullmatch(template_pattern(template), title) is not None


def template_pattern(template: str) -> str:
    """A regular expression for the titles a catalogue template produces."""
    parts = re.split(r"(\{who\}|\{n\})", template)
    return "".join("(?:" + "|".join(map(re.escape, org.REQUESTERS)) + ")" if p == "{who}" else r"\d" if p == "{n}" else re.escape(p)
                   for p in parts)


def _business_before(cal, end: int, seconds: float) -> int:
    """The latest moment with `seconds` of business time between it and `end` on `cal`."""
    if seconds <= 0:
        return end
    lo, hi = end - DAY, end
    while cal.business_seconds(lo, end) < seconds:  # widen a day at a time (weekends, holidays)
        if end - lo > 366 * DAY:
            raise ValueError(f"calendar {cal.name} has less than {seconds / HOUR:.1f} business hours in a year")
        lo, hi = lo - DAY, lo
    while hi - lo > 1:  # business_seconds(t, end) only falls as t moves later
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if cal.business_seconds(mid, end) >= seconds else (lo, mid)
    return lo


def _fold(events: list[tuple]) -> dict:
    """The ticket row's summary fields, from its (already cut-off) events."""
    s = {"status": "new", "party": None, "person": None, "priority": None, "first_response_at": None,
         "resolved_at": None, "closed_at": None, "reassign": 0, "reopen": 0}
    for at, kind, status, party, person, priority, _note in events:
        if status:
            if status in ("in_progress", "new") and s["status"] in ("resolved", "closed"):
                s["reopen"] += 1
                s["resolved_at"] = s["closed_at"] = None
            s["status"] = status
            if status == "resolved":
                s["resolved_at"] = at
            elif status == "closed":
                s["closed_at"] = at
        if party is not None:
            if s["party"] is not None and party != s["party"]:
                s["reassign"] += 1
            s["party"] = party
        if kind in ("assign", "opened"):
            s["person"] = person
        if priority:
            s["priority"] = priority
        if kind == "response" and s["first_response_at"] is None:
            s["first_response_at"] = at
    return s


def _write(store: Store, tickets: list[_Ticket], now: int, opts: DemoOptions) -> dict[str, int]:
    """Insert everything in one transaction with executemany; one audit row for the whole seed."""
    counts = {"tickets": 0, "events": 0, "handoffs": 0}
    with store.write() as conn:
        ticket_rows, event_rows, handoff_rows = [], [], []
        next_id = 1
        for t in tickets:
            ticket_id = None
            if t.ref:
                events = sorted((e for e in t.events if e[0] <= now), key=lambda e: e[0])
                s = _fold(events)
                ticket_id = next_id
                next_id += 1
                ticket_rows.append((ticket_id, t.ref, "demo", t.title, t.area_id, s["priority"], t.kind, s["status"], s["party"], s["person"],
                                    t.opened_at, s["first_response_at"], s["resolved_at"], s["closed_at"], t.hours, s["reassign"], s["reopen"], t.notes, now))
                event_rows += [(ticket_id, seq, *e) for seq, e in enumerate(events, 1)]
            for h in t.handoffs:
                if h["requested_at"] > now:
                    continue
                state, acked, closed, reason, bounces, requested = "requested", None, None, "", 0, h["requested_at"]
                for stage, at, why in h["stages"]:
                    if at > now:
                        break
                    state = stage
                    if stage == "acknowledged":
                        acked = at
                    elif stage == "returned":
                        closed, reason, bounces = at, why, bounces + 1
                    elif stage == "requested":
                        requested, acked, closed = at, None, None
                    else:
                        closed = at
                handoff_rows.append((ticket_id, h["from"], h["to"], h["summary"], h.get("context", ""), state, h["ack_target"],
                                     bounces, requested, acked, closed, reason, now))
        conn.executemany(
            "INSERT INTO tickets (id, ref, source, title, area_id, priority, kind, status, holder_party_id, holder_person_id, opened_at, "
            "first_response_at, resolved_at, closed_at, hours_spent, reassignment_count, reopen_count, notes, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ticket_rows)
        conn.executemany(
            "INSERT INTO ticket_events (ticket_id, seq, at, kind, status, party_id, person_id, priority, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            event_rows)
        conn.executemany(
            "INSERT INTO handoffs (ticket_id, from_party_id, to_party_id, summary, context, state, ack_target_minutes, bounce_count, "
            "requested_at, acknowledged_at, closed_at, return_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", handoff_rows)
        counts = {"tickets": len(ticket_rows), "events": len(event_rows), "handoffs": len(handoff_rows)}
        store.audit(conn, "seed", "demo", None, None, {"seed": opts.seed, "now": now, **counts})
    return counts


def _kt(store: Store, people, today: dt.date) -> None:
    for area, topic, kind, direction, teacher, learners, status, due, reviewed, interval in org.KT_ITEMS:
        store.kt.add({
            "area": area, "topic": topic, "kind": kind, "direction": direction, "teacher_id": people[teacher].id,
            "learner_ids": [people[n].id for n in learners], "status": status,
            "due_date": today + dt.timedelta(days=due),
            "last_reviewed": None if reviewed is None else today - dt.timedelta(days=reviewed),
            "review_interval_days": interval,
            "doc_link": f"https://wiki.nordwind.example/it/{area}/{topic.lower().replace(' ', '-')[:40]}" if kind == "runbook" else "",
        })


def write_demo_file(path: Path, opts: DemoOptions, *, replace: bool = False, shared: bool = False, actor: str | None = None) -> dict[str, int]:
    """Build the demo in a temporary file beside `path`, then move it into place.

    A failure (disk full, interrupted) leaves `path` exactly as it was: the half-built
    file is removed, and an existing database is only replaced once the new one is complete.
    """
    path = Path(path)
    if path.exists() and not replace:
        raise DatabaseProblem(f"{path} already exists; use --force to replace it, or --db to choose another path")
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    _remove_db_files(tmp)
    try:
        with Store(tmp, create=True, shared=shared, actor=actor, clock=lambda: opts.now) as store:
            summary = build_demo(store, opts)
            from comanage_tui.data.readmodel import stops_cache  # the derived cache, filled as an import would

            stops_cache.refresh(store)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _remove_db_files(path, keep_main=True)
        os.replace(tmp, path)
    except BaseException:
        _remove_db_files(tmp)
        raise
    return summary


def _remove_db_files(path: Path, *, keep_main: bool = False) -> None:
    for suffix in ("-wal", "-shm") if keep_main else ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
