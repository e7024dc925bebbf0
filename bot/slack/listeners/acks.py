"""Acks shared by several listeners (the work itself runs lazily, after Slack has its answer)."""

from __future__ import annotations

from slack_bolt import Ack


def ack_only(ack: Ack) -> None:
    ack()


def ack_with_errors(ack: Ack, errors: dict[str, str]) -> None:
    """A modal submission: inline errors keep the modal open with everything typed in it."""
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()
