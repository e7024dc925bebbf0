"""Deadline arithmetic: plain clock, business hours over weekends and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from bot.workflow.deadlines import BusinessHours, Duration, parse_duration, stage_clock

ROME = ZoneInfo("Europe/Rome")
OFFICE = BusinessHours.parse("Europe/Rome", ["mon", "tue", "wed", "thu", "fri"], "09:00-18:00")


def rome(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45m", Duration(clock=timedelta(minutes=45))),
        ("4h", Duration(clock=timedelta(hours=4))),
        (" 2d ", Duration(days=2)),
    ],
)
def test_durations(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "4", "4 hours", "1w", "0h", "-3h", "1.5h", "h4"])
def test_bad_durations_say_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match=r"m, h or d|longer than zero"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("zone", "days", "hours", "message"),
    [
        ("Europe/Nowhere", ["mon"], "09:00-18:00", "IANA time zone"),
        ("Europe/Rome", ["monday"], "09:00-18:00", "not a day"),
        ("Europe/Rome", [], "09:00-18:00", "at least one day"),
        ("Europe/Rome", ["mon"], "9-18", "HH:MM-HH:MM"),
        ("Europe/Rome", ["mon"], "18:00-09:00", "after the opening"),
        ("Europe/Rome", ["mon"], "09:00-25:00", "not a time of day"),
    ],
)
def test_bad_business_hours(zone: str, days: list[str], hours: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessHours.parse(zone, days, hours)


def test_plain_clock_deadline_and_reminder_spacing() -> None:
    opened = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    clock = stage_clock(opened, parse_duration("24h"), reminders=2)
    assert clock.deadline == opened + timedelta(hours=24)
    assert clock.reminders == (opened + timedelta(hours=8), opened + timedelta(hours=16))


def test_no_sla_no_deadline() -> None:
    clock = stage_clock(datetime(2026, 11, 2, tzinfo=UTC), None, reminders=3)
    assert clock.deadline is None and clock.reminders == ()


def test_business_hours_skip_the_weekend() -> None:
    # Friday 16:00 in Rome + 4 working hours: 2 hours on Friday, 2 on Monday from 09:00.
    clock = stage_clock(rome(2026, 11, 6, 16, 0), parse_duration("4h"), business_hours=OFFICE)
    assert clock.deadline == rome(2026, 11, 9, 11, 0).astimezone(UTC)


def test_opened_outside_hours_starts_at_the_next_opening() -> None:
    clock = stage_clock(rome(2026, 11, 7, 23, 0), parse_duration("45m"), business_hours=OFFICE)
    assert clock.deadline == rome(2026, 11, 9, 9, 45).astimezone(UTC)


def test_days_are_working_days_inside_business_hours() -> None:
    clock = stage_clock(rome(2026, 11, 5, 12, 0), parse_duration("2d"), business_hours=OFFICE)
    # Thursday 12:00 + two working days of 9 hours: Monday 12:00.
    assert clock.deadline == rome(2026, 11, 9, 12, 0).astimezone(UTC)


def test_daylight_saving_change_keeps_office_hours_local() -> None:
    # Rome leaves summer time on Sunday 25 October 2026: Friday 17:00 CEST (15:00 UTC) + 2 working
    # hours ends on Monday 10:00 CET, which is 09:00 UTC (not 08:00, as a fixed offset would say).
    clock = stage_clock(rome(2026, 10, 23, 17, 0), parse_duration("2h"), business_hours=OFFICE)
    assert clock.deadline == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    # And a round-the-clock window on the change day itself has 25 hours.
    always = BusinessHours.parse("Europe/Rome", ["sun"], "00:00-24:00")
    day_start = rome(2026, 10, 25, 0, 0)
    assert always.elapsed(day_start, day_start + timedelta(days=2)) == timedelta(hours=25)


def test_publish_at_caps_the_deadline_and_drops_later_reminders() -> None:
    opened = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    publish_at = opened + timedelta(hours=6)
    clock = stage_clock(opened, parse_duration("24h"), publish_at=publish_at, reminders=2)
    assert clock.deadline == publish_at
    assert clock.reminders == (opened + timedelta(hours=2), opened + timedelta(hours=4))


def test_publish_at_already_past_gives_no_reminders() -> None:
    opened = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    clock = stage_clock(opened, parse_duration("4h"), publish_at=opened - timedelta(hours=1))
    assert clock.deadline == opened - timedelta(hours=1) and clock.reminders == ()


def test_business_reminders_are_spaced_in_working_time() -> None:
    # Monday 09:00 + 18 working hours = Tuesday 18:00; reminders after 6 and 12 working hours.
    clock = stage_clock(
        rome(2026, 11, 9, 9, 0), parse_duration("18h"), business_hours=OFFICE, reminders=2
    )
    assert clock.deadline == rome(2026, 11, 10, 18, 0).astimezone(UTC)
    assert clock.reminders == (
        rome(2026, 11, 9, 15, 0).astimezone(UTC),
        rome(2026, 11, 10, 12, 0).astimezone(UTC),
    )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        stage_clock(datetime(2026, 11, 2), parse_duration("1h"))


@given(
    start=hs.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=hs.just(UTC)
    ),
    minutes=hs.integers(min_value=1, max_value=60 * 24 * 10),
)
def test_open_time_to_the_deadline_is_the_sla(start: datetime, minutes: int) -> None:
    amount = timedelta(minutes=minutes)
    deadline = OFFICE.add(start, amount)
    assert deadline > start
    assert OFFICE.elapsed(start, deadline) == amount
    local = deadline.astimezone(ROME)
    assert local.weekday() < 5 and time(9) < local.time() <= time(18)
