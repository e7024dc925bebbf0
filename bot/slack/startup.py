"""Coming up when Slack or the database does not answer yet: wait, retry, say so once a minute.

A container often starts before its database, and Slack has outages. Neither is a reason to
exit with a traceback: `Startup.run` retries with back-off, logs one line a minute, and meanwhile
`/healthz` answers 503 with the reason. What cannot get better by waiting (a refused token, a
malformed database URL) is a `ConfigError`: one line, exit status 2.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import exc as sa
from sqlalchemy.engine import make_url

from bot.config import ConfigError
from models.db import Database

logger = logging.getLogger("brandgate.slack.startup")

T = TypeVar("T")

#: auth.test errors that mean the token itself is wrong: waiting will not help
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


class Unavailable(Exception):
    """A dependency did not answer (or answered "try later"); worth waiting for."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency}: {reason}")
        self.dependency = dependency
        self.reason = reason


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    factor: float = 2.0
    longest: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        return min(self.longest, self.first * self.factor ** min(attempt, 32))


class Startup(Generic[T]):
    """Runs `attempt` until it returns, waiting `backoff` between tries that raise Unavailable.

    `wait(seconds)` returns True when the process is asked to stop (threading.Event.wait), and
    `clock` times the once-a-minute report: tests pass both, so nothing really sleeps.
    """

    def __init__(
        self,
        attempt: Callable[[], T],
        *,
        wait: Callable[[float], bool],
        clock: Callable[[], float] = time.monotonic,
        backoff: Backoff | None = None,
        report_every: float = 60.0,
    ) -> None:
        self._attempt = attempt
        self._wait = wait
        self._clock = clock
        self.backoff = backoff or Backoff()
        self.report_every = report_every
        self.problem: Unavailable | None = None
        self.attempts = 0
        #: True when `wait` reported a stop request before the attempt succeeded
        self.stopped = False

    def health(self) -> tuple[bool, str]:
        if self.problem is None:
            return False, "starting"
        return False, f"starting: {self.problem}; retrying"

    def run(self) -> T | None:
        """The attempt's result, or None if asked to stop first. ConfigError propagates."""
        reported_at: float | None = None
        while True:
            try:
                result = self._attempt()
            except Unavailable as err:
                self.problem = err
                delay = self.backoff.delay(self.attempts)
                self.attempts += 1
                now = self._clock()
                if reported_at is None or now - reported_at >= self.report_every:
                    logger.warning(
                        "%s; retrying (attempt %d, next in %g s)", err, self.attempts, delay
                    )
                    reported_at = now
                if self._wait(delay):
                    self.stopped = True
                    return None
                continue
            if self.problem is not None:
                logger.info(
                    "%s answers now (after %d attempts)", self.problem.dependency, self.attempts + 1
                )
            self.problem = None
            return result


# -- the dependencies ----------------------------------------------------------------------------


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable DATABASE_URL)"


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def connect_database(url: str) -> Database:
    """The database at `url`, reachable and at the latest schema."""
    db: Database | None = None
    try:
        db = Database(url, upgrade=False)
        db.upgrade(only_if_needed=True)
        return db
    except (sa.OperationalError, sa.InterfaceError, sa.TimeoutError) as err:
        if db is not None:
            db.dispose()
        raise Unavailable("database", f"{_shown(url)}: {_first_line(err)}") from None
    except (sa.SQLAlchemyError, ImportError, OSError) as err:
        if db is not None:
            db.dispose()
        raise ConfigError(f"DATABASE_URL {_shown(url)}: {_first_line(err)}") from None


def slack_call(call: Callable[[], object], what: str, token: str) -> None:
    """Run a Slack call made at start, sorting its failures: worth waiting for (Unavailable) or
    a token Slack refuses (ConfigError naming the `token` setting)."""
    try:
        call()
    except SlackApiError as err:
        status, code = err.response.status_code, err.response.get("error")
        if status == 429 or status >= 500:
            raise Unavailable("slack", f"{what} answered HTTP {status}") from None
        if code in TOKEN_ERRORS:
            raise ConfigError(f"Slack refused {token}: {code}") from None
        raise Unavailable("slack", f"{what} failed: {code}") from None
    except (OSError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", None) or err
        raise Unavailable("slack", f"unreachable ({reason})") from None


def verify_slack(client: WebClient) -> None:
    """auth.test with `client` (which must not retry or log itself: this loop does both)."""
    slack_call(client.auth_test, "auth.test", "SLACK_BOT_TOKEN")
