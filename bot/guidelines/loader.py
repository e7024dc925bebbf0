"""Load brand guideline files and validate every field, reporting problems as `file:line: field`.

The format is the contract in SPEC.md ("Brand guideline files"); `brand_guidelines/README.md` is
its reference. Validation never stops at the first problem: a person fixing a file wants to see
everything wrong with it at once, in line order. Unknown keys are always errors, because a typo
such as `tokns:` would otherwise silently disable a rule.

The parts: `yamlmarks` (YAML with line marks), `fields` (line-aware validators of one value),
`sections` (the schema of each section), `reading` (files and folders) and `store` (the cached
folder). The rule types a file may use are passed in (`rule_types`, the engine's `RULE_TYPES`):
this package imports nothing of the engine.
"""

from bot.guidelines.errors import GuidelineError, Problem, UnknownBrand
from bot.guidelines.reading import (
    BRAND_ID_PATTERN,
    MAX_FILE_BYTES,
    SUFFIXES,
    load_bytes,
    load_guidelines,
    validate_paths,
)
from bot.guidelines.store import GuidelineStore

__all__ = [
    "BRAND_ID_PATTERN",
    "MAX_FILE_BYTES",
    "SUFFIXES",
    "GuidelineError",
    "GuidelineStore",
    "Problem",
    "UnknownBrand",
    "load_bytes",
    "load_guidelines",
    "validate_paths",
]
