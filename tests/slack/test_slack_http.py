"""The HTTP surface: signatures, /healthz, unknown paths, auth.test at startup."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

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
    status, body = _health(slack_sqlite.server.url)
    assert (status, body) == (503, {"ok": False, "detail": "dispatcher stopped"})
    slack_sqlite.runtime.dispatcher.start()
    try:
        status, body = _health(slack_sqlite.server.url)
        assert (status, body) == (200, {"ok": True, "detail": "ok"})
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
