"""`/brandgate pause BRAND REASON`: any approver of the brand pauses it for a crisis; the
workflow refuses anyone else and tells everyone concerned (through the outbox)."""

from __future__ import annotations

from bot.slack.backend import BackendError
from bot.slack.escape import escape_mrkdwn
from bot.slack.listeners.commands.brandgate.registry import Invocation, Subcommand
from bot.slack.services import services_of

USAGE = "Usage: `/brandgate pause BRAND REASON`, e.g. `/brandgate pause acme Product recall`."


def answer(inv: Invocation, text: str) -> None:
    inv.respond(text=text, response_type="ephemeral", replace_original=False)


def run(inv: Invocation) -> None:
    brand, _, reason = inv.args.partition(" ")
    if not brand or not reason.strip():
        answer(inv, USAGE)
        return
    svc = services_of(inv.context)
    try:
        svc.backend.pause(brand.lower(), actor=inv.user, reason=reason.strip())
    except BackendError as err:
        answer(inv, f":no_entry_sign: {escape_mrkdwn(str(err))}")
        return
    svc.notify()  # the brand's approvers and submitters are told through the outbox
    answer(
        inv,
        f":double_vertical_bar: Brand `{escape_mrkdwn(brand.lower())}` is paused: nothing is "
        "auto-approved, approvals and publications are refused until someone resumes it "
        f"(`/brandgate resume {escape_mrkdwn(brand.lower())}`). Everyone concerned is told.",
    )


PAUSE = Subcommand(
    name="pause",
    usage="pause BRAND REASON",
    summary="pause a brand for a crisis: approvals and publications refused until it resumes",
    run=run,
)
