"""Approvers away (SPEC "Workflow over time", Away): set, clear, list, and returns on time.

While a user is away, routing gives them no new stages (bot/workflow/away_periods.py) and,
when the absence is set, each of their open seats passes on: to their delegate (when an
approver of that brand; never the draft's submitter), else to the rest of the seat's group,
else to the brand's `routing.default`, each move a `delegated` entry with reason `away`. A
seat nobody else can take stays where it is (a draft must not lose its last approver). The
away row is the return timer: `return_due` ends every absence whose `until` has passed, once.

Many workspaces: Slack user ids are unique only within a team, so an absence is of a user in a
team (`team`; None: no team, the CLI in one workspace). It concerns the brands offered in that
team (no `workspace:`, or that team's) and the drafts of that team (and of no team); the
delegate is a person of the same team and an approver of one of those brands; who counts as
away for a draft follows bot/workflow/away_periods.py. An absence set or cleared in a team
supersedes the user id's absence of no team; set or cleared without a team, it replaces or
ends the user id's absences in every team (one workspace: they are the same person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select

from bot.audit import events as ev
from bot.guidelines.model import Guidelines
from bot.workflow.away_periods import away_now, away_users, holds_in, team_key
from bot.workflow.context import WorkflowContext, required, round_stages, stage_decisions
from bot.workflow.errors import InvalidRequest, InvalidTransition, NotAllowed
from bot.workflow.guards import brand_approvers
from bot.workflow.reviews import Reviews
from bot.workflow.states import State
from bot.workflow.unit import UnitOfWork, Units
from models import AwayPeriod, Draft, ReviewStage, StageApprover
from models import review as rv
from models.away import TEAMLESS

AWAY_REASON = "away"  # the `reason` of the `delegated` entries an absence causes
#: absences ended per transaction by a timers run
BATCH = 500


def parse_until(value: str, name: str = "--until") -> datetime:
    """`2026-12-24` (back at 00:00 UTC that day) or an ISO-8601 instant with its zone."""
    text = value.strip()
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        moment: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequest(
            f"{name} {value!r} is neither a date (2026-12-24) nor an ISO-8601 time with a zone "
            "(2026-12-24T09:00+01:00)"
        )
    return moment


@dataclass(frozen=True)
class Move:
    draft: int
    stage: int
    group: str
    to: tuple[str, ...]
    via: str  # delegate | group | default | kept (nobody else could take it)

    def to_json(self) -> dict[str, Any]:
        return {
            "draft": self.draft,
            "stage": self.stage,
            "group": self.group,
            "to": list(self.to),
            "via": self.via,
        }


def period_json(row: AwayPeriod) -> dict[str, Any]:
    return {
        "user": row.user_id,
        "team": row.team_id or None,
        "until": row.until.isoformat(),
        "delegate": row.delegate,
        "reason": row.reason,
        "since": row.since.isoformat(),
    }


class Away:
    def __init__(self, ctx: WorkflowContext, units: Units, reviews: Reviews) -> None:
        self.ctx = ctx
        self.units = units
        self.reviews = reviews

    # ------------------------------------------------------------------ brands

    def _brands(self) -> list[Guidelines]:
        """Every readable brand (a broken file must not stop an absence)."""
        ids: list[str] = getattr(self.ctx.guidelines, "brand_ids", list)()
        brands = []
        for brand_id in ids:
            try:
                brands.append(self.ctx.guidelines.get(brand_id))
            except Exception:
                continue
        return brands

    def _brands_of(self, user: str, team: str | None) -> list[Guidelines]:
        """The brands `user` approves that are offered in `team` (None: every brand)."""
        return [
            g
            for g in self._brands()
            if user in brand_approvers(g) and (not team or g.workspace in (None, team))
        ]

    @staticmethod
    def _rows_of(uow: UnitOfWork, user: str, team: str | None) -> list[AwayPeriod]:
        """The user's rows an absence set or cleared in `team` replaces (locked): the team's
        and the one of no team; without a team, all of the user id's."""
        stmt = select(AwayPeriod).where(AwayPeriod.user_id == user)
        if team:
            stmt = stmt.where(or_(AwayPeriod.team_id == team, AwayPeriod.team_id == TEAMLESS))
        stmt = stmt.order_by(AwayPeriod.until.desc(), AwayPeriod.team_id).with_for_update()
        return list(uow.session.scalars(stmt))

    # ------------------------------------------------------------------ set / clear / list

    def set(
        self,
        user: str,
        until: datetime,
        delegate: str | None,
        reason: str | None,
        *,
        team: str | None = None,
    ) -> dict[str, Any]:
        user = required(user, "the user who is away (--as)")
        delegate = delegate.strip() if delegate and delegate.strip() else None
        reason = reason.strip() if reason and reason.strip() else None
        if until.tzinfo is None:
            raise InvalidRequest(f"{until.isoformat()} has no time zone: give one, e.g. Z")
        team = team or None
        brands = self._brands_of(user, team)
        if not brands:
            where = f" offered in workspace {team}" if team else ""
            raise NotAllowed(
                f"{user} is not an approver of any brand{where}: there is nothing to hand on"
            )
        if delegate is not None:
            self._check_delegate(user, delegate, brands)
        with self.units.begin() as uow:
            if until <= uow.now:
                raise InvalidRequest(
                    f"--until {until.isoformat()} has passed: an absence ends in the future"
                )
            if delegate is not None and delegate in away_users(uow.session, uow.now, team):
                raise NotAllowed(f"{delegate} is away too: choose a delegate who is here")
            key = team_key(team)
            row = None
            for old in self._rows_of(uow, user, team):
                if old.team_id == key:
                    row = old
                else:
                    uow.session.delete(old)  # superseded (see the module's docstring)
            if row is None:
                row = AwayPeriod(user_id=user, team_id=key)
                uow.session.add(row)
            row.until, row.delegate, row.reason, row.since = until, delegate, reason, uow.now
            uow.session.flush()
            result = period_json(row)
            for g in brands:
                uow.audit(
                    ev.AWAY,
                    user,
                    None,
                    result,
                    guidelines_sha256=uow.note_guidelines(g),
                    brand_id=g.brand_id,
                )
            moves = self._move_seats(uow, user, delegate, team)
        return {**result, "moved": [m.to_json() for m in moves]}

    @staticmethod
    def _check_delegate(user: str, delegate: str, brands: list[Guidelines]) -> None:
        """A delegate approves for at least one of the absent user's brands; seats of a brand
        they do not approve pass to the group or the default instead (never outside it)."""
        if delegate == user:
            raise InvalidRequest("a delegate is someone else than the one who is away")
        if not any(delegate in brand_approvers(g) for g in brands):
            names = ", ".join(g.brand_id for g in brands)
            raise NotAllowed(
                f"{delegate} is not an approver of brand {names}, which {user} approves for: "
                "a seat passes only to an approver of the same brand"
            )

    def clear(self, user: str, *, team: str | None = None) -> dict[str, Any]:
        user = required(user, "the user who is back (--as)")
        with self.units.begin() as uow:
            rows = self._rows_of(uow, user, team or None)
            if not rows:
                where = f" in workspace {team}" if team else ""
                raise InvalidTransition(f"{user} is not away{where}")
            results = [self._end(uow, row, "cleared") for row in rows]
        return results[0]

    def periods(self, *, team: str | None = None) -> list[dict[str, Any]]:
        """Every absence (of `team`: those that hold there, see away_periods.py)."""
        with self.ctx.db.reading() as session:
            rows = session.scalars(
                select(AwayPeriod)
                .where(holds_in(team))
                .order_by(AwayPeriod.until, AwayPeriod.user_id, AwayPeriod.team_id)
            )
            return [period_json(r) for r in rows]

    def of(self, user: str, *, team: str | None = None) -> dict[str, Any] | None:
        """`user`'s absence that holds in `team` (the one that ends last)."""
        with self.ctx.db.reading() as session:
            row = session.scalars(
                select(AwayPeriod)
                .where(AwayPeriod.user_id == user, holds_in(team))
                .order_by(AwayPeriod.until.desc(), AwayPeriod.team_id.desc())
                .limit(1)
            ).first()
            return period_json(row) if row is not None else None

    # ------------------------------------------------------------------ returns

    def return_due(self, now: datetime) -> int:
        """End every absence whose `until` has passed at `now`, each once (a claimed row is
        deleted in the transaction that logs its return)."""
        units = Units(self.ctx.db, lambda: now)
        returned = 0
        while True:
            with units.begin() as uow:
                rows = list(
                    uow.session.scalars(
                        select(AwayPeriod)
                        .where(AwayPeriod.until <= now)
                        .order_by(AwayPeriod.until, AwayPeriod.user_id, AwayPeriod.team_id)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                for row in rows:
                    self._end(uow, row, "returned")
                returned += len(rows)
            if len(rows) < BATCH:
                return returned

    def _end(self, uow: UnitOfWork, row: AwayPeriod, how: str) -> dict[str, Any]:
        result = {**period_json(row), "how": how, "at": uow.now.isoformat()}
        for g in self._brands_of(row.user_id, row.team_id or None):
            uow.audit(
                ev.BACK,
                row.user_id if how == "cleared" else "brandgate",
                None,
                result,
                guidelines_sha256=uow.note_guidelines(g),
                brand_id=g.brand_id,
            )
        uow.session.delete(row)
        uow.session.flush()
        return result

    # ------------------------------------------------------------------ seats

    def _move_seats(
        self, uow: UnitOfWork, user: str, delegate: str | None, team: str | None
    ) -> list[Move]:
        """The open seats of `user` on drafts of `team` (and of no team; None: every draft)."""
        stmt = (
            select(ReviewStage.draft_id)
            .join(StageApprover, StageApprover.stage_id == ReviewStage.id)
            .join(Draft, Draft.id == ReviewStage.draft_id)
            .where(
                StageApprover.user_id == user,
                StageApprover.active.is_(True),
                ReviewStage.state.in_((rv.PENDING, rv.WAITING)),
                Draft.state == State.IN_REVIEW,
            )
        )
        if team:
            stmt = stmt.where(or_(Draft.team_id == team, Draft.team_id.is_(None)))
        draft_ids = sorted(set(uow.session.scalars(stmt)))
        away = away_now(uow.session, uow.now)
        moves: list[Move] = []
        for draft_id in draft_ids:  # in id order: never a lock cycle with another mover
            draft = uow.lock(draft_id)
            g = self.ctx.in_force(draft)
            if draft.state != State.IN_REVIEW or g is None:
                continue
            stages = round_stages(uow.session, draft)
            for stage in stages:
                seat = next((a for a in stage.approvers if a.user_id == user), None)
                if seat is None or not seat.active or stage.state not in (rv.PENDING, rv.WAITING):
                    continue
                if delegate is not None and delegate == draft.submitter:
                    raise NotAllowed(
                        f"{delegate} submitted draft {draft.id}, where {user} approves: "
                        "a seat never passes to the draft's submitter"
                    )
                moves.append(
                    self._move(uow, g, draft, stages, stage, seat, delegate, away.of(draft.team_id))
                )
        return moves

    def _move(
        self,
        uow: UnitOfWork,
        g: Guidelines,
        draft: Draft,
        stages: list[ReviewStage],
        stage: ReviewStage,
        seat: StageApprover,
        delegate: str | None,
        away: frozenset[str],
    ) -> Move:
        user = seat.user_id
        taken = {draft.submitter, user} | away
        for other in stages:  # nobody decides two stages of one draft
            if other.id != stage.id:
                taken |= {a.user_id for a in other.approvers if a.active}
                taken |= {d.actor for d in stage_decisions(uow.session, other)}
        decided_here = {d.actor for d in stage_decisions(uow.session, stage)}
        tiers: list[tuple[str, list[str]]] = []
        if delegate is not None and delegate in brand_approvers(g):
            tiers.append(("delegate", [delegate]))
        tiers.append(("group", list(g.approvers.get(stage.group_name, ()))))
        tiers.append(
            ("default", [u for s in g.routing_default for u in g.approvers.get(s.group, ())])
        )
        via, to = "kept", []
        for name, members in tiers:
            to = [u for u in dict.fromkeys(members) if u not in taken and u not in decided_here]
            if to:
                via = name
                break
        if not to:
            return Move(draft.id, stage.number, stage.group_name, (user,), "kept")
        seat.active = False
        seats = {a.user_id: a for a in stage.approvers}
        position = max(a.position for a in stage.approvers)
        new: list[str] = []
        for u in to:
            existing = seats.get(u)
            if existing is not None and existing.active:
                continue  # already asked in this stage
            if existing is not None:
                existing.active = True
                existing.delegated_from = user
            else:
                position += 1
                stage.approvers.append(
                    StageApprover(user_id=u, position=position, active=True, delegated_from=user)
                )
            new.append(u)
        draft.updated_at = uow.now
        uow.session.flush()
        uow.audit(
            ev.DELEGATED,
            user,
            draft,
            {
                "stage": stage.number,
                "group": stage.group_name,
                "from": user,
                "to": to[0] if len(to) == 1 else to,
                "via": via,
                "reason": AWAY_REASON,
            },
            guidelines_sha256=uow.note_guidelines(g),
        )
        if stage.state == rv.PENDING:
            self.reviews.settle_requests(
                uow,
                draft,
                stage,
                decision="delegated",
                decided_by=user,
                reason=AWAY_REASON,
                brand_name=g.brand,
                users=[user],
            )
            if new:
                self.reviews.request_review(uow, draft, stage, g.brand, only=set(new))
        return Move(draft.id, stage.number, stage.group_name, tuple(to), via)
