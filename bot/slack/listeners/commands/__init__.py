"""Slash commands: `/draft` (modal, or direct `BRAND PLATFORM TEXT`) and `/brandcheck TEXT`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack import ids, messages, submission, views
from bot.slack.backend import BackendError, BrandChoice, SubmitRequest
from bot.slack.commands_parse import parse_check, parse_direct
from bot.slack.escape import unescape_slack
from bot.slack.listeners import services

logger = logging.getLogger("brandgate.slack.commands")


def command_text(command: dict[str, Any]) -> str:
    """What the user typed: Slack sends &, < and > as entities even in command text."""
    return unescape_slack(command.get("text") or "").strip()


def register(app: App) -> None:
    svc = services(app)

    def ack_draft(ack: Ack, command: dict[str, Any]) -> None:
        text = command_text(command)
        if not text:
            ack()
            return
        outcome = parse_direct(text, svc.backend.brands_for(command["user_id"]))
        if isinstance(outcome, str):
            ack(response_type="ephemeral", text=outcome)
        else:
            ack(response_type="ephemeral", text=":hourglass_flowing_sand: Submitting your draft…")

    def run_draft(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user = command["user_id"]
        text = command_text(command)
        brands = svc.backend.brands_for(user)
        if not text:
            if not brands:
                respond(response_type="ephemeral", text="You are not a submitter for any brand.")
                return
            # Modal submissions thread under a DM receipt; the channel is kept for reference.
            origin = {"command_channel": command.get("channel_id"), "team": command.get("team_id")}
            client.views_open(
                trigger_id=command["trigger_id"],
                view=views.submit_modal(brands, metadata={"origin": origin}),
            )
            return
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
                origin={
                    "team": command.get("team_id"),
                    "command_channel": command.get("channel_id"),
                },
                idempotency_key="cmd:" + command["trigger_id"],
            ),
        )

    def ack_check(ack: Ack, command: dict[str, Any]) -> None:
        if not (command.get("text") or "").strip():
            ack(response_type="ephemeral", text="Usage: `/brandcheck [BRAND] [PLATFORM] TEXT`")
        else:
            ack()

    def run_check(command: dict[str, Any], respond: Respond) -> None:
        user = command["user_id"]
        brands, platform, text = parse_check(command_text(command), svc.backend.brands_for(user))
        if not text:
            return
        if not brands:
            respond(response_type="ephemeral", text="You are not a submitter for any brand.")
            return
        for brand in brands[:3]:  # one answer per brand, capped to keep the reply readable
            try:
                summary = svc.backend.check(
                    user=user,
                    brand_id=brand.id,
                    platform=platform or _default_platform(brand),
                    text=text,
                )
            except BackendError as err:
                respond(response_type="ephemeral", **messages.refusal(str(err)))
                continue
            msg = messages.check_result(
                summary,
                text,
                brand=brand.name or brand.id,
                platform=platform or _default_platform(brand),
            )
            respond(response_type="ephemeral", **msg)

    for name, ack_fn, lazy in (
        (ids.CMD_DRAFT, ack_draft, run_draft),
        (ids.CMD_BRANDCHECK, ack_check, run_check),
    ):
        app.command(name)(ack=ack_fn, lazy=[lazy])


def _default_platform(brand: BrandChoice) -> str:
    return brand.platforms[0] if brand.platforms else "x"
