"""The portal's session key: `BRANDGATE_SECRET_KEY` when set, else a random key made once and
kept in the database (SPEC, configuration), the same for every replica behind that database."""

from __future__ import annotations

import secrets
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.config import ConfigError, Settings
from models.base import utcnow
from models.db import Database
from models.instance_secrets import InstanceSecret

SESSION_KEY_NAME = "portal-session-key"


def kept_secret(db: Database, name: str = SESSION_KEY_NAME) -> str:
    """The key called `name`, made now if this database has none yet.

    Two processes starting together may both try to make it: the primary key lets one win and
    the other reads the winner's, so they never sign with different keys.
    """
    table = cast(Table, InstanceSecret.__table__)
    with db.engine.connect() as conn:
        value = conn.execute(select(table.c.value).where(table.c.name == name)).scalar()
        if value is not None:
            return str(value)
        try:
            conn.execute(
                insert(table).values(name=name, value=secrets.token_hex(32), created_at=utcnow())
            )
            conn.commit()
        except IntegrityError:
            conn.rollback()
        value = conn.execute(select(table.c.value).where(table.c.name == name)).scalar_one()
        return str(value)


def session_secret(settings: Settings, db: Database) -> str:
    """The configured key, else the database's own; ConfigError (exit 2) if it cannot be read."""
    if settings.portal_secret:
        return settings.portal_secret
    try:
        return kept_secret(db)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigError(
            f"the portal's session key: BRANDGATE_SECRET_KEY is unset and database "
            f"{db.safe_url} has no key to give ({reason}); run `brandgate db upgrade` "
            "or set BRANDGATE_SECRET_KEY"
        ) from None
