"""A fake Slack Web API on 127.0.0.1: a real HTTP server in a thread that records every call.

Only Slack's side is faked; the app under test talks to it over real HTTP through
`SLACK_API_URL`. Like bolt-python's own mock server it answers the methods the app uses with
plausible payloads, but it binds an ephemeral port (tests run in parallel) and can be told to
misbehave (429 with Retry-After, 500) for the next N calls, optionally only for one method.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BOT_USER_ID = "UBOTBRAND"
TEAM_ID = "T0BRANDGATE"


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or the path for response_url posts
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok", True) is True

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def rendered(self) -> str:
        """All text the call would show: `text` plus every string inside blocks/view."""
        parts: list[str] = [self.text]

        def walk(node: Any) -> None:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node, dict) and node.get("type", "").startswith("rich_text_"):
                # a run of literal text elements reads as one string
                parts.append("".join(str(e.get("text", "")) for e in node.get("elements", [])))
            elif isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(self.blocks)
        view = self.params.get("view")
        walk(json.loads(view) if isinstance(view, str) else view)
        return "\n".join(parts)


@dataclass
class _Fault:
    remaining: int
    status: int
    retry_after: int | None
    method: str | None


class FakeSlack:
    """Start with `start()` (or as a context manager); `url` ends with "/" as WebClient needs."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self.users: dict[str, dict[str, Any]] = {}
        #: channel id -> Slack error code answered to chat.postMessage there (e.g. not_in_channel)
        self.channel_errors: dict[str, str] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeSlack not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/"

    @property
    def response_url_base(self) -> str:
        return self.url.replace("/api/", "/respond/")

    # -- faults ------------------------------------------------------------------------------
    def fail_next(
        self,
        n: int,
        *,
        status: int = 500,
        retry_after: int | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next `n` calls (of `method`, or any) with `status` (429 sends Retry-After)."""
        with self._cond:
            self._faults.append(_Fault(n, status, retry_after, method))

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.method in (None, method):
                fault.remaining -= 1
                return fault
        return None

    # -- inspection --------------------------------------------------------------------------
    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def messages_to(self, channel: str) -> list[Call]:
        return [c for c in self.calls_to("chat.postMessage") if c.params.get("channel") == channel]

    def wait_for(
        self, predicate: Callable[[list[Call]], Any], timeout: float = 10.0, what: str = ""
    ) -> Any:
        """Block until predicate(calls) is truthy; return its value. Fails loudly on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(list(self.calls))
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = [(c.method, c.status, c.params.get("channel")) for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what or predicate}: {summary}")
                self._cond.wait(left)

    def wait_for_call(
        self, method: str, where: Callable[[Call], bool] = lambda c: True, timeout: float = 10.0
    ) -> Call:
        def pick(calls: list[Call]) -> Call | None:
            return next((c for c in calls if c.method == method and c.ok and where(c)), None)

        return self.wait_for(pick, timeout, what=method)

    # -- request handling --------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length).decode("utf-8") if length else ""
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        ctype = req.headers.get("Content-Type", "")
        if raw:
            if "json" in ctype:
                params.update(json.loads(raw))
            else:
                params.update({k: v[0] for k, v in parse_qs(raw).items()})
        headers = {k: v for k, v in req.headers.items()}
        method = parsed.path.removeprefix("/api/")

        with self._cond:
            fault = self._take_fault(method)
            if fault is not None:
                status = fault.status
                body: dict[str, Any] = {
                    "ok": False,
                    "error": "ratelimited" if status == 429 else "fatal_error",
                }
                extra = (
                    {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                )
            elif method.startswith("/respond/"):
                status, body, extra = 200, {"ok": True}, {}
            elif not headers.get("Authorization", "").startswith("Bearer xoxb-"):
                status, body, extra = 200, {"ok": False, "error": "not_authed"}, {}
            else:
                status, body, extra = 200, self._answer(method, params), {}
            self.calls.append(Call(method, params, headers, status, body))
            self._cond.notify_all()

        data = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(data)

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    @staticmethod
    def _channel_for(channel: str) -> str:
        # Posting to a user id lands in the app's DM with that user, whose id starts with D.
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://brandgate-test.slack.com/",
                "team": "Brandgate Test",
                "team_id": TEAM_ID,
                "user": "brandgate",
                "user_id": BOT_USER_ID,
                "bot_id": "BBRANDGATE",
            }
        if method == "chat.postMessage" and p.get("channel") in self.channel_errors:
            return {"ok": False, "error": self.channel_errors[str(p["channel"])]}
        if method == "chat.postMessage":
            channel = self._channel_for(str(p.get("channel", "")))
            ts = self._next_ts()
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"ts": ts, "text": p.get("text")},
            }
        if method == "chat.update":
            return {
                "ok": True,
                "channel": p.get("channel"),
                "ts": p.get("ts"),
                "text": p.get("text"),
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            users = str(p.get("users", ""))
            return {"ok": True, "channel": {"id": self._channel_for(users.split(",")[0])}}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = p.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            view_id = p.get("view_id") or f"V{next(self._view_ids):08d}"
            return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{time.time_ns()}"}}
        if method == "users.info":
            user = str(p.get("user", ""))
            info = self.users.get(user, {"id": user, "name": user.lower(), "real_name": user})
            return {"ok": True, "user": info}
        return {"ok": True}
