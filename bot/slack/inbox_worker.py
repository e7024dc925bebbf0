"""Doing the work of inbox rows whose process died (inbox.py), inside every `serve`.

Each tick renews the leases of the rows this process still works on, then claims the rows whose
lease ran out and runs each with the handler of its kind, on the tick's own thread (they are
rare: only what a dead process had acknowledged). A ticker runs it at start, so a replica that
comes back picks up what it had in hand once the lease ends, and every RENEW_SECONDS after.
In `serve --http`'s worker process the same tick also picks up the rows the HTTP process
handed over (inbox.py "Hand-over"), woken as soon as each is stored (worker_process.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient

from bot.audit.origin import acting_from, slack_origin
from bot.slack.inbox import KIND_DRAFT_COMMAND, KIND_SUBMIT_VIEW, Inbox, working
from bot.slack.listeners.commands.draft import process_draft
from bot.slack.listeners.views.submit import process_submit
from bot.slack.services import Services

logger = logging.getLogger("brandgate.slack.inbox")

Handler = Callable[[Services, WebClient, Mapping[str, Any]], None]
HANDLERS: dict[str, Handler] = {
    KIND_DRAFT_COMMAND: process_draft,
    KIND_SUBMIT_VIEW: process_submit,
}


class InboxWorker:
    def __init__(
        self,
        inbox: Inbox,
        services: Services,
        clients: Callable[[str | None], WebClient],
        handlers: Mapping[str, Handler] | None = None,
    ) -> None:
        self.inbox = inbox
        self.services = services
        self.clients = clients
        self.handlers = dict(HANDLERS if handlers is None else handlers)

    def tick(self) -> int:
        """Renew this process's claims, then run the rows left by dead ones; returns how many."""
        self.inbox.renew()
        recovered = 0
        for item in self.inbox.claim_expired():
            handler = self.handlers.get(item.kind)
            if handler is None:
                self.inbox.done(item.key, error=f"no handler for {item.kind}")
                continue
            if item.attempts > 1:  # a first attempt is a row handed over, not one left behind
                logger.info("inbox %s (%s): redoing work a process left", item.id, item.kind)
            # The audit log records the user who sent the request, as the lazy listener would.
            # Scoped: the ticker thread (or a test calling tick) must not keep this origin after.
            try:
                with (
                    acting_from(slack_origin(item.user_id, item.team_id)),
                    working(self.inbox, item.key),
                ):
                    handler(
                        self.services.for_team(item.team_id),
                        self.clients(item.team_id),
                        item.payload,
                    )
            except Exception:
                logger.exception("inbox %s (%s) failed", item.id, item.kind)
            recovered += 1
        return recovered

    def drain(self) -> int:
        """Tick until no row is left to claim (a burst may be more than one tick's batch)."""
        total = 0
        while done := self.tick():
            total += done
        return total
