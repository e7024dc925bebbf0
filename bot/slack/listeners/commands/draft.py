"""`/draft`: no text opens the submission modal; `BRAND PLATFORM TEXT` submits a post directly."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import modals, submission
from bot.slack.backend import SubmitRequest
from bot.slack.commands_parse import parse_direct
from bot.slack.inbox import KIND_DRAFT_COMMAND, working
from bot.slack.payloads import command_text
from bot.slack.services import Services, services_of

logger = logging.getLogger("brandgate.slack.draft")

#: what the work of a direct `/draft` needs from the command (kept in the inbox row)
COMMAND_FIELDS = ("user_id", "text", "team_id", "channel_id", "trigger_id")


def command_key(command: Mapping[str, Any]) -> str:
    """The submission's idempotency key, and its inbox row's."""
    return "cmd:" + str(command["trigger_id"])


def ack_draft(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """No text: the form opens on threads that never queue behind slow submissions (a lazy
    listener would: issue 11, defect 7), just after the ack (`Services.forms`; without them,
    before it). A direct submission is stored in the inbox before the ack, so a process that
    dies after answering Slack does not lose it."""
    svc = services_of(context)
    text = command_text(command)
    brands = svc.backend.brands_for(command["user_id"])
    if not text:
        if not brands:
            ack(response_type="ephemeral", text="You are not a submitter for any brand.")
            return
        # Modal submissions thread under a DM receipt; the channel is kept for reference.
        origin = {"command_channel": command.get("channel_id"), "team": command.get("team_id")}
        view = modals.submit_modal(brands, metadata={"origin": origin})
        if svc.forms is None:
            try:
                client.views_open(trigger_id=command["trigger_id"], view=view)
            finally:
                ack()
            return
        # Answered first, the form opened just after on threads of its own: views.open takes
        # Slack a round trip (here most of an ack's time), and those threads never queue
        # behind submissions, so the trigger's 3 s are never at risk.
        ack()
        svc.forms.submit(_open_form, client, str(command["trigger_id"]), view)
        return
    outcome = parse_direct(text, brands)
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


def _open_form(client: WebClient, trigger_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception as err:  # after the ack nobody else would say so
        logger.warning("/draft: the form did not open: %s", getattr(err, "response", err))


def run_draft(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    svc = services_of(context)
    if not command_text(command):
        return  # the form was opened by the ack
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
