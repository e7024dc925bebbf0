"""Retried and repeated Slack deliveries after a restart, Withdraw, and /brandcheck with history."""

from __future__ import annotations

from pathlib import Path

from bot.slack import ids
from tests.slack.brands import ACME, BRAND1, BRAND2, STRANGER, SUBMITTER, write_brands
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.harness import Harness

TEXT = "Our new tent is cheap and weighs 900 g."
REVISED = "Our new tent is affordable and weighs 900 g."
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def _submit(slack: Harness, text: str = TEXT) -> int:
    resp = slack.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: text})
    assert resp.status == 200
    slack.deliver()
    return int(slack.latest_draft(SUBMITTER)["id"])


def _updates_of(slack: Harness, call: Call) -> list[Call]:
    channel, ts = call.response["channel"], call.response["ts"]
    return [
        c
        for c in slack.fake.calls_to("chat.update")
        if c.params.get("channel") == channel and c.params.get("ts") == ts
    ]


def _buttons(call: Call) -> set[str]:
    return {
        el["action_id"]
        for b in call.blocks
        if b["type"] == "actions"
        for el in b.get("elements", [])
    }


def test_retried_revision_after_a_restart_makes_one_revision(
    slack: Harness, fake_slack: FakeSlack, db_url: str, guidelines_dir: Path
) -> None:
    draft = _submit(slack)
    slack.decide_with_modal(BRAND1, ids.ACTION_CHANGES, draft, 1, {ids.BLOCK_COMMENT: "Price?"})
    slack.deliver()
    slack.click(SUBMITTER, ids.ACTION_REVISE, draft, 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_REVISE)
    values = {ids.BLOCK_TEXT: REVISED}
    assert slack.client.view_submission(user=SUBMITTER, view=view, values=values).status == 200
    slack.deliver()
    assert slack.draft(draft).revision == 2
    requests_before = len(slack.review_requests(BRAND2))

    restarted = Harness(fake_slack, db_url, guidelines_dir)  # nothing in memory survives
    try:
        resp = restarted.client.view_submission(
            user=SUBMITTER, view=view, values=values, headers=RETRY
        )
        assert resp.status == 200
        restarted.deliver()
    finally:
        restarted.close()

    final = slack.draft(draft)
    assert (final.revision, final.text, final.state) == (2, REVISED, "in_review")
    assert slack.audit_events(draft).count("revised") == 1
    assert len(slack.review_requests(BRAND2)) == requests_before  # nobody asked twice
    assert not any(":no_entry_sign:" in n for n in slack.private_notes())


def test_double_click_on_approve_records_one_decision_quietly(slack: Harness) -> None:
    draft = _submit(slack)
    slack.click(BRAND1, ids.ACTION_APPROVE, draft, 1)
    slack.click(BRAND1, ids.ACTION_APPROVE, draft, 1)  # a new action_ts, same button
    slack.client.action(
        user=BRAND1,
        action_id=ids.ACTION_APPROVE,
        value=ids.button_value(str(draft), 1),
        headers=RETRY,
    )
    slack.deliver()
    final = slack.draft(draft)
    assert final.state == "approved"
    assert [d["actor"] for s in final.route for d in s.decisions] == [BRAND1]
    assert slack.audit_events(draft).count("decided") == 1
    assert slack.private_notes() == []  # the repeats were replays, not refusals


def test_withdraw_from_the_receipt_updates_the_approvers(slack: Harness) -> None:
    draft = _submit(slack)
    receipt = _updates_of(slack, slack.dms(SUBMITTER)[0])[-1]
    assert ids.ACTION_WITHDRAW in _buttons(receipt)

    # Only the submitter may withdraw: an approver's crafted click is refused privately.
    slack.click(BRAND1, ids.ACTION_WITHDRAW, draft, 1)
    slack.deliver()
    assert "only the submitter" in slack.private_notes()[-1]
    assert slack.draft(draft).state == "in_review"
    for approver in (BRAND1, BRAND2):
        (request,) = slack.review_requests(approver)
        assert _updates_of(slack, request) == []

    slack.click(SUBMITTER, ids.ACTION_WITHDRAW, draft, 1)
    slack.deliver()
    assert slack.draft(draft).state == "withdrawn"
    assert "withdrawn" in slack.private_notes()[-1]
    assert slack.audit_events(draft).count("withdrawn") == 1
    for approver in (BRAND1, BRAND2):
        (request,) = slack.review_requests(approver)
        final = _updates_of(slack, request)[-1]
        assert "Withdrawn" in final.rendered() and f"<@{SUBMITTER}>" in final.rendered()
        assert _buttons(final) == set()

    # A second click (or a stranger's) changes nothing and says why, privately.
    slack.click(SUBMITTER, ids.ACTION_WITHDRAW, draft, 1)
    slack.click(STRANGER, ids.ACTION_WITHDRAW, draft, 1)
    slack.deliver()
    notes = slack.private_notes()
    assert "cannot be withdrawn" in notes[-2] or "cannot be withdrawn" in notes[-1]
    assert any("only the submitter" in n for n in notes[-2:])
    assert slack.audit_events(draft).count("withdrawn") == 1


def test_changes_requested_outcome_offers_withdraw(slack: Harness) -> None:
    draft = _submit(slack)
    slack.decide_with_modal(BRAND2, ids.ACTION_CHANGES, draft, 1, {ids.BLOCK_COMMENT: "Shorter"})
    slack.deliver()
    told = [c for c in slack.fake.calls_to("chat.postMessage") if "Changes requested" in c.text]
    assert told and _buttons(told[-1]) == {ids.ACTION_REVISE, ids.ACTION_WITHDRAW}
    slack.click(SUBMITTER, ids.ACTION_WITHDRAW, draft, 1)
    slack.deliver()
    assert slack.draft(draft).state == "withdrawn"


ECHO = ACME.replace("brand: Acme Outdoor", "brand: Echo Outdoor").replace(
    "rules:\n",
    "rules:\n  - id: no-repeats\n    type: duplicate\n    level: warning\n",
    1,
)
REPEAT = "Thanks for reaching out, our team will check your order and reply within two days."


def test_brandcheck_reports_a_near_duplicate_naming_the_draft(
    fake_slack: FakeSlack, sqlite_url: str, tmp_path: Path
) -> None:
    brands = write_brands(tmp_path / "echo-brands")
    (brands / "echo.yml").write_text(ECHO, encoding="utf-8")
    slack = Harness(fake_slack, sqlite_url, brands)
    try:
        resp = slack.submit_modal(SUBMITTER, {ids.BLOCK_BRAND: "echo", ids.BLOCK_TEXT: REPEAT})
        assert resp.status == 200
        slack.deliver()
        earlier = slack.latest_draft(SUBMITTER)["id"]
        slack.client.command(ids.CMD_BRANDCHECK, f"echo x {REPEAT}", user=SUBMITTER)
        slack.settle()
        (answer,) = [c for c in fake_slack.calls if c.method.startswith("/respond/")]
        shown = answer.rendered()
        assert "no-repeats" in shown and "Near-duplicate" in shown
        assert f"draft #{earlier}" in shown
        assert len(slack.runtime.backend.service.list()) == 1  # the check submitted nothing
    finally:
        slack.close()
