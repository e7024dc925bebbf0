"""Guideline texts and helpers shared by the engine tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.engine.findings import CheckResult

EN_GUIDELINES = """\
brand: Northwind Outdoor
language: en
version: "test-1"
values:
  - id: honest
    description: We say what our gear does, never more.
    signals: [tested, measured, "in our tests"]
    contradictions: [miracle, unbeatable, "best ever"]
platforms:
  x: {max_chars: 280, max_hashtags: 2}
  instagram: {max_chars: 2200, max_hashtags: 10}
disclosure:
  tags: ["#ad", "#sponsored"]
  within_chars: 125
rules:
  - id: no-guarantees
    type: existence
    level: error
    message: "Avoid absolute promises: '%s'."
    tokens: [guarantee, "risk free", cure]
    category: legal
  - id: exact-claims
    type: existence
    level: warning
    match: exact
    tokens: [FREE]
  - id: lower-words
    type: existence
    level: suggestion
    match: lower
    tokens: [awesome]
  - id: preferred-terms
    type: substitution
    level: warning
    message: "Say '%s' instead of '%s'."
    swap: {cheap: affordable, "buy now": discover}
  - id: exclamations
    type: occurrence
    level: warning
    message: "At most one exclamation mark."
    pattern: "!"
    max: 1
  - id: brand-name
    type: capitalization
    level: error
    message: "Write '%s'."
    terms: [Northwind, TrailLite]
  - id: no-personal-data
    type: pii
    level: error
    overridable: false
    allow: ["help@northwind.example"]
approvers:
  brand: [U01BRAND1, U01BRAND2]
  legal: [U01LEGAL1]
  pr: [U01PR0001]
routing:
  default: [brand]
  rules:
    - when: {category: legal}
      stages: [legal, brand]
    - when: {sponsored: true}
      stages: [{group: pr, mode: all}]
policy:
  auto_approve:
    - {kind: reply, verdict: pass}
submitters: ["*"]
auditors: [U01AUDIT1]
"""

IT_GUIDELINES = """\
brand: Casa Aurora
language: it
version: "test-1"
values:
  - id: sincera
    description: Diciamo cosa fanno i nostri prodotti, mai di più.
    signals: [testato, misurato]
    contradictions: [miracoloso, imbattibile]
platforms:
  instagram: {max_chars: 2200, max_hashtags: 5}
rules:
  - id: niente-garanzie
    type: existence
    level: error
    message: "Evita promesse assolute: '%s'."
    tokens: [garantire, "senza rischi"]
    category: legal
  - id: termini
    type: substitution
    level: warning
    message: "Scrivi '%s' invece di '%s'."
    swap: {economico: conveniente}
  - id: esclamativi
    type: occurrence
    level: warning
    pattern: "!"
    max: 1
  - id: marchio
    type: capitalization
    level: error
    terms: [Casa Aurora]
  - id: dati-personali
    type: pii
    level: error
approvers:
  brand: [U02BRAND1]
routing:
  default: [brand]
"""


CheckFn = Callable[..., CheckResult]


def write_guidelines(directory: Path, brand_id: str, text: str) -> Path:
    path = directory / f"{brand_id}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def rules_of(result: CheckResult) -> list[str]:
    return [f.rule for f in result.findings]


def texts_of(result: CheckResult, rule: str) -> list[str]:
    return [f.text for f in result.findings if f.rule == rule]
