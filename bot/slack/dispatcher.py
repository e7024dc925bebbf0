"""Delivers the outbox to Slack: approver DMs, thread replies to submitters, message updates.

The workflow writes outbox rows in the same transaction as the state change that causes them;
this module only turns rows into Slack calls. Guarantees:

* never twice: a row is leased by `claim_due` before it is sent and recorded as delivered the
  moment Slack answers (one transaction per message, so a crash can repeat at most the one
  message in flight); a pass that outlives a third of its lease renews it before each row, so
  another process never re-claims work still under way. The client used here has no automatic
  retries (a blind retry of chat.postMessage after a 5xx could post twice): every retry goes
  through the outbox schedule, and a retried update (chat.update) is harmless by nature;
* an answer lost is not a message posted twice: Slack has no idempotency key for
  chat.postMessage, so each post carries its row's dedupe key as message metadata; when an
  attempt's answer never came (a timeout or reset after the request was sent, `last_error`
  "unknown outcome"), the next attempt first looks for that metadata in the conversation's
  latest messages (conversations.history, or conversations.replies for a thread reply) and
  records the message found instead of posting again;
* many workspaces: each row goes out with its team's bot token (`clients`, see oauth.py), and
  rate limits and pacing are kept per team;
* nothing lost: a Slack outage (5xx, no connection) is retried with capped exponential backoff
  for as long as it lasts. Errors that no retry can fix (`PERMANENT_ERRORS`: a channel we may not
  post to, a revoked token, a message Slack refuses) give up at once; any other error gives up
  after `MAX_ATTEMPTS`. Given-up rows are the dead letter (`brandgate outbox list --failed`,
  `/healthz`), kept with their error, until an operator retries them (`brandgate outbox retry`);
* Slack's rate limits: after a 429 no call of that method is made before its Retry-After has
  passed (rows that need it are given back, due then, not counted as attempts), and
  chat.postMessage is paced to one message a second per channel (what Slack allows);
* deterministic to test: `dispatch_once(now)` / `run_until_idle(now)` do one pass with an explicit
  clock; `start()` runs the same pass in a thread, woken by `notify()` after each state change or
  when the next paced row is due.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.slack import render
from bot.slack.oauth import NotInstalled
from bot.slack.render import Delivery
from bot.slack.startup import TOKEN_ERRORS
from bot.workflow.outbox import UNKNOWN_OUTCOME

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
    "missing_scope",
    "invalid_blocks",
    "invalid_blocks_format",
    "invalid_arguments",
    "msg_too_long",
    "msg_blocks_too_long",
    "too_many_attachments",
    "no_text",
    "cant_update_message",
    "edit_window_closed",
    "restricted_action",
}
# Delivery order within one draft's rows of a batch.
KIND_ORDER = {"review_request": 0, "findings": 1, "outcome": 2, "decision_made": 3}
# An update whose target is gone has nothing left to do.
NOTHING_TO_DO = {"message_not_found"}
# Slack: "about one message a second per channel" (docs/apis/web-api/rate-limits).
SECONDS_PER_MESSAGE = 1.0
POST = "chat.postMessage"
UPDATE = "chat.update"
#: message metadata event type of brandgate's outbox messages (see `outbox_metadata`)
METADATA_EVENT = "brandgate_outbox"
HISTORY_PAGES = 3


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

    def renew(self, token: str, until: datetime) -> set[int]: ...

    def release(self, item_id: int, until: datetime) -> None: ...

    def mark_delivered(self, item_id: int, result: Mapping[str, Any], now: datetime) -> None: ...

    def mark_failed(
        self,
        item_id: int,
        error: str,
        retry_after: float | None,
        now: datetime,
        *,
        permanent: bool = False,
        outage: bool = False,
    ) -> datetime | None: ...

    def result_of(self, dedupe_key: str) -> Mapping[str, Any] | None: ...

    def settlement_of(self, draft_id: Any, dedupe_key: str) -> Mapping[str, Any] | None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def first_method(d: Delivery) -> str:
    """The Slack method a delivery calls first (what its rate limit depends on)."""
    return UPDATE if d.update_targets is not None or d.update_ts else POST


class Pacer:
    """When each method and channel may be called next: Retry-After per method, one message a
    second per channel. Slots are handed out in order, so a burst of messages to one approver
    is spread over the following seconds instead of hitting the limit."""

    def __init__(self, seconds_per_message: float = SECONDS_PER_MESSAGE) -> None:
        self.gap = timedelta(seconds=seconds_per_message)
        self._lock = threading.Lock()
        self._method_free: dict[str, datetime] = {}
        self._channel_free: dict[str, datetime] = {}
        self._reserved: dict[int, datetime] = {}  # row id -> the slot it was given
        self._last_sent: dict[str, datetime] = {}

    def slot(self, method: str, channel: str | None, now: datetime, row: int) -> datetime | None:
        """None: call now (taking the channel's slot); else when to try again (a slot kept
        for this row, so it goes then rather than queueing again behind later rows)."""
        with self._lock:
            blocked = self._method_free.get(method)
            if blocked is not None and blocked > now:
                return blocked
            # (method and channel may carry a "TEAM/" prefix: each workspace has its own limits)
            if method.rsplit("/", 1)[-1] != POST or not channel or not self.gap:
                return None
            reserved = self._reserved.pop(row, None)
            last = self._last_sent.get(channel)
            # never closer than `gap` to the channel's last message, even when rows fell
            # behind their slots (a slow pass must not send two slots' rows back to back)
            earliest = max(reserved or now, last + self.gap if last else now)
            if reserved is None and earliest > now:
                earliest = max(earliest, self._channel_free.get(channel, earliest))
            if earliest <= now and (
                reserved is not None or self._channel_free.get(channel, now) <= now
            ):
                self._last_sent[channel] = now
                self._channel_free[channel] = max(
                    self._channel_free.get(channel, now), now + self.gap
                )
                return None
            if reserved is None:
                earliest = max(earliest, self._channel_free.get(channel, earliest))
                self._channel_free[channel] = earliest + self.gap
            self._reserved[row] = earliest
            return earliest

    def rate_limited(self, method: str, retry_after: float, now: datetime) -> datetime:
        with self._lock:
            until = now + timedelta(seconds=retry_after)
            self._method_free[method] = max(self._method_free.get(method, until), until)
            return self._method_free[method]


class Dispatcher:
    def __init__(
        self,
        store: Store,
        client: WebClient,
        *,
        batch: int = 20,
        poll_interval: float = 2.0,
        clock: Callable[[], datetime] = _utcnow,
        workers: int = 4,
        lease_seconds: float = 60.0,
        seconds_per_message: float = SECONDS_PER_MESSAGE,
        clients: Callable[[str | None], WebClient] | None = None,
    ) -> None:
        """`clients(team)`: the client with team's bot token (many workspaces, see oauth.py);
        without it every row goes out with `client`."""
        self.store = store
        self.clients = clients
        self._pool = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brandgate-deliver")
            if workers > 1
            else None
        )
        self.client = client
        self.batch = batch
        self.poll_interval = poll_interval
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.pacer = Pacer(seconds_per_message)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one pass at a time per process
        self._count_lock = threading.Lock()
        self._next_due: datetime | None = None
        self.delivered = 0
        self.failed = 0
        self.rate_limited = 0

    # -- one pass ------------------------------------------------------------------------------
    def dispatch_once(self, now: datetime | None = None) -> int:
        """Claim due rows once and try each; returns how many rows were attempted.

        Rows of one draft are sent in order (an update needs the message it edits), different
        drafts in parallel on `workers` threads: a Slack round trip, not the database, is what
        each row waits for. With `now` given the pass runs at that moment (tests); without,
        each row reads the clock.
        """
        with self._lock:
            start = now or self.clock()
            items = self.store.claim_due(start, self.batch)
            if not items:
                return 0
            lease = _Lease(self, items, start)
            groups: dict[Any, list[Any]] = {}
            for item in items:
                key = item.draft_id if item.draft_id is not None else ("row", item.id)
                groups.setdefault(key, []).append(item)

            def deliver_group(group: list[Any]) -> None:
                # Approvers first: a review request depends on nothing, while an update of a
                # review request (decision_made) must come after it.
                for item in sorted(group, key=lambda i: (KIND_ORDER.get(i.kind, 2), i.id)):
                    at = now or self.clock()
                    if lease.holds(item, at):
                        self._deliver(item, at)

            if self._pool is None or len(groups) <= 1:
                for group in groups.values():
                    deliver_group(group)
            else:
                list(self._pool.map(deliver_group, groups.values()))
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

    def client_for(self, item: Item) -> WebClient:
        team = getattr(item, "team_id", None)
        return self.clients(team) if self.clients is not None else self.client

    def _deliver(self, item: Item, now: datetime) -> None:
        team = getattr(item, "team_id", None)
        client: WebClient | None = None
        try:
            client = self.client_for(item)
            delivery = render.delivery(item, self.store)
            # Slack's limits are per workspace: each team has its own slots.
            channel = (
                f"{team}/{delivery.channel}" if team and delivery.channel else delivery.channel
            )
            method = f"{team}/{first_method(delivery)}" if team else first_method(delivery)
            later = self.pacer.slot(method, channel, now, item.id)
            if later is not None:
                self._later(item.id, later)
                return
            unknown = str(getattr(item, "last_error", None) or "").startswith(UNKNOWN_OUTCOME)
            result = self._perform(delivery, client, item.dedupe_key, unknown)
        except NotInstalled as err:
            self._count(failed=1)
            self.store.mark_failed(item.id, f"slack: {err}", None, now, permanent=True)
            logger.error("outbox %s (%s): %s, given up", item.id, item.kind, err)
            return
        except SlackApiError as err:
            code = err.response.get("error")
            if self.clients is not None and code in TOKEN_ERRORS:
                # A token cached before the team installed again: retry with the new one.
                reinstalled = getattr(self.clients, "reinstalled", None)
                if reinstalled is not None and reinstalled(team, client and client.token):
                    self.store.mark_failed(item.id, f"slack: {code} (old token)", 0.0, now)
                    return
            self._failed(item, err, now)
            return
        except (SlackRequestError, OSError) as err:  # connection refused, timeouts, DNS
            self._count(failed=1)
            error = f"connection: {type(err).__name__}: {err}"
            if not isinstance(err, ConnectionRefusedError | socket.gaierror):
                # sent, perhaps done, answer lost (timeout, reset): look before posting again
                error = f"{UNKNOWN_OUTCOME} ({error})"
            self.store.mark_failed(item.id, error, None, now, outage=True)
            logger.warning("outbox %s (%s): connection error, will retry", item.id, item.kind)
            return
        except Exception as err:  # a rendering bug must not kill the loop or lose the row
            self._count(failed=1)
            logger.exception("outbox %s (%s): cannot deliver", item.id, item.kind)
            self.store.mark_failed(item.id, f"internal: {type(err).__name__}", None, now)
            return
        # Recorded at once: a crash after this line repeats nothing.
        self.store.mark_delivered(item.id, result, now)
        self._count(delivered=1)

    def _later(self, item_id: int, when: datetime) -> None:
        self.store.release(item_id, when)
        with self._count_lock:
            if self._next_due is None or when < self._next_due:
                self._next_due = when

    def _count(self, delivered: int = 0, failed: int = 0) -> None:
        with self._count_lock:
            self.delivered += delivered
            self.failed += failed

    def _failed(self, item: Item, err: SlackApiError, now: datetime) -> None:
        status = err.response.status_code
        code = str(err.response.get("error") or status)
        if code in NOTHING_TO_DO:
            self.store.mark_delivered(item.id, {"skipped": code}, now)
            return
        if status == 429:
            header = _header(err.response.headers, "Retry-After")
            retry_after = float(header) if header and header.isdigit() else 1.0
            method = str(err.response.api_url).rstrip("/").rsplit("/", 1)[-1] or POST
            team = getattr(item, "team_id", None)
            method = f"{team}/{method}" if team else method
            with self._count_lock:
                self.rate_limited += 1
            self._later(item.id, self.pacer.rate_limited(method, retry_after, now))
            logger.warning("outbox %s: %s rate limited for %ss", item.id, method, retry_after)
            return
        self._count(failed=1)
        if code in PERMANENT_ERRORS:
            self.store.mark_failed(item.id, f"slack: {code}", None, now, permanent=True)
            logger.error("outbox %s (%s): %s, given up", item.id, item.kind, code)
            return
        when = self.store.mark_failed(item.id, f"slack: {code}", None, now, outage=status >= 500)
        logger.warning("outbox %s (%s): %s, retry at %s", item.id, item.kind, code, when)

    # -- Slack calls per kind ---------------------------------------------------------------
    def _perform(
        self, d: Delivery, client: WebClient, key: str = "", unknown: bool = False
    ) -> dict[str, Any]:
        """The Slack calls of `d`. Posts carry the row's dedupe key as message metadata; after
        an attempt whose answer was lost (`unknown`), the conversation is searched for it
        first, so a retry never posts the same message twice."""
        if d.update_targets is not None:
            updated = []
            for channel, ts in d.update_targets:
                try:
                    client.chat_update(channel=channel, ts=ts, **d.message)
                    updated.append({"channel": channel, "ts": ts})
                except SlackApiError as err:
                    if err.response.get("error") not in NOTHING_TO_DO:
                        raise
            return {"updated": updated}
        if d.update_ts:
            try:
                res = client.chat_update(channel=str(d.channel), ts=d.update_ts, **d.message)
                return {"channel": res["channel"], "ts": res["ts"], "updated": True}
            except SlackApiError as err:
                if err.response.get("error") not in NOTHING_TO_DO | {"cant_update_message"}:
                    raise
        if key and unknown:
            found = posted_before(client, d, key)
            if found is not None:
                logger.info("outbox message %s was posted before its answer was lost", key)
                return found
        tag: dict[str, Any] = {"metadata": outbox_metadata(key)} if key else {}
        kwargs: dict[str, Any] = {"channel": d.channel, **d.message, **tag}
        if d.thread_ts:
            kwargs["thread_ts"] = d.thread_ts
        try:
            res = client.chat_postMessage(**kwargs)
        except SlackApiError as err:
            # The submitter's thread is in a channel we cannot post to: tell them in a DM.
            if d.fallback_channel and err.response.get("error") in PERMANENT_ERRORS:
                res = client.chat_postMessage(channel=d.fallback_channel, **d.message, **tag)
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
                self._wake.wait(self._idle_wait())

    def _idle_wait(self) -> float:
        """Until the next paced or rate-limited row is due, at most `poll_interval`."""
        with self._count_lock:
            due, self._next_due = self._next_due, None
        if due is None:
            return self.poll_interval
        return min(max((due - self.clock()).total_seconds(), 0.01), self.poll_interval)


class _Lease:
    """The claim of one pass: renewed before a row once a third of it has gone, so a slow
    Slack never lets another process re-claim rows this one is still delivering; a row whose
    claim was lost anyway (this process stalled past the lease) is left to its new owner."""

    def __init__(self, dispatcher: Dispatcher, items: list[Any], start: datetime) -> None:
        self.store = dispatcher.store
        self.seconds = dispatcher.lease_seconds
        self.token = getattr(items[0], "claim_token", None) if items else None
        self.renewed = start
        self.held = {item.id for item in items}
        self._lock = threading.Lock()

    def holds(self, item: Any, now: datetime) -> bool:
        with self._lock:
            if self.token and (now - self.renewed).total_seconds() > self.seconds / 3:
                self.held = self.store.renew(self.token, now + timedelta(seconds=self.seconds))
                self.renewed = now
            return item.id in self.held


def outbox_metadata(key: str) -> dict[str, Any]:
    """Slack message metadata naming the outbox row a message delivers
    (reference/methods/chat.postMessage `metadata`: an event_type and an event_payload)."""
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox": key}}


def _conversation(client: WebClient, channel: str) -> str:
    """History needs a conversation id; a message to a user id went to the app's DM with them."""
    if channel.startswith(("U", "W")):
        return str(client.conversations_open(users=channel)["channel"]["id"])
    return channel


def posted_before(client: WebClient, d: Delivery, key: str) -> dict[str, Any] | None:
    """Where the message of outbox row `key` already is, if an earlier attempt posted it: the
    latest messages of its conversation (its thread's, for a reply), with their metadata
    (conversations.history / conversations.replies `include_all_metadata`). The lost attempt
    was the row's last, moments ago, so the newest pages are enough. A lookup Slack refuses
    (an install without the history scopes) is logged and the message is posted again."""
    places = [(d.channel, d.thread_ts)] + (
        [(d.fallback_channel, None)] if d.fallback_channel else []
    )
    for channel, thread_ts in places:
        if not channel:
            continue
        try:
            conversation = _conversation(client, channel)
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                page = (
                    client.conversations_replies(
                        channel=conversation,
                        ts=thread_ts,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                    if thread_ts
                    else client.conversations_history(
                        channel=conversation, include_all_metadata=True, limit=200, cursor=cursor
                    )
                )
                for message in page.get("messages") or []:
                    meta = message.get("metadata") or {}
                    if (
                        meta.get("event_type") == METADATA_EVENT
                        and (meta.get("event_payload") or {}).get("outbox") == key
                    ):
                        return {"channel": conversation, "ts": message["ts"], "recovered": True}
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except SlackApiError as err:
            if err.response.status_code == 429 or err.response.status_code >= 500:
                raise  # rescheduled like any rate limit or outage
            logger.warning("cannot look for outbox message %s: %s", key, err.response.get("error"))
    return None


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            value = value[0] if isinstance(value, list) else value
            return str(value).strip()
    return None
