"""Modal submissions: the draft form, the approvers' reason/comment/edit forms, revise, override.

The ack part validates and answers `response_action: errors` so bad input is shown inline and
nothing typed is lost; it also re-checks that the user may act (the user id in the payload is
checked on every view submission, not only when the modal was opened). The lazy part calls the
workflow after Slack already has its answer.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import ids, messages, submission
from bot.slack.backend import (
    Action,
    AlreadyDecided,
    BackendError,
    InvalidInput,
    NotPermitted,
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


def refusal_text(err: BackendError) -> str:
    if isinstance(err, AlreadyDecided) and err.by:
        return f"Already decided by {mention(err.by)}."
    return str(err)


def _target(view: dict[str, Any]) -> tuple[str, int] | None:
    meta = metadata(view)
    try:
        return str(meta["draft"]), int(meta["revision"])
    except (KeyError, TypeError, ValueError):
        return None


def register(app: App) -> None:
    svc = services(app)

    # -- the draft form -------------------------------------------------------------------
    def ack_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        errors = submission_errors(svc, user_id(body), view)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def run_submit(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
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
                idempotency_key="view:" + str(view["id"]),
            ),
        )

    app.view(ids.VIEW_SUBMIT)(ack=ack_submit, lazy=[run_submit])

    # -- approvers' decisions with a text ------------------------------------------------------
    def ack_decision(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _action, block = DECISION_VIEWS[view["callback_id"]]
        target = _target(view)
        if target is None:
            ack(response_action="errors", errors={block: "This form is out of date."})
            return
        if not text_value(view, block):
            ack(response_action="errors", errors={block: "This cannot be empty."})
            return
        try:
            svc.backend.assert_can_decide(target[0], target[1], actor=user_id(body))
        except BackendError as err:
            ack(response_action="errors", errors={block: refusal_text(err)})
            return
        ack()

    def run_decision(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        action, block = DECISION_VIEWS[view["callback_id"]]
        target = _target(view)
        if target is None:
            return
        actor = user_id(body)
        text = text_value(view, block)
        try:
            svc.backend.decide(
                target[0],
                target[1],
                actor=actor,
                action=action,
                comment=text_value(view, ids.BLOCK_COMMENT) or None if action == "edit" else text,
                edited_text=text if action == "edit" else None,
                key="view:" + str(view["id"]),
            )
        except BackendError as err:
            post(client, channel=actor, **messages.refusal(refusal_text(err)))
        finally:
            svc.notify()

    for callback_id in DECISION_VIEWS:
        app.view(callback_id)(ack=ack_decision, lazy=[run_decision])

    # -- the submitter's revise / submit anyway --------------------------------------------------
    def ack_submitter(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        block = ids.BLOCK_TEXT if view["callback_id"] == ids.VIEW_REVISE else ids.BLOCK_REASON
        target = _target(view)
        if target is None:
            ack(response_action="errors", errors={block: "This form is out of date."})
            return
        if not text_value(view, block):
            ack(response_action="errors", errors={block: "This cannot be empty."})
            return
        try:
            draft = svc.backend.get(target[0])
        except BackendError as err:
            ack(response_action="errors", errors={block: str(err)})
            return
        if draft.submitter != user_id(body):
            ack(response_action="errors", errors={block: "Only the submitter can do this."})
            return
        ack()

    def run_submitter(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        target = _target(view)
        if target is None:
            return
        actor, key = user_id(body), "view:" + str(view["id"])
        if not svc.seen.first(key):
            return
        try:
            if view["callback_id"] == ids.VIEW_REVISE:
                draft = svc.backend.revise(
                    target[0], actor=actor, text=text_value(view, ids.BLOCK_TEXT), key=key
                )
            else:
                draft = svc.backend.override(
                    target[0], actor=actor, reason=text_value(view, ids.BLOCK_REASON), key=key
                )
        except (NotPermitted, InvalidInput, BackendError) as err:
            post(client, channel=actor, **messages.refusal(str(err)))
            return
        finally:
            svc.notify()
        channel = draft.origin.get("channel") or actor
        post(
            client,
            channel=channel,
            thread_ts=draft.origin.get("thread_ts"),
            **messages.receipt(draft),
        )

    for callback_id in (ids.VIEW_REVISE, ids.VIEW_OVERRIDE):
        app.view(callback_id)(ack=ack_submitter, lazy=[run_submitter])
