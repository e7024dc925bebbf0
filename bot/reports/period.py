"""The report period: `[since, until)` in UTC, from the command's DATE arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DEFAULT_DAYS = 30


class PeriodError(ValueError):
    """A date that cannot be read, or a period that ends before it starts."""


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @staticmethod
    def _label(moment: datetime) -> str:
        if moment.time() == datetime.min.time():
            return moment.date().isoformat()
        return moment.isoformat().replace("+00:00", "Z")

    @property
    def since_label(self) -> str:
        return self._label(self.since)

    @property
    def until_label(self) -> str:
        return self._label(self.until)


def parse_moment(value: str, what: str) -> datetime:
    """`2026-11-01` (midnight UTC) or an ISO datetime (UTC when it names no zone)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(f"{what}: not a date (YYYY-MM-DD) or ISO datetime: {value!r}") from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def resolve_period(since: str | None, until: str | None, *, today: date | None = None) -> Period:
    """The period the arguments name; without them, the last 30 days including today.

    `until` is exclusive (the SPEC's `[since, until)`); one bound alone spans 30 days from it.
    """
    end = parse_moment(until, "--until") if until else None
    start = parse_moment(since, "--since") if since else None
    if end is None:
        if start is not None:
            end = start + timedelta(days=DEFAULT_DAYS)
        else:
            day = today or datetime.now(UTC).date()
            end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise PeriodError(
            f"--since ({Period._label(start)}) must be before --until ({Period._label(end)})"
        )
    return Period(start, end)
