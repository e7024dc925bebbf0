"""What to change in a rule that approvers keep overruling (SPEC: precision < 0.3, >= 10 drafts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class RuleKind(Protocol):
    """What advice needs of a rule: a guideline RuleSpec or a catalogue.RuleInfo."""

    @property
    def type(self) -> str: ...

    @property
    def level(self) -> str: ...


MIN_DRAFTS = 10
MAX_PRECISION = 0.3
NAMED_TEXTS = 3

_LOWER = {"error": "warning", "warning": "suggestion"}
# Where a rule type lets a brand spare one matched text, instead of weakening the whole rule.
_SPARE = {
    "existence": "drop {texts} from its `tokens`",
    "substitution": "drop {texts} from its `swap`",
    "boilerplate": "add {texts} to its `allow` list",
    "pii": "add {texts} to its `allow` list",
    "relevance": "add {texts} to its `ignore` words",
}


def needs_advice(drafts: int, precision: float | None) -> bool:
    return drafts >= MIN_DRAFTS and precision is not None and precision < MAX_PRECISION


def advice(
    rule: str,
    *,
    drafts: int,
    overruled: int,
    precision: float,
    spec: RuleKind | None,
    texts: Sequence[tuple[str, int]],
) -> str:
    """One sentence: the level change, and the matched texts approvers let through most often."""
    head = (
        f"Approvers overruled '{rule}' on {overruled} of {drafts} decided drafts "
        f"(precision {precision:.2f})"
    )
    if spec is None:
        change = "lower its level"
    elif spec.level in _LOWER:
        change = f"lower its level from {spec.level} to {_LOWER[spec.level]}"
    else:
        change = "remove it (it is already a suggestion)"
    named = ", ".join(f"'{text}' ({count}\u00d7)" for text, count in texts[:NAMED_TEXTS])
    if not named:
        return f"{head}: {change}."
    spare = _SPARE.get(spec.type if spec else "", "")
    if spare:
        return f"{head}: {change}, or {spare.format(texts=named)}."
    return f"{head}: {change}; most often let through: {named}."
