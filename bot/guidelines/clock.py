"""Durations and business hours as guideline files write them: pure, no database, no clock.

`sla:` in a guideline file is validated with these parsers, and the workflow's deadline
arithmetic (`bot.workflow.deadlines`) counts with them. Business hours are wall-clock times in
the brand's IANA time zone, so a daylight-saving change moves them the way office hours move.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_REMINDERS = 5
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1)}
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# A guard against a window that never opens (no days, or hours of zero length): the walk gives up
# after this many calendar days rather than looping for ever.
_MAX_DAYS_WALKED = 3660


@dataclass(frozen=True)
class Duration:
    """An SLA as written. Days stay days: with business hours `2d` is two working days (two
    opening spans), not 48 open hours, which is what people mean when they write it."""

    days: int = 0
    clock: timedelta = timedelta(0)

    def elapsed(self) -> timedelta:
        return self.clock + timedelta(days=self.days)

    def open_time(self, hours: BusinessHours) -> timedelta:
        return self.clock + self.days * hours.day_length

    def __str__(self) -> str:
        if self.days:
            return f"{self.days}d"
        minutes = int(self.clock.total_seconds() // 60)
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def parse_duration(text: str) -> Duration:
    """`45m`, `4h`, `2d`; raises ValueError saying what is allowed."""
    match = _DURATION.match(str(text))
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration: write a whole number and m, h or d (45m, 4h)"
        )
    amount = int(match.group(1))
    if amount <= 0:
        raise ValueError(f"{text!r} is not a duration: it must be longer than zero")
    if match.group(2) == "d":
        return Duration(days=amount)
    return Duration(clock=amount * _UNIT[match.group(2)])


def _wall(hours: str, minutes: str) -> time | None:
    """`24:00` is the end of the day (None); anything else must be a real time of day."""
    h, m = int(hours), int(minutes)
    if (h, m) == (24, 0):
        return None
    if h > 23 or m > 59:
        raise ValueError(f"{hours}:{minutes} is not a time of day (00:00 to 24:00)")
    return time(h, m)


@dataclass(frozen=True)
class BusinessHours:
    """When the SLA clock runs: on `days` (0 = Monday), from `opens` to `closes` local time."""

    timezone: ZoneInfo
    days: frozenset[int]
    opens: time
    closes: time | None  # None: midnight at the end of the day

    @classmethod
    def parse(cls, timezone: str, days: list[str], hours: str) -> BusinessHours:
        """From the guideline file's fields; raises ValueError saying what is allowed."""
        try:
            zone = ZoneInfo(str(timezone))
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(
                f"{timezone!r} is not an IANA time zone (for example Europe/Rome)"
            ) from exc
        picked: set[int] = set()
        for day in days:
            name = str(day).strip().lower()
            if name not in DAY_NAMES:
                raise ValueError(f"{day!r} is not a day: one of {', '.join(DAY_NAMES)}")
            picked.add(DAY_NAMES.index(name))
        if not picked:
            raise ValueError("business_hours.days needs at least one day")
        match = _HOURS.match(str(hours))
        if match is None:
            raise ValueError(f"{hours!r} is not a span of hours: write HH:MM-HH:MM (09:00-18:00)")
        opens = _wall(match.group(1), match.group(2)) or time(0)
        closes = _wall(match.group(3), match.group(4))
        if closes is not None and closes <= opens:
            raise ValueError(f"{hours!r}: the closing time must be after the opening time")
        return cls(zone, frozenset(picked), opens, closes)

    @property
    def day_length(self) -> timedelta:
        """A working day's open time on an ordinary day (no daylight-saving change)."""
        end = timedelta(days=1) if self.closes is None else _since_midnight(self.closes)
        return end - _since_midnight(self.opens)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open span as UTC instants, or None on a closed day."""
        if day.weekday() not in self.days:
            return None
        start = datetime.combine(day, self.opens, self.timezone)
        if self.closes is None:
            end = datetime.combine(day + timedelta(days=1), time(0), self.timezone)
        else:
            end = datetime.combine(day, self.closes, self.timezone)
        start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        return (start_utc, end_utc) if end_utc > start_utc else None

    def windows_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open spans that end after `instant`, clipped to start no earlier than it."""
        instant = utc(instant)
        day = instant.astimezone(self.timezone).date() - timedelta(days=1)
        for _ in range(_MAX_DAYS_WALKED):
            window = self._window(day)
            day += timedelta(days=1)
            if window is None or window[1] <= instant:
                continue
            yield max(window[0], instant), window[1]
        raise ValueError("business hours never open: check business_hours.days and hours")

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant when `amount` of open time has passed since `start`."""
        left = amount
        for opens, closes in self.windows_from(start):
            span = closes - opens
            if left <= span:
                return opens + left
            left -= span
        raise AssertionError("unreachable: windows_from raises when it runs out")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants (zero when `end` is not after `start`)."""
        start, end = utc(start), utc(end)
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self.windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total


def _since_midnight(moment: time) -> timedelta:
    return timedelta(hours=moment.hour, minutes=moment.minute)


def utc(instant: datetime) -> datetime:
    """The instant in UTC; naive datetimes are refused, since their zone would be a guess."""
    if instant.tzinfo is None:
        raise ValueError("deadlines need aware datetimes (the database stores UTC)")
    return instant.astimezone(UTC)
