"""One ticket's SLA story: its events turned into the explain timeline (CLI and dashboard share it)."""

from __future__ import annotations

from comanage_tui.data.errors import InvalidInput, NotFound
from comanage_tui.data.readmodel.held import clock_held
from comanage_tui.data.readmodel.ola import format_hops, hops_data, ticket_ola_hops
from comanage_tui.data.sla.engine import Event, match_policy
from comanage_tui.data.sla.explain import Explanation, explain, explanation_data, format_explanation
from comanage_tui.data.store import Store
from comanage_tui.data.text import clean
from comanage_tui.data.timerange import RANGE_TEXT, in_range


def ticket_explanation(store: Store, ticket_id: int, now: float) -> Explanation:
    """Both clocks of one ticket with the segments that produced them.

    Raises:
        NotFound: no such ticket, or no SLA policy matches it (the message says which).
    """
    t = store.tickets.get(ticket_id)
    events = [Event(e.at, e.kind.value, e.status, e.party_key, e.person_id, e.priority) for e in store.tickets.events(ticket_id)]
    bad = next((e.at for e in events if not in_range(e.at)), None)
    if bad is not None:  # hand-edited or old data: the calendar cannot walk it, so say so instead of crashing
        raise InvalidInput("date", f"ticket {clean(t.ref)} has a stored time outside {RANGE_TEXT} ({bad}); it has no clocks")
    policy = match_policy(store.sla.policies(), party=t.holder_party_key, area=t.area_key, priority=t.priority, kind=t.kind)
    if policy is None:
        raise NotFound(f"no SLA policy matches ticket {clean(t.ref)} ({t.priority}, area {clean(t.area_key or '-')}); "
                       "see 'comanage sla show'")
    if t.priority not in policy.targets:  # saved before `sla load` refused such a policy
        raise NotFound(f"policy '{clean(policy.name)}' matches ticket {clean(t.ref)} but has no {t.priority} target, so "
                       "the ticket has no clocks; add the target or fall_through = true (see 'comanage sla show')")
    calendar = store.sla.calendar_map().get(policy.calendar)
    if calendar is None:
        raise NotFound(f"policy '{policy.name}' names calendar '{policy.calendar}', which does not exist")
    expl = explain(events, policy, calendar, now)
    held = clock_held(events, policy, calendar, now)
    expl.held = {"response": held.response, "resolution": held.resolution}
    # The policy list is matched on the ticket as it is now (see docs/FIGURES.md).
    expl.matched_on = (f"holder {clean(t.holder_party_key)}, area {clean(t.area_key or '-')}, "
                       f"priority {t.priority}, kind {clean(t.kind)}")
    return expl


def explain_ticket(store: Store, ref: str, now: float) -> str:
    """The plain-text timeline `comanage explain REF` prints (lines within 80 columns)."""
    t = store.tickets.by_ref(ref)
    expl = ticket_explanation(store, t.id, now)
    header = (f"{clean(t.ref)}  {clean(t.title)}"[:80] + "\n"
              + f"{t.priority} · {clean(t.status)} · held by {clean(t.holder_party_key)} · area {clean(t.area_key or '-')}"[:80]
              + "\n")
    # The OLA hops follow the customer SLA's timeline as their own section (readmodel/ola.py).
    return header + format_explanation(expl) + "\n" + format_hops(ticket_ola_hops(store, t.id, now), expl.timezone)


def explain_ticket_data(store: Store, ref: str, now: float) -> dict:
    """What `comanage explain REF --json` prints: the ticket, and `sla_explain.explanation_data`."""
    t = store.tickets.by_ref(ref)
    expl = ticket_explanation(store, t.id, now)
    return {"ref": clean(t.ref), "title": clean(t.title), "status": clean(t.status), "holder": clean(t.holder_party_key),
            "area": None if t.area_key is None else clean(t.area_key), **explanation_data(expl),
            "ola": hops_data(ticket_ola_hops(store, t.id, now))}
