"""A batch does only the work some rule reads: the history only for brands with a `duplicate`
rule, and one route per distinct (platform, kind, sponsored, verdict, categories)."""

from __future__ import annotations

from pathlib import Path

from bot.engine.findings import Draft
from bot.engine.near_duplicates import InMemoryHistory
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from bot.guidelines.model import Guidelines
from bot.routing import plan_route
from bot.workflow.preview import preview_many
from tests.engine.support import EN_GUIDELINES, write_guidelines

REPLY = "Thanks for writing to us, our team will look into your order and get back to you today"


def _batch(guidelines: Guidelines, history: InMemoryHistory) -> list[Draft]:
    drafts = [Draft(text=f"{REPLY} {n}", platform="x", id=f"d{n}") for n in range(5)]
    preview_many(
        guidelines,
        drafts,
        history=history,
        record=lambda d: history.add(guidelines.brand_id, d.id or "", d.text),
    )
    return drafts


def test_a_brand_without_duplicate_rule_keeps_no_history(it: Guidelines) -> None:
    assert not any(rule.type == "duplicate" for rule in it.rules)
    history = InMemoryHistory()
    _batch(it, history)
    assert len(history) == 0


def test_a_brand_with_duplicate_rule_records_every_draft(tmp_path: Path) -> None:
    text = EN_GUIDELINES.replace(
        "rules:\n", "rules:\n  - id: copies\n    type: duplicate\n    level: warning\n", 1
    )
    guidelines = load_guidelines(write_guidelines(tmp_path, "dupes", text), RULE_TYPES)
    assert any(rule.type == "duplicate" for rule in guidelines.rules)
    history = InMemoryHistory()
    drafts = _batch(guidelines, history)
    assert len(history) == len(drafts)


def test_equal_facts_share_one_route_and_route_as_computed_alone(it: Guidelines) -> None:
    drafts = [Draft(text=f"Grazie per la pazienza {n}", platform="x") for n in range(4)]
    previews = preview_many(it, drafts)
    assert all(p.route is previews[0].route for p in previews)
    for p in previews:
        assert p.route == plan_route(it, p.result, p.draft)
