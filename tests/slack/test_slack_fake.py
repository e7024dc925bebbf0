"""The strict fake Slack refuses what Slack refuses (so the other tests can trust it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.slack.fake_slack import FakeSlack, RateLimits
from tests.slack.harness import BOT_TOKEN


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def strict(clock: ManualClock) -> Iterator[FakeSlack]:
    limits = RateLimits(tier_per_minute={1: 1, 2: 20, 3: 50, 4: 100}, channel_burst=2)
    with FakeSlack(rate_limits=limits, clock=clock) as fake:
        yield fake


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.url, retry_handlers=[])


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response.get("error"))


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(**extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Title"},
        "blocks": [section("hello")],
        **extra,
    }


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ([section("")], "invalid_blocks"),  # slack_sdk lets an empty section through
        ([section("x" * 3001)], "invalid_blocks"),
        ([section("x")] * 51, "invalid_blocks"),
        ([{**section("a"), "block_id": "b"}, {**section("c"), "block_id": "b"}], "invalid_blocks"),
        ([{"type": "context", "elements": []}], "invalid_blocks"),
        (
            [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": []}]}],
            "invalid_blocks",
        ),
        ([section("x" * 2900)] * 5, "msg_blocks_too_long"),
    ],
)
def test_messages_slack_refuses_are_refused(
    strict: FakeSlack, blocks: list[dict[str, Any]], error: str
) -> None:
    web = client(strict)
    assert error_of(lambda: web.chat_postMessage(channel="U1", text="t", blocks=blocks)) == error
    assert error_of(lambda: web.chat_postMessage(channel="U2", text="x" * 40_001)) == "msg_too_long"
    assert web.chat_postMessage(channel="U3", text="t", blocks=[section("fine")])["ok"]


def test_views_slack_refuses_are_refused(strict: FakeSlack) -> None:
    web = client(strict)
    too_long = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Text"},
        "element": {
            "type": "plain_text_input",
            "action_id": "v",
            "max_length": 3000,
            "initial_value": "y" * 3001,
        },
    }
    for view in (
        modal(blocks=[section("")]),
        modal(private_metadata="m" * 3001),
        modal(blocks=[too_long], submit={"type": "plain_text", "text": "Go"}),
        modal(title={"type": "plain_text", "text": "t" * 25}),
    ):
        trigger = strict.new_trigger_id()
        assert error_of(lambda v=view, t=trigger: web.views_open(trigger_id=t, view=v)) == (
            "invalid_arguments"
        )
    home = {"type": "home", "blocks": [section("x")] * 101}
    assert error_of(lambda: web.views_publish(user_id="U1", view=home)) == "invalid_arguments"


def test_a_trigger_id_works_once_and_expires_after_three_seconds(
    strict: FakeSlack, clock: ManualClock
) -> None:
    web = client(strict)
    trigger = strict.new_trigger_id()
    assert web.views_open(trigger_id=trigger, view=modal())["ok"]
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=modal())) == (
        "exchanged_trigger_id"
    )
    late = strict.new_trigger_id()
    clock.now += 3.01
    assert error_of(lambda: web.views_open(trigger_id=late, view=modal())) == "expired_trigger_id"
    assert strict.trigger_expiries == 1
    assert error_of(lambda: web.views_open(trigger_id="made-up", view=modal())) == (
        "invalid_trigger_id"
    )


def test_one_message_a_second_per_channel_with_retry_after(
    strict: FakeSlack, clock: ManualClock
) -> None:
    web = client(strict)
    for _ in range(2):  # the tolerated burst
        web.chat_postMessage(channel="U1", text="hi")
    with pytest.raises(SlackApiError) as caught:
        web.chat_postMessage(channel="U1", text="hi")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] in ("1", ["1"])
    web.chat_postMessage(channel="U2", text="another channel is not limited")
    clock.now += 1.0
    web.chat_postMessage(channel="U1", text="a second later")
    assert strict.limits_hit == 1


def test_tier_limits_per_method(clock: ManualClock) -> None:
    limits = RateLimits(tier_per_minute={1: 1, 2: 20, 3: 2, 4: 100})
    with FakeSlack(rate_limits=limits, clock=clock) as fake:
        web = client(fake)
        posted = web.chat_postMessage(channel="U1", text="hi")
        for _ in range(2):
            web.chat_update(channel=posted["channel"], ts=posted["ts"], text="edit")
        with pytest.raises(SlackApiError) as caught:
            web.chat_update(channel=posted["channel"], ts=posted["ts"], text="edit")
        assert caught.value.response.status_code == 429
        assert int(str(caught.value.response.headers["Retry-After"]).strip("[]'")) == 30


def test_response_url_five_uses_in_thirty_minutes(strict: FakeSlack, clock: ManualClock) -> None:
    url = strict.new_response_url()
    hook = WebhookClient(url)
    assert [hook.send(text="ok").status_code for _ in range(5)] == [200] * 5
    used = hook.send(text="sixth")
    assert used.status_code == 404 and json.loads(used.body)["error"] == "used_url"
    later = WebhookClient(strict.new_response_url())
    clock.now += 30 * 60 + 1
    expired = later.send(text="late")
    assert expired.status_code == 404 and json.loads(expired.body)["error"] == "expired_url"


def test_not_in_channel_until_invited(strict: FakeSlack) -> None:
    web = client(strict)
    assert error_of(lambda: web.chat_postMessage(channel="C0ELSEWHERE", text="hi")) == (
        "not_in_channel"
    )
    strict.invite("C0ELSEWHERE")
    assert web.chat_postMessage(channel="C0ELSEWHERE", text="hi")["ok"]
    assert web.chat_postMessage(channel="UANYONE", text="DMs always work")["ok"]
