"""manifest.yml agrees with the code: commands, shortcut callback id, events, scopes."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack import ids

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def test_manifest_matches_the_listeners() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert {c["command"] for c in features["slash_commands"]} == {
        ids.CMD_DRAFT,
        ids.CMD_BRANDCHECK,
        ids.CMD_BRANDGATE,
    }
    (shortcut,) = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", ids.SHORTCUT_SUBMIT_MESSAGE)
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_uninstalled",  # bot/slack/listeners/events/installs.py
        "tokens_revoked",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    # The fewest scopes that work: commands, posting/updating its own messages, and finding a
    # message whose answer was lost before posting it again (bot/slack/dispatcher.py); and
    # uploading the report's chart (/brandgate report).
    assert manifest["oauth_config"]["scopes"]["bot"] == [
        "commands",
        "chat:write",
        "im:write",
        "channels:history",
        "groups:history",
        "im:history",
        "files:write",
    ]


def test_manifest_http_mode_comment_names_every_url_line() -> None:
    """The header tells HTTP-mode users which lines to uncomment: one per slash command plus the
    events and interactivity URLs, and every such line points at the one endpoint."""
    text = MANIFEST.read_text(encoding="utf-8")
    manifest = yaml.safe_load(text)
    url_lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip().startswith(("# url:", "# request_url:"))
    ]
    assert len(url_lines) == len(manifest["features"]["slash_commands"]) + 2
    assert all(line.endswith("https://YOUR-HOST/slack/events") for line in url_lines)
    assert "uncomment every `# url:` and" in text
