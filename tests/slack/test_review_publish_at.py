"""`publish_at` in Slack (issue 12, item 3): a field of the `/draft` form, and shown to the
approvers in their review request; through the real app over HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.slack import ids
from tests.slack.brands import BRAND1, SUBMITTER
from tests.slack.harness import Harness

CLEAN = "Our new jacket keeps you dry on every trail."


def _field(view: dict) -> dict:
    [block] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_PUBLISH_AT]
    return block


def test_the_form_takes_a_planned_publication_and_approvers_see_it(slack: Harness) -> None:
    view = slack.open_draft_modal(SUBMITTER)
    field = _field(view)
    assert field["element"]["type"] == "datetimepicker" and field["optional"] is True
    planned = int(time.time()) + 3 * 86400
    resp = slack.client.view_submission(
        user=SUBMITTER,
        view=view,
        values={
            ids.BLOCK_BRAND: "acme",
            ids.BLOCK_PLATFORM: "x",
            ids.BLOCK_TEXT: CLEAN,
            ids.BLOCK_PUBLISH_AT: planned,
        },
    )
    assert resp.status == 200 and resp.body == b""
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    expected = datetime.fromtimestamp(planned, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert slack.draft(draft["id"]).publish_at == expected
    [request] = slack.review_requests(BRAND1)
    shown = datetime.fromtimestamp(planned, UTC).strftime("%Y-%m-%d %H:%M")
    assert f"to be published {shown} UTC" in request.rendered()
    slack.assert_slack_accepted_everything()


def test_without_a_planned_publication_nothing_is_said(slack_sqlite: Harness) -> None:
    resp = slack_sqlite.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: CLEAN})
    assert resp.status == 200 and resp.body == b""
    slack_sqlite.deliver()
    draft = slack_sqlite.latest_draft(SUBMITTER)
    assert slack_sqlite.draft(draft["id"]).publish_at is None
    [request] = slack_sqlite.review_requests(BRAND1)
    assert "to be published" not in request.rendered()


def test_a_planned_publication_in_the_past_is_refused_in_the_form(slack_sqlite: Harness) -> None:
    past = int(time.time()) - 3600
    resp = slack_sqlite.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: CLEAN, ids.BLOCK_PUBLISH_AT: past})
    assert resp.json() == {
        "response_action": "errors",
        "errors": {ids.BLOCK_PUBLISH_AT: "Choose a time in the future: this one has passed."},
    }
    slack_sqlite.settle()
    assert slack_sqlite.review_requests(BRAND1) == []
