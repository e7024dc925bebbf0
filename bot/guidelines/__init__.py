"""Brand guideline files: the typed model and its validating loader.

The loader (`bot.guidelines.loader`: `load_guidelines`, `GuidelineStore`, `validate_paths`)
imports the rule registry and with it spaCy, so it is not re-exported here: importing the model
stays cheap.
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
