"""Events: the app uninstalled from a workspace, or its tokens revoked (Slack sends both without
a usable token: Bolt skips authorising them, see slack_bolt's `no_auth_test_events`).

The installation store forgets the team with Bolt's own handlers (slack_bolt
`TokenRevocationListeners`, what `App.enable_token_revocation_listeners()` registers: delete
everything of the team on `app_uninstalled`, the bot or the named users' tokens on
`tokens_revoked`), then `Services.uninstalled` stops delivering to the team: its queued
messages go to the dead letter with the reason (oauth.Uninstalls). Installing again stores a
new token through the OAuth flow, and `brandgate outbox retry ID` sends what was given up.

Both handlers run before the answer (process_before_response) and are idempotent: when one
fails, Slack's answer is an error and Slack retries the event.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from bot.slack.services import services_of

logger = logging.getLogger("brandgate.slack.events")


def register(app: App) -> None:
    store = app.installation_store
    revocations = TokenRevocationListeners(store) if store is not None else None

    def app_uninstalled(ack: Ack, context: BoltContext) -> None:
        if revocations is not None:  # many workspaces: the team's installation goes
            revocations.handle_app_uninstalled_events(context)
        services_of(context).uninstalled(context.team_id)
        ack()

    def tokens_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        if revocations is not None:
            revocations.handle_tokens_revoked_events(event, context)
        # brandgate installs bot tokens only: a revoked bot token stops delivery like an
        # uninstall; users' tokens (none are kept) change nothing
        if (event.get("tokens") or {}).get("bot"):
            services_of(context).uninstalled(context.team_id)
        ack()

    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
