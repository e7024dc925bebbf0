"""The WSGI application in front of Bolt: `GET /healthz`, and `POST /slack/events` with its
signature verified before Bolt parses a byte of it.

Bolt verifies signatures too, but only after it has decoded and parsed the body, so an unsigned
`payload=not-json`, `\\xff` bytes or a non-numeric timestamp reached its parser and came back as
a 500 with a traceback. Here the same verifier Bolt uses (slack_sdk's `SignatureVerifier`) runs
first on the raw bytes: anything unsigned or badly signed gets a 401, one log line, no body.
Until the app exists (Slack or the database not answering yet at start) Slack requests get 503
and `/healthz` says why. With many workspaces (oauth.py) Bolt also answers `GET /slack/install`
and `GET /slack/oauth_redirect`; those are a browser's requests, not signed by Slack.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

logger = logging.getLogger("brandgate.slack.endpoint")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: the portal (bot.portal) is mounted here by `serve`, beside Bolt
PORTAL_PREFIX = "/portal"
#: Slack's timestamps are Unix seconds; anything longer is not one (and int() of thousands of
#: digits is slow or refused outright)
MAX_TIMESTAMP_DIGITS = 12

HealthCheck = Callable[[], tuple[bool, str]]
#: More for operators, shown beside the verdict (the outbox's pending and dead-letter counts)
HealthDetails = Callable[[], dict[str, Any]]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, status: str, data: dict[str, Any]) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _body(environ: dict[str, Any]) -> bytes:
    """The raw body (waitress has already received it whole and refused oversized ones)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


class SlackEndpoint:
    """WSGI callable; `serve(app)` starts handing verified requests to Bolt."""

    def __init__(self, signing_secret: str, health: HealthCheck) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._bolt: SlackRequestHandler | None = None
        self.health = health
        self.details: HealthDetails | None = None
        self.portal: WSGIApp | None = None

    def serve(self, app: App) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    @property
    def ready(self) -> bool:
        return self._bolt is not None

    def refusal(self, environ: dict[str, Any], body: bytes) -> str | None:
        """Why this request is not a genuine, fresh Slack request; None when it is."""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if (
            not (timestamp.isascii() and timestamp.isdigit())
            or len(timestamp) > MAX_TIMESTAMP_DIGITS
        ):
            return "missing or malformed X-Slack-Request-Timestamp"
        if not signature:
            return "missing X-Slack-Signature"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "body is not UTF-8"  # Slack only sends UTF-8, so it cannot be signed by Slack
        if not self._verifier.is_valid(text, timestamp, signature):
            return "bad or stale signature"
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if self.portal is not None and (
            path == PORTAL_PREFIX or str(path).startswith(PORTAL_PREFIX + "/")
        ):
            return self.portal(environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ok, detail = self.health()
            status = "200 OK" if ok else "503 Service Unavailable"
            return _json(start_response, status, {"ok": ok, "detail": detail, **self._details()})
        if path == EVENTS_PATH and method == "POST":
            return self._slack_request(environ, start_response)
        if self._bolt is None:
            return _json(start_response, "404 Not Found", {"error": "not found"})
        return self._bolt(environ, start_response)  # Bolt answers 404 for unknown paths

    def _details(self) -> dict[str, Any]:
        if self.details is None:
            return {}
        try:
            return self.details()
        except Exception as err:  # the verdict above already says what is down
            return {"details": f"unavailable ({type(err).__name__})"}

    def _slack_request(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        body = _body(environ)
        reason = self.refusal(environ, body)
        if reason is not None:
            logger.warning(
                "refused a request to %s from %s: %s",
                EVENTS_PATH,
                environ.get("REMOTE_ADDR", "?"),
                reason,
            )
            return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
        if self._bolt is None:
            _ok, detail = self.health()
            return _json(start_response, "503 Service Unavailable", {"ok": False, "detail": detail})
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return self._bolt(environ, start_response)
        except Exception as err:  # a signed body Bolt cannot parse: say so, never a traceback
            logger.warning("unreadable Slack request to %s: %s", EVENTS_PATH, type(err).__name__)
            return _json(start_response, "400 Bad Request", {"error": "unreadable request"})
