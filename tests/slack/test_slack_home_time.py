"""App Home and time, through the real app over HTTP: each pending draft's deadline and
"overdue" once past it, a banner while a brand is paused, the Away button and its form, and
"Back now" while away."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.slack import ids
from tests.slack.brands import BRAND1, BRAND2, LEGAL, SUBMITTER
from tests.slack.harness import Harness
from tests.slack.test_slack_brandgate_time import TIMED, _run


def _home(slack: Harness, user: str) -> dict:
    before = len(slack.fake.calls_to("views.publish"))
    resp = slack.client.event(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    )
    assert resp.status == 200
    slack.settle()
    calls = slack.fake.calls_to("views.publish")
    assert len(calls) == before + 1 and calls[-1].params["user_id"] == user
    return calls[-1]


def _action_ids(call) -> set[str]:
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return {
        el.get("action_id")
        for b in view["blocks"]
        if b.get("type") == "actions"
        for el in b["elements"]
    }


def test_home_shows_deadlines_then_overdue(slack: Harness) -> None:
    (slack.settings.guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")
    slack.client.command(ids.CMD_DRAFT, "timed x Dry on every trail.", user=SUBMITTER)
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)["id"]
    due = slack.runtime.backend.service.deadlines([draft])[draft]
    shown = _home(slack, BRAND1).rendered()
    assert f"due {due:%Y-%m-%d %H:%M} UTC" in shown and "overdue" not in shown
    # the tab is built as of a later moment (the service's clock), past the deadline
    slack.runtime.backend.service.ctx.clock = lambda: due + timedelta(minutes=1)
    assert f"*overdue* (due {due:%Y-%m-%d %H:%M} UTC)" in _home(slack, BRAND1).rendered()


def test_home_shows_the_pause_while_it_lasts(slack: Harness) -> None:
    _run(slack, "pause acme Product recall", BRAND1)
    shown = _home(slack, SUBMITTER).rendered()
    assert "acme is paused" in shown and "Product recall" in shown
    _run(slack, "resume acme", BRAND1)
    assert "is paused" not in _home(slack, SUBMITTER).rendered()


def test_away_button_form_and_back_now(slack: Harness) -> None:
    slack.client.command(ids.CMD_DRAFT, "acme x Our new jacket keeps you dry.", user=SUBMITTER)
    slack.deliver()
    home = _home(slack, BRAND1)
    assert ids.ACTION_AWAY_OPEN in _action_ids(home)
    assert _action_ids(_home(slack, SUBMITTER)) == set()  # not an approver: no Away button
    slack.client.action(user=BRAND1, action_id=ids.ACTION_AWAY_OPEN, value="me")
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_AWAY)
    past = slack.client.view_submission(
        user=BRAND1, view=view, values={ids.BLOCK_AWAY_UNTIL: "2020-01-01"}
    )
    assert past.json()["errors"] == {ids.BLOCK_AWAY_UNTIL: "Pick a day after today."}
    slack.settle()
    assert slack.runtime.backend.away_list() == []
    until = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()
    values = {
        ids.BLOCK_AWAY_UNTIL: until,
        ids.BLOCK_AWAY_DELEGATE: LEGAL,
        ids.BLOCK_AWAY_REASON: "holiday",
    }
    before = len(slack.fake.calls_to("views.publish"))
    assert slack.client.view_submission(user=BRAND1, view=view, values=values).status == 200
    slack.deliver()
    [away] = slack.runtime.backend.away_list()
    assert (away["user"], away["delegate"], away["reason"]) == (BRAND1, LEGAL, "holiday")
    assert len(slack.review_requests(LEGAL)) == 1  # the open review passed to the delegate
    refreshed = slack.fake.calls_to("views.publish")[before:]
    assert refreshed and "You are away" in refreshed[-1].rendered()
    assert ids.ACTION_AWAY_BACK in _action_ids(refreshed[-1])
    slack.client.action(user=BRAND1, action_id=ids.ACTION_AWAY_BACK, value="me")
    slack.settle()
    assert slack.runtime.backend.away_list() == []
    last = slack.fake.calls_to("views.publish")[-1]
    assert "You are away" not in last.rendered() and ids.ACTION_AWAY_OPEN in _action_ids(last)


def test_a_refused_delegate_is_told_privately(slack: Harness) -> None:
    slack.client.action(user=BRAND2, action_id=ids.ACTION_AWAY_OPEN, value="me")
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_AWAY)
    until = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()
    values = {ids.BLOCK_AWAY_UNTIL: until, ids.BLOCK_AWAY_DELEGATE: SUBMITTER}
    slack.client.view_submission(user=BRAND2, view=view, values=values)
    slack.settle()
    assert any("not an approver of brand acme" in n for n in slack.private_notes())
    assert slack.runtime.backend.away_list() == []
