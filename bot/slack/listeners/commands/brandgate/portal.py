"""`/brandgate portal`: a private, single-use sign-in link to the web portal (SPEC "Portal").

The link is made in the lazy runner (it writes a row), never in the ack, and sent back with
`respond` as an ephemeral message: only the person who asked sees it, and ephemeral messages are
never unfurled, so no preview bot fetches it (the portal's confirm page guards against that
anyway).
"""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.portal.links import LINK_TTL, LinkError, issue_link
from bot.slack.listeners.commands.brandgate.registry import Invocation, Subcommand
from bot.slack.services import services_of
from models import utcnow


def run_portal(inv: Invocation) -> None:
    try:
        base_url = Settings.from_env(dotenv=False).public_url
    except ConfigError as exc:  # an invalid PORT: serve refuses it at start, but say so anyway
        inv.respond(response_type="ephemeral", text=f"No link: {exc}.")
        return
    backend = services_of(inv.context).backend
    db = backend.service.db  # type: ignore[attr-defined]  # the workflow backend's database
    try:
        url = issue_link(db, inv.user, base_url=base_url, now=utcnow())
    except LinkError as exc:
        inv.respond(response_type="ephemeral", text=f"No link: {exc}.")
        return
    minutes = int(LINK_TTL.total_seconds() // 60)
    inv.respond(
        response_type="ephemeral",
        text=f"<{url}|Open the brandgate portal> — this link signs you in once and works for "
        f"{minutes} minutes. Don't share it: whoever opens it is signed in as you.",
    )


PORTAL = Subcommand(
    name="portal",
    usage="portal",
    summary="a private link that signs you in to the web portal (once, for 10 minutes)",
    run=run_portal,
)
