"""`brandgate guidelines validate|show`: check guideline files, describe one brand."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from bot.cli.common import EXIT_OK, EXIT_USAGE, add_guidelines_dir, guideline_store, settings
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import validate_paths
from bot.guidelines.model import Guidelines, Stage

ANYONE = "*"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("guidelines", help="validate or show brand guideline files")
    commands = parser.add_subparsers(dest="guidelines_command", required=True)

    validate = commands.add_parser(
        "validate", help="validate guideline files (default: the whole guidelines folder)"
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    validate.set_defaults(func=run_validate)

    show = commands.add_parser("show", help="describe one brand's guidelines")
    show.add_argument("brand", metavar="ID")
    add_guidelines_dir(show)
    show.set_defaults(func=run_show)


def run_validate(args: argparse.Namespace) -> int:
    paths = args.paths or [settings().guidelines_dir]
    problems = validate_paths(paths, RULE_TYPES)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        return EXIT_USAGE
    print("OK")
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    print(describe(guideline_store(args).get(args.brand)))
    return EXIT_OK


def describe(guidelines: Guidelines) -> str:
    """A human-readable summary, for `brandgate guidelines show ID`."""
    g = guidelines
    lines = [
        f"{g.brand} ({g.brand_id})",
        f"  file:      {g.path}",
        f"  language:  {g.language}",
        f"  version:   {g.version or '(none)'}",
        f"  sha256:    {g.sha256}",
        "",
    ]
    lines += _describe_values(g)
    lines += _describe_platforms(g)
    lines += _describe_rules(g)
    lines += _describe_people_and_routing(g)
    return "\n".join(lines).rstrip() + "\n"


def _describe_values(g: Guidelines) -> list[str]:
    if not g.values:
        return ["Values: (none)", ""]
    lines = [f"Values ({len(g.values)}):"]
    for v in g.values:
        lines.append(f"  {v.id}: {v.description}")
        if v.signals:
            lines.append(f"      signals:        {', '.join(v.signals)}")
        if v.contradictions:
            lines.append(f"      contradictions: {', '.join(v.contradictions)}")
    return [*lines, ""]


def _describe_platforms(g: Guidelines) -> list[str]:
    lines = ["Platforms:" if g.platforms else "Platforms: (no limits)"]
    for name, limits in g.platforms.items():
        parts = []
        if limits.max_chars is not None:
            parts.append(f"max {limits.max_chars} characters")
        if limits.max_hashtags is not None:
            parts.append(f"max {limits.max_hashtags} hashtags")
        lines.append(f"  {name:<10} {', '.join(parts) or 'no limits'}")
    if g.disclosure:
        within = (
            f" within the first {g.disclosure.within_chars} characters"
            if g.disclosure.within_chars
            else ""
        )
        lines.append(
            f"Disclosure: sponsored drafts need one of {', '.join(g.disclosure.tags)}{within}"
        )
    else:
        lines.append("Disclosure: (none required)")
    return [*lines, ""]


def _describe_rules(g: Guidelines) -> list[str]:
    if not g.rules:
        return ["Rules: (none)", ""]
    header = ("ID", "TYPE", "LEVEL", "CATEGORY", "OVERRIDE", "APPLIES TO", "DETAILS")
    rows = [header]
    for r in g.rules:
        scope = ", ".join((*r.platforms, *r.kinds)) or "all"
        rows.append(
            (
                r.id,
                r.type,
                r.level,
                r.category or "-",
                "yes" if r.overridable else "no",
                scope,
                _option_summary(r.options),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [f"Rules ({len(g.rules)}):"]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  " + "  ".join([*cells, row[-1]]).rstrip())
    return [*lines, ""]


def _option_summary(options: Mapping[str, Any]) -> str:
    parts = []
    for name, value in options.items():
        if isinstance(value, Mapping):
            parts.append(f"{name}: {len(value)} pairs")
        elif isinstance(value, tuple | list):
            shown = ", ".join(map(str, value[:3])) + (", ..." if len(value) > 3 else "")
            parts.append(f"{name}: {len(value)} [{shown}]")
        else:
            parts.append(f"{name}: '{value}'" if isinstance(value, str) else f"{name}: {value}")
    return "; ".join(parts)


def _stages_text(stages: Sequence[Stage]) -> str:
    if not stages:
        return "(none)"
    return " -> ".join(s.group if s.mode == "any" else f"{s.group} (all)" for s in stages)


def _conditions_text(conditions: Mapping[str, tuple[Any, ...]]) -> str:
    def shown(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return " and ".join(
        f"{name} = {' or '.join(shown(v) for v in values)}" for name, values in conditions.items()
    )


def _describe_people_and_routing(g: Guidelines) -> list[str]:
    lines = ["Approvers:" if g.approvers else "Approvers: (none)"]
    lines += [f"  {group}: {', '.join(users)}" for group, users in g.approvers.items()]
    lines += ["", "Routing:"]
    for i, rule in enumerate(g.routing_rules, 1):
        lines.append(f"  {i}. when {_conditions_text(rule.when)}: {_stages_text(rule.stages)}")
    lines.append(f"  default: {_stages_text(g.routing_default)}")
    lines += ["", "Policy:"]
    if g.auto_approve:
        lines += [
            f"  {entry.label}: auto-approve when {_conditions_text(entry.conditions)}"
            for entry in g.auto_approve
        ]
    else:
        lines.append("  every draft needs in-house approval (no auto_approve entries)")
    submitters = "anyone in the workspace" if ANYONE in g.submitters else ", ".join(g.submitters)
    lines += ["", f"Submitters: {submitters}", f"Auditors:   {', '.join(g.auditors) or '(none)'}"]
    return lines
