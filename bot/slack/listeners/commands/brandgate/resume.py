"""`/brandgate resume BRAND`: any approver of the brand ends its pause; everyone is told."""

from __future__ import annotations

from bot.slack.backend import BackendError
from bot.slack.escape import escape_mrkdwn
from bot.slack.listeners.commands.brandgate.pause import answer
from bot.slack.listeners.commands.brandgate.registry import Invocation, Subcommand
from bot.slack.services import services_of

USAGE = "Usage: `/brandgate resume BRAND`."


def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) != 1:
        answer(inv, USAGE)
        return
    brand = words[0].lower()
    svc = services_of(inv.context)
    try:
        svc.backend.resume(brand, actor=inv.user)
    except BackendError as err:
        answer(inv, f":no_entry_sign: {escape_mrkdwn(str(err))}")
        return
    svc.notify()
    answer(
        inv, f":arrow_forward: Brand `{escape_mrkdwn(brand)}` resumed. Everyone concerned is told."
    )


RESUME = Subcommand(name="resume", usage="resume BRAND", summary="end a brand's pause", run=run)
