"""Opening a modal after the ack, on a few threads of its own (issue 11: forms before anything
that can wait on a rate limit).

Every listener that opens a modal acks first and hands the rest here: the permission check
(a database query), building the view and `views.open` (a Slack round trip). With
`process_before_response=True` Bolt answers the HTTP request only when the ack listener
returns, so doing either before returning put a query and a round trip into every form's ack.

The threads are not Bolt's lazy workers: those queue behind slow submissions, and a trigger id
lives 3 seconds and works once (defect 7: a Reject click reached views.open 4.13 s late). They
only ever open forms, so a form waits at most for a few other forms.

Whatever keeps a form from opening is told to the user privately (ephemeral through the
request's response_url, else a DM): a refusal by the workflow, a trigger that aged past its
3 seconds in the queue (the opener does not even try, Slack would refuse it), Slack's own
`expired_trigger_id`, a 429 (the listener client never sleeps on one: app.build_client), or any
other error. Nothing is lost: no form was shown, so nothing was typed, and the note says to click
again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.audit.origin import set_origin, slack_origin
from bot.slack import messages
from bot.slack.backend import Backend, BackendError
from bot.slack.messages import Message
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately

logger = logging.getLogger("brandgate.slack.forms")

#: threads that open forms (a check and a views.open each; mostly waiting on I/O). A burst of
#: 20 clicks at once on a loaded 2-core machine needs more than 4: with 4, 3 of 80 triggers
#: expired on PostgreSQL in benchmarks/slack_load.py (load ~10); with 8, none (max 0.85 s from
#: the ack to Slack's answer). A trigger older than 3 s is not even tried (see _too_late), so a
#: backlog drains at the speed of one private note each.
FORM_WORKERS = 8
#: Slack: "trigger_id ... expires after 3 seconds" (docs/interactivity/handling-user-interaction)
TRIGGER_SECONDS = 3.0

View = dict[str, Any]
#: builds the form on the opener thread: asks the workflow first (raises BackendError, or
#: Refused, when the user may not), then returns the view to open
Prepare = Callable[[Backend], View]


class Refused(Exception):
    """Raised by a `Prepare` to answer the user privately with `message` instead of a form."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.get("text"))
        self.message = message


TOO_LATE = messages.notice(
    ":hourglass: The form could not open in time (Slack allows an app 3 seconds after a "
    "click). Nothing was changed: please try again."
)
RATE_LIMITED = messages.notice(
    ":hourglass: Slack is limiting brandgate's requests right now, so the form could not open. "
    "Nothing was changed: please try again in a few seconds."
)
NOT_OPENED = messages.notice(
    ":warning: The form could not open. Nothing was changed: please try again."
)
#: Slack's answers that mean the trigger id can no longer open anything
_TRIGGER_GONE = frozenset({"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"})


@dataclass
class FormCounts:
    """What became of the forms asked for (logged, and read by the benchmark)."""

    opened: int = 0
    refused: int = 0
    #: waited 3 s or more on the opener: not tried, the user was told
    stale: int = 0
    #: Slack answered expired/exchanged/invalid trigger
    expired: int = 0
    rate_limited: int = 0
    failed: int = 0
    #: seconds from the ack to Slack's answer to views.open, of the latest forms opened
    open_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)


@dataclass(frozen=True)
class FormRequest:
    """One form to open: who asked (the payload: response_url and user), and the client and
    backend of the request's team."""

    client: WebClient
    body: Mapping[str, Any]
    trigger_id: str
    backend: Backend
    prepare: Prepare
    #: the audit origin of the request (set per thread, as services_of does on the request's)
    origin: dict[str, Any]
    received: float


class FormOpener:
    """Opens forms on `executor` (by default `FORM_WORKERS` threads of its own). `clock` is
    seconds, monotonic; tests pass one they move to age a trigger."""

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.executor = executor or ThreadPoolExecutor(
            max_workers=FORM_WORKERS, thread_name_prefix="brandgate-forms"
        )
        self.clock = clock
        self.counts = FormCounts()
        self._closed = False

    def open(
        self,
        client: WebClient,
        body: Mapping[str, Any],
        backend: Backend,
        prepare: Prepare,
        *,
        user: str | None = None,
        team: str | None = None,
    ) -> None:
        """Queue the form; returns at once (called right after the ack). `user` and `team`:
        the request's, for the audit origin of whatever the check writes."""
        request = FormRequest(
            client=client,
            body=body,
            trigger_id=str(body.get("trigger_id") or ""),
            backend=backend,
            prepare=prepare,
            origin=slack_origin(user, team),
            received=self.clock(),
        )
        try:
            self.executor.submit(self._run, request)
        except RuntimeError:  # shut down under us: serve is stopping
            logger.warning("form not opened: the opener is shut down")
            self.counts.add("failed")

    def close(self) -> None:
        """Stop taking forms and finish those queued (each is short: a query and one call,
        and anything queued 3 s only sends its note)."""
        if not self._closed:
            self._closed = True
            self.executor.shutdown(wait=True)

    # -- on the opener thread ------------------------------------------------------------------
    def _run(self, request: FormRequest) -> None:
        try:
            self._open(request)
        except Exception as err:  # nobody else would hear of it after the ack
            logger.warning("form not opened: %s", type(err).__name__)
            self.counts.add("failed")
            self._tell(request, NOT_OPENED)

    def _open(self, request: FormRequest) -> None:
        if self._too_late(request):
            return
        set_origin(request.origin)
        try:
            view = request.prepare(request.backend)
        except BackendError as err:
            self.counts.add("refused")
            self._tell(request, refusal_message(err))
            return
        except Refused as refused:
            self.counts.add("refused")
            self._tell(request, refused.message)
            return
        if self._too_late(request):
            return
        try:
            request.client.views_open(trigger_id=request.trigger_id, view=view)
        except SlackApiError as err:
            self._slack_refused(request, err)
            return
        self.counts.add("opened")
        self.counts.open_seconds.append(self.clock() - request.received)

    def _too_late(self, request: FormRequest) -> bool:
        waited = self.clock() - request.received
        if waited < TRIGGER_SECONDS:
            return False
        logger.warning("form not opened: waited %.1f s for the opener", waited)
        self.counts.add("stale")
        self._tell(request, TOO_LATE)
        return True

    def _slack_refused(self, request: FormRequest, err: SlackApiError) -> None:
        code = str(err.response.get("error") or "")
        logger.warning("views.open failed: %s", code or err.response.status_code)
        if code in _TRIGGER_GONE:
            self.counts.add("expired")
            self._tell(request, TOO_LATE)
        elif err.response.status_code == 429 or code == "ratelimited":
            self.counts.add("rate_limited")
            self._tell(request, RATE_LIMITED)
        else:
            self.counts.add("failed")
            self._tell(request, NOT_OPENED)

    @staticmethod
    def _tell(request: FormRequest, message: Message) -> None:
        try:
            tell_privately(request.client, request.body, message)
        except Exception as err:  # the user cannot be reached either: the log keeps it
            logger.warning("could not tell the user the form did not open: %s", type(err).__name__)


class _Inline(Executor):
    """Runs each form at once on the caller's thread: for services built without an opener
    (never the Bolt app's: create_app always gives it one)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        fn(*args, **kwargs)


#: the opener of services built without one (see Services.open_form)
INLINE = FormOpener(_Inline())
