"""Who is away right now: read by routing (no new stages for them) and by escalation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AwayPeriod


def away_users(session: Session, now: datetime) -> frozenset[str]:
    """Users whose away period has not ended at `now` (a return not yet fired counts as back:
    the date, not the timers run, decides)."""
    return frozenset(session.scalars(select(AwayPeriod.user_id).where(AwayPeriod.until > now)))
