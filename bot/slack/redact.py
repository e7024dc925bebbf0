"""A logging filter that strips Slack secrets from every record, whatever logged them."""

from __future__ import annotations

import logging
import re

# Bot/user/app/config tokens, and the signing secret's usual shape is caught by value below.
_TOKEN = re.compile(r"\b(xox[abposre]-|xapp-|xoxe\.xox[bp]-)[A-Za-z0-9-]+")


class RedactingFilter(logging.Filter):
    """Replace tokens (and any explicitly registered secret) in the formatted message."""

    def __init__(self, secrets: tuple[str | None, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def redact(self, text: str) -> str:
        text = _TOKEN.sub(lambda m: m.group(1) + "[redacted]", text)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            # Freeze the redacted text so no handler re-formats the raw args.
            record.msg, record.args = clean, None
        return True


def install(logger: logging.Logger, secrets: tuple[str | None, ...] = ()) -> None:
    """Attach the filter to `logger` and to its handlers (filters on loggers skip children)."""
    flt = RedactingFilter(secrets)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(flt)
    for handler in logger.handlers + logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
