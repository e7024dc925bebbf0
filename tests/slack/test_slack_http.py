"""The HTTP surface: signatures, requests that are not Slack's, /healthz, unknown paths, auth.test
at startup."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

import pytest
from slack_bolt import BoltRequest

from bot.slack import ids
from tests.slack.brands import SUBMITTER
from tests.slack.harness import Harness


def _health(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_healthz_needs_the_database_and_a_running_dispatcher(slack_sqlite: Harness) -> None:
    idle = {"pending": 0, "failed": 0, "oldest_due_seconds": 0.0}
    status, body = _health(slack_sqlite.server.url)
    assert (status, body) == (503, {"ok": False, "detail": "dispatcher stopped", "outbox": idle})
    slack_sqlite.runtime.dispatcher.start()
    try:
        status, body = _health(slack_sqlite.server.url)
        assert (status, body) == (200, {"ok": True, "detail": "ok", "outbox": idle})
    finally:
        slack_sqlite.runtime.dispatcher.stop()


def test_app_verified_its_token_against_the_fake_api(slack_sqlite: Harness) -> None:
    call = slack_sqlite.fake.calls_to("auth.test")[0]
    assert call.headers["Authorization"] == "Bearer xoxb-test-0000-brandgate"


def test_forged_signature_is_rejected(slack_sqlite: Harness) -> None:
    resp = slack_sqlite.client.command(ids.CMD_DRAFT, "", user=SUBMITTER, secret="not-the-secret")
    assert resp.status == 401
    assert slack_sqlite.fake.calls_to("views.open") == []


def test_stale_signature_is_rejected(slack_sqlite: Harness) -> None:
    # Correctly signed, but six minutes old: a replayed request.
    resp = slack_sqlite.client.command(
        ids.CMD_DRAFT, "", user=SUBMITTER, timestamp=int(time.time()) - 360
    )
    assert resp.status == 401
    slack_sqlite.settle()
    assert slack_sqlite.fake.calls_to("views.open") == []


def test_missing_signature_is_rejected(slack_sqlite: Harness) -> None:
    resp = slack_sqlite.client.command(ids.CMD_DRAFT, "", user=SUBMITTER, signature="v0=")
    assert resp.status == 401


def test_unknown_path_is_404(slack_sqlite: Harness) -> None:
    resp = slack_sqlite.client.command(ids.CMD_DRAFT, "", user=SUBMITTER, path="/other")
    assert resp.status == 404


def test_draft_command_opens_the_modal_with_only_permitted_brands(slack_sqlite: Harness) -> None:
    view = slack_sqlite.open_draft_modal(SUBMITTER)
    brand_block = next(b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_BRAND)
    values = [o["value"] for o in brand_block["element"]["options"]]
    assert values == ["acme", "solo"]
    view = slack_sqlite.open_draft_modal("UNOBODY")
    brand_block = next(b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_BRAND)
    assert [o["value"] for o in brand_block["element"]["options"]] == ["solo"]


# -- requests that are not Slack's (issue 10 item 24) ------------------------------------------

MARKER = "bodymarker-4711"
NOT_SLACK: dict[str, tuple[bytes, dict[str, str]]] = {
    "empty timestamp": (
        b"command=%2Fdraft&text=" + MARKER.encode(),
        {"X-Slack-Request-Timestamp": ""},
    ),
    "non-numeric timestamp": (
        b"command=%2Fdraft&text=" + MARKER.encode(),
        {"X-Slack-Request-Timestamp": "soon"},
    ),
    "superscript digit timestamp": (b"text=" + MARKER.encode(), {"X-Slack-Request-Timestamp": "²"}),
    "huge timestamp": (b"text=" + MARKER.encode(), {"X-Slack-Request-Timestamp": "9" * 5000}),
    "payload=not-json": (b"payload=not-json" + MARKER.encode(), {"X-Slack-Signature": "v0=ab"}),
    "payload=null": (b"payload=null&" + MARKER.encode(), {"X-Slack-Signature": "v0=ab"}),
    "xff bytes": (b"\xff\xfe" + MARKER.encode(), {}),
    "no signature": (b"payload=" + MARKER.encode(), {"X-Slack-Signature": ""}),
}


@pytest.mark.parametrize("case", sorted(NOT_SLACK))
def test_unsigned_or_malformed_requests_get_401_with_one_log_line_and_no_body(
    slack_sqlite: Harness, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, headers = NOT_SLACK[case]
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    # "xff bytes" is correctly signed over its raw bytes: still not a request Slack can send.
    resp = slack_sqlite.client.post(body, "application/x-www-form-urlencoded", headers=headers)
    assert (resp.status, resp.json()) == (401, {"error": "invalid request"})
    ours = [r for r in caplog.records if r.name == "brandgate.slack.endpoint"]
    assert len(ours) == 1 and ours[0].levelno == logging.WARNING
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    assert MARKER not in caplog.text
    slack_sqlite.settle()
    assert slack_sqlite.fake.calls_to("views.open") == []


def test_a_signed_body_bolt_cannot_parse_is_a_400_not_a_500(
    slack_sqlite: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    resp = slack_sqlite.client.post(b"payload=not-json", "application/x-www-form-urlencoded")
    assert resp.status == 400
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"


def test_bolt_never_logs_the_body_of_a_badly_signed_request(
    slack_sqlite: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt's own check (behind the endpoint's) logs bodies at INFO; ours strips them."""
    caplog.set_level(logging.DEBUG)
    body = f"command=%2Fdraft&text={MARKER}"
    request = BoltRequest(
        body=body,
        headers={
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [str(int(time.time()))],
            "x-slack-signature": ["v0=" + "0" * 64],
        },
    )
    assert slack_sqlite.runtime.app.dispatch(request).status == 401
    assert "Invalid request signature detected" in caplog.text
    assert MARKER not in caplog.text
