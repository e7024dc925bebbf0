"""The whole Slack surface under test: fake Slack API, real app over loopback HTTP, real database.

Nothing here sleeps to wait for timing: lazy listeners run on a `TrackingExecutor` whose
`wait_idle()` returns when they are done, and the outbox dispatcher is driven explicitly with a
clock the test controls.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.audit import draft_history
from bot.config import Settings
from bot.slack import ids
from bot.slack.runtime import Runtime
from bot.slack.server import HttpServer
from models import OutboxMessage
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.signed import Response, SignedClient

BOT_TOKEN = "xoxb-test-0000-brandgate"
SIGNING_SECRET = "test-signing-secret-0123456789"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret-abcdef"
STATE_SECRET = "test-state-secret-0123456789"


class TrackingExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that can tell when every submitted task has finished."""

    def __init__(self, max_workers: int = 16) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="test-lazy")
        self._cond = threading.Condition()
        self._running = 0
        self.errors: list[BaseException] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except BaseException as err:
                self.errors.append(err)
                raise
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

        with self._cond:
            self._running += 1
        try:
            return super().submit(run)
        except RuntimeError:  # shut down: nothing will run
            with self._cond:
                self._running -= 1
            raise

    def wait_idle(self, timeout: float = 15.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._running == 0, timeout):
                raise AssertionError(f"{self._running} listener task(s) still running")


@dataclass
class Clock:
    """Real time plus an offset the test moves forward (for outbox retry schedules)."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class Harness:
    def __init__(
        self,
        fake: FakeSlack,
        db_url: str,
        guidelines_dir: Path,
        *,
        paced: bool = False,
        oauth: bool = False,
        workers: int = 16,
        handover: bool = False,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.fake = fake
        if oauth:  # many workspaces: no bot token, installs through /slack/install
            fake.oauth_app(CLIENT_ID, CLIENT_SECRET)
        self.settings = Settings(
            slack_bot_token=None if oauth else BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.url,
            database_url=db_url,
            guidelines_dir=guidelines_dir,
            slack_client_id=CLIENT_ID if oauth else None,
            slack_client_secret=CLIENT_SECRET if oauth else None,
            slack_state_secret=STATE_SECRET if oauth else None,
        )
        self.executor = TrackingExecutor(workers)
        # the threads that open forms just after their ack (bot/slack/form_opening.py)
        self.forms = TrackingExecutor(8)
        self.clock = Clock()
        # handover: the HTTP process of `serve --http` (worker_process.py); `notify` wakes
        # the worker process that does the work
        self.runtime = Runtime.build(
            self.settings,
            executor=self.executor,
            forms_executor=self.forms,
            handover=handover,
            notify=notify,
        )
        self.runtime.dispatcher.clock = self.clock
        # the form opener measures a trigger's age on it too (form_opening.TRIGGER_SECONDS)
        assert self.runtime.forms is not None
        self.runtime.forms.clock = lambda: self.clock().timestamp()
        if not paced:  # one message a second per channel: only for the tests about pacing
            self.runtime.dispatcher.pacer.gap = timedelta(0)
        self.server: HttpServer = self.runtime.http_server(host="127.0.0.1", port=0).start()
        # Slack's clock is the test's too: moving it ages trigger ids, response_urls and rate
        # limit windows as well as the outbox schedule.
        fake.clock = lambda: self.clock().timestamp()
        self.client = SignedClient(
            self.server.url, SIGNING_SECRET, fake.response_url_base, clock=fake.clock
        )

    def close(self) -> None:
        self.server.stop()
        self.forms.shutdown(wait=True)
        self.executor.shutdown(wait=True)
        self.runtime.close()

    # -- driving ---------------------------------------------------------------------------------
    def settle(self) -> None:
        """Wait until every lazy listener (and form opening) started so far has finished."""
        self.forms.wait_idle()
        self.executor.wait_idle()
        assert not self.executor.errors, self.executor.errors
        assert not self.forms.errors, self.forms.errors
        self.assert_slack_accepted_everything()

    def wait_forms(self) -> None:
        """Wait until every form asked for so far was opened, or its user told why not."""
        self.forms.wait_idle()
        assert not self.forms.errors, self.forms.errors

    def assert_slack_accepted_everything(self) -> None:
        refused = [(c.method, c.response) for c in self.fake.refused() if _content_error(c)]
        assert not refused, f"Slack would refuse: {refused}"

    def deliver(self) -> int:
        """Finish listeners, then deliver everything due now; returns rows attempted."""
        self.settle()
        attempted = self.runtime.dispatcher.run_until_idle(self.clock())
        self.assert_slack_accepted_everything()
        return attempted

    def latest_draft(self, submitter: str) -> dict[str, Any]:
        rows = self.runtime.backend.service.list(submitter=submitter, limit=1)
        assert rows, f"no draft by {submitter}"
        return rows[0]

    def draft(self, draft_id: int) -> Any:
        return self.runtime.backend.service.get(draft_id)

    def audit_events(self, draft_id: int) -> list[str]:
        return [e["event"] for e in draft_history(self.runtime.db, draft_id)]

    def outbox(self) -> list[OutboxMessage]:
        with self.runtime.db.reading() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    # -- Slack-side views ------------------------------------------------------------------------
    def opened_view(
        self, user: str | None = None, callback_id: str | None = None
    ) -> dict[str, Any]:
        """The last modal the app opened (optionally with this callback id), once the form
        opener has nothing left to do (forms open just after their ack)."""
        self.wait_forms()
        for call in reversed(self.fake.calls_to("views.open")):
            view = call.params["view"]
            view = json.loads(view) if isinstance(view, str) else view
            if callback_id is None or view.get("callback_id") == callback_id:
                # Slack gives the opened view its id; submissions carry it back.
                return {**view, "id": call.response["view"]["id"]}
        raise AssertionError(f"no views.open for {callback_id}")

    def dms(self, user: str) -> list[Call]:
        """Messages posted to `user` directly (the app's DM with them)."""
        return self.fake.messages_to(user)

    def review_requests(self, user: str) -> list[Call]:
        return [c for c in self.dms(user) if _has_action(c, ids.ACTION_APPROVE)]

    # -- common flows ---------------------------------------------------------------------------
    def open_draft_modal(self, user: str) -> dict[str, Any]:
        resp = self.client.command(ids.CMD_DRAFT, "", user=user)
        assert resp.status == 200, resp
        self.settle()
        return self.opened_view(callback_id=ids.VIEW_SUBMIT)

    def submit_modal(self, user: str, values: dict[str, Any], **kw: Any) -> Response:
        view = self.open_draft_modal(user)
        values = {ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x", **values}
        resp = self.client.view_submission(user=user, view=view, values=values, **kw)
        return resp

    def click(self, user: str, action_id: str, draft_id: int, revision: int) -> Response:
        resp = self.client.action(
            user=user, action_id=action_id, value=ids.button_value(str(draft_id), revision)
        )
        assert resp.status == 200, resp
        return resp

    def decide_with_modal(
        self, user: str, action_id: str, draft_id: int, revision: int, values: dict[str, Any]
    ) -> Response:
        before = len(self.fake.calls_to("views.open"))
        self.click(user, action_id, draft_id, revision)
        self.settle()
        opened = self.fake.calls_to("views.open")
        assert len(opened) == before + 1, "no modal opened"
        view = opened[-1].params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        view = {**view, "id": opened[-1].response["view"]["id"]}
        return self.client.view_submission(user=user, view=view, values=values)

    def private_notes(self) -> list[str]:
        """Text of every ephemeral response_url message and DM refusal, newest last."""
        out = []
        for c in self.fake.calls:
            if c.method.startswith("/respond/") or (
                c.method == "chat.postMessage" and ":no_entry_sign:" in c.rendered()
            ):
                out.append(c.rendered())
        return out


# Refusals of what the app sent (not of what a test set up on purpose, like a missing channel).
CONTENT_ERRORS = {
    "invalid_blocks",
    "msg_too_long",
    "msg_blocks_too_long",
    "no_text",
    "invalid_arguments",
    "expired_trigger_id",
    "exchanged_trigger_id",
    "invalid_trigger_id",
    "used_url",
    "expired_url",
}


def _content_error(call: Call) -> bool:
    return str(call.response.get("error")) in CONTENT_ERRORS


def _has_action(call: Call, action_id: str) -> bool:
    return any(
        el.get("action_id") == action_id
        for b in call.blocks
        if b.get("type") == "actions"
        for el in b.get("elements", [])
    )
