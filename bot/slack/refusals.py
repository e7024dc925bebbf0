"""Refusals shown to the user, built from the backend's errors (pure Block Kit builders)."""

from __future__ import annotations

from bot.slack import messages
from bot.slack.backend import AlreadyDecided, BackendError
from bot.slack.escape import user as mention
from bot.slack.messages import Message


def refusal_text(err: BackendError) -> str:
    """Plain text for inline modal errors (plain text: no mentions possible there)."""
    if isinstance(err, AlreadyDecided) and err.by:
        return f"Already decided by {err.by}."
    return str(err)


def refusal_message(err: BackendError) -> Message:
    """A private refusal; names who decided with a real mention (an id we validated)."""
    if isinstance(err, AlreadyDecided) and err.by:
        return messages.notice(f":no_entry_sign: Already decided by {mention(err.by)}.")
    return messages.refusal(str(err))
