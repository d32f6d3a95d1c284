"""One ticket's SLA story: its events turned into the explain timeline (CLI and dashboard share it)."""

from __future__ import annotations

from comanage_tui.data.errors import InvalidInput, NotFound
from comanage_tui.data.sla import Event, match_policy
from comanage_tui.data.sla_explain import Explanation, explain, format_explanation
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
    if policy is None or t.priority not in policy.targets:
        raise NotFound(f"no SLA policy matches ticket {t.ref} ({t.priority}, area {t.area_key or '-'}); see 'comanage sla show'")
    calendar = store.sla.calendar_map().get(policy.calendar)
    if calendar is None:
        raise NotFound(f"policy '{policy.name}' names calendar '{policy.calendar}', which does not exist")
    return explain(events, policy, calendar, now)


def explain_ticket(store: Store, ref: str, now: float) -> str:
    """The plain-text timeline `comanage explain REF` prints."""
    t = store.tickets.by_ref(ref)
    expl = ticket_explanation(store, t.id, now)
    header = f"{clean(t.ref)}  {clean(t.title)}\n{t.priority} · {t.status} · held by {t.holder_party_key} · area {t.area_key or '-'}\n"
    return header + format_explanation(expl)
