"""Reminders and expiry through the real app over HTTP (issue 12's Slack tests): a draft
submitted with `/draft`, the timers run as of later moments, the dispatcher delivers to the
fake Web API, and the DMs name the draft, how long it waited and the deadline; each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.slack import ids
from bot.workflow import run_timers
from tests.slack.brands import BRAND1, BRAND2, LEGAL, SUBMITTER
from tests.slack.harness import Harness

H = timedelta(hours=1)

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
  default: 3h
  reminders: 2
  escalate_to: [backup]
submitters: ["*"]
"""


def _texts(slack: Harness, user: str, marker: str) -> list[str]:
    return [c.rendered() for c in slack.dms(user) if marker in c.rendered()]


def _timed(slack: Harness) -> None:
    (slack.settings.guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")


def test_reminders_reach_each_undecided_approver_once(slack: Harness) -> None:
    _timed(slack)
    start = datetime.now(UTC)
    slack.client.command(ids.CMD_DRAFT, "timed x Dry on every trail.", user=SUBMITTER)
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)["id"]
    assert len(slack.review_requests(BRAND1)) == 1
    service = slack.runtime.backend.service

    # 3 h, two reminders: after 1 h and 2 h. As of 1 h 30 m the first one is due.
    assert run_timers(service, start + 1.5 * H)["reminded"] == 1
    assert run_timers(service, start + 1.5 * H)["reminded"] == 0  # a second runner: nothing
    slack.clock.advance(1.5 * 3600)
    slack.deliver()
    for approver in (BRAND1, BRAND2):
        [reminder] = _texts(slack, approver, "Reminder 1")
        assert f"draft {draft}" in reminder and "Timed Outdoor" in reminder
        assert "waiting 1h" in reminder  # how long it has waited
        deadline = (start + 3 * H).strftime("%Y-%m-%d")
        assert f"your decision is needed by {deadline}" in reminder and "UTC" in reminder
        assert "Dry on every trail." in reminder
    assert _texts(slack, SUBMITTER, "Reminder") == []
    assert _texts(slack, LEGAL, "Reminder") == []  # not (yet) an approver of the stage

    # As of 2 h 30 m the second reminder is due; the first is never sent again.
    assert run_timers(service, start + 2.5 * H)["reminded"] == 1
    slack.clock.advance(3600)
    slack.deliver()
    for approver in (BRAND1, BRAND2):
        assert len(_texts(slack, approver, "Reminder 2")) == 1
        assert len(_texts(slack, approver, "Reminder 1")) == 1  # never sent twice
    assert slack.audit_events(draft).count("reminded") == 2
    slack.assert_slack_accepted_everything()


def test_expiry_tells_the_submitter_and_the_approvers(slack: Harness) -> None:
    _timed(slack)
    start = datetime.now(UTC)
    service = slack.runtime.backend.service
    view = service.submit(
        submitter=SUBMITTER,
        brand="timed",
        platform="x",
        text="Dry on every trail, all winter.",
        publish_at=start + 2 * H,
    )
    slack.deliver()
    assert len(slack.review_requests(BRAND1)) == 1
    counts = run_timers(service, start + 2 * H)
    assert counts["expired"] == 1
    slack.clock.advance(2 * 3600)
    slack.deliver()
    planned = (start + 2 * H).strftime("%Y-%m-%d %H:%M UTC")
    for person in (SUBMITTER, BRAND1, BRAND2):
        [told] = _texts(slack, person, "Expired undecided")
        assert planned in told and f"draft {view.id}" in told
        assert "a revision with a new publish time sends it back to review" in told
    assert service.get(view.id).state == "expired"
    assert run_timers(service, start + 3 * H)["expired"] == 0
    slack.clock.advance(3600)
    slack.deliver()
    assert len(_texts(slack, BRAND1, "Expired undecided")) == 1
    slack.assert_slack_accepted_everything()
