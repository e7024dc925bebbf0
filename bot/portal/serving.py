"""The portal as `brandgate serve --http` runs it, from the process's settings."""

from __future__ import annotations

from flask import Flask

from bot.config import ConfigError, Settings
from bot.portal.app import PortalConfig, create_portal, derive_secret
from models.db import Database


def session_secret(settings: Settings) -> str:
    """PORTAL_SECRET, else a key derived from SLACK_SIGNING_SECRET (one secret fewer to keep)."""
    if settings.portal_secret:
        return settings.portal_secret
    if settings.slack_signing_secret:
        return derive_secret(settings.slack_signing_secret)
    raise ConfigError("the portal needs PORTAL_SECRET or SLACK_SIGNING_SECRET")


def portal_from_settings(settings: Settings, db: Database | None = None) -> Flask:
    """`serve` passes the database it has connected and migrated; without one, the URL's is
    opened with no schema work (pages answer 503 until the tables exist)."""
    db = db or Database(settings.database_url, upgrade=False)
    return create_portal(
        PortalConfig(
            db=db,
            guidelines_dir=settings.guidelines_dir,
            secret=session_secret(settings),
            base_url=settings.portal_url,
        )
    )
