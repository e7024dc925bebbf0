"""Buttons: the approvers' four decisions and the submitter's Revise / Submit anyway / Withdraw.

Every click is checked against the workflow with the clicking user's id before anything
happens; anyone else gets a private refusal and nothing changes. Buttons that need text are
acked at once and open a modal on the form opener (form_opening.py: within the trigger_id's 3
seconds); Approve and Withdraw act lazily after their ack.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.acks import ack_only
from bot.slack.listeners.actions.approve import approve
from bot.slack.listeners.actions.away import back_now, open_away_form
from bot.slack.listeners.actions.decision_form import open_decision_form
from bot.slack.listeners.actions.digest import toggle_digest
from bot.slack.listeners.actions.submitter_form import open_submitter_form
from bot.slack.listeners.actions.withdraw import withdraw


def register(app: App) -> None:
    app.action(ids.ACTION_APPROVE)(ack=ack_only, lazy=[approve])
    app.action(ids.ACTION_WITHDRAW)(ack=ack_only, lazy=[withdraw])
    app.action(ids.ACTION_DIGEST_TOGGLE)(ack=ack_only, lazy=[toggle_digest])
    app.action(ids.ACTION_AWAY_BACK)(ack=ack_only, lazy=[back_now])
    # Acked at once; the form opens just after on the form opener (form_opening.py).
    app.action(ids.ACTION_AWAY_OPEN)(open_away_form)
    for action_id in (ids.ACTION_REJECT, ids.ACTION_CHANGES, ids.ACTION_EDIT):
        app.action(action_id)(open_decision_form)
    for action_id in (ids.ACTION_REVISE, ids.ACTION_OVERRIDE):
        app.action(action_id)(open_submitter_form)
