"""`/brandgate pause | resume | away` through the real app over HTTP (signed requests, the
fake Web API): ephemeral answers, clear refusals, everyone concerned told through the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.slack import ids
from bot.workflow import run_timers
from tests.slack.brands import BRAND1, BRAND2, LEGAL, STRANGER, SUBMITTER
from tests.slack.harness import Harness

CLEAN = "acme x Our new jacket keeps you dry on every trail."


def _later(days: int = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def _run(slack: Harness, text: str, user: str) -> str:
    """The sub-command's private answer (acked empty, answered through response_url)."""
    before = len(slack.private_notes())
    resp = slack.client.command(ids.CMD_BRANDGATE, text, user=user)
    assert resp.status == 200
    slack.settle()
    notes = slack.private_notes()
    assert len(notes) == before + 1, notes
    return notes[-1]


def test_help_names_pause_resume_and_away(slack_sqlite: Harness) -> None:
    text = slack_sqlite.client.command(ids.CMD_BRANDGATE, "help", user=SUBMITTER).json()["text"]
    for usage in ("pause BRAND REASON", "resume BRAND", "away until DATE [@delegate] [reason]"):
        assert f"`/brandgate {usage}" in text


def test_pause_and_resume_tell_everyone_concerned(slack: Harness) -> None:
    answer = _run(slack, "pause acme Product recall: hold every post.", BRAND1)
    assert "is paused" in answer
    slack.deliver()
    for person in (BRAND1, BRAND2, LEGAL):
        assert any("paused by" in c.rendered() for c in slack.dms(person)), person
    assert "already paused" in _run(slack, "pause acme again", BRAND2)
    assert "resumed" in _run(slack, "resume acme", BRAND2)
    slack.deliver()
    assert any("resumed by" in c.rendered() for c in slack.dms(BRAND1))


def test_pause_refusals_are_clear(slack_sqlite: Harness) -> None:
    assert "only an approver of brand acme" in _run(slack_sqlite, "pause acme because", STRANGER)
    assert "Usage: `/brandgate pause BRAND REASON`" in _run(slack_sqlite, "pause acme", BRAND1)
    assert "unknown brand 'nope'" in _run(slack_sqlite, "pause nope crisis", BRAND1)
    assert "is not paused" in _run(slack_sqlite, "resume acme", BRAND1)
    assert slack_sqlite.fake.messages_to(BRAND2) == []


def test_away_hands_open_reviews_to_the_delegate(slack: Harness) -> None:
    slack.client.command(ids.CMD_DRAFT, CLEAN, user=SUBMITTER)
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)["id"]
    until = _later()
    answer = _run(slack, f"away until {until} <@{LEGAL}|legal> holiday", BRAND1)
    assert f"away until {until} 00:00 UTC" in answer and f"<@{LEGAL}>" in answer
    slack.deliver()
    assert len(slack.review_requests(LEGAL)) == 1
    assert "delegated" in slack.audit_events(draft)
    listed = _run(slack, "away list", BRAND2)
    assert f"<@{BRAND1}> until {until}" in listed and "holiday" in listed
    assert "Welcome back" in _run(slack, "away clear", BRAND1)
    assert "Nobody is away" in _run(slack, "away list", BRAND1)


def test_away_refusals_are_clear(slack_sqlite: Harness) -> None:
    until = _later()
    assert "Usage: `/brandgate away" in _run(slack_sqlite, "away tomorrow", BRAND1)
    assert "Cannot tell who `@" in _run(slack_sqlite, f"away until {until} @bob", BRAND1)
    assert "neither a date" in _run(slack_sqlite, "away until soon", BRAND1)
    refused = _run(slack_sqlite, f"away until {until} <@USOLO1>", BRAND1)
    assert "not an approver of brand acme" in refused
    assert "is not away" in _run(slack_sqlite, "away clear", BRAND1)
    assert json.dumps(slack_sqlite.runtime.backend.away_list()) == "[]"


TIMED = """\
brand: Timed Outdoor
language: en
rules: []
approvers:
  brand: [UBRAND1, UBRAND2]
  backup: [ULEGAL1]
routing:
  default: [brand]
sla:
  default: 4h
  reminders: 0
  escalate_to: [backup]
submitters: ["*"]
"""


def _updates(slack: Harness, user: str) -> list[str]:
    """What each chat.update of `user`'s DMs made their message say."""
    channels = {c.response.get("channel") for c in slack.dms(user)}
    return [
        c.rendered() for c in slack.fake.calls_to("chat.update") if c.params["channel"] in channels
    ]


def test_overdue_shows_on_the_approvers_original_message(slack: Harness) -> None:
    (slack.settings.guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")
    slack.client.command(ids.CMD_DRAFT, "timed x Dry on every trail.", user=SUBMITTER)
    slack.deliver()
    assert len(slack.review_requests(BRAND1)) == 1
    later = datetime.now(UTC) + timedelta(hours=5)
    counts = run_timers(slack.runtime.backend.service, later)
    assert counts["escalated"] == 1
    slack.clock.advance(5 * 3600)  # the rows were queued at `later`
    slack.deliver()
    for approver in (BRAND1, BRAND2):
        updated = _updates(slack, approver)
        assert len(updated) == 1 and "Overdue" in updated[0], approver
        assert "Approve" in updated[0]  # still decidable from the same message
    # the member who joined gets the request itself, with its buttons
    assert len(slack.review_requests(LEGAL)) == 1


def test_pause_shows_on_open_review_requests_while_it_lasts(slack: Harness) -> None:
    slack.client.command(ids.CMD_DRAFT, CLEAN, user=SUBMITTER)
    slack.deliver()
    _run(slack, "pause acme Product recall", BRAND2)
    slack.deliver()
    [paused] = _updates(slack, BRAND1)
    assert "Paused" in paused and "Product recall" in paused
    _run(slack, "resume acme", BRAND2)
    slack.deliver()
    resumed = _updates(slack, BRAND1)[-1]
    assert "Paused" not in resumed and "needs your review" in resumed


def test_reminder_dm_then_resume_restores_overdue(slack: Harness) -> None:
    """A reminder DM names the draft, the wait and the deadline; an overdue request that the
    pause marked "paused" says "Overdue" again once the brand resumes."""
    (slack.settings.guidelines_dir / "timed.yml").write_text(
        TIMED.replace("reminders: 0", "reminders: 1"), encoding="utf-8"
    )
    slack.client.command(ids.CMD_DRAFT, "timed x Dry on every trail.", user=SUBMITTER)
    slack.deliver()
    service = slack.runtime.backend.service
    assert run_timers(service, datetime.now(UTC) + timedelta(hours=2, minutes=1))["reminded"] == 1
    slack.clock.advance(2 * 3600 + 60)
    slack.deliver()
    reminder = next(c.rendered() for c in slack.dms(BRAND1) if "Reminder 1" in c.rendered())
    assert "your decision is needed by" in reminder and "waiting 2h 01m" in reminder
    assert "Dry on every trail." in reminder
    assert run_timers(service, datetime.now(UTC) + timedelta(hours=5))["escalated"] == 1
    slack.clock.advance(3 * 3600)
    slack.deliver()
    assert "Overdue" in _updates(slack, BRAND1)[-1]
    _run(slack, "pause timed Product recall", BRAND2)
    slack.deliver()
    assert "Paused" in _updates(slack, BRAND1)[-1]
    _run(slack, "resume timed", BRAND2)
    slack.deliver()
    for approver in (BRAND1, BRAND2, LEGAL):
        restored = _updates(slack, approver)[-1]
        assert "Overdue" in restored and "Paused" not in restored, approver
        assert "Approve" in restored
