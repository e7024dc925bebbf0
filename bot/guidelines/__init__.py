"""Brand guideline files: the typed model and its validating loader.

The loader (`bot.guidelines.loader`: `load_guidelines`, `GuidelineStore`, `validate_paths`) is
given the rule types a file may use (the engine's `bot.engine.rules.RULE_TYPES`): this package
imports nothing of the engine. It is not re-exported here, so importing the model stays cheap.
"""

from bot.guidelines.model import (
    AutoApproveEntry,
    Disclosure,
    Guidelines,
    PlatformLimits,
    RoutingRule,
    RuleSpec,
    Stage,
    ValueSpec,
)

__all__ = [
    "AutoApproveEntry",
    "Disclosure",
    "Guidelines",
    "PlatformLimits",
    "RoutingRule",
    "RuleSpec",
    "Stage",
    "ValueSpec",
]
