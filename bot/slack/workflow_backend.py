"""`Backend` over the workflow service, the guideline store and the engine.

Translation only: workflow views become `DraftInfo`, workflow refusals become the Slack layer's
`BackendError`s (whose text is safe to show), and Slack-derived idempotency keys are passed on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bot.audit import verify
from bot.audit.chain import parse_time
from bot.guidelines.errors import GuidelineError, UnknownBrand
from bot.guidelines.loader import GuidelineStore
from bot.guidelines.model import Guidelines
from bot.slack.backend import (
    Action,
    AlreadyDecided,
    AuditStatus,
    AwayInfo,
    BackendError,
    BrandChoice,
    CheckSummary,
    DecisionInfo,
    DraftInfo,
    HomeData,
    InvalidInput,
    NotPermitted,
    PauseInfo,
    SubmitRequest,
    SubmitResult,
)
from bot.workflow import errors as wf
from bot.workflow.away import parse_until
from bot.workflow.guards import brand_approvers
from bot.workflow.service import WorkflowService
from bot.workflow.snapshots import DraftView

logger = logging.getLogger("brandgate.slack.backend")

DECISION_NAMES: dict[str, str] = {
    "approve": "approve",
    "reject": "reject",
    "changes": "changes",
    "edit": "edit_approve",
}
AUDIT_CACHE_SECONDS = 30.0


@contextmanager
def translated() -> Iterator[None]:
    """Workflow and guideline exceptions → the Slack layer's refusals."""
    try:
        yield
    except wf.AlreadyDecided as err:
        raise AlreadyDecided(str(err), by=err.by, action=err.decision) from err
    except wf.NotAllowed as err:
        raise NotPermitted(str(err)) from err
    except (wf.InvalidRequest, wf.Blocked) as err:
        raise InvalidInput(str(err)) from err
    except wf.UnknownDraft as err:
        raise InvalidInput(str(err)) from err
    except wf.WorkflowError as err:
        raise BackendError(str(err)) from err
    except (GuidelineError, UnknownBrand) as err:
        raise InvalidInput(str(err)) from err


def to_info(v: DraftView, offered: frozenset[str] = frozenset()) -> DraftInfo:
    findings = tuple(v.findings)
    last = v.last_decision or {}
    return DraftInfo(
        id=str(v.id),
        revision=v.revision,
        state=v.state,
        brand_id=v.brand,
        platform=v.platform,
        text=v.text,
        submitter=v.submitter,
        kind=v.kind,
        sponsored=v.sponsored,
        context=v.context,
        notes=v.notes,
        verdict=v.verdict,
        findings=findings,
        overridable=all(f.get("overridable", True) for f in findings if f.get("level") == "error"),
        route=tuple(s.to_json() for s in v.route),
        pending_approvers=v.pending_approvers,
        decided_by=last.get("actor"),
        decision=last.get("decision"),
        comment=last.get("reason"),
        origin=v.origin or {},
        override_reason=v.override_reason,
        note=v.problem,
        publish_at=parse_time(v.publish_at) if v.publish_at else None,
        offered=tuple(sorted(offered)),
    )


class WorkflowBackend:
    def __init__(self, service: WorkflowService, store: GuidelineStore) -> None:
        self.service = service
        self.store = store
        self._audit_lock = threading.Lock()
        self._audit: tuple[float, AuditStatus] | None = None

    # -- guidelines ---------------------------------------------------------------------------
    def _brands(self) -> list[Guidelines]:
        """Every valid brand; one broken file must not hide the others from Slack users."""
        brands = []
        for brand_id in self.store.brand_ids():
            try:
                brands.append(self.store.get(brand_id))
            except GuidelineError as err:
                logger.warning("guidelines for %s are invalid: %s", brand_id, err)
        return brands

    def brands_for(self, user: str) -> list[BrandChoice]:
        return [
            BrandChoice(g.brand_id, g.brand, tuple(g.platforms), g.workspace)
            for g in self._brands()
            if g.may_submit(user)
        ]

    def workspace_of(self, brand_id: str) -> str | None:
        """The brand's `workspace:` (None: any workspace, or no such brand)."""
        try:
            return self.store.get(brand_id).workspace
        except (GuidelineError, UnknownBrand):  # the call it guards refuses it, clearly
            return None

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
        if not brand_id:
            raise InvalidInput("Name a brand.")
        with translated():
            seen = self.service.preview(
                brand=brand_id,
                text=text,
                platform=platform,
                kind=kind,
                sponsored=sponsored,
                context=context,
                submitter=user,
            )
        return CheckSummary(
            verdict=seen.result.verdict,
            findings=tuple(f.to_json() for f in seen.result.findings),
            route=tuple(seen.route.to_json()),
        )

    # -- drafts ---------------------------------------------------------------------------------
    def submit(self, request: SubmitRequest) -> SubmitResult:
        with translated():
            view = self.service.submit(
                submitter=request.submitter,
                brand=request.brand_id,
                platform=request.platform,
                text=request.text,
                kind=request.kind,
                sponsored=request.sponsored,
                context=request.context,
                notes=request.notes,
                publish_at=request.publish_at,
                idempotency_key=request.idempotency_key or None,
                origin=dict(request.origin),
            )
        return SubmitResult(draft=self._offered(view, request.submitter), created=not view.replayed)

    @staticmethod
    def _id(draft_id: str) -> int:
        try:
            return int(draft_id)
        except ValueError:
            raise InvalidInput(f"no draft with id {draft_id}") from None

    def override(self, draft_id: str, *, actor: str, reason: str, key: str) -> DraftInfo:
        with translated():
            view = self.service.override(
                self._id(draft_id), actor=actor, reason=reason, idempotency_key=key or None
            )
        return self._offered(view, actor)

    def revise(
        self,
        draft_id: str,
        *,
        actor: str,
        text: str,
        key: str,
        publish_at: datetime | None = None,
    ) -> DraftInfo:
        """`publish_at` None keeps the draft's planned publication as it is."""
        with translated():
            view = self.service.revise(
                self._id(draft_id),
                actor=actor,
                text=text,
                idempotency_key=key or None,
                publish_at=publish_at,
            )
        return self._offered(view, actor)

    def withdraw(self, draft_id: str, *, actor: str) -> DraftInfo:
        with translated():
            view = self.service.withdraw(self._id(draft_id), actor=actor)
        return self._offered(view, actor)

    def get(self, draft_id: str) -> DraftInfo:
        with translated():
            return to_info(self.service.get(self._id(draft_id), with_revisions=False))

    def can_decide(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        """Asked before a decision modal opens, so nobody types a reason they cannot submit;
        the rules are the workflow's (`WorkflowService.can_decide`), never a copy."""
        with translated():
            view = self.service.can_decide(
                self._id(draft_id), actor=actor, expected_revision=revision
            )
        return self._offered(view, actor)

    # The `can_*` questions: the workflow's own rules, read-only. Each raises the refusal the
    # action would meet (NotPermitted, AlreadyDecided, BackendError), else returns the draft
    # with what `actor` may do to it now in `offered`.
    def _offered(self, view: DraftView, actor: str) -> DraftInfo:
        return to_info(view, frozenset(self.service.offered_actions(view, actor)))

    def can_override(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        with translated():
            view = self.service.can_override(
                self._id(draft_id), actor=actor, expected_revision=revision
            )
        return self._offered(view, actor)

    def can_revise(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        with translated():
            view = self.service.can_revise(
                self._id(draft_id), actor=actor, expected_revision=revision
            )
        return self._offered(view, actor)

    def can_withdraw(self, draft_id: str, *, actor: str) -> DraftInfo:
        with translated():
            view = self.service.can_withdraw(self._id(draft_id), actor=actor)
        return self._offered(view, actor)

    def can_publish(self, draft_id: str, *, actor: str) -> DraftInfo:
        with translated():
            view = self.service.can_publish(self._id(draft_id), actor=actor)
        return self._offered(view, actor)

    def offered(self, draft_id: str, *, actor: str) -> DraftInfo:
        """The draft with `offered` filled for `actor`: which buttons to show them."""
        with translated():
            view = self.service.get(self._id(draft_id), with_revisions=False)
        return self._offered(view, actor)

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
        with translated():
            view = self.service.decide(
                self._id(draft_id),
                actor=actor,
                decision=DECISION_NAMES[action],
                reason=comment,
                text=edited_text,
                expected_revision=revision,
                idempotency_key=key or None,
            )
        return self._offered(view, actor)

    # -- time: pauses and absences --------------------------------------------------------------
    def pause(self, brand_id: str, *, actor: str, reason: str) -> dict[str, Any]:
        with translated():
            return self.service.pause(brand_id, actor=actor, reason=reason)

    def resume(self, brand_id: str, *, actor: str) -> dict[str, Any]:
        with translated():
            return self.service.resume(brand_id, actor=actor)

    def away_set(
        self,
        user: str,
        *,
        until: str,
        delegate: str | None,
        reason: str | None,
        team: str | None = None,
    ) -> dict[str, Any]:
        with translated():
            moment = parse_until(until, "the date")
            return self.service.away_set(
                user, until=moment, delegate=delegate, reason=reason, team=team
            )

    def away_clear(self, user: str, *, team: str | None = None) -> dict[str, Any]:
        with translated():
            return self.service.away_clear(user, team=team)

    def away_list(self, *, team: str | None = None) -> list[dict[str, Any]]:
        with translated():
            return self.service.away_list(team=team)

    # -- App Home --------------------------------------------------------------------------------
    def _summary(self, row: dict[str, Any]) -> DraftInfo:
        return DraftInfo(
            id=str(row["id"]),
            revision=int(row["revision"]),
            state=str(row["state"]),
            brand_id=str(row["brand"]),
            platform=str(row["platform"]),
            kind=str(row["kind"]),
            text=str(row["text"]),
            submitter=str(row["submitter"]),
            verdict=str(row["verdict"]),
        )

    def home(self, user: str, team: str | None = None) -> HomeData:
        """`user`'s Home tab; with `team` (the Slack team they opened it in) only what that
        team may see: its drafts and those of no team, brands offered there (a brand of another
        `workspace:` is neither listed, nor audited, nor its pause shown), decisions on them."""
        brands = self._brands()
        if team is not None:
            foreign = [g.brand_id for g in brands if g.workspace not in (None, team)]
            brands = [g for g in brands if g.workspace in (None, team)]
        else:
            foreign = []
        scope: dict[str, Any] = {"team": team, "foreign_brands": foreign}
        mine = [self._summary(r) for r in self.service.list(submitter=user, limit=20, **scope)]
        pending = [self._summary(r) for r in self.service.list(approver=user, limit=20, **scope)]
        audited = [g.brand_id for g in brands if user in g.auditors]
        time = self._home_time(user, brands, mine, pending, team)
        if not audited:
            return HomeData(my_drafts=tuple(mine), pending=tuple(pending), **time)
        return HomeData(
            my_drafts=tuple(mine),
            pending=tuple(pending),
            decisions=tuple(self._latest_decisions(audited, team=team)),
            audit=self.audit_status(),
            **time,
        )

    def _home_time(
        self,
        user: str,
        brands: list[Guidelines],
        mine: list[DraftInfo],
        pending: list[DraftInfo],
        team: str | None = None,
    ) -> dict[str, Any]:
        """Deadlines, pauses and the user's absence, for the Home tab."""
        deadlines = self.service.deadlines([int(d.id) for d in pending])
        concerned = {d.brand_id for d in [*mine, *pending]} | {
            g.brand_id for g in brands if user in brand_approvers(g) or g.may_submit(user)
        }
        away = self.service.away_of(user, team=team)
        return {
            "deadlines": {str(k): v for k, v in deadlines.items()},
            "paused": tuple(
                PauseInfo(p["brand"], p["by"], p["reason"], p["at"])
                for p in self.service.pauses()
                if p["brand"] in concerned
            ),
            "away": AwayInfo(
                datetime.fromisoformat(away["until"]), away["delegate"], away["reason"]
            )
            if away
            else None,
            "approver": any(user in brand_approvers(g) for g in brands),
            "now": self.service.ctx.clock(),
        }

    def away_delegates(self, user: str, *, team: str | None = None) -> list[str]:
        mine = [
            g
            for g in self._brands()
            if user in brand_approvers(g) and (team is None or g.workspace in (None, team))
        ]
        people = (u for g in mine for u in sorted(brand_approvers(g)))
        return [u for u in dict.fromkeys(people) if u != user]

    def _latest_decisions(
        self, brands: list[str], limit: int = 15, team: str | None = None
    ) -> list[DecisionInfo]:
        return [
            DecisionInfo(
                draft_id=str(d.draft_id),
                revision=d.revision,
                brand_id=d.brand,
                actor=d.actor,
                action=d.decision,
                at=d.at,
                comment=d.reason,
            )
            for d in self.service.latest_decisions(brands, limit, team)
        ]

    def audit_status(self) -> AuditStatus:
        """Verifying streams the whole chain, so one result is shared for a few seconds."""
        with self._audit_lock:
            now = time.monotonic()
            if self._audit is None or now - self._audit[0] > AUDIT_CACHE_SECONDS:
                result = verify(self.service.db)
                self._audit = (now, AuditStatus(result.ok, result.count, str(result)))
            return self._audit[1]
