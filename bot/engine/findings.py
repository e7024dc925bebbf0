"""What goes into a check and what comes out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

LEVEL_RANK = {"suggestion": 0, "warning": 1, "error": 2}


@dataclass(slots=True)  # treated as immutable; not frozen, because a frozen init is slower
class Draft:
    text: str
    platform: str
    kind: str = "post"
    sponsored: bool = False
    context: str | None = None
    id: str | None = None


class Finding(NamedTuple):
    """What a rule found. A named tuple: checks build many, and the hot paths build them with
    `new_tuple`, without a Python call."""

    rule: str
    level: str
    category: str | None
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None = None
    overridable: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "suggestion": self.suggestion,
            "overridable": self.overridable,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule=data["rule"],
            level=data["level"],
            category=data.get("category"),
            start=data["start"],
            end=data["end"],
            text=data["text"],
            message=data["message"],
            suggestion=data.get("suggestion"),
            overridable=data.get("overridable", True),
        )


#: Builds a named tuple from its fields in order without a Python-level call:
#: `new_tuple(Finding, (rule, level, ...))`. The hot paths of a check use it for their tuples.
new_tuple = tuple.__new__


def verdict_of(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """`block` if any error, `review` if any warning, else `pass` (suggestions hold nothing)."""
    worst = max((LEVEL_RANK[f.level] for f in findings), default=0)
    return {2: "block", 1: "review"}.get(worst, "pass")


@dataclass(frozen=True, slots=True)
class ValueCount:
    signals: int = 0
    contradictions: int = 0


@dataclass(slots=True)  # treated as immutable; not frozen because a frozen init is slower
class CheckResult:
    findings: tuple[Finding, ...]
    guidelines_sha256: str
    values: dict[str, ValueCount] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return verdict_of(self.findings)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def overridable(self) -> bool:
        """True when every error-level finding may be overridden with a written reason."""
        return all(f.overridable for f in self.blocking)

    def values_json(self) -> dict[str, dict[str, int]]:
        return {
            k: {"signals": v.signals, "contradictions": v.contradictions}
            for k, v in self.values.items()
        }
