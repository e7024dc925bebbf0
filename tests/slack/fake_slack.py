"""A strict fake Slack Web API on 127.0.0.1: a real HTTP server in a thread that records every call.

Only Slack's side is faked; the app under test talks to it over real HTTP through
`SLACK_API_URL`. It refuses what Slack refuses, so a payload the real Slack would reject fails the
test instead of passing silently. Each rule and where it comes from (sections of
/work/shared/slack-limits.md, pages of Slack's reference at docs.slack.dev):

* payloads: every message (chat.postMessage, chat.update, chat.postEphemeral, response_url) and
  every view (views.open/update/push/publish) goes through `tests/slack/slack_rules.py`, which
  validates with slack_sdk's Block Kit and view models plus the documented limits they do not
  check (see its docstring). Refusals answer `invalid_blocks`, `msg_too_long`,
  `msg_blocks_too_long`, `no_text` (chat.*) or `invalid_arguments` (views.*), as Slack does
  ("blocks in a message", "section `text`", "`private_metadata`", "plain_text_input
  `max_length`", "whole message with blocks" rows; reference/methods/chat.postMessage and
  views.open, "Errors").
* trigger ids ("`trigger_id`: valid 3 s, usable once"; docs/interactivity/handling-user-interaction
  "trigger_id"): ids come from `new_trigger_id()` (or `stamped()` in another process) and carry
  their issue time; views.open/push answer `expired_trigger_id` after 3 s on `clock`,
  `exchanged_trigger_id` when used twice, `invalid_trigger_id` when not ours.
* rate limits ("rate limits", "`chat.postMessage`" rows; docs/apis/web-api/rate-limits): with
  `rate_limits` set, each method has a token bucket of its tier's calls per minute (Tier 1: 1,
  Tier 2: 20, Tier 3: 50, Tier 4: 100, bursts up to that many) and chat.postMessage about one
  message a second per channel (a burst of `channel_burst` tolerated); past it Slack answers HTTP
  429 `ratelimited` with `Retry-After` seconds. Off by default so ordinary tests stay fast;
  `limits_hit` counts the 429s sent.
* response_url ("`response_url`" row; docs/interactivity/handling-user-interaction "Message
  responses": up to 5 times within 30 minutes): a 6th use answers 404 `used_url`, a use after 30
  minutes 404 `expired_url`.
* channels ("`not_in_channel`"; reference/methods/chat.postMessage "Errors"): posting to a public
  channel (`C...`) the app was not invited to (`invite()`; C0AGENCY and C0SOCIAL by default)
  answers `not_in_channel`; DMs (user ids, `D...`) always work.
* file uploads (`files_upload_v2`'s three steps): see tests/slack/fake_files.py.
* misbehaviour on demand: `fail_next(n, status=..., retry_after=..., method=...)`.
* many workspaces (reference/methods/oauth.v2.access; docs/authentication/installing-with-oauth):
  `oauth_app(client_id, secret)` registers the app; `new_oauth_code(team)` is what Slack appends
  to the redirect after a user approves the install. oauth.v2.access takes the client id and
  secret by HTTP Basic auth (or form fields) and answers `invalid_client_id`, `bad_client_secret`,
  or `invalid_code` for an unknown, already used (codes work once) or expired code (10 minutes);
  it hands out a bot token of that team. Every call records the `team` of its token (tokens not
  issued here: the default TEAM_ID), and auth.test answers for the token's team.
  `uninstall(team)` is a workspace removing the app: its tokens stop working
  (reference/methods/chat.postMessage "Errors": `account_inactive`, "Authentication token is for
  a deleted user or workspace when using a bot token"), as every method answers then.
* message metadata and history (reference/methods/chat.postMessage `metadata`;
  conversations.history / conversations.replies `include_all_metadata`): metadata needs an
  `event_type` string and an `event_payload` object (else `invalid_metadata_format`); history
  lists a channel's top-level messages newest first, replies a thread's, with metadata only when
  asked for; `oldest` and `limit` are honoured.
* misbehaviour on demand: `fail_next(n, status=..., retry_after=..., method=...)`, and
  `drop_next(n, method=...)`: Slack does the call but the answer never arrives (the connection
  is closed), as when a response is lost to a timeout or a reset.
* a slow Slack on demand: `hold(method)` returns a `Gate`; calls of `method` wait at it (their
  `reached` event set) until the test sets `release`, then Slack handles them at that moment
  (so a trigger id ages while held). Lets a test prove what happened before an answer.

Time is `clock()` (seconds, `time.time` unless a test injects another), so no test sleeps.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.slack import fake_files
from tests.slack.slack_rules import message_refusal, view_refusal

BOT_USER_ID = "UBOTBRAND"
TEAM_ID = "T0BRANDGATE"
TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES, RESPONSE_URL_SECONDS = 5, 30 * 60
DEFAULT_CHANNELS = frozenset({"C0AGENCY", "C0SOCIAL"})

#: calls per minute of each tier (docs/apis/web-api/rate-limits)
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
#: the tier of each method the app calls (each method's reference page, "Rate limits");
#: chat.postMessage is "special": per channel, see RateLimits.channel_per_second
METHOD_TIER = {
    "auth.test": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "users.info": 4,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    **fake_files.TIERS,
}
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")

_serial = itertools.count(1)


def _metadata(value: Any) -> dict[str, Any] | None:
    """Message metadata as Slack takes it (a JSON object or its text), None if malformed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict) or not isinstance(value.get("event_type"), str):
        return None
    if not isinstance(value.get("event_payload"), dict):
        return None
    return value


def stamped(prefix: str, at: float) -> str:
    """A Slack-like id (trigger id, response_url tail) that carries its issue time, so a fake
    in another process can tell its age."""
    return f"{prefix}{os.getpid()}x{next(_serial):06d}.{int(at * 1000)}"


def stamp_of(value: str) -> float | None:
    tail = value.rsplit(".", 1)[-1]
    return int(tail) / 1000 if tail.isdigit() and "." in value else None


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or the path for response_url posts
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    #: the fake's `clock()` when the call arrived (what rate limits and triggers are measured on)
    clock_at: float = 0.0
    #: the Slack team of the token the call was made with
    team: str = TEAM_ID

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok", True) is True

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error") or self.status)

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
class Gate:
    """Calls of `method` wait here until `release` is set; `reached` tells a call is waiting."""

    method: str
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    #: a bound, not a pause: a test that forgot to release fails instead of hanging
    timeout: float = 30.0


@dataclass
class _Fault:
    remaining: int
    status: int
    retry_after: int | None
    method: str | None


@dataclass
class _Code:
    team: str
    team_name: str
    user: str
    issued: float


#: oauth.v2.access: "the temporary code ... expires after ten minutes" (installing-with-oauth)
CODE_SECONDS = 10 * 60


@dataclass
class RateLimits:
    """Slack's rate limits, as strict as documented (tests pass smaller numbers to hit them)."""

    tier_per_minute: dict[int, int] = field(default_factory=lambda: dict(TIER_PER_MINUTE))
    channel_per_second: float = 1.0
    channel_burst: int = 3


class _Bucket:
    """A token bucket: `capacity` calls at once, refilled at `rate` per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity, self.rate = capacity, rate
        self.tokens, self.at = capacity, now

    def take(self, now: float) -> float | None:
        """None if a call may go now (and take its token), else the seconds to wait."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


class FakeSlack:
    """Start with `start()` (or as a context manager); `url` ends with "/" as WebClient needs."""

    def __init__(
        self,
        *,
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.time,
        channels: frozenset[str] | set[str] = DEFAULT_CHANNELS,
    ) -> None:
        self.calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self.users: dict[str, dict[str, Any]] = {}
        #: channel id -> Slack error code answered to chat.postMessage there (e.g. is_archived)
        self.channel_errors: dict[str, str] = {}
        #: public channels the app was invited to (anything else: not_in_channel)
        self.channels: set[str] = set(channels)
        self.rate_limits = rate_limits
        self.clock = clock
        self.limits_hit = 0
        self.trigger_expiries = 0
        self._buckets: dict[str, _Bucket] = {}
        self._used_triggers: set[str] = set()
        self._response_uses: dict[str, int] = {}
        #: every message posted, by (channel, ts): chat.update edits them in place
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        #: uploaded and shared files (files.getUploadURLExternal / completeUploadExternal)
        self.files = fake_files.FakeFiles(self)
        #: bot tokens handed out by oauth.v2.access -> their team
        self.tokens: dict[str, str] = {}
        self._oauth_apps: dict[str, str] = {}
        self._codes: dict[str, _Code] = {}
        self._used_codes: set[str] = set()
        #: tokens of teams that uninstalled the app
        self.revoked: set[str] = set()
        self._drops: list[_Fault] = []
        self._gates: dict[str, Gate] = {}
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

    # -- what Slack hands out ------------------------------------------------------------------
    def new_trigger_id(self) -> str:
        return stamped("trigger-", self.clock())

    def new_response_url(self) -> str:
        return self.response_url_base + stamped("hook", self.clock())

    def invite(self, channel: str) -> None:
        with self._cond:
            self.channels.add(channel)

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
            self._drops.clear()

    def drop_next(self, n: int, *, method: str | None = None) -> None:
        """Do the next `n` calls (of `method`, or any) but never answer them."""
        with self._cond:
            self._drops.append(_Fault(n, 0, None, method))

    def hold(self, method: str) -> Gate:
        """Hold every call of `method` until the returned gate's `release` is set."""
        gate = Gate(method)
        with self._cond:
            self._gates[method] = gate
        return gate

    def _take_drop(self, method: str) -> bool:
        for drop in self._drops:
            if drop.remaining > 0 and drop.method in (None, method):
                drop.remaining -= 1
                return True
        return False

    # -- many workspaces -------------------------------------------------------------------------
    def oauth_app(self, client_id: str, client_secret: str) -> None:
        with self._cond:
            self._oauth_apps[client_id] = client_secret

    def new_oauth_code(self, team: str, *, team_name: str = "", user: str = "UINSTALLER") -> str:
        """The `code` Slack appends to the redirect once a user of `team` approved the install."""
        code = f"code-{team}-{next(_serial):06d}"
        with self._cond:
            self._codes[code] = _Code(team, team_name or team, user, self.clock())
        return code

    def uninstall(self, team: str) -> None:
        """`team` removed the app: every token issued to it is dead from now on."""
        with self._cond:
            self.revoked |= {token for token, owner in self.tokens.items() if owner == team}

    def team_of(self, headers: dict[str, str]) -> str:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        return self.tokens.get(token, TEAM_ID)

    def _oauth_access(
        self, p: dict[str, Any], headers: dict[str, str], now: float
    ) -> dict[str, Any]:
        client_id, secret = p.get("client_id"), p.get("client_secret")
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth.removeprefix("Basic ")).decode()
            client_id, _, secret = decoded.partition(":")
        if client_id not in self._oauth_apps:
            return {"ok": False, "error": "invalid_client_id"}
        if secret != self._oauth_apps[client_id]:
            return {"ok": False, "error": "bad_client_secret"}
        code = str(p.get("code") or "")
        grant = self._codes.get(code)
        if grant is None or code in self._used_codes or now - grant.issued > CODE_SECONDS:
            return {"ok": False, "error": "invalid_code"}
        self._used_codes.add(code)
        token = f"xoxb-{grant.team}-{next(_serial):06d}"
        self.tokens[token] = grant.team
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": BOT_USER_ID,
            "app_id": "A0BRANDGATE",
            "team": {"id": grant.team, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.user},
        }

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

    def refused(self) -> list[Call]:
        """Calls Slack would have refused for their content (not rate limits or faults)."""
        with self._cond:
            return [c for c in self.calls if c.status not in (429, 500) and not c.ok]

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
        if parsed.path.startswith(fake_files.UPLOAD_PREFIX):  # bytes, not form fields
            self._upload(req, parsed.path, req.rfile.read(length) if length else b"")
            return
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
            gate = self._gates.get(method)
        if gate is not None:
            gate.reached.set()
            gate.release.wait(gate.timeout)

        with self._cond:
            now = self.clock()
            extra: dict[str, str] = {}
            fault = self._take_fault(method)
            if fault is not None:
                status = fault.status
                body: dict[str, Any] = {
                    "ok": False,
                    "error": "ratelimited" if status == 429 else "fatal_error",
                }
                if fault.retry_after is not None:
                    extra = {"Retry-After": str(fault.retry_after)}
            elif method.startswith("/respond/"):
                status, body = self._respond(method, params, now)
            elif method == "oauth.v2.access":
                status, body = 200, self._oauth_access(params, headers, now)
            elif not headers.get("Authorization", "").startswith("Bearer xoxb-"):
                status, body = 200, {"ok": False, "error": "not_authed"}
            elif headers.get("Authorization", "").removeprefix("Bearer ") in self.revoked:
                status, body = 200, {"ok": False, "error": "account_inactive"}
            elif (wait := self._rate_limited(method, params, now)) is not None:
                self.limits_hit += 1
                status, body = 429, {"ok": False, "error": "ratelimited"}
                extra = {"Retry-After": str(max(1, math.ceil(wait)))}
            else:
                status, body = 200, self._answer(method, params, now, self.team_of(headers))
            team = self.team_of(headers)
            self.calls.append(Call(method, params, headers, status, body, clock_at=now, team=team))
            dropped = status == 200 and self._take_drop(method)
            self._cond.notify_all()

        if dropped:  # done, but the answer is lost: close the connection without one
            req.close_connection = True
            req.connection.shutdown(socket.SHUT_RDWR)
            return

        data = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(data)

    def _upload(self, req: BaseHTTPRequestHandler, path: str, data: bytes) -> None:
        with self._cond:
            status, body = self.files.receive(path, data)
            self.calls.append(Call(path, {"bytes": len(data)}, {}, status, body, clock_at=0.0))
            self._cond.notify_all()
        out = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(out)))
        req.end_headers()
        req.wfile.write(out)

    def _rate_limited(self, method: str, p: dict[str, Any], now: float) -> float | None:
        limits = self.rate_limits
        if limits is None:
            return None
        if method == "chat.postMessage":
            key = "chat.postMessage:" + self._channel_for(str(p.get("channel", "")))
            capacity, rate = float(limits.channel_burst), limits.channel_per_second
        elif method in METHOD_TIER:
            per_minute = limits.tier_per_minute[METHOD_TIER[method]]
            key, capacity, rate = method, float(per_minute), per_minute / 60
        else:
            return None
        bucket = self._buckets.setdefault(key, _Bucket(capacity, rate, now))
        return bucket.take(now)

    def _respond(self, path: str, p: dict[str, Any], now: float) -> tuple[int, dict[str, Any]]:
        issued = stamp_of(path)
        uses = self._response_uses.get(path, 0) + 1
        self._response_uses[path] = uses
        if issued is not None and now - issued > RESPONSE_URL_SECONDS:
            return 404, {"ok": False, "error": "expired_url"}
        if uses > RESPONSE_URL_USES:
            return 404, {"ok": False, "error": "used_url"}
        refusal = message_refusal(p.get("text"), p.get("blocks"))
        if refusal is not None:
            return 400, {"ok": False, "error": refusal.error, "detail": refusal.detail}
        return 200, {"ok": True}

    def _trigger_error(self, trigger_id: str, now: float) -> str | None:
        issued = stamp_of(trigger_id)
        if issued is None:
            return "invalid_trigger_id"
        if trigger_id in self._used_triggers:
            return "exchanged_trigger_id"
        if now - issued > TRIGGER_SECONDS:
            self.trigger_expiries += 1
            return "expired_trigger_id"
        self._used_triggers.add(trigger_id)
        return None

    def _history(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel"))
        oldest = float(p.get("oldest") or 0)
        limit = int(p.get("limit") or 100)
        with_metadata = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        found = []
        for (where, ts), m in self.messages.items():
            thread = m.get("thread_ts")
            if where != channel or float(ts) < oldest:
                continue
            if method == "conversations.history" and thread and thread != ts:
                continue  # replies are not in the channel's history
            if method == "conversations.replies" and ts != p.get("ts") and thread != p.get("ts"):
                continue
            shown = {
                "type": "message",
                "ts": ts,
                "text": m.get("text") or "",
                "bot_id": "BBRANDGATE",
            }
            if thread:
                shown["thread_ts"] = thread
            if with_metadata and m.get("metadata") is not None:
                shown["metadata"] = _metadata(m["metadata"])
            found.append(shown)
        found.sort(key=lambda m: float(m["ts"]), reverse=method == "conversations.history")
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    @staticmethod
    def _channel_for(channel: str) -> str:
        # Posting to a user id lands in the app's DM with that user, whose id starts with D.
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _refusal(self, method: str, p: dict[str, Any], now: float) -> dict[str, Any] | None:
        """Slack's error answer for this call, if Slack would refuse it."""
        if method in MESSAGE_METHODS:
            channel = str(p.get("channel", ""))
            if channel in self.channel_errors:
                return {"ok": False, "error": self.channel_errors[channel]}
            if channel.startswith(("C", "G")) and channel not in self.channels:
                return {"ok": False, "error": "not_in_channel"}
            refusal = message_refusal(p.get("text"), p.get("blocks"))
            if refusal is not None:
                return {"ok": False, "error": refusal.error, "detail": refusal.detail}
        if method == "chat.update":
            key = (str(p.get("channel")), str(p.get("ts")))
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
        if method in VIEW_METHODS:
            refusal = view_refusal(p.get("view"))
            if refusal is not None:
                return {
                    "ok": False,
                    "error": refusal.error,
                    "response_metadata": {"messages": [refusal.detail]},
                }
        metadata = p.get("metadata") if method == "chat.postMessage" else None
        if metadata is not None and _metadata(metadata) is None:
            return {"ok": False, "error": "invalid_metadata_format"}
        if method in ("conversations.history", "conversations.replies"):
            channel = str(p.get("channel", ""))
            if not channel.startswith(("C", "G", "D")):
                return {"ok": False, "error": "channel_not_found"}
            if channel.startswith(("C", "G")) and channel not in self.channels:
                return {"ok": False, "error": "not_in_channel"}
            if (
                method == "conversations.replies"
                and (channel, str(p.get("ts"))) not in self.messages
            ):
                return {"ok": False, "error": "thread_not_found"}
        if method in ("views.open", "views.push"):
            error = self._trigger_error(str(p.get("trigger_id") or ""), now)
            if error is not None:
                return {"ok": False, "error": error}
        return None

    def _answer(
        self, method: str, p: dict[str, Any], now: float, team: str = TEAM_ID
    ) -> dict[str, Any]:
        refused = self._refusal(method, p, now)
        if refused is not None:
            return refused
        if method in fake_files.METHODS:
            return self.files.answer(method, p)
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://brandgate-test.slack.com/",
                "team": "Brandgate Test",
                "team_id": team,
                "user": "brandgate",
                "user_id": BOT_USER_ID,
                "bot_id": "BBRANDGATE",
            }
        if method == "chat.postMessage":
            channel = self._channel_for(str(p.get("channel", "")))
            ts = self._next_ts()
            self.messages[(channel, ts)] = {**p, "ts": ts}
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"ts": ts, "text": p.get("text")},
            }
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, p)
        if method == "chat.update":
            key = (str(p.get("channel")), str(p.get("ts")))
            self.messages[key] = {**self.messages.get(key, {}), **p}
            return {
                "ok": True,
                "channel": p.get("channel"),
                "ts": p.get("ts"),
                "text": p.get("text"),
            }
        if method == "chat.delete":
            self.messages.pop((str(p.get("channel")), str(p.get("ts"))), None)
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            users = str(p.get("users", ""))
            return {"ok": True, "channel": {"id": self._channel_for(users.split(",")[0])}}
        if method in VIEW_METHODS:
            view = p.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            view_id = p.get("view_id") or f"V{next(self._view_ids):08d}"
            return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{time.time_ns()}"}}
        if method == "users.info":
            user = str(p.get("user", ""))
            info = self.users.get(user, {"id": user, "name": user.lower(), "real_name": user})
            return {"ok": True, "user": info}
        return {"ok": True}
