"""Modal submissions: the draft form, the approvers' reason/comment/edit forms, revise, override.

The ack validates and answers `response_action: errors`, so bad input is shown inline and
nothing typed is lost; it also asks again whether the user may act (the user id in the payload
is checked on every view submission, not only when the modal was opened). The lazy part calls
the workflow after Slack already has its answer. Bolt runs lazy listeners even when the ack
answered `errors`, so each lazy part re-runs the same validation and stops if it fails.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.views.away import ack_away, run_away
from bot.slack.listeners.views.decision import DECISION_VIEWS, ack_decision, run_decision
from bot.slack.listeners.views.submit import ack_submit, run_submit
from bot.slack.listeners.views.submitter import ack_submitter, run_submitter


def register(app: App) -> None:
    app.view(ids.VIEW_SUBMIT)(ack=ack_submit, lazy=[run_submit])
    app.view(ids.VIEW_AWAY)(ack=ack_away, lazy=[run_away])
    for callback_id in DECISION_VIEWS:
        app.view(callback_id)(ack=ack_decision, lazy=[run_decision])
    for callback_id in (ids.VIEW_REVISE, ids.VIEW_OVERRIDE):
        app.view(callback_id)(ack=ack_submitter, lazy=[run_submitter])
