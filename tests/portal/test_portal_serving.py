"""The portal beside Bolt over real HTTP (waitress, as `serve --http` runs it), the
`/brandgate portal` sub-command, and `brandgate portal link`."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bot.cli.main import main
from bot.config import ConfigError, Settings
from bot.portal import PortalConfig, create_portal
from bot.portal.serving import portal_from_settings
from bot.portal.session_key import session_secret
from bot.slack import ids
from bot.slack.endpoint import SlackEndpoint
from bot.slack.server import HttpServer
from models.db import Database
from tests.portal.world import AUDITOR, SECRET, World
from tests.slack.brands import AUDITOR as ACME_AUDITOR
from tests.slack.conftest import fake_slack, guidelines_dir, slack_sqlite, sqlite_url
from tests.slack.harness import Harness

__all__ = ["fake_slack", "guidelines_dir", "slack_sqlite", "sqlite_url"]  # fixtures


@pytest.fixture
def served(world: World) -> Iterator[tuple[World, HttpServer]]:
    endpoint = SlackEndpoint("signing-secret", health=lambda: (True, "ok"))
    endpoint.portal = world.app
    server = HttpServer(endpoint, host="127.0.0.1", port=0).start()
    yield world, server
    server.stop()


def _request(
    server: HttpServer, method: str, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, headers=headers or {})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    return answer


def test_the_portal_answers_beside_bolt_over_http(served: tuple[World, HttpServer]) -> None:
    world, server = served
    path = urlparse(world.link(AUDITOR)).path
    assert _request(server, "GET", path).status == 200
    signed = _request(server, "POST", path)
    assert signed.status == 303
    cookie = signed.getheader("Set-Cookie", "").split(";")[0]
    for page in ("/portal/", "/portal/drafts", "/portal/audit"):
        answer = _request(server, "GET", page, {"Cookie": cookie, "Accept": "application/json"})
        assert answer.status == 200, page
        assert answer.getheader("Cache-Control") == "no-store"
    assert _request(server, "GET", "/portal").status == 308
    assert _request(server, "GET", "/healthz").status == 200  # Bolt's side is unchanged
    assert _request(server, "POST", "/slack/events").status == 401
    assert _request(server, "GET", "/portalx").status == 404


def test_session_secret_is_the_configured_key_else_one_kept_in_the_database(
    tmp_path: Path,
) -> None:
    assert (
        session_secret(Settings(portal_secret="p"), Database(f"sqlite:///{tmp_path}/a.db")) == "p"
    )
    url = f"sqlite:///{tmp_path}/x.db"
    first, second = Database(url), Database(url)  # two replicas behind one database
    kept = session_secret(Settings(), first)
    assert len(kept) == 64 and kept == session_secret(Settings(), second)
    assert kept != session_secret(Settings(), Database(f"sqlite:///{tmp_path}/y.db"))
    # It does not depend on Slack's signing secret, and a restart keeps it.
    app = portal_from_settings(Settings(slack_signing_secret="s", database_url=url))
    assert app.config["SECRET_KEY"] == kept


def test_an_unmigrated_database_and_no_key_is_a_clear_config_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    with pytest.raises(ConfigError, match="BRANDGATE_SECRET_KEY is unset"):
        portal_from_settings(Settings(database_url=url))


def test_brandgate_portal_answers_privately_with_a_working_link(
    slack_sqlite: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRANDGATE_PUBLIC_URL", "https://portal.example")
    resp = slack_sqlite.client.command(ids.CMD_BRANDGATE, "portal", user=ACME_AUDITOR)
    assert resp.status == 200
    slack_sqlite.settle()
    notes = [n for n in slack_sqlite.private_notes() if "portal" in n]
    assert len(notes) == 1, notes
    found = re.search(r"<(https://portal\.example/portal/signin/[A-Za-z0-9_-]+)\|", notes[0])
    assert found, notes[0]
    assert slack_sqlite.outbox() == []  # ephemeral: nothing posted in a channel
    portal = create_portal(
        PortalConfig(
            db=slack_sqlite.runtime.db,
            guidelines_dir=slack_sqlite.settings.guidelines_dir,
            secret=SECRET,
        )
    )
    client = portal.test_client()
    path = urlparse(found.group(1)).path
    assert client.post(path).status_code == 303
    me = client.get("/portal/", headers={"Accept": "application/json"}).json
    assert me["user"] == ACME_AUDITOR and me["roles"]["auditor"] == ["acme"]
    help_text = slack_sqlite.client.command(ids.CMD_BRANDGATE, "help", user=ACME_AUDITOR).json()
    assert "`/brandgate portal`" in help_text["text"]


def test_brandgate_portal_links_to_localhost_when_no_address_is_configured(
    slack_sqlite: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BRANDGATE_PUBLIC_URL", "PORTAL_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "8123")
    slack_sqlite.client.command(ids.CMD_BRANDGATE, "portal", user=ACME_AUDITOR)
    slack_sqlite.settle()
    notes = [n for n in slack_sqlite.private_notes() if "portal" in n]
    assert len(notes) == 1 and "<http://localhost:8123/portal/signin/" in notes[0], notes


def test_the_cli_prints_a_link_that_works_once(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "portal",
            "link",
            "--as",
            AUDITOR,
            "--base-url",
            "http://bg.test:8080",
            "--database-url",
            world.db.url,
        ]
    )
    out = capsys.readouterr().out.strip()
    assert code == 0 and out.startswith("http://bg.test:8080/portal/signin/")
    client = world.client()
    assert client.post(urlparse(out).path).status_code == 303
    assert world.client().post(urlparse(out).path).status_code == 410


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--as", "not-a-user"], "is not a Slack user id"),
        (["--as", AUDITOR, "--base-url", "ftp://x"], "is not an http(s) URL"),
    ],
)
def test_the_cli_refuses_bad_input_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert main(["portal", "link", *argv, "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    Database(url).dispose()


def test_json_answers_are_json(world: World) -> None:
    client = world.signed_in(AUDITOR)
    for page in ("/portal/", "/portal/drafts", "/portal/audit", "/portal/drafts/1"):
        answer = client.get(page, headers={"Accept": "application/json"})
        assert answer.mimetype == "application/json" and json.loads(answer.data)
        assert client.get(page).mimetype == "text/html"
