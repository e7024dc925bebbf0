"""`/draft`: no text opens the submission modal; `BRAND PLATFORM TEXT` submits a post directly."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import modals, submission
from bot.slack.backend import SubmitRequest
from bot.slack.commands_parse import parse_direct
from bot.slack.payloads import command_text
from bot.slack.services import services_of


def ack_draft(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """No text: the form opens before the ack, within the trigger's 3 s (a lazy listener would
    queue behind slow submissions: issue 11, defect 7)."""
    text = command_text(command)
    brands = services_of(context).backend.brands_for(command["user_id"])
    if not text:
        if not brands:
            ack(response_type="ephemeral", text="You are not a submitter for any brand.")
            return
        # Modal submissions thread under a DM receipt; the channel is kept for reference.
        origin = {"command_channel": command.get("channel_id"), "team": command.get("team_id")}
        try:
            client.views_open(
                trigger_id=command["trigger_id"],
                view=modals.submit_modal(brands, metadata={"origin": origin}),
            )
        finally:
            ack()
        return
    outcome = parse_direct(text, brands)
    if isinstance(outcome, str):
        ack(response_type="ephemeral", text=outcome)
    else:
        ack(response_type="ephemeral", text=":hourglass_flowing_sand: Submitting your draft…")


def run_draft(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    svc = services_of(context)
    user = command["user_id"]
    text = command_text(command)
    if not text:
        return  # the form was opened by the ack
    brands = svc.backend.brands_for(user)
    outcome = parse_direct(text, brands)
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
            idempotency_key="cmd:" + command["trigger_id"],
        ),
    )
