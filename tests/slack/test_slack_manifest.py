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
    }
    (shortcut,) = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", ids.SHORTCUT_SUBMIT_MESSAGE)
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    # The fewest scopes that work: commands + posting/updating its own messages.
    assert manifest["oauth_config"]["scopes"]["bot"] == ["commands", "chat:write"]
