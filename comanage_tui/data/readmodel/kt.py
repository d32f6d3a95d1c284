"""Knowledge-transfer coverage per area: documented, stale, who can do it, single points of knowledge."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from comanage_tui.data.models import Area, KtItem, KtStatus
from comanage_tui.data.readmodel.context import Context
from comanage_tui.data.store import Store


@dataclass
class Coverage:
    area: Area
    documented: bool
    """A runbook for the area is done or verified."""
    stale: int
    internal_people: int
    partner_people: int
    open_items: int
    overdue: int

    @property
    def single_point(self) -> str | None:
        """Why the area depends on too few people, or None."""
        total = self.internal_people + self.partner_people
        if total <= 1:
            return "only one person can do it" if total == 1 else "nobody is recorded as able to do it"
        if self.internal_people == 0:
            return "only the partner can do it"
        return None


def kt_coverage(store: Store, ctx: Context, today: dt.date, items: list[KtItem] | None = None,
                caps: list[tuple[str, int, str]] | None = None) -> list[Coverage]:
    """Coverage per area; `items` (KT items) and `caps` (`org.capabilities()`) when the caller has them."""
    items = ctx.kt_items(store) if items is None else items
    caps = ctx.capabilities(store) if caps is None else caps
    kinds = {p.key: p.kind for p in ctx.parties.values()}
    people: dict[str, list[str]] = defaultdict(list)
    for area, _pid, party in caps:
        people[area].append(kinds.get(party, "partner"))
    by_area: dict[str, list[KtItem]] = defaultdict(list)
    for it in items:
        by_area[it.area_key].append(it)
    out = []
    for area in sorted(ctx.areas.values(), key=lambda a: a.name):
        its = by_area.get(area.key, [])
        out.append(Coverage(
            area=area,
            documented=any(i.kind == "runbook" and i.status in (KtStatus.DONE, KtStatus.VERIFIED) for i in its),
            stale=sum(i.is_stale(today) for i in its),
            internal_people=people[area.key].count("internal"),
            partner_people=sum(1 for k in people[area.key] if k != "internal"),
            open_items=sum(i.status in (KtStatus.PLANNED, KtStatus.IN_PROGRESS) for i in its),
            overdue=sum(i.is_overdue(today) for i in its),
        ))
    return out


