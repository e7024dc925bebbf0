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


def _revise_form(slack: Harness, planned: int | None) -> tuple[dict, dict]:
    """A draft (planned at `planned`) sent back for changes, and its Revise form opened."""
    values: dict = {ids.BLOCK_TEXT: CLEAN}
    if planned is not None:
        values[ids.BLOCK_PUBLISH_AT] = planned
    assert slack.submit_modal(SUBMITTER, values).body == b""
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    slack.decide_with_modal(
        BRAND1, ids.ACTION_CHANGES, draft["id"], 1, {ids.BLOCK_COMMENT: "Later, please."}
    )
    slack.deliver()
    slack.click(SUBMITTER, ids.ACTION_REVISE, draft["id"], 1)
    slack.settle()
    return draft, slack.opened_view(callback_id=ids.VIEW_REVISE)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def test_the_revise_form_shows_and_changes_the_planned_publication(slack: Harness) -> None:
    planned = int(time.time()) + 3 * 86400
    draft, view = _revise_form(slack, planned)
    field = _field(view)
    assert field["element"]["type"] == "datetimepicker"
    assert field["element"]["initial_date_time"] == planned
    assert field["optional"] is True
    later = planned + 86400
    resp = slack.client.view_submission(
        user=SUBMITTER,
        view=view,
        values={ids.BLOCK_TEXT: CLEAN + " Soon.", ids.BLOCK_PUBLISH_AT: later},
    )
    assert resp.status == 200 and resp.body == b""
    slack.deliver()
    revised = slack.draft(draft["id"])
    assert (revised.revision, revised.publish_at) == (2, _iso(later))
    slack.assert_slack_accepted_everything()


def test_the_revise_form_keeps_or_plans_a_publication(slack_sqlite: Harness) -> None:
    draft, view = _revise_form(slack_sqlite, None)
    assert "initial_date_time" not in _field(view)["element"]
    resp = slack_sqlite.client.view_submission(
        user=SUBMITTER, view=view, values={ids.BLOCK_TEXT: CLEAN + " Soon."}
    )
    assert resp.body == b""
    slack_sqlite.deliver()
    assert slack_sqlite.draft(draft["id"]).publish_at is None
    assert slack_sqlite.draft(draft["id"]).revision == 2


def test_the_revise_form_refuses_a_past_planned_publication(slack_sqlite: Harness) -> None:
    draft, view = _revise_form(slack_sqlite, int(time.time()) + 86400)
    past = int(time.time()) - 3600
    resp = slack_sqlite.client.view_submission(
        user=SUBMITTER, view=view, values={ids.BLOCK_TEXT: CLEAN, ids.BLOCK_PUBLISH_AT: past}
    )
    assert resp.json() == {
        "response_action": "errors",
        "errors": {ids.BLOCK_PUBLISH_AT: "Choose a time in the future: this one has passed."},
    }
    slack_sqlite.settle()
    assert slack_sqlite.draft(draft["id"]).revision == 1
