"""Many workspaces: Bolt's OAuth install against the fake Slack's oauth.v2.access, each team's
token used for its own requests and messages, brands limited by `workspace:`, teams isolated."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select

from bot.cli.main import main
from bot.config import ConfigError, Settings
from bot.slack import ids
from bot.slack.oauth import BOT_SCOPES, SignedStateStore
from bot.slack.runtime import Runtime
from models import Draft, OutboxMessage, slack_bots, slack_oauth_states
from tests.slack.brands import BRAND1, SUBMITTER, write_brands
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import STATE_SECRET, Harness

TEAM_A, TEAM_B = "T0AGENCYA", "T0AGENCYB"
ROOT = Path(__file__).resolve().parents[2]

# A brand that lives in team A only (guideline `workspace:`).
NORTH = f"""\
brand: North Trail
language: en
version: "slack-test"
workspace: {TEAM_A}
rules: []
approvers:
  brand: [{BRAND1}]
routing:
  default: [brand]
submitters: ["*"]
"""


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]


def get(url: str, cookie: str | None = None) -> Page:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return Page(resp.status, resp.read().decode(), dict(resp.headers))
    except urllib.error.HTTPError as err:
        return Page(err.code, err.read().decode(), dict(err.headers))


@pytest.fixture
def multi(fake_slack: FakeSlack, db_url: str, tmp_path: Path) -> Iterator[Harness]:
    brands = write_brands(tmp_path / "brands")
    (brands / "north.yml").write_text(NORTH, encoding="utf-8")
    harness = Harness(fake_slack, db_url, brands, oauth=True)
    yield harness
    harness.close()


def start_install(h: Harness) -> tuple[str, str]:
    """GET /slack/install: the page links to Slack's authorize URL; returns (state, cookie)."""
    page = get(h.server.url + "/slack/install")
    assert page.status == 200, page
    state = re.search(r"state=([^&\"']+)", page.body)
    assert state, page.body
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    return state.group(1), cookie


def install(h: Harness, team: str) -> Page:
    state, cookie = start_install(h)
    code = h.fake.new_oauth_code(team)
    return get(f"{h.server.url}/slack/oauth_redirect?code={code}&state={state}", cookie)


def test_install_stores_the_team_token_and_commands_from_that_team_use_it(
    multi: Harness,
) -> None:
    page = install(multi, TEAM_A)
    assert page.status == 200, page
    exchange = multi.fake.calls_to("oauth.v2.access")
    assert len(exchange) == 1
    with multi.runtime.db.reading() as session:
        bots = session.execute(select(slack_bots.c.team_id, slack_bots.c.bot_token)).all()
    assert [team for team, _ in bots] == [TEAM_A]
    token = bots[0][1]
    assert multi.fake.tokens[token] == TEAM_A

    resp = multi.client.command(
        ids.CMD_DRAFT, "acme x Fresh trail mix", user=SUBMITTER, team=TEAM_A
    )
    assert resp.status == 200, resp
    multi.deliver()
    receipts = multi.dms(SUBMITTER)
    assert receipts and all(c.team == TEAM_A for c in receipts)
    assert all(c.headers["Authorization"] == f"Bearer {token}" for c in receipts)
    requests = multi.review_requests(BRAND1)
    assert len(requests) == 1 and requests[0].team == TEAM_A
    with multi.runtime.db.reading() as session:
        assert set(session.scalars(select(Draft.team_id))) == {TEAM_A}
        assert set(session.scalars(select(OutboxMessage.team_id))) == {TEAM_A}


def test_two_teams_are_isolated(multi: Harness) -> None:
    assert install(multi, TEAM_A).status == 200
    assert install(multi, TEAM_B).status == 200
    multi.client.command(ids.CMD_DRAFT, "acme x From team A", user=SUBMITTER, team=TEAM_A)
    multi.client.command(ids.CMD_DRAFT, "acme x From team B", user=SUBMITTER, team=TEAM_B)
    multi.deliver()
    by_team = {c.team for c in multi.review_requests(BRAND1)}
    assert by_team == {TEAM_A, TEAM_B}
    for call in multi.review_requests(BRAND1):
        assert ("From team A" in call.rendered()) == (call.team == TEAM_A)

    # BRAND1 of team B clicks Approve on team A's draft: refused, nothing changes.
    a_draft = next(
        d
        for d in multi.runtime.backend.service.list(submitter=SUBMITTER, limit=10)
        if "team A" in d["text"]
    )
    multi.client.action(
        user=BRAND1,
        action_id=ids.ACTION_APPROVE,
        value=ids.button_value(str(a_draft["id"]), 1),
        team=TEAM_B,
    )
    multi.deliver()
    assert multi.draft(a_draft["id"]).state == "in_review"
    assert any("another Slack workspace" in note for note in multi.private_notes())

    # nor opens a form on it
    opened = len(multi.fake.calls_to("views.open", ok_only=False))
    multi.client.action(
        user=BRAND1,
        action_id=ids.ACTION_REJECT,
        value=ids.button_value(str(a_draft["id"]), 1),
        team=TEAM_B,
    )
    multi.settle()
    assert len(multi.fake.calls_to("views.open", ok_only=False)) == opened

    # ... and the same id clicking from team A decides.
    multi.client.action(
        user=BRAND1,
        action_id=ids.ACTION_APPROVE,
        value=ids.button_value(str(a_draft["id"]), 1),
        team=TEAM_A,
    )
    multi.deliver()
    assert multi.draft(a_draft["id"]).state == "approved"


def test_a_brand_with_a_workspace_is_offered_only_there(multi: Harness) -> None:
    install(multi, TEAM_A)
    install(multi, TEAM_B)
    refused = multi.client.command(ids.CMD_DRAFT, "north x Hello", user=SUBMITTER, team=TEAM_B)
    assert refused.status == 200
    multi.settle()
    accepted = multi.client.command(ids.CMD_DRAFT, "north x Hello", user=SUBMITTER, team=TEAM_A)
    assert accepted.status == 200
    multi.deliver()
    drafts = multi.runtime.backend.service.list(submitter=SUBMITTER, limit=10)
    assert [d["brand"] for d in drafts] == ["north"]
    with multi.runtime.db.reading() as session:
        assert list(session.scalars(select(Draft.team_id))) == [TEAM_A]

    # /brandcheck names it in team A only
    multi.client.command(ids.CMD_BRANDCHECK, "north x Hello there", user=SUBMITTER, team=TEAM_B)
    multi.settle()
    multi.client.command(ids.CMD_BRANDCHECK, "north x Hello there", user=SUBMITTER, team=TEAM_A)
    multi.settle()
    answers = [c.rendered() for c in multi.fake.calls if c.method.startswith("/respond/")]
    assert sum("North Trail" in a for a in answers) == 1

    # the modal of team B does not offer it; team A's does
    def modal_brands(team: str) -> set[str]:
        multi.client.command(ids.CMD_DRAFT, "", user=SUBMITTER, team=team)
        multi.settle()
        view = multi.opened_view(callback_id=ids.VIEW_SUBMIT)
        return {
            o["value"]
            for b in view["blocks"]
            if b.get("block_id") == ids.BLOCK_BRAND
            for o in b["element"].get("options", [])
        }

    assert "north" not in modal_brands(TEAM_B)
    assert "north" in modal_brands(TEAM_A)
    # a submission for it from team B (a modal opened in A, submitted by a user of B) is refused
    view = multi.opened_view(callback_id=ids.VIEW_SUBMIT)
    multi.client.view_submission(
        user=SUBMITTER,
        view=view,
        values={ids.BLOCK_BRAND: "north", ids.BLOCK_PLATFORM: "x", ids.BLOCK_TEXT: "Sneaky"},
        team=TEAM_B,
    )
    multi.deliver()
    assert len(multi.runtime.backend.service.list(submitter=SUBMITTER, limit=10)) == 1


def test_a_forged_state_is_refused(multi: Harness) -> None:
    _state, cookie = start_install(multi)
    forged = "0" * 36 + ".AAAA"
    code = multi.fake.new_oauth_code(TEAM_A)
    page = get(
        f"{multi.server.url}/slack/oauth_redirect?code={code}&state={forged}",
        cookie.split("=", 1)[0] + "=" + forged,
    )
    assert page.status in (400, 401)
    assert not multi.fake.calls_to("oauth.v2.access", ok_only=False)


def test_an_expired_state_is_refused(multi: Harness) -> None:
    state, cookie = start_install(multi)
    nonce = state.rpartition(".")[0]
    with multi.runtime.db.transaction() as session:  # ten minutes later
        session.execute(
            slack_oauth_states.update()
            .where(slack_oauth_states.c.state == nonce)
            .values(expire_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1))
        )
    code = multi.fake.new_oauth_code(TEAM_A)
    page = get(f"{multi.server.url}/slack/oauth_redirect?code={code}&state={state}", cookie)
    assert page.status == 401
    assert not multi.fake.calls_to("oauth.v2.access", ok_only=False)


def test_a_state_is_used_once_and_a_code_that_slack_refuses_installs_nothing(
    multi: Harness,
) -> None:
    state, cookie = start_install(multi)
    code = multi.fake.new_oauth_code(TEAM_A)
    first = get(f"{multi.server.url}/slack/oauth_redirect?code={code}&state={state}", cookie)
    assert first.status == 200
    again = get(f"{multi.server.url}/slack/oauth_redirect?code={code}&state={state}", cookie)
    assert again.status == 401
    state2, cookie2 = start_install(multi)
    reused = get(f"{multi.server.url}/slack/oauth_redirect?code={code}&state={state2}", cookie2)
    assert reused.status != 200
    assert multi.fake.calls_to("oauth.v2.access", ok_only=False)[-1].error == "invalid_code"
    with multi.runtime.db.reading() as session:
        assert len(session.execute(select(slack_bots.c.id)).all()) == 1


def test_a_command_from_a_team_that_never_installed_is_not_served(multi: Harness) -> None:
    install(multi, TEAM_A)
    multi.client.command(ids.CMD_DRAFT, "acme x Hello", user=SUBMITTER, team=TEAM_B)
    multi.settle()
    assert not multi.fake.calls_to("chat.postMessage")
    assert not multi.runtime.backend.service.list(submitter=SUBMITTER, limit=1)


def test_an_outbox_row_of_an_uninstalled_team_is_a_dead_letter(multi: Harness) -> None:
    with multi.runtime.db.transaction() as session:
        session.execute(
            insert(OutboxMessage).values(
                kind="notice",
                recipient=SUBMITTER,
                payload={"text": "hello"},
                dedupe_key="orphan",
                attempts=0,
                next_attempt_at=datetime.now(UTC),
                team_id=TEAM_B,
            )
        )
    multi.deliver()
    (row,) = multi.outbox()
    assert row.delivered_at is None and row.next_attempt_at is None
    assert "not installed" in (row.last_error or "")
    assert not multi.fake.calls_to("chat.postMessage", ok_only=False)


def test_state_signatures_come_from_the_state_secret() -> None:
    class Memory:
        def __init__(self) -> None:
            self.issued: set[str] = set()

        def issue(self) -> str:
            self.issued.add("n1")
            return "n1"

        def consume(self, state: str) -> bool:
            return state in self.issued

    ours = SignedStateStore(STATE_SECRET, Memory())  # type: ignore[arg-type]
    theirs = SignedStateStore("another-secret-0123456789", Memory())  # type: ignore[arg-type]
    state = ours.issue()
    assert not theirs.consume(state)
    assert ours.consume(state)


def test_the_manifest_asks_for_the_scopes_the_install_asks_for() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    redirects = manifest["oauth_config"].get("redirect_urls") or []
    assert all(url.endswith("/slack/oauth_redirect") for url in redirects)


def test_oauth_needs_all_three_settings_and_http_mode(tmp_path: Path) -> None:
    partial = Settings(slack_client_id="1.2", database_url=f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET, SLACK_STATE_SECRET"):
        Runtime.build(partial)
    whole = Settings(
        slack_client_id="1.2",
        slack_client_secret="s" * 10,
        slack_state_secret="t" * 10,
        slack_app_token="xapp-1",
        database_url=f"sqlite:///{tmp_path}/x.db",
    )
    with pytest.raises(ConfigError, match="serve --http"):
        Runtime.build(whole, socket_mode=True)


def test_serve_http_with_oauth_needs_no_bot_token_but_all_three_oauth_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s" * 20)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    assert main(["serve", "--http", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_CLIENT_SECRET" in err and "SLACK_STATE_SECRET" in err
    assert "SLACK_BOT_TOKEN" not in err
