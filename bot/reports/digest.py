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

Many workspaces (`teams` given: the Slack teams the app is installed in): Slack user ids and
reports are per team. A brand with `workspace: T` sends its digest as before, delivered in T,
leaving out those who switched it off in T. A brand without `workspace:` has drafts in several
teams: each team gets its own digest, with that team's figures only (as /brandgate report in
that team shows), to the approvers who have not switched it off there. A switch is kept per
(user, team); a switch of no team (`TEAMLESS`, written before switches had a team) holds in
every team. In one workspace (`teams` None) nothing of this applies: one digest, every draft.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, insert, or_, select, true
from sqlalchemy.exc import IntegrityError

from bot.guidelines.model import Guidelines
from bot.reports import summary
from bot.reports.access import approvers_of
from bot.reports.period import Period
from bot.reports.service import build_report, rule_catalogue
from models import DigestOptOut, OutboxMessage, ReportDigest, utcnow
from models.away import TEAMLESS
from models.db import Database

logger = logging.getLogger("brandgate.reports.digest")

KIND = "report_digest"
SEND_AT = time(9, 0)
MONDAY = 0


@dataclass(frozen=True)
class Part:
    """One team's digest of a brand: whose figures (`scope`), who is asked (`team`), and the
    team whose token delivers it (`deliver_in`; None: the one workspace's)."""

    scope: str | None
    team: str | None
    deliver_in: str | None


@dataclass(frozen=True)
class Message:
    recipient: str
    team: str | None
    text: str


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


def _switches_of(team: str | None) -> ColumnElement[bool]:
    """The opt-outs that hold for a user of `team` (None: of any team)."""
    if not team:
        return true()
    return or_(DigestOptOut.team_id == team, DigestOptOut.team_id == TEAMLESS)


def opted_out(db: Database, team: str | None = None) -> set[str]:
    with db.read_engine.connect() as conn:
        rows = conn.execute(select(DigestOptOut.user_id).where(_switches_of(team)))
        return {str(u) for u in rows.scalars()}


def digest_enabled(db: Database, user: str, team: str | None = None) -> bool:
    with db.engine.connect() as conn:
        row = conn.execute(
            select(DigestOptOut.user_id).where(DigestOptOut.user_id == user, _switches_of(team))
        )
        return row.first() is None


def set_digest(
    db: Database,
    user: str,
    *,
    enabled: bool,
    team: str | None = None,
    now: datetime | None = None,
) -> None:
    """Switch the digest on or off (idempotent) for `user` of Slack team `team` (None: the
    user id in every team). A switch in a team replaces that team's and the one of no team."""
    with db.engine.begin() as conn:
        conn.execute(delete(DigestOptOut).where(DigestOptOut.user_id == user, _switches_of(team)))
        if not enabled:
            conn.execute(
                insert(DigestOptOut).values(
                    user_id=user, team_id=team or TEAMLESS, since=now or utcnow()
                )
            )


def digest_text(g: Guidelines, monday: date, lines: Iterable[str], *, team: bool = False) -> str:
    start = monday - timedelta(days=7)
    head = f"Weekly brandgate digest for {g.brand} ({g.brand_id}), week of {start.isoformat()}"
    if team:
        head += " (this Slack workspace's drafts)"
    tail = "Switch this digest off (or on again) in brandgate's App Home."
    return "\n".join([head, *lines, tail])


def parts(g: Guidelines, teams: Sequence[str] | None) -> list[Part]:
    """The digests of brand `g` (see the module's docstring)."""
    if teams is None:
        return [Part(scope=None, team=None, deliver_in=None)]
    if g.workspace:
        return [Part(scope=None, team=g.workspace, deliver_in=g.workspace)]
    return [Part(scope=t, team=t, deliver_in=t) for t in dict.fromkeys(teams)]


def send_digests(
    db: Database,
    brands: Iterable[Guidelines],
    *,
    now: datetime | None = None,
    teams: Sequence[str] | None = None,
) -> DigestRun:
    """Queue the digests due at `now` (default: the clock); returns what this run sent.
    `teams`: the Slack teams installed (many workspaces), None in one workspace."""
    moment = now or utcnow()
    sent = DigestRun()
    for g in brands:
        monday = due_week(g, moment)
        todo = parts(g, teams)
        if monday is None or not todo or _already_sent(db, g.brand_id, monday):
            continue
        messages: list[Message] = []
        for part in todo:
            off = opted_out(db, part.team)
            report = build_report(
                db,
                period=week_period(monday),
                brand=g.brand_id,
                rules=rule_catalogue([g]),
                team=part.scope,
            )
            text = digest_text(
                g, monday, summary.lines(report.metrics), team=part.scope is not None
            )
            messages += [
                Message(user, part.deliver_in, text) for user in approvers_of(g) if user not in off
            ]
        if _claim_and_queue(db, g.brand_id, monday, messages, moment):
            sent = DigestRun(sent.brands + 1, sent.messages + len(messages))
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
    db: Database, brand: str, monday: date, messages: list[Message], now: datetime
) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(ReportDigest).values(
                    brand_id=brand, week_start=monday, sent_at=now, recipients=len(messages)
                )
            )
            for m in messages:
                payload = {"text": m.text, "brand": brand, "week": monday.isoformat()}
                # one workspace: the key it always had; many: one per (team, user)
                who = f"{m.team}:{m.recipient}" if m.team else m.recipient
                conn.execute(
                    insert(OutboxMessage).values(
                        created_at=now,
                        kind=KIND,
                        recipient=m.recipient,
                        team_id=m.team,
                        payload={**payload, "team": m.team} if m.team else payload,
                        dedupe_key=f"{KIND}:{brand}:{monday.isoformat()}:{who}",
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
    except IntegrityError:
        logger.info("digest %s %s: sent by another process", brand, monday)
        return False
    return True
