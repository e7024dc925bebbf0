"""The routing plan: matching rules, union of stages, modes, self-approval, fallback, policy."""

from __future__ import annotations

from pathlib import Path

from bot.engine.checker import get_checker
from bot.engine.findings import Draft
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from bot.routing import plan_route
from tests.engine.support import EN_GUIDELINES, write_guidelines


def _plan(
    tmp_path: Path,
    text: str,
    yaml_text: str = EN_GUIDELINES,
    submitter: str | None = None,
    **kw: object,
):  # type: ignore[no-untyped-def]
    guidelines = load_guidelines(write_guidelines(tmp_path, "brand", yaml_text), RULE_TYPES)
    draft = Draft(text=text, platform=kw.pop("platform", "x"), **kw)  # type: ignore[arg-type]
    result = get_checker(guidelines).check(draft)
    return plan_route(guidelines, result, draft, submitter)


def groups(plan) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(s.group, s.mode) for s in plan.stages]


def test_default_route_when_no_rule_matches(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "Cheap boots.")
    assert groups(plan) == [("brand", "any")]
    assert plan.stages[0].approvers == ("U01BRAND1", "U01BRAND2")
    assert plan.stages[0].stage == 1


def test_category_routes_through_several_stages(tmp_path: Path) -> None:
    assert groups(_plan(tmp_path, "We guarantee it.")) == [("legal", "any"), ("brand", "any")]


def test_matching_rules_combine_in_order_of_first_appearance(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "#ad We guarantee it.", sponsored=True)
    assert groups(plan) == [("legal", "any"), ("brand", "any"), ("pr", "all")]


def test_a_group_named_twice_keeps_its_place_and_the_stricter_mode(tmp_path: Path) -> None:
    text = EN_GUIDELINES.replace(
        "      stages: [{group: pr, mode: all}]", "      stages: [{group: legal, mode: all}, pr]"
    )
    plan = _plan(tmp_path, "#ad We guarantee it.", text, sponsored=True)
    assert groups(plan) == [("legal", "all"), ("brand", "any"), ("pr", "any")]


def test_submitter_is_never_an_approver_and_empty_stage_falls_back(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "We guarantee it.", submitter="U01LEGAL1")
    assert groups(plan) == [("brand", "any")]
    assert all("U01LEGAL1" not in s.approvers for s in plan.stages)
    plan = _plan(tmp_path, "Cheap.", submitter="U01BRAND1")
    assert plan.stages[0].approvers == ("U01BRAND2",)


def test_no_eligible_approver_anywhere_is_reported(tmp_path: Path) -> None:
    text = EN_GUIDELINES.replace("brand: [U01BRAND1, U01BRAND2]", "brand: [U01BRAND1]")
    plan = _plan(tmp_path, "Cheap.", text, submitter="U01BRAND1")
    assert plan.stages == () and plan.problem and "U01BRAND1" in plan.problem


def test_policy_auto_approves_clean_replies_only(tmp_path: Path) -> None:
    clean = _plan(tmp_path, "Thanks, tested it myself.", kind="reply")
    assert clean.auto_approved_by == "policy.auto_approve[0]" and clean.stages == ()
    warned = _plan(tmp_path, "Thanks, cheap fix.", kind="reply")
    assert warned.auto_approved_by is None and groups(warned) == [("brand", "any")]
    post = _plan(tmp_path, "Thanks, tested it myself.", kind="post")
    assert post.auto_approved_by is None
