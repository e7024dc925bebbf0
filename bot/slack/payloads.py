"""Reading what Slack sends: modal state, private metadata, the acting user, button values, and
idempotency keys derived from payloads. Pure functions over the payload dicts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bot.slack import ids
from bot.slack.escape import unescape_slack


def state_value(view: Mapping[str, Any], block_id: str) -> Any:
    """The value of the single element in input block `block_id`: str, list (checkboxes) or None."""
    block = (view.get("state") or {}).get("values", {}).get(block_id) or {}
    for element in block.values():
        kind = element.get("type")
        if kind in ("static_select", "radio_buttons", "external_select"):
            return (element.get("selected_option") or {}).get("value")
        if kind == "datepicker":
            return element.get("selected_date")
        if kind == "datetimepicker":  # seconds since the epoch
            return element.get("selected_date_time")
        if kind == "users_select":
            return element.get("selected_user")
        if kind == "checkboxes":
            return [o.get("value") for o in element.get("selected_options") or []]
        return element.get("value")
    return None


def text_value(view: Mapping[str, Any], block_id: str) -> str:
    value = state_value(view, block_id)
    return value.strip() if isinstance(value, str) else ""


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def user_id(body: Mapping[str, Any]) -> str:
    """The acting user, wherever this payload type keeps it."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or user or "")


def command_text(command: Mapping[str, Any]) -> str:
    """What the user typed: Slack sends &, < and > as entities even in command text."""
    return unescape_slack(command.get("text") or "").strip()


def button_target(action: Mapping[str, Any]) -> tuple[str, int] | None:
    """(draft id, revision) named by a button, or None for a value we did not send."""
    try:
        return ids.parse_button_value(str(action.get("value") or ""))
    except ValueError:
        return None


def view_target(view: Mapping[str, Any]) -> tuple[str, int] | None:
    """(draft id, revision) a decision or submitter modal was opened for."""
    meta = metadata(view)
    try:
        return str(meta["draft"]), int(meta["revision"])
    except (KeyError, TypeError, ValueError):
        return None


def approve_key(body: Mapping[str, Any], action: Mapping[str, Any]) -> str:
    """Idempotency key of an Approve click: the button (draft and revision) on one message.

    A double click sends two requests with different action_ts/trigger_id, and a retried
    delivery repeats one of them; all name the same message and button, so the workflow
    records one decision and replays the rest. The message ts keeps apart the requests the
    same person gets for two stages of one revision.
    """
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts") or ""
    return f"approve:{action.get('value')}:{message_ts}"


def view_key(view: Mapping[str, Any]) -> str:
    """Idempotency key of one submission of one modal: the view id plus what was entered, so a
    retried request maps to the same key while a corrected resubmission does not."""
    values = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
    return f"view:{view.get('id')}:{hashlib.sha256(values.encode()).hexdigest()[:16]}"
