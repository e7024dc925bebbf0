"""Many workspaces, the rest of it (issue 11): App Home shows a user only their own team's drafts,
brands, reviews, decisions and pauses; `app_uninstalled` and `tokens_revoked` delete the team's
installation and stop delivering there (its queued messages become dead letters, with the
reason); installing again and `brandgate outbox retry` deliver them. All through the real app over
HTTP with signed requests, against the fake Slack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.slack import ids
from bot.slack.oauth import UNINSTALLED
from bot.workflow import run_timers
from models import slack_bots, slack_installations
from tests.slack.brands import AUDITOR, BRAND1, LEGAL, SUBMITTER, write_brands
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness
from tests.slack.test_slack_brandgate_time import TIMED
from tests.slack.test_slack_oauth import NORTH, TEAM_A, TEAM_B, install

# A brand of team B only, audited by the auditor of acme (which is offered everywhere).
SOUTH = f"""\
brand: South Coast
language: en
version: "slack-test"
workspace: {TEAM_B}
rules: []
approvers:
  brand: [{BRAND1}]
routing:
  default: [brand]
submitters: ["*"]
auditors: [{AUDITOR}]
"""


@pytest.fixture
def multi(fake_slack: FakeSlack, db_url: str, tmp_path: Path) -> Iterator[Harness]:
    brands = write_brands(tmp_path / "brands")
    (brands / "north.yml").write_text(NORTH, encoding="utf-8")
    (brands / "south.yml").write_text(SOUTH, encoding="utf-8")
    harness = Harness(fake_slack, db_url, brands, oauth=True)
    yield harness
    harness.close()


def home_text(h: Harness, user: str, team: str) -> str:
    """Open `user`'s Home tab in `team`: the text of the view the app published for them."""
    before = len(h.fake.calls_to("views.publish"))
    resp = h.client.event(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}, team=team
    )
    assert resp.status == 200, resp
    h.settle()
    calls = h.fake.calls_to("views.publish")
    assert len(calls) == before + 1, "no Home published"
    call = calls[-1]
    assert call.params["user_id"] == user and call.team == team  # with that team's token
    view = call.params["view"]
    return json.dumps(json.loads(view) if isinstance(view, str) else view)


def submit(h: Harness, team: str, text: str, user: str = SUBMITTER) -> None:
    resp = h.client.command(ids.CMD_DRAFT, text, user=user, team=team)
    assert resp.status == 200, resp


def test_app_home_shows_only_what_belongs_to_the_team_it_is_opened_in(multi: Harness) -> None:
    install(multi, TEAM_A)
    install(multi, TEAM_B)
    submit(multi, TEAM_A, "acme x Alpha from team A")
    submit(multi, TEAM_B, "acme x Bravo from team B")
    submit(multi, TEAM_A, "north x Northern light")
    submit(multi, TEAM_B, "south x Southern sun")
    multi.deliver()
    drafts = {d["text"].split()[0]: d["id"] for d in multi.runtime.backend.service.list(limit=9)}

    # the submitter's drafts, per team: acme's of that team, and the brand living there
    a, b = home_text(multi, SUBMITTER, TEAM_A), home_text(multi, SUBMITTER, TEAM_B)
    assert f"#{drafts['Alpha']}" in a and f"#{drafts['Northern']}" in a
    assert f"#{drafts['Bravo']}" not in a and f"#{drafts['Southern']}" not in a
    assert f"#{drafts['Bravo']}" in b and f"#{drafts['Southern']}" in b
    assert f"#{drafts['Alpha']}" not in b and f"#{drafts['Northern']}" not in b

    # the approver's queue, per team
    a, b = home_text(multi, BRAND1, TEAM_A), home_text(multi, BRAND1, TEAM_B)
    assert "Waiting for your decision (2)" in a and "Waiting for your decision (2)" in b
    assert f"#{drafts['Alpha']}" in a and f"#{drafts['Bravo']}" not in a
    assert f"#{drafts['Southern']}" in b and f"#{drafts['Northern']}" not in b

    # decisions seen by the auditor: team B's only, and south only in team B
    for word, team in (("Alpha", TEAM_A), ("Bravo", TEAM_B), ("Southern", TEAM_B)):
        multi.client.action(
            user=BRAND1,
            action_id=ids.ACTION_APPROVE,
            value=ids.button_value(str(drafts[word]), 1),
            team=team,
        )
    multi.deliver()
    a, b = home_text(multi, AUDITOR, TEAM_A), home_text(multi, AUDITOR, TEAM_B)
    assert f"#{drafts['Alpha']} r1" in a and f"#{drafts['Bravo']} r1" not in a
    assert "south" not in a
    assert f"#{drafts['Bravo']} r1" in b and f"#{drafts['Southern']} r1" in b
    assert f"#{drafts['Alpha']} r1" not in b

    # time: a pause of team A's brand is a banner in team A only
    multi.runtime.backend.pause("north", actor=BRAND1, reason="storm")
    multi.deliver()
    assert "north is paused" in home_text(multi, BRAND1, TEAM_A)
    assert "north is paused" not in home_text(multi, BRAND1, TEAM_B)


def test_a_brand_of_another_workspace_is_neither_paused_nor_resumed_from_here(
    multi: Harness,
) -> None:
    install(multi, TEAM_A)
    install(multi, TEAM_B)

    def run(text: str, team: str) -> str:
        before = len(multi.private_notes())
        resp = multi.client.command(ids.CMD_BRANDGATE, text, user=BRAND1, team=team)
        assert resp.status == 200, resp
        multi.settle()
        notes = multi.private_notes()
        assert len(notes) == before + 1, notes
        return notes[-1]

    # BRAND1 approves north, but north lives in team A: the same id in team B is someone else
    assert "not offered in this Slack workspace" in run("pause north storm", TEAM_B)
    assert not multi.runtime.backend.service.pauses()
    assert "is paused" in run("pause north storm", TEAM_A)
    assert "not offered in this Slack workspace" in run("resume north", TEAM_B)
    assert [p["brand"] for p in multi.runtime.backend.service.pauses()] == ["north"]
    assert "resumed" in run("resume north", TEAM_A)


def test_what_the_timers_queue_goes_out_in_the_draft_s_team(multi: Harness) -> None:
    """Jobs know their team: an escalation (queued in bulk by the timers, not by a request from
    Slack) is delivered with the token of the team the draft was submitted in."""
    (multi.settings.guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")
    install(multi, TEAM_A)
    install(multi, TEAM_B)
    submit(multi, TEAM_B, "timed x Dry on every trail.")
    multi.deliver()
    later = datetime.now(UTC) + timedelta(hours=5)
    assert run_timers(multi.runtime.backend.service, later)["escalated"] == 1
    multi.clock.advance(5 * 3600)
    multi.deliver()
    assert {r.team_id for r in multi.outbox()} == {TEAM_B}
    assert all(r.delivered_at is not None for r in multi.outbox())
    (escalated,) = multi.review_requests(LEGAL)
    assert escalated.team == TEAM_B
    assert all(c.team == TEAM_B for c in multi.fake.calls if c.method.startswith("chat."))


def bots_of(h: Harness, team: str) -> list[Any]:
    with h.runtime.db.reading() as session:
        return list(session.execute(select(slack_bots).where(slack_bots.c.team_id == team)).all())


def installations_of(h: Harness, team: str) -> list[Any]:
    with h.runtime.db.reading() as session:
        return list(
            session.execute(
                select(slack_installations).where(slack_installations.c.team_id == team)
            ).all()
        )


def failed_listing(monkeypatch: pytest.MonkeyPatch, db_url: str, capsys: Any) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    capsys.readouterr()
    assert main(["outbox", "list", "--failed"]) == 0
    return str(capsys.readouterr().out)


def test_app_uninstalled_stops_delivery_to_that_team_and_a_reinstall_resumes_it(
    multi: Harness,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install(multi, TEAM_A)
    install(multi, TEAM_B)
    submit(multi, TEAM_A, "acme x Queued in team A")
    submit(multi, TEAM_B, "acme x Queued in team B")
    multi.settle()  # queued, not delivered yet

    # Team A removes the app: Slack sends app_uninstalled (tokens already dead).
    multi.fake.uninstall(TEAM_A)
    resp = multi.client.event({"type": "app_uninstalled"}, team=TEAM_A)
    assert resp.status == 200, resp
    assert not bots_of(multi, TEAM_A) and not installations_of(multi, TEAM_A)
    assert bots_of(multi, TEAM_B)

    rows = multi.outbox()
    dead = [r for r in rows if r.team_id == TEAM_A]
    assert dead and all(r.next_attempt_at is None and r.delivered_at is None for r in dead)
    assert all(r.last_error == UNINSTALLED.format(team=TEAM_A) for r in dead)
    listing = failed_listing(monkeypatch, db_url, capsys)
    assert f"uninstalled from Slack team {TEAM_A}" in listing
    assert all(str(r.id) in listing for r in dead)

    # nothing is tried in team A; team B is served as before
    since = len(multi.fake.calls)
    multi.deliver()
    assert not [c for c in multi.fake.calls[since:] if c.team == TEAM_A]
    assert multi.review_requests(BRAND1) and all(
        c.team == TEAM_B for c in multi.review_requests(BRAND1)
    )
    # a message queued for team A later (a reminder, an escalation) goes straight to the dead
    # letter too, without a call to Slack
    submit(multi, TEAM_B, "acme x Another in team B")
    multi.deliver()
    assert all(r.team_id != TEAM_A or r.next_attempt_at is None for r in multi.outbox())

    # Installing again, then `outbox retry` each: delivered with the new token, once.
    install(multi, TEAM_A)
    (new_bot,) = bots_of(multi, TEAM_A)
    for row in dead:
        assert main(["outbox", "retry", str(row.id)]) == 0
    multi.deliver()
    for row in multi.outbox():
        assert row.delivered_at is not None, (row.id, row.last_error)
    posted_a = [
        c
        for c in multi.fake.calls[since:]
        if c.team == TEAM_A and c.ok and c.method in ("chat.postMessage", "chat.update")
    ]
    assert len(posted_a) == len(dead)
    assert all(c.headers["Authorization"] == f"Bearer {new_bot.bot_token}" for c in posted_a)
    assert "Queued in team A" in "".join(c.rendered() for c in posted_a)


def test_tokens_revoked_for_the_bot_stops_delivery_and_for_users_changes_nothing(
    multi: Harness,
) -> None:
    install(multi, TEAM_A)
    install(multi, TEAM_B)
    submit(multi, TEAM_A, "acme x In team A")
    submit(multi, TEAM_B, "acme x In team B")
    multi.settle()

    # a user's token revoked (brandgate keeps none): nothing changes
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"], "bot": []}}
    assert multi.client.event(event, team=TEAM_B).status == 200
    assert bots_of(multi, TEAM_B)
    assert all(r.next_attempt_at is not None for r in multi.outbox())

    # the bot's token revoked: like an uninstall
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTBRAND"]}}
    multi.fake.uninstall(TEAM_B)
    assert multi.client.event(event, team=TEAM_B).status == 200
    assert not bots_of(multi, TEAM_B) and bots_of(multi, TEAM_A)
    since = len(multi.fake.calls)
    multi.deliver()
    by_team = {r.team_id: r for r in multi.outbox()}
    assert by_team[TEAM_B].next_attempt_at is None and by_team[TEAM_B].delivered_at is None
    assert "uninstalled" in (by_team[TEAM_B].last_error or "")
    assert all(r.delivered_at is not None for r in multi.outbox() if r.team_id == TEAM_A)
    assert not [c for c in multi.fake.calls[since:] if c.team == TEAM_B]


def test_a_token_cached_before_a_reinstall_elsewhere_is_swapped_not_given_up(
    multi: Harness,
) -> None:
    """The uninstall event reached another `serve`: this one still holds the old token when the
    team has installed again. Slack refuses it; the message goes out with the new one."""
    install(multi, TEAM_A)
    submit(multi, TEAM_A, "acme x First")
    multi.deliver()  # caches team A's client
    multi.fake.uninstall(TEAM_A)
    install(multi, TEAM_A)  # saved by the OAuth flow; nothing told this dispatcher
    submit(multi, TEAM_A, "acme x Second")
    multi.deliver()
    assert all(r.delivered_at is not None for r in multi.outbox()), [
        (r.id, r.last_error) for r in multi.outbox()
    ]
    refused = [c for c in multi.fake.calls if c.error == "account_inactive"]
    assert refused, "the old token was not tried (test set-up)"
    texts = [c.rendered() for c in multi.review_requests(BRAND1)]
    assert sum("Second" in t for t in texts) == 1


def test_app_uninstalled_in_one_workspace_mode_gives_up_the_queue(slack: Harness) -> None:
    """With SLACK_BOT_TOKEN every message goes out with that one token, dead once the app is
    removed: the whole queue is a dead letter, with the reason."""
    submit(slack, "T0BRANDGATE", "acme x Queued")
    slack.settle()
    assert slack.outbox()
    assert slack.client.event({"type": "app_uninstalled"}).status == 200
    assert all(r.next_attempt_at is None for r in slack.outbox())
    assert all("uninstalled" in (r.last_error or "") for r in slack.outbox())
    since = len(slack.fake.calls)
    slack.deliver()
    assert not slack.fake.calls[since:]
