"""Reject / Request changes / Edit & approve: open the form, once the workflow says the clicking
user may decide this revision (so nobody types a reason they cannot submit); otherwise a
private refusal. The click is acked at once; the check and views.open run on the form opener
(form_opening.py: the trigger's 3 seconds, issue 11 defect 7)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids, modals
from bot.slack.backend import Backend, DraftInfo
from bot.slack.payloads import button_target, user_id
from bot.slack.services import services_of


def open_decision_form(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    ack()
    target = button_target(action)
    if target is None:
        return
    draft_id, revision = target
    action_id, actor = action["action_id"], user_id(body)

    def prepare(backend: Backend) -> dict[str, Any]:
        return _form(action_id, backend.can_decide(draft_id, revision, actor=actor))

    services_of(context).open_form(context, client, body, prepare)


def _form(action_id: str, draft: DraftInfo) -> dict[str, Any]:
    if action_id == ids.ACTION_REJECT:
        return modals.reason_modal(
            ids.VIEW_REJECT,
            draft,
            title="Reject draft",
            label="Reason (the submitter sees it)",
            submit="Reject",
        )
    if action_id == ids.ACTION_CHANGES:
        return modals.reason_modal(
            ids.VIEW_CHANGES,
            draft,
            title="Request changes",
            label="What should change?",
            submit="Send",
        )
    return modals.edit_modal(draft)
