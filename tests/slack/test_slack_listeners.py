"""Listeners hold no workflow rules of their own (issue 9 item 4): which submitter buttons still
work is the workflow state machine's answer, and the layout is the starter template's."""

from __future__ import annotations

import importlib
import inspect

import pytest

from bot.slack import ids
from bot.workflow.states import Action, actions_in
from tests.slack.brands import BRAND1, STRANGER, SUBMITTER
from tests.slack.harness import Harness
from tests.slack.test_slack_flows import CLEAN_WITH_WARNING, LEGAL_RISK, submit

REVISED = "Our new tent is affordable and weighs 900 g."


def test_revise_works_in_every_state_the_workflow_allows_it(slack: Harness) -> None:
    """Slack used to allow Revise only when blocked or changes requested; the workflow also
    lets a submitter revise a draft in review (its approvers then see the new revision)."""
    draft = submit(slack, CLEAN_WITH_WARNING)
    assert draft["state"] == "in_review"
    assert Action.REVISE in actions_in("in_review", submitter=True)
    slack.click(SUBMITTER, ids.ACTION_REVISE, draft["id"], 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_REVISE)
    resp = slack.client.view_submission(user=SUBMITTER, view=view, values={ids.BLOCK_TEXT: REVISED})
    assert resp.status == 200 and resp.body == b""
    slack.deliver()
    revised = slack.draft(draft["id"])
    assert (revised.revision, revised.text) == (2, REVISED)


def test_submit_anyway_is_refused_where_the_workflow_refuses_it(slack: Harness) -> None:
    draft = submit(slack, CLEAN_WITH_WARNING)  # in review: nothing to override
    opened = len(slack.fake.calls_to("views.open"))
    slack.click(SUBMITTER, ids.ACTION_OVERRIDE, draft["id"], 1)
    slack.settle()
    assert len(slack.fake.calls_to("views.open")) == opened
    note = slack.private_notes()[-1]  # the state machine's own words
    assert "in_review" in note and "overrid" in note


@pytest.mark.parametrize("who", [STRANGER, BRAND1])
def test_only_the_submitter_may_revise(slack: Harness, who: str) -> None:
    draft = submit(slack, LEGAL_RISK)
    opened = len(slack.fake.calls_to("views.open"))
    slack.click(who, ids.ACTION_REVISE, draft["id"], 1)
    slack.settle()
    assert len(slack.fake.calls_to("views.open")) == opened
    assert f"only the submitter ({SUBMITTER}) may revise" in slack.private_notes()[-1]


def test_a_revise_form_submitted_by_someone_else_is_refused_inline(slack: Harness) -> None:
    draft = submit(slack, LEGAL_RISK)
    slack.click(SUBMITTER, ids.ACTION_REVISE, draft["id"], 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_REVISE)
    resp = slack.client.view_submission(user=STRANGER, view=view, values={ids.BLOCK_TEXT: REVISED})
    assert resp.json()["response_action"] == "errors"
    assert "only the submitter" in resp.json()["errors"][ids.BLOCK_TEXT]
    slack.deliver()
    assert slack.draft(draft["id"]).revision == 1


@pytest.mark.parametrize("package", ["commands", "shortcuts", "actions", "views", "events"])
def test_each_listener_package_only_registers(package: str) -> None:
    module = importlib.import_module(f"bot.slack.listeners.{package}")
    defined_here = {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__
    }
    assert defined_here == {"register"}
