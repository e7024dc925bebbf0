"""Delivers the outbox to Slack: approver DMs, thread replies to submitters, message updates.

The workflow writes outbox rows in the same transaction as the state change that causes them;
this module only turns rows into Slack calls. Guarantees:

* never twice: a row is leased by `claim_due` before it is sent and marked delivered at the end
  of the pass that sent it (all of the pass's rows in one transaction); the client used here has
  no automatic retries (a blind retry of chat.postMessage after a 5xx could post twice), so
  every retry goes through the outbox schedule instead;
* nothing lost: a failed send is rescheduled (Retry-After honoured on 429, exponential backoff
  otherwise, with no attempt limit), and since the schedule lives in the database a restart
  simply resumes it. Only errors that no retry can fix (`PERMANENT_ERRORS`: a channel we may not
  post to, a revoked token, a message Slack refuses) give up, with the error recorded;
* deterministic to test: `dispatch_once(now)` / `run_until_idle(now)` do one pass with an explicit
  clock; `start()` runs the same pass in a thread, woken by `notify()` after each state change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.slack import render
from bot.slack.render import Delivery

logger = logging.getLogger("brandgate.slack.dispatcher")

# Slack errors that will not heal by retrying the same call: the row is marked failed for good,
# with the error in `last_error` for an operator to see.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "cant_update_message",
    "restricted_action",
}
# A bug of ours (rendering) may be fixed by a deploy: retry those hourly rather than give up.
INTERNAL_RETRY_SECONDS = 3600.0
# Delivery order within one draft's rows of a batch.
KIND_ORDER = {"review_request": 0, "findings": 1, "outcome": 2, "decision_made": 3}
# An update whose target is gone has nothing left to do.
NOTHING_TO_DO = {"message_not_found"}


class Item(Protocol):
    id: int
    kind: str
    recipient: str
    draft_id: Any
    revision: int | None
    payload: Mapping[str, Any]
    dedupe_key: str
    attempts: int


class Store(Protocol):
    def claim_due(self, now: datetime, limit: int) -> list[Any]: ...

    def mark_delivered_many(
        self, deliveries: list[tuple[int, Mapping[str, Any]]], now: datetime
    ) -> None: ...

    def mark_failed(
        self,
        item_id: int,
        error: str,
        retry_after: float | None,
        now: datetime,
        *,
        permanent: bool = False,
    ) -> datetime | None: ...

    def result_of(self, dedupe_key: str) -> Mapping[str, Any] | None: ...

    def settlement_of(self, draft_id: Any, dedupe_key: str) -> Mapping[str, Any] | None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Pass:
    """What one pass delivered, recorded together at its end (one transaction, not one per
    message). Until then it answers `result_of` itself, so a later row of the same pass (a
    decision_made editing a review request sent moments ago) finds the message it edits."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._results: dict[str, Mapping[str, Any]] = {}
        self.delivered: list[tuple[int, Mapping[str, Any]]] = []

    def add(self, item: Item, result: Mapping[str, Any]) -> None:
        with self._lock:
            self.delivered.append((item.id, result))
            if item.dedupe_key:
                self._results[item.dedupe_key] = result

    def result_of(self, dedupe_key: str) -> Mapping[str, Any] | None:
        with self._lock:
            if dedupe_key in self._results:
                return self._results[dedupe_key]
        return self.store.result_of(dedupe_key)

    def settlement_of(self, draft_id: Any, dedupe_key: str) -> Mapping[str, Any] | None:
        return self.store.settlement_of(draft_id, dedupe_key)


class Dispatcher:
    def __init__(
        self,
        store: Store,
        client: WebClient,
        *,
        batch: int = 50,
        poll_interval: float = 2.0,
        clock: Callable[[], datetime] = _utcnow,
        workers: int = 4,
    ) -> None:
        self.store = store
        self._pool = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brandgate-deliver")
            if workers > 1
            else None
        )
        self.client = client
        self.batch = batch
        self.poll_interval = poll_interval
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one pass at a time per process
        self._count_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    # -- one pass ------------------------------------------------------------------------------
    def dispatch_once(self, now: datetime | None = None) -> int:
        """Claim due rows once and try each; returns how many rows were attempted.

        Rows of one draft are sent in order (an update needs the message it edits), different
        drafts in parallel on `workers` threads: a Slack round trip, not the database, is what
        each row waits for.
        """
        with self._lock:
            now = now or self.clock()
            items = self.store.claim_due(now, self.batch)
            groups: dict[Any, list[Any]] = {}
            for item in items:
                key = item.draft_id if item.draft_id is not None else ("row", item.id)
                groups.setdefault(key, []).append(item)

            done = _Pass(self.store)

            def deliver_group(group: list[Any]) -> None:
                # Approvers first: a review request depends on nothing, while an update of a
                # review request (decision_made) must come after it.
                for item in sorted(group, key=lambda i: (KIND_ORDER.get(i.kind, 2), i.id)):
                    self._deliver(item, now, done)

            try:
                if self._pool is None or len(groups) <= 1:
                    for group in groups.values():
                        deliver_group(group)
                else:
                    list(self._pool.map(deliver_group, groups.values()))
            finally:
                # Whatever went out is recorded, even if a group failed unexpectedly.
                if done.delivered:
                    self.store.mark_delivered_many(done.delivered, now)
            return len(items)

    def run_until_idle(self, now: datetime | None = None, max_passes: int = 100) -> int:
        """Repeat passes until nothing is due at `now`; returns rows attempted in total."""
        total = 0
        for _ in range(max_passes):
            n = self.dispatch_once(now)
            total += n
            if n == 0:
                break
        return total

    def _deliver(self, item: Item, now: datetime, done: _Pass) -> None:
        try:
            result = self._perform(render.delivery(item, done))
        except SlackApiError as err:
            self._failed(item, err, now, done)
            return
        except (SlackRequestError, OSError) as err:  # connection refused, timeouts, DNS
            self._count(failed=1)
            self.store.mark_failed(item.id, f"connection: {type(err).__name__}: {err}", None, now)
            logger.warning("outbox %s (%s): connection error, will retry", item.id, item.kind)
            return
        except Exception as err:  # a rendering bug must not kill the loop or lose the row
            self._count(failed=1)
            logger.exception("outbox %s (%s): cannot deliver", item.id, item.kind)
            self.store.mark_failed(
                item.id, f"internal: {type(err).__name__}", INTERNAL_RETRY_SECONDS, now
            )
            return
        self._count(delivered=1)
        done.add(item, result)

    def _count(self, delivered: int = 0, failed: int = 0) -> None:
        with self._count_lock:
            self.delivered += delivered
            self.failed += failed

    def _failed(self, item: Item, err: SlackApiError, now: datetime, done: _Pass) -> None:
        self._count(failed=1)
        status = err.response.status_code
        code = str(err.response.get("error") or status)
        if code in NOTHING_TO_DO:
            done.add(item, {"skipped": code})
            return
        if status != 429 and code in PERMANENT_ERRORS:
            self.store.mark_failed(item.id, f"slack: {code}", None, now, permanent=True)
            logger.error("outbox %s (%s): %s, given up", item.id, item.kind, code)
            return
        retry_after: float | None = None
        if status == 429:
            header = _header(err.response.headers, "Retry-After")
            retry_after = float(header) if header and header.isdigit() else 1.0
        when = self.store.mark_failed(item.id, f"slack: {code}", retry_after, now)
        logger.warning("outbox %s (%s): %s, retry at %s", item.id, item.kind, code, when)

    # -- Slack calls per kind ---------------------------------------------------------------
    def _perform(self, d: Delivery) -> dict[str, Any]:
        if d.update_targets is not None:
            updated = []
            for channel, ts in d.update_targets:
                try:
                    self.client.chat_update(channel=channel, ts=ts, **d.message)
                    updated.append({"channel": channel, "ts": ts})
                except SlackApiError as err:
                    if err.response.get("error") not in NOTHING_TO_DO:
                        raise
            return {"updated": updated}
        if d.update_ts:
            try:
                res = self.client.chat_update(channel=d.channel, ts=d.update_ts, **d.message)
                return {"channel": res["channel"], "ts": res["ts"], "updated": True}
            except SlackApiError as err:
                if err.response.get("error") not in NOTHING_TO_DO | {"cant_update_message"}:
                    raise
        kwargs: dict[str, Any] = {"channel": d.channel, **d.message}
        if d.thread_ts:
            kwargs["thread_ts"] = d.thread_ts
        try:
            res = self.client.chat_postMessage(**kwargs)
        except SlackApiError as err:
            # The submitter's thread is in a channel we cannot post to: tell them in a DM.
            if d.fallback_channel and err.response.get("error") in PERMANENT_ERRORS:
                res = self.client.chat_postMessage(channel=d.fallback_channel, **d.message)
            else:
                raise
        return {"channel": res["channel"], "ts": res["ts"]}

    # -- background thread -----------------------------------------------------------------------
    def notify(self) -> None:
        """Something was queued: run a pass now instead of at the next poll."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Dispatcher:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="brandgate-dispatcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        self.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                n = self.dispatch_once()
            except Exception:  # the database may be briefly unavailable; keep the loop alive
                logger.exception("dispatcher pass failed")
                n = 0
                time.sleep(min(self.poll_interval, 1.0))
            if n == 0:
                self._wake.wait(self.poll_interval)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            value = value[0] if isinstance(value, list) else value
            return str(value).strip()
    return None
