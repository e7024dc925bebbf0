"""Modal submissions: the draft form, the approvers' reason/comment/edit forms, revise, override.

The ack part validates and answers `response_action: errors` so bad input is shown inline and
nothing typed is lost; it also re-checks that the user may act (the user id in the payload is
checked on every view submission, not only when the modal was opened). The lazy part calls the
workflow after Slack already has its answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import ids, messages, submission
from bot.slack.backend import (
    Action,
    AlreadyDecided,
    BackendError,
    DraftInfo,
    SubmitRequest,
)
from bot.slack.escape import user as mention
from bot.slack.listeners import (
    Services,
    metadata,
    post,
    services,
    state_value,
    text_value,
    user_id,
)

logger = logging.getLogger("brandgate.slack.views")

DECISION_VIEWS: dict[str, tuple[Action, str]] = {
    ids.VIEW_REJECT: ("reject", ids.BLOCK_REASON),
    ids.VIEW_CHANGES: ("changes", ids.BLOCK_COMMENT),
    ids.VIEW_EDIT: ("edit", ids.BLOCK_TEXT),
}


def submission_errors(svc: Services, user: str, view: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    brand = state_value(view, ids.BLOCK_BRAND)
    allowed = {b.id for b in svc.backend.brands_for(user)}
    if not brand:
        errors[ids.BLOCK_BRAND] = "Choose a brand."
    elif brand not in allowed:
        errors[ids.BLOCK_BRAND] = "You are not a submitter for this brand."
    if not state_value(view, ids.BLOCK_PLATFORM):
        errors[ids.BLOCK_PLATFORM] = "Choose a platform."
    if not text_value(view, ids.BLOCK_TEXT):
        errors[ids.BLOCK_TEXT] = "Write the draft."
    if state_value(view, ids.BLOCK_KIND) == "reply" and not text_value(view, ids.BLOCK_CONTEXT):
        errors[ids.BLOCK_CONTEXT] = (
            "Paste the message this reply answers: replies are checked against it."
        )
    return errors


def edit_errors(svc: Services, actor: str, draft: DraftInfo, text: str) -> dict[str, str]:
    """An edit is re-checked before it is approved: show its blocking errors in the modal
    (the check takes milliseconds) instead of failing after the modal closed."""
    try:
        summary = svc.backend.check(
            user=actor,
            brand_id=draft.brand_id,
            platform=draft.platform,
            text=text,
            kind=draft.kind,
            sponsored=draft.sponsored,
            context=draft.context,
        )
    except BackendError as err:
        return {ids.BLOCK_TEXT: str(err)}
    errors = [f for f in summary.findings if f.get("level") == "error"]
    if not errors:
        return {}
    listed = "; ".join(str(f.get("message") or f.get("rule")) for f in errors)
    return {ids.BLOCK_TEXT: ("The edit still has errors: " + listed)[:1900]}


def refusal_text(err: BackendError) -> str:
    """Plain text for inline modal errors (plain text: no mentions possible there)."""
    if isinstance(err, AlreadyDecided) and err.by:
        return f"Already decided by {err.by}."
    return str(err)


def refusal_message(err: BackendError) -> dict[str, Any]:
    """A private refusal; names who decided with a real mention (an id we validated)."""
    if isinstance(err, AlreadyDecided) and err.by:
        return messages.notice(f":no_entry_sign: Already decided by {mention(err.by)}.")
    return messages.refusal(str(err))


def view_key(view: dict[str, Any]) -> str:
    """Idempotency key of one submission of one modal: the view id plus what was entered, so a
    retried request maps to the same key while a corrected resubmission does not."""
    values = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
    return f"view:{view.get('id')}:{hashlib.sha256(values.encode()).hexdigest()[:16]}"


def _target(view: dict[str, Any]) -> tuple[str, int] | None:
    meta = metadata(view)
    try:
        return str(meta["draft"]), int(meta["revision"])
    except (KeyError, TypeError, ValueError):
        return None


def register(app: App) -> None:
    svc = services(app)

    # Bolt runs lazy listeners even when the ack answered `errors`, so every lazy part starts by
    # re-running the same validation and stops if the submission was refused.

    # -- the draft form -------------------------------------------------------------------------
    def validate_submit(body: dict[str, Any], view: dict[str, Any]) -> dict[str, str]:
        return submission_errors(svc, user_id(body), view)

    def run_submit(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if validate_submit(body, view):
            return
        meta = metadata(view)
        sponsored = state_value(view, ids.BLOCK_SPONSORED) or []
        submission.submit(
            svc,
            client,
            SubmitRequest(
                submitter=user_id(body),
                brand_id=str(state_value(view, ids.BLOCK_BRAND)),
                platform=str(state_value(view, ids.BLOCK_PLATFORM)),
                kind=str(state_value(view, ids.BLOCK_KIND) or "post"),
                text=text_value(view, ids.BLOCK_TEXT),
                context=text_value(view, ids.BLOCK_CONTEXT) or None,
                sponsored="sponsored" in sponsored,
                notes=text_value(view, ids.BLOCK_NOTES) or None,
                origin=meta.get("origin") or {},
                idempotency_key=view_key(view),
            ),
        )

    # -- approvers' decisions with a text -------------------------------------------------------
    def validate_decision(body: dict[str, Any], view: dict[str, Any]) -> dict[str, str]:
        _action, block = DECISION_VIEWS[view["callback_id"]]
        target = _target(view)
        if target is None:
            return {block: "This form is out of date."}
        if not text_value(view, block):
            return {block: "This cannot be empty."}
        try:
            draft = svc.backend.can_decide(target[0], target[1], actor=user_id(body))
        except BackendError as err:
            return {block: refusal_text(err)}
        if view["callback_id"] == ids.VIEW_EDIT:
            return edit_errors(svc, user_id(body), draft, text_value(view, block))
        return {}

    def run_decision(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        target = _target(view)
        if target is None or validate_decision(body, view):
            return
        action, block = DECISION_VIEWS[view["callback_id"]]
        actor, text = user_id(body), text_value(view, block)
        comment = (text_value(view, ids.BLOCK_COMMENT) or None) if action == "edit" else text
        try:
            svc.backend.decide(
                target[0],
                target[1],
                actor=actor,
                action=action,
                comment=comment,
                edited_text=text if action == "edit" else None,
                key=view_key(view),
            )
        except BackendError as err:
            post(client, channel=actor, **refusal_message(err))
        finally:
            svc.notify()

    # -- the submitter's revise / submit anyway ---------------------------------------------------
    def validate_submitter(body: dict[str, Any], view: dict[str, Any]) -> dict[str, str]:
        block = ids.BLOCK_TEXT if view["callback_id"] == ids.VIEW_REVISE else ids.BLOCK_REASON
        target = _target(view)
        if target is None:
            return {block: "This form is out of date."}
        if not text_value(view, block):
            return {block: "This cannot be empty."}
        try:
            draft = svc.backend.get(target[0])
        except BackendError as err:
            return {block: str(err)}
        if draft.submitter != user_id(body):
            return {block: "Only the submitter can do this."}
        return {}

    def run_submitter(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        target = _target(view)
        if target is None or validate_submitter(body, view):
            return
        # The key is stored with the revision: a retried delivery, even after a restart,
        # replays instead of revising twice.
        actor, key = user_id(body), view_key(view)
        try:
            if view["callback_id"] == ids.VIEW_REVISE:
                text = text_value(view, ids.BLOCK_TEXT)
                svc.backend.revise(target[0], actor=actor, text=text, key=key)
            else:
                reason = text_value(view, ids.BLOCK_REASON)
                svc.backend.override(target[0], actor=actor, reason=reason, key=key)
        except BackendError as err:
            post(client, channel=actor, **refusal_message(err))
        finally:
            # The workflow queued the new findings / review requests: deliver them now.
            svc.notify()

    def acker(validate: Any) -> Any:
        def ack_view(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            errors = validate(body, view)
            if errors:
                ack(response_action="errors", errors=errors)
            else:
                ack()

        return ack_view

    app.view(ids.VIEW_SUBMIT)(ack=acker(validate_submit), lazy=[run_submit])
    for callback_id in DECISION_VIEWS:
        app.view(callback_id)(ack=acker(validate_decision), lazy=[run_decision])
    for callback_id in (ids.VIEW_REVISE, ids.VIEW_OVERRIDE):
        app.view(callback_id)(ack=acker(validate_submitter), lazy=[run_submitter])
