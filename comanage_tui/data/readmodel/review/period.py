"""Review periods: a quarter, a month or a range of days, and the period of the same length before it.

Periods are whole local days in the internal team's time zone: [start, end) from local
midnight to local midnight, so a quarter across a DST change is still the calendar quarter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from comanage_tui.data.errors import InvalidInput

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    kind: str
    """"quarter", "month" or "days"."""
    first: dt.date
    """First day, inclusive."""
    last: dt.date
    """Last day, inclusive."""

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.first.year}Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def noun(self) -> str:
        """"quarter", "month" or "period", for sentences ("This quarter the partners …")."""
        return self.kind if self.kind in ("quarter", "month") else "period"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, zone: dt.tzinfo) -> tuple[int, int]:
        """[start, end) in epoch seconds: local midnight of the first day to local midnight after the last."""
        start = dt.datetime.combine(self.first, dt.time(), zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), zone)
        return int(start.timestamp()), int(end.timestamp())

    def previous(self) -> Period:
        """The period of the same length just before: the previous quarter or month, else as many days."""
        if self.kind == "quarter":
            return quarter(_shift_months(self.first, -3))
        if self.kind == "month":
            return month(_shift_months(self.first, -1))
        return Period("days", self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1))

    def following(self) -> Period:
        """The next period of the same kind (the dashboard's period picker)."""
        if self.kind == "quarter":
            return quarter(_shift_months(self.first, 3))
        if self.kind == "month":
            return month(_shift_months(self.first, 1))
        return Period("days", self.last + dt.timedelta(days=1), self.last + dt.timedelta(days=self.days))


def _shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter(day: dt.date) -> Period:
    """The calendar quarter containing `day`."""
    first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period("quarter", first, _shift_months(first, 3) - dt.timedelta(days=1))


def month(day: dt.date) -> Period:
    """The calendar month containing `day`."""
    first = day.replace(day=1)
    return Period("month", first, _shift_months(first, 1) - dt.timedelta(days=1))


def last_complete_quarter(now: float, zone: dt.tzinfo) -> Period:
    """The last quarter that ended at or before `now` (local time): the default review."""
    today = dt.datetime.fromtimestamp(now, zone).date()
    return quarter(_shift_months(quarter(today).first, -3))


def parse_period(*, quarter_text: str | None = None, month_text: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, now: float, zone: dt.tzinfo | None = None) -> Period:
    """The period the options name (at most one way), else the last complete quarter before `now`.

    Raises:
        InvalidInput: two ways given, a malformed value, or --from after --to.
    """
    zone = zone or dt.UTC
    given = [name for name, v in (("--quarter", quarter_text), ("--month", month_text),
                                  ("--from/--to", date_from or date_to)) if v]
    if len(given) > 1:
        raise InvalidInput("period", f"give one of --quarter, --month or --from/--to, not {' and '.join(given)}")
    if quarter_text:
        m = _QUARTER.match(quarter_text.strip())
        if not m or not 1970 <= int(m.group(1)) <= 2199:
            raise InvalidInput("--quarter", f"'{quarter_text}' is not a quarter such as 2026Q4")
        return quarter(dt.date(int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1, 1))
    if month_text:
        m = _MONTH.match(month_text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or not 1970 <= int(m.group(1)) <= 2199:
            raise InvalidInput("--month", f"'{month_text}' is not a month such as 2026-11")
        return month(dt.date(int(m.group(1)), int(m.group(2)), 1))
    if date_from or date_to:
        if not (date_from and date_to):
            raise InvalidInput("--from/--to", "give both --from and --to (first and last day, e.g. 2026-10-01 and 2026-12-31)")
        first, last = _day(date_from, "--from"), _day(date_to, "--to")
        if last < first:
            raise InvalidInput("--to", f"{last} is before --from {first}")
        return Period("days", first, last)
    return last_complete_quarter(now, zone)


def _day(text: str, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field, f"'{text}' is not a date such as 2026-10-01") from None
    if not 1970 <= day.year <= 2199:
        raise InvalidInput(field, f"'{text}' is outside 1970-2199")
    return day


def zone_of(name: str | None) -> dt.tzinfo:
    return ZoneInfo(name) if name else dt.UTC
