"""Business calendar behaviour: hours, overnight and split windows, holidays, DST, validation."""

from __future__ import annotations

import datetime as dt
import math
import time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from comanage_tui.data.sla.calendar import BusinessCalendar, from_epoch, get_calendar, to_epoch
from comanage_tui.data.sla.calendar_spec import CalendarSpec
from comanage_tui.data.sla.terms import WEEKDAYS

H = 3600
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
OFFICE = {d: [("08:00", "17:00")] for d in WEEKDAYS[:5]}


def at(zone: str, *args: int) -> int:
    """Epoch seconds of a local wall time (first occurrence when ambiguous)."""
    return int(dt.datetime(*args, tzinfo=ZoneInfo(zone)).timestamp())


def cal(zone: str = BERLIN, **kwargs) -> BusinessCalendar:
    kwargs.setdefault("weekly", OFFICE)
    return BusinessCalendar(CalendarSpec(name="c", timezone=zone, **kwargs))


def test_office_week_counts_nine_hours_a_weekday():
    c = cal()
    # Mon 2024-05-06 .. Mon 2024-05-13: five 9-hour days; the weekend adds nothing.
    assert c.business_seconds(at(BERLIN, 2024, 5, 6), at(BERLIN, 2024, 5, 13)) == 45 * H
    assert c.business_seconds(at(BERLIN, 2024, 5, 10, 16), at(BERLIN, 2024, 5, 13, 9)) == 2 * H
    assert c.business_seconds(at(BERLIN, 2024, 5, 7), at(BERLIN, 2024, 5, 6)) == 0


def test_add_business_seconds_carries_over_the_weekend_and_lands_on_closing_exactly():
    c = cal()
    friday_16 = at(BERLIN, 2024, 5, 10, 16)
    assert c.add_business_seconds(friday_16, 2 * H) == at(BERLIN, 2024, 5, 13, 9)
    # Exactly the rest of the day: the earliest instant is Friday's closing, not Monday's opening.
    assert c.add_business_seconds(friday_16, H) == at(BERLIN, 2024, 5, 10, 17)
    assert c.add_business_seconds(at(BERLIN, 2024, 5, 11, 12), 0) == at(BERLIN, 2024, 5, 11, 12)


def test_split_shift_and_overnight_windows():
    c = cal(weekly={"mon": [("08:00", "12:00"), ("13:00", "17:00")], "tue": [("22:00", "06:00")]})
    assert c.business_seconds(at(BERLIN, 2024, 5, 6), at(BERLIN, 2024, 5, 7)) == 8 * H
    assert not c.is_open(at(BERLIN, 2024, 5, 6, 12, 30))
    assert c.next_open(at(BERLIN, 2024, 5, 6, 12, 30)) == at(BERLIN, 2024, 5, 6, 13)
    # Tuesday's night shift runs into Wednesday morning.
    assert c.business_seconds(at(BERLIN, 2024, 5, 7), at(BERLIN, 2024, 5, 9)) == 8 * H
    assert c.is_open(at(BERLIN, 2024, 5, 8, 5, 59))


def test_24_00_end_and_overlapping_windows_count_once():
    c = cal(weekly={"sat": [("18:00", "24:00"), ("20:00", "23:00")]})
    assert c.business_seconds(at(BERLIN, 2024, 5, 11), at(BERLIN, 2024, 5, 13)) == 6 * H


def test_public_holiday_removes_the_whole_day_and_has_a_name():
    c = cal(holiday_country="DE", holiday_subdivision="BE")
    # Christmas week 2024: Wed 25th and Thu 26th are holidays.
    assert c.business_seconds(at(BERLIN, 2024, 12, 23), at(BERLIN, 2024, 12, 28)) == 3 * 9 * H
    assert c.holiday_name(at(BERLIN, 2024, 12, 25, 10)) == "Christmas Day"
    kinds = c.split(at(BERLIN, 2024, 12, 24, 17), at(BERLIN, 2024, 12, 27, 9))
    assert [k for _, _, k in kinds] == ["outside_hours", "holiday", "outside_hours", "open"]


def test_custom_holiday_and_closed_period():
    shutdown = (dt.datetime(2024, 5, 8, 12, tzinfo=ZoneInfo(BERLIN)), dt.datetime(2024, 5, 9, 10, tzinfo=ZoneInfo(BERLIN)))
    c = cal(custom_holidays=[dt.date(2024, 5, 7)], closed_periods=[shutdown])
    # Mon 9 + Tue 0 (custom) + Wed 4 (closed from 12:00) + Thu 7 (from 10:00) + Fri 9
    assert c.business_seconds(at(BERLIN, 2024, 5, 6), at(BERLIN, 2024, 5, 11)) == 29 * H
    kinds = {k for _, _, k in c.split(at(BERLIN, 2024, 5, 7), at(BERLIN, 2024, 5, 9, 12))}
    assert kinds == {"holiday", "open", "closed", "outside_hours"}
    assert c.holiday_name(at(BERLIN, 2024, 5, 7, 9)) == "custom holiday"


def test_holiday_cuts_overnight_windows_at_local_midnight():
    c = cal(weekly={d: [("22:00", "06:00")] for d in WEEKDAYS}, custom_holidays=[dt.date(2024, 5, 8)])
    # The night from the 7th keeps 22:00-24:00; the night from the 8th keeps 00:00-06:00 of the 9th.
    assert c.business_seconds(at(BERLIN, 2024, 5, 7, 12), at(BERLIN, 2024, 5, 9, 12)) == 8 * H


@pytest.mark.parametrize(
    ("zone", "day", "window", "minutes"),
    [
        (BERLIN, (2024, 3, 31), ("08:00", "17:00"), 9 * 60),  # spring forward at 02:00, outside the window
        (BERLIN, (2024, 10, 27), ("08:00", "17:00"), 9 * 60),  # fall back at 03:00, outside the window
        (BERLIN, (2024, 3, 31), ("00:00", "24:00"), 23 * 60),
        (BERLIN, (2024, 10, 27), ("00:00", "24:00"), 25 * 60),
        (BERLIN, (2024, 3, 31), ("01:00", "04:00"), 2 * 60),  # 02:00-03:00 never shows on the wall clock
        (BERLIN, (2024, 10, 27), ("01:00", "04:00"), 4 * 60),  # 02:00-03:00 shows twice
        (BERLIN, (2024, 3, 31), ("02:30", "03:30"), 30),  # starts in the skipped hour
        (BERLIN, (2024, 10, 27), ("02:30", "03:30"), 90),  # 02:30-03:00 twice, then 03:00-03:30
        (NEW_YORK, (2024, 3, 10), ("08:00", "17:00"), 9 * 60),
        (NEW_YORK, (2024, 11, 3), ("08:00", "17:00"), 9 * 60),
        (NEW_YORK, (2024, 3, 10), ("00:00", "24:00"), 23 * 60),
        (NEW_YORK, (2024, 11, 3), ("00:00", "24:00"), 25 * 60),
        (NEW_YORK, (2024, 3, 10), ("01:30", "02:30"), 30),
        (NEW_YORK, (2024, 11, 3), ("01:30", "02:30"), 90),
        (NEW_YORK, (2024, 11, 2), ("22:00", "06:00"), 9 * 60),  # overnight window across the change
    ],
)
def test_dst_change_days_count_real_elapsed_time(zone, day, window, minutes):
    c = cal(zone, weekly={d: [window] for d in WEEKDAYS})
    start = at(zone, *day)
    end = int((dt.datetime(*day, tzinfo=ZoneInfo(zone)) + dt.timedelta(days=1)).timestamp())
    if window[1] < window[0]:  # overnight: count only the night that starts on `day`
        start, end = at(zone, *day, 12), end + 12 * H
    assert c.business_seconds(start, end) == minutes * 60


def test_opening_time_follows_local_time_across_dst():
    c = cal(NEW_YORK)
    # Friday 2024-03-08 16:00 EST + 2 business hours = Monday 09:00 EDT (13:00 UTC, not 14:00).
    due = c.add_business_seconds(at(NEW_YORK, 2024, 3, 8, 16), 2 * H)
    assert from_epoch(due, NEW_YORK).replace(tzinfo=None) == dt.datetime(2024, 3, 11, 9)
    assert dt.datetime.fromtimestamp(due, dt.UTC).hour == 13


def test_spans_across_many_years_are_exact_and_fast():
    c = cal(holiday_country="DE")
    a, b = at(BERLIN, 2019, 1, 1), at(BERLIN, 2027, 1, 1)
    started = time.perf_counter()
    total = c.business_seconds(a, b)
    by_year = sum(c.business_seconds(at(BERLIN, y, 1, 1), at(BERLIN, y + 1, 1, 1)) for y in range(2019, 2027))
    assert total == by_year
    assert c.add_business_seconds(a, total) == c.add_business_seconds(a, total - 1) + 1
    assert time.perf_counter() - started < 5  # no minute loops: this is milliseconds in practice
    # The edges of the supported range work too.
    assert c.business_seconds(at(BERLIN, 2000, 1, 3), at(BERLIN, 2000, 1, 4)) == 9 * H
    assert c.business_seconds(at(BERLIN, 2100, 12, 27), at(BERLIN, 2100, 12, 28)) == 9 * H


def test_always_open_is_wall_time():
    c = BusinessCalendar(CalendarSpec(name="24x7", timezone=BERLIN, always_open=True, holiday_country="DE"))
    a = at(BERLIN, 2024, 12, 24)
    assert c.business_seconds(a, a + 3 * 86400) == 3 * 86400
    assert c.add_business_seconds(a, 100) == a + 100
    assert c.split(a, a + 10) == [(a, a + 10, "open")]


def test_no_open_time_within_the_horizon_is_infinite():
    far = (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2300, 1, 1, tzinfo=dt.UTC))
    c = cal("UTC", closed_periods=[far])
    assert c.add_business_seconds(at("UTC", 2024, 1, 1), 60) == math.inf
    assert c.next_open(at("UTC", 2024, 1, 1)) == math.inf


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"weekly": {"funday": [("08:00", "17:00")]}}, "weekly"),
        ({"weekly": {"mon": [("8am", "17:00")]}}, "weekly"),
        ({"weekly": {"mon": [("24:00", "17:00")]}}, "weekly"),
        ({"weekly": {"mon": [("08:00", "25:00")]}}, "weekly"),
        ({"weekly": {}}, "weekly"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"holiday_country": "DE", "holiday_subdivision": "ZZ"}, "holiday_subdivision"),
        ({"closed_periods": [(dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 3))]}, "closed_periods"),
    ],
)
def test_invalid_specs_name_the_field(kwargs, field):
    kwargs = {"weekly": OFFICE} | kwargs
    with pytest.raises(ValueError, match=field):
        CalendarSpec(name="bad", **kwargs)
    assert issubclass(ValidationError, ValueError)


def test_spec_round_trips_through_json_and_weekday_keys_normalise():
    spec = CalendarSpec(name="c", timezone=BERLIN, weekly={"Mon": [("8:00", "12:00")]}, custom_holidays=["2024-05-07"])
    assert spec.weekly == {"mon": [("8:00", "12:00")]}
    assert CalendarSpec.model_validate_json(spec.model_dump_json()) == spec


def test_get_calendar_caches_per_content_and_edits_take_effect():
    spec = CalendarSpec(name="c", timezone=BERLIN, weekly=OFFICE)
    assert get_calendar(spec) is get_calendar(spec.model_copy())
    a, b = at(BERLIN, 2024, 5, 6), at(BERLIN, 2024, 5, 7)
    before = BusinessCalendar(spec)
    spec.weekly = {"mon": [("08:00", "10:00")]}  # editing the spec later does not leak into `before`
    assert before.business_seconds(a, b) == 9 * H
    assert get_calendar(spec).business_seconds(a, b) == 2 * H


def test_datetime_helpers_refuse_naive_values():
    c = cal()
    start = dt.datetime(2024, 5, 10, 16, tzinfo=ZoneInfo(BERLIN))
    assert c.add_business(start, dt.timedelta(hours=2)) == dt.datetime(2024, 5, 13, 9, tzinfo=ZoneInfo(BERLIN))
    assert c.business_delta(start, start + dt.timedelta(days=3)) == dt.timedelta(hours=1 + 8)
    with pytest.raises(ValueError, match="naive"):
        to_epoch(dt.datetime(2024, 1, 1))


STORED = [
    CalendarSpec(name="office", timezone=BERLIN, weekly=OFFICE, holiday_country="de", holiday_subdivision="BE",
                 custom_holidays=[dt.date(2024, 12, 24)],
                 closed_periods=[(dt.datetime(2024, 12, 27, tzinfo=ZoneInfo(BERLIN)), dt.datetime(2024, 12, 31, 12, tzinfo=dt.UTC))]),
    CalendarSpec(name="24x7", timezone=NEW_YORK, always_open=True),
    CalendarSpec(name="night", weekly={" Mon ": [("22:00", "06:00")], "sat": [("00:00", "24:00")]}),
]


@pytest.mark.parametrize("spec", STORED, ids=lambda s: s.name)
def test_stored_spec_reads_what_calendarspec_saved_without_pydantic(spec: CalendarSpec) -> None:
    from comanage_tui.data.sla.calendar import stored_spec

    plain = stored_spec(spec.model_dump_json())
    assert set(vars(plain)) == set(CalendarSpec.model_fields)  # a new field must be read there too
    assert {name: getattr(plain, name) for name in CalendarSpec.model_fields} == spec.model_dump()
    a, b = BusinessCalendar(spec), BusinessCalendar(plain)
    start = at(BERLIN, 2024, 12, 20, 7)
    for hours in (1, 30, 200, 24 * 40):
        assert a.business_seconds(start, start + hours * H) == b.business_seconds(start, start + hours * H)
    assert [a.holiday_name(start + d * 86400) for d in range(12)] == [b.holiday_name(start + d * 86400) for d in range(12)]


def test_stored_spec_defaults_are_calendarspecs() -> None:
    from comanage_tui.data.sla.calendar import stored_spec

    plain = stored_spec('{"name": "x"}')
    for name, field in CalendarSpec.model_fields.items():
        if not field.is_required():
            assert getattr(plain, name) == field.get_default(call_default_factory=True), name
