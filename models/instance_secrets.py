"""Secrets the instance makes for itself, once, and keeps in its own database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class InstanceSecret(Base):
    """One named random key (the portal's session key when `BRANDGATE_SECRET_KEY` is unset).

    Kept in the database rather than a file so that every `serve` replica behind one database
    signs and accepts the same cookies, and a restart does not sign everybody out.
    """

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
