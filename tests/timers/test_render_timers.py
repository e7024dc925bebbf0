"""The Slack DMs of the workflow's clock name the draft, how long it waited and the deadline."""

from __future__ import annotations

from types import SimpleNamespace

from bot.slack.render import delivery

BASE = {
    "draft": 7,
    "brand": "acme",
    "brand_name": "Acme <!channel>",
    "platform": "x",
    "text": "Dry on every trail @here",
    "opened_at": "2026-12-01T09:00:00+00:00",
    "now": "2026-12-01T17:30:00+00:00",
}


class NoLookups:
    def result_of(self, dedupe_key: str) -> None:
        return None

    def settlement_of(self, draft_id: object, dedupe_key: str) -> None:
        return None


def _text(kind: str, **extra: object) -> str:
    item = SimpleNamespace(
        kind=kind, payload={**BASE, **extra}, recipient="UBRAND1", draft_id=7, dedupe_key="k"
    )
    sent = delivery(item, NoLookups())
    assert sent.channel == "UBRAND1"
    return str(sent.message["text"])


def test_reminder_names_draft_wait_and_deadline() -> None:
    text = _text("reminder", reminder=1, deadline="2026-12-02T09:00:00+00:00")
    assert "Reminder 1" in text and "2026-12-02 09:00 UTC" in text
    assert "draft 7" in text and "waiting 8h 30m" in text
    assert "<!channel>" not in text


def test_escalated_and_expired() -> None:
    text = _text("escalated", deadline="2026-12-02T09:00:00+00:00", added=["UBACKUP1"])
    assert "Overdue since 2026-12-02 09:00 UTC" in text and "<@UBACKUP1>" in text
    text = _text("expired", publish_at="2026-12-01T12:00:00+00:00")
    assert "Expired undecided" in text and "2026-12-01 12:00 UTC" in text
