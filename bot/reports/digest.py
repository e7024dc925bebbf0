"""The weekly digest: every Monday from 09:00 in the brand's timezone, each approver of the brand
gets last week's report in a direct message (SPEC "Reports": "brand approvers get a weekly
digest").

The brand's timezone is its `sla.business_hours.timezone` when it has business hours, else UTC.
A digest is sent on the Monday itself (09:00 to midnight local time); a Monday on which no
process ran is skipped rather than sent days late. The week reported is the seven local days
before that Monday (as UTC dates, the report's periods).

Once, however many processes run: the sender inserts the (brand, week) row of `report_digests`
in the same transaction as the digest's outbox messages; a second sender's insert conflicts on
the primary key (PostgreSQL makes it wait for the first to commit), so it rolls back and sends
nothing. A person who switched the digest off in App Home (`report_digest_optouts`) is left
out; everyone else is in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from bot.guidelines.model import Guidelines
from bot.reports import summary
from bot.reports.access import approvers_of
from bot.reports.period import Period
from bot.reports.service import build_report, rule_catalogue
from models import DigestOptOut, OutboxMessage, ReportDigest, utcnow
from models.db import Database

logger = logging.getLogger("brandgate.reports.digest")

KIND = "report_digest"
SEND_AT = time(9, 0)
MONDAY = 0


@dataclass(frozen=True)
class DigestRun:
    brands: int = 0  # digests sent by this run
    messages: int = 0


def timezone_of(g: Guidelines) -> ZoneInfo:
    hours = g.sla.business_hours if g.sla is not None else None
    return hours.timezone if hours is not None else ZoneInfo("UTC")


def due_week(g: Guidelines, now: datetime) -> date | None:
    """The Monday (local date) whose digest is due at `now`, or None outside Monday 09:00-24:00."""
    local = now.astimezone(timezone_of(g))
    if local.weekday() != MONDAY or local.time() < SEND_AT:
        return None
    return local.date()


def week_period(monday: date) -> Period:
    start = monday - timedelta(days=7)
    return Period(
        datetime(start.year, start.month, start.day, tzinfo=UTC),
        datetime(monday.year, monday.month, monday.day, tzinfo=UTC),
    )


def opted_out(db: Database) -> set[str]:
    with db.read_engine.connect() as conn:
        return {str(u) for u in conn.execute(select(DigestOptOut.user_id)).scalars()}


def digest_enabled(db: Database, user: str) -> bool:
    with db.engine.connect() as conn:
        row = conn.execute(select(DigestOptOut.user_id).where(DigestOptOut.user_id == user))
        return row.first() is None


def set_digest(db: Database, user: str, *, enabled: bool, now: datetime | None = None) -> None:
    """Switch `user`'s digest on or off (idempotent)."""
    with db.engine.begin() as conn:
        conn.execute(delete(DigestOptOut).where(DigestOptOut.user_id == user))
        if not enabled:
            conn.execute(insert(DigestOptOut).values(user_id=user, since=now or utcnow()))


def digest_text(g: Guidelines, monday: date, lines: Iterable[str]) -> str:
    start = monday - timedelta(days=7)
    head = f"Weekly brandgate digest for {g.brand} ({g.brand_id}), week of {start.isoformat()}"
    tail = "Switch this digest off (or on again) in brandgate's App Home."
    return "\n".join([head, *lines, tail])


def send_digests(
    db: Database, brands: Iterable[Guidelines], *, now: datetime | None = None
) -> DigestRun:
    """Queue the digests due at `now` (default: the clock); returns what this run sent."""
    moment = now or utcnow()
    sent = DigestRun()
    for g in brands:
        monday = due_week(g, moment)
        if monday is None or _already_sent(db, g.brand_id, monday):
            continue
        off = opted_out(db)
        recipients = [u for u in approvers_of(g) if u not in off]
        report = build_report(
            db, period=week_period(monday), brand=g.brand_id, rules=rule_catalogue([g])
        )
        text = digest_text(g, monday, summary.lines(report.metrics))
        if _claim_and_queue(db, g.brand_id, monday, recipients, text, moment):
            sent = DigestRun(sent.brands + 1, sent.messages + len(recipients))
    return sent


def _already_sent(db: Database, brand: str, monday: date) -> bool:
    # A cheap read first, so that every runner after the first skips the report's queries.
    with db.engine.connect() as conn:
        found = conn.execute(
            select(ReportDigest.brand_id).where(
                ReportDigest.brand_id == brand, ReportDigest.week_start == monday
            )
        )
        return found.first() is not None


def _claim_and_queue(
    db: Database, brand: str, monday: date, recipients: list[str], text: str, now: datetime
) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(ReportDigest).values(
                    brand_id=brand, week_start=monday, sent_at=now, recipients=len(recipients)
                )
            )
            for user in recipients:
                conn.execute(
                    insert(OutboxMessage).values(
                        created_at=now,
                        kind=KIND,
                        recipient=user,
                        payload={"text": text, "brand": brand, "week": monday.isoformat()},
                        dedupe_key=f"{KIND}:{brand}:{monday.isoformat()}:{user}",
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
    except IntegrityError:
        logger.info("digest %s %s: sent by another process", brand, monday)
        return False
    return True
