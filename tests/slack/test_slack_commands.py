"""Slash commands, the message shortcut, modal validation, App Home and ignored bot events."""

from __future__ import annotations

import json
import logging

import pytest

from bot.slack import ids
from tests.slack.brands import AUDITOR, BRAND1, SUBMITTER
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, Harness


def test_direct_draft_command_submits_a_post(slack: Harness) -> None:
    resp = slack.client.command(
        ids.CMD_DRAFT, "acme x Hello trail friends &amp; co, new tents are in.", user=SUBMITTER
    )
    assert resp.status == 200
    assert resp.json() == {
        "response_type": "ephemeral",
        "text": ":hourglass_flowing_sand: Submitting your draft…",
    }
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    assert (draft["brand"], draft["platform"], draft["kind"]) == ("acme", "x", "post")
    assert draft["text"] == "Hello trail friends & co, new tents are in."
    assert len(slack.review_requests(BRAND1)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nope x Hello", "You cannot submit for brand `nope`. Your brands: `acme`, `solo`."),
        ("acme myspace Hello", "Unknown platform `myspace`."),
        ("acme x", "Usage: `/draft`"),
    ],
)
def test_direct_draft_command_refuses_bad_input_in_the_ack(
    slack_sqlite: Harness, text: str, expected: str
) -> None:
    resp = slack_sqlite.client.command(ids.CMD_DRAFT, text, user=SUBMITTER)
    assert resp.status == 200 and expected in resp.json()["text"]
    slack_sqlite.deliver()
    assert slack_sqlite.runtime.backend.service.list() == []


def test_brandcheck_answers_privately_and_submits_nothing(slack_sqlite: Harness) -> None:
    resp = slack_sqlite.client.command(
        ids.CMD_BRANDCHECK, "acme x We guarantee dry feet.", user=SUBMITTER
    )
    assert resp.status == 200
    slack_sqlite.settle()
    (answer,) = [c for c in slack_sqlite.fake.calls if c.method.startswith("/respond/")]
    assert answer.params["response_type"] == "ephemeral"
    shown = answer.rendered()
    assert "no-guarantees" in shown and "nothing was submitted" in shown and "Blocked" in shown
    assert "We guarantee dry feet." in shown
    assert slack_sqlite.runtime.backend.service.list() == []
    assert slack_sqlite.outbox() == []


def test_brandcheck_without_brand_checks_every_brand_of_the_user(slack_sqlite: Harness) -> None:
    slack_sqlite.client.command(ids.CMD_BRANDCHECK, "Cheap tents!", user=SUBMITTER)
    slack_sqlite.settle()
    answers = [c.rendered() for c in slack_sqlite.fake.calls if c.method.startswith("/respond/")]
    assert len(answers) == 2
    assert "Acme Outdoor" in answers[0] and "cheap" in answers[0]
    assert "Solo Studio" in answers[1]


def test_modal_errors_are_inline_and_nothing_is_submitted(slack_sqlite: Harness) -> None:
    view = slack_sqlite.open_draft_modal(SUBMITTER)
    resp = slack_sqlite.client.view_submission(
        user=SUBMITTER, view=view, values={ids.BLOCK_BRAND: "acme", ids.BLOCK_KIND: "reply"}
    )
    assert resp.json() == {
        "response_action": "errors",
        "errors": {
            ids.BLOCK_PLATFORM: "Choose a platform.",
            ids.BLOCK_TEXT: "Write the draft.",
            ids.BLOCK_CONTEXT: "Paste the message this reply answers: replies are checked "
            "against it.",
        },
    }
    slack_sqlite.deliver()
    assert slack_sqlite.runtime.backend.service.list() == []
    assert slack_sqlite.dms(SUBMITTER) == []


def test_modal_refuses_a_brand_the_user_may_not_submit_for(slack_sqlite: Harness) -> None:
    view = slack_sqlite.open_draft_modal("UNOBODY")
    resp = slack_sqlite.client.view_submission(
        user="UNOBODY",
        view=view,
        values={ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x", ids.BLOCK_TEXT: "Hi"},
    )
    # "acme" is not among the options offered to this user; a crafted payload still fails.
    assert resp.json()["response_action"] == "errors"
    slack_sqlite.deliver()
    assert slack_sqlite.runtime.backend.service.list() == []


def test_message_shortcut_submits_the_message_and_answers_in_its_thread(slack: Harness) -> None:
    message = {
        "type": "message",
        "user": "UCUSTOMER",
        "ts": "1700000000.000042",
        "text": "Rain &amp; wind &lt;3 our gear",
    }
    resp = slack.client.message_shortcut(
        user=SUBMITTER,
        callback_id=ids.SHORTCUT_SUBMIT_MESSAGE,
        channel="C0SOCIAL",
        message=message,
    )
    assert resp.status == 200
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_SUBMIT)
    text_block = next(b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TEXT)
    assert text_block["element"]["initial_value"] == "Rain & wind <3 our gear"

    slack.client.view_submission(
        user=SUBMITTER,
        view=view,
        values={ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "instagram"},
    )
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    assert draft["text"] == "Rain & wind <3 our gear"
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.deliver()
    in_thread = [
        c.rendered()
        for c in slack.fake.calls_to("chat.postMessage")
        if c.params.get("channel") == "C0SOCIAL" and c.params.get("thread_ts") == message["ts"]
    ]
    assert any("Checking your draft" in t for t in in_thread)
    assert any("Approved" in t for t in in_thread), in_thread


def _home(slack: Harness, user: str) -> str:
    before = len(slack.fake.calls_to("views.publish"))
    resp = slack.client.event(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    )
    assert resp.status == 200
    slack.settle()
    calls = slack.fake.calls_to("views.publish")
    assert len(calls) == before + 1
    assert calls[-1].params["user_id"] == user
    return calls[-1].rendered()


def test_app_home_for_submitter_approver_and_auditor(slack: Harness) -> None:
    slack.client.command(ids.CMD_DRAFT, "acme x Fresh trail tents.", user=SUBMITTER)
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)

    submitter_home = _home(slack, SUBMITTER)
    assert "Your drafts" in submitter_home and f"Draft #{draft['id']}" in submitter_home
    assert "in review" in submitter_home and "Latest decisions" not in submitter_home

    approver_home = _home(slack, BRAND1)
    assert "Waiting for your decision (1)" in approver_home

    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.deliver()
    auditor_home = _home(slack, AUDITOR)
    assert "Latest decisions" in auditor_home and f"<@{BRAND1}>" in auditor_home
    assert "Audit log: OK" in auditor_home


def test_events_from_bots_are_ignored(slack_sqlite: Harness) -> None:
    resp = slack_sqlite.client.event(
        {"type": "app_home_opened", "user": SUBMITTER, "tab": "home", "bot_id": "B0OTHER"}
    )
    assert resp.status == 200
    slack_sqlite.settle()
    assert slack_sqlite.fake.calls_to("views.publish") == []


def test_tokens_and_secrets_never_reach_the_logs(
    slack_sqlite: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slack_sqlite.client.command(ids.CMD_DRAFT, "acme x Hello trail.", user=SUBMITTER)
    slack_sqlite.deliver()
    logging.getLogger("brandgate.slack").warning("oops %s", BOT_TOKEN)
    assert caplog.records
    text = caplog.text + json.dumps([r.getMessage() for r in caplog.records])
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text
    assert "xoxb-[redacted]" in text


@pytest.mark.parametrize("text", ["", "help", "frobnicate now"])
def test_brandgate_help_lists_the_subcommands_in_the_ack(slack_sqlite: Harness, text: str) -> None:
    resp = slack_sqlite.client.command(ids.CMD_BRANDGATE, text, user=SUBMITTER)
    assert resp.status == 200
    body = resp.json()
    assert body["response_type"] == "ephemeral"
    assert "`/brandgate help`" in body["text"] and "/draft" in body["text"]
    assert ("Unknown sub-command `frobnicate`" in body["text"]) == (text == "frobnicate now")
    slack_sqlite.settle()
    assert slack_sqlite.outbox() == []
