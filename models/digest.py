"""The weekly report digest: which brand's digest went out for which week, and who opted out.

`report_digests` has one row per (brand, week): the sender inserts it in the same transaction as
the digest's outbox messages, so however many processes try, one wins and the others skip.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.away import TEAMLESS
from models.base import Base, UTCDateTime


class ReportDigest(Base):
    __tablename__ = "report_digests"

    brand_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: the Monday (in the brand's timezone) of the week the digest was sent
    week_start: Mapped[date] = mapped_column(Date(), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(Integer)


class DigestOptOut(Base):
    """A person who switched the digest off for themselves (App Home); no row: they get it.

    Keyed by (team, user) like `AwayPeriod`: `team_id` "" (models.away.TEAMLESS) is a row of no
    team, the user id's in every team."""

    __tablename__ = "report_digest_optouts"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), primary_key=True, default=TEAMLESS, server_default=TEAMLESS
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime())
