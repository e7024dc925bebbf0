"""May this person still use a submitter's button (Revise, Submit anyway) on this draft?

Asked before a modal opens and again when it is submitted, so nobody types a revision the
workflow will refuse. The rules are the workflow's state machine (`bot.workflow.states`); the
workflow checks again when it acts. This module goes away once the backend answers
`can_revise` / `can_override` itself.
"""

from __future__ import annotations

from bot.slack.backend import DraftInfo
from bot.workflow.states import Action, actions_in, allows, refusal


def submitter_refusal(
    draft: DraftInfo, actor: str, action: Action, *, revision: int | None = None
) -> str | None:
    """Why `actor` may not take `action` on `draft` now, or None when they may.

    `revision` is the one the button or modal was made for: a newer revision has other
    findings, so acting on what the user saw would be acting on something else."""
    if revision is not None and draft.revision != revision:
        return f"Draft {draft.id} has a newer revision ({draft.revision}) now."
    if action in actions_in(draft.state, submitter=actor == draft.submitter):
        return None
    if allows(draft.state, action):
        return f"only the submitter ({draft.submitter}) may {action.value} draft {draft.id}"
    return refusal(draft.state, action)
