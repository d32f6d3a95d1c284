"""What every read-model computation needs besides tickets: policies, calendars, parties, areas, local day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from comanage_tui.data.models import Area, Party
from comanage_tui.data.readmodel.figures import end_of_business
from comanage_tui.data.sla.calendar import BusinessCalendar
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
    events: dict[int, list[tuple]] = field(default_factory=dict, repr=False)
    """Event tuples per ticket id, loaded once per context: clocks, trend and workload share them."""
    resolved: dict[tuple, tuple] = field(default_factory=dict, repr=False)
    """Memo of `_resolve`: policy matching per (area, priority, kind, holder)."""

    @property
    def party_keys(self) -> dict[int, str]:
        return {pid: p.key for pid, p in self.parties.items()}

    def internal_calendar(self) -> BusinessCalendar | None:
        for p in self.parties.values():
            if p.kind == "internal" and p.calendar in self.calendars:
                return self.calendars[p.calendar]
        return next(iter(self.calendars.values()), None)


def load_context(store: Store) -> Context:
    return Context(
        policies=store.sla.policies(),
        calendars=store.sla.calendar_map(),
        parties={p.id: p for p in store.org.parties()},
        areas={a.id: a for a in store.org.areas()},
    )


def local_today(ctx: Context, now: float) -> dt.date:
    """Today's date in the internal team's time zone (KT due dates and reviews are local dates)."""
    cal = ctx.internal_calendar()
    zone = ZoneInfo(cal.spec.timezone) if cal is not None else dt.UTC
    return dt.datetime.fromtimestamp(now, zone).date()




def end_of_business_today(ctx: Context, now: float) -> float:
    """Close of business today on the internal team's calendar (see figures.end_of_business)."""
    return end_of_business(ctx.internal_calendar(), now)
