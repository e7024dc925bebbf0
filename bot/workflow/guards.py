"""Who may do what to a draft now: each guard raises the refusal its action would raise.

The actions call them under the draft's row lock; the `can_*` queries call the same functions on
an unlocked read, so an adapter offers a button exactly when pressing it would work.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.guidelines.model import Guidelines
from bot.workflow.context import revision_of, stored_result, unoverridable_rules
from bot.workflow.errors import InvalidTransition, NotAllowed, NotOverridable
from bot.workflow.states import Action, State, allows, refusal
from models import Draft


def in_state_for(draft: Draft, action: Action) -> None:
    if not allows(draft.state, action):
        raise InvalidTransition(refusal(draft.state, action, draft.id))


def at_revision(draft: Draft, expected_revision: int | None) -> None:
    """Refuse an action meant for a revision that has since been replaced (a stale button)."""
    if expected_revision is not None and expected_revision != draft.current_revision:
        raise InvalidTransition(
            f"draft {draft.id} is now at revision {draft.current_revision} "
            f"(you were looking at revision {expected_revision})"
        )


def own(draft: Draft, actor: str, action: Action) -> None:
    if actor != draft.submitter:
        raise NotAllowed(f"only the submitter ({draft.submitter}) may {action} draft {draft.id}")


def may_override(session: Session, draft: Draft, actor: str) -> None:
    own(draft, actor, Action.OVERRIDE)
    in_state_for(draft, Action.OVERRIDE)
    result = stored_result(revision_of(session, draft))
    if not result.overridable:
        raise NotOverridable(
            f"draft {draft.id} has errors that cannot be overridden ({unoverridable_rules(result)})"
        )


def may_revise(draft: Draft, actor: str, g: Guidelines) -> None:
    own(draft, actor, Action.REVISE)
    in_state_for(draft, Action.REVISE)
    if not g.may_submit(actor):
        raise NotAllowed(f"{actor} may no longer submit drafts for brand {draft.brand_id}")


def may_withdraw(draft: Draft, actor: str) -> None:
    own(draft, actor, Action.WITHDRAW)
    in_state_for(draft, Action.WITHDRAW)


def brand_approvers(g: Guidelines) -> set[str]:
    return {u for members in g.approvers.values() for u in members}


def may_publish(draft: Draft, actor: str, g: Guidelines) -> None:
    if draft.state == State.PUBLISHED:
        raise InvalidTransition(f"draft {draft.id} was already published at {draft.published_url}")
    in_state_for(draft, Action.PUBLISH)
    if actor != draft.submitter and actor not in brand_approvers(g):
        raise NotAllowed(f"only the submitter or a {draft.brand_id} approver may mark it published")
