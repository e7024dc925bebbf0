"""One workspace's view of the backend: what a request from Slack team T may see and do.

Every request is handled with a `TeamBackend` for the team of the acting user (services.py
attaches it), so no listener has to remember the rule: a brand whose guidelines say
`workspace: T...` is offered only to users of that team (/draft, /brandcheck, the modal, the
shortcut), a submission for it from another team is refused, nor is it paused or resumed from
another team; a user of one team never decides, revises, overrides or withdraws a draft of
another (Slack user ids are only meaningful within their workspace), and their App Home lists
only their team's drafts, reviews, decisions and pauses (`WorkflowBackend.home(team=...)`).
A draft's team is the team it was submitted from, else its brand's workspace; a draft with
neither (one workspace) is anyone's, as before. Absences (`away_*`) and the digest switch are
the acting user's in this team (the argument is ignored, like `home`'s): U123 away in one team
is not away in another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.slack.backend import (
    Action,
    Backend,
    BrandChoice,
    CheckSummary,
    DraftInfo,
    HomeData,
    InvalidInput,
    NotPermitted,
    SubmitRequest,
    SubmitResult,
)

OTHER_TEAM = "This draft belongs to another Slack workspace."
NOT_HERE = "Brand {brand} is not offered in this Slack workspace."


def acting_team(body: Mapping[str, Any]) -> str | None:
    """The team of the user who acts: interactions carry `user.team_id` (which differs from
    `team.id` in a channel shared between workspaces), commands `team_id`, events `team_id`."""
    user = body.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    if body.get("team_id") and not body.get("event"):
        return str(body["team_id"])  # slash commands
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    event = body.get("event")
    if isinstance(event, Mapping) and event.get("team"):
        return str(event["team"])  # the user's team in an event (shared channels)
    return str(body["team_id"]) if body.get("team_id") else None


class TeamBackend:
    """`Backend` limited to `team` (None: no limit)."""

    def __init__(self, inner: Backend, team: str | None) -> None:
        self.inner = inner
        self.team = team

    def __getattr__(self, name: str) -> Any:
        # whatever else the backend offers (other sub-commands' services) passes through
        return getattr(self.inner, name)

    # -- brands --------------------------------------------------------------------------------
    def _offered(self, workspace: str | None) -> bool:
        return workspace is None or self.team is None or workspace == self.team

    def _workspace_of(self, brand_id: str) -> str | None:
        lookup = getattr(self.inner, "workspace_of", None)
        return lookup(brand_id) if lookup is not None else None

    def brands_for(self, user: str) -> list[BrandChoice]:
        return [b for b in self.inner.brands_for(user) if self._offered(b.workspace)]

    def check(
        self,
        *,
        user: str,
        brand_id: str | None,
        platform: str | None,
        text: str,
        kind: str = "post",
        sponsored: bool = False,
        context: str | None = None,
    ) -> CheckSummary:
        if brand_id and not self._offered(self._workspace_of(brand_id)):
            raise InvalidInput(NOT_HERE.format(brand=brand_id))
        return self.inner.check(
            user=user,
            brand_id=brand_id,
            platform=platform,
            text=text,
            kind=kind,
            sponsored=sponsored,
            context=context,
        )

    def submit(self, request: SubmitRequest) -> SubmitResult:
        if not self._offered(self._workspace_of(request.brand_id)):
            raise NotPermitted(NOT_HERE.format(brand=request.brand_id))
        if self.team is not None:
            # the submitter's team, whatever a modal's metadata said when it was opened
            request = replace(request, origin={**request.origin, "team": self.team})
        return self.inner.submit(request)

    # -- drafts: only the draft's own team acts on it -----------------------------------------
    def _team_of(self, draft: DraftInfo) -> str | None:
        team = (draft.origin or {}).get("team")
        return str(team) if team else self._workspace_of(draft.brand_id)

    def _mine(self, draft: DraftInfo) -> DraftInfo:
        team = self._team_of(draft)
        if self.team is not None and team is not None and team != self.team:
            raise NotPermitted(OTHER_TEAM)
        return draft

    def _guard(self, draft_id: str) -> None:
        if self.team is not None:
            self._mine(self.inner.get(draft_id))

    def get(self, draft_id: str) -> DraftInfo:
        return self._mine(self.inner.get(draft_id))

    def offered(self, draft_id: str, *, actor: str) -> DraftInfo:
        return self._mine(self.inner.offered(draft_id, actor=actor))

    def can_decide(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.can_decide(draft_id, revision, actor=actor)

    def can_override(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.can_override(draft_id, revision, actor=actor)

    def can_revise(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.can_revise(draft_id, revision, actor=actor)

    def can_withdraw(self, draft_id: str, *, actor: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.can_withdraw(draft_id, actor=actor)

    def can_publish(self, draft_id: str, *, actor: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.can_publish(draft_id, actor=actor)

    def override(self, draft_id: str, *, actor: str, reason: str, key: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.override(draft_id, actor=actor, reason=reason, key=key)

    def revise(
        self,
        draft_id: str,
        *,
        actor: str,
        text: str,
        key: str,
        publish_at: datetime | None = None,
    ) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.revise(draft_id, actor=actor, text=text, key=key, publish_at=publish_at)

    def withdraw(self, draft_id: str, *, actor: str) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.withdraw(draft_id, actor=actor)

    def decide(
        self,
        draft_id: str,
        revision: int,
        *,
        actor: str,
        action: Action,
        comment: str | None = None,
        edited_text: str | None = None,
        key: str,
    ) -> DraftInfo:
        self._guard(draft_id)
        return self.inner.decide(
            draft_id,
            revision,
            actor=actor,
            action=action,
            comment=comment,
            edited_text=edited_text,
            key=key,
        )

    # -- brands of another workspace are not paused or resumed from here ------------------------
    def pause(self, brand_id: str, *, actor: str, reason: str) -> Mapping[str, Any]:
        if not self._offered(self._workspace_of(brand_id)):
            raise NotPermitted(NOT_HERE.format(brand=brand_id))
        result: Mapping[str, Any] = self.inner.pause(brand_id, actor=actor, reason=reason)
        return result

    def resume(self, brand_id: str, *, actor: str) -> Mapping[str, Any]:
        if not self._offered(self._workspace_of(brand_id)):
            raise NotPermitted(NOT_HERE.format(brand=brand_id))
        result: Mapping[str, Any] = self.inner.resume(brand_id, actor=actor)
        return result

    # -- people: a user id means the person of this team (absences are kept per team) -----------
    def away_set(
        self,
        user: str,
        *,
        until: str,
        delegate: str | None,
        reason: str | None,
        team: str | None = None,
    ) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self.inner.away_set(
            user, until=until, delegate=delegate, reason=reason, team=self.team
        )
        return result

    def away_clear(self, user: str, *, team: str | None = None) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self.inner.away_clear(user, team=self.team)
        return result

    def away_list(self, *, team: str | None = None) -> Sequence[Mapping[str, Any]]:
        return self.inner.away_list(team=self.team)

    def away_delegates(self, user: str, *, team: str | None = None) -> list[str]:
        return self.inner.away_delegates(user, team=self.team)

    def home(self, user: str, team: str | None = None) -> HomeData:
        # the tab of the team the user opened it in, never another's (the argument is ignored:
        # a listener cannot widen its own team)
        return self.inner.home(user, team=self.team)
