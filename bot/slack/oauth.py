"""Many workspaces: Bolt's OAuth flow with slack_sdk's SQLAlchemy stores in brandgate's database.

With `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET` and `SLACK_STATE_SECRET`, `serve --http` answers
`GET /slack/install` (a page with the "Add to Slack" link, and a state cookie) and
`GET /slack/oauth_redirect?code&state` (Slack sends the installer back there; Bolt exchanges the
code with `oauth.v2.access` and saves the installation). Every request from a team is then
authorised with that team's bot token, read from the installation store, and the dispatcher
delivers each outbox row with the token of the row's team (`TeamClients`).

A draft's team is `drafts.team_id` (the team it was submitted from, else its brand's
`workspace:`), each outbox row's `outbox.team_id` (its draft's, set in the same INSERT); timers
belong to a draft and so to its team. A brand without `workspace:` is offered in every
workspace, and its guideline's user ids are looked up in the team of each draft: give each brand
its workspace when the same people are not in every one.

The tables are the stores' own (models/slack_installations.py), created by migration 0010 and
never by `create_tables()`. The OAuth state is a random value kept in the database (single use,
ten minutes) *and* signed with `SLACK_STATE_SECRET`: a forged state is refused before any lookup,
and a state issued by another deployment sharing the database is refused too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, select

from bot.config import ConfigError, Settings
from bot.workflow import outbox
from models import slack_bots
from models.db import Database

logger = logging.getLogger("brandgate.slack.oauth")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: the bot scopes of manifest.yml (tests/slack/test_slack_oauth.py keeps them equal)
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "channels:history",
    "groups:history",
    "im:history",
    "files:write",  # /brandgate report uploads the chart (manifest.yml)
)
#: how long an install link stays usable (Bolt's cookie lives as long)
STATE_SECONDS = 600


class SignedStateStore(OAuthStateStore):
    """OAuth states `NONCE.SIGNATURE`: the nonce is the SQLAlchemy store's (single use, expiring),
    the signature an HMAC-SHA256 of it with `SLACK_STATE_SECRET`."""

    def __init__(self, secret: str, inner: SQLAlchemyOAuthStateStore) -> None:
        self._key = secret.encode()
        self.inner = inner

    @property
    def logger(self) -> logging.Logger:
        return logger

    def _sign(self, nonce: str) -> str:
        digest = hmac.new(self._key, nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = self.inner.issue()
        return f"{nonce}.{self._sign(nonce)}"

    def consume(self, state: str) -> bool:
        nonce, _, signature = (state or "").rpartition(".")
        if not nonce or not hmac.compare_digest(signature, self._sign(nonce)):
            logger.warning("refused an OAuth state that is not ours")
            return False
        return bool(self.inner.consume(nonce))


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=str(settings.slack_client_id),
        engine=engine,
        logger=logging.getLogger("brandgate.slack.installations"),
    )


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    """Bolt's OAuth settings for `settings` (ConfigError unless all three variables are set)."""
    settings.require_oauth()
    state_store = SignedStateStore(
        str(settings.slack_state_secret),
        SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS,
            engine=engine,
            logger=logging.getLogger("brandgate.slack.oauth_state"),
        ),
    )
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installation_store(settings, engine),
        installation_store_bot_only=True,
        state_store=state_store,
        state_expiration_seconds=STATE_SECONDS,
    )


def installed_teams(db: Database) -> list[str]:
    """The Slack teams brandgate is installed in now (an uninstall deletes the team's rows)."""
    with db.read_engine.connect() as conn:
        rows = conn.execute(
            select(slack_bots.c.team_id)
            .where(slack_bots.c.team_id.is_not(None))
            .distinct()
            .order_by(slack_bots.c.team_id)
        )
        found: list[object] = list(rows.scalars())
        return [str(t) for t in found]


class NotInstalled(Exception):
    """No bot token for the team of an outbox row (never installed, or uninstalled)."""


class TeamClients:
    """The WebClient that delivers a row of team T: one client in single-workspace mode, else
    one per team with the bot token from the installation store (looked up once, dropped when
    Slack refuses it, so a re-install is picked up)."""

    def __init__(
        self,
        make_client: Callable[[str | None], WebClient],
        *,
        store: InstallationStore | None = None,
        default_token: str | None = None,
    ) -> None:
        self._make = make_client
        self.store = store
        self.default_token = default_token
        self._lock = threading.Lock()
        self._clients: dict[str | None, WebClient] = {}

    def __call__(self, team: str | None) -> WebClient:
        key = team if self.store is not None else None
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        client = self._make(self._token(key))
        with self._lock:
            return self._clients.setdefault(key, client)

    def _token(self, team: str | None) -> str:
        if self.store is None or team is None:
            if self.default_token:
                return self.default_token
            raise NotInstalled("no Slack team for this message (set the brand's workspace:)")
        bot = self.store.find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"brandgate is not installed in Slack team {team}")
        return str(bot.bot_token)

    def forget(self, team: str | None) -> None:
        """Slack refused the token: look it up again next time."""
        with self._lock:
            self._clients.pop(team if self.store is not None else None, None)

    def reinstalled(self, team: str | None, refused: str | None) -> bool:
        """Slack refused token `refused` of `team`: forget it, and say whether the store now
        holds another one (the team installed again since this process cached the old token,
        e.g. the uninstall event went to another `serve`), so the message is worth retrying."""
        self.forget(team)
        if self.store is None or team is None:
            return False
        bot = self.store.find_bot(enterprise_id=None, team_id=team)
        return bot is not None and bool(bot.bot_token) and bot.bot_token != refused


#: `last_error` of the messages of a team that uninstalled brandgate (or revoked its token)
UNINSTALLED = (
    "slack: brandgate was uninstalled from Slack team {team} (or its bot token revoked); "
    "install it again, then `brandgate outbox retry ID`"
)


class Uninstalls:
    """After `app_uninstalled` or a revoked bot token in team T (listeners/events/installs.py
    deletes the installation): nothing queued for T can be delivered, so its pending messages
    go to the dead letter now, with the reason, instead of being tried until MAX_ATTEMPTS, and
    this process's client for T is dropped (a reinstall is then picked up at once). In one
    workspace (SLACK_BOT_TOKEN) every message goes out with that one token: all of them."""

    def __init__(self, db: Database, clients: TeamClients, *, many: bool) -> None:
        self.db = db
        self.clients = clients
        self.many = many

    def __call__(self, team: str | None) -> int:
        self.clients.forget(team)
        if self.many and team is None:
            return 0  # an event without a team names nothing to stop
        given_up = outbox.give_up_team(
            self.db, team if self.many else None, UNINSTALLED.format(team=team or "?")
        )
        logger.warning("Slack team %s uninstalled brandgate: %d queued given up", team, given_up)
        return given_up


def check_mode(settings: Settings, *, socket_mode: bool) -> None:
    """Many workspaces need HTTP mode (Slack redirects installers to our URL)."""
    if settings.oauth:
        settings.require_oauth()
        if socket_mode:
            raise ConfigError(
                "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET/SLACK_STATE_SECRET (many workspaces) need "
                "serve --http; unset them or SLACK_APP_TOKEN"
            )
