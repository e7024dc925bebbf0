"""Deadline arithmetic for review stages (SPEC "Workflow over time"): pure, no database, no clock.

A stage's deadline is its SLA counted from when it opened, in business hours when the brand gives
them, and never later than the draft's planned publication. Reminders are spaced evenly over the
same clock the deadline uses: with business hours, "after 8 of 24 hours" means 8 working hours,
which is what an approver who is away at night expects.

Every instant here is an aware datetime; results are in UTC. Business hours are wall-clock times
in the brand's IANA time zone, so a daylight-saving change moves them the way people's office
hours move, and a working day that loses or gains an hour is counted as the hours it really has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.guidelines.clock import (
    DAY_NAMES,
    MAX_REMINDERS,
    BusinessHours,
    Duration,
    parse_duration,
    utc,
)


@dataclass(frozen=True)
class StageClock:
    """When a stage is due and when its reminders fall; `deadline` is None without an SLA."""

    opened_at: datetime
    deadline: datetime | None
    reminders: tuple[datetime, ...]


def stage_clock(
    opened_at: datetime,
    sla: Duration | None,
    *,
    business_hours: BusinessHours | None = None,
    publish_at: datetime | None = None,
    reminders: int = 1,
) -> StageClock:
    """Deadline and reminder times of a stage that opened at `opened_at`.

    The deadline is `sla` after the opening (in open time with business hours), capped at
    `publish_at`; reminders split the time to the deadline into `reminders + 1` equal parts,
    measured on the same clock, so N = 2 over 24 hours falls after 8 and 16 hours.
    """
    opened_at = utc(opened_at)
    if sla is None:
        return StageClock(opened_at, None, ())
    if not 0 <= reminders <= MAX_REMINDERS:
        raise ValueError(f"reminders must be 0 to {MAX_REMINDERS}, not {reminders}")
    if business_hours is None:
        deadline = opened_at + sla.elapsed()
    else:
        deadline = business_hours.add(opened_at, sla.open_time(business_hours))
    if publish_at is not None:
        deadline = min(deadline, utc(publish_at))
    if deadline <= opened_at:
        return StageClock(opened_at, deadline, ())
    if business_hours is None:
        budget = deadline - opened_at
        times = [opened_at + budget * k / (reminders + 1) for k in range(1, reminders + 1)]
    else:
        budget = business_hours.elapsed(opened_at, deadline)
        times = [
            business_hours.add(opened_at, budget * k / (reminders + 1))
            for k in range(1, reminders + 1)
        ]
    return StageClock(opened_at, deadline, tuple(t for t in times if opened_at < t < deadline))


__all__ = [
    "DAY_NAMES",
    "MAX_REMINDERS",
    "BusinessHours",
    "Duration",
    "StageClock",
    "parse_duration",
    "stage_clock",
]
