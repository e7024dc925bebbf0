"""`/brandcheck [BRAND] [PLATFORM] TEXT`: check without submitting, answered privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.guidelines.model import PLATFORMS
from bot.slack import messages
from bot.slack.backend import BackendError, BrandChoice
from bot.slack.commands_parse import parse_check
from bot.slack.payloads import command_text
from bot.slack.services import services_of

#: one answer per brand, capped to keep the reply readable
MAX_BRANDS = 3


def ack_brandcheck(ack: Ack, command: dict[str, Any]) -> None:
    if not (command.get("text") or "").strip():
        ack(response_type="ephemeral", text="Usage: `/brandcheck [BRAND] [PLATFORM] TEXT`")
    else:
        ack()


def run_brandcheck(command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    backend = services_of(context).backend
    user = command["user_id"]
    brands, platform, text = parse_check(command_text(command), backend.brands_for(user))
    if not text:
        return
    if not brands:
        respond(response_type="ephemeral", text="You are not a submitter for any brand.")
        return
    for brand in brands[:MAX_BRANDS]:
        chosen = platform or _default_platform(brand)
        try:
            summary = backend.check(user=user, brand_id=brand.id, platform=chosen, text=text)
        except BackendError as err:
            respond(response_type="ephemeral", **messages.refusal(str(err)))
            continue
        msg = messages.check_result(summary, text, brand=brand.name or brand.id, platform=chosen)
        respond(response_type="ephemeral", **msg)


def _default_platform(brand: BrandChoice) -> str:
    """The brand's first platform, else the first Slack knows of; the answer names the platform
    it checked for, so the choice is never hidden."""
    return brand.platforms[0] if brand.platforms else PLATFORMS[0]
