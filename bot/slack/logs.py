"""What `serve` logs: our lines at the chosen level, the libraries quiet at start, no bodies.

Alembic reports each migration step at INFO (about twenty lines at every start, even with
nothing to do); Bolt warns that `token` is unused because it also reads SLACK_BOT_TOKEN, which is
the very token our client carries; and Bolt logs the whole body of a request whose signature is
bad. None of that helps an operator, and a request body may hold a draft or a person's message.
"""

from __future__ import annotations

import logging

from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: libraries whose INFO lines are noise for a running service
QUIET = ("alembic",)
BAD_SIGNATURE = "Invalid request signature detected"


class BoltNoise(logging.Filter):
    """Drop Bolt's false "token unused" warning; never let a request body through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message == warning_client_prioritized_and_token_skipped():
            return False
        if message.startswith(BAD_SIGNATURE):
            record.msg, record.args = f"{BAD_SIGNATURE} (request not logged)", None
        return True


def quiet_bolt(logger: logging.Logger) -> None:
    """Install BoltNoise on the logger given to Bolt, before the App is built: Bolt copies the
    filters of that logger onto the loggers of its middleware (request verification included)."""
    if not any(isinstance(f, BoltNoise) for f in logger.filters):
        logger.addFilter(BoltNoise())


def configure(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
