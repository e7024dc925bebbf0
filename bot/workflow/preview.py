"""What would happen to a draft, without submitting it: the check and the route, nothing stored.

One preview serves `brandgate check` (the CLI, in batches) and `/brandcheck` (Slack), so the two
answer the same for the same draft. Pure: no database (a duplicate `history` may be passed in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.engine.findings import CheckResult, Draft
from bot.guidelines.model import KINDS, PLATFORMS, Guidelines
from bot.routing import RoutePlan, plan_route
from bot.workflow.errors import InvalidRequest

if TYPE_CHECKING:
    from bot.engine.near_duplicates import HistoryIndex

REPLY = "reply"


@dataclass(frozen=True)
class Preview:
    draft: Draft
    result: CheckResult
    route: RoutePlan


def check_metadata(
    *, platform: str | None, kind: str | None, context: str | None, stored: bool = True
) -> None:
    """Refuse what no draft may be: no or an unknown platform or kind; and, for a draft to be
    `stored` (submit, revise), a reply without the message it answers. A preview of a reply
    without context is answered (its relevance just cannot be judged)."""
    if not platform:
        raise InvalidRequest(f"platform is required: one of {', '.join(PLATFORMS)}")
    if platform not in PLATFORMS:
        raise InvalidRequest(f"unknown platform {platform!r}; one of: {', '.join(PLATFORMS)}")
    if kind not in KINDS:
        raise InvalidRequest(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    if stored and kind == REPLY and (context is None or not context.strip()):
        raise InvalidRequest(
            "a reply needs context: the message it answers (relevance is checked against it)"
        )


def preview_draft(
    *,
    text: str,
    platform: str | None,
    kind: str = "post",
    sponsored: bool = False,
    context: str | None = None,
    id: str | None = None,
) -> Draft:
    """The engine draft to preview, once its metadata passed `check_metadata`."""
    check_metadata(platform=platform, kind=kind, context=context, stored=False)
    assert platform is not None
    return Draft(
        text=text, platform=platform, kind=kind, sponsored=sponsored, context=context, id=id
    )


def preview(
    guidelines: Guidelines,
    draft: Draft,
    *,
    submitter: str | None = None,
    history: HistoryIndex | None = None,
) -> Preview:
    """Check `draft` and plan its route; `submitter` is left out of the approvers."""
    from bot.engine.checker import get_checker

    result = get_checker(guidelines).check(draft, history=history)
    return Preview(draft, result, plan_route(guidelines, result, draft, submitter))


def preview_many(
    guidelines: Guidelines,
    drafts: Sequence[Draft],
    *,
    submitter: str | None = None,
    history: HistoryIndex | None = None,
    record: Callable[[Draft], None] | None = None,
) -> list[Preview]:
    """`preview` for a batch of one brand's drafts, checked together (`check_many`); `record`
    adds each draft to `history` once it is checked, so later lines see earlier ones."""
    from bot.engine.checker import get_checker

    checker = get_checker(guidelines)
    if not checker.reads_history:
        # No rule reads the history: neither look drafts up in it nor add them to it.
        history = record = None
    results = checker.check_many(list(drafts), history=history, record=record)
    # The route depends only on these facts of a draft (and the fixed submitter): computed once
    # per distinct set of them in the batch, reused for the others.
    routes: dict[tuple[object, ...], RoutePlan] = {}
    previews = []
    for draft, result in zip(drafts, results, strict=True):
        key = (
            draft.platform,
            draft.kind,
            draft.sponsored,
            result.verdict,
            frozenset(f.category for f in result.findings if f.category),
        )
        route = routes.get(key)
        if route is None:
            route = routes[key] = plan_route(guidelines, result, draft, submitter)
        previews.append(Preview(draft, result, route))
    return previews
