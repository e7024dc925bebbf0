"""Which actions to offer a person for a draft: buttons in Slack, commands in the CLI.

Pure (no database): it reads a `DraftView` and the brand's guidelines and applies the same rules
as the guards the actions run (bot/workflow/guards.py, seats.py), so a button is shown exactly
when pressing it would succeed. The tests hold the two against each other in every state.
"""

from __future__ import annotations

from bot.guidelines.model import Guidelines
from bot.workflow.guards import brand_approvers
from bot.workflow.snapshots import DraftView, StageView
from bot.workflow.states import Action, allows


def _open_stage(view: DraftView) -> StageView | None:
    if not allows(view.state, Action.DECIDE):
        return None
    return next((s for s in view.route if s.stage == view.current_stage), None)


def _deciders(stage: StageView) -> set[str]:
    return {str(d.get("actor")) for d in stage.decisions}


def may_decide(view: DraftView, actor: str) -> bool:
    stage = _open_stage(view)
    if stage is None or actor not in stage.approvers or actor in _deciders(stage):
        return False
    return not any(actor in _deciders(s) for s in view.route if s.stage != stage.stage)


def eligible_delegates(view: DraftView, actor: str, guidelines: Guidelines) -> list[str]:
    """Who `actor` may hand their seat in the open stage to (empty: nobody, or no seat)."""
    stage = _open_stage(view)
    if stage is None or not may_decide(view, actor):
        return []
    others = [s for s in view.route if s.stage != stage.stage]
    taken = set(stage.approvers) | {view.submitter}
    for s in others:
        taken |= set(s.approvers) | _deciders(s)
    members = (u for group in guidelines.approvers.values() for u in group)
    return [u for u in dict.fromkeys(members) if u not in taken]


def _overridable(view: DraftView) -> bool:
    errors = [f for f in view.findings if f.get("level") == "error"]
    return all(f.get("overridable", True) for f in errors)


def _submitter_offers(view: DraftView, actor: str, guidelines: Guidelines | None) -> set[Action]:
    if actor != view.submitter:
        return set()
    offered = {
        a for a in (Action.OVERRIDE, Action.REVISE, Action.WITHDRAW) if allows(view.state, a)
    }
    if not _overridable(view):
        offered.discard(Action.OVERRIDE)
    if guidelines is None or not guidelines.may_submit(actor):
        offered.discard(Action.REVISE)
    return offered


def offer_key(view: DraftView, actor: str) -> tuple[object, ...]:
    """Everything of `view` that `offered_actions` reads, with the actor: two drafts with equal
    keys (of one brand, under one version of its file) are offered the same actions, so a run
    that tells a thousand drafts' approvers works out each distinct case once. Keep in step with
    the functions above: a field they start to read belongs here too."""
    route = tuple((s.stage, s.approvers, frozenset(_deciders(s))) for s in view.route)
    return (
        actor,
        view.brand,
        view.state,
        view.submitter,
        view.current_stage,
        route,
        _overridable(view),
    )


def offered_actions(
    view: DraftView, actor: str, guidelines: Guidelines | None = None
) -> frozenset[Action]:
    """The actions `actor` may take on the draft now. Without `guidelines` (a brand whose file
    cannot be read) the rules that need them are left out: nothing is revised or published
    against guidelines nobody can read, and nobody delegates to people nobody can check."""
    offered = _submitter_offers(view, actor, guidelines)
    if may_decide(view, actor):
        offered.add(Action.DECIDE)
        if guidelines is not None and eligible_delegates(view, actor, guidelines):
            offered.add(Action.DELEGATE)
    publisher = guidelines is not None and (
        actor == view.submitter or actor in brand_approvers(guidelines)
    )
    if publisher and allows(view.state, Action.PUBLISH):
        offered.add(Action.PUBLISH)
    return frozenset(offered)


__all__ = ["eligible_delegates", "may_decide", "offer_key", "offered_actions"]
