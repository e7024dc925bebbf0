"""The HTTP server under connections that do not behave (issue 10 item 23).

Nothing here sleeps: each test blocks on a socket read, which returns when the server answers
or closes the connection.
"""

from __future__ import annotations

import contextlib
import json
import socket
import urllib.request
from collections.abc import Iterator

from bot.slack.server import HttpServer, Limits
from tests.slack.harness import Harness


def _address(server: HttpServer) -> tuple[str, int]:
    return "127.0.0.1", server.port


@contextlib.contextmanager
def idle_connections(server: HttpServer, count: int) -> Iterator[list[socket.socket]]:
    held = [socket.create_connection(_address(server), timeout=5) for _ in range(count)]
    try:
        yield held
    finally:
        for sock in held:
            sock.close()


def test_healthz_answers_while_200_idle_connections_are_held(slack_sqlite: Harness) -> None:
    slack_sqlite.runtime.dispatcher.start()
    try:
        with idle_connections(slack_sqlite.server, 200) as held:
            # Each holder also starts a request and never finishes it.
            for sock in held[:100]:
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            url = slack_sqlite.server.url + "/healthz"
            with urllib.request.urlopen(url, timeout=5) as resp:
                assert (resp.status, json.loads(resp.read())["ok"]) == (200, True)
    finally:
        slack_sqlite.runtime.dispatcher.stop()


def test_a_100_mb_body_is_refused_after_the_headers(slack_sqlite: Harness) -> None:
    with socket.create_connection(_address(slack_sqlite.server), timeout=5) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000000\r\n\r\npayload="
        )
        # Answered without sending the other 99.99 MB.
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line


def test_a_request_that_trickles_in_is_cut_off(slack_sqlite: Harness) -> None:
    limits = Limits(request_timeout=1, channel_timeout=60, cleanup_interval=1)
    server = slack_sqlite.runtime.http_server(host="127.0.0.1", port=0, limits=limits).start()
    try:
        with socket.create_connection(_address(server), timeout=10) as sock:
            # Headers begun, never finished; the idle timeout (60 s) is not what closes it.
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            sock.settimeout(10)
            assert sock.recv(4096) == b""  # the server closed it at the request deadline
    finally:
        server.stop()
