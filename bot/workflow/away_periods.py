"""Who is away right now: read by routing (no new stages for them) and by escalation.

Slack user ids are unique only within a team, so an absence is of a user in a team: U123 away
in T1 is not U123 of T2. Which rows hold for a draft follows from the draft's team:

* a draft of team T: absences set in T, and those of no team (`TEAMLESS`: set from the CLI in
  one workspace, or written before absences had a team);
* a draft of no team (one workspace, or a CLI submission): every absence of the user id, since
  nothing says which team's person the guideline file means (the careful answer: not routed to
  someone who may be away).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from models import AwayPeriod
from models.away import TEAMLESS


def team_key(team: str | None) -> str:
    """The `team_id` a row of `team` is stored with (None: `TEAMLESS`)."""
    return team if team else TEAMLESS


def holds_in(team: str | None) -> ColumnElement[bool]:
    """The rows that apply to a user of `team` (None: every row of the user id)."""
    if not team:
        return true()
    return or_(AwayPeriod.team_id == team, AwayPeriod.team_id == TEAMLESS)


@dataclass(frozen=True)
class AwayNow:
    """Everyone away at one moment, by team (read once per routing or timers batch)."""

    by_team: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of(self, team: str | None) -> frozenset[str]:
        """Users away for a draft of `team` (None: away in any team)."""
        if not team:
            return frozenset().union(*self.by_team.values())
        return self.by_team.get(team, frozenset()) | self.by_team.get(TEAMLESS, frozenset())


def away_now(session: Session, now: datetime) -> AwayNow:
    """Users whose away period has not ended at `now` (a return not yet fired counts as back:
    the date, not the timers run, decides)."""
    teams: dict[str, set[str]] = {}
    rows = session.execute(
        select(AwayPeriod.team_id, AwayPeriod.user_id).where(AwayPeriod.until > now)
    )
    for team, user in rows:
        teams.setdefault(team, set()).add(user)
    return AwayNow({t: frozenset(users) for t, users in teams.items()})


def away_users(session: Session, now: datetime, team: str | None) -> frozenset[str]:
    """Users away at `now` for a draft of `team` (see the module's docstring)."""
    return frozenset(
        session.scalars(
            select(AwayPeriod.user_id).where(AwayPeriod.until > now, holds_in(team)).distinct()
        )
    )
