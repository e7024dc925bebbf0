"""The fake's file uploads refuse what Slack refuses (tests/slack/fake_files.py)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.url, retry_handlers=[])


def test_files_upload_v2_shares_the_bytes_in_the_dm(fake_slack: FakeSlack) -> None:
    done = client(fake_slack).files_upload_v2(
        channels=["UAPPROVER"], file=PNG, filename="report.png", title="Report", alt_txt="chart"
    )
    assert done["ok"] and done["file"]["title"] == "Report"
    (shared,) = fake_slack.files.shared
    assert (shared.channel, shared.filename, shared.data, shared.alt_txt) == (
        "DAPPROVER",
        "report.png",
        PNG,
        "chart",
    )


def test_sharing_to_a_channel_the_app_is_not_in_is_refused(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        client(fake_slack).files_upload_v2(channel="C0ELSEWHERE", file=PNG, filename="r.png")
    assert err.value.response["error"] == "not_in_channel"
    assert fake_slack.files.shared == []


def test_thread_needs_exactly_one_channel(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        client(fake_slack).files_upload_v2(
            channels=["C0AGENCY", "C0SOCIAL"], thread_ts="1.2", file=PNG, filename="r.png"
        )
    assert err.value.response["error"] == "invalid_arguments"


def test_missing_or_zero_length_and_long_alt_text_are_refused(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    with pytest.raises(SlackApiError) as err:
        web.files_getUploadURLExternal(filename="r.png", length=0)
    assert err.value.response["error"] == "missing_argument"
    with pytest.raises(SlackApiError) as err:
        web.files_getUploadURLExternal(filename="r.png", length=3, alt_txt="x" * 1001)
    assert err.value.response["error"] == "alt_txt_too_large"


def test_completing_twice_or_before_the_bytes_arrive_is_refused(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    started = web.files_getUploadURLExternal(filename="r.png", length=len(PNG))
    files = [{"id": started["file_id"], "title": "r"}]
    with pytest.raises(SlackApiError) as err:
        web.files_completeUploadExternal(files=files, channels=["UAPPROVER"])
    assert err.value.response["error"] == "file_not_found"
    assert _post(started["upload_url"], b"short") == 400  # not the announced length
    assert _post(started["upload_url"], PNG) == 200
    assert _post(started["upload_url"], PNG) == 400  # uploaded once
    assert web.files_completeUploadExternal(files=files, channels=["UAPPROVER"])["ok"]
    with pytest.raises(SlackApiError) as err:
        web.files_completeUploadExternal(files=files, channels=["UAPPROVER"])
    assert err.value.response["error"] == "file_not_found"


def _post(url: str, data: bytes) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST")) as r:
            return int(r.status)
    except urllib.error.HTTPError as err:
        return err.code
