"""Submitting a draft from Slack: one code path for the modal, `/draft BRAND PLATFORM TEXT` and
the message shortcut.

The submitter hears every outcome "in the thread of their submission", so that thread must exist
before the workflow stores the draft's origin: we post the receipt first (in the thread of the
shortcut's message, else as a DM from the app) and submit with that message as origin; the
workflow queues the findings in the same transaction and the dispatcher fills the receipt with
them (woken at once by `notify`). A retried request maps to the same draft through the
idempotency key; its extra receipt is deleted.

When Slack rate-limits the receipt, the listener does not wait (a sleeping lazy worker delays
every listener queued behind it): the draft is submitted without a receipt and the dispatcher,
which honours Retry-After and paces per channel, posts the findings as the first message (in
the shortcut's thread, else in the app's DM).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import messages
from bot.slack.backend import BackendError, SubmitRequest
from bot.slack.replies import post
from bot.slack.services import Services

logger = logging.getLogger("brandgate.slack.submission")

FAILED = "Something went wrong: your draft was not submitted. Please try again."
FALLBACK_ERRORS = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


class RateLimited(Exception):
    """Slack answered 429 to the receipt: the outbox posts the first message instead."""


def _rate_limited(err: SlackApiError) -> bool:
    return err.response.status_code == 429 or err.response.get("error") == "ratelimited"


def _post_receipt(client: WebClient, user: str, origin: Mapping[str, Any]) -> tuple[str, str, str]:
    """Post the placeholder receipt; return (channel, thread_ts, receipt_ts)."""
    placeholder = messages.notice(":hourglass_flowing_sand: Checking your draft…")
    channel, thread_ts = origin.get("channel"), origin.get("thread_ts")
    try:
        if channel and thread_ts:
            try:
                res = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **placeholder)
                return str(res["channel"]), str(thread_ts), str(res["ts"])
            except SlackApiError as err:
                # The app is not in that channel: a DM rather than lose the submission.
                if err.response.get("error") not in FALLBACK_ERRORS:
                    raise
        res = client.chat_postMessage(channel=user, **placeholder)
    except SlackApiError as err:
        if _rate_limited(err):
            raise RateLimited from None
        raise
    return str(res["channel"]), str(res["ts"]), str(res["ts"])


def submit(svc: Services, client: WebClient, request: SubmitRequest) -> None:
    """Run a submission end to end (called from lazy listeners, after the ack)."""
    try:
        channel, thread_ts, receipt_ts = _post_receipt(client, request.submitter, request.origin)
    except RateLimited:
        logger.info("receipt rate limited: the outbox posts the findings instead")
        _submit_without_receipt(svc, client, request)
        return
    # The workflow queues the findings; the dispatcher fills this receipt with them (receipt_ts).
    origin = {
        **request.origin,
        "channel": channel,
        "thread_ts": thread_ts,
        "receipt_ts": receipt_ts,
    }
    try:
        result = svc.backend.submit(replace(request, origin=origin))
    except BackendError as err:
        update(client, channel, receipt_ts, messages.refusal(str(err)))
        return
    except Exception:
        # Never leave "Checking your draft…" hanging: say it failed, keep the traceback in logs.
        logger.exception("submission %s failed", request.idempotency_key)
        update(client, channel, receipt_ts, messages.refusal(FAILED))
        raise
    finally:
        svc.notify()
    if not result.created:
        logger.info("submission %s is already draft %s", request.idempotency_key, result.draft.id)
        _delete(client, channel, receipt_ts)


def _submit_without_receipt(svc: Services, client: WebClient, request: SubmitRequest) -> None:
    origin = dict(request.origin)
    if not (origin.get("channel") and origin.get("thread_ts")):
        origin.pop("channel", None)  # the findings open the app's DM with the submitter
        origin.pop("thread_ts", None)
    try:
        svc.backend.submit(replace(request, origin=origin))
    except BackendError as err:
        # no draft, so nothing for the outbox to deliver: say why in a DM if Slack lets us
        post(client, channel=request.submitter, **messages.refusal(str(err)))
    finally:
        svc.notify()


def update(client: WebClient, channel: str, ts: str, message: Mapping[str, Any]) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, **dict(message))
    except SlackApiError as err:
        logger.warning("chat.update of receipt failed: %s", err.response.get("error"))
        post(client, channel=channel, thread_ts=ts, **dict(message))


def _delete(client: WebClient, channel: str, ts: str) -> None:
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackApiError as err:
        logger.warning("chat.delete of duplicate receipt failed: %s", err.response.get("error"))
