"""What listeners call: the `Services` container, handed to them through Bolt's context.

Bolt passes `context` to every listener and middleware, which is its documented place for
per-app objects. Lazy listeners get a deep copy of the request (context included), so the
container copies as itself: the backend holds a database engine and thread pools that must be
shared, never duplicated per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.audit.origin import set_origin, slack_origin
from bot.slack.backend import Backend
from bot.slack.form_opening import INLINE, FormOpener, Prepare
from bot.slack.inbox import Inbox
from bot.slack.oauth_scope import TeamBackend, acting_team

CONTEXT_KEY = "brandgate_services"


@dataclass
class Services:
    backend: Backend
    #: wakes the outbox dispatcher after a service call may have queued messages
    notify: Callable[[], None] = lambda: None
    #: where acked requests are stored before their answer (inbox.py); None: not stored
    inbox: Inbox | None = None
    #: opens modals right after the ack on threads never busy with submissions (form_opening.py);
    #: None: on the listener's thread
    forms: FormOpener | None = None
    #: the app was uninstalled from a team, or its bot token revoked (oauth.Uninstalls): stop
    #: delivering there; returns how many queued messages were given up
    uninstalled: Callable[[str | None], int] = lambda team: 0

    def for_team(self, team: str | None) -> Services:
        """The same services, with the backend limited to what Slack team `team` may see and do
        (oauth_scope.py); the backend itself stays shared."""
        return Services(
            backend=TeamBackend(self.backend, team),
            notify=self.notify,
            inbox=self.inbox,
            forms=self.forms,
            uninstalled=self.uninstalled,
        )

    def open_form(
        self,
        context: Mapping[str, Any],
        client: WebClient,
        body: Mapping[str, Any],
        prepare: Prepare,
    ) -> None:
        """What a listener calls right after `ack()`: `prepare` (the permission check, then
        the view) and views.open run on the form opener, never in the request's thread."""
        (self.forms or INLINE).open(
            client,
            body,
            self.backend,
            prepare,
            user=context.get("user_id"),
            team=context.get("team_id"),
        )

    def __copy__(self) -> Services:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        return self


def attach(app: App, services: Services) -> None:
    """Make `services` available to every listener of `app` as `services_of(context)`, limited
    to the team of the user who acts (one Slack workspace never acts in another)."""

    def attach_services(context: BoltContext, body: dict[str, Any], next: Callable[[], Any]) -> Any:
        context[CONTEXT_KEY] = services.for_team(acting_team(body or {}))
        return next()

    app.middleware(attach_services)


def services_of(context: Mapping[str, Any]) -> Services:
    found = context.get(CONTEXT_KEY)
    if not isinstance(found, Services):
        raise LookupError("no brandgate services attached to this app (see services.attach)")
    # Every listener reaches the workflow through here, on the thread that then calls it (lazy
    # listeners too, with their copy of the context): the audit entries it writes record the
    # request's user and workspace, which Bolt took from the verified request.
    set_origin(slack_origin(context.get("user_id"), context.get("team_id")))
    return found
