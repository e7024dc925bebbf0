"""What goes into outbox payloads: everything an adapter needs to render a message, no lookups.

Every payload carries the draft's identity and content (`draft`, `brand`, `brand_name`,
`platform`, `kind`, `sponsored`, `submitter`, `revision`, `text`, `context`, `notes`, `verdict`,
`findings`, `values`, `max_chars`, `origin`, `state`), `offered` (the actions of
bot/workflow/states.py the recipient may take once the change is committed: which buttons to
show), plus, by kind:

- `review_request` (to each approver of the stage now open): `stage`, `group`, `mode`,
  `approvers`, `override_reason`, `diff` (vs the previous revision, or null), `earlier`
  (decisions of earlier stages in this round).
- `findings` (to the submitter after each check): `route`, `problem`, `auto_approved_by`.
- `outcome` (to the submitter): `outcome` (approved | rejected | changes_requested),
  `decided_by`, `reason`, `by_policy`.
- `decision_made` (to approvers whose review request is now settled, to update it): `decision`
  (approve | reject | changes | edit_approve | withdrawn | superseded | delegated), `decided_by`,
  `reason`, `stage`, `stage_state`, `replaces` (dedupe key of the review request to edit).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from models import Draft, Revision

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[dict[str, str]]:
    """What changed, word by word: a list of {op: equal|insert|delete, text}."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    ops: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append({"op": "equal", "text": "".join(a[i1:i2])})
            continue
        if i2 > i1:
            ops.append({"op": "delete", "text": "".join(a[i1:i2])})
        if j2 > j1:
            ops.append({"op": "insert", "text": "".join(b[j1:j2])})
    return ops


def diff_payload(previous: Revision | None, current: Revision) -> dict[str, Any] | None:
    if previous is None:
        return None
    return {
        "from_revision": previous.number,
        "to_revision": current.number,
        "words": word_diff(previous.text, current.text),
    }


def base_payload(
    draft: Draft, revision: Revision, brand_name: str, *, max_chars: int | None = None
) -> dict[str, Any]:
    return {
        "draft": draft.id,
        "brand": draft.brand_id,
        "brand_name": brand_name,
        "platform": draft.platform,
        "kind": draft.kind,
        "sponsored": draft.sponsored,
        "submitter": draft.submitter,
        "revision": revision.number,
        "author": revision.author,
        "text": revision.text,
        "context": draft.context,
        "notes": draft.notes,
        "verdict": revision.verdict,
        "findings": revision.check_result.get("findings", []),
        # {"<value id>": {"signals": n, "contradictions": m}}: how the draft sits with the
        # brand's values, for approvers (revisions checked before this field existed: {})
        "values": revision.check_result.get("values", {}),
        # the brand's limit for this platform (None: the file sets none, adapters use the
        # platform's published default)
        "max_chars": max_chars,
        "origin": draft.origin,
        "state": draft.state,
        # the planned publication (ISO-8601 UTC) or None
        "publish_at": draft.publish_at.isoformat() if draft.publish_at else None,
    }
