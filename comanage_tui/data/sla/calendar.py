"""Business calendars: when an SLA clock may tick, as cached sorted UTC intervals.

Semantics (tested in tests/data/test_calendar.py and against a minute-by-minute reference):

* An instant is *open* when the calendar's local wall clock at that instant lies inside a
  weekly window, its local date is not a holiday, and it is outside every closed period.
  Business time is real elapsed time spent open, so DST never adds or loses an hour by
  itself: an 08:00-17:00 window on a change day is 9 real hours; a window containing the
  change is its real length (a 00:00-24:00 window is 23 h in spring and 25 h in autumn;
  wall times skipped in spring are never open, wall times repeated in autumn count twice).
* Windows ending at or before their start run overnight into the next day; "24:00" is
  midnight at the end of the day. Windows may overlap; the union counts once.
* A holiday removes its whole local calendar day 00:00-24:00. An overnight window that
  starts the evening before a holiday keeps its evening and loses the part after midnight;
  one that starts on the holiday loses its evening and keeps the next morning.
* ``always_open`` means business time == wall time: windows, holidays and closed periods
  are then ignored.
* Searches that find no open time within ~120 years return ``math.inf``.

Speed: open intervals are built lazily per ~388-day chunk of UTC time (DST transitions are
found by sampling the zone's offset every 6 h and bisecting to the second) and cached with
running totals, so business_seconds/add_business_seconds are a few bisects at any span.

The engine takes a CalendarSpec (pydantic, in calendar_spec) or
``stored_spec`` of a saved one, so it imports without pydantic (``comanage check``). Public
holidays come from the ``holidays`` package, imported only when a calendar names a country.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from bisect import bisect_left, bisect_right
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from comanage_tui.data.sla.terms import WEEKDAYS, parse_hhmm

if TYPE_CHECKING:
    from comanage_tui.data.sla.calendar_spec import CalendarSpec

SPLIT_KINDS = ("open", "outside_hours", "holiday", "closed")

_DAY = 86400
_CHUNK = 1 << 25  # seconds of UTC per cached table (~388 days)
_HORIZON = 120  # chunks searched forward before giving up (~127 years)
_SAMPLE = 6 * 3600  # UTC offset sampling step when locating DST transitions
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _holiday_language(country: str, subdivision: str | None) -> str | None:
    # English names where the package has them ("Christmas Day", not "Erster Weihnachtstag").
    import holidays  # heavy; only when a calendar names a country

    langs = holidays.country_holidays(country, subdiv=subdivision).supported_languages
    return "en_US" if "en_US" in langs else None


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of sorted intervals; touching ones are joined and empty ones dropped."""
    out: list[tuple[float, float]] = []
    for start, end in intervals:
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _subtract(base: list[tuple[float, float]], cut: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``base`` minus ``cut``; both sorted and disjoint."""
    if not cut:
        return base
    out: list[tuple[float, float]] = []
    j = 0
    for start, end in base:
        while j < len(cut) and cut[j][1] <= start:
            j += 1
        k = j
        while k < len(cut) and cut[k][0] < end:
            if cut[k][0] > start:
                out.append((start, cut[k][0]))
            start = max(start, cut[k][1])
            k += 1
        if start < end:
            out.append((start, end))
    return out


class _Table(NamedTuple):
    """One chunk's sorted open intervals (UTC) with running totals, and its holidays."""

    starts: list[float]
    ends: list[float]
    cum_before: list[float]  # business seconds of the chunk before interval i
    cum_after: list[float]  # ... up to the end of interval i
    total: float
    hol_starts: list[float]
    hol_ends: list[float]
    hol_names: list[str]


def _local_cum(chunk: _Table, t: float) -> float:
    """Business seconds from the chunk's start up to ``t`` (``t`` inside the chunk)."""
    starts = chunk[0]
    i = bisect_right(starts, t) - 1
    if i < 0:
        return 0
    end = chunk[1][i]
    return chunk[2][i] + (t if t < end else end) - starts[i]


class BusinessCalendar:
    """Business-time arithmetic on epoch seconds for one CalendarSpec (immutable once built).

    Build one per spec and reuse it (see get_calendar): its tables are the expensive part.
    """

    def __init__(self, spec: CalendarSpec | SimpleNamespace):
        """`spec`: a CalendarSpec, or `stored_spec` of one (the same attributes, no pydantic)."""
        self.spec = copy.deepcopy(spec)  # later edits to the caller's spec must not leak in
        self.name = spec.name
        self.timezone = spec.timezone
        self.zone = ZoneInfo(spec.timezone)
        self._always = spec.always_open
        self._windows: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
        for day, windows in spec.weekly.items():
            for start, end in windows:
                s, e = parse_hhmm(start, end=False) * 60, parse_hhmm(end, end=True) * 60
                self._windows[WEEKDAYS.index(day)].append((s, e if e > s else e + _DAY))
        self._closed = _merge(sorted((a.timestamp(), b.timestamp()) for a, b in spec.closed_periods))
        self._custom = set(spec.custom_holidays)
        self._holiday_years: dict[int, dict[dt.date, str]] = {}
        # Lazy tables; threads racing on one chunk just build it twice. Hot paths index
        # the tuples positionally for speed.
        self._chunks: dict[int, _Table] = {}

    # --- queries -------------------------------------------------------------------------

    def business_seconds(self, start: float, end: float) -> float:
        """Business time in [start, end); 0 when end <= start."""
        if end <= start:
            return 0
        if self._always:
            return end - start
        ka = int(start // _CHUNK)
        if ka == int(end // _CHUNK):
            # Hot path (every clock segment): both ends in one chunk, inlined for speed.
            chunk = self._chunks.get(ka) or self._build(ka)
            starts, ends, cum = chunk[0], chunk[1], chunk[2]
            i = bisect_right(starts, start) - 1
            j = bisect_right(starts, end, i if i > 0 else 0) - 1
            if j < 0:
                return 0
            e = ends[j]
            at_end = cum[j] + (end if end < e else e) - starts[j]
            if i < 0:
                return at_end
            e = ends[i]
            return at_end - cum[i] - (start if start < e else e) + starts[i]
        chunks = self._chunks
        chunk = chunks.get(ka) or self._build(ka)
        total = chunk[4] - _local_cum(chunk, start)
        kb = int(end // _CHUNK)
        for k in range(ka + 1, kb):
            total += (chunks.get(k) or self._build(k))[4]
        return total + _local_cum(chunks.get(kb) or self._build(kb), end)

    def add_business_seconds(self, start: float, seconds: float) -> float:
        """Earliest t >= start with business_seconds(start, t) == seconds (start if seconds <= 0)."""
        if seconds <= 0:
            return start
        if self._always:
            return start + seconds
        k = int(start // _CHUNK)
        chunk = self._chunks.get(k) or self._build(k)
        need = seconds + _local_cum(chunk, start)
        last = k + _HORIZON
        while need > chunk[4]:
            need -= chunk[4]
            k += 1
            if k > last:
                return math.inf
            chunk = self._chunks.get(k) or self._build(k)
        j = bisect_left(chunk[3], need)
        return chunk[0][j] + (need - chunk[2][j])

    def is_open(self, t: float) -> bool:
        if self._always:
            return True
        chunk = self._chunk_at(t)
        i = bisect_right(chunk[0], t) - 1
        return i >= 0 and t < chunk[1][i]

    def next_open(self, t: float) -> float:
        """``t`` if open, else the next opening (``math.inf`` if none within the horizon)."""
        if self.is_open(t):
            return t
        k = int(t // _CHUNK)
        for kk in range(k, k + _HORIZON + 1):
            starts = self._chunk_at(kk * _CHUNK).starts
            i = bisect_right(starts, t)
            if i < len(starts):
                return starts[i]
        return math.inf

    def holiday_name(self, t: float) -> str | None:
        """Name of the holiday covering instant ``t`` (local date), or None."""
        if self._always:
            return None
        chunk = self._chunk_at(t)
        i = bisect_right(chunk.hol_starts, t) - 1
        return chunk.hol_names[i] if i >= 0 and t < chunk.hol_ends[i] else None

    def split(self, start: float, end: float) -> list[tuple[float, float, str]]:
        """Contiguous pieces covering [start, end), each "open", "outside_hours", "holiday" or "closed"."""
        out: list[tuple[float, float, str]] = []
        for s, e, kind, _label in self.split_labeled(start, end):
            if out and out[-1][2] == kind:
                out[-1] = (out[-1][0], e, kind)
            else:
                out.append((s, e, kind))
        return out

    def split_labeled(self, start: float, end: float) -> list[tuple[float, float, str, str | None]]:
        """Like split(), with the holiday name as a fourth item (different holidays stay apart)."""
        if end <= start:
            return []
        if self._always:
            return [(start, end, "open", None)]
        points = {start, end}
        for k in range(int(start // _CHUNK), int(end // _CHUNK) + 1):
            chunk = self._chunk_at(k * _CHUNK)
            for arr in (chunk.starts, chunk.ends, chunk.hol_starts, chunk.hol_ends):
                points.update(arr[bisect_right(arr, start) : bisect_left(arr, end)])
        points.update(p for c in self._closed for p in c if start < p < end)
        edges = sorted(points)
        out: list[tuple[float, float, str, str | None]] = []
        for a, b in zip(edges, edges[1:]):
            kind, label = self._classify(a + (b - a) / 2)
            if out and out[-1][2] == kind and out[-1][3] == label:
                out[-1] = (out[-1][0], b, kind, label)
            else:
                out.append((a, b, kind, label))
        return out

    def _classify(self, t: float) -> tuple[str, str | None]:
        if self.is_open(t):
            return "open", None
        if any(a <= t < b for a, b in self._closed):
            return "closed", None
        name = self.holiday_name(t)
        return ("holiday", name) if name is not None else ("outside_hours", None)

    # --- datetime conveniences -----------------------------------------------------------

    def business_delta(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """business_seconds() for aware datetimes."""
        return dt.timedelta(seconds=self.business_seconds(to_epoch(start), to_epoch(end)))

    def add_business(self, start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        """add_business_seconds() for an aware datetime; the result is in the calendar's zone."""
        return from_epoch(self.add_business_seconds(to_epoch(start), delta.total_seconds()), self.timezone)

    # --- table building ------------------------------------------------------------------

    def _chunk_at(self, t: float) -> _Table:
        k = int(t // _CHUNK)
        return self._chunks.get(k) or self._build(k)

    def _holidays_on(self, day: dt.date) -> str | None:
        table = self._holiday_years.get(day.year)
        if table is None:
            table = {}
            spec = self.spec
            if spec.holiday_country:
                import holidays  # see _holiday_language

                lang = _holiday_language(spec.holiday_country, spec.holiday_subdivision)
                found = holidays.country_holidays(
                    spec.holiday_country, subdiv=spec.holiday_subdivision, years=day.year, language=lang
                )
                table.update(found.items())
            for custom in self._custom:
                if custom.year == day.year:
                    table.setdefault(custom, "custom holiday")
            self._holiday_years[day.year] = table
        return table.get(day)

    def _offset_periods(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(utc_start, utc_end, utc_offset) pieces of [lo, hi) with a constant offset."""

        def offset(t: int) -> int:
            return dt.datetime.fromtimestamp(t, self.zone).utcoffset() // dt.timedelta(seconds=1)

        periods: list[tuple[int, int, int]] = []
        begin, current, prev = lo, offset(lo), lo
        while prev < hi - 1:
            probe = min(prev + _SAMPLE, hi - 1)
            if offset(probe) != current:
                a, b = prev, probe  # offset(a) == current != offset(b): bisect to the second
                while b - a > 1:
                    mid = (a + b) // 2
                    a, b = (mid, b) if offset(mid) == current else (a, mid)
                periods.append((begin, b, current))
                begin, current = b, offset(b)
                probe = b
            prev = probe
        periods.append((begin, hi, current))
        return periods

    def _build(self, k: int) -> _Table:
        lo, hi = k * _CHUNK, (k + 1) * _CHUNK
        # Local days reaching into [lo, hi): offsets are within +-14 h, windows within 48 h.
        first, last = _EPOCH_ORDINAL + lo // _DAY - 3, _EPOCH_ORDINAL + hi // _DAY + 2
        naive_open: list[tuple[float, float]] = []
        naive_hol: list[tuple[int, int, str]] = []
        for ordinal in range(first, last + 1):
            day = dt.date.fromordinal(ordinal)
            base = (ordinal - _EPOCH_ORDINAL) * _DAY  # local midnight as "naive epoch" seconds
            name = self._holidays_on(day)
            if name is not None:
                naive_hol.append((base, base + _DAY, name))
            naive_open.extend((base + s, base + e) for s, e in self._windows[day.weekday()])
        naive_open = _subtract(_merge(sorted(naive_open)), _merge([(a, b) for a, b, _ in naive_hol]))
        periods = self._offset_periods(lo, hi)
        opens = _subtract(_to_utc(naive_open, periods), self._closed)
        hols = [(s, e, name) for a, b, name in naive_hol for s, e in _to_utc([(a, b)], periods)]
        starts = [s for s, _ in opens]
        ends = [e for _, e in opens]
        cum_before: list[float] = []
        cum_after: list[float] = []
        total = 0
        for s, e in opens:
            cum_before.append(total)
            total += e - s
            cum_after.append(total)
        chunk = _Table(starts, ends, cum_before, cum_after, total,
                       [h[0] for h in hols], [h[1] for h in hols], [h[2] for h in hols])
        self._chunks[k] = chunk
        return chunk


def _to_utc(naive: list[tuple[float, float]], periods: list[tuple[int, int, int]]) -> list[tuple[float, float]]:
    """Map sorted local wall-clock intervals to the UTC instants whose wall time lies inside them."""
    naive_ends = [e for _, e in naive]
    out: list[tuple[float, float]] = []
    for p0, p1, off in periods:
        lo, hi = p0 + off, p1 + off
        i = bisect_right(naive_ends, lo)
        while i < len(naive) and naive[i][0] < hi:
            s, e = max(naive[i][0], lo) - off, min(naive[i][1], hi) - off
            if e > s:
                out.append((s, e))
            i += 1
    return _merge(out)


@lru_cache(maxsize=64)
def _calendar_from_json(text: str) -> BusinessCalendar:
    from comanage_tui.data.sla.calendar_spec import CalendarSpec

    return BusinessCalendar(CalendarSpec.model_validate_json(text))


def get_calendar(spec: CalendarSpec) -> BusinessCalendar:
    """A cached BusinessCalendar per distinct spec content (an edited spec gets a fresh one)."""
    return _calendar_from_json(spec.model_dump_json())


def stored_spec(text: str) -> SimpleNamespace:
    """A calendar as the database stores it (CalendarSpec JSON, validated when it was saved), read
    without pydantic: an object with CalendarSpec's attributes and types that BusinessCalendar takes.

    For `comanage check`, which must not pay for importing pydantic. Fields missing from the
    JSON get CalendarSpec's defaults; tests/data/test_calendar.py checks both agree.

    Raises:
        ValueError: the text is not JSON, or a date or time in it is malformed.
        KeyError, TypeError: it is not a calendar.
    """
    d = json.loads(text)
    return SimpleNamespace(
        name=d["name"],
        timezone=d.get("timezone", "UTC"),
        always_open=bool(d.get("always_open", False)),
        weekly={day: [(a, b) for a, b in windows] for day, windows in (d.get("weekly") or {}).items()},
        holiday_country=d.get("holiday_country"),
        holiday_subdivision=d.get("holiday_subdivision"),
        custom_holidays=[dt.date.fromisoformat(x) for x in d.get("custom_holidays") or []],
        closed_periods=[(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in d.get("closed_periods") or []],
    )


def to_epoch(value: dt.datetime | float) -> float:
    """Epoch seconds from an aware datetime (numbers pass through); naive datetimes are refused."""
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: attach a time zone")
        return value.timestamp()
    return value


def from_epoch(t: float, tz: str = "UTC") -> dt.datetime:
    """Aware datetime in zone ``tz`` for epoch seconds ``t``."""
    return dt.datetime.fromtimestamp(t, ZoneInfo(tz))
