"""Settings from the environment, with a `.env` file that never overrides the real environment.

The `.env` file is looked for in the current working directory, then in its parents: the folder
where `brandgate` runs, never the folder the package was installed into (python-dotenv's default
starts from the calling module's file, which for an installed package is site-packages).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

DEFAULT_DATABASE_URL = "sqlite:///var/brandgate.db"
DEFAULT_GUIDELINES_DIR = "./brand_guidelines"
DEFAULT_PORT = 3000


class ConfigError(Exception):
    """A missing or invalid setting; the CLI reports it and exits with status 2."""


def _get(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def dotenv_path() -> Path | None:
    """The `.env` that applies: in the working directory or the nearest parent that has one."""
    found = find_dotenv(usecwd=True)
    return Path(found) if found else None


def load_dotenv_file() -> Path | None:
    """Load the `.env` found by `dotenv_path` without overriding the real environment."""
    path = dotenv_path()
    if path is not None:
        load_dotenv(path, override=False)
    return path


def parse_port(value: str | None) -> int:
    """`PORT`: unset means 3000; set, it must be a TCP port number."""
    if value is None:
        return DEFAULT_PORT
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        shown = repr(value) if value else "empty"
        raise ConfigError(f"PORT must be a port number from 1 to 65535 (it is {shown})")
    return int(text)


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    guidelines_dir: Path = Path(DEFAULT_GUIDELINES_DIR)
    #: `PORT` as set (None: unset); `port` validates it, so that only `serve` cares
    port_setting: str | None = None
    #: Slack channel where `audit anchor` posts the head (unset: only var/anchors.jsonl)
    audit_anchor_channel: str | None = None
    #: where the portal is reached from outside (sign-in links start with it)
    portal_url: str | None = None
    #: signs the portal's session cookies (unset: a random key made once, kept in the database)
    portal_secret: str | None = field(default=None, repr=False)
    #: OAuth install to many workspaces (HTTP mode); all three set or none
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_state_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, *, dotenv: bool = True) -> Settings:
        if dotenv:
            load_dotenv_file()
        return cls(
            slack_bot_token=_get("SLACK_BOT_TOKEN"),
            slack_signing_secret=_get("SLACK_SIGNING_SECRET"),
            slack_app_token=_get("SLACK_APP_TOKEN"),
            slack_api_url=_get("SLACK_API_URL"),
            database_url=_get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            guidelines_dir=Path(_get("BRAND_GUIDELINES_DIR") or DEFAULT_GUIDELINES_DIR),
            # Set but empty is a mistake worth saying (PORT= in a .env), not "use the default".
            port_setting=os.environ.get("PORT"),
            audit_anchor_channel=_get("AUDIT_ANCHOR_CHANNEL"),
            # The SPEC's names first (contract); PORTAL_URL / PORTAL_SECRET, which earlier
            # releases documented, still work so that no deployment breaks.
            portal_url=_get("BRANDGATE_PUBLIC_URL") or _get("PORTAL_URL"),
            portal_secret=_get("BRANDGATE_SECRET_KEY") or _get("PORTAL_SECRET"),
            slack_client_id=_get("SLACK_CLIENT_ID"),
            slack_client_secret=_get("SLACK_CLIENT_SECRET"),
            slack_state_secret=_get("SLACK_STATE_SECRET"),
        )

    @property
    def oauth(self) -> bool:
        """Many workspaces: any of the OAuth settings set (`require_oauth` checks all are)."""
        return bool(self.slack_client_id or self.slack_client_secret or self.slack_state_secret)

    def require_oauth(self) -> None:
        """ConfigError unless the three OAuth settings are set together."""
        self.require("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")

    @property
    def port(self) -> int:
        """The port of `serve --http`; ConfigError (exit 2) if `PORT` is not a port number."""
        return parse_port(self.port_setting)

    @property
    def public_url(self) -> str:
        """`BRANDGATE_PUBLIC_URL`, else `http://localhost:$PORT` (SPEC default): links still work
        for someone on the machine that serves the portal, and say where it listens."""
        return self.portal_url or f"http://localhost:{self.port}"

    def require(self, *names: str) -> None:
        """Raise ConfigError naming every missing setting (never its value)."""
        missing = [n for n in names if not getattr(self, n.lower(), None)]
        if missing:
            raise ConfigError("missing required setting(s): " + ", ".join(missing))
