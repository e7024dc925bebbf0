"""Issue 11 (What to build 2, defect 7): every listener that opens a modal acks at once, then
opens it on the form opener (bot/slack/form_opening.py): the ack waits on neither Slack nor the
database, the form opens within its trigger's 3 seconds, and whatever keeps it from opening
reaches the user privately.

Ordering is proven with gates, never with sleeps: the fake Slack holds views.open (`hold`) or
the workflow's permission check waits on an event, and the HTTP answer must arrive while they
are held.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.slack import ids
from tests.slack.brands import BRAND1, STRANGER, SUBMITTER, write_brands
from tests.slack.fake_slack import TRIGGER_SECONDS, Call, FakeSlack, stamp_of
from tests.slack.harness import Harness
from tests.slack.signed import Response
from tests.slack.test_slack_flows import CLEAN_WITH_WARNING, LEGAL_RISK, submit

#: how long a request may take to be answered before the test calls it stuck (a bound on a
#: failure, not a pause: a correct ack returns in milliseconds)
STUCK_SECONDS = 8.0


@dataclass
class Form:
    """One kind of request that opens a modal: how to send it (after any setup it needs), and
    the callback id of the modal it opens."""

    name: str
    send: Callable[[Harness], Callable[[], Response]]
    callback_id: str


def _draft(h: Harness) -> Callable[[], Response]:
    return lambda: h.client.command(ids.CMD_DRAFT, "", user=SUBMITTER)


def _shortcut(h: Harness) -> Callable[[], Response]:
    message = {"type": "message", "user": "UCUSTOMER", "ts": "1700000000.000042", "text": "Hi"}
    return lambda: h.client.message_shortcut(
        user=SUBMITTER, callback_id=ids.SHORTCUT_SUBMIT_MESSAGE, channel="C0SOCIAL", message=message
    )


def _click(action_id: str, text: str, user: str) -> Callable[[Harness], Callable[[], Response]]:
    def setup(h: Harness) -> Callable[[], Response]:
        draft = submit(h, text)
        value = ids.button_value(str(draft["id"]), 1)
        return lambda: h.client.action(user=user, action_id=action_id, value=value)

    return setup


def _away(h: Harness) -> Callable[[], Response]:
    return lambda: h.client.action(user=BRAND1, action_id=ids.ACTION_AWAY_OPEN, value="me")


FORMS = [
    Form("/draft", _draft, ids.VIEW_SUBMIT),
    Form("message shortcut", _shortcut, ids.VIEW_SUBMIT),
    Form("Reject", _click(ids.ACTION_REJECT, CLEAN_WITH_WARNING, BRAND1), ids.VIEW_REJECT),
    Form(
        "Request changes", _click(ids.ACTION_CHANGES, CLEAN_WITH_WARNING, BRAND1), ids.VIEW_CHANGES
    ),
    Form("Edit & approve", _click(ids.ACTION_EDIT, CLEAN_WITH_WARNING, BRAND1), ids.VIEW_EDIT),
    Form("Revise", _click(ids.ACTION_REVISE, LEGAL_RISK, SUBMITTER), ids.VIEW_REVISE),
    Form("Submit anyway", _click(ids.ACTION_OVERRIDE, LEGAL_RISK, SUBMITTER), ids.VIEW_OVERRIDE),
    Form("Away", _away, ids.VIEW_AWAY),
]


class InFlight:
    """A request sent on its own thread, so the test can see it answered while Slack holds."""

    def __init__(self, send: Callable[[], Response]) -> None:
        self.response: Response | None = None
        self.answered = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(send,), daemon=True)
        self._thread.start()

    def _run(self, send: Callable[[], Response]) -> None:
        self.response = send()
        self.answered.set()

    def wait(self) -> Response:
        assert self.answered.wait(STUCK_SECONDS), "no HTTP answer: the ack waited"
        assert self.response is not None
        return self.response


def _opened(h: Harness) -> list[Call]:
    return h.fake.calls_to("views.open", ok_only=False)


def _view_of(call: Call) -> dict[str, Any]:
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _within_trigger(call: Call) -> bool:
    issued = stamp_of(str(call.params["trigger_id"]))
    return issued is not None and call.clock_at - issued < TRIGGER_SECONDS


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_the_ack_arrives_while_views_open_is_still_held(slack: Harness, form: Form) -> None:
    send = form.send(slack)
    before = len(_opened(slack))
    gate = slack.fake.hold("views.open")
    try:
        request = InFlight(send)
        response = request.wait()  # answered while Slack still holds views.open ...
        assert response.status == 200 and response.body == b"", response
        assert gate.reached.wait(STUCK_SECONDS), "the form opener never called views.open"
        assert len(_opened(slack)) == before  # ... which Slack has not answered yet
    finally:
        gate.release.set()
    slack.wait_forms()
    opened = _opened(slack)[before:]
    assert [c.error for c in opened] == [None], [c.response for c in opened]
    assert _view_of(opened[0])["callback_id"] == form.callback_id
    assert _within_trigger(opened[0])
    assert slack.fake.trigger_expiries == 0
    slack.settle()


@pytest.mark.parametrize(
    ("form", "check"),
    [(FORMS[0], "brands_for"), (FORMS[2], "can_decide"), (FORMS[5], "can_revise")],
    ids=["/draft brands_for", "Reject can_decide", "Revise can_revise"],
)
def test_the_ack_does_not_wait_on_the_permission_check(
    slack: Harness, monkeypatch: pytest.MonkeyPatch, form: Form, check: str
) -> None:
    send = form.send(slack)
    backend = slack.runtime.backend
    asked, answer = threading.Event(), threading.Event()
    real = getattr(backend, check)

    def held(*args: Any, **kwargs: Any) -> Any:
        asked.set()
        assert answer.wait(STUCK_SECONDS), "the test never let the check answer"
        return real(*args, **kwargs)

    monkeypatch.setattr(backend, check, held)
    try:
        response = InFlight(send).wait()  # answered while the check is still held
        assert response.status == 200 and response.body == b""
        assert asked.wait(STUCK_SECONDS), f"the form opener never asked {check}"
    finally:
        answer.set()
    slack.wait_forms()
    assert _view_of(_opened(slack)[-1])["callback_id"] == form.callback_id
    slack.settle()


def test_a_refused_click_is_told_privately_and_opens_nothing(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    before = len(_opened(slack))
    response = slack.click(STRANGER, ids.ACTION_REJECT, draft["id"], 1)
    assert response.body == b""  # the ack says nothing: the refusal comes from the opener
    slack.settle()
    assert len(_opened(slack)) == before
    notes = [c for c in slack.fake.calls if c.method.startswith("/respond/")]
    assert "not an assigned approver" in notes[-1].rendered()
    assert notes[-1].params.get("response_type") == "ephemeral"


def _draft_by(h: Harness, user: str) -> Response:
    return h.client.command(ids.CMD_DRAFT, "", user=user)


def _shortcut_by(h: Harness, user: str) -> Response:
    message = {"type": "message", "user": "UCUSTOMER", "ts": "1700000000.000043", "text": "x"}
    return h.client.message_shortcut(
        user=user, callback_id=ids.SHORTCUT_SUBMIT_MESSAGE, channel="C0SOCIAL", message=message
    )


@pytest.fixture
def acme_only(fake_slack: FakeSlack, db_url: str, tmp_path: Path) -> Iterator[Harness]:
    """Only the acme brand (solo.yml lets anyone submit): STRANGER submits for no brand."""
    brands = write_brands(tmp_path / "acme-only")
    (brands / "solo.yml").unlink()
    harness = Harness(fake_slack, db_url, brands)
    yield harness
    harness.close()


@pytest.mark.parametrize("send", [_draft_by, _shortcut_by], ids=["/draft", "message shortcut"])
def test_a_non_submitter_is_told_privately_instead_of_a_form(
    acme_only: Harness, send: Callable[[Harness, str], Response]
) -> None:
    slack = acme_only
    response = send(slack, STRANGER)
    assert response.status == 200 and response.body == b""
    slack.settle()
    assert _opened(slack) == []
    notes = [c for c in slack.fake.calls if c.method.startswith("/respond/")]
    assert "not a submitter for any brand" in notes[-1].rendered()
    assert notes[-1].params.get("response_type") == "ephemeral"


def test_an_expired_trigger_is_told_to_the_user(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    before = len(_opened(slack))
    gate = slack.fake.hold("views.open")
    try:
        slack.click(BRAND1, ids.ACTION_REJECT, draft["id"], 1)
        assert gate.reached.wait(STUCK_SECONDS)
        slack.clock.advance(TRIGGER_SECONDS + 1)  # Slack answers after the trigger's 3 s
    finally:
        gate.release.set()
    slack.wait_forms()
    assert [c.error for c in _opened(slack)[before:]] == ["expired_trigger_id"]
    assert "could not open in time" in slack.private_notes()[-1]
    assert slack.runtime.forms is not None and slack.runtime.forms.counts.expired == 1

    # nothing was lost: clicking again opens the form
    slack.click(BRAND1, ids.ACTION_REJECT, draft["id"], 1)
    assert slack.opened_view(callback_id=ids.VIEW_REJECT)
    assert slack.draft(draft["id"]).state == "in_review"


def test_a_form_held_up_past_its_trigger_is_not_tried_and_the_user_is_told(
    slack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saturated opener (or a slow check) cannot open a form whose trigger is gone: it says
    so instead of spending a Slack call on a certain `expired_trigger_id`."""
    draft = submit(slack, CLEAN_WITH_WARNING)
    backend = slack.runtime.backend
    asked, answer = threading.Event(), threading.Event()
    real = backend.can_decide

    def slow(*args: Any, **kwargs: Any) -> Any:
        asked.set()
        assert answer.wait(STUCK_SECONDS)
        return real(*args, **kwargs)

    monkeypatch.setattr(backend, "can_decide", slow)
    before = len(_opened(slack))
    try:
        slack.click(BRAND1, ids.ACTION_REJECT, draft["id"], 1)
        assert asked.wait(STUCK_SECONDS)
        slack.clock.advance(TRIGGER_SECONDS)  # the opener's clock is the test's too
    finally:
        answer.set()
    slack.settle()
    assert len(_opened(slack)) == before
    assert "could not open in time" in slack.private_notes()[-1]
    assert slack.runtime.forms is not None and slack.runtime.forms.counts.stale == 1


def test_a_rate_limited_views_open_is_told_and_never_slept_on(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)
    before = len(_opened(slack))
    # a Retry-After far longer than the form threads are given to finish (wait_forms): a
    # client that slept on it would fail the wait below
    slack.fake.fail_next(1, status=429, retry_after=60, method="views.open")
    slack.click(BRAND1, ids.ACTION_REJECT, draft["id"], 1)
    slack.wait_forms()
    assert [c.status for c in _opened(slack)[before:]] == [429]  # tried once, not retried
    assert "limiting brandgate" in slack.private_notes()[-1]

    slack.click(BRAND1, ids.ACTION_REJECT, draft["id"], 1)
    assert slack.opened_view(callback_id=ids.VIEW_REJECT)
    slack.settle()


def test_closing_the_runtime_finishes_the_forms_already_asked_for(slack: Harness) -> None:
    gate = slack.fake.hold("views.open")
    try:
        slack.client.command(ids.CMD_DRAFT, "", user=SUBMITTER)
        assert gate.reached.wait(STUCK_SECONDS)
        assert slack.runtime.forms is not None
        closing = threading.Thread(target=slack.runtime.forms.close, daemon=True)
        closing.start()
    finally:
        gate.release.set()
    closing.join(STUCK_SECONDS)
    assert not closing.is_alive()
    assert [c.error for c in _opened(slack)] == [None]  # opened before close returned

    # asked after the close: refused cleanly (no thread left to run it), nothing raised
    response = slack.client.command(ids.CMD_DRAFT, "", user=SUBMITTER)
    assert response.status == 200
    assert slack.runtime.forms.counts.failed == 1
