"""The portal as `brandgate serve --http` runs it, from the process's settings."""

from __future__ import annotations

from flask import Flask

from bot.config import Settings
from bot.portal.app import PortalConfig, create_portal
from bot.portal.session_key import session_secret
from models.db import Database


def portal_from_settings(settings: Settings, db: Database | None = None) -> Flask:
    """`serve` passes the database it has connected and migrated; without one, the URL's is
    opened with no schema work (pages answer 503 until the tables exist)."""
    db = db or Database(settings.database_url, upgrade=False)
    return create_portal(
        PortalConfig(
            db=db,
            guidelines_dir=settings.guidelines_dir,
            secret=session_secret(settings, db),
            base_url=settings.public_url,
        )
    )
