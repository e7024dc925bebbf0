"""Revise / Submit anyway: open the form when the workflow says the clicking user may still do
that to this revision (`can_revise` / `can_override`); otherwise a private refusal. Acked at
once, opened on the form opener like the approvers' forms (form_opening.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids, modals
from bot.slack.backend import Backend, DraftInfo
from bot.slack.payloads import button_target, user_id
from bot.slack.services import services_of


def open_submitter_form(
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
    revise, actor = action["action_id"] == ids.ACTION_REVISE, user_id(body)

    def prepare(backend: Backend) -> dict[str, Any]:
        ask = backend.can_revise if revise else backend.can_override
        return _form(revise, ask(draft_id, revision, actor=actor))

    services_of(context).open_form(context, client, body, prepare)


def _form(revise: bool, draft: DraftInfo) -> dict[str, Any]:
    if revise:
        return modals.revise_modal(draft)
    return modals.reason_modal(
        ids.VIEW_OVERRIDE,
        draft,
        title="Submit anyway",
        label="Why is this fine?",
        submit="Submit anyway",
    )
