"""The schema of a guideline file, section by section, over the line-aware field validators.

`document` checks a parsed file top-down and returns what it could read; the caller builds
`Guidelines` from it only when no problem was recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.guidelines.fields import Fields
from bot.guidelines.model import (
    LANGUAGES,
    AutoApproveEntry,
    Disclosure,
    Guidelines,
    PlatformLimits,
    RoutingRule,
    RuleSpec,
    Sla,
    Stage,
    ValueSpec,
)
from bot.guidelines.options import RuleTypes
from bot.guidelines.sections import brand, people, routing, rules
from bot.guidelines.sections import sla as sla_section
from bot.guidelines.sections.people import ANYONE
from bot.guidelines.yamlmarks import Node

TOP_LEVEL_FIELDS = (
    "brand",
    "language",
    "version",
    "values",
    "platforms",
    "disclosure",
    "rules",
    "approvers",
    "routing",
    "policy",
    "submitters",
    "auditors",
    "workspace",
    "sla",
)
# Slack team ids: T followed by upper-case letters and digits (E for Enterprise Grid orgs)
TEAM_ID_PATTERN = re.compile(r"^[TE][A-Z0-9]{2,}$")


@dataclass
class Sections:
    """What validation produced; only built into Guidelines when there were no problems."""

    brand: str = ""
    language: str = ""
    version: str = ""
    values: tuple[ValueSpec, ...] = ()
    platforms: dict[str, PlatformLimits] | None = None
    disclosure: Disclosure | None = None
    rules: tuple[RuleSpec, ...] = ()
    approvers: dict[str, tuple[str, ...]] | None = None
    routing_default: tuple[Stage, ...] = ()
    routing_rules: tuple[RoutingRule, ...] = ()
    auto_approve: tuple[AutoApproveEntry, ...] = ()
    submitters: tuple[str, ...] = (ANYONE,)
    auditors: tuple[str, ...] = ()
    workspace: str | None = None
    sla: Sla | None = None

    def build(self, *, brand_id: str, sha256: str, path: Path) -> Guidelines:
        return Guidelines(
            brand_id=brand_id,
            brand=self.brand,
            language=self.language,
            version=self.version,
            sha256=sha256,
            path=path,
            values=self.values,
            platforms=self.platforms or {},
            disclosure=self.disclosure,
            rules=self.rules,
            approvers=self.approvers or {},
            routing_default=self.routing_default,
            routing_rules=self.routing_rules,
            auto_approve=self.auto_approve,
            submitters=self.submitters,
            auditors=self.auditors,
            workspace=self.workspace,
            sla=self.sla,
        )


def document(v: Fields, root: Node, rule_types: RuleTypes) -> Sections:
    """Every section of the file; problems go to `v.problems`."""
    out = Sections()
    top = v.fields(root, "", "the file (top level)", TOP_LEVEL_FIELDS, ("brand", "language"))
    if top is None:
        return out
    if "brand" in top:
        out.brand = v.string(top["brand"], "brand") or ""
    if "language" in top:
        out.language = v.choice(top["language"], "language", LANGUAGES) or ""
    if "version" in top:
        out.version = brand.version(v, top["version"]) or ""
    if "values" in top:
        out.values = brand.values(v, top["values"])
    if "platforms" in top:
        out.platforms = brand.platforms(v, top["platforms"])
    if "disclosure" in top:
        out.disclosure = brand.disclosure(v, top["disclosure"])
    if "rules" in top:
        out.rules = rules.rules(v, top["rules"], rule_types)
    if "approvers" in top:
        out.approvers = people.approvers(v, top["approvers"])
    if "routing" in top:
        out.routing_default, out.routing_rules = routing.routing(
            v, top["routing"], out.approvers or {}, rules.categories(top.get("rules"))
        )
    if "policy" in top:
        out.auto_approve = routing.policy(v, top["policy"])
    if "submitters" in top:
        out.submitters = people.submitters(v, top["submitters"])
    if "auditors" in top:
        out.auditors = people.auditors(v, top["auditors"])
    if "workspace" in top:
        out.workspace = v.string(
            top["workspace"],
            "workspace",
            pattern=TEAM_ID_PATTERN,
            hint="a Slack team id such as T01ABCDEF",
        )
    if "sla" in top:
        out.sla = sla_section.sla(
            v, top["sla"], out.approvers or {}, rules.categories(top.get("rules"))
        )
    return out
