"""CalendarSpec: a business calendar as stored (JSON) and edited (TOML), validated with pydantic.

Kept apart from the calendar engine (calendar.py) so that code which only computes with
stored, already validated calendars (`comanage check`) never imports pydantic; importing
`CalendarSpec` from `comanage_tui.data.sla.calendar` still works and lands here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, field_validator, model_validator

from comanage_tui.data.sla.terms import WEEKDAYS, parse_hhmm


class CalendarSpec(BaseModel):
    """A business calendar as stored (JSON) and edited (TOML)."""

    name: str
    timezone: str = "UTC"
    """A zoneinfo key such as "Europe/Berlin"."""
    always_open: bool = False
    """24x7: business time equals wall time."""
    weekly: dict[str, list[tuple[str, str]]] = {}
    """Weekday ("mon".."sun") -> ("HH:MM", "HH:MM") windows; end <= start runs overnight."""
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    custom_holidays: list[dt.date] = []
    closed_periods: list[tuple[dt.datetime, dt.datetime]] = []
    """Aware (start, end) datetimes during which nothing is open, e.g. a site shutdown."""

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"timezone: unknown time zone {value!r}") from None
        return value

    @field_validator("weekly")
    @classmethod
    def _check_weekly(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for day, windows in value.items():
            key = day.strip().lower()
            if key not in WEEKDAYS:
                raise ValueError(f"weekly: unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
            for start, end in windows:
                try:
                    parse_hhmm(start, end=False)
                    parse_hhmm(end, end=True)
                except ValueError as exc:
                    raise ValueError(f"weekly.{key}: bad window ({start!r}, {end!r}): {exc}") from None
            out.setdefault(key, []).extend((s.strip(), e.strip()) for s, e in windows)
        return out

    @field_validator("holiday_country")
    @classmethod
    def _upper_country(cls, value: str | None) -> str | None:
        return value.strip().upper() or None if value else None

    @field_validator("closed_periods")
    @classmethod
    def _check_closed(cls, value: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
        for start, end in value:
            if start.utcoffset() is None or end.utcoffset() is None:
                raise ValueError("closed_periods: datetimes must carry a time zone")
            if end <= start:
                raise ValueError(f"closed_periods: end {end.isoformat()} is not after start {start.isoformat()}")
        return value

    @model_validator(mode="after")
    def _check_holidays_and_hours(self) -> CalendarSpec:
        if self.holiday_subdivision and not self.holiday_country:
            raise ValueError("holiday_subdivision: needs holiday_country")
        if self.holiday_country:
            import holidays  # heavy; only when a calendar names a country

            try:
                holidays.country_holidays(self.holiday_country)
            except NotImplementedError:
                raise ValueError(f"holiday_country: unknown country {self.holiday_country!r}") from None
            try:
                holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            except NotImplementedError:
                raise ValueError(
                    f"holiday_subdivision: {self.holiday_country} has no subdivision {self.holiday_subdivision!r}"
                ) from None
        if not self.always_open and not any(self.weekly.values()):
            raise ValueError("weekly: no business hours; add windows or set always_open")
        return self
