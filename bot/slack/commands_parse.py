"""Parsing slash command text (pure, so it is testable without Slack)."""

from __future__ import annotations

from bot.guidelines.model import PLATFORMS
from bot.slack.backend import BrandChoice
from bot.slack.escape import escape_mrkdwn

USAGE = (
    "Usage: `/draft` opens the form; `/draft BRAND PLATFORM TEXT` submits a post directly "
    "(platforms: " + ", ".join(PLATFORMS) + ")."
)


def _pick_brand(brands: list[BrandChoice], word: str) -> BrandChoice | None:
    word = word.lower()
    return next((b for b in brands if b.id.lower() == word), None)


def parse_direct(text: str, brands: list[BrandChoice]) -> tuple[BrandChoice, str, str] | str:
    """`BRAND PLATFORM TEXT` → (brand, platform, text), or an error message for the user."""
    parts = text.strip().split(None, 2)
    if len(parts) < 3:
        return USAGE
    brand = _pick_brand(brands, parts[0])
    if brand is None:
        allowed = ", ".join(f"`{b.id}`" for b in brands) or "none"
        # the ack echoes what was typed: escaped, so `<!channel>` pings nobody
        return f"You cannot submit for brand `{escape_mrkdwn(parts[0])}`. Your brands: {allowed}."
    platform = parts[1].lower()
    if platform not in PLATFORMS:
        return f"Unknown platform `{escape_mrkdwn(parts[1])}`. " + USAGE
    return brand, platform, parts[2].strip()


def parse_check(text: str, brands: list[BrandChoice]) -> tuple[list[BrandChoice], str | None, str]:
    """`/brandcheck [BRAND] [PLATFORM] TEXT`: brand and platform are optional leading words."""
    words = text.strip().split(None, 1)
    chosen = brands
    if words and (brand := _pick_brand(brands, words[0])) is not None:
        chosen, text = [brand], words[1] if len(words) > 1 else ""
    words = text.strip().split(None, 1)
    platform = None
    if len(words) > 1 and words[0].lower() in PLATFORMS:
        platform, text = words[0].lower(), words[1]
    return chosen, platform, text.strip()
