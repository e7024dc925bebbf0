"""`/draft`: no text opens the submission modal; `BRAND PLATFORM TEXT` submits a post directly."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import messages, modals, submission
from bot.slack.backend import Backend, SubmitRequest
from bot.slack.commands_parse import parse_direct
from bot.slack.form_opening import Refused
from bot.slack.inbox import KIND_DRAFT_COMMAND, working
from bot.slack.payloads import command_text
from bot.slack.services import Services, services_of

logger = logging.getLogger("brandgate.slack.draft")

#: what the work of a direct `/draft` needs from the command (kept in the inbox row)
COMMAND_FIELDS = ("user_id", "text", "team_id", "channel_id", "trigger_id")
NOT_A_SUBMITTER = "You are not a submitter for any brand."


def command_key(command: Mapping[str, Any]) -> str:
    """The submission's idempotency key, and its inbox row's."""
    return "cmd:" + str(command["trigger_id"])


def ack_draft(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """No text: acked at once, the form opened on the form opener (form_opening.py). A direct
    submission is stored in the inbox before the ack, so a process that dies after answering
    Slack does not lose it."""
    svc = services_of(context)
    text = command_text(command)
    if not text:
        ack()
        svc.open_form(context, client, command, lambda backend: _submit_form(backend, command))
        return
    outcome = parse_direct(text, svc.backend.brands_for(command["user_id"]))
    if isinstance(outcome, str):
        ack(response_type="ephemeral", text=outcome)
        return
    if svc.inbox is not None:
        try:
            svc.inbox.accept(
                command_key(command),
                KIND_DRAFT_COMMAND,
                user=str(command["user_id"]),
                team=command.get("team_id"),
                payload={k: command.get(k) for k in COMMAND_FIELDS},
            )
        except Exception as err:  # the lazy listener still runs it, only not durably
            logger.warning("inbox: /draft not stored before the ack: %s", type(err).__name__)
    ack(response_type="ephemeral", text=":hourglass_flowing_sand: Submitting your draft…")


def _submit_form(backend: Backend, command: Mapping[str, Any]) -> dict[str, Any]:
    brands = backend.brands_for(str(command["user_id"]))
    if not brands:
        raise Refused(messages.refusal(NOT_A_SUBMITTER))
    # Modal submissions thread under a DM receipt; the channel is kept for reference.
    origin = {"command_channel": command.get("channel_id"), "team": command.get("team_id")}
    return modals.submit_modal(brands, metadata={"origin": origin})


def run_draft(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    svc = services_of(context)
    if not command_text(command):
        return  # the form opener opened the form
    if svc.inbox is not None and svc.inbox.handed_over(command_key(command)):
        return  # stored for the worker process, which does the work (worker_process.py)
    with working(svc.inbox, command_key(command)):
        process_draft(svc, client, command)


def process_draft(svc: Services, client: WebClient, command: Mapping[str, Any]) -> None:
    """The work of a direct `/draft` (from the lazy listener, or an inbox row recovered)."""
    user = str(command["user_id"])
    brands = svc.backend.brands_for(user)
    outcome = parse_direct(command_text(command), brands)
    if isinstance(outcome, str):
        return  # already answered in the ack
    brand, platform, draft_text = outcome
    submission.submit(
        svc,
        client,
        SubmitRequest(
            submitter=user,
            brand_id=brand.id,
            platform=platform,
            text=draft_text,
            origin={"team": command.get("team_id"), "command_channel": command.get("channel_id")},
            idempotency_key=command_key(command),
        ),
    )
