"""Serving the Bolt app: HTTP (waitress + Bolt's WSGI adapter) or Socket Mode.

HTTP mode answers `POST /slack/events` (every Slack request: commands, interactivity, events)
and `GET /healthz`; anything else is 404. The server binds where it is told (port 0 picks a free
port, which tests use) and can be stopped from another thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

logger = logging.getLogger("brandgate.slack.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

HealthCheck = Callable[[], tuple[bool, str]]


def wsgi_app(app: App, health: HealthCheck | None = None) -> Callable[..., Iterable[bytes]]:
    """Route /healthz ourselves and everything else to Bolt (which 404s unknown paths)."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            ok, detail = health() if health else (True, "ok")
            body = json.dumps({"ok": ok, "detail": detail}).encode()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return bolt(environ, start_response)

    return application


class HttpServer:
    """waitress serving the app; `start()` runs it in a thread, `serve_forever()` in this one."""

    def __init__(
        self,
        app: App,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = 8,
        health: HealthCheck | None = None,
    ) -> None:
        self._server: Any = create_server(
            wsgi_app(app, health),
            host=host,
            port=port,
            threads=threads,
            # Slack gives us 3 seconds; do not keep idle connections around much longer.
            channel_timeout=30,
            ident="brandgate",
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        logger.info("serving Slack requests on %s%s", self.url, EVENTS_PATH)
        self._server.run()

    def start(self) -> HttpServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="brandgate-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        server = self._server

        def close_all() -> None:
            # Runs inside the server's loop thread, so the socket map is not mutated under it;
            # once the map is empty the loop returns.
            for channel in list(server._map.values()):
                channel.close()

        server.task_dispatcher.shutdown(timeout=timeout)
        with contextlib.suppress(OSError):  # already closed
            server.trigger.pull_trigger(close_all)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def run_socket_mode(app: App, app_token: str) -> Any:
    """Connect over Socket Mode (blocking); returns after the connection is closed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    handler.start()
    return handler
