"""What every read-model computation needs besides tickets: policies, calendars, parties, areas, local day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from comanage_tui.data.models import Area, Handoff, KtItem, Party, Person
from comanage_tui.data.readmodel.figures import end_of_business
from comanage_tui.data.readmodel.past import PastState, state_as_of
from comanage_tui.data.sla.calendar import BusinessCalendar
from comanage_tui.data.sla.ola_spec import OlaSpec
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.store import Store

DAY = 86_400


@dataclass
class Context:
    """Everything a computation needs besides tickets: loaded once per refresh."""

    policies: list[SlaPolicy]
    calendars: dict[str, BusinessCalendar]
    parties: dict[int, Party]
    areas: dict[int, Area]
    olas: dict[str, OlaSpec] = field(default_factory=dict)
    """The OLAs by party key (`load_olas`), read with the context so no figure reads them again."""
    events: dict[int, list[tuple]] = field(default_factory=dict, repr=False)
    """Event tuples per ticket id, loaded once per context: clocks, trend and workload share them."""
    resolved: dict[tuple, tuple] = field(default_factory=dict, repr=False)
    """Memo of `_resolve`: policy matching per (area, priority, kind, holder)."""
    stops_fingerprint: str | None = field(default=None, repr=False)
    """Memo of `stops_cache.fingerprint`."""
    past: PastState | None = field(default=None, repr=False)
    """The organisation, KT and handoffs as of a past moment (`load_context(as_of=…)`); None: today's records.

    Computations read those records through the methods below, never from the repositories
    directly, so one as-of context makes every figure describe that moment."""

    @property
    def party_keys(self) -> dict[int, str]:
        return {pid: p.key for pid, p in self.parties.items()}

    def internal_calendar(self) -> BusinessCalendar | None:
        for p in self.parties.values():
            if p.kind == "internal" and p.calendar in self.calendars:
                return self.calendars[p.calendar]
        return next(iter(self.calendars.values()), None)


    # --- the records computations read: today's, or those of `past` -------------------------

    def raci(self, store: Store) -> dict[tuple[str, str], str]:
        """{(area key, party key): letter}."""
        return self.past.raci if self.past is not None else store.org.raci()

    def capabilities(self, store: Store) -> list[tuple[str, int, str]]:
        """(area key, person id, party key) for everyone who can do each area."""
        return self.past.capabilities if self.past is not None else store.org.capabilities()

    def kt_items(self, store: Store) -> list[KtItem]:
        return list(self.past.kt_items) if self.past is not None else store.kt.list()

    def people(self, store: Store) -> list[Person]:
        return list(self.past.people) if self.past is not None else store.org.people()

    def handoffs(self, store: Store, *, open_only: bool, open_at: float | None = None,
                 states: Sequence[str] | None = None, requested_from: float | None = None) -> list[Handoff]:
        """Oldest request first. As of a past moment: those requested by then, in the state they had then.

        `states` and `requested_from` narrow the list (in SQL for today's records): a screen or a
        window that needs a few handoffs does not read every handoff ever made.
        """
        if self.past is not None:
            listed = self.past.handoffs(store, open_only=open_only or open_at is not None, requested_from=requested_from)
            return [h for h in listed if (states is None or h.state in states)
                    and (requested_from is None or h.requested_at >= requested_from)]
        if open_at is not None:
            return store.handoffs.list(open_only=False, open_at=open_at, limit=-1, states=states, requested_from=requested_from)
        return store.handoffs.list(open_only=open_only, limit=-1, states=states, requested_from=requested_from)


def load_context(store: Store, as_of: int | None = None) -> Context:
    """What computations need; with `as_of`, the organisation, KT and handoffs as they stood then (readmodel.past)."""
    if as_of is not None:
        past = state_as_of(store, as_of)
        return Context(policies=store.sla.policies(), calendars=store.sla.calendar_map(),
                       parties=past.parties, areas=past.areas, olas=load_olas(store), past=past)
    return Context(
        policies=store.sla.policies(),
        calendars=store.sla.calendar_map(),
        parties={p.id: p for p in store.org.parties()},
        areas={a.id: a for a in store.org.areas()},
        olas=load_olas(store),
    )


def load_olas(store: Store) -> dict[str, OlaSpec]:
    """The OLAs by party key."""
    return {o.party: o for o in store.sla.olas()}


def local_today(ctx: Context, now: float) -> dt.date:
    """Today's date in the internal team's time zone (KT due dates and reviews are local dates)."""
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC
    return dt.datetime.fromtimestamp(now, zone).date()




def end_of_business_today(ctx: Context, now: float) -> float:
    """Close of business today on the internal team's calendar (see figures.end_of_business)."""
    return end_of_business(ctx.internal_calendar(), now)
