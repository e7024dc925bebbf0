"""Serving the Slack endpoint over HTTP (waitress), with limits an Internet-facing app needs.

waitress's defaults suit a server behind a trusted proxy: 100 connections, 30 s before an idle
one is dropped, no deadline for a request that trickles in, 1 GB bodies. Anyone could then hold
100 idle sockets and starve `/healthz` and Slack's requests, or make us read 100 MB before the
401. Idle connections cost waitress nothing but a socket (no worker thread until a request is
whole), so we accept many, drop idle ones quickly, give each request a deadline from its first
byte, and refuse bodies larger than any Slack payload straight after the headers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.slack.endpoint import EVENTS_PATH, SlackEndpoint

logger = logging.getLogger("brandgate.slack.server")


@dataclass(frozen=True)
class Limits:
    #: open connections before waitress stops accepting (poll() has no FD_SETSIZE ceiling)
    connection_limit: int = 1000
    #: seconds a connection may sit idle (Slack sends each request at once)
    channel_timeout: int = 10
    #: how often (s) idle and overdue connections are looked for
    cleanup_interval: int = 1
    #: bytes: Slack's largest payloads (a full modal's state) are a few hundred kB
    max_request_body_size: int = 2 * 1024 * 1024
    max_request_header_size: int = 64 * 1024
    backlog: int = 1024
    #: seconds from a request's first byte until it must have arrived whole (headers and body)
    request_timeout: float = 15.0

    def adjustments(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("request_timeout")
        return values


class _TimedChannel(HTTPChannel):
    """Remembers when the request now being received started."""

    request_started = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.time()
        return bool(super().received(data))


class _Server(TcpWSGIServer):
    channel_class = _TimedChannel
    request_timeout = Limits.request_timeout

    def maintenance(self, now: int) -> None:  # waitress passes time.time(), a float
        super().maintenance(now)  # idle connections
        cutoff = now - self.request_timeout
        # (the stubs type active_channels as one channel; it is waitress's fd -> channel map)
        channels: dict[int, Any] = self.active_channels  # type: ignore[assignment]
        for channel in channels.values():
            request = channel.request
            if request is not None and not request.completed and channel.request_started < cutoff:
                channel.will_close = True  # a request trickling in (slow headers or body)


class HttpServer:
    """waitress serving `endpoint`; `start()` runs it in a thread, `serve_forever()` in this one."""

    def __init__(
        self,
        endpoint: SlackEndpoint,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = 8,
        limits: Limits | None = None,
    ) -> None:
        limits = limits or Limits()
        adj = Adjustments(
            host=host,
            port=port,
            threads=threads,
            ident="brandgate",
            asyncore_use_poll=True,
            **limits.adjustments(),
        )
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        self.endpoint = endpoint
        sockinfo: Any = adj.listen[0]  # (family, type, proto, address); the stubs say str
        self._server: Any = _Server(endpoint, {}, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        self._server.request_timeout = limits.request_timeout
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
