"""`brandgate serve [--http [--host H] [--port N]]`: the Slack app and its outbox dispatcher."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from typing import Any

from bot.config import Settings

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
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    parser.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=str(args.log_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = Settings.from_env()
    # SPEC: Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise (or when --http asks for it).
    socket_mode = bool(settings.slack_app_token) and not args.http
    if socket_mode:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    else:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        port = args.port if args.port is not None else settings.port  # checked before starting

    from bot.slack.runtime import Runtime

    runtime = Runtime.build(settings, socket_mode=socket_mode)
    runtime.dispatcher.start()
    stop = threading.Event()

    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(runtime.app, settings.slack_app_token)
        _on_signals(lambda: (handler.close(), stop.set()))
        handler.connect()
        logger.info("connected to Slack over Socket Mode")
        stop.wait()
    else:
        server = runtime.http_server(host=args.host, port=port, threads=args.threads)
        _on_signals(lambda: threading.Thread(target=server.stop, daemon=True).start())
        server.serve_forever()
    runtime.close()
    return 0


def _on_signals(callback: Any) -> None:
    """SIGTERM (docker stop) and SIGINT end the process cleanly: outbox rows stay queued."""

    def handler(signum: int, frame: Any) -> None:
        logger.info("signal %s: shutting down", signum)
        callback()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
