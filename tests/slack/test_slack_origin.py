"""Entries written by a signed Slack request record its user and workspace (`origin`)."""

from __future__ import annotations

from bot.audit import draft_history
from bot.slack import ids
from tests.slack.brands import BRAND1, SUBMITTER
from tests.slack.fake_slack import TEAM_ID
from tests.slack.harness import Harness

TEXT = "Our new tent is light and keeps the rain out."


def test_a_click_is_recorded_as_a_slack_request(slack: Harness) -> None:
    resp = slack.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: TEXT})
    assert resp.status == 200, resp
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], draft["revision"])
    slack.deliver()
    history = draft_history(slack.runtime.db, draft["id"])
    origins = {e["event"]: e["payload"]["origin"] for e in history}
    assert origins["submitted"] == {"via": "slack", "user": SUBMITTER, "team": TEAM_ID}
    assert origins["decided"] == {"via": "slack", "user": BRAND1, "team": TEAM_ID}
    assert all(e["payload"]["origin"]["via"] == "slack" for e in history)
