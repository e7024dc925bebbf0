"""The portal's read transactions: on PostgreSQL, every statement planned for its own values.

psycopg prepares a statement run five times, and PostgreSQL may then switch to a generic plan,
made without the values. For the portal's lookups that plan is the wrong one: "does this user
have drafts?" planned for an average submitter (20,000 drafts at a million) is a sequential scan
expecting an early hit, and for a user with none it reads every draft (measured: 715 ms at 1M
drafts, on every page view). Custom plans cost a fraction of a millisecond to make.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from models.db import Database


@contextmanager
def reading(db: Database) -> Iterator[Session]:
    with db.reading() as session:
        if db.dialect == "postgresql":
            session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        yield session
