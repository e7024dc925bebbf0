"""Settings from the environment, with a `.env` file that never overrides the real environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

DEFAULT_DATABASE_URL = "sqlite:///var/brandgate.db"
DEFAULT_GUIDELINES_DIR = "./brand_guidelines"


class ConfigError(Exception):
    """A missing or invalid setting; the CLI reports it and exits with status 2."""


def _get(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    guidelines_dir: Path = Path(DEFAULT_GUIDELINES_DIR)

    @classmethod
    def from_env(cls, *, dotenv: bool = True) -> Settings:
        if dotenv:
            load_dotenv(override=False)
        return cls(
            slack_bot_token=_get("SLACK_BOT_TOKEN"),
            slack_signing_secret=_get("SLACK_SIGNING_SECRET"),
            slack_app_token=_get("SLACK_APP_TOKEN"),
            slack_api_url=_get("SLACK_API_URL"),
            database_url=_get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            guidelines_dir=Path(_get("BRAND_GUIDELINES_DIR") or DEFAULT_GUIDELINES_DIR),
        )

    def require(self, *names: str) -> None:
        """Raise ConfigError naming every missing setting (never its value)."""
        missing = [n for n in names if not getattr(self, n.lower(), None)]
        if missing:
            raise ConfigError("missing required setting(s): " + ", ".join(missing))
