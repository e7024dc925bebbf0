"""End to end: Slack requests in, workflow and audit log in the database, Slack messages out."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from bot.slack import ids
from tests.slack.brands import BRAND1, BRAND2, LEGAL, OTHER_SUBMITTER, STRANGER, SUBMITTER
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.harness import Harness

CLEAN_WITH_WARNING = "Our new tent is cheap and weighs 900 g."
LEGAL_RISK = "We guarantee this jacket keeps you dry."


def _updates_of(slack: Harness, call: Call) -> list[Call]:
    """Every chat.update of the message that `call` posted."""
    channel, ts = call.response["channel"], call.response["ts"]
    return [
        c
        for c in slack.fake.calls_to("chat.update")
        if c.params.get("channel") == channel and c.params.get("ts") == ts
    ]


def submit(slack: Harness, text: str, user: str = SUBMITTER, **values: Any) -> dict[str, Any]:
    resp = slack.submit_modal(user, {ids.BLOCK_TEXT: text, **values})
    assert resp.status == 200 and resp.body == b"", resp
    slack.deliver()
    return slack.latest_draft(user)


def test_modal_submission_to_approval_told_in_thread_and_audited(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    assert draft["state"] == "in_review"

    # The submitter's receipt (a DM from the app) was filled with the findings at once.
    receipt = slack.dms(SUBMITTER)[0]
    updates = _updates_of(slack, receipt)
    assert updates, "receipt never updated with the findings"
    assert "cheap" in updates[-1].rendered() and "affordable" in updates[-1].rendered()

    # Each approver of the stage got one DM with the draft, its findings and four buttons.
    for approver in (BRAND1, BRAND2):
        (request,) = slack.review_requests(approver)
        shown = request.rendered()
        assert CLEAN_WITH_WARNING in shown
        assert "cheap" in shown and f"{len(CLEAN_WITH_WARNING)}/280 characters" in shown
        actions = {
            el["action_id"]
            for b in request.blocks
            if b["type"] == "actions"
            for el in b["elements"]
        }
        assert actions == set(ids.APPROVER_ACTIONS)

    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], draft["revision"])
    slack.deliver()
    assert slack.draft(draft["id"]).state == "approved"

    # The submitter hears it in the thread of the submission...
    thread = receipt_thread(slack)
    outcome = [c for c in thread if "Approved" in c.rendered()]
    assert outcome and f"<@{BRAND1}>" in outcome[0].rendered()
    # ...and every approver's message now says who decided, without buttons.
    for approver in (BRAND1, BRAND2):
        (request,) = slack.review_requests(approver)
        final = _updates_of(slack, request)[-1]
        assert "Approved" in final.rendered() and f"<@{BRAND1}>" in final.rendered()
        assert not any(b["type"] == "actions" for b in final.blocks)

    events = slack.audit_events(draft["id"])
    for event in ("submitted", "checked", "routed", "decided"):
        assert event in events, events


def receipt_thread(slack: Harness, user: str = SUBMITTER) -> list[Call]:
    """Replies in the thread of the submitter's receipt (the first DM to them)."""
    ts = slack.dms(user)[0].response["ts"]
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def test_reject_needs_a_reason_and_tells_the_submitter(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    resp = slack.decide_with_modal(
        BRAND2, ids.ACTION_REJECT, draft["id"], 1, {ids.BLOCK_REASON: "   "}
    )
    assert resp.json() == {
        "response_action": "errors",
        "errors": {ids.BLOCK_REASON: "This cannot be empty."},
    }
    resp = slack.decide_with_modal(
        BRAND2, ids.ACTION_REJECT, draft["id"], 1, {ids.BLOCK_REASON: "Off-brand tone."}
    )
    assert resp.status == 200 and resp.body == b""
    slack.deliver()
    assert slack.draft(draft["id"]).state == "rejected"
    told = [c.rendered() for c in receipt_thread(slack)]
    assert any("Rejected" in t and "Off-brand tone." in t for t in told), told


def test_changes_requested_then_revised_then_approved(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    slack.decide_with_modal(
        BRAND1, ids.ACTION_CHANGES, draft["id"], 1, {ids.BLOCK_COMMENT: "Drop the price talk."}
    )
    slack.deliver()
    assert slack.draft(draft["id"]).state == "changes_requested"
    told = [c for c in receipt_thread(slack) if "Changes requested" in c.rendered()]
    assert told and "Drop the price talk." in told[0].rendered()

    # The submitter revises from the Revise button in that thread.
    slack.click(SUBMITTER, ids.ACTION_REVISE, draft["id"], 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_REVISE)
    resp = slack.client.view_submission(
        user=SUBMITTER, view=view, values={ids.BLOCK_TEXT: "Our new tent weighs 900 g."}
    )
    assert resp.status == 200
    slack.deliver()
    revised = slack.draft(draft["id"])
    assert (revised.state, revised.revision) == ("in_review", 2)

    # Approvers see revision 2 with what changed, and approve it.
    request = slack.review_requests(BRAND2)[-1]
    assert "Changes since revision 1" in request.rendered()
    slack.click(BRAND2, ids.ACTION_APPROVE, draft["id"], 2)
    slack.deliver()
    assert slack.draft(draft["id"]).state == "approved"
    assert "revised" in slack.audit_events(draft["id"])


def test_edit_and_approve(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    resp = slack.decide_with_modal(
        BRAND1,
        ids.ACTION_EDIT,
        draft["id"],
        1,
        {ids.BLOCK_TEXT: "Our new tent is affordable and weighs 900 g."},
    )
    assert resp.status == 200
    slack.deliver()
    final = slack.draft(draft["id"])
    assert final.state == "approved"
    assert final.text == "Our new tent is affordable and weighs 900 g."
    told = [c.rendered() for c in receipt_thread(slack)]
    assert any("Edited &amp; approved" in t and "affordable" in t for t in told), told
    assert "edited" in slack.audit_events(draft["id"])


def test_blocked_draft_then_submit_anyway_with_reason(slack: Harness) -> None:
    draft = submit(slack, LEGAL_RISK)
    assert draft["state"] == "blocked"
    receipt = slack.dms(SUBMITTER)[0]
    findings = _updates_of(slack, receipt)[-1]
    buttons = {
        el["action_id"] for b in findings.blocks if b["type"] == "actions" for el in b["elements"]
    }
    assert buttons == {ids.ACTION_REVISE, ids.ACTION_OVERRIDE, ids.ACTION_WITHDRAW}
    assert slack.review_requests(LEGAL) == []

    slack.click(SUBMITTER, ids.ACTION_OVERRIDE, draft["id"], 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_OVERRIDE)
    empty = slack.client.view_submission(user=SUBMITTER, view=view, values={})
    assert empty.json()["response_action"] == "errors"
    resp = slack.client.view_submission(
        user=SUBMITTER,
        view=view,
        values={ids.BLOCK_REASON: "Legal approved this claim for the campaign."},
    )
    assert resp.status == 200 and resp.body == b""
    slack.deliver()
    assert slack.draft(draft["id"]).state == "in_review"
    (request,) = slack.review_requests(LEGAL)
    assert "Legal approved this claim" in request.rendered()
    assert "overridden" in slack.audit_events(draft["id"])


def test_unoverridable_block_offers_no_submit_anyway(slack: Harness) -> None:
    draft = submit(slack, "Write to jane.doe@example.com for a cheap deal.")
    assert draft["state"] == "blocked"
    findings = _updates_of(slack, slack.dms(SUBMITTER)[0])[-1]
    buttons = {
        el["action_id"] for b in findings.blocks if b["type"] == "actions" for el in b["elements"]
    }
    assert buttons == {ids.ACTION_REVISE, ids.ACTION_WITHDRAW}
    # A crafted click on "Submit anyway" is refused privately.
    slack.click(SUBMITTER, ids.ACTION_OVERRIDE, draft["id"], 1)
    slack.settle()
    assert "cannot be overridden" in slack.private_notes()[-1]
    assert slack.draft(draft["id"]).state == "blocked"


def test_two_stage_route_legal_then_brand(slack: Harness) -> None:
    draft = submit(slack, LEGAL_RISK)
    slack.click(SUBMITTER, ids.ACTION_OVERRIDE, draft["id"], 1)
    slack.settle()
    slack.client.view_submission(
        user=SUBMITTER,
        view=slack.opened_view(callback_id=ids.VIEW_OVERRIDE),
        values={ids.BLOCK_REASON: "Claim verified."},
    )
    slack.deliver()
    # Stage 1 is legal only: brand approvers are not asked yet.
    assert len(slack.review_requests(LEGAL)) == 1
    assert slack.review_requests(BRAND1) == []
    # A brand approver cannot jump the queue.
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.settle()
    assert "stage 2" in slack.private_notes()[-1]

    slack.click(LEGAL, ids.ACTION_APPROVE, draft["id"], 1)
    slack.deliver()
    assert slack.draft(draft["id"]).state == "in_review"
    (request,) = slack.review_requests(BRAND1)
    assert "stage 2" in request.rendered()
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.deliver()
    assert slack.draft(draft["id"]).state == "approved"


def test_non_approver_click_is_refused_privately_and_changes_nothing(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    for action in (ids.ACTION_APPROVE, ids.ACTION_REJECT, ids.ACTION_EDIT):
        before = len(slack.fake.calls_to("views.open"))
        slack.click(STRANGER, action, draft["id"], 1)
        slack.settle()
        assert "not an assigned approver" in slack.private_notes()[-1]
        assert len(slack.fake.calls_to("views.open")) == before
    slack.deliver()
    assert slack.draft(draft["id"]).state == "in_review"
    assert "decided" not in slack.audit_events(draft["id"])


def test_forged_view_submission_by_a_stranger_is_refused_inline(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    # The stranger replays an approver's reject modal under their own user id.
    slack.click(BRAND1, ids.ACTION_REJECT, draft["id"], 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_REJECT)
    resp = slack.client.view_submission(user=STRANGER, view=view, values={ids.BLOCK_REASON: "x"})
    assert resp.json()["response_action"] == "errors"
    assert "not an assigned approver" in resp.json()["errors"][ids.BLOCK_REASON]
    slack.deliver()
    assert slack.draft(draft["id"]).state == "in_review"


def test_self_approval_is_refused(slack: Harness) -> None:
    # BRAND1 may submit for acme; their own draft goes to BRAND2 only.
    draft = submit(slack, CLEAN_WITH_WARNING, user=BRAND1)
    assert slack.review_requests(BRAND1) == []
    assert len(slack.review_requests(BRAND2)) == 1
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.settle()
    assert "own draft" in slack.private_notes()[-1]
    assert slack.draft(draft["id"]).state == "in_review"


def test_late_click_is_told_who_decided(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.deliver()
    slack.click(BRAND2, ids.ACTION_REJECT, draft["id"], 1)
    slack.settle()
    note = slack.private_notes()[-1]
    assert "Already decided by" in note and f"<@{BRAND1}>" in note
    assert slack.draft(draft["id"]).state == "approved"


def test_retried_submission_creates_one_draft(slack: Harness) -> None:
    view = slack.open_draft_modal(OTHER_SUBMITTER)
    values = {ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x", ids.BLOCK_TEXT: "Hello trail."}
    first = slack.client.view_submission(user=OTHER_SUBMITTER, view=view, values=values)
    retry = slack.client.view_submission(
        user=OTHER_SUBMITTER,
        view=view,
        values=values,
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == retry.status == 200
    slack.deliver()
    rows = slack.runtime.backend.service.list(submitter=OTHER_SUBMITTER)
    assert len(rows) == 1
    assert len(slack.review_requests(BRAND1)) == 1


def test_draft_cannot_ping_channel_or_mention_anyone(slack: Harness) -> None:
    text = "Big news <!channel> <!here> <@U123> <!subteam^S0TEAM> @everyone & more"
    draft = submit(slack, text)
    (request,) = slack.review_requests(BRAND1)
    # Everything Slack would parse (the notification text and all mrkdwn) is escaped...
    mrkdwn = [request.text] + [
        t["text"] for b in request.blocks for t in _mrkdwn_objects(b) if t.get("type") == "mrkdwn"
    ]
    for fragment in mrkdwn:
        for forbidden in ("<!channel>", "<!here>", "<@U123>", "<!subteam"):
            assert forbidden not in fragment
    # ...and the draft itself is shown verbatim only as literal rich text.
    literal = "".join(
        el["text"]
        for b in request.blocks
        if b["type"] == "rich_text"
        for sec in b["elements"]
        for el in sec["elements"]
        if el["type"] == "text"
    )
    assert text in literal
    assert not any(
        el["type"] in ("user", "broadcast", "usergroup", "channel")
        for b in request.blocks
        if b["type"] == "rich_text"
        for sec in b["elements"]
        for el in sec["elements"]
    )
    assert slack.draft(draft["id"]).text == text


def _mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
            found.append(node)
        for value in node.values():
            found.extend(_mrkdwn_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_mrkdwn_objects(value))
    return found


def test_retry_after_a_restart_maps_to_the_same_draft(
    slack: Harness, fake_slack: FakeSlack, db_url: str, guidelines_dir: Path
) -> None:
    """The database, not process memory, guarantees one draft per Slack submission."""
    view = slack.open_draft_modal(OTHER_SUBMITTER)
    values = {ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x", ids.BLOCK_TEXT: "Hello trail."}
    slack.client.view_submission(user=OTHER_SUBMITTER, view=view, values=values)
    slack.deliver()
    restarted = Harness(fake_slack, db_url, guidelines_dir)  # a new process, same database
    try:
        restarted.client.view_submission(
            user=OTHER_SUBMITTER, view=view, values=values, headers={"X-Slack-Retry-Num": "2"}
        )
        restarted.deliver()
    finally:
        restarted.close()
    assert len(slack.runtime.backend.service.list(submitter=OTHER_SUBMITTER)) == 1
    # The retry's placeholder receipt was removed again.
    second_receipt = slack.dms(OTHER_SUBMITTER)[1]
    deleted = slack.fake.calls_to("chat.delete")
    assert [c.params["ts"] for c in deleted] == [second_receipt.response["ts"]]


def test_two_approvers_at_once_exactly_one_wins(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    barrier = threading.Barrier(2)

    def click(user: str, action: str) -> None:
        barrier.wait()
        slack.click(user, action, draft["id"], 1)

    threads = [
        threading.Thread(target=click, args=(BRAND1, ids.ACTION_APPROVE)),
        threading.Thread(target=click, args=(BRAND2, ids.ACTION_APPROVE)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    slack.deliver()
    final = slack.draft(draft["id"])
    assert final.state == "approved"
    decisions = [d for s in final.route for d in s.decisions]
    assert len(decisions) == 1
    winner = decisions[0]["actor"]
    loser = BRAND2 if winner == BRAND1 else BRAND1
    notes = slack.private_notes()
    assert any("Already decided by" in n and f"<@{winner}>" in n for n in notes), notes
    assert slack.audit_events(draft["id"]).count("decided") == 1
    # both approvers' messages end up showing the winner
    for approver in (winner, loser):
        (request,) = slack.review_requests(approver)
        assert f"<@{winner}>" in _updates_of(slack, request)[-1].rendered()


def test_an_edit_that_is_still_blocked_is_refused_inline(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    resp = slack.decide_with_modal(
        BRAND1, ids.ACTION_EDIT, draft["id"], 1, {ids.BLOCK_TEXT: "We guarantee a dry night."}
    )
    body = resp.json()
    assert body["response_action"] == "errors"
    assert "Avoid absolute promises" in body["errors"][ids.BLOCK_TEXT]
    slack.deliver()
    assert slack.draft(draft["id"]).state == "in_review"
