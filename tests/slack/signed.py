"""Correctly signed Slack requests to the app over real HTTP: commands, interactivity, events.

Signature v0 as Slack computes it: HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing
secret, sent in X-Slack-Signature with the timestamp in X-Slack-Request-Timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack.fake_slack import TEAM_ID, stamped

APP_ID = "A0BRANDGATE"
_counter = itertools.count(1)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def unique(prefix: str) -> str:
    # Slack's ids are unique across processes too (the benchmark drives from several).
    return f"{prefix}{os.getpid()}x{next(_counter):06d}"


@dataclass
class Response:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SignedClient:
    def __init__(
        self,
        url: str,
        secret: str,
        response_url_base: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url.rstrip("/") + "/slack/events"
        self.secret = secret
        self.response_url_base = response_url_base
        #: Slack's clock, as the fake Slack reads it: trigger ids and response_urls carry their
        #: issue time so that the fake can expire them (3 s, 30 minutes)
        self.clock = clock

    def trigger_id(self) -> str:
        return stamped("trigger-", self.clock())

    def response_url(self, kind: str) -> str:
        return self.response_url_base + stamped(kind, self.clock())

    # -- raw ---------------------------------------------------------------------------------
    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(secret or self.secret, ts, body),
            **(headers or {}),
        }
        url = self.url.replace("/slack/events", path)
        request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                data = resp.read()
                return Response(resp.status, data, time.perf_counter() - started)
        except urllib.error.HTTPError as err:
            return Response(err.code, err.read(), time.perf_counter() - started)

    def form(self, fields: dict[str, str], **kw: Any) -> Response:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def interactive(self, payload: dict[str, Any], **kw: Any) -> Response:
        return self.form({"payload": json.dumps(payload)}, **kw)

    # -- Slack request kinds -----------------------------------------------------------------------
    def command(
        self,
        command: str,
        text: str,
        *,
        user: str,
        channel: str = "C0AGENCY",
        team: str = TEAM_ID,
        **kw: Any,
    ) -> Response:
        return self.form(
            {
                "token": "legacy-unused",
                "team_id": team,
                "team_domain": "brandgate-test",
                "channel_id": channel,
                "channel_name": "agency",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "response_url": self.response_url("cmd"),
                "trigger_id": self.trigger_id(),
            },
            **kw,
        )

    def action(
        self,
        *,
        user: str,
        action_id: str,
        value: str,
        channel: str = "D0DM",
        message_ts: str = "1.000",
        team: str = TEAM_ID,
        **kw: Any,
    ) -> Response:
        return self.interactive(
            {
                "type": "block_actions",
                "team": {"id": team},
                "user": {"id": user, "username": user.lower(), "team_id": team},
                "api_app_id": APP_ID,
                "token": "legacy-unused",
                "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                "trigger_id": self.trigger_id(),
                "channel": {"id": channel},
                "message": {"type": "message", "ts": message_ts, "text": ""},
                "response_url": self.response_url("act"),
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": "b",
                        "value": value,
                        "action_ts": f"{time.time():.6f}{next(_counter)}",
                    }
                ],
            },
            **kw,
        )

    def view_submission(
        self,
        *,
        user: str,
        view: dict[str, Any],
        values: dict[str, Any],
        team: str = TEAM_ID,
        **kw: Any,
    ) -> Response:
        return self.interactive(
            {
                "type": "view_submission",
                "team": {"id": team},
                "user": {"id": user, "username": user.lower(), "team_id": team},
                "api_app_id": APP_ID,
                "token": "legacy-unused",
                "trigger_id": self.trigger_id(),
                "view": fill_view(view, values),
            },
            **kw,
        )

    def message_shortcut(
        self,
        *,
        user: str,
        callback_id: str,
        message: dict[str, Any],
        channel: str,
        team: str = TEAM_ID,
        **kw: Any,
    ) -> Response:
        return self.interactive(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "team": {"id": team},
                "user": {"id": user, "username": user.lower()},
                "channel": {"id": channel, "name": "customers"},
                "message": message,
                "message_ts": message.get("ts"),
                "trigger_id": self.trigger_id(),
                "response_url": self.response_url("sc"),
                "token": "legacy-unused",
            },
            **kw,
        )

    def event(self, event: dict[str, Any], *, team: str = TEAM_ID, **kw: Any) -> Response:
        body = {
            "token": "legacy-unused",
            "team_id": team,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOTBRAND", "is_bot": True}],
        }
        return self.post(json.dumps(body).encode(), "application/json", **kw)


def fill_view(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The view as Slack sends it back on submission: `state.values` filled per input block.

    `values` maps block ids to: str (text input / select / radio value) or list[str] (checkboxes).
    Blocks not given are submitted empty, as Slack does for untouched optional inputs.
    """
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        value = values.get(block["block_id"])
        if kind == "plain_text_input":
            # an untouched field submits its initial value, as in Slack
            entry: dict[str, Any] = {"type": kind, "value": value or element.get("initial_value")}
        elif kind in ("static_select", "radio_buttons"):
            if value is None and element.get("initial_option"):
                value = element["initial_option"]["value"]
            option = next((o for o in element.get("options", []) if o["value"] == value), None)
            entry = {"type": kind, "selected_option": option}
        elif kind == "datepicker":  # Slack sends the chosen day as `selected_date`
            entry = {"type": kind, "selected_date": value or element.get("initial_date")}
        elif kind == "datetimepicker":  # ... a moment as `selected_date_time` (epoch seconds)
            entry = {"type": kind, "selected_date_time": value or element.get("initial_date_time")}
        elif kind == "users_select":  # ... and the chosen person as `selected_user`
            entry = {"type": kind, "selected_user": value or element.get("initial_user")}
        elif kind == "checkboxes":
            chosen = [o for o in element.get("options", []) if o["value"] in (value or [])]
            entry = {"type": kind, "selected_options": chosen}
        else:
            entry = {"type": kind, "value": value}
        state[block["block_id"]] = {action_id: entry}
    return {
        "id": view.get("id") or unique("V"),
        "team_id": TEAM_ID,
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view.get("private_metadata", ""),
        "hash": "h",
        "blocks": view.get("blocks", []),
        "state": {"values": state},
    }
