"""The instants comanage accepts: 1970-01-01 to 2200-01-01 UTC; anything else is refused on input and skipped on reading."""

from __future__ import annotations

import datetime as dt

MIN_EPOCH = 0
MAX_EPOCH = 7_258_118_400  # 2200-01-01T00:00:00Z: beyond any real ticket, still fast for the calendar engine
MIN_DATE = dt.date(1970, 1, 1)
MAX_DATE = dt.date(2200, 1, 1)
RANGE_TEXT = "1970-01-01 to 2200-01-01 (UTC)"


def in_range(t: float | None) -> bool:
    """True for a usable instant (None, an absent time, is fine); False for one outside the range or not a number."""
    if t is None:
        return True
    try:
        return MIN_EPOCH <= t <= MAX_EPOCH
    except TypeError:
        return False


def check_instant(t: float, what: str) -> float:
    """`t`, or ValueError naming `what` when it lies outside the range."""
    if not in_range(t):
        raise ValueError(f"{what} must lie between {RANGE_TEXT}")
    return t


def check_date(d: dt.date | None, what: str) -> dt.date | None:
    if d is not None and not (MIN_DATE <= d <= MAX_DATE):
        raise ValueError(f"{what} must lie between {RANGE_TEXT}")
    return d


def refs_with_invalid_dates(conn, limit: int = 5) -> tuple[int, list[str]]:  # sqlite3.Connection
    """How many tickets (by an event time) and handoffs hold a time outside the range, and the first few (reports skip them)."""
    rows = conn.execute(
        "SELECT t.ref FROM tickets t WHERE t.id IN (SELECT ticket_id FROM ticket_events WHERE at < :lo OR at > :hi) "
        "UNION ALL SELECT 'handoff ' || id FROM handoffs WHERE requested_at < :lo OR requested_at > :hi "
        "OR acknowledged_at < :lo OR acknowledged_at > :hi OR closed_at < :lo OR closed_at > :hi",
        {"lo": MIN_EPOCH, "hi": MAX_EPOCH}).fetchall()
    return len(rows), [r[0] for r in rows[:limit]]


def times_in_range(events) -> bool:
    """`all(in_range(e[0]) for e in events)` for event rows (time first), by one min and max.

    Called once per ticket on every replay, over millions of events; a time that is not a
    number (hand-edited data) falls back to the exact per-event check.
    """
    try:
        times = [e[0] for e in events]
        if not times:
            return True
        total = sum(times)  # NaN if any time is NaN, which min() and max() may step over
        return MIN_EPOCH <= min(times) and max(times) <= MAX_EPOCH and total == total
    except TypeError:
        return all(in_range(e[0]) for e in events)
