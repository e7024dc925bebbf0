"""Approvers away (SPEC "Workflow over time", Away): a row while a user is away.

The row is also the user's return timer: `until` is indexed, and a timers run claims the rows
whose `until` has passed (`FOR UPDATE SKIP LOCKED` on PostgreSQL), logs the return and deletes
the row in one transaction, so a return fires once however many runners there are.

Slack user ids are unique only within a team, so a row is keyed by (team, user). `team_id` is
`TEAMLESS` ("") for a row set without a team (the CLI in one workspace, and every row written
before many workspaces were keyed, see migration 0012_teamkeys): such a row is the user id's in
every team (bot/workflow/away_periods.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

#: the team of a row set without one (a primary key column cannot be NULL)
TEAMLESS = ""


class AwayPeriod(Base):
    __tablename__ = "away_periods"
    __table_args__ = (Index("ix_away_periods_until", "until"),)

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), primary_key=True, default=TEAMLESS, server_default=TEAMLESS
    )
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    delegate: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
