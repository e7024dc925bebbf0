"""The Bolt app factory: one place decides how brandgate talks to Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from bot.slack import logs, redact
from bot.slack.backend import Backend
from bot.slack.form_opening import FormOpener
from bot.slack.inbox import Inbox
from bot.slack.listeners import register_listeners
from bot.slack.oauth import check_mode
from bot.slack.services import Services

logger = logging.getLogger("brandgate.slack")

SLACK_API_URL = "https://slack.com/api/"
LAZY_WORKERS = 4


def api_base_url(settings: Settings) -> str:
    """WebClient joins method names onto base_url, so it must end with a slash."""
    url = settings.slack_api_url or SLACK_API_URL
    return url if url.endswith("/") else url + "/"


def build_client(
    settings: Settings,
    *,
    retries: bool = True,
    timeout: int = 10,
    logger: logging.Logger | None = None,
    token: str | None = None,
) -> WebClient:
    """A WebClient for `settings`. Listener calls retry connection errors and 5xx, but never
    sleep on a 429: a Retry-After sleep inside a lazy worker held up every listener queued
    behind it (issue 11, defect 7: a form opened 4.13 s after its click, past the trigger's
    3 s). A rate-limited listener call fails at once and its message goes through the outbox
    instead (submission.py). The dispatcher passes retries=False because the outbox
    reschedules instead of blocking its thread, and a blind 5xx retry of chat.postMessage
    could post twice."""
    handlers = (
        [
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else []
    )
    return WebClient(
        # many workspaces: no token here, Bolt and the dispatcher set each team's
        token=token or (None if settings.oauth else settings.slack_bot_token),
        base_url=api_base_url(settings),
        timeout=timeout,
        retry_handlers=handlers,
        logger=logger or logging.getLogger("brandgate.slack.web"),
    )


def _ignore_bot_events(
    body: dict[str, Any], next: Callable[[], BoltResponse]
) -> BoltResponse | None:
    """Drop events written by bots (ours or others): brandgate only reacts to people."""
    event = body.get("event") or {}
    if body.get("type") == "event_callback" and (
        event.get("bot_id") or event.get("subtype") == "bot_message"
    ):
        return BoltResponse(status=200, body="")
    return next()


def create_app(
    settings: Settings,
    backend: Backend,
    *,
    socket_mode: bool = False,
    notify_outbox: Callable[[], None] | None = None,
    client: WebClient | None = None,
    executor: Executor | None = None,
    oauth_settings: OAuthSettings | None = None,
    inbox: Inbox | None = None,
    forms: FormOpener | None = None,
    on_uninstalled: Callable[[str | None], int] | None = None,
) -> App:
    """Return a Bolt App with every brandgate listener registered.

    `notify_outbox` is called after a listener's service call may have queued messages, so the
    dispatcher in the same process delivers them at once instead of at its next poll.
    `oauth_settings` (many workspaces, see oauth.py): Bolt's OAuth flow authorises each request
    with its team's installation instead of `SLACK_BOT_TOKEN`. `on_uninstalled(team)` is called
    once the installation of a team that uninstalled the app was deleted (oauth.Uninstalls).
    `inbox` (inbox.py): where acked submissions are stored before the answer, so a process that
    dies does not lose them. `forms` (form_opening.py): opens every modal just after its ack, on
    threads of its own (default: a new opener; the caller shuts it down with `forms.close()`).
    """
    check_mode(settings, socket_mode=socket_mode)
    if oauth_settings is None and not settings.slack_bot_token:
        raise ConfigError("missing required setting(s): SLACK_BOT_TOKEN")
    if not socket_mode and not settings.slack_signing_secret:
        raise ConfigError("missing required setting(s): SLACK_SIGNING_SECRET")
    redact.install(
        logging.getLogger("brandgate"),
        (
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
            settings.slack_client_secret,
            settings.slack_state_secret,
        ),
    )
    redact.install(logging.getLogger("slack_bolt"))
    redact.install(logging.getLogger("slack_sdk"))
    bolt_logger = logging.getLogger("brandgate.slack.bolt")
    logs.quiet_bolt(bolt_logger)

    app = App(
        client=client or build_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        # Run the ack part before answering (in the request's own thread, HTTP or Socket Mode)
        # so view_submission errors reach the response; otherwise Socket Mode runs it on the
        # executor, queued behind slow lazy work. Slow work is in lazy listeners, which Bolt
        # runs on the executor after the ack; forms open on the form opener after theirs.
        process_before_response=True,
        # Socket Mode connections are authenticated by the app token, not request signatures.
        request_verification_enabled=not socket_mode,
        ignoring_self_events_enabled=True,
        logger=bolt_logger,
        oauth_settings=oauth_settings,
        # Few lazy workers on purpose: the slow part is CPU (spaCy) and database writes, so more
        # threads only add GIL and SQLite lock contention (benchmarks/slack_load.py: DM p95
        # roughly halves going from 16 to 4 workers with 20 concurrent submitters).
        listener_executor=executor
        or ThreadPoolExecutor(max_workers=LAZY_WORKERS, thread_name_prefix="brandgate-lazy"),
    )
    app.middleware(_ignore_bot_events)

    services = Services(
        backend=backend,
        notify=notify_outbox or (lambda: None),
        inbox=inbox,
        forms=forms or FormOpener(),
    )
    if on_uninstalled is not None:
        services.uninstalled = on_uninstalled
    register_listeners(app, services)
    return app
