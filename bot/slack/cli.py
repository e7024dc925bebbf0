"""`brandgate serve [--http [--host H] [--port N]]`: the Slack app and its outbox dispatcher.

The HTTP server starts first, so `/healthz` answers (503, with the reason) while Slack or the
database is still unreachable; the app itself comes up as soon as both answer. With `--http
--worker-process` the slow work (submissions' checks, the dispatcher, the timers) runs in a
worker process of its own, so this one only verifies, stores and acks (worker_process.py).
Opt-in: on the noisy 2-core benchmark machine it did not yet measurably lower ack p99.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from bot.config import ConfigError, Settings
from bot.slack import logs

logger = logging.getLogger("brandgate.slack.cli")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)",
        description="Run the Slack app and deliver queued Slack messages. Socket Mode when "
        "SLACK_APP_TOKEN is set; with --http, serve POST /slack/events and GET /healthz.",
    )
    parser.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    parser.add_argument(
        "--host", default=os.environ.get("HOST", "0.0.0.0"), help="HTTP bind address (0.0.0.0)"
    )
    parser.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")
    parser.add_argument("--threads", type=int, default=8, help="HTTP worker threads (8)")
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="with --http: do the slow work (checks, delivery, timers) in a worker process "
        "beside this one, which then only verifies, stores and acks",
    )
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    parser.set_defaults(func=serve)


def serve(args: argparse.Namespace, *, wait: Callable[[float], bool] | None = None) -> int:
    """`wait` (default: the stop event's) lets tests run the start-up retries without sleeping."""
    logs.configure(str(args.log_level))
    settings = Settings.from_env()
    # SPEC: Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise (or when --http asks for it).
    socket_mode = bool(settings.slack_app_token) and not args.http
    if socket_mode:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    elif settings.oauth:  # many workspaces: each team's token comes from its installation
        settings.require(
            "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET", "SLACK_SIGNING_SECRET"
        )
        port = args.port if args.port is not None else settings.port
    else:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        port = args.port if args.port is not None else settings.port  # checked before starting

    from bot.slack.runtime import Runtime
    from bot.slack.startup import Startup, slack_call

    stop = threading.Event()
    _on_signals(stop.set)
    startup = Startup(
        lambda: Runtime.build(settings, socket_mode=socket_mode), wait=wait or stop.wait
    )
    if socket_mode:
        runtime = startup.run()
        if runtime is None:
            return 0
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        runtime.start_background()
        handler = SocketModeHandler(runtime.app, settings.slack_app_token)
        connecting = Startup(
            lambda: slack_call(handler.connect, "apps.connections.open", "SLACK_APP_TOKEN"),
            wait=wait or stop.wait,
        )
        try:
            connecting.run()
            if not connecting.stopped:
                logger.info("connected to Slack over Socket Mode")
                stop.wait()
        finally:
            handler.close()
            runtime.close()
        return 0

    from bot.slack.endpoint import SlackEndpoint
    from bot.slack.server import HttpServer
    from bot.slack.worker_process import WorkerProcess

    worker = WorkerProcess(settings, log_level=str(args.log_level)) if args.worker_process else None
    if worker is not None:
        startup = Startup(
            lambda: Runtime.build(settings, handover=True, notify=worker.wake),
            wait=wait or stop.wait,
        )
    endpoint = SlackEndpoint(settings.slack_signing_secret or "", health=startup.health)
    try:
        server = HttpServer(endpoint, host=args.host, port=port, threads=args.threads)
    except OSError as err:
        raise ConfigError(f"cannot listen on {args.host}:{port}: {err.strerror or err}") from None
    server.start()
    try:
        runtime = startup.run()
        if runtime is None:
            return 0
        if worker is None:
            runtime.start_background()
        else:  # built after this process migrated the database and reached Slack
            worker.start()
            runtime.background_alive = worker.alive
        endpoint.health = runtime.health
        endpoint.details = runtime.health_details
        endpoint.serve(runtime.app)
        from bot.portal.serving import portal_from_settings

        endpoint.portal = portal_from_settings(settings, runtime.db)  # same database, migrated
        logger.info("ready: Slack and the database answer")
        stop.wait()
        if worker is not None:
            worker.stop()
        runtime.close()
    finally:
        if worker is not None:
            worker.stop()  # (again: harmless) an error above must not leave it running
        server.stop()
    return 0


def _on_signals(callback: Callable[[], None]) -> None:
    """SIGTERM (docker stop) and SIGINT end the process cleanly: outbox rows stay queued."""

    def handler(signum: int, frame: Any) -> None:
        logger.info("signal %s: shutting down", signum)
        callback()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
