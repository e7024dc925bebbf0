"""Single-use sign-in links and the sessions they open (SPEC "Portal": 10 minutes, 8 hours).

The token is 256 random bits; only its SHA-256 is stored (`portal_links`). Redeeming is one
conditional UPDATE (`used_at IS NULL AND expires_at > now`), so two processes racing for the
same link cannot both win, and a replayed link finds it used.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.portal.reading import reading
from models import PortalLink, as_utc
from models.db import Database

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
SIGNIN_PATH = "/portal/signin/"
# Slack user ids (as bot.guidelines.fields.USER_ID_PATTERN): U or W, then capitals and digits.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class LinkError(ValueError):
    """A link that cannot be issued (a malformed user id, no base URL)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(db: Database, user: str, *, base_url: str, now: datetime) -> str:
    """A fresh single-use sign-in link for `user`, valid `LINK_TTL` from `now`."""
    if not USER_ID.match(user):
        raise LinkError(f"{user!r} is not a Slack user id (U… or W…, capitals and digits)")
    if not re.match(r"^https?://[^/\s]+", base_url):
        raise LinkError(f"{base_url!r} is not an http(s) URL (BRANDGATE_PUBLIC_URL or --base-url)")
    token = secrets.token_urlsafe(32)
    with db.transaction() as session:
        session.add(
            PortalLink(
                token_sha256=_digest(token),
                user_id=user,
                created_at=now,
                expires_at=now + LINK_TTL,
            )
        )
    return base_url.rstrip("/") + SIGNIN_PATH + token


@dataclass(frozen=True)
class SignedIn:
    session_id: int
    user: str


def redeem(db: Database, token: str, *, now: datetime) -> SignedIn | None:
    """Use the link once: its user and session id, or None (unknown, used, expired)."""
    if not TOKEN.match(token):
        return None
    digest = _digest(token)
    with db.transaction() as session:
        won: Any = session.execute(
            update(PortalLink)
            .where(
                PortalLink.token_sha256 == digest,
                PortalLink.used_at.is_(None),
                PortalLink.expires_at > now,
            )
            .values(used_at=now)
        )
        if won.rowcount != 1:
            return None
        row = session.execute(
            select(PortalLink.id, PortalLink.user_id).where(PortalLink.token_sha256 == digest)
        ).one()
    return SignedIn(int(row.id), str(row.user_id))


def link_state(db: Database, token: str, *, now: datetime) -> str:
    """`valid`, `used`, `expired` or `unknown`: what the confirm page tells the visitor."""
    if not TOKEN.match(token):
        return "unknown"
    with reading(db) as session:
        row = session.execute(
            select(PortalLink.used_at, PortalLink.expires_at).where(
                PortalLink.token_sha256 == _digest(token)
            )
        ).one_or_none()
    if row is None:
        return "unknown"
    if row.used_at is not None:
        return "used"

    return "valid" if as_utc(row.expires_at) > now else "expired"


def session_alive(db: Database, signed_in: SignedIn, *, now: datetime) -> bool:
    """The session is the link's row: redeemed, not signed out, younger than `SESSION_TTL`."""

    with reading(db) as session:
        row = session.execute(
            select(PortalLink.user_id, PortalLink.used_at, PortalLink.signed_out_at).where(
                PortalLink.id == signed_in.session_id
            )
        ).one_or_none()
    return (
        row is not None
        and row.user_id == signed_in.user
        and row.used_at is not None
        and row.signed_out_at is None
        and as_utc(row.used_at) + SESSION_TTL > now
    )


def sign_out(db: Database, session_id: int, *, now: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(PortalLink)
            .where(PortalLink.id == session_id, PortalLink.signed_out_at.is_(None))
            .values(signed_out_at=now)
        )
